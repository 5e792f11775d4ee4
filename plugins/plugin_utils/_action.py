# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side host for aep.platform's modules.

PRIVATE to the aep.platform collection: this API may change at any time.

The modules' whole work is HTTP calls made from the controller. When a task
runs there anyway (local connection, or delegated to localhost), packaging the
module, starting a Python process and importing everything again costs far
more than the calls themselves. The action plugins therefore run the same
module_utils logic inside the worker: arguments validated with the module's
own argument spec, ``AEP_*`` environment fallbacks from the task's
``environment:`` then the controller's environment, no_log values masked as
``AnsibleModule`` masks them. In every other case, or when asked to with the
variable ``aep_force_module: true``, the module runs as usual.
"""

from __future__ import annotations

import os
import sys

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.aep.platform.plugins.module_utils._client import HAS_REQUESTS, AepError, share_sessions
from ansible_collections.aep.platform.plugins.module_utils._module import module_argument_spec, run_resource

FORCE_MODULE_VAR = "aep_force_module"

if HAS_REQUESTS:
    share_sessions()


class AepModuleAction(ActionBase):
    """Run a module in-process on the controller, or as a module elsewhere.

    Subclasses of a resource module set ``resource_class`` (what ``run_module``
    in the module is given); another module overrides the three hooks below
    with what its ``main()`` uses.
    """

    resource_class = None
    _supports_check_mode = True
    _supports_async = True

    def argument_spec(self):
        return module_argument_spec(self.resource_class)

    def validator_kwargs(self):
        return {"required_one_of": self.resource_class.required_one_of}

    def run_logic(self, params, check_mode, diff):
        """The module's logic: a result dict, or AepError."""
        return run_resource(self.resource_class, params, check_mode=check_mode, diff=diff)

    def returned_on_purpose(self, result):
        """Values the module returns on purpose although they could equal a no_log option's value."""
        return ()

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        if self._use_module(task_vars):
            # What the default action plugin (ansible.builtin.normal) does.
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        result.update(self._run_in_process(task_vars))
        return result

    # Which host ----------------------------------------------------------------

    def _use_module(self, task_vars):
        """Whether the module must run as a module: anywhere but here, or when something needs it."""
        if boolean(self._templar.template(task_vars.get(FORCE_MODULE_VAR, False)), strict=False):
            return True
        if getattr(self._connection, "transport", None) != "local":
            return True
        if self._play_context.become or self._task.async_val or not HAS_REQUESTS:
            return True
        return not self._interpreter_is_ours(task_vars)

    def _interpreter_is_ours(self, task_vars):
        """A local task whose interpreter is not the controller's runs the module with that interpreter.

        That interpreter may have other packages (or another requests), and the
        user chose it on purpose.
        """
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, task_vars)
        interpreter = host_vars.get("ansible_python_interpreter")
        if interpreter is None:
            return True
        interpreter = self._templar.template(interpreter)
        if not interpreter or str(interpreter).startswith("auto"):
            return True
        return os.path.abspath(str(interpreter)) == os.path.abspath(sys.executable)

    # In-process ------------------------------------------------------------------

    def _task_environment(self):
        environment = {}
        self._compute_environment_string(environment)
        return {str(key): str(value) for key, value in environment.items()}

    def _apply_env_fallbacks(self, argument_spec, args):
        """Fill unset options from ``AEP_*`` variables: the task's environment first, then the controller's.

        That is the environment a module started by this task would see.
        """
        environment = dict(os.environ)
        environment.update(self._task_environment())
        args = dict(args)
        for name, spec in argument_spec.items():
            if args.get(name) is not None or not spec.get("fallback"):
                continue
            strategy, env_names = spec["fallback"][0], spec["fallback"][1:]
            if getattr(strategy, "__name__", "") != "env_fallback":
                continue
            names = env_names[0] if env_names and isinstance(env_names[0], (list, tuple)) else env_names
            for env_name in names:
                if env_name in environment:
                    args[name] = environment[env_name]
                    break
        return args

    def _module_name(self):
        return self._task.resolved_action or self._task.action

    def _run_in_process(self, task_vars):
        argument_spec = self.argument_spec()
        args = self._apply_env_fallbacks(argument_spec, self._task.args)
        validated = ArgumentSpecValidator(argument_spec, **self.validator_kwargs()).validate(args)
        no_log_values = set(validated._no_log_values)
        params = validated.validated_parameters

        if validated.error_messages:
            error = validated.errors[0]
            msg = validated.errors.msg
            if isinstance(error, UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self._module_name(), msg)
            return self._finish({"failed": True, "msg": msg}, params, no_log_values, task_vars)

        try:
            result = self.run_logic(params, bool(self._task.check_mode), bool(self._task.diff))
        except AepError as exc:
            result = exc.fail_kwargs()
            result["failed"] = True
        else:
            no_log_values.difference_update(self.returned_on_purpose(result))
        return self._finish(result, params, no_log_values, task_vars)

    @staticmethod
    def _inject_invocation(task_vars):
        """Whether AnsibleModule would add ``invocation`` to the result on this core."""
        try:
            return bool(C.config.get_config_value("INJECT_INVOCATION", variables=task_vars))
        except AnsibleError:
            return True  # cores before the INJECT_INVOCATION setting always add it

    def _finish(self, result, params, no_log_values, task_vars):
        """Shape the result exactly as AnsibleModule.exit_json/fail_json would."""
        result = dict(result)
        if self._inject_invocation(task_vars):
            result.setdefault("invocation", {"module_args": params})
        preserved = {key: value for key, value in result.items() if value is None or isinstance(value, bool)}
        result = remove_values(result, no_log_values)
        result.update(preserved)
        return result
