"""Interpreters that are the controller's Python run in-process; other environments run the module.

ansible-playbook runs from this test's venv (its script starts ``<venv>/bin/python``). The inventory
names the venv's ``python3``, as many inventories do; tasks name ``python``, ``python3.X``,
``{{ ansible_playbook_python }}``, a bare ``python3`` found on the task's PATH and the discovery modes:
all of them the same environment, so in-process. Another venv (given this venv's packages through a
``.pth`` file, so the module can run), the base interpreter behind this venv, and a missing path run as
a module. Each task's ``-vvv`` line says which path it took; only the module path ships an AnsiballZ.
"""

import os
import re
import sys
import sysconfig
import venv

VENV_BIN = os.path.dirname(sys.executable)
VERSION = "%d.%d" % sys.version_info[:2]
IN_PROCESS = "aep.platform: in-process on the controller"
ANSIBALLZ = "AnsiballZ_aep_s3_connection_info"


def _sections(output):
    """Each task's part of the -vvv output, by task name."""
    sections = {}
    parts = re.split(r"^TASK \[(.*?)\] \*+$", output, flags=re.M)
    for index in range(1, len(parts) - 1, 2):
        sections[parts[index]] = parts[index + 1]
    return sections


def _other_venv(tmp_path):
    """A venv of its own (another sys.prefix) that can import this venv's packages."""
    path = tmp_path / "other-venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(str(path))
    site_packages = path / "lib" / ("python" + VERSION) / "site-packages"
    (site_packages / "aep_test_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return path / "bin" / "python"


def test_each_name_of_the_controllers_python_runs_in_process_and_other_environments_as_a_module(
        ansible_default, emulator, emulator_vars, tmp_path):
    assert os.path.realpath(os.path.join(VENV_BIN, "python3")) == os.path.realpath(sys.executable)
    inventory = tmp_path / "inventory"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s/python3\n" % VENV_BIN)
    other_venv = _other_venv(tmp_path)
    base = os.path.realpath(sys.executable)
    missing = tmp_path / "no-venv" / "bin" / "python"
    extra_vars = dict(emulator_vars, venv_bin=VENV_BIN, python_version=VERSION, other_venv_python=other_venv,
                      base_python=base, missing_python=missing)

    run = ansible_default.playbook("interpreters.yml", extra_vars=extra_vars, args=["-i", str(inventory), "-vvv"])

    sections = _sections(run.output)
    in_process = ["inventory python3", "python", "python3.X", "ansible_playbook_python",
                  "bare python3 on the task's PATH", "python, in a loop"]
    for case in in_process:
        section = sections["Interpreter case: " + case]
        assert section.count(IN_PROCESS) == 1, (case, section)  # once per task, loop or not
        assert "aep.platform: as a module" not in section, case
        assert ANSIBALLZ not in section, case
    # The discovery modes loop over one task: one line, in-process for each item.
    discovery = sections["Interpreter case: discovery modes"]
    assert discovery.count(IN_PROCESS) == 1 and ANSIBALLZ not in discovery
    assert "as a module" not in discovery

    def module_reason(case):
        section = sections["Interpreter case: " + case]
        assert IN_PROCESS not in section, case
        reasons = re.findall(r"aep\.platform: as a module \(reason: (.*)\)$", section, flags=re.M)
        assert len(reasons) == 1, (case, section)
        return reasons[0], section

    reason, section = module_reason("another venv")
    assert reason.startswith("interpreter %s is Python %s" % (other_venv, ".".join(map(str, sys.version_info[:3]))))
    assert "in %s, not the controller's" % os.path.realpath(other_venv.parent.parent) in reason
    assert ANSIBALLZ in section  # and the module ran there: the play's assert checks its result

    if sys.prefix != sys.base_prefix:
        reason, section = module_reason("base interpreter")
        assert reason.startswith("interpreter %s is Python" % base)
        assert "in %s, not the controller's" % os.path.realpath(sys.base_prefix) in reason

    reason, _section = module_reason("missing")
    assert reason == "interpreter %s does not exist" % missing


def test_forced_module_path_and_reason_are_said(ansible_default, emulator, emulator_vars, tmp_path):
    inventory = tmp_path / "inventory"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s/python\n" % VENV_BIN)
    extra_vars = dict(emulator_vars, aep_force_module="true")

    run = ansible_default.playbook("info.yml", extra_vars=extra_vars, args=["-i", str(inventory), "-vvv"])

    section = _sections(run.output)["List an empty sandbox"]
    assert "aep.platform: as a module (reason: aep_force_module)" in section
    assert ANSIBALLZ in section
