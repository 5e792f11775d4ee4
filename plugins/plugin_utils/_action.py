# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side host for aep.platform's modules.

PRIVATE to the aep.platform collection: this API may change at any time.

The modules' whole work is HTTP calls made from the controller. When a task
runs there anyway (local connection, or delegated to localhost) with the
controller's own Python environment, packaging the module, starting a Python
process and importing everything again costs far more than the calls
themselves. The action plugins therefore run the same module_utils logic
inside the worker: arguments validated with the module's own argument spec,
``AEP_*`` environment fallbacks from the task's ``environment:`` then the
controller's environment, no_log values masked as ``AnsibleModule`` masks
them. In every other case, or when asked to with the variable
``aep_force_module: true``, the module runs as usual. At ``-vvv`` each task
says which path it took, and why.
"""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.aep.platform.plugins.module_utils._client import HAS_REQUESTS, share_sessions
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._runner import execute
from ansible_collections.aep.platform.plugins.plugin_utils._interpreter import controller_python_or_reason

FORCE_MODULE_VAR = "aep_force_module"
IN_PROCESS = "aep.platform: in-process on the controller"
AS_MODULE = "aep.platform: as a module (reason: %s)"

display = Display()

if HAS_REQUESTS:
    share_sessions()

# (task uuid, host, reason) already told at -vvv, in this worker process: a loop says each path once.
_TOLD = set()


def plain(value):
    """``value`` as the plain JSON-like types a module receives its arguments in.

    Task arguments may carry ansible-core's tags (origin, trust; ansible-core >= 2.19): a module
    receives them as JSON, without any. Validation deep-copies the arguments, and tagged values make
    that copy many times slower, so they are copied once here instead. Values of other types are
    left as they are, for the validator to convert or refuse as it does for a module.
    """
    if isinstance(value, str):
        return value if type(value) is str else str(value)  # pylint: disable=unidiomatic-typecheck
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if type(value) is int else int(value)  # pylint: disable=unidiomatic-typecheck
    if isinstance(value, float):
        return value if type(value) is float else float(value)  # pylint: disable=unidiomatic-typecheck
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


class _NotPlain(Exception):
    """A value ``mask_no_log_values`` leaves to ansible-core's ``remove_values``."""


def mask_no_log_values(value, no_log_values):
    """What ``remove_values(value, no_log_values)`` returns, for plain JSON-like data, several times faster.

    ``AnsibleModule`` masks a module's whole result with ``remove_values``: a string equal to a no_log
    value becomes the placeholder, one containing it has it replaced by ``********``; a number whose text
    contains one becomes the placeholder; containers are copied (tuples as lists). This does the same
    with one recursive pass over plain types; anything else (a tagged or custom type) falls back to
    ``remove_values`` itself, for the whole result.
    """
    if not _SAME_AS_REMOVE_VALUES:
        return remove_values(value, no_log_values)
    strings = sorted(no_log_values, key=len, reverse=True)
    exact = frozenset(strings)
    try:
        return _masked(value, strings, exact)
    except _NotPlain:
        return remove_values(value, no_log_values)


def _masked(value, strings, exact):
    kind = type(value)
    if kind is str:
        if value in exact:
            return NO_LOG_PLACEHOLDER
        for omit in strings:
            value = value.replace(omit, "*" * 8)
        return value
    if value is None or kind is bool:
        return value
    if kind is dict:
        return {key: _masked(item, strings, exact) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_masked(item, strings, exact) for item in value]
    if kind is int or kind is float:
        text = str(value)
        if text in exact or any(omit in text for omit in strings):
            return NO_LOG_PLACEHOLDER
        return value
    raise _NotPlain()


def _same_as_remove_values():
    """Whether this core's ``remove_values`` works as ``_masked`` does (2.19 and 2.21 do; 2.16 does not).

    Older cores mask ``True``/``False``/``None`` inside containers by their text, and replace no_log
    values in the order they come instead of the longest first: there, ``remove_values`` is used.
    """
    samples = (
        ({"a": [False, None, True], "n": 12.5, "t": ("xaby", "ab", 7)}, ["b", "ab", "o", "u", "2"]),
        ({"k": "-secret-"}, ["secret"]),
    )
    try:
        return all(_masked(value, sorted(strings, key=len, reverse=True), frozenset(strings))
                   == remove_values(value, strings) for value, strings in samples)
    except Exception:  # pylint: disable=broad-except
        return False


_SAME_AS_REMOVE_VALUES = _same_as_remove_values()


class _Declaration:
    """What a Runner declares, prepared once per module: spec, validator and env fallbacks.

    Made when the action plugin's class is defined, which ansible-playbook does in its main process
    before it forks a worker per task: every worker (and every loop item) uses this one.
    """

    def __init__(self, runner_class):
        self.argument_spec = runner_class.module_argument_spec()
        self.validator = ArgumentSpecValidator(self.argument_spec, **runner_class.validator_kwargs())
        self.env_fallbacks = []
        for name, spec in self.argument_spec.items():
            fallback = spec.get("fallback")
            if not fallback or getattr(fallback[0], "__name__", "") != "env_fallback":
                continue
            env_names = fallback[1:]
            names = env_names[0] if env_names and isinstance(env_names[0], (list, tuple)) else env_names
            self.env_fallbacks.append((name, tuple(names)))


class AepModuleAction(ActionBase):
    """Run a module in-process on the controller, or as a module elsewhere.

    Subclasses set ``runner_class``: the ``Runner`` that the module's ``main()``
    gives ``run_module``. Its spec, constraints, checks and logic are used as
    the module uses them.
    """

    runner_class = None
    _declaration = None
    _supports_check_mode = True
    _supports_async = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.runner_class is not None:
            cls._declaration = _Declaration(cls.runner_class)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        reason, environment = self._module_reason(task_vars)
        self._tell(reason, task_vars)
        if reason is not None:
            # What the default action plugin (ansible.builtin.normal) does.
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        result.update(self._run_in_process(task_vars, environment))
        return result

    # Which path ------------------------------------------------------------------

    def _module_reason(self, task_vars):
        """``(None, task environment)`` when the task runs in-process, else ``(why it runs as a module, None)``."""
        if boolean(self._templar.template(task_vars.get(FORCE_MODULE_VAR, False)), strict=False):
            return FORCE_MODULE_VAR, None
        transport = getattr(self._connection, "transport", None)
        if transport != "local":
            return "remote host (connection %s)" % transport, None
        if self._play_context.become:
            return "become", None
        if self._task.async_val:
            return "async", None
        if not HAS_REQUESTS:
            return "the Python library requests is not installed on the controller", None
        environment = self._task_environment()
        interpreter = self._interpreter(task_vars)
        why = controller_python_or_reason(interpreter, self._module_environment(environment))
        if why is not None:
            return "interpreter %s %s" % (interpreter, why), None
        return None, environment

    def _interpreter(self, task_vars):
        """The templated ``ansible_python_interpreter`` a module of this task would run with.

        The variable of the host the task runs on (the delegated host's, when delegated), else the
        ``interpreter_python`` setting, as ansible-core's own choice of shebang reads them.
        """
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, task_vars)
        interpreter = host_vars.get("ansible_python_interpreter")
        if interpreter is None:
            try:
                interpreter = C.config.get_config_value("INTERPRETER_PYTHON", variables=host_vars)
            except AnsibleError:
                interpreter = None
        if interpreter is None:
            return None
        interpreter = self._templar.template(interpreter)
        return None if interpreter is None else str(interpreter)

    @staticmethod
    def _module_environment(task_environment):
        """The environment a module started by this task would get (it finds a bare interpreter name)."""
        if not task_environment:
            return None
        environment = dict(os.environ)
        environment.update(task_environment)
        return environment

    def _tell(self, reason, task_vars):
        """At -vvv, which path runs, and why not in-process: once per task and host (a loop's items say it
        again only when one takes another path)."""
        if display.verbosity < 3:
            return
        host = task_vars.get("inventory_hostname")
        told = (getattr(self._task, "_uuid", None), host, reason)
        if told in _TOLD:
            return
        _TOLD.add(told)
        display.vvv(IN_PROCESS if reason is None else AS_MODULE % reason, host=host)

    # In-process ------------------------------------------------------------------

    def _task_environment(self):
        environment = {}
        self._compute_environment_string(environment)
        return {str(key): str(value) for key, value in environment.items()}

    def _apply_env_fallbacks(self, args, task_environment):
        """Fill unset options from ``AEP_*`` variables: the task's environment first, then the controller's.

        That is the environment a module started by this task would see.
        """
        for name, env_names in self._declaration.env_fallbacks:
            if args.get(name) is not None:
                continue
            for env_name in env_names:
                value = task_environment.get(env_name)
                if value is None:
                    value = os.environ.get(env_name)
                if value is not None:
                    args[name] = value
                    break
        return args

    def _module_name(self):
        return self._task.resolved_action or self._task.action

    def _run_in_process(self, task_vars, task_environment):
        declaration = self._declaration
        args = self._apply_env_fallbacks(plain(self._task.args), task_environment)
        validated = declaration.validator.validate(args)
        no_log_values = validated._no_log_values
        params = validated.validated_parameters

        if validated.error_messages:
            error = validated.errors[0]
            msg = validated.errors.msg
            if isinstance(error, UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self._module_name(), msg)
            return self._finish({"failed": True, "msg": msg}, params, no_log_values, task_vars)

        try:
            runner, result = execute(self.runner_class, params, bool(self._task.check_mode), bool(self._task.diff))
        except AepError as exc:
            result = exc.fail_kwargs()
            result["failed"] = True
        else:
            no_log_values.difference_update(runner.returned_on_purpose(result))
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
        if self._inject_invocation(task_vars):
            result.setdefault("invocation", {"module_args": params})
        preserved = {key: value for key, value in result.items() if value is None or isinstance(value, bool)}
        result = mask_no_log_values(result, no_log_values)
        result.update(preserved)
        return result
