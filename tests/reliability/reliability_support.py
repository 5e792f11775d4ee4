"""Helpers shared by the reliability tests (conftest.py holds only their fixtures and hooks).

Reuses the other suites' machinery rather than copying it: the unit conftest makes
``ansible_collections.aep.platform`` importable, the integration conftest builds and installs the
collection and runs ``ansible-playbook``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PLAYBOOKS = HERE / "playbooks"


def _load(name, path):
    """Import another suite's conftest under a name of its own (pytest knows it as 'conftest')."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_load("aep_reliability_unit_conftest", ROOT / "tests" / "unit" / "conftest.py")  # makes the collection importable
integration = _load("aep_reliability_integration_conftest", ROOT / "tests" / "integration" / "conftest.py")

ORG_ID = integration.ORG_ID


def run_playbook(runner, name, extra_vars=None, env=None, args=()):
    """Run a playbook of tests/reliability/playbooks with an integration ``Ansible`` runner, whatever its
    exit code (the caller asserts what it expects)."""
    # An absolute path: the runner joins it to its own playbook folder, which then leaves it as it is.
    return runner.playbook(str(PLAYBOOKS / name), extra_vars=extra_vars, env=env, args=args, expect_rc=None)


@dataclasses.dataclass
class MainOutcome:
    """What one in-process run of a module's ``main()`` ended with."""

    result: object  # the JSON result (dict), or None when stdout held none
    rc: object  # the exit code, or None when main() raised
    stdout: str
    stderr: str
    raised: object  # the formatted traceback of anything but SystemExit, or None
    seconds: float

    @property
    def failed(self):
        return bool(self.result and self.result.get("failed"))

    @property
    def traceback(self):
        """The Python traceback of this run, if any: an exception other than SystemExit, a traceback in
        the output, an ``exception`` key in the result, or no JSON result at all."""
        if self.raised:
            return self.raised
        for text in (self.stdout, self.stderr):
            if "Traceback (most recent call last)" in text:
                return text
        if self.result is None:
            return "no JSON result on stdout: %r" % self.stdout[:500]
        if self.result.get("exception"):
            return self.result["exception"]
        return None


@contextlib.contextmanager
def _module_args(payload):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = None
    else:
        with patch_module_args(payload):
            yield


def run_main(module, args, check_mode=False, diff=False):
    """Run ``module.main()`` in-process as Ansible runs a module; never raises."""
    payload = dict(args)
    payload["_ansible_check_mode"] = check_mode
    payload["_ansible_diff"] = diff
    out, err = io.StringIO(), io.StringIO()
    raised = None
    rc = None
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _module_args(payload):
            module.main()
    except SystemExit as exc:
        rc = exc.code
    except BaseException:  # noqa: B036  (anything but SystemExit is what this helper exists to catch)
        raised = traceback.format_exc()
    seconds = time.monotonic() - start
    try:
        result = json.loads(out.getvalue())
    except ValueError:
        result = None
    return MainOutcome(result, rc, out.getvalue(), err.getvalue(), raised, seconds)


def module_params(resource_class, args):
    """Validate ``args`` with the module's argument spec, as the action plugin does; the parameters."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.aep.platform.plugins.module_utils._runner import module_argument_spec

    validated = ArgumentSpecValidator(module_argument_spec(resource_class),
                                      required_one_of=resource_class.required_one_of).validate(args)
    if validated.error_messages:
        raise ValueError("; ".join(validated.error_messages))
    return validated.validated_parameters
