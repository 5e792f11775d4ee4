# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of aep_access_token: one access token from Adobe IMS, for a play to share.

PRIVATE to the aep.platform collection: this API may change at any time.

Host-neutral: the module and a controller-side action plugin both call
``run_token`` with validated parameters; it returns the result dict or raises
``AepError``. ``AccessToken`` has the interface of the resource classes
(``argument_spec``, ``required_one_of``, ``validate_params``, ``run``), but the
shared options differ: a token needs no organization, so ``org_id`` is not
required, and the checks of ``validate_common`` (which wants an org id and
accepts an access token instead of client credentials) do not apply.
"""

from __future__ import annotations

from ansible_collections.aep.platform.plugins.module_utils._arguments import (
    AepValidationError,
    aep_argument_spec,
    build_transport,
    check_transport_options,
    check_url,
)
from ansible_collections.aep.platform.plugins.module_utils._auth import request_access_token

TOKEN_CREDENTIALS_MISSING = (
    "aep_access_token asks Adobe IMS for a new token and needs client_id and client_secret "
    "(AEP_CLIENT_ID, AEP_CLIENT_SECRET); an access_token given to it is not used."
)


def token_argument_spec():
    """The shared options, all accepted (module_defaults for the group passes them all); org_id not required."""
    argument_spec = aep_argument_spec()
    argument_spec["org_id"] = dict(argument_spec["org_id"], required=False)
    return argument_spec


class AccessToken:
    """Ask IMS for a token with the client credentials; never changes anything.

    ``transport`` is an ``HttpTransport`` (there is no Flow Service call, so no
    Flow Service client). In check mode the token is requested too: asking for
    a token changes nothing, and the tasks after it need the token.
    """

    argument_spec = {}
    required_one_of = []

    def __init__(self, transport, params, check_mode=False, diff=False):
        self.transport = transport
        self.params = params
        self.check_mode = check_mode
        self.want_diff = diff

    @classmethod
    def validate_params(cls, params):
        """Check only what a token request uses; raise AepValidationError naming the option."""
        if not (params.get("client_id") and params.get("client_secret")):
            raise AepValidationError(TOKEN_CREDENTIALS_MISSING)
        check_url("ims_url", params["ims_url"])
        if not params.get("scopes"):
            raise AepValidationError("scopes must name at least one OAuth scope.")
        check_transport_options(params)

    def run(self):
        reply = request_access_token(self.transport, self.params["ims_url"], self.params["client_id"],
                                     self.params["client_secret"], self.params["scopes"])
        return dict(
            changed=False,
            access_token=reply["access_token"],
            token_type=reply["token_type"],
            expires_in=reply["expires_in"],
            expires_at=reply["expires_at"],
        )


def run_token(params, check_mode=False, diff=False, transport=None):
    """Validate, then ask IMS for a token; return the module's result or raise AepError."""
    AccessToken.validate_params(params)
    if transport is None:
        transport = build_transport(params)
    return AccessToken(transport, params, check_mode=check_mode, diff=diff).run()
