"""Concurrent tasks that ensure one name leave one object: real ansible-playbook runs at once, real latency.

Each round starts several ``ansible-playbook`` runs of ``playbooks/race.yml`` at the same moment (as two AWX
job templates or CI jobs would), on both execution paths side by side (each path in a sandbox of its own),
against the emulator answering every request after ``LATENCY`` seconds; the last round of each mode is one
run over several hosts with ``delegate_to: localhost``, one task per host in parallel forks. After every
round the emulator must hold exactly one connection of the round's name, every task must return its id, and
exactly one task must report a change. The journal shows what it cost: one look-up per task, and one more
GET for each create.

With the lock (the default), the tasks on this controller take turns around look-up and create: one POST
and tasks + 1 GETs per round. With the test-only ``AEP_TEST_DISABLE_CREATE_LOCK=1``, only the check after
each create protects the name, as it does for tasks on different controllers: several tasks create, all but
one delete theirs, and a task whose look-up fell in the middle of that looks again once they settled.
"""

from __future__ import annotations

import collections
import concurrent.futures
import re
import time

import pytest
from aep_emulator import DEFAULT_ACCESS_TOKEN, Emulator
from ansible_collections.aep.platform.plugins.module_utils._locks import DISABLE_ENV
from reliability_results import table
from reliability_support import ORG_ID, run_playbook

LATENCY = 1.0
PATHS = ("in-process", "module")
# (kind, tasks at once, rounds): separate runs of ansible-playbook, then one run over that many hosts.
# Rounds of 8 runs cost about 16 ansible-playbook starts each on a 2-core CI machine, so there are fewer of
# them, and fewer rounds without the lock: that is not the default, and the forks of one run, which start
# within milliseconds of each other, race every time (the test requires a race on each path).
ROUNDS = {"lock": (("runs", 4, 5), ("runs", 8, 1), ("forks", 8, 1)),
          "no-lock": (("runs", 4, 2), ("runs", 8, 1), ("forks", 8, 1))}
RESULT_LINE = re.compile(r"RACE id=(\S+) changed=(True|False) END")

_ROWS = {}


def _sandbox(path):
    return "race-" + path


def _start(pool, runner, kind, tasks, emulator, name, path, env):
    extra_vars = {"aep_url": emulator.url, "aep_org_id": ORG_ID, "aep_client_id": emulator.client_id,
                  "aep_access_token": DEFAULT_ACCESS_TOKEN, "race_name": name, "race_sandbox": _sandbox(path)}
    if kind == "runs":
        return [pool.submit(run_playbook, runner, "race.yml", extra_vars=extra_vars, env=env) for _unused in range(tasks)]
    hosts = ",".join("race-host-%d" % index for index in range(1, tasks + 1)) + ","
    extra_vars["race_hosts"] = "all"
    return [pool.submit(run_playbook, runner, "race.yml", extra_vars=extra_vars, env=env,
                        args=["-i", hosts, "-f", str(tasks)])]


def _requests(journal, path):
    """Requests of one path's sandbox to the connections, by method."""
    counts = collections.Counter()
    for entry in journal:
        if entry["headers"].get("x-sandbox-name") == _sandbox(path) and "/flowservice/connections" in entry["path"]:
            counts[entry["method"]] += 1
    return counts


def _check_round(emulator, journal, runs, path, name, tasks, locked):
    """The round's outcome for one path; fails the test on anything but one connection agreed on by all."""
    for run in runs:
        if run.rc != 0:
            pytest.fail("a run failed in round %s (%s):\n%r" % (name, path, run), pytrace=False)
    outcomes = [(ident, changed == "True") for run in runs for ident, changed in RESULT_LINE.findall(run.stdout)]
    assert len(outcomes) == tasks, runs
    stored = [item for item in emulator.store(ORG_ID, _sandbox(path)) if item["name"] == name]
    assert len(stored) == 1, "%d connections named %s: %s" % (len(stored), name, [item["id"] for item in stored])
    assert {ident for ident, _changed in outcomes} == {stored[0]["id"]}
    assert sum(changed for _ident, changed in outcomes) == 1, outcomes
    counts = _requests(journal, path)
    assert counts["PATCH"] == 0, counts
    assert counts["DELETE"] == counts["POST"] - 1, counts
    # One look-up per task, and one more GET for each create. Without the lock, a task whose look-up saw
    # the objects of tasks still racing looks again, until they have settled.
    repeated = counts["GET"] - tasks - counts["POST"]
    assert repeated >= 0, counts
    if locked:
        assert counts["POST"] == 1 and repeated == 0, counts
    return {"connections": len(stored), "changed": 1, "posts": counts["POST"], "deletes": counts["DELETE"],
            "gets": counts["GET"], "repeated": repeated,
            "raced": int(counts["POST"] > 1)}


@pytest.mark.parametrize("mode", ["lock", "no-lock"])
def test_concurrent_tasks_leave_one_connection(make_ansible, results, mode):
    locked = mode == "lock"
    runners = {path: make_ansible(path == "module") for path in PATHS}
    env = {} if locked else {DISABLE_ENV: "1"}
    test_start = time.monotonic()
    totals = {}
    with Emulator() as emulator:
        emulator.set_latency(LATENCY)
        for kind, tasks, rounds in ROUNDS[mode]:
            for path in PATHS:
                totals[(kind, tasks, path)] = collections.Counter()
            seconds = 0.0
            for round_index in range(rounds):
                names = {path: "race-%s-%s-%d-%d" % (mode, kind, tasks, round_index) for path in PATHS}
                emulator.clear_journal()
                start = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(max_workers=2 * tasks) as pool:
                    futures = {path: _start(pool, runners[path], kind, tasks, emulator, names[path], path, env)
                               for path in PATHS}
                    runs = {path: [future.result() for future in futures[path]] for path in PATHS}
                seconds += time.monotonic() - start
                journal = emulator.journal()
                for path in PATHS:
                    figures = _check_round(emulator, journal, runs[path], path, names[path], tasks, locked)
                    totals[(kind, tasks, path)].update(figures)
            for path in PATHS:
                total = totals[(kind, tasks, path)]
                _ROWS[(mode, kind, tasks, path)] = (
                    path, "%d %s" % (tasks, "runs" if kind == "runs" else "forks of one run"), rounds,
                    "%d each" % (total["connections"] // rounds), "%d each" % (total["changed"] // rounds),
                    total["posts"], total["deletes"], total["gets"], total["repeated"],
                    total["raced"], "%.1f" % seconds)
    test_seconds = time.monotonic() - test_start
    _ROWS[(mode, "total")] = test_seconds

    if not locked:
        # Proof that the rule was exercised: tasks really did create the same name at once.
        for path in PATHS:
            assert sum(totals[key]["raced"] for key in totals if key[2] == path) >= 1, totals

    results.section("race", _section())


def _section():
    headers = ("path", "tasks at once", "rounds", "connections left per round", "tasks changed per round",
               "POSTs", "DELETEs", "GETs", "look-ups repeated while racers settled", "rounds where tasks raced",
               "seconds (both paths side by side)")
    varying = headers[:5] + tuple("%s (varies)" % header for header in headers[5:10]) + headers[10:]
    text = ("## Concurrent tasks ensuring one name\n\n"
            "`test_create_race.py`: rounds of `ansible-playbook` runs of `playbooks/race.yml` started at the same "
            "moment, each ensuring one S3 connection of the round's name, on both execution paths side by side; "
            "then one run over several hosts with `delegate_to: localhost` (one task per host, in parallel "
            "forks). The emulator answers every request after %.0f s. Each round must leave exactly one "
            "connection, every task must return its id, and exactly one task must report a change. Figures are "
            "totals over the rounds, from the emulator's journal: GETs = one look-up per task + one per create "
            "(POST) + look-ups repeated while racers settled.\n" % LATENCY)
    for mode, title, header_row in (
            ("lock", "With the lock (tasks on one controller take turns around look-up and create)", headers),
            ("no-lock", "Lock disabled (test-only `%s=1`): the check after each create alone, as between "
                        "controllers; how many tasks race varies from run to run" % DISABLE_ENV, varying)):
        rows = [_ROWS[key] for key in sorted(_ROWS) if key[0] == mode and key[1] != "total"]
        if not rows:
            continue
        rows.sort(key=lambda row: (row[1].endswith("one run"), int(row[1].split()[0]), row[0]))
        text += "\n%s:\n\n%s" % (title, table(header_row, rows))
        if (mode, "total") in _ROWS:
            text += "\nWhole test: %.0f seconds.\n" % _ROWS[(mode, "total")]
    return text
