"""A shared token that expires in the middle of a play is replaced once, by a task with client credentials."""

import re

from aep_emulator import IMS_TOKEN_PATH

ISSUED_TOKEN = re.compile(r"emu-[A-Za-z0-9_-]{20,}")  # how the emulator's tokens look


def test_a_token_that_expires_between_two_tasks_is_replaced_once(ansible, emulator, emulator_vars):
    run = ansible.playbook("token_expiry.yml", extra_vars=emulator_vars, args=["-vvv"])

    journal = emulator.journal()
    ims = [index for index, entry in enumerate(journal) if entry["path"] == IMS_TOKEN_PATH]
    # The token task's request, then one more: the second task's, after its token was refused.
    assert len(ims) == 2
    refused = [index for index, entry in enumerate(journal) if entry["status"] == 401]
    assert len(refused) == 2  # the second task's first request, and the third task's only one
    second_refusal, third_refusal = refused
    assert ims[1] == second_refusal + 1
    # The second task: its look-up refused, a new token, the look-up again, the create, the check.
    second_task = [(entry["method"], entry["status"]) for entry in journal[second_refusal:third_refusal]]
    assert second_task == [("GET", 401), ("POST", 200), ("GET", 200), ("POST", 201), ("GET", 200)]
    # The third task, without client credentials: one refused request, no IMS request, nothing after it.
    assert [(entry["method"], entry["status"]) for entry in journal[third_refusal:]] == [("GET", 401)]
    assert sorted(item["name"] for item in emulator.store(emulator_vars["aep_org_id"], "prod")) == [
        "expiry-first", "expiry-second"]

    assert not ISSUED_TOKEN.search(run.output), "a token was printed"
    assert emulator_vars["aep_client_secret"] not in run.output
