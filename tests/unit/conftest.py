"""Make ``ansible_collections.aep.platform`` importable for plain pytest.

ansible-test runs from inside an ``ansible_collections/aep/platform`` tree and
needs nothing; a fresh clone under any other folder name gets a symlinked tree
in the temp folder, so tests import the collection exactly as Ansible does.
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import pytest

COLLECTION_ROOT = Path(__file__).resolve().parents[2]


def _ensure_collection_importable():
    if COLLECTION_ROOT.parent.name == "aep" and COLLECTION_ROOT.name == "platform" \
            and COLLECTION_ROOT.parents[1].name == "ansible_collections":
        base = COLLECTION_ROOT.parents[2]
    else:
        digest = hashlib.sha1(str(COLLECTION_ROOT).encode()).hexdigest()[:12]
        base = Path(tempfile.gettempdir()) / ("aep-platform-collections-" + digest)
        link = base / "ansible_collections" / "aep" / "platform"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink() or os.readlink(link) != str(COLLECTION_ROOT):
            if link.is_symlink():
                link.unlink()
            link.symlink_to(COLLECTION_ROOT, target_is_directory=True)
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))


_ensure_collection_importable()


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Give each test its own folder of create locks.

    The locks live in the temp folder, shared by every process of the user: unit tests run in
    parallel (ansible-test runs them with xdist, CI runs several cores at once) would otherwise
    wait on each other's lock of the same object name, and a test counting backoff pauses would
    count those waits too.
    """
    from ansible_collections.aep.platform.plugins.module_utils import _locks

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv(_locks.DISABLE_ENV, raising=False)
    return tmp_path


@pytest.fixture
def no_sleep(monkeypatch):
    """Record backoff delays instead of sleeping them."""
    from ansible_collections.aep.platform.plugins.module_utils import _client

    delays = []
    monkeypatch.setattr(_client.time, "sleep", delays.append)
    return delays


class ModuleRun:
    """Run a module's ``main()`` in-process, as Ansible would, and return its JSON result."""

    def __init__(self, capsys):
        self._capsys = capsys

    def __call__(self, module, args, check_mode=False, diff=False):
        import json

        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        payload = dict(args)
        payload["_ansible_check_mode"] = check_mode
        payload["_ansible_diff"] = diff
        try:
            from ansible.module_utils.testing import patch_module_args
        except ImportError:  # ansible-core < 2.19
            patch_module_args = None
        self._capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            if patch_module_args is not None:
                with patch_module_args(payload):
                    module.main()
            else:
                basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
                try:
                    module.main()
                finally:
                    basic._ANSIBLE_ARGS = None
        out = self._capsys.readouterr().out
        result = json.loads(out)
        result["_rc"] = exit_info.value.code
        return result


@pytest.fixture
def run_module(capsys):
    return ModuleRun(capsys)
