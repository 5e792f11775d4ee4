"""Fault soak: creates, updates and deletes across many names while the emulator injects random faults.

The emulator's fault queue is replaced by one that, besides any queued fault, gives each API and IMS
request a fault with probability FAULT_RATE, drawn from FAULT_MIX by a seeded RNG: the run is
reproducible. The operations run through the module's own logic (``run_runner``) with a real
``HttpTransport`` over HTTP, real retries and real (short) backoff sleeps; a smaller slice runs through
``ansible-playbook`` on both execution paths. After every operation and at the end, the emulator's
store must hold exactly what was asked: one connection per present name, with the last description
asked and the id it was created with; none for an absent name.
"""

from __future__ import annotations

import collections
import json
import random
import threading
import time

import pytest
import yaml
from aep_emulator import Emulator
from aep_emulator.faults import FaultQueue, normalize
from ansible_collections.aep.platform.plugins.module_utils._client import HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._runner import build_client, run_runner
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection
from reliability_support import ORG_ID, module_params, run_playbook
from reliability_results import table

SEED = 20261127
OPERATIONS = 200
NAMES = 50
FAULT_RATE = 0.2
SOAK_BUDGET_SECONDS = 90

# (weight, fault): what a faulted request gets. concurrent_update only applies to PATCH and DELETE of
# one connection (another writer changes it first, so our If-Match no longer matches: HTTP 412).
FAULT_MIX = (
    (2, {"kind": "status", "status": 429, "retry_after": 0.05}),
    (2, {"kind": "status", "status": 500}),
    (2, {"kind": "status", "status": 503}),
    (2, {"kind": "drop"}),
    (2, {"kind": "drop_after"}),
    (6, {"kind": "concurrent_update"}),  # only for PATCH and DELETE: weighted up so that it shows
    (2, {"kind": "delay", "seconds": 0.05}),
)


class RandomFaults(FaultQueue):
    """Queued faults first; otherwise a fault with probability ``rate`` from ``mix``, seeded."""

    def __init__(self, seed, rate, mix):
        super().__init__()
        self.rng = random.Random(seed)
        self.rate = rate
        self.mix = mix
        self.enabled = True

    def take(self, method, path):
        fault = super().take(method, path)
        if fault is not None or not self.enabled:
            return fault
        with self._lock:
            if self.rng.random() >= self.rate:
                return None
            one_connection_write = method.upper() in ("PATCH", "DELETE") and path.startswith("/connections/")
            choices = [(weight, spec) for weight, spec in self.mix
                       if spec["kind"] != "concurrent_update" or one_connection_write]
            spec = self.rng.choices([spec for _unused, spec in choices], weights=[weight for weight, _unused in choices])[0]
        return normalize(spec)


def fault_label(entry):
    """The fault a journal entry received, as reported: '429', '500', 'drop', 'concurrent_update'..."""
    if entry["fault"] == "status":
        return str(entry["status"])
    return entry["fault"]


class CreateCounter:
    """Counts the connections the emulator's store really created, per name (a doubled POST shows here)."""

    def __init__(self, store):
        self.by_name = collections.Counter()
        self._create = store.create
        self._lock = threading.Lock()
        store.create = self

    def __call__(self, org, sandbox, body, actor, client):
        record = self._create(org, sandbox, body, actor, client)
        with self._lock:
            self.by_name[record["name"]] += 1
        return record


def make_plan(rng, operations, names, prefix):
    """A reproducible list of operations, each with the state of its name it should leave."""
    pool = ["%s-%02d" % (prefix, index) for index in range(names)]
    present = {}
    plan = []
    for index in range(operations):
        name = rng.choice(pool)
        if name not in present:
            kind = "create" if rng.random() < 0.85 else "delete_absent"
        else:
            kind = rng.choices(["update", "delete", "reassert"], weights=[55, 25, 20])[0]
        if kind in ("create", "update"):
            present[name] = "%s op %d" % (kind, index)
        elif kind == "delete":
            del present[name]
        plan.append({
            "index": index, "kind": kind, "name": name,
            "state": "absent" if kind.startswith("delete") else "present",
            "description": present.get(name),
            "changed": kind in ("create", "update", "delete"),
        })
    return plan


# The fewest requests each kind of operation needs without faults: IMS token, look-up, then the write
# (and, for a create, the look-up that checks for a concurrent create of the name; for an update,
# reading the connection back).
MINIMUM_REQUESTS = {"create": 4, "update": 4, "delete": 3, "reassert": 2, "delete_absent": 2}


def _module_args(emulator, sandbox, op):
    args = {
        "org_id": ORG_ID, "sandbox": sandbox, "client_id": emulator.client_id,
        "client_secret": "demo-client-secret", "platform_url": emulator.url, "ims_url": emulator.url,
        "name": op["name"], "state": op["state"],
        "s3_access_key": "AKIASOAK", "s3_secret_key": "soak-secret", "bucket_name": "soak-bucket",
    }
    if op["description"] is not None and op["state"] == "present":
        args["description"] = op["description"]
    return args


class Soak:
    """Runs a plan against an emulator through ``run_runner`` and checks the store after each operation."""

    def __init__(self, emulator, sandbox, jitter_seed):
        self.emulator = emulator
        self.sandbox = sandbox
        self.jitter = random.Random(jitter_seed)
        self.model = {}  # name -> {"id", "description"}
        self.retries_made = 0
        self.reruns = []  # (op index, message of the failure that made the task run again)
        self.changed_mismatches = []
        self.violations = collections.Counter()
        self.violation_examples = []

    def run_once(self, op):
        params = module_params(S3Connection, _module_args(self.emulator, self.sandbox, op))
        transport = HttpTransport(timeout=5, retries=5, rand=self.jitter.random)
        # Real sleeps, but short: CI's time is better spent on more faults than on waiting.
        transport.policy.base_delay = 0.01
        transport.policy.max_delay = 0.2
        try:
            return run_runner(S3Connection, params, client=build_client(params, transport=transport))
        finally:
            self.retries_made += transport.policy.retries_made

    def apply(self, op, attempts=3):
        for attempt in range(1, attempts + 1):
            try:
                result = self.run_once(op)
                break
            except AepError as exc:
                # What a user does with a failed task: read the message, run it again.
                self.reruns.append((op["index"], exc.msg.replace(self.emulator.url, "http://127.0.0.1:PORT")))
                if attempt == attempts:
                    raise
        if attempt == 1 and result["changed"] != op["changed"]:
            self.changed_mismatches.append((op["index"], op["kind"], result["changed"]))
        if op["state"] == "present":
            known = self.model.get(op["name"])
            if known and result["id"] != known["id"]:
                self._violation("id changed", op, "%s -> %s" % (known["id"], result["id"]))
            self.model[op["name"]] = {"id": result["id"], "description": op["description"]}
        else:
            self.model.pop(op["name"], None)
        self.check(names=[op["name"]], op=op)
        return result

    def _violation(self, kind, op, detail):
        self.violations[kind] += 1
        if len(self.violation_examples) < 10:
            self.violation_examples.append("op %s (%s %s): %s: %s" % (
                op["index"] if op else "end", op["kind"] if op else "", op["name"] if op else "", kind, detail))

    def check(self, names=None, op=None):
        stored = collections.defaultdict(list)
        for item in self.emulator.store(ORG_ID, self.sandbox):
            stored[item["name"]].append(item)
        for name in (names if names is not None else set(stored) | set(self.model)):
            items = stored.get(name, [])
            wanted = self.model.get(name)
            if wanted is None:
                if items:
                    self._violation("present but should be absent", op, name)
                continue
            if not items:
                self._violation("missing", op, name)
            elif len(items) > 1:
                self._violation("duplicate", op, "%s x%d" % (name, len(items)))
            else:
                if items[0]["description"] != wanted["description"]:
                    self._violation("lost update", op, "%r != %r" % (items[0]["description"], wanted["description"]))
                if items[0]["id"] != wanted["id"]:
                    self._violation("id changed", op, "%s != %s" % (items[0]["id"], wanted["id"]))
        return stored


def _journal_figures(journal, plan):
    api = list(journal)
    faults = collections.Counter(fault_label(entry) for entry in api if entry["fault"])
    minimum = sum(MINIMUM_REQUESTS[op["kind"]] for op in plan)
    return {
        "requests": len(api),
        "minimum": minimum,
        "faults": faults,
        "faulted_requests": sum(faults.values()),
        "patch_412": sum(1 for entry in api if entry["method"] == "PATCH" and entry["status"] == 412),
        "posts": sum(1 for entry in api if entry["method"] == "POST" and "/ims/" not in entry["path"]),
    }


def test_fault_soak(results):
    plan = make_plan(random.Random(SEED), OPERATIONS, NAMES, "soak")
    start = time.monotonic()
    with Emulator(page_size=20) as emulator:
        emulator.backend.faults = RandomFaults(SEED + 1, FAULT_RATE, FAULT_MIX)
        creates = CreateCounter(emulator.backend.store)
        soak = Soak(emulator, "soak", SEED + 2)
        for op in plan:
            soak.apply(op)
            assert time.monotonic() - start < SOAK_BUDGET_SECONDS, "the soak is over its time budget"
        stored = soak.check()
        journal = emulator.journal()
    seconds = time.monotonic() - start

    kinds = collections.Counter(op["kind"] for op in plan)
    figures = _journal_figures(journal, plan)
    create_ops = collections.Counter(op["name"] for op in plan if op["kind"] == "create")
    doubled = {name: count - create_ops[name] for name, count in creates.by_name.items() if count > create_ops[name]}
    present = {name for name, items in stored.items() if items}

    rows = [
        ("operations", "%d (%s)" % (len(plan), ", ".join("%s %d" % kv for kv in sorted(kinds.items())))),
        ("names", NAMES),
        ("requests to the emulator (API and IMS)", figures["requests"]),
        ("requests the operations need without faults", figures["minimum"]),
        ("faults injected", "%d = %.1f%% of requests (%s)" % (
            figures["faulted_requests"], 100.0 * figures["faulted_requests"] / figures["requests"],
            ", ".join("%s %d" % kv for kv in sorted(figures["faults"].items())))),
        ("retries made by the transport (backoff pauses)", soak.retries_made),
        ("HTTP 412 answered to a PATCH, then re-read and retried", figures["patch_412"]),
        ("tasks that failed and were run again", "%d%s" % (len(soak.reruns), "".join(
            "; op %d: %s" % (index, message[:240]) for index, message in soak.reruns))),
        ("`changed` different from expected (first attempts)", len(soak.changed_mismatches)),
        ("connections really created by the store / create operations",
         "%d / %d" % (sum(creates.by_name.values()), sum(create_ops.values()))),
        ("duplicates (creates applied twice, or two connections with one name)",
         sum(doubled.values()) + soak.violations["duplicate"]),
        ("lost updates (description not the last asked, checked after every operation)",
         soak.violations["lost update"]),
        ("missing / present-but-deleted / id changed",
         "%d / %d / %d" % (soak.violations["missing"], soak.violations["present but should be absent"],
                           soak.violations["id changed"])),
        ("final store", "%d connections, %d names expected present" % (
            sum(len(items) for items in stored.values()), len(soak.model))),
        ("seconds", "%.1f" % seconds),
    ]
    results.section("soak", "## Fault soak (in-process, real HTTP)\n\n"
                    "`test_fault_soak.py::test_fault_soak`: %d operations over %d names through `run_runner` "
                    "with a real `HttpTransport` (retries 5, backoff base 0.01 s, cap 0.2 s, real sleeps) against "
                    "the emulator over HTTP; each request faulted with probability %.0f%% (seed %d).\n\n%s%s" % (
                        OPERATIONS, NAMES, FAULT_RATE * 100, SEED, table(("figure", "value"), rows),
                        "".join("\n- %s" % example for example in soak.violation_examples)))

    assert not soak.violation_examples, soak.violation_examples
    assert not doubled, doubled
    assert not soak.changed_mismatches, soak.changed_mismatches
    assert present == set(soak.model)
    assert figures["faulted_requests"] >= 0.15 * figures["requests"]
    assert seconds < SOAK_BUDGET_SECONDS


PLAYBOOK_OPERATIONS = 16
PLAYBOOK_NAMES = 8


@pytest.mark.parametrize("path", ["in-process", "module"])
def test_fault_soak_through_ansible_playbook(make_ansible, results, tmp_path, path):
    """The same promises through the real entry point, on a smaller slice."""
    seed = SEED + (10 if path == "module" else 20)
    plan = make_plan(random.Random(seed), PLAYBOOK_OPERATIONS, PLAYBOOK_NAMES, "slice")
    ops_file = tmp_path / "ops.yml"
    ops_file.write_text(yaml.safe_dump({"ops": [
        {key: op[key] for key in ("name", "state", "description") if op[key] is not None} for op in plan]}))
    results_file = tmp_path / "applied.json"
    start = time.monotonic()
    with Emulator(page_size=20) as emulator:
        emulator.backend.faults = RandomFaults(seed + 1, FAULT_RATE, FAULT_MIX)
        creates = CreateCounter(emulator.backend.store)
        run = run_playbook(make_ansible(path == "module"), "soak_slice.yml", extra_vars={
            "aep_url": emulator.url, "aep_org_id": ORG_ID, "aep_client_id": emulator.client_id,
            "ops_file": ops_file, "results_file": results_file})
        emulator.backend.faults.enabled = False
        journal = emulator.journal()
        stored = collections.defaultdict(list)
        for item in emulator.store(ORG_ID, "slice"):
            stored[item["name"]].append(item)
    seconds = time.monotonic() - start
    assert run.rc == 0, run

    applied = json.loads(results_file.read_text())["results"]
    assert len(applied) == len(plan)
    model = {}
    for op, result in zip(plan, applied):
        if op["state"] == "present":
            model[op["name"]] = op["description"]
        else:
            model.pop(op["name"], None)
    reruns = sum(result.get("attempts", 1) - 1 for result in applied)
    mismatched = [op["index"] for op, result in zip(plan, applied)
                  if result.get("attempts", 1) == 1 and result["changed"] != op["changed"]]
    figures = _journal_figures(journal, plan)
    create_ops = collections.Counter(op["name"] for op in plan if op["kind"] == "create")
    doubled = {name: count - create_ops[name] for name, count in creates.by_name.items() if count > create_ops[name]}
    lost = [name for name, description in model.items()
            if len(stored.get(name, [])) == 1 and stored[name][0]["description"] != description]
    duplicates = [name for name, items in stored.items() if len(items) > 1]

    row = (path, len(plan), figures["requests"], "%d (%.0f%%)" % (
        figures["faulted_requests"], 100.0 * figures["faulted_requests"] / figures["requests"]),
        ", ".join("%s %d" % kv for kv in sorted(figures["faults"].items())), reruns,
        sum(doubled.values()) + len(duplicates), len(lost), "%.1f" % seconds)
    _PLAYBOOK_ROWS[path] = row
    results.section("soak_playbook", "## Fault soak through ansible-playbook\n\n"
                    "`test_fault_soak.py::test_fault_soak_through_ansible_playbook`: %d operations over %d names "
                    "as one looping task of `playbooks/soak_slice.yml` (a failed item is run again by "
                    "`until`, at most twice), same fault mix and rate; default backoff of the module.\n\n%s" % (
                        PLAYBOOK_OPERATIONS, PLAYBOOK_NAMES,
                        table(("path", "operations", "requests", "faults injected", "faults by kind",
                               "items run again", "duplicates", "lost updates", "seconds"),
                              [_PLAYBOOK_ROWS[key] for key in sorted(_PLAYBOOK_ROWS)])))

    assert not doubled and not duplicates, (doubled, duplicates)
    assert not lost, lost
    assert not mismatched, mismatched
    assert {name for name, items in stored.items() if items} == set(model)


_PLAYBOOK_ROWS = {}


def test_create_slower_than_the_timeout_is_not_doubled(results, no_backoff):
    """A create the server applies after the client's timeout: the POST is never sent again.

    The client gives up waiting after ``timeout``, but the server may still apply the POST, so a second
    POST could double the connection. The client only looks the name up (with backoff), and fails
    clearly if the connection has not appeared; either way exactly one connection exists afterwards.
    """
    from reliability_support import run_main
    from ansible_collections.aep.platform.plugins.modules import aep_s3_connection

    with Emulator() as emulator:
        emulator.inject(kind="delay", seconds=2, method="POST", path="/connections")
        outcome = run_main(aep_s3_connection, {
            "org_id": ORG_ID, "access_token": "demo-access-token", "client_id": emulator.client_id,
            "platform_url": emulator.url, "name": "slow-create", "timeout": 1, "retries": 2,
            "s3_access_key": "AKIASLOW", "s3_secret_key": "slow-secret"})
        deadline = time.monotonic() + 5
        while any(entry["status"] is None for entry in emulator.journal()) and time.monotonic() < deadline:
            time.sleep(0.05)
        stored = [item for item in emulator.store(ORG_ID, "prod") if item["name"] == "slow-create"]
        posts = [entry for entry in emulator.journal() if entry["method"] == "POST"]
    result = outcome.result
    results.section("soak_slow_create", "## A create slower than `timeout`\n\n"
                    "`test_fault_soak.py::test_create_slower_than_the_timeout_is_not_doubled`: the emulator "
                    "applies the POST after 2 s; the module's timeout is 1 s. The module does not send the POST "
                    "again (the server may still apply it); it looks the name up instead, and fails clearly if the "
                    "connection has not appeared yet (backoff pauses not slept here).\n\n%s" % table(
                        ("figure", "value"), [
                            ("task result", "changed=%s, failed=%s" % (
                                result.get("changed"), result.get("failed", False))),
                            ("POSTs sent", len(posts)),
                            ("connections named `slow-create` afterwards (1 expected)", len(stored)),
                        ]))
    assert outcome.traceback is None
    assert len(posts) == 1
    assert len(stored) == 1
    if result.get("failed"):
        assert "It was not sent again, so that a create still under way cannot be doubled" in result["msg"]
    else:
        assert result["changed"] is True and result["id"] == stored[0]["id"]
