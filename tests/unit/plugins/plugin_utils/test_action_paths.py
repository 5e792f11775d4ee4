"""The action plugin itself, driven in this process: which path each task takes, what -vvv says, and the
in-process run against the emulator over HTTP.

Real ansible-core objects (Task, PlayContext, the local and ssh connection plugins, DataLoader, Templar)
and the real emulator; only the module path's execution is left to the integration tests (it starts
ansible-playbook), here its reasons are checked.
"""

import os
import sys
import venv
from pathlib import Path

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader
from ansible.template import Templar

from ansible_collections.aep.platform.plugins.action.aep_s3_connection_info import ActionModule
from ansible_collections.aep.platform.plugins.plugin_utils import _action

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "emulator"))
from aep_emulator import DEFAULT_ACCESS_TOKEN, Emulator  # noqa: E402  (needs the path above)

try:
    from ansible.template import trust_as_template  # ansible-core >= 2.19: templates in variables are trusted
except ImportError:
    def trust_as_template(value):
        return value

ORG_ID = "ORGPATHS00000000000000001@AdobeOrg"
VENV_BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as server:
        yield server


@pytest.fixture
def fresh(emulator):
    emulator.reset()
    _action._TOLD.clear()
    return emulator


def make_action(args, connection="local", become=False, async_val=0, environment=None, delegate_to=None):
    loader = DataLoader()
    task = Task()
    task.action = "aep.platform.aep_s3_connection_info"
    task.args = args
    if async_val:
        task.async_val = async_val
    if environment:
        task.environment = environment
    if delegate_to:
        task.delegate_to = delegate_to
    play_context = PlayContext()
    play_context.become = become
    plugin = connection_loader.get(connection, play_context, "/dev/null")
    return ActionModule(task, plugin, play_context, loader, Templar(loader=loader), None)


def task_vars(**extra):
    values = {"inventory_hostname": "localhost", "ansible_playbook_python": sys.executable}
    values.update(extra)
    return values


def info_args(emulator, **extra):
    args = {"platform_url": emulator.url, "org_id": ORG_ID, "client_id": emulator.client_id,
            "access_token": DEFAULT_ACCESS_TOKEN}
    args.update(extra)
    return args


def run(action, variables):
    action._templar = Templar(loader=action._loader, variables=variables)
    return action.run(task_vars=variables)


# In-process ------------------------------------------------------------------------------------------------

def test_the_controllers_python_under_another_name_runs_in_process_and_says_so_once(fresh, monkeypatch, capsys):
    monkeypatch.setattr(_action.display, "verbosity", 3)
    action = make_action(info_args(fresh))
    variables = task_vars(ansible_python_interpreter=os.path.join(VENV_BIN, "python3"))

    first = run(action, variables)
    second = run(action, variables)  # another item of the same task's loop

    assert first["connections"] == second["connections"] == []
    assert not first.get("failed")
    assert [entry["method"] for entry in fresh.journal()] == ["GET", "GET"]
    out = capsys.readouterr().out
    assert out.count("aep.platform: in-process on the controller") == 1, out


def test_nothing_is_said_below_vvv(fresh, monkeypatch, capsys):
    monkeypatch.setattr(_action.display, "verbosity", 2)

    run(make_action(info_args(fresh)), task_vars())

    assert "aep.platform" not in capsys.readouterr().out


def test_ansible_playbook_python_templated_runs_in_process(fresh):
    action = make_action(info_args(fresh))
    variables = task_vars(ansible_python_interpreter=trust_as_template("{{ ansible_playbook_python }}"))
    action._templar = Templar(loader=action._loader, variables=variables)

    assert action._module_reason(variables)[0] is None


def test_aep_variables_come_from_the_tasks_environment_then_the_controllers(fresh, monkeypatch):
    monkeypatch.setenv("AEP_ORG_ID", "ORGIGNORED000000000000001@AdobeOrg")
    monkeypatch.setenv("AEP_SANDBOX_NAME", "from-the-controller")
    args = info_args(fresh)
    del args["org_id"]

    result = run(make_action(args, environment=[{"AEP_ORG_ID": ORG_ID}]), task_vars())

    assert result["connections"] == [] and not result.get("failed")
    headers = fresh.journal()[-1]["headers"]
    headers = {name.lower(): value for name, value in headers.items()}
    assert headers["x-gw-ims-org-id"] == ORG_ID
    assert headers["x-sandbox-name"] == "from-the-controller"


def test_unsupported_parameters_fail_as_the_module_fails(fresh):
    result = run(make_action(info_args(fresh, colour="blue")), task_vars())

    assert result["failed"] is True
    assert result["msg"].startswith("Unsupported parameters for (aep.platform.aep_s3_connection_info) module: colour")
    assert fresh.journal() == []


def test_a_refused_call_fails_with_the_secret_masked(fresh):
    result = run(make_action(info_args(fresh, access_token="not-a-valid-token-marker")), task_vars())

    assert result["failed"] is True
    assert "401" in result["msg"]
    assert "not-a-valid-token-marker" not in repr(result)


# As a module: the reasons ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def other_venv(tmp_path_factory):
    path = tmp_path_factory.mktemp("paths") / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(str(path))
    return path / "bin" / "python"


def reason_of(action, variables):
    action._templar = Templar(loader=action._loader, variables=variables)
    return action._module_reason(variables)[0]


@pytest.mark.parametrize("interpreter", [None, "auto", "auto_silent", "python3"])
def test_in_process_interpreters(fresh, interpreter):
    variables = task_vars()
    if interpreter == "python3":
        interpreter = os.path.join(VENV_BIN, "python3")
    if interpreter is not None:
        variables["ansible_python_interpreter"] = interpreter

    assert reason_of(make_action(info_args(fresh)), variables) is None


def test_each_reason_for_the_module_path(fresh, other_venv, tmp_path):
    args = info_args(fresh)
    missing = str(tmp_path / "nowhere" / "python")

    assert reason_of(make_action(args), task_vars(aep_force_module=True)) == "aep_force_module"
    assert reason_of(make_action(args), task_vars(aep_force_module="yes")) == "aep_force_module"
    assert reason_of(make_action(args, connection="ssh"), task_vars()) == "remote host (connection ssh)"
    assert reason_of(make_action(args, become=True), task_vars()) == "become"
    assert reason_of(make_action(args, async_val=30), task_vars()) == "async"
    assert reason_of(make_action(args), task_vars(ansible_python_interpreter=missing)) == \
        "interpreter %s does not exist" % missing
    other = reason_of(make_action(args), task_vars(ansible_python_interpreter=str(other_venv)))
    assert other.startswith("interpreter %s is Python " % other_venv)
    assert other.endswith("not the controller's Python %s in %s" % (
        ".".join(map(str, sys.version_info[:3])), os.path.realpath(sys.prefix)))


def test_a_delegated_task_uses_the_delegated_hosts_interpreter(fresh, tmp_path):
    missing = str(tmp_path / "delegated" / "python")
    variables = task_vars(ansible_python_interpreter=os.path.join(VENV_BIN, "python3"),
                          ansible_delegated_vars={"controller": {"ansible_python_interpreter": missing}})

    reason = reason_of(make_action(info_args(fresh), delegate_to="controller"), variables)

    assert reason == "interpreter %s does not exist" % missing


def test_the_reason_is_said_at_vvv(fresh, monkeypatch, capsys):
    monkeypatch.setattr(_action.display, "verbosity", 3)
    action = make_action(info_args(fresh))

    action._tell("become", task_vars())
    action._tell("become", task_vars())
    action._tell(None, task_vars())

    out = capsys.readouterr().out
    assert out.count("aep.platform: as a module (reason: become)") == 1
    assert out.count("aep.platform: in-process on the controller") == 1
