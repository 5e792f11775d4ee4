# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every aep.platform module does around its resource: arguments, checks, errors.

PRIVATE to the aep.platform collection: this API may change at any time.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aep.platform.plugins.module_utils._arguments import (
    aep_argument_spec,
    build_client,
    validate_common,
)
from ansible_collections.aep.platform.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    AepError,
)


def run_resource(resource_class, params, check_mode=False, diff=False, client=None):
    """Validate, then ensure the resource's state; return the result or raise AepError.

    Host-neutral: the module below and a controller-side action plugin both call it.
    """
    validate_common(params)
    resource_class.validate_params(params)
    if client is None:
        client = build_client(params)
    return resource_class(client, params, check_mode=check_mode, diff=diff).run()


def module_argument_spec(resource_class):
    """The shared options plus the resource's own."""
    argument_spec = aep_argument_spec()
    argument_spec.update(resource_class.argument_spec)
    return argument_spec


def run_module(resource_class):
    """The whole ``main()`` of a resource module."""
    module = AnsibleModule(argument_spec=module_argument_spec(resource_class), supports_check_mode=True,
                           required_one_of=resource_class.required_one_of)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    result = error = None
    try:
        result = run_resource(resource_class, module.params, check_mode=module.check_mode, diff=module._diff)
    except AepError as exc:
        error = exc
    if error is not None:
        # Outside the except block: the message says everything, and older cores would attach our
        # internal traceback to the result at -vvv, which the in-process path does not do.
        module.fail_json(**error.fail_kwargs())
    module.exit_json(**result)
