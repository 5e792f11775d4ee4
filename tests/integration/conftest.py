"""Integration tests: real ansible-playbook runs of the installed collection against the emulator.

The collection is built with ``ansible-galaxy collection build`` and installed from that
tarball into a temporary collections path, so the tests exercise what users install,
not the source tree. The emulator serves the Flow Service and IMS over real HTTP(S).
"""

import compileall
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests" / "emulator"))

from aep_emulator import DEFAULT_ACCESS_TOKEN, DEFAULT_CLIENT_SECRET, Emulator  # noqa: E402  (needs the path above)

# The tests that drive module code in-process (test_dataflow_in_process.py) import the source tree as
# ansible_collections.aep.platform, as the unit tests do: the unit tests' conftest makes it importable, also
# when this folder runs alone. (ansible-playbook runs use the installed tarball, whatever this process imports.)
_unit_conftest = importlib.util.spec_from_file_location("aep_integration_unit_conftest", ROOT / "tests" / "unit" / "conftest.py")
_unit_conftest.loader.exec_module(importlib.util.module_from_spec(_unit_conftest))

ORG_ID = "ORGINTEGRATION0000000001@AdobeOrg"  # the same as in test_playbooks.py


def _run(cmd, **kwargs):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise AssertionError("%s failed (%s):\n%s\n%s" % (cmd, result.returncode, result.stdout, result.stderr))
    return result


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """The collection, built into a tarball and installed from it."""
    build_dir = tmp_path_factory.mktemp("build")
    _run([BIN / "ansible-galaxy", "collection", "build", ROOT, "--output-path", build_dir])
    tarballs = list(build_dir.glob("aep-platform-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    install_dir = tmp_path_factory.mktemp("collections")
    _run([BIN / "ansible-galaxy", "collection", "install", tarballs[0], "-p", install_dir])
    installed = install_dir / "ansible_collections" / "aep" / "platform"
    assert (installed / "plugins" / "modules" / "aep_s3_connection.py").is_file()
    # Compiled once here, as Python would on a user's first run: where PYTHONDONTWRITEBYTECODE is set (as on
    # these machines), every ansible-playbook run of the suite would otherwise compile the plugins again.
    assert compileall.compile_dir(str(installed / "plugins"), quiet=1)
    return install_dir


@pytest.fixture(scope="session")
def http_emulator():
    with Emulator(page_size=3) as emulator:
        yield emulator


@pytest.fixture
def emulator(http_emulator):
    http_emulator.reset()
    return http_emulator


@pytest.fixture(scope="session")
def tls_emulator():
    with Emulator(tls=True) as emulator:
        yield emulator


class PlaybookRun:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return "rc=%s\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.stdout, self.stderr)


class Ansible:
    """Runs the playbooks under tests/integration/playbooks with a clean, isolated environment."""

    def __init__(self, collections_path, home, force_module=False):
        self.collections_path = collections_path
        self.home = home
        self.force_module = force_module
        # ansible-playbook polls its workers every 1 ms by default: ~5% of a core for each run that waits on
        # the emulator, and the suite runs many at once on two cores. 10 ms costs a task at most 10 ms.
        self.config = home / "ansible.cfg"
        (home / "tmp").mkdir(parents=True, exist_ok=True)  # ANSIBLE_LOCAL_TEMP
        self.config.write_text("[defaults]\ninternal_poll_interval = 0.01\n", encoding="utf-8")

    def environment(self, extra=None):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AEP_", "ANSIBLE_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"))}
        env.update({
            "ANSIBLE_CONFIG": str(self.config),
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections_path),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_HOME": str(self.home),
            "ANSIBLE_LOCAL_TEMP": str(self.home / "tmp"),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "NO_PROXY": "127.0.0.1,localhost",
        })
        env.update(extra or {})
        return env

    def playbook(self, name, extra_vars=None, env=None, args=(), expect_rc=0):
        cmd = [BIN / "ansible-playbook", PLAYBOOKS / name]
        for key, value in (extra_vars or {}).items():
            cmd += ["-e", "%s=%s" % (key, value)]
        if self.force_module:
            cmd += ["-e", "aep_force_module=true"]
        cmd += list(args)
        completed = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False,
                                   env=self.environment(env), cwd=str(PLAYBOOKS), timeout=600)
        run = PlaybookRun(completed)
        if expect_rc is not None and run.rc != expect_rc:
            pytest.fail("%s exited %s, expected %s\n%r" % (name, run.rc, expect_rc, run), pytrace=False)
        return run


def _ansible(collections_path, tmp_path, force_module):
    return Ansible(collections_path, tmp_path / "ansible-home", force_module=force_module)


@pytest.fixture(params=["in-process", "module"])
def ansible(request, collections_path, tmp_path):
    """Runs playbooks once through each path: the action plugin in-process, and the module forced."""
    return _ansible(collections_path, tmp_path, force_module=request.param == "module")


@pytest.fixture
def ansible_default(collections_path, tmp_path):
    """Runs playbooks with the collection's default choice of path."""
    return _ansible(collections_path, tmp_path, force_module=False)


@pytest.fixture
def emulator_vars(emulator):
    """Extra vars that point a playbook at the plain-HTTP emulator."""
    return {
        "aep_url": emulator.url,
        "aep_org_id": ORG_ID,
        "aep_client_id": emulator.client_id,
        "aep_client_secret": DEFAULT_CLIENT_SECRET,
        "aep_access_token": DEFAULT_ACCESS_TOKEN,
    }
