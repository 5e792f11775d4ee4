"""Dataflow fault soak: creates, updates, replaces and deletes of S3 dataflows while the emulator injects faults.

Each dataflow is four objects (source connection, target connection, mapping set, flow), so a fault can strike
between any two of them. A seeded plan of operations runs through the module's own logic (``run_runner``) with
a real ``HttpTransport`` over HTTP, real retries (only RETRIES, so that some faults outlast them and a task
fails half-way) and real (short) backoff sleeps; every API and IMS request gets a fault with probability
READ_FAULT_RATE or WRITE_FAULT_RATE, drawn by a seeded RNG from FAULT_MIX: error statuses, a connection reset
before the server acts, a reply lost after it acted, a reply slower than the client's timeout, and another
writer changing the object between the module's read and its PATCH (HTTP 412).

After every attempt (a failed task is run again, as a user would) the emulator's store must hold: at most one
flow, source connection and target connection of a name; no source or target connection that no flow uses,
unless a failure the module reported named it (those are counted apart); no mapping set that an attempt
created and left unused, unless its failure named it; and, after a failed in-place update, the old flow with
its connections. After a successful operation the flow must be what was asked (id kept unless replaced,
description, schedule, state, mappings).
"""

from __future__ import annotations

import collections
import random
import re
import threading
import time

from aep_emulator import Emulator
from aep_emulator.faults import FaultQueue, normalize
from ansible_collections.aep.platform.plugins.module_utils._client import HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._dataflow import S3Dataflow
from ansible_collections.aep.platform.plugins.module_utils._dataset import Dataset
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._runner import build_client, run_runner
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection
from reliability_results import table
from reliability_support import ORG_ID, module_params

SEED = 20261201
OPERATIONS = 80
NAMES = 8
READ_FAULT_RATE = 0.15  # GET
WRITE_FAULT_RATE = 0.4  # POST, PUT, PATCH, DELETE: where a fault leaves something half done
RETRIES = 2  # fewer than a module's default, so that some faults outlast them and tasks fail half-way
ATTEMPTS = 5  # runs of a task before the soak gives up (a user runs a failed task again)
SANDBOX = "dataflow-soak"
SOAK_BUDGET_SECONDS = 90  # the soak takes about half of it on a 2-core machine
TIMEOUT = 1.0  # the client's timeout, seconds
LATE = 1.2  # how late a slow reply comes: after the client gave up

# (weight, fault). "late" is this test's own: the server applies the request, then answers after the client's
# timeout (a create: found again by the look-up the module makes instead of sending it again; a GET: sent
# again). concurrent_update only applies to a PATCH or DELETE of one pipeline object.
FAULT_MIX = (
    (2, {"kind": "status", "status": 429, "retry_after": 0.05}),
    (2, {"kind": "status", "status": 500}),
    (2, {"kind": "status", "status": 503}),
    (2, {"kind": "drop"}),
    (3, {"kind": "drop_after"}),
    (1, {"kind": "late"}),
    (4, {"kind": "concurrent_update"}),
)
CREATE_PATHS = ("/sourceConnections", "/targetConnections", "/flows", "/mappingSets")
WRITER_PREFIXES = ("/flows/", "/sourceConnections/", "/targetConnections/")

MAPPINGS = (
    ({"source": "id", "destination": "_acmeemu.loyalty.memberId"},
     {"source": "email", "destination": "personalEmail.address"}),
    ({"source": "id", "destination": "_acmeemu.loyalty.memberId"},),
    ({"source": "id", "destination": "_acmeemu.loyalty.memberId"},
     {"source": "first_name", "destination": "person.name.firstName"}),
)
PATHS = ("/acme-aep-landing/in/loyalty/*.csv", "/acme-aep-landing/in/archive/")
# Flow Service, Data Prep and Catalog ids.
IDS = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b|\b[0-9a-f]{24}\b")
MAPPING_SET_NAMED = re.compile(r"mapping set named '([^']*)'")


class DataflowFaults(FaultQueue):
    """Queued faults first; otherwise a fault with probability ``rate`` from ``mix``, seeded.

    Draws happen as requests arrive; the soak waits for every request to finish before the next operation,
    so the same plan draws the same faults on every run.
    """

    def __init__(self, seed, read_rate, write_rate, mix):
        super().__init__()
        self.rng = random.Random(seed)
        self.read_rate = read_rate
        self.write_rate = write_rate
        self.mix = mix
        self.enabled = False
        self.late = threading.local()  # set for the request this handler thread is serving

    def take(self, method, path):
        self.late.reply = False
        fault = super().take(method, path)
        if fault is not None or not self.enabled:
            return fault
        method = method.upper()
        with self._lock:
            if self.rng.random() >= (self.read_rate if method == "GET" else self.write_rate):
                return None
            writer = method in ("PATCH", "DELETE") and path.startswith(WRITER_PREFIXES)
            create = method == "POST" and path in CREATE_PATHS
            choices = [(weight, spec) for weight, spec in self.mix
                       if (spec["kind"] != "concurrent_update" or writer)
                       and (spec["kind"] != "late" or create or method == "GET")]
            spec = self.rng.choices([spec for _unused, spec in choices],
                                    weights=[weight for weight, _unused in choices])[0]
        if spec["kind"] != "late":
            return normalize(spec)
        if method == "GET":  # the server is slow: the client gives up and asks again
            return normalize({"kind": "delay", "seconds": LATE})
        self.late.reply = True  # applied at once, answered late (see StoreWatch)
        return None


class StoreWatch:
    """Wraps the emulator's creates: which objects each attempt created, and the late replies to them."""

    def __init__(self, backend, faults):
        self.faults = faults
        self.attempt = None
        self.created = []  # (attempt, kind, id)
        self.late_replies = 0
        self._lock = threading.Lock()
        pipeline = backend.pipeline
        for kind, attribute in (("source", "create_source"), ("target", "create_target"), ("flow", "create_flow")):
            setattr(pipeline, attribute, self._wrap(kind, getattr(pipeline, attribute)))
        backend.dataprep.create = self._wrap("mapping set", backend.dataprep.create)

    def _wrap(self, kind, create):
        def wrapped(*args, **kwargs):
            record = create(*args, **kwargs)
            with self._lock:
                self.created.append((self.attempt, kind, record["id"]))
            if getattr(self.faults.late, "reply", False):
                self.faults.late.reply = False
                with self._lock:
                    self.late_replies += 1
                time.sleep(LATE)
            return record
        return wrapped

    def by_attempt(self, attempt):
        return collections.Counter(kind for tag, kind, _ident in self.created if tag == attempt)

    def ids(self, attempt, kind):
        return [ident for tag, made, ident in self.created if tag == attempt and made == kind]


def make_plan(rng, operations, names):
    """A reproducible list of operations, each with what it should leave."""
    pool = ["dflow-%02d" % index for index in range(names)]
    present = {}
    plan = []
    for index in range(operations):
        name = rng.choice(pool)
        if name not in present:
            kind = "create" if rng.random() < 0.85 else "delete_absent"
        else:
            kind = rng.choices(["update", "replace", "delete", "reassert"], weights=[50, 10, 20, 20])[0]
        if kind == "create":
            present[name] = {"description": "created by op %d" % index, "interval": rng.randint(1, 4),
                             "mappings": rng.randrange(len(MAPPINGS)), "state": "enabled", "path": 0}
        elif kind == "update":
            wanted = dict(present[name])
            changes = rng.sample(["description", "interval", "mappings", "state"], rng.randint(1, 3))
            if "description" in changes:
                wanted["description"] = "updated by op %d" % index
            if "interval" in changes:
                wanted["interval"] = 1 + wanted["interval"] % 4
            if "mappings" in changes:
                wanted["mappings"] = (wanted["mappings"] + 1) % len(MAPPINGS)
            if "state" in changes:
                wanted["state"] = "disabled" if wanted["state"] == "enabled" else "enabled"
            present[name] = wanted
        elif kind == "replace":
            present[name] = dict(present[name], path=1 - present[name]["path"])
        elif kind == "delete":
            del present[name]
        plan.append({"index": index, "kind": kind, "name": name,
                     "wanted": dict(present[name]) if name in present else None,
                     "changed": kind != "reassert" and kind != "delete_absent"})
    return plan


def flow_args(emulator, setup, op):
    args = {"org_id": ORG_ID, "sandbox": SANDBOX, "client_id": emulator.client_id,
            "client_secret": "demo-client-secret", "platform_url": emulator.url, "ims_url": emulator.url,
            "name": op["name"]}
    wanted = op["wanted"]
    if wanted is None:
        return dict(args, state="absent")
    return dict(args, state=wanted["state"], description=wanted["description"],
                connection_id=setup["connection_id"], dataset_id=setup["dataset_id"], path=PATHS[wanted["path"]],
                mappings=[dict(mapping) for mapping in MAPPINGS[wanted["mappings"]]],
                schedule={"frequency": "hour", "interval": wanted["interval"], "start_time": setup["start_time"]},
                on_immutable_change="replace" if op["kind"] == "replace" else "fail")


def sanitized(message, emulator):
    """A failure's message as recorded: the emulator's port and the ids a run makes up left out."""
    return IDS.sub("<id>", message.replace(emulator.url, "http://127.0.0.1:PORT"))


class Soak:
    """Runs a plan and checks the store after every attempt."""

    def __init__(self, emulator, setup, watch, jitter_seed):
        self.emulator = emulator
        self.setup = setup
        self.watch = watch
        self.jitter = random.Random(jitter_seed)
        self.model = {}  # name -> flow id
        self.retries_made = 0
        self.attempts = 0
        self.reruns = []  # (op index, sanitized message)
        self.changed_mismatches = []
        self.explained = set()  # ids and mapping set names that a failure's message named
        self.explained_orphans = set()
        self.unexplained_orphans = set()
        self.violations = collections.Counter()
        self.violation_examples = []
        self.failed_updates_checked = 0
        self.journal = []

    def run_once(self, op):
        params = module_params(S3Dataflow, flow_args(self.emulator, self.setup, op))
        transport = HttpTransport(timeout=TIMEOUT, retries=RETRIES, rand=self.jitter.random)
        # Real sleeps, but short: CI's time is better spent on more faults than on waiting.
        transport.policy.base_delay = 0.01
        transport.policy.max_delay = 0.2
        try:
            return run_runner(S3Dataflow, params, client=build_client(params, transport=transport))
        finally:
            self.retries_made += transport.policy.retries_made

    def apply(self, op, attempts=ATTEMPTS):
        before = self.model.get(op["name"])
        for attempt in range(1, attempts + 1):
            self.attempts += 1
            self.watch.attempt = self.attempts
            try:
                result = self.run_once(op)
            except AepError as exc:
                # What a user does with a failed task: read the message, run it again.
                self.explained.update(IDS.findall(exc.msg))
                self.explained.update(MAPPING_SET_NAMED.findall(exc.msg))
                self.reruns.append((op["index"], sanitized(exc.msg, self.emulator)))
                self.check(op, failed_update_of=before if op["kind"] == "update" else None)
                if attempt == attempts:
                    raise
                continue
            break
        if attempt == 1 and result["changed"] != op["changed"]:
            self.changed_mismatches.append((op["index"], op["kind"], result["changed"]))
        if op["wanted"] is None:
            self.model.pop(op["name"], None)
        else:
            if before and op["kind"] != "replace" and result["id"] != before:
                self._violation("id changed", op, "%s -> %s" % (before, result["id"]))
            self.model[op["name"]] = result["id"]
        self.check(op, succeeded=True)
        return result

    def _violation(self, kind, op, detail):
        self.violations[kind] += 1
        if len(self.violation_examples) < 10:
            self.violation_examples.append("op %s (%s %s): %s: %s" % (
                op["index"] if op else "end", op["kind"] if op else "", op["name"] if op else "", kind, detail))

    def settle(self, deadline=10.0):
        """Wait until no request is still being served (a late reply, a delayed GET); keep the journal so far.

        The emulator's journal is emptied each time (the client is idle then), so that reading it stays cheap.
        """
        end = time.monotonic() + deadline
        entries = self.emulator.journal()
        while any(entry["status"] is None for entry in entries) and time.monotonic() < end:
            time.sleep(0.02)
            entries = self.emulator.journal()
        self.journal.extend(entries)
        self.emulator.clear_journal()

    def check(self, op, succeeded=False, failed_update_of=None):
        self.settle()
        flows = self.emulator.flows(ORG_ID, SANDBOX)
        sources = {item["id"]: item for item in self.emulator.source_connections(ORG_ID, SANDBOX)}
        targets = {item["id"]: item for item in self.emulator.target_connections(ORG_ID, SANDBOX)}
        mapping_sets = {item["id"]: item for item in self.emulator.mapping_sets(ORG_ID, SANDBOX)}
        used_sources = {ident for flow in flows for ident in flow["sourceConnectionIds"]}
        used_targets = {ident for flow in flows for ident in flow["targetConnectionIds"]}
        used_sets = {transformation["params"]["mappingId"] for flow in flows
                     for transformation in flow.get("transformations") or []}

        for label, items in (("flow", flows), ("source connection", sources.values()),
                             ("target connection", targets.values())):
            names = collections.Counter(item["name"] for item in items if item["id"] not in self.explained)
            for name, count in names.items():
                if count > 1:
                    self._violation("duplicate %s" % label, op, "%s x%d" % (name, count))
        for label, items, used in (("source connection", sources, used_sources),
                                   ("target connection", targets, used_targets)):
            for ident in set(items) - used:
                if ident in self.explained:
                    self.explained_orphans.add(ident)
                elif ident not in self.unexplained_orphans:  # each counted once, however long it stays
                    self.unexplained_orphans.add(ident)
                    self._violation("orphaned %s" % label, op, ident)
        for kind, count in self.watch.by_attempt(self.attempts).items():
            if count > 1:
                self._violation("%s created twice by one attempt" % kind, op, count)
        for ident in self.watch.ids(self.attempts, "mapping set"):
            stored = mapping_sets.get(ident)
            if stored is not None and ident not in used_sets and ident not in self.explained \
                    and stored.get("name") not in self.explained:
                self._violation("mapping set left unused", op, ident)

        if failed_update_of is not None:
            self.failed_updates_checked += 1
            flow = next((item for item in flows if item["id"] == failed_update_of), None)
            if flow is None or not set(flow["sourceConnectionIds"]) <= set(sources) \
                    or not set(flow["targetConnectionIds"]) <= set(targets):
                self._violation("failed update lost the flow", op, failed_update_of)
        if succeeded:
            self._check_asked(op, flows, mapping_sets)

    def _check_asked(self, op, flows, mapping_sets):
        mine = [item for item in flows if item["name"] == op["name"]]
        wanted = op["wanted"]
        if wanted is None:
            if mine:
                self._violation("present but should be absent", op, op["name"])
            return
        if len(mine) != 1 or mine[0]["id"] != self.model[op["name"]]:
            self._violation("not the flow returned", op, [item["id"] for item in mine])
            return
        flow = mine[0]
        schedule = flow["scheduleParams"]
        source = next(item for item in self.emulator.source_connections(ORG_ID, SANDBOX)
                      if item["id"] == flow["sourceConnectionIds"][0])
        params = flow["transformations"][0]["params"]
        versions = self.emulator.backend.dataprep.find(ORG_ID, SANDBOX, params["mappingId"]) or []
        version = int(params["mappingVersion"])
        stored = versions[version]["mappings"] if version < len(versions) else []
        got = {"description": flow.get("description"), "interval": int(schedule["interval"]),
               "state": flow["state"], "path": source["params"]["path"],
               "mappings": sorted((item["source"], item["destination"]) for item in stored)}
        asked = {"description": wanted["description"], "interval": wanted["interval"], "state": wanted["state"],
                 "path": PATHS[wanted["path"]],
                 "mappings": sorted((item["source"], item["destination"]) for item in MAPPINGS[wanted["mappings"]])}
        for key in asked:
            if got[key] != asked[key]:
                self._violation("lost update", op, "%s: %r != %r" % (key, got[key], asked[key]))


def set_up(emulator):
    """The base connection and the dataset every flow uses, made before any fault is injected."""
    common = {"org_id": ORG_ID, "sandbox": SANDBOX, "client_id": emulator.client_id,
              "client_secret": "demo-client-secret", "platform_url": emulator.url, "ims_url": emulator.url}
    connection = run_runner(S3Connection, module_params(S3Connection, dict(
        common, name="dataflow-soak-landing", s3_access_key="AKIASOAKDATAFLOW0001", s3_secret_key="soak-secret",
        bucket_name="acme-aep-landing")))
    dataset = run_runner(Dataset, module_params(Dataset, dict(common, name="Soak Members", schema="Loyalty Members")))
    # A start a day ahead: no run starts while the soak works, and the start never passes.
    return {"connection_id": connection["id"], "dataset_id": dataset["id"], "start_time": int(time.time()) + 86400}


def _figures(journal, watch):
    api = [entry for entry in journal if not entry["path"].startswith("/_emulator")]
    faults = collections.Counter("late" if entry["fault"] == "delay" else
                                 str(entry["status"]) if entry["fault"] == "status" else entry["fault"]
                                 for entry in api if entry["fault"])
    faults["late"] += watch.late_replies
    lost_creates = sum(1 for entry in api if entry["method"] == "POST" and entry["fault"] == "drop_after"
                       and entry["path"].endswith(CREATE_PATHS)) + watch.late_replies
    return {"requests": len(api), "faults": faults, "faulted": sum(faults.values()),
            "patch_412": sum(1 for entry in api if entry["method"] == "PATCH" and entry["status"] == 412),
            "lost_creates": lost_creates}


def test_dataflow_fault_soak(results):
    plan = make_plan(random.Random(SEED), OPERATIONS, NAMES)
    start = time.monotonic()
    with Emulator(page_size=20, run_seconds=0) as emulator:
        faults = DataflowFaults(SEED + 1, READ_FAULT_RATE, WRITE_FAULT_RATE, FAULT_MIX)
        emulator.backend.faults = faults
        setup = set_up(emulator)
        watch = StoreWatch(emulator.backend, faults)
        emulator.clear_journal()
        faults.enabled = True
        soak = Soak(emulator, setup, watch, SEED + 2)
        for op in plan:
            soak.apply(op)
            assert time.monotonic() - start < SOAK_BUDGET_SECONDS, "the soak is over its time budget"
        faults.enabled = False
        journal = soak.journal
        final_flows = collections.Counter(item["name"] for item in emulator.flows(ORG_ID, SANDBOX))
        final = {"flows": sum(final_flows.values()),
                 "sources": len(emulator.source_connections(ORG_ID, SANDBOX)),
                 "targets": len(emulator.target_connections(ORG_ID, SANDBOX))}
    seconds = time.monotonic() - start

    kinds = collections.Counter(op["kind"] for op in plan)
    figures = _figures(journal, watch)
    made = collections.Counter(kind for _attempt, kind, _ident in watch.created)
    rows = [
        ("operations", "%d (%s)" % (len(plan), ", ".join("%s %d" % kv for kv in sorted(kinds.items())))),
        ("names", NAMES),
        ("task runs (operations and their reruns)", soak.attempts),
        ("requests to the emulator (API and IMS)", figures["requests"]),
        ("faults injected", "%d = %.1f%% of requests (%s)" % (
            figures["faulted"], 100.0 * figures["faulted"] / figures["requests"],
            ", ".join("%s %d" % kv for kv in sorted(figures["faults"].items())))),
        ("creates whose reply was lost or late (each found again, not sent twice)", figures["lost_creates"]),
        ("retries made by the transport (backoff pauses)", soak.retries_made),
        ("HTTP 412 answered to a PATCH, then re-read and retried", figures["patch_412"]),
        ("objects the store created (flows, source, target connections, mapping sets)", "%d, %d, %d, %d" % (
            made["flow"], made["source"], made["target"], made["mapping set"])),
        ("tasks that failed and were run again", "%d%s" % (len(soak.reruns), "".join(
            "; op %d: %s" % (index, message[:240]) for index, message in soak.reruns))),
        ("`changed` different from expected (first attempts)", len(soak.changed_mismatches)),
        ("duplicate flows / source / target connections of one name", "%d / %d / %d" % (
            soak.violations["duplicate flow"], soak.violations["duplicate source connection"],
            soak.violations["duplicate target connection"])),
        ("objects created twice by one task run", sum(
            count for kind, count in soak.violations.items() if kind.endswith("created twice by one attempt"))),
        ("orphaned source / target connections, unexplained", "%d / %d" % (
            soak.violations["orphaned source connection"], soak.violations["orphaned target connection"])),
        ("orphaned connections a failure named (left for the user)", len(soak.explained_orphans)),
        ("mapping sets a task run created and left unused, unexplained", soak.violations["mapping set left unused"]),
        ("failed in-place updates, and of them those that lost the old flow", "%d, %d" % (
            soak.failed_updates_checked, soak.violations["failed update lost the flow"])),
        ("lost updates / present but deleted / id changed", "%d / %d / %d" % (
            soak.violations["lost update"], soak.violations["present but should be absent"],
            soak.violations["id changed"] + soak.violations["not the flow returned"])),
        ("final store", "%d flows (%d names expected), %d source and %d target connections" % (
            final["flows"], len(soak.model), final["sources"], final["targets"])),
        ("seconds", "%.1f" % seconds),
    ]
    results.section("dataflow_soak", "## Dataflow fault soak (in-process, real HTTP)\n\n"
                    "`test_dataflow_soak.py::test_dataflow_fault_soak`: %d operations on %d dataflow names (create, "
                    "in-place update, replace, delete) through `run_runner` with a real `HttpTransport` (timeout "
                    "%.1f s, retries %d, backoff base 0.01 s, cap 0.2 s, real sleeps) against the emulator over HTTP; "
                    "each GET faulted with probability %.0f%%, each other request with %.0f%% (seed %d); a late reply "
                    "comes %.1f s after the request. A failed task is run again, up to %d runs in all. The store is checked "
                    "after every task run.\n\n%s%s" % (
                        OPERATIONS, NAMES, TIMEOUT, RETRIES, READ_FAULT_RATE * 100, WRITE_FAULT_RATE * 100, SEED, LATE,
                        ATTEMPTS,
                        table(("figure", "value"), rows),
                        "".join("\n- %s" % example for example in soak.violation_examples)))

    assert not soak.violation_examples, soak.violation_examples
    assert not soak.changed_mismatches, soak.changed_mismatches
    assert dict(final_flows) == {name: 1 for name in soak.model}
    assert figures["faulted"] >= 0.15 * figures["requests"]
    assert soak.reruns and soak.failed_updates_checked  # some faults outlasted the retries, updates among them
    assert figures["lost_creates"] > 0 and figures["patch_412"] > 0  # the faults this soak exists for did strike
    assert seconds < SOAK_BUDGET_SECONDS
