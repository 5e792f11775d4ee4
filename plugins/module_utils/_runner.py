# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one interface every aep.platform module's logic has, and the client it is given.

PRIVATE to the aep.platform collection: this API may change at any time.

A module's logic is a ``Runner`` subclass: its own options and their
constraints (``argument_spec``, ``required_one_of``, ``mutually_exclusive``,
``required_if``), checks that need no request (``validate_params``), and
``run()``, which returns the result dict or raises ``AepError``. ``run_module``
(a module's whole ``main()``) and the controller-side action plugin both drive
it through ``execute``: the same spec, the same checks, the same logic.
"""

from __future__ import annotations

from ansible_collections.aep.platform.plugins.module_utils._arguments import aep_argument_spec, validate_common
from ansible_collections.aep.platform.plugins.module_utils._auth import TokenProvider
from ansible_collections.aep.platform.plugins.module_utils._client import FLOW_SERVICE, ApiClient, HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError, shown


def build_transport(params):
    """The HTTP transport (session, timeout, TLS, retries) for the validated shared options."""
    return HttpTransport(
        timeout=params["timeout"],
        validate_certs=params["validate_certs"],
        ca_path=params.get("ca_path"),
        retries=params["retries"],
    )


def build_client(params, transport=None, api=FLOW_SERVICE):
    """A client of ``api`` (Flow Service unless said otherwise) for the validated shared options."""
    if transport is None:
        transport = build_transport(params)
    token_provider = TokenProvider(
        transport,
        access_token=params.get("access_token"),
        client_id=params.get("client_id"),
        client_secret=params.get("client_secret"),
        ims_url=params.get("ims_url"),
        scopes=params.get("scopes"),
    )
    return ApiClient(
        transport,
        platform_url=params["platform_url"],
        org_id=params["org_id"],
        sandbox=params["sandbox"],
        api_key=params.get("api_key") or params.get("client_id"),
        token_provider=token_provider,
        api=api,
    )


class Runner:
    """A module's logic: declared options, checks before any request, and ``run``.

    ``client`` is what ``connect`` builds from the validated options: a Flow
    Service ``ApiClient`` unless a subclass says otherwise.
    """

    argument_spec = {}
    required_one_of = []
    mutually_exclusive = []
    required_if = []

    def __init__(self, client, params, check_mode=False, diff=False):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.want_diff = diff

    @classmethod
    def module_argument_spec(cls):
        """The shared options plus the module's own."""
        argument_spec = aep_argument_spec()
        argument_spec.update(cls.argument_spec)
        return argument_spec

    @classmethod
    def validator_kwargs(cls):
        """The constraints ``AnsibleModule`` and ``ArgumentSpecValidator`` take besides the spec."""
        return {
            "required_one_of": cls.required_one_of,
            "mutually_exclusive": cls.mutually_exclusive,
            "required_if": cls.required_if,
        }

    @classmethod
    def validate(cls, params):
        """Every check that needs no request; raise AepValidationError."""
        validate_common(params)
        cls.validate_params(params)

    @classmethod
    def validate_params(cls, params):
        """The module's own checks; a subclass calls this first."""
        for group in cls.required_one_of:
            # AnsibleModule's required_one_of counts an option set to null or "" as given.
            if all(params.get(option) in (None, "") for option in group):
                raise AepValidationError("one of the following is required: %s" % ", ".join(group))

    @classmethod
    def connect(cls, params):
        return build_client(params)

    def run(self):
        raise NotImplementedError

    def returned_on_purpose(self, result):
        """Values returned on purpose although they could equal a no_log option's value."""
        return ()


def check_format(option, value, pattern, example):
    """Fail unless ``value`` (when given) matches ``pattern``; ``example`` says what it should look like."""
    if value is not None and not pattern.fullmatch(value):
        raise AepValidationError("%s must be %s, got %s." % (option, example, shown(value)))


def module_argument_spec(runner_class):
    return runner_class.module_argument_spec()


def execute(runner_class, params, check_mode=False, diff=False, client=None):
    """Validate, connect and run; return ``(runner, result)`` or raise AepError.

    Host-neutral: ``run_module`` and the controller-side action plugin both call it.
    """
    runner_class.validate(params)
    if client is None:
        client = runner_class.connect(params)
    runner = runner_class(client, params, check_mode=check_mode, diff=diff)
    return runner, runner.run()


def run_runner(runner_class, params, check_mode=False, diff=False, client=None):
    """The result of ``execute`` alone."""
    return execute(runner_class, params, check_mode=check_mode, diff=diff, client=client)[1]
