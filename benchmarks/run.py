# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: aep.platform's in-process path, its module path and hand-written ``uri`` tasks.

    .venv/bin/python benchmarks/run.py            # the full benchmark (about 20 minutes)
    .venv/bin/python benchmarks/run.py --quick    # N=3, one run, no latency: proves it still works

The collection is built into a tarball and installed into a temporary collections path (as the
integration tests do), the emulator serves Flow Service and IMS over HTTPS on 127.0.0.1, and every play
runs in a fresh ``ansible-playbook``. The ``bench_timer`` callback records when each task starts and ends;
the emulator's journal, timestamped on the same clock, gives the requests each task made. A task's cost is
its loop's duration divided by the number of items, so ``ansible-playbook`` start-up is not in it.

Writes ``latest.md`` and ``latest.json`` (``quick.*`` with ``--quick``) to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAYBOOKS = HERE / "playbooks"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests" / "emulator"))

from aep_emulator import BASE_PATH, DEFAULT_CLIENT_SECRET, IMS_TOKEN_PATH, Emulator  # noqa: E402

ORG_ID = "ORGBENCHMARK000000000001@AdobeOrg"
SANDBOX = "prod"
S3_ACCESS_KEY = "AKIABENCHMARK0000000"
S3_SECRET_KEY = "bench-secret-key"
BUCKET = "bench-bucket"

# What each scenario's tasks are called in the playbooks (their "Bench ..." names).
TOKEN_TASK = "Bench token"
AEP_TASK = "Bench aep_s3_connection"
FLOOR_TASK = "Bench debug floor"
URI_TASKS = ("Bench uri GET", "Bench uri POST")

# The dataflow benchmark (playbooks/dataflow_setup.yml once, then playbooks/dataflow.yml once per run): the
# flow's settings, the same in the setup and in every converged task.
DATAFLOW_VARS = {
    "bench_flow_name": "bench-flow",
    "bench_flow_description": "benchmark flow",
    "bench_flow_connection": "bench-flow-landing",
    "bench_flow_bucket": "acme-aep-landing",
    "bench_flow_dataset": "Bench Members",
    "bench_flow_schema": "Loyalty Members",
    "bench_flow_path": "/acme-aep-landing/in/loyalty/",
    "bench_flow_mappings": [{"source": "id", "destination": "_acmeemu.loyalty.memberId"},
                            {"source": "email", "destination": "personalEmail.address"}],
    "bench_flow_schedule": {"frequency": "day", "interval": 1},
}
# How the converged task names the connection and the dataset ("id" or "name") -> its task in each aep play,
# its debug floor, and the uri tasks that send the same requests by hand (their durations add up).
DATAFLOW_TASKS = {"id": "Bench aep_s3_dataflow by id", "name": "Bench aep_s3_dataflow by name"}
DATAFLOW_FLOOR_TASKS = {"id": "Bench debug floor by id", "name": "Bench debug floor by name"}
_URI_FLOW_CHAIN = ("Bench uri GET flow", "Bench uri GET source connection", "Bench uri GET target connection",
                   "Bench uri GET mapping set")
DATAFLOW_URI_TASKS = {"id": _URI_FLOW_CHAIN,
                      "name": _URI_FLOW_CHAIN + ("Bench uri GET connection by name", "Bench uri GET dataset by name")}
# The module's documented request budget for a converged task: GETs only, at most these many.
DATAFLOW_GET_BUDGET = {"id": 4, "name": 6}
# playbooks/dataflow.yml's plays, in order.
DATAFLOW_PLAYS = ("in-process", "module", "uri")


class BenchmarkError(RuntimeError):
    pass


# Statistics ----------------------------------------------------------------------------------------------

def summary(values):
    """Median, min and max of one figure over the runs, with every run's value."""
    values = list(values)
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": values,
    }


# Machine ------------------------------------------------------------------------------------------------

def _read(path):
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _package_version(name):
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info():
    cpu = None
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_gib = None
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    os_name = None
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            os_name = line.split("=", 1)[1].strip('"')
    galaxy = {}
    for line in _read(ROOT / "galaxy.yml").splitlines():
        if ":" in line and not line.startswith((" ", "-")):
            key, value = line.split(":", 1)
            galaxy[key.strip()] = value.strip()
    status = _git("status", "--porcelain", "--", "plugins", "meta")
    return {
        "cpu": cpu or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": os_name or platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ansible_core": _package_version("ansible-core"),
        "requests": _package_version("requests"),
        "urllib3": _package_version("urllib3"),
        "openssl": ssl.OPENSSL_VERSION,
        "collection": "%s.%s %s" % (galaxy.get("namespace"), galaxy.get("name"), galaxy.get("version")),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_plugins_dirty": bool(status) if status is not None else None,
    }


# Ansible --------------------------------------------------------------------------------------------------

def _run(cmd, **kwargs):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise BenchmarkError("%s failed (%s):\n%s\n%s" % (cmd, result.returncode, result.stdout, result.stderr))
    return result


def install_collection(workdir, source=ROOT):
    """Build the collection into a tarball and install it from there, as users (and the integration tests) do."""
    build_dir = workdir / "build"
    build_dir.mkdir()
    _run([BIN / "ansible-galaxy", "collection", "build", source, "--output-path", build_dir])
    tarballs = list(build_dir.glob("aep-platform-*.tar.gz"))
    if len(tarballs) != 1:
        raise BenchmarkError("expected one tarball, got %s" % tarballs)
    install_dir = workdir / "collections"
    _run([BIN / "ansible-galaxy", "collection", "install", tarballs[0], "-p", install_dir])
    installed = install_dir / "ansible_collections" / "aep" / "platform"
    return install_dir, installed


class Ansible:
    """Runs the benchmark playbooks in a clean environment, with the timer callback enabled."""

    def __init__(self, collections_path, workdir):
        self.collections_path = collections_path
        self.workdir = workdir
        self.home = workdir / "ansible-home"
        (self.home / "tmp").mkdir(parents=True)
        self.count = 0

    def environment(self, timer_file):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AEP_", "ANSIBLE_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_"))}
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections_path),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_HOME": str(self.home),
            "ANSIBLE_LOCAL_TEMP": str(self.home / "tmp"),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
            "BENCH_TIMER_FILE": str(timer_file),
            "NO_PROXY": "127.0.0.1,localhost",
        })
        return env

    def playbook(self, name, extra_vars, force_module=False, interpreter=None):
        """Run one playbook; return the timer callback's record of it."""
        self.count += 1
        vars_file = self.workdir / ("vars-%d.json" % self.count)
        vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
        timer_file = self.workdir / ("timer-%d.json" % self.count)
        cmd = [BIN / "ansible-playbook", PLAYBOOKS / name, "-e", "@%s" % vars_file]
        if force_module:
            cmd += ["-e", "aep_force_module=true"]
        if interpreter:
            cmd += ["-e", "ansible_python_interpreter=%s" % interpreter]
        completed = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False,
                                   env=self.environment(timer_file), cwd=str(PLAYBOOKS), timeout=1800)
        (self.workdir / ("output-%d.log" % self.count)).write_text(completed.stdout + completed.stderr,
                                                                   encoding="utf-8")
        if completed.returncode != 0:
            raise BenchmarkError("%s exited %s:\n%s\n%s" % (
                name, completed.returncode, completed.stdout[-6000:], completed.stderr[-4000:]))
        return json.loads(timer_file.read_text(encoding="utf-8"))


# Measuring --------------------------------------------------------------------------------------------------

def count_requests(journal, start, end):
    """Flow Service and IMS requests the emulator received between two instants."""
    flow = ims = 0
    for entry in journal:
        if not start <= entry["time"] < end:
            continue
        if entry["path"] == IMS_TOKEN_PATH:
            ims += 1
        elif entry["path"].startswith(BASE_PATH):
            flow += 1
    return flow, ims


class ConnectionCounter:
    """When the emulator accepted each TCP connection (each one a TCP and a TLS handshake).

    The journal counts requests; this counts the connections they came on, which the emulator's added
    latency does not delay. It wraps the emulator server's ``get_request``; if the emulator ever stops
    exposing it, connections are simply not reported.
    """

    def __init__(self, emulator):
        self.times = []
        server = getattr(emulator, "_server", None)
        original = getattr(server, "get_request", None)
        self.available = original is not None
        if not self.available:
            return

        def get_request():
            accepted = original()
            self.times.append(time.time())
            return accepted

        server.get_request = get_request

    def between(self, start, end):
        if not self.available:
            return None
        return sum(1 for moment in list(self.times) if start <= moment < end)


def _tasks(timer, play, name):
    return [task for task in timer["tasks"] if task["play"] == play and task["name"] == name]


def _one_task(timer, play, name):
    tasks = _tasks(timer, play, name)
    if len(tasks) != 1 or tasks[0]["duration"] is None:
        raise BenchmarkError("play %d: expected one finished task %r, got %r" % (play, name, tasks))
    return tasks[0]


def measure_tasks(timer, journal, connections, play, names, n):
    """Per-task figures of the loop tasks ``names`` (together) in one play."""
    tasks = [_one_task(timer, play, name) for name in names]
    duration = sum(task["duration"] for task in tasks)
    flow = ims = opened = 0
    for task in tasks:
        task_flow, task_ims = count_requests(journal, task["start"], task["end"])
        flow += task_flow
        ims += task_ims
        opened = None if opened is None or not connections.available else (
            opened + connections.between(task["start"], task["end"]))
    first = tasks[0]
    return {
        "seconds": duration / n,
        "flow_requests": flow / n,
        "ims_requests": ims / n,
        "connections": opened / n if opened is not None else None,
        "changed_items": sum(task["changed_items"] for task in tasks),
        "failed_items": sum(task["failed_items"] for task in tasks),
        "items": first["items"],
        "parts": {task["name"]: task["duration"] / n for task in tasks} if len(tasks) > 1 else None,
    }


def measure_play(timer, journal, play):
    """IMS and Flow Service requests of a whole play, and what its token task cost."""
    record = timer["plays"][play]
    flow, ims = count_requests(journal, record["start"], record["end"])
    token = _one_task(timer, play, TOKEN_TASK)
    return {"flow_requests": flow, "ims_requests": ims, "token_seconds": token["duration"]}


def platform_requests(journal, start, end):
    """The Platform requests (every API but IMS) the emulator received between two instants, each as
    (method, path, its query's parameters in order): the same request whether or not its query is encoded alike."""
    return [(entry["method"], entry["path"], tuple(sorted(parse_qsl(entry.get("query") or "", keep_blank_values=True))))
            for entry in journal if start <= entry["time"] < end and entry["path"] != IMS_TOKEN_PATH]


def measure_requests_by_method(timer, journal, connections, play, names, n):
    """``measure_tasks`` of the loop tasks ``names`` plus their GETs and writes per task, on every Platform API
    (Flow Service, Catalog, Data Prep...); and the requests themselves, to compare with another path's."""
    figures = measure_tasks(timer, journal, connections, play, names, n)
    requests = []
    for name in names:
        task = _one_task(timer, play, name)
        _check(task["items"] == n, "play %d: task %r ran %d items, expected %d" % (play, name, task["items"], n))
        requests += platform_requests(journal, task["start"], task["end"])
    gets = sum(1 for method, _path, _query in requests if method == "GET")
    figures.update(get_requests=gets / n, write_requests=(len(requests) - gets) / n)
    return figures, requests


def per_item(requests, n):
    """How many times each distinct request was sent per loop item (the items of a loop send the same ones)."""
    return {request: count / n for request, count in collections.Counter(requests).items()}


def _check(condition, message):
    if not condition:
        raise BenchmarkError(message)


class Bench:
    def __init__(self, emulator, ansible, n, log):
        self.emulator = emulator
        self.connections = ConnectionCounter(emulator)
        self.ansible = ansible
        self.n = n
        self.log = log

    def base_vars(self, names):
        return {
            "aep_url": self.emulator.url,
            "aep_ca_path": self.emulator.ca_path,
            "aep_org_id": ORG_ID,
            "aep_sandbox": SANDBOX,
            "aep_client_id": self.emulator.client_id,
            "aep_client_secret": DEFAULT_CLIENT_SECRET,
            "bench_names": list(names),
            "bench_s3_access_key": S3_ACCESS_KEY,
            "bench_s3_secret_key": S3_SECRET_KEY,
            "bench_bucket": BUCKET,
        }

    def names(self):
        return ["bench-%03d" % (index + 1) for index in range(self.n)]

    def fresh(self, latency):
        self.emulator.reset()
        self.emulator.set_latency(latency)

    def _stored_names(self):
        return sorted(item["name"] for item in self.emulator.store(ORG_ID, SANDBOX))

    def create_and_converge(self, latency, playbook, names_of_tasks, force_module=False, interpreter=None,
                            floor=False):
        """One run of a create play then the same play again; returns {"create": ..., "converged": ...}.

        With ``floor``, also the debug floor task of each play: ``{"create-floor": ..., "converged-floor": ...}``.
        """
        self.fresh(latency)
        timer = self.ansible.playbook(playbook, self.base_vars(self.names()), force_module=force_module,
                                      interpreter=interpreter)
        journal = self.emulator.journal()
        _check(len(timer["plays"]) == 2, "%s: expected two plays, got %d" % (playbook, len(timer["plays"])))
        _check(self._stored_names() == self.names(), "%s: the sandbox does not hold exactly the %d connections"
               % (playbook, self.n))
        out = {}
        for play, phase in enumerate(("create", "converged")):
            figures = measure_tasks(timer, journal, self.connections, play, names_of_tasks, self.n)
            figures.update(play=measure_play(timer, journal, play))
            want_changed = self.n if phase == "create" else 0
            _check(figures["changed_items"] == want_changed and figures["failed_items"] == 0,
                   "%s %s: %d changed, %d failed items, expected %d changed" % (
                       playbook, phase, figures["changed_items"], figures["failed_items"], want_changed))
            out[phase] = figures
            if floor:
                figures = measure_tasks(timer, journal, self.connections, play, [FLOOR_TASK], self.n)
                _check(figures["failed_items"] == 0 and figures["items"] == self.n,
                       "%s %s: the debug floor task did not run its %d items" % (playbook, phase, self.n))
                out[phase + "-floor"] = figures
        return out

    def floors(self, latency):
        self.fresh(latency)
        timer = self.ansible.playbook("floors.yml", {"bench_names": self.names()})
        journal = self.emulator.journal()
        return {name: measure_tasks(timer, journal, self.connections, 0, ["Bench %s" % name], self.n)
                for name in ("ping", "debug")}

    def set_up_dataflow(self):
        """Reset the emulator and make, once, the connection, dataset and flow that the converged tasks find.

        Returns the variables of ``dataflow.yml`` (the connection's and the dataset's ids among them) and the
        flow's (id, etag), which no converged task may change.
        """
        self.emulator.reset()
        self.emulator.set_latency(0)
        variables = dict(self.base_vars([]), **DATAFLOW_VARS)
        self.ansible.playbook("dataflow_setup.yml", variables)
        flows = self.emulator.flows(ORG_ID, SANDBOX)
        _check(len(flows) == 1, "dataflow set-up: expected one flow, found %d" % len(flows))
        connection_ids = [item["id"] for item in self.emulator.store(ORG_ID, SANDBOX)
                          if item["name"] == DATAFLOW_VARS["bench_flow_connection"]]
        dataset_ids = [item["id"] for item in self.emulator.datasets(ORG_ID, SANDBOX)
                       if item["name"] == DATAFLOW_VARS["bench_flow_dataset"]]
        _check(len(connection_ids) == 1 and len(dataset_ids) == 1,
               "dataflow set-up: expected one connection and one dataset, found %r and %r" % (connection_ids, dataset_ids))
        variables.update(bench_flow_connection_id=connection_ids[0], bench_flow_dataset_id=dataset_ids[0])
        return variables, (flows[0]["id"], flows[0]["etag"])

    def dataflow(self, latency, variables, flow, fast_n, slow_n):
        """One run of ``dataflow.yml``: the converged dataflow task in-process (``fast_n`` items, with its debug
        floors), through the module and as ``uri`` GETs (``slow_n`` items each), given by id and by name.

        Returns {"<path>/<id or name>": figures}, path one of in-process, module, uri, debug-floor.
        """
        self.emulator.clear_journal()
        self.emulator.set_latency(latency)
        loops = {"in-process": fast_n, "module": slow_n, "uri": slow_n}
        timer = self.ansible.playbook("dataflow.yml", dict(variables, bench_fast_loop=fast_n, bench_slow_loop=slow_n))
        journal = self.emulator.journal()
        _check(len(timer["plays"]) == len(DATAFLOW_PLAYS), "dataflow.yml: expected %d plays, got %d" % (
            len(DATAFLOW_PLAYS), len(timer["plays"])))
        out, sent = {}, {}
        for play, path in enumerate(DATAFLOW_PLAYS):
            n = loops[path]
            for by in ("id", "name"):
                names = DATAFLOW_URI_TASKS[by] if path == "uri" else [DATAFLOW_TASKS[by]]
                figures, sent[path, by] = measure_requests_by_method(timer, journal, self.connections, play, names, n)
                figures.update(play=measure_play(timer, journal, play))
                _check(figures["changed_items"] == 0 and figures["failed_items"] == 0,
                       "dataflow %s by %s: %d changed, %d failed items, expected none" % (
                           path, by, figures["changed_items"], figures["failed_items"]))
                out["%s/%s" % (path, by)] = figures
                if path == "in-process":
                    figures, _requests = measure_requests_by_method(
                        timer, journal, self.connections, play, [DATAFLOW_FLOOR_TASKS[by]], n)
                    _check(figures["failed_items"] == 0 and figures["get_requests"] == figures["write_requests"] == 0,
                           "dataflow debug floor by %s: failed items or requests" % by)
                    out["debug-floor/%s" % by] = figures
        # Each path must send the very requests of the in-process task, or it does not do the same work.
        for by in ("id", "name"):
            wanted = per_item(sent["in-process", by], fast_n)
            for path in ("module", "uri"):
                _check(per_item(sent[path, by], slow_n) == wanted,
                       "dataflow by %s: the %s path sent %r per item, the in-process task %r" % (
                           by, path, sorted(per_item(sent[path, by], slow_n).items()), sorted(wanted.items())))
        found = [(item["id"], item["etag"]) for item in self.emulator.flows(ORG_ID, SANDBOX)]
        _check(found == [flow], "the converged dataflow tasks changed the flow: %r, was %r" % (found, flow))
        return out

    def lookup(self, latency, names, force_module=False):
        """A converged play on names among the many seeded connections (the sandbox is already seeded)."""
        self.emulator.clear_journal()
        self.emulator.set_latency(latency)
        timer = self.ansible.playbook("aep_lookup.yml", self.base_vars(names), force_module=force_module)
        journal = self.emulator.journal()
        figures = measure_tasks(timer, journal, self.connections, 0, [AEP_TASK], len(names))
        figures.update(play=measure_play(timer, journal, 0))
        _check(figures["changed_items"] == 0 and figures["failed_items"] == 0,
               "look-up: %d changed, %d failed items, expected none" % (
                   figures["changed_items"], figures["failed_items"]))
        return figures


# Report ---------------------------------------------------------------------------------------------------

# (path, its loop task, playbook, how it is run). "interpreter": in-process with ansible_python_interpreter
# set to another name of the controller's Python (interpreter_alias()); "floor": the play's debug floor
# task is measured too.
PATHS = (("in-process", AEP_TASK, "aep_connections.yml", {"floor": True}),
         ("interpreter", AEP_TASK, "aep_connections.yml", {"interpreter": True}),
         ("module", AEP_TASK, "aep_connections.yml", {"force_module": True}),
         ("uri", None, "uri_connections.yml", {}))


def _shebang():
    with open(BIN / "ansible-playbook", encoding="utf-8") as handle:
        return handle.readline()[2:].strip().split()[0]


def interpreter_alias():
    """Another name of the Python that runs ``ansible-playbook``: a name in its venv other than its shebang's.

    The case users meet: ``ansible-playbook`` starts ``<venv>/bin/python`` and the inventory says
    ``<venv>/bin/python3`` (or the other way round). The aep tasks must still run in-process.
    """
    shebang = _shebang()
    for name in ("python", "python3", "python%d.%d" % sys.version_info[:2]):
        candidate = BIN / name
        if candidate.exists() and os.path.abspath(str(candidate)) != os.path.abspath(shebang):
            return str(candidate)
    raise BenchmarkError("no other name for %s in %s" % (shebang, BIN))


def latency_label(seconds):
    return "%dms" % round(seconds * 1000)


def aggregate(samples):
    """Turn a list of per-run figure dicts into per-figure summaries."""
    keys = ("seconds", "flow_requests", "ims_requests", "connections", "get_requests", "write_requests")
    out = {key: summary(sample[key] for sample in samples) for key in keys if samples[0].get(key) is not None}
    if samples[0].get("play"):
        for key in ("ims_requests", "flow_requests", "token_seconds"):
            out["play_" + key] = summary(sample["play"][key] for sample in samples)
    if samples[0].get("parts"):
        out["parts"] = {name: summary(sample["parts"][name] for sample in samples) for name in samples[0]["parts"]}
    out["items"] = samples[0]["items"]
    return out


def ratio(a, b):
    return a / b if (a is not None and b) else None


RATIOS = (
    ("converged in-process / debug floor (same play)", "converged/in-process", "converged/debug-floor"),
    ("converged in-process / uri", "converged/in-process", "converged/uri"),
    ("converged interpreter alias / uri", "converged/interpreter", "converged/uri"),
    ("converged interpreter alias / in-process", "converged/interpreter", "converged/in-process"),
    ("create in-process / debug floor (same play)", "create/in-process", "create/debug-floor"),
    ("converged debug floor / plain debug", "converged/debug-floor", "floor/debug"),
    ("converged in-process / plain debug", "converged/in-process", "floor/debug"),
    ("converged module / uri", "converged/module", "converged/uri"),
    ("create in-process / uri", "create/in-process", "create/uri"),
    ("create module / uri", "create/module", "create/uri"),
    ("converged uri / in-process (speed-up)", "converged/uri", "converged/in-process"),
    ("create uri / in-process (speed-up)", "create/uri", "create/in-process"),
    ("converged module / ping", "converged/module", "floor/ping"),
    ("converged uri / ping", "converged/uri", "floor/ping"),
    ("converged in-process / ping", "converged/in-process", "floor/ping"),
)

# The dataflow's ratios, between the keys of results["dataflow"]["latencies"][<label>]["tasks"].
DATAFLOW_RATIOS = (
    ("in-process by id / debug floor by id (same play)", "in-process/id", "debug-floor/id"),
    ("in-process by name / debug floor by name (same play)", "in-process/name", "debug-floor/name"),
    ("in-process by id / uri by id", "in-process/id", "uri/id"),
    ("in-process by name / uri by name", "in-process/name", "uri/name"),
    ("module by id / uri by id", "module/id", "uri/id"),
    ("module by name / uri by name", "module/name", "uri/name"),
    ("in-process by name / in-process by id", "in-process/name", "in-process/id"),
    ("uri by id / in-process by id (speed-up)", "uri/id", "in-process/id"),
    ("uri by name / in-process by name (speed-up)", "uri/name", "in-process/name"),
)

# (target, ratio, limit, every latency): the median of the runs' ratios must stay under the limit; the
# in-process targets are set for no added latency (at 50 ms one request alone is most of the task).
RATIO_TARGETS = (
    ("in-process converged <= 1.3x the debug floor", "converged in-process / debug floor (same play)", 1.3, False),
    ("in-process converged <= 0.1x uri", "converged in-process / uri", 0.1, False),
    ("interpreter alias: in-process converged <= 0.1x uri", "converged interpreter alias / uri", 0.1, False),
    ("forced module path <= 1.1x uri (converged)", "converged module / uri", 1.1, True),
    ("forced module path <= 1.1x uri (create)", "create module / uri", 1.1, True),
)


def set_ratios(data, ratios):
    """Each ratio taken within each run (the scenarios of a run follow each other within minutes, so a change
    in the machine's load hits both sides), then summarised over the runs; and the ratio of the medians."""
    tasks = data["tasks"]
    per_run = {key: figures["seconds"]["runs"] for key, figures in tasks.items()}
    data["ratios"] = {
        name: summary(ratio(x, y) for x, y in zip(per_run[a], per_run[b]))
        for name, a, b in ratios if a in per_run and b in per_run}
    data["ratios_of_medians"] = {
        name: ratio(tasks[a]["seconds"]["median"], tasks[b]["seconds"]["median"])
        for name, a, b in ratios if a in tasks and b in tasks}


def evaluate(results):
    """Ratios and pass/fail targets from the figures; a partial run (--only) gets those it has data for."""
    targets = []

    def target(name, latency, value, limit, passed, unit=""):
        targets.append({"target": name, "latency": latency, "value": value, "limit": limit, "unit": unit,
                        "pass": bool(passed)})

    def requests_of(figures):
        return "%g FS + %g IMS" % (figures["flow_requests"]["max"], figures["ims_requests"]["max"])

    def exactly(figures, flow, ims=0):
        return (figures["flow_requests"]["min"] == figures["flow_requests"]["max"] == flow
                and figures["ims_requests"]["max"] == ims)

    for label, data in results["latencies"].items():
        tasks = data["tasks"]
        set_ratios(data, RATIOS)
        for path in ("in-process", "module"):
            if "converged/" + path in tasks:
                conv = tasks["converged/" + path]
                target("converged task = 1 Flow Service request, 0 IMS (%s)" % path, label, requests_of(conv),
                       "1 + 0", exactly(conv, 1))
            if "create/" + path in tasks:
                create = tasks["create/" + path]
                # Look-up, POST, and the look-up that checks for a concurrent create of the name.
                target("create = 3 requests (%s)" % path, label, requests_of(create), "3 + 0", exactly(create, 3))
        plays = [tasks[key]["play_ims_requests"] for key in sorted(tasks) if "play_ims_requests" in tasks[key]]
        if plays:
            target("one IMS request per play", label,
                   "%g to %g" % (min(p["min"] for p in plays), max(p["max"] for p in plays)), "1",
                   all(p["min"] == 1 and p["max"] == 1 for p in plays))
        latency = data.get("latency_s", float(label[:-2]) / 1000)
        if "converged/interpreter" in tasks and tasks["converged/interpreter"].get("connections"):
            # The module path opens one TCP+TLS connection per item; in-process items share one.
            opened = tasks["converged/interpreter"]["connections"]["max"]
            target("interpreter alias (%s) runs in-process: TCP+TLS connections/task < 0.5 (module: 1)"
                   % results["config"].get("interpreter", "?"), label, "%.3g" % opened, "< 0.5", opened < 0.5)
        numerators = {name: (a, b) for name, a, b in RATIOS}
        for name, ratio_name, limit, every_latency in RATIO_TARGETS:
            if not every_latency and latency:
                continue
            if ratio_name in data["ratios"]:
                value = data["ratios"][ratio_name]["median"]
                target(name, label, value, limit, value <= limit, "x")
                # The ratio the numerator would have if it cost nothing but its own requests' added latency.
                numerator, denominator = (tasks[key] for key in numerators[ratio_name])
                requests = numerator["flow_requests"]["median"] + numerator["ims_requests"]["median"]
                targets[-1]["floor"] = requests * latency / denominator["seconds"]["median"]

    for label, data in results.get("dataflow", {}).get("latencies", {}).items():
        tasks = data["tasks"]
        set_ratios(data, DATAFLOW_RATIOS)
        for by, budget in DATAFLOW_GET_BUDGET.items():
            for path in ("in-process", "module"):
                figures = tasks.get("%s/%s" % (path, by))
                if figures is None:
                    continue
                gets, writes, ims = (figures[key]["max"] for key in ("get_requests", "write_requests", "ims_requests"))
                target("converged dataflow by %s <= %d GETs, 0 writes, 0 IMS (%s)" % (by, budget, path), label,
                       "%g GET + %g writes + %g IMS" % (gets, writes, ims), "%d + 0 + 0" % budget,
                       gets <= budget and writes == 0 and ims == 0)
        plays = [figures["play_ims_requests"] for figures in tasks.values() if "play_ims_requests" in figures]
        if plays:
            target("one IMS request per dataflow play", label,
                   "%g to %g" % (min(p["min"] for p in plays), max(p["max"] for p in plays)), "1",
                   all(p["min"] == 1 and p["max"] == 1 for p in plays))

    for label, data in results.get("lookup", {}).items():
        for path, figures in data["tasks"].items():
            target("%s connections: look-up <= 10 requests (%s)" % (
                "{:,}".format(results["config"]["seed_count"]), path), label, requests_of(figures), "10 + 0",
                figures["flow_requests"]["max"] <= 10 and figures["ims_requests"]["max"] == 0)
    results["targets"] = targets
    return results


def _ms(value):
    return "%.1f" % (value * 1000)


def _fig(stats, scale=1000.0):
    return "%.1f" % (stats["median"] * scale), "%.1f" % (stats["min"] * scale), "%.1f" % (stats["max"] * scale)


def _count(stats):
    if stats["min"] == stats["max"]:
        return "%.3g" % stats["median"]
    return "%.3g (%.3g-%.3g)" % (stats["median"], stats["min"], stats["max"])


TASK_ROWS = (
    ("create/in-process", "(a) create", "in-process (action plugin)"),
    ("create/interpreter", "(a) create", "in-process, `ansible_python_interpreter={interpreter}`"),
    ("create/module", "(a) create", "module (forced)"),
    ("create/uri", "(c) create", "`uri` GET + POST by hand"),
    ("create/debug-floor", "(e) floor", "`debug` templating the same values, in the create play"),
    ("converged/in-process", "(b) converged", "in-process (action plugin)"),
    ("converged/interpreter", "(b) converged", "in-process, `ansible_python_interpreter={interpreter}`"),
    ("converged/module", "(b) converged", "module (forced)"),
    ("converged/uri", "(c) converged", "`uri` GET + POST by hand"),
    ("converged/debug-floor", "(e) floor", "`debug` templating the same values, in the converged play"),
    ("floor/ping", "(d) floor", "`ansible.builtin.ping` (module)"),
    ("floor/debug", "(d) floor", "`ansible.builtin.debug` with one value (in-process)"),
)


def render_markdown(results):
    meta, config = results["machine"], results["config"]
    lines = ["# aep.platform benchmark%s" % (" (quick mode: not a measurement)" if config["quick"] else ""), ""]
    lines += [
        "Measured %s UTC to %s UTC by `%s` (total %.0f s)." % (
            results["started_utc"], results["finished_utc"], config["command"], results["total_seconds"]),
        "",
        "| machine | |",
        "|---|---|",
        "| CPU | %s, %s cores |" % (meta["cpu"], meta["cores"]),
        "| memory | %s GiB |" % meta["memory_gib"],
        "| OS | %s (kernel %s) |" % (meta["os"], meta["kernel"]),
        "| Python | %s |" % meta["python"],
        "| ansible-core | %s |" % meta["ansible_core"],
        "| requests / urllib3 | %s / %s |" % (meta["requests"], meta["urllib3"]),
        "| OpenSSL | %s |" % meta["openssl"],
        "| collection | %s, git %s%s |" % (
            meta["collection"], meta["git_commit"],
            " + uncommitted changes in plugins/ or meta/" if meta["git_plugins_dirty"] else ""),
        "| load average (1 min) when each run started: median (min-max) | %.2f (%.2f-%.2f) |" % (
            results["load"]["median"], results["load"]["min"], results["load"]["max"]),
        "",
        "N = %d connections per loop; every figure is the median of %d run%s (min and max beside it); "
        "the emulator is reset before every run. Wall time per task = the loop task's duration / N, so "
        "`ansible-playbook` start-up is not in it. Requests per task come from the emulator's journal."
        % (config["n"], config["runs"], "s" if config["runs"] > 1 else ""),
        "The access token comes from one `aep.platform.aep_access_token` task per play (%s), passed to every "
        "task with `module_defaults`." % results["token_task_path"],
        "",
    ]
    for label, data in results["latencies"].items():
        lines += ["## Added latency %s per request" % label.replace("ms", " ms"), "",
                  "| task | path | wall ms/task (median) | min | max | Flow Service req/task | IMS req/task "
                  "| IMS req/play | TCP+TLS connections/task |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for key, phase, path in TASK_ROWS:
            figures = data["tasks"].get(key)
            if figures is None:
                continue
            path = path.format(interpreter=config.get("interpreter", "?"))
            median, low, high = _fig(figures["seconds"])
            play = _count(figures["play_ims_requests"]) if "play_ims_requests" in figures else ""
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                phase, path, median, low, high, _count(figures["flow_requests"]), _count(figures["ims_requests"]),
                play, _count(figures["connections"]) if "connections" in figures else "n/a"))
        tokens = [figures["play_token_seconds"] for figures in data["tasks"].values() if "play_token_seconds" in figures]
        if tokens:
            lines += ["", "The token task (once per play) took %s ms (median of its plays; min %s, max %s)." % (
                _fig(summary(value for token in tokens for value in token["runs"])))]
        uri_parts = data["tasks"].get("converged/uri", {}).get("parts") or {}
        if uri_parts:
            lines.append("Converged `uri`: %s." % ", ".join(
                "%s %s ms" % (name.replace("Bench ", ""), _fig(stats)[0]) for name, stats in uri_parts.items()))
        lines += ["", "| ratio | median of the runs' ratios | min | max | ratio of the medians |",
                  "|---|---:|---:|---:|---:|"]
        for name, stats in data["ratios"].items():
            lines.append("| %s | %.3f | %.3f | %.3f | %.3f |" % (
                name, stats["median"], stats["min"], stats["max"], data["ratios_of_medians"][name]))
        lines.append("")
    lines += render_dataflow(results.get("dataflow"))
    if results.get("lookup"):
        lines += ["## Look-up among %s connections" % "{:,}".format(config["seed_count"]), "",
                  "The sandbox holds %s seeded S3 connections; a converged play on %d names among them."
                  % ("{:,}".format(config["seed_count"]), config["lookup_n"]), "",
                  "| latency | path | wall ms/task (median) | min | max | Flow Service req/task | IMS req/task "
                  "| vs converged among N connections |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for label, data in results["lookup"].items():
            for path, figures in data["tasks"].items():
                median, low, high = _fig(figures["seconds"])
                base = results["latencies"].get(label, {}).get("tasks", {}).get("converged/" + path)
                versus = "%.2fx" % (figures["seconds"]["median"] / base["seconds"]["median"]) if base else ""
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    label.replace("ms", " ms"), path, median, low, high, _count(figures["flow_requests"]),
                    _count(figures["ims_requests"]), versus))
        lines.append("")
    lines += ["## Targets", "",
              "Floor: the ratio the task would have if it cost nothing but the added latency of its own requests; "
              "a limit below the floor cannot be met at that latency by a task that sends those requests.", "",
              "| target | latency | figure | limit | floor | result |", "|---|---|---:|---:|---:|---|"]
    for item in results["targets"]:
        value = item["value"]
        if isinstance(value, float):
            value = "%.3f%s" % (value, item["unit"])
        limit = item["limit"]
        if isinstance(limit, float):
            limit = "%g%s" % (limit, item["unit"])
        floor = item.get("floor")
        floor = "%.3f%s" % (floor, item["unit"]) if floor else ""
        result = "pass" if item["pass"] else "FAIL"
        if item.get("floor") and item["floor"] > item["limit"]:
            result += " (unreachable: limit below floor)"
        lines.append("| %s | %s | %s | %s | %s | **%s** |" % (
            item["target"], item["latency"].replace("ms", " ms"), value, limit, floor, result))
    lines += ["", "Notes:", ""]
    lines += ["- %s" % note for note in results["notes"]]
    lines.append("")
    return "\n".join(lines)


DATAFLOW_ROWS = (
    ("in-process", "in-process (action plugin)"),
    ("module", "module (forced)"),
    ("uri", "`uri` GETs by hand"),
    ("debug-floor", "`debug` templating the same values, in the in-process play"),
)


def render_dataflow(dataflow):
    """The Markdown section of the converged dataflow benchmark (none when it was not measured)."""
    if not dataflow or not dataflow.get("latencies"):
        return []
    measured = dataflow["measured"]
    lines = [
        "## Converged dataflow (`aep.platform.aep_s3_dataflow`)", "",
        "Measured %s UTC to %s UTC (%.0f s), git %s%s; load average (1 min) when each run started: %.2f (%.2f-%.2f)."
        % (measured["started_utc"], measured["finished_utc"], measured["seconds"], measured["git_commit"],
           " + uncommitted changes in plugins/ or meta/" if measured["git_plugins_dirty"] else "",
           measured["load"]["median"], measured["load"]["min"], measured["load"]["max"]),
        "",
        "Set up once (`playbooks/dataflow_setup.yml`: an S3 connection, a dataset made by "
        "`aep.platform.aep_dataset`, and the flow, with 2 mappings and a daily schedule); then each run ensures "
        "that flow as it is: %d times in-process, %d times through the module (`aep_force_module: true`) and %d "
        "times as the same GETs by hand with `ansible.builtin.uri`, with the connection and the dataset given by "
        "id, then by name (the flow by its name). Every figure is the median of %d run%s (min and max beside it); "
        "per task = the loop task's duration / its items. The requests are counted on every Platform API in the "
        "emulator's journal; each run checks that the module and `uri` paths sent exactly the in-process task's "
        "requests, and that the flow (its etag) did not change."
        % (measured["n"], measured["slow_n"], measured["slow_n"], measured["runs"],
           "s" if measured["runs"] > 1 else ""),
        "",
    ]
    for label, data in dataflow["latencies"].items():
        lines += ["### Added latency %s per request" % label.replace("ms", " ms"), "",
                  "| connection and dataset by | path | wall ms/task (median) | min | max | GETs/task | writes/task "
                  "| IMS req/task | IMS req/play | TCP+TLS connections/task |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for by in ("id", "name"):
            for path, title in DATAFLOW_ROWS:
                figures = data["tasks"].get("%s/%s" % (path, by))
                if figures is None:
                    continue
                median, low, high = _fig(figures["seconds"])
                play = _count(figures["play_ims_requests"]) if "play_ims_requests" in figures else ""
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    by, title, median, low, high, _count(figures["get_requests"]), _count(figures["write_requests"]),
                    _count(figures["ims_requests"]), play,
                    _count(figures["connections"]) if "connections" in figures else "n/a"))
        parts = data["tasks"].get("uri/name", {}).get("parts") or {}
        if parts:
            lines += ["", "`uri` by name, per GET (by id: the first four): %s." % ", ".join(
                "%s %s ms" % (name.replace("Bench uri GET ", ""), _fig(stats)[0]) for name, stats in parts.items())]
        lines += ["", "| ratio | median of the runs' ratios | min | max | ratio of the medians |",
                  "|---|---:|---:|---:|---:|"]
        for name, stats in data["ratios"].items():
            lines.append("| %s | %.3f | %.3f | %.3f | %.3f |" % (
                name, stats["median"], stats["min"], stats["max"], data["ratios_of_medians"][name]))
        lines.append("")
    return lines


def write_results(results, output_dir, stem):
    output_dir.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".json", json.dumps(results, indent=1, sort_keys=False) + "\n"),
                         (".md", render_markdown(results))):
        final = output_dir / (stem + suffix)
        temporary = output_dir / (stem + suffix + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(final)
    return output_dir / (stem + ".md"), output_dir / (stem + ".json")


# Main -----------------------------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="N=3, one run, no latency, 1,000 seeded connections: proves the benchmark works")
    parser.add_argument("-n", type=int, help="connections per loop (default 50, quick 3)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5, quick 1)")
    parser.add_argument("--latencies", help="comma-separated seconds per request (default 0,0.05; quick 0)")
    parser.add_argument("--seed-count", type=int, help="connections in the sandbox for the look-up (10000)")
    parser.add_argument("--lookup-n", type=int, help="names looked up among them (default N)")
    parser.add_argument("--lookup-latencies", help="latencies for the look-up (default: the first of --latencies)")
    parser.add_argument("--dataflow-n", type=int,
                        help="converged dataflow tasks per in-process loop (default 20, quick 3)")
    parser.add_argument("--dataflow-slow-n", type=int,
                        help="converged dataflow tasks per module and uri loop (default 3, quick 2)")
    parser.add_argument("--dataflow-runs", type=int, help="runs of the dataflow benchmark (default 3, quick 1)")
    parser.add_argument("--dataflow-latencies", help="latencies for the dataflow (default: the first of --latencies)")
    parser.add_argument("--dataflow-into", type=Path, metavar="JSON",
                        help="measure only the dataflow and put it into an existing results file in place of its "
                             "dataflow section (the rest keeps its own measurement); rewrites it and its Markdown")
    parser.add_argument("--output-dir", type=Path, default=HERE / "results")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="collection source tree to build (default: this repository), e.g. a scratch copy "
                             "with a change to measure")
    parser.add_argument("--only", help="comma-separated subset of in-process,interpreter,module,uri,floors,lookup,"
                        "dataflow "
                        "(a partial run: its report has no targets that need the rest)")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: recompute ratios and targets of a results JSON and rewrite it and "
                             "its Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (playbook output, timers)")
    args = parser.parse_args(argv)
    args.n = args.n or (3 if args.quick else 50)
    args.runs = args.runs or (1 if args.quick else 5)
    args.latencies = [float(x) for x in (args.latencies or ("0" if args.quick else "0,0.05")).split(",")]
    args.lookup_latencies = ([float(x) for x in args.lookup_latencies.split(",")] if args.lookup_latencies
                             else args.latencies[:1])
    args.seed_count = args.seed_count if args.seed_count is not None else (1000 if args.quick else 10000)
    args.lookup_n = args.lookup_n or args.n
    # The dataflow's module and uri items cost about 0.7 s per request-carrying task each (14 per run by name
    # and by id): fewer of them, and fewer runs, keep its share of the full run near a minute.
    args.dataflow_n = args.dataflow_n or (3 if args.quick else 20)
    args.dataflow_slow_n = args.dataflow_slow_n or (2 if args.quick else 3)
    args.dataflow_runs = args.dataflow_runs or (1 if args.quick else 3)
    args.dataflow_latencies = ([float(x) for x in args.dataflow_latencies.split(",")] if args.dataflow_latencies
                               else args.latencies[:1])
    everything = ("in-process", "interpreter", "module", "uri", "floors", "lookup", "dataflow")
    args.only = set(args.only.split(",")) if args.only else set(everything)
    if not args.only <= set(everything):
        parser.error("--only takes some of %s" % ",".join(everything))
    if args.dataflow_into:
        if args.only != set(everything) and args.only != {"dataflow"}:
            parser.error("--dataflow-into measures the dataflow only")
        args.only = {"dataflow"}
    if args.n < 1 or args.runs < 1 or args.lookup_n > args.seed_count:
        parser.error("need N >= 1, runs >= 1 and lookup-n <= seed-count")
    if min(args.dataflow_n, args.dataflow_slow_n, args.dataflow_runs) < 1:
        parser.error("need dataflow N, slow N and runs >= 1")
    return args


def measure_dataflow(bench, args, log):
    """The converged dataflow benchmark: set up once, then ``args.dataflow_runs`` runs per latency.

    Returns results["dataflow"]: when and how it was measured, and per latency the aggregated figures.
    """
    started = time.time()
    started_utc = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    loads = []
    log("dataflow: setting up the connection, the dataset and the flow")
    variables, flow = bench.set_up_dataflow()
    latencies = {}
    for latency in args.dataflow_latencies:
        label = latency_label(latency)
        samples = {}
        for run in range(args.dataflow_runs):
            loads.append(os.getloadavg()[0])
            log("dataflow, latency %s, run %d/%d (load average %.2f)" % (label, run + 1, args.dataflow_runs, loads[-1]))
            for key, figures in bench.dataflow(latency, variables, flow, args.dataflow_n, args.dataflow_slow_n).items():
                samples.setdefault(key, []).append(figures)
        latencies[label] = {"latency_s": latency, "tasks": {key: aggregate(value) for key, value in samples.items()}}
    status = _git("status", "--porcelain", "--", "plugins", "meta")
    return {
        "measured": {
            "started_utc": started_utc,
            "finished_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "seconds": round(time.time() - started, 1),
            "git_commit": _git("rev-parse", "--short", "HEAD"),
            "git_plugins_dirty": bool(status) if status is not None else None,
            "source": str(args.source),
            "load": summary(loads),
            "n": args.dataflow_n, "slow_n": args.dataflow_slow_n, "runs": args.dataflow_runs,
            "latencies_s": args.dataflow_latencies,
        },
        "latencies": latencies,
    }


def report_targets(results):
    for item in results["targets"]:
        value = item["value"]
        print("%-4s %s [%s]: %s" % ("ok" if item["pass"] else "FAIL", item["target"], item["latency"],
                                    "%.3f" % value if isinstance(value, float) else value))
    failed = [item for item in results["targets"] if not item["pass"]]
    print("%d of %d targets pass" % (len(results["targets"]) - len(failed), len(results["targets"])))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.render:
        results = evaluate(json.loads(args.render.read_text(encoding="utf-8")))
        for path in write_results(results, args.render.parent, args.render.stem):
            print("wrote %s" % path)
        report_targets(results)
        return 0
    started = time.time()

    def log(message):
        print("[%6.0f s] %s" % (time.time() - started, message), flush=True)

    results = {
        "started_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_info(),
        "config": {
            "command": "python benchmarks/run.py" + (" --quick" if args.quick else ""),
            "argv": list(sys.argv[1:] if argv is None else argv),
            "quick": args.quick, "n": args.n, "runs": args.runs, "latencies_s": args.latencies,
            "seed_count": args.seed_count, "lookup_n": args.lookup_n, "lookup_latencies_s": args.lookup_latencies,
            "tls": True, "host": "127.0.0.1",
        },
        "latencies": {},
        "dataflow": {},
        "lookup": {},
    }
    loads = [os.getloadavg()[0]]
    interpreter = interpreter_alias()
    results["config"]["interpreter"] = interpreter
    workdir = Path(tempfile.mkdtemp(prefix="aep-bench-"))
    try:
        log("building and installing the collection in %s" % workdir)
        collections_path, installed = install_collection(workdir, args.source)
        has_token_action = (installed / "plugins" / "action" / "aep_access_token.py").is_file()
        results["token_task_path"] = (
            "it has an action plugin, so it ran in-process" if has_token_action else
            "it has no action plugin, so it runs as a module on both paths")
        ansible = Ansible(collections_path, workdir)
        with Emulator(tls=True) as emulator:
            bench = Bench(emulator, ansible, args.n, log)
            # Only when one of the scenarios measured per latency was asked for (not with --only lookup,dataflow).
            for latency in args.latencies if args.only - {"lookup", "dataflow"} else ():
                label = latency_label(latency)
                samples = {}
                for run in range(args.runs):
                    loads.append(os.getloadavg()[0])
                    log("latency %s, run %d/%d (load average %.2f)" % (label, run + 1, args.runs, loads[-1]))
                    # Every scenario once per run, so a change in the machine's load hits them all alike.
                    for path, task, playbook, how in PATHS:
                        if path not in args.only:
                            continue
                        names = [task] if task else list(URI_TASKS)
                        phases = bench.create_and_converge(
                            latency, playbook, names, force_module=how.get("force_module", False),
                            interpreter=interpreter if how.get("interpreter") else None,
                            floor=how.get("floor", False))
                        for phase, figures in phases.items():
                            if phase.endswith("-floor"):
                                samples.setdefault("%s/debug-floor" % phase[:-len("-floor")], []).append(figures)
                            else:
                                samples.setdefault("%s/%s" % (phase, path), []).append(figures)
                    # The floors send no request, so added latency cannot change them: measured once per run.
                    if "floors" in args.only and latency == args.latencies[0]:
                        for name, figures in bench.floors(latency).items():
                            samples.setdefault("floor/" + name, []).append(figures)
                tasks = {key: aggregate(value) for key, value in samples.items()}
                if latency != args.latencies[0]:
                    first = results["latencies"][latency_label(args.latencies[0])]["tasks"]
                    tasks.update({key: value for key, value in first.items() if key.startswith("floor/")})
                results["latencies"][label] = {"latency_s": latency, "tasks": tasks}

            if "dataflow" in args.only:
                results["dataflow"] = measure_dataflow(bench, args, log)

            if args.seed_count and "lookup" in args.only:
                emulator.reset()
                emulator.set_latency(0)
                log("seeding %d connections" % args.seed_count)
                emulator.seed(ORG_ID, SANDBOX, count=args.seed_count, name_prefix="seed-",
                              auth={"specName": "Access Key", "params": {
                                  "s3AccessKey": S3_ACCESS_KEY, "s3SecretKey": S3_SECRET_KEY, "bucketName": BUCKET}})
                step = max(1, args.seed_count // args.lookup_n)
                names = ["seed-%d" % (step * (index + 1)) for index in range(args.lookup_n)]
                for latency in args.lookup_latencies:
                    label = latency_label(latency)
                    samples = {}
                    for run in range(args.runs):
                        loads.append(os.getloadavg()[0])
                        log("look-up among %d, latency %s, run %d/%d (load average %.2f)" % (
                            args.seed_count, label, run + 1, args.runs, loads[-1]))
                        for path, force in (("in-process", False), ("module", True)):
                            if path not in args.only:
                                continue
                            samples.setdefault(path, []).append(bench.lookup(latency, names, force_module=force))
                    results["lookup"][label] = {"tasks": {key: aggregate(value) for key, value in samples.items()}}
                _check(len(emulator.store(ORG_ID, SANDBOX)) == args.seed_count, "the look-up changed the sandbox")
    finally:
        if args.keep:
            print("work folder kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    results["finished_utc"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    results["total_seconds"] = round(time.time() - started, 1)
    results["load"] = summary(loads)
    results["notes"] = [
        "The emulator runs in the benchmark's own process on the same machine. Its added latency delays "
        "every Flow Service and IMS request once (server side), but not TCP or TLS handshakes: on a real WAN "
        "each new connection (column TCP+TLS connections/task) costs about two more round trips.",
        "(c) `uri` per task = its GET loop + its POST loop (skipped items when converged), divided by N.",
        "(b) converged = the second play of the same playbook run, right after the create play.",
        "(d) the floors send no request, so added latency cannot change them: they are measured once per "
        "run, with the first latency, and shown for every latency.",
        "(e) the debug floor is ansible-core's own cost for a task that receives the module task's values: a "
        "`debug` task right after the module task, in the same play of the in-process run, looping over the "
        "same names, whose `msg` templates one by one the task's 4 arguments and its 8 `module_defaults` "
        "values (verbosity 1: one output line per item, as the module task). Its ratio is taken per run.",
        "The interpreter alias path runs the in-process playbook with `-e ansible_python_interpreter=%s` while "
        "`ansible-playbook` itself runs `%s`: the same Python under another name, so it must run in-process "
        "(one pooled connection for the loop, where the module path opens one per item)." % (
            results["config"]["interpreter"], _shebang()),
        "Request and connection counts are exact; wall times depend on the machine's load (load average "
        "above; other processes may share the machine%s)." % (
            "; PYTHONDONTWRITEBYTECODE was set, so no bytecode was cached"
            if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""),
    ]
    if args.dataflow_into:
        dataflow = results["dataflow"]
        results = json.loads(args.dataflow_into.read_text(encoding="utf-8"))
        results["dataflow"] = dataflow
        evaluate(results)
        markdown, data = write_results(results, args.dataflow_into.parent, args.dataflow_into.stem)
        log("wrote %s and %s" % (markdown, data))
        report_targets(results)
        return 0
    evaluate(results)
    stem = "quick" if args.quick else "latest"
    markdown, data = write_results(results, args.output_dir, stem)
    log("wrote %s and %s" % (markdown, data))
    report_targets(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
