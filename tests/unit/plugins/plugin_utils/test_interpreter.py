"""Which interpreters are the controller's own Python environment (plugins/plugin_utils/_interpreter.py).

Nothing is faked: the interpreters are real (this test's own, its venv's other names, venvs made in a
temporary folder, the base installation, another Python version when the machine has one), and each
case is decided by what that interpreter really reports about itself.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from ansible_collections.aep.platform.plugins.plugin_utils import _interpreter
from ansible_collections.aep.platform.plugins.plugin_utils._interpreter import (
    DISCOVERY_MODES, InterpreterError, controller_environment, controller_python_or_reason, probe)

HERE_BIN = os.path.dirname(sys.executable)
VERSION = "%d.%d" % sys.version_info[:2]
IN_A_VENV = sys.prefix != sys.base_prefix
MODULE_FILE = _interpreter.__file__


def make_venv(path, symlinks=True):
    venv.EnvBuilder(with_pip=False, symlinks=symlinks, clear=True).create(str(path))
    return Path(path) / "bin" / "python"


@pytest.fixture(scope="module")
def other_venv(tmp_path_factory):
    """Another venv of this very Python (same version, same base, other site-packages)."""
    return make_venv(tmp_path_factory.mktemp("other") / "venv")


def prefix_of(interpreter):
    return subprocess.run([str(interpreter), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True,
                          check=True).stdout.strip()


# The controller's own Python, under every name -----------------------------------------------------------

@pytest.mark.parametrize("name", ["python", "python3", "python" + VERSION])
def test_each_name_of_the_venvs_python_is_the_controllers(name):
    path = os.path.join(HERE_BIN, name)
    assert os.path.exists(path), "a venv always has %s" % name

    assert controller_python_or_reason(path) is None


def test_the_running_executable_is_the_controllers():
    assert controller_python_or_reason(sys.executable) is None


def test_a_bare_name_is_found_on_the_tasks_path():
    environment = dict(os.environ, PATH=HERE_BIN + os.pathsep + "/usr/bin:/bin")

    assert controller_python_or_reason("python3", environment) is None
    assert controller_python_or_reason("python" + VERSION, environment) is None


@pytest.mark.parametrize("mode", sorted(DISCOVERY_MODES) + [None, "", "  "])
def test_discovery_modes_and_no_interpreter_are_the_controllers(mode):
    assert controller_python_or_reason(mode) is None


def test_a_command_that_runs_the_same_python_is_the_controllers():
    """Not decidable from the name: the interpreter is asked, and answers the same environment."""
    environment = dict(os.environ, PATH=HERE_BIN + os.pathsep + "/usr/bin:/bin")

    assert controller_python_or_reason("/usr/bin/env python3", environment) is None


def test_the_probe_agrees_with_the_running_interpreter():
    assert probe(sys.executable) == controller_environment()


# Another environment --------------------------------------------------------------------------------------

@pytest.mark.skipif(not IN_A_VENV, reason="the controller's Python is not a venv here")
def test_the_base_interpreter_behind_the_venv_is_another_environment():
    base = os.path.realpath(sys.executable)  # the very file the venv's python links to (or a copy of it)
    assert prefix_of(base) != sys.prefix

    reason = controller_python_or_reason(base)

    assert reason == "is Python %s in %s, not the controller's Python %s in %s" % (
        ".".join(map(str, sys.version_info[:3])), os.path.realpath(sys.base_prefix),
        ".".join(map(str, sys.version_info[:3])), os.path.realpath(sys.prefix))


def test_another_venv_is_another_environment(other_venv):
    reason = controller_python_or_reason(str(other_venv))

    assert reason is not None
    assert reason.startswith("is Python %s in %s, not the controller's" % (
        ".".join(map(str, sys.version_info[:3])), os.path.realpath(other_venv.parent.parent)))


def _another_version():
    """A real interpreter of another Python version on this machine, or None."""
    candidates = []
    for root in (os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv")):
        if root:
            candidates += sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python3")))
    candidates += [shutil.which("python3.%d" % minor) for minor in range(8, 15)]
    candidates += ["/usr/bin/python3", "/usr/local/bin/python3"]
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):
            continue
        try:
            found = probe(candidate)
        except InterpreterError:
            continue  # e.g. a pyenv shim that refuses to run
        if found.version[:2] != tuple(sys.version_info[:2]):
            return candidate, found
    return None, None


def test_another_python_version_is_another_environment():
    candidate, found = _another_version()
    if candidate is None:
        pytest.skip("no interpreter of another Python version on this machine")

    reason = controller_python_or_reason(candidate)

    assert reason is not None and reason.startswith("is Python %s" % ".".join(map(str, found.version)))


def test_a_path_that_does_not_exist_is_not_the_controllers(tmp_path):
    assert controller_python_or_reason(str(tmp_path / "venv" / "bin" / "python")) == "does not exist"


def test_a_bare_name_not_on_the_path_is_not_the_controllers(tmp_path):
    assert controller_python_or_reason("python3", dict(os.environ, PATH=str(tmp_path))) == \
        "is not found on the PATH"


def test_a_program_that_is_not_python_is_not_the_controllers():
    false = shutil.which("false")
    true = shutil.which("true")

    assert controller_python_or_reason(false).startswith("exited with status 1")
    assert controller_python_or_reason(true) == "did not answer as a Python 3 interpreter"


def test_a_command_that_cannot_be_parsed():
    assert controller_python_or_reason('"/usr/bin/python3').startswith("cannot be parsed")


def test_answers_are_kept_for_the_process(other_venv):
    first = probe(str(other_venv))
    assert probe(str(other_venv)) is first
    with pytest.raises(InterpreterError) as info:
        probe("/no/such/python")
    with pytest.raises(InterpreterError) as again:
        probe("/no/such/python")
    assert again.value is info.value


# Symlinks, decided from another venv's point of view ------------------------------------------------------
#
# The test's own venv must not be changed, so a venv made here plays the controller: the module's
# function runs in it (it needs nothing but the standard library) and answers for it.

def decide_in(controller, candidate, environment=None):
    code = ("import importlib.util, json, sys; "
            "spec = importlib.util.spec_from_file_location('_interpreter', sys.argv[1]); "
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
            "print(json.dumps(module.controller_python_or_reason(sys.argv[2], "
            "json.loads(sys.argv[3]) if sys.argv[3] != 'null' else None)))")
    completed = subprocess.run([str(controller), "-c", code, MODULE_FILE, str(candidate), json.dumps(environment)],
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def controller_venv(tmp_path_factory):
    python = make_venv(tmp_path_factory.mktemp("controller") / "venv")
    (python.parent / "my-python").symlink_to("python3")
    return python


def test_a_symlink_beside_the_controllers_python_is_the_controllers(controller_venv):
    assert decide_in(controller_venv, controller_venv) is None
    assert decide_in(controller_venv, controller_venv.parent / "python3") is None
    assert decide_in(controller_venv, controller_venv.parent / "my-python") is None


def test_a_symlink_elsewhere_to_the_venvs_python_imports_the_base_so_is_another_environment(
        controller_venv, tmp_path):
    """Python finds pyvenv.cfg beside the name it was started by: from elsewhere, the venv is not used."""
    link = tmp_path / "python-link"
    link.symlink_to(controller_venv)
    assert prefix_of(link) != prefix_of(controller_venv)

    reason = decide_in(controller_venv, link)

    assert reason is not None and "not the controller's" in reason


def test_a_symlink_elsewhere_to_an_installation_is_the_same_installation(tmp_path):
    """Outside a venv, Python takes its prefix from the real file: any symlink to it is the same environment."""
    base = os.path.realpath(sys.executable)
    link = tmp_path / "python-link"
    link.symlink_to(base)
    assert prefix_of(link) == prefix_of(base)

    assert decide_in(base, link) is None


def test_a_venv_made_with_copies_is_asked_and_found_the_same(tmp_path):
    """python and python3 are two files there: the name does not decide, the answer does."""
    python = make_venv(tmp_path / "copies", symlinks=False)
    assert not os.path.samefile(python, python.parent / "python3")

    assert decide_in(python, python.parent / "python3") is None
    assert decide_in(python, sys.executable) is not None
