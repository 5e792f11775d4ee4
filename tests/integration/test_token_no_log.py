"""aep_access_token's result cannot leak: censored on both paths whether or not the task says no_log.

Run at -vvvv, with ANSIBLE_LOG_PATH and a JSON callback that writes every result it is handed, as AWX's
job events callback is handed them. CI runs this file on the oldest and the newest ansible-core.
"""

import json
import re

from aep_emulator import IMS_TOKEN_PATH
from ansible.release import __version__ as ansible_core_version

# ansible-core before 2.19 does not censor a loop's combined result for an item's _ansible_no_log.
CENSORS_LOOPS = tuple(int(part) for part in ansible_core_version.split(".")[:2]) >= (2, 19)

ISSUED_TOKEN = re.compile(r"emu-[A-Za-z0-9_-]{20,}")  # how the emulator's tokens look

JSON_CALLBACK = '''
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Every result a callback is handed, one JSON line each."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "aep_test_json"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, event, result):
        data = result.result if hasattr(type(result), "result") else result._result
        with open(os.environ["AEP_TEST_JSON_RECORD"], "a") as record:
            record.write(json.dumps({"event": event, "task": result._task.get_name(), "result": data},
                                    default=str) + "\\n")

    def v2_runner_on_ok(self, result):
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write("failed", result)

    def v2_runner_item_on_ok(self, result):
        self._write("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._write("item_failed", result)
'''


def test_the_token_is_printed_nowhere_and_still_authenticates(ansible, emulator, emulator_vars, tmp_path):
    plugins = tmp_path / "callback_plugins"
    plugins.mkdir()
    (plugins / "aep_test_json.py").write_text(JSON_CALLBACK)
    log, record = tmp_path / "ansible.log", tmp_path / "callback.jsonl"
    env = {"ANSIBLE_CALLBACK_PLUGINS": str(plugins), "ANSIBLE_CALLBACKS_ENABLED": "aep_test_json",
           "ANSIBLE_LOG_PATH": str(log), "AEP_TEST_JSON_RECORD": str(record)}

    run = ansible.playbook("token_no_log.yml", extra_vars=emulator_vars, env=env, args=["-vvvv"])

    events = [json.loads(line) for line in record.read_text().splitlines()]
    by_task = {}
    for event in events:
        by_task.setdefault(event["task"], []).append(event)
    # Positive controls: tokens were issued and used, the callback and the log saw the tasks.
    token_requests = 1 + 1 + (2 if CENSORS_LOOPS else 0) + 2 + 1
    assert len([entry for entry in emulator.journal() if entry["path"] == IMS_TOKEN_PATH]) == token_requests
    assert [item["name"] for item in emulator.store(emulator_vars["aep_org_id"], "prod")] == ["no-log-token"]
    for task in ("Get a token", "Get a token in check mode"):
        assert [event["result"].get("censored") is not None for event in by_task[task]] == [True], by_task[task]
    looped = by_task["Get a token per item"]
    assert len(looped) == 3  # two items and the loop's result
    if CENSORS_LOOPS:
        assert all("censored" in json.dumps(event["result"]) for event in looped), looped
    else:  # refused, readably, before any token was requested
        assert [event["event"] for event in looped] == ["item_failed", "item_failed", "failed"]
        assert all(event["result"]["msg"].startswith("aep_access_token in a loop needs no_log: true on "
                                                     "ansible-core 2.") for event in looped[:2])
    assert all("censored" in json.dumps(event["result"]) for event in by_task["Get a token per item, with no_log"])
    assert "Adobe IMS refused the token request" in by_task["Fail to get a token with a wrong secret, readably"][0][
        "result"]["msg"]  # a failure holds no token and stays readable
    assert "Adobe IMS refused the token request" in run.stdout
    assert by_task["List the connections with the token of an item"][0]["result"]["connections"]
    assert "Get a token per item" in log.read_text()

    for place, text in (("stdout", run.stdout), ("stderr", run.stderr), ("log file", log.read_text()),
                        ("JSON callback", record.read_text())):
        assert not ISSUED_TOKEN.search(text), "a token was printed in the %s" % place
