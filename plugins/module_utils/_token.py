# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of aep_access_token: one access token from Adobe IMS, for a play to share.

PRIVATE to the aep.platform collection: this API may change at any time.

``AccessToken`` is a ``Runner`` like every module's logic, with two
differences in the shared options: a token needs no organization, so
``org_id`` is not required, and the checks of ``validate_common`` (which wants
an org id and accepts an access token instead of client credentials) do not
apply. It is given an ``HttpTransport``, not an API client: there is no
Platform call.
"""

from __future__ import annotations

from ansible_collections.aep.platform.plugins.module_utils._arguments import (
    aep_argument_spec,
    check_transport_options,
    check_url,
)
from ansible_collections.aep.platform.plugins.module_utils._auth import request_access_token
from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._runner import Runner, build_transport, run_runner

TOKEN_CREDENTIALS_MISSING = (
    "aep_access_token asks Adobe IMS for a new token and needs client_id and client_secret "
    "(AEP_CLIENT_ID, AEP_CLIENT_SECRET); an access_token given to it is not used."
)


def token_argument_spec():
    """The shared options, all accepted (module_defaults for the group passes them all); org_id not required."""
    argument_spec = aep_argument_spec()
    argument_spec["org_id"] = dict(argument_spec["org_id"], required=False)
    return argument_spec


class AccessToken(Runner):
    """Ask IMS for a token with the client credentials; never changes anything.

    In check mode the token is requested too: asking for a token changes
    nothing, and the tasks after it need the token.

    A successful result holds the token, so the action plugin marks it for
    Ansible to censor (``_ansible_no_log``) on both paths, whether or not the
    task says ``no_log``: ``-v``, callbacks, logs and AWX job events never
    show it, and the registered variable still holds it for later tasks.
    """

    # Keys of a result that are secret: when a result has one, the whole result is censored.
    secret_result_keys = ("access_token",)

    @classmethod
    def module_argument_spec(cls):
        return token_argument_spec()

    @classmethod
    def connect(cls, params):
        return build_transport(params)

    @classmethod
    def validate(cls, params):
        """Check only what a token request uses; raise AepValidationError naming the option."""
        if not (params.get("client_id") and params.get("client_secret")):
            raise AepValidationError(TOKEN_CREDENTIALS_MISSING)
        check_url("ims_url", params["ims_url"])
        if not params.get("scopes"):
            raise AepValidationError("scopes must name at least one OAuth scope.")
        check_transport_options(params)

    def run(self):
        reply = request_access_token(self.client, self.params["ims_url"], self.params["client_id"],
                                     self.params["client_secret"], self.params["scopes"])
        return dict(
            changed=False,
            access_token=reply["access_token"],
            token_type=reply["token_type"],
            expires_in=reply["expires_in"],
            expires_at=reply["expires_at"],
        )

    def returned_on_purpose(self, result):
        # The token is the result: should IMS hand back the token given as access_token (a no_log
        # option), it must not be masked as that option is.
        return (result["access_token"],)


def run_token(params, check_mode=False, diff=False, transport=None):
    """Validate, then ask IMS for a token; return the module's result or raise AepError."""
    return run_runner(AccessToken, params, check_mode=check_mode, diff=diff, client=transport)
