"""Access tokens per play: counted in the emulator's journal, and never printed."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from aep_emulator import IMS_TOKEN_PATH

# The emulator issues tokens as "emu-" + 43 URL-safe characters.
ISSUED_TOKEN = re.compile(r"emu-[A-Za-z0-9_-]{20,}")
STALE_TOKEN = "stale-token-marker-5d0e1a"
# Each task run with client credentials costs ~0.4 s as a module: 10 show one IMS request per run as well as 50.
PER_TASK_RUNS = 10
WRONG_SECRET = "wrong-secret-marker-77c2b4"


def _ims_requests(emulator):
    return [entry for entry in emulator.journal() if entry["path"] == IMS_TOKEN_PATH]


def _connection_posts(emulator):
    return [entry for entry in emulator.journal()
            if entry["method"] == "POST" and entry["path"].endswith("/flowservice/connections")]


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return "http://127.0.0.1:%d" % port


def _assert_no_secret(run, *secrets):
    assert not ISSUED_TOKEN.search(run.output), "an issued token was printed"
    for secret in secrets:
        assert secret not in run.output, "%s was printed" % secret


def test_fifty_connections_with_one_token_make_one_ims_request(ansible, emulator, emulator_vars):
    started = time.monotonic()
    run = ansible.playbook("tokens_once.yml", extra_vars=dict(emulator_vars, connection_count=50), args=["-v"])
    elapsed = time.monotonic() - started

    assert len(_ims_requests(emulator)) == 1
    posts = _connection_posts(emulator)
    assert len(posts) == 50
    assert {entry["status"] for entry in posts} == {201}
    assert len(emulator.store(emulator_vars["aep_org_id"], "prod")) == 50
    _assert_no_secret(run, emulator_vars["aep_client_secret"])
    print("50 connections, one token: %.1f s" % elapsed)


def test_client_credentials_in_every_task_make_one_ims_request_per_task(ansible, emulator, emulator_vars):
    started = time.monotonic()
    run = ansible.playbook("tokens_per_task.yml", extra_vars=dict(emulator_vars, connection_count=PER_TASK_RUNS),
                           args=["-v"])
    elapsed = time.monotonic() - started

    assert len(_ims_requests(emulator)) == PER_TASK_RUNS
    assert len(_connection_posts(emulator)) == PER_TASK_RUNS
    assert len(emulator.store(emulator_vars["aep_org_id"], "prod")) == PER_TASK_RUNS
    _assert_no_secret(run, emulator_vars["aep_client_secret"])
    print("%d connections, a token per task: %.1f s" % (PER_TASK_RUNS, elapsed))


def test_access_token_module(ansible, emulator, emulator_vars):
    run = ansible.playbook("access_token.yml", extra_vars=dict(
        emulator_vars, stale_token=STALE_TOKEN, wrong_secret=WRONG_SECRET, unreachable_url=_closed_port_url(),
    ), args=["-vvv"])

    assert "ignored=3" in run.stdout
    # Check mode, the stale token and the wrong secret each made one request; a missing secret made none.
    ims = _ims_requests(emulator)
    assert [entry["status"] for entry in ims] == [200, 200, 401]
    assert all(entry["method"] == "POST" for entry in ims)
    assert [entry for entry in emulator.journal() if entry["path"] != IMS_TOKEN_PATH] == []
    _assert_no_secret(run, emulator_vars["aep_client_secret"], STALE_TOKEN, WRONG_SECRET)


def test_documentation_renders_with_the_shared_options(collections_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AEP_", "ANSIBLE_"))}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    completed = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "--json",
                                "aep.platform.aep_access_token"], capture_output=True, text=True, env=env, timeout=120,
                               check=False)

    assert completed.returncode == 0, completed.stderr
    doc = json.loads(completed.stdout)["aep.platform.aep_access_token"]
    options = doc["doc"]["options"]
    assert len(options) == 13 and "platform_url" in options and "retries" in options  # from the fragment
    assert options["org_id"].get("required", False) is False  # the module's own entry wins over the fragment's
    assert doc["doc"]["attributes"]["check_mode"]["support"] == "full"
    assert set(doc["return"]) == {"access_token", "token_type", "expires_in", "expires_at", "status", "error"}
