"""Concurrent tasks that ensure one name leave one object: real ansible-playbook runs at once, real latency.

Each set starts several ``ansible-playbook`` runs of ``playbooks/race.yml`` at the same moment (as two AWX
job templates or CI jobs would), on both execution paths side by side (each path in a sandbox of its own),
against the emulator answering every request after ``LATENCY`` seconds; with the lock, the last set is one
run over several hosts with ``delegate_to: localhost``, one task per host in parallel forks. Each run plays
several rounds; in each, every task ensures the round's S3 connection, then the round's dataset, each
after a barrier (an emulator control endpoint) that releases all tasks at once, so that every round is a
real race however long the runs took to start. After every set the emulator must hold exactly one
connection and one dataset of each round's name, every task must return that object's id, and exactly one
task per object must report a change. The journal shows what it cost: one look-up per task, and one more
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
# (how the tasks run, how many at once, rounds): separate runs of ansible-playbook, then one run over that many
# hosts. The forks of one run race in every round as surely as separate runs do, so they play fewer rounds.
SETS = (("runs", 4, 5), ("runs", 8, 5), ("forks", 8, 2))
# Without the lock the forks set adds nothing the runs do not show (the check after the create is the same code
# whoever races), and it was a fifth of that mode's time: it runs with the lock only.
SETS_WITHOUT_LOCK = tuple(entry for entry in SETS if entry[0] == "runs")
# What each kind of object is called in the playbook's report, and the API path its requests go to.
KINDS = {"connection": "/flowservice/connections", "dataset": "/catalog/dataSets"}
# GETs a create adds: the look-up that checks for racers; Catalog's POST answers only the new dataset's id, so
# aep_dataset reads the dataset back before that (as it does without any race).
GETS_PER_CREATE = {"connection": 1, "dataset": 2}
RESULT_LINE = re.compile(r"RACE round=(\d+) connection=(\S+) (True|False) dataset=(\S+) (True|False) END")

_ROWS = {}


def _sandbox(path):
    return "race-" + path


def _start(pool, runner, kind, tasks, rounds, emulator, name, path, env):
    sandbox = _sandbox(path)
    schema_id = next(schema["$id"] for schema in emulator.schemas(ORG_ID, sandbox)
                     if schema["title"] == "Loyalty Members")
    extra_vars = {"aep_url": emulator.url, "aep_org_id": ORG_ID, "aep_client_id": emulator.client_id,
                  "aep_access_token": DEFAULT_ACCESS_TOKEN, "race_name": name, "race_sandbox": sandbox,
                  "race_rounds": rounds, "race_parties": tasks, "race_schema_id": schema_id}
    if kind == "runs":
        return [pool.submit(run_playbook, runner, "race.yml", extra_vars=extra_vars, env=env) for _unused in range(tasks)]
    hosts = ",".join("race-host-%d" % index for index in range(1, tasks + 1)) + ","
    extra_vars["race_hosts"] = "all"
    return [pool.submit(run_playbook, runner, "race.yml", extra_vars=extra_vars, env=env,
                        args=["-i", hosts, "-f", str(tasks)])]


def _requests(journal, path, api_path):
    """Requests of one path's sandbox to one kind's API path, by method."""
    counts = collections.Counter()
    for entry in journal:
        if entry["headers"].get("x-sandbox-name") == _sandbox(path) and api_path in entry["path"]:
            counts[entry["method"]] += 1
    return counts


def _stored(emulator, kind, path, name):
    items = emulator.store(ORG_ID, _sandbox(path)) if kind == "connection" else emulator.datasets(ORG_ID, _sandbox(path))
    return [item for item in items if item["name"] == name]


def _check_set(emulator, journal, runs, path, name, tasks, rounds, locked):
    """One path's outcome of a set; fails the test on anything but one object per round and kind, agreed on by all."""
    for run in runs:
        if run.rc != 0:
            pytest.fail("a run failed in set %s (%s):\n%r" % (name, path, run), pytrace=False)
    outcomes = collections.defaultdict(list)  # (kind, round) -> [(id, changed)]
    for round_index, connection_id, connection_changed, dataset_id, dataset_changed in (
            line for run in runs for line in RESULT_LINE.findall(run.stdout)):
        outcomes[("connection", int(round_index))].append((connection_id, connection_changed == "True"))
        outcomes[("dataset", int(round_index))].append((dataset_id, dataset_changed == "True"))
    figures = {}
    for kind, api_path in KINDS.items():
        for round_index in range(rounds):
            results = outcomes[(kind, round_index)]
            assert len(results) == tasks, (kind, round_index, runs)
            stored = _stored(emulator, kind, path, "%s-%d" % (name, round_index))
            assert len(stored) == 1, "round %d: %d %ss named %s-%d: %s" % (
                round_index, len(stored), kind, name, round_index, [item["id"] for item in stored])
            assert {ident for ident, _changed in results} == {stored[0]["id"]}, (kind, round_index, results)
            assert sum(changed for _ident, changed in results) == 1, (kind, round_index, results)
        counts = _requests(journal, path, api_path)
        assert counts["PATCH"] == 0, (kind, counts)
        # Every extra create was deleted again, by the task that made it.
        assert counts["DELETE"] == counts["POST"] - rounds, (kind, counts)
        # One look-up per task, and the GETs of each create. Without the lock, a task whose look-up saw the
        # objects of tasks still racing looks again, until they have settled.
        repeated = counts["GET"] - tasks * rounds - GETS_PER_CREATE[kind] * counts["POST"]
        assert repeated >= 0, (kind, counts)
        if locked:
            assert counts["POST"] == rounds and repeated == 0, (kind, counts)
        figures[kind] = {"posts": counts["POST"], "deletes": counts["DELETE"], "gets": counts["GET"],
                         "repeated": repeated}
    return figures


@pytest.mark.parametrize("mode", ["lock", "no-lock"])
def test_concurrent_tasks_leave_one_object(make_ansible, results, mode):
    locked = mode == "lock"
    runners = {path: make_ansible(path == "module") for path in PATHS}
    env = {} if locked else {DISABLE_ENV: "1"}
    test_start = time.monotonic()
    extra_creates = collections.Counter()
    with Emulator() as emulator:
        emulator.set_latency(LATENCY)
        for how, tasks, rounds in (SETS if locked else SETS_WITHOUT_LOCK):
            names = {path: "race-%s-%s-%d" % (mode, how, tasks) for path in PATHS}
            emulator.clear_journal()
            start = time.monotonic()
            processes = 2 * tasks if how == "runs" else 2
            with concurrent.futures.ThreadPoolExecutor(max_workers=processes) as pool:
                futures = {path: _start(pool, runners[path], how, tasks, rounds, emulator, names[path], path, env)
                           for path in PATHS}
                runs = {path: [future.result() for future in futures[path]] for path in PATHS}
            seconds = time.monotonic() - start
            journal = emulator.journal()
            for path in PATHS:
                figures = _check_set(emulator, journal, runs[path], path, names[path], tasks, rounds, locked)
                for kind, counts in figures.items():
                    extra_creates[(path, kind)] += counts["posts"] - rounds
                    _ROWS[(mode, how, tasks, path, kind)] = (
                        path, kind, "%d %s" % (tasks, "runs" if how == "runs" else "forks of one run"), rounds,
                        "1 each", "1 each", counts["posts"], counts["deletes"], counts["gets"], counts["repeated"],
                        "%.1f" % seconds)
    _ROWS[(mode, "total")] = time.monotonic() - test_start

    if not locked:
        # Proof that the rule was exercised: tasks really did create the same name at once, for each kind and path.
        for path in PATHS:
            for kind in KINDS:
                assert extra_creates[(path, kind)] >= 1, extra_creates

    results.section("race" if locked else "race_no_lock", _section(mode))


def _section(mode):
    """The figures of one mode: scripts/test.sh runs the two modes in pytest sessions of their own, at once."""
    headers = ("path", "object", "tasks at once", "rounds", "objects left per round", "tasks changed per round",
               "POSTs", "DELETEs", "GETs", "look-ups repeated while racers settled", "seconds (the set, both paths)")
    varying = headers[:6] + tuple("%s (varies)" % header for header in headers[6:10]) + headers[10:]
    text = ("## Concurrent tasks ensuring one name\n\n"
            "`test_create_race.py`: sets of `ansible-playbook` runs of `playbooks/race.yml` started at the same "
            "moment, on both execution paths side by side; then one run over several hosts with "
            "`delegate_to: localhost` (one task per host, in parallel forks). Each run plays several rounds; in each, "
            "every task ensures the round's S3 connection, then the round's dataset, released together by a "
            "barrier. The emulator answers every request after %.0f s. Each round must leave exactly one "
            "connection and one dataset, every task must return its id, and exactly one task must report a "
            "change. Figures are totals over the rounds, from the emulator's journal: GETs = one look-up per "
            "task + the look-up that checks for racers after each create (POST; a dataset is also read back "
            "once after its create, as without a race) + look-ups repeated while racers settled.\n" % LATENCY)
    if mode == "lock":
        title, header_row = "With the lock (tasks on one controller take turns around look-up and create)", headers
    else:
        text = ""
        title = ("Lock disabled (test-only `%s=1`): the check after each create alone, as between controllers; "
                 "how many tasks race varies from run to run" % DISABLE_ENV)
        header_row = varying
    rows = [_ROWS[key] for key in sorted(_ROWS) if key[0] == mode and key[1] != "total"]
    rows.sort(key=lambda row: (row[2].endswith("one run"), int(row[2].split()[0]), row[1], row[0]))
    text += "\n%s:\n\n%s" % (title, table(header_row, rows))
    text += "\nWhole test: %.0f seconds.\n" % _ROWS[(mode, "total")]
    return text
