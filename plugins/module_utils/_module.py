# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The whole ``main()`` of every aep.platform module, around its ``Runner``.

PRIVATE to the aep.platform collection: this API may change at any time.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aep.platform.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._runner import execute


def run_module(runner_class):
    """Parse the arguments with the runner's spec, run it, and exit with its result or its error."""
    module = AnsibleModule(argument_spec=runner_class.module_argument_spec(), supports_check_mode=True,
                           **runner_class.validator_kwargs())
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    result = error = runner = None
    try:
        runner, result = execute(runner_class, module.params, check_mode=module.check_mode, diff=module._diff)
    except AepError as exc:
        error = exc
    if error is not None:
        # Outside the except block: the message says everything, and older cores would attach our
        # internal traceback to the result at -vvv, which the in-process path does not do.
        module.fail_json(**error.fail_kwargs())
    for value in runner.returned_on_purpose(result):
        module.no_log_values.discard(value)
    module.exit_json(**result)
