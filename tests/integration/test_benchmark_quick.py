"""The benchmark still works: ``benchmarks/run.py --quick`` runs, writes its report, and the request counts hold.

Timings are not asserted (they depend on the machine); request counts are deterministic.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TASKS = {"create/in-process", "create/interpreter", "create/module", "create/uri", "create/debug-floor",
         "converged/in-process", "converged/interpreter", "converged/module", "converged/uri",
         "converged/debug-floor", "floor/ping", "floor/debug"}
COUNT_TARGETS = ("converged task = 1 Flow Service request", "create = 3 requests", "one IMS request per play",
                 "look-up <= 10 requests", "runs in-process: TCP+TLS connections/task",
                 "converged dataflow by id <= 4 GETs, 0 writes, 0 IMS (in-process)",
                 "converged dataflow by id <= 4 GETs, 0 writes, 0 IMS (module)",
                 "converged dataflow by name <= 6 GETs, 0 writes, 0 IMS (in-process)",
                 "converged dataflow by name <= 6 GETs, 0 writes, 0 IMS (module)",
                 "one IMS request per dataflow play")
# The converged aep_s3_dataflow task's budget (its documentation's notes): GETs only, at most these many.
DATAFLOW_GET_BUDGET = {"id": 4, "name": 6}
DATAFLOW_TASKS = {"%s/%s" % (path, by) for path in ("in-process", "module", "uri", "debug-floor") for by in DATAFLOW_GET_BUDGET}
TIMING_TARGETS = ("in-process converged <= 1.3x the debug floor", "in-process converged <= 0.1x uri",
                  "interpreter alias: in-process converged <= 0.1x uri", "forced module path <= 1.1x uri")


def test_quick_benchmark(tmp_path):
    completed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                                "--output-dir", str(tmp_path)], capture_output=True, text=True, check=False, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (tmp_path / "quick.md").read_text().startswith("# aep.platform benchmark")
    results = json.loads((tmp_path / "quick.json").read_text())

    for key in ("cpu", "cores", "memory_gib", "python", "ansible_core", "requests"):
        assert results["machine"][key], key
    assert results["started_utc"] and results["finished_utc"]
    assert results["config"]["quick"] and results["config"]["n"] == 3

    tasks = results["latencies"]["0ms"]["tasks"]
    assert set(tasks) == TASKS
    for name, figures in tasks.items():
        for figure in ("seconds", "flow_requests", "ims_requests"):
            assert set(figures[figure]) == {"median", "min", "max", "runs"}, (name, figure)
        assert figures["items"] == 3, name
        assert figures["seconds"]["min"] <= figures["seconds"]["median"] <= figures["seconds"]["max"]
    assert tasks["converged/uri"]["flow_requests"]["median"] == 1
    assert tasks["create/uri"]["flow_requests"]["median"] == 2
    assert tasks["floor/ping"]["flow_requests"]["max"] == 0
    assert tasks["converged/debug-floor"]["flow_requests"]["max"] == 0
    # Another name of the controller's Python: in-process, so one pooled connection for the loop.
    assert results["config"]["interpreter"].startswith(str(Path(sys.executable).parent))
    assert tasks["converged/interpreter"]["connections"]["max"] < 1 <= tasks["converged/module"]["connections"]["min"]
    assert set(results["lookup"]["0ms"]["tasks"]) == {"in-process", "module"}
    assert all(stats["median"] > 0 for stats in results["latencies"]["0ms"]["ratios"].values())

    check_dataflow(results["dataflow"])

    targets = results["targets"]
    for prefix in COUNT_TARGETS + TIMING_TARGETS:
        assert any(prefix in item["target"] for item in targets), prefix
    failed = [item for item in targets if any(prefix in item["target"] for prefix in COUNT_TARGETS)
              and not item["pass"]]
    assert not failed, failed

    # The report renders again from its JSON alone (what --render and --dataflow-into rely on), to the same text.
    markdown = (tmp_path / "quick.md").read_text()
    assert "## Converged dataflow" in markdown
    rendered = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--render", str(tmp_path / "quick.json")],
                              capture_output=True, text=True, check=False, timeout=60)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert (tmp_path / "quick.md").read_text() == markdown


def check_dataflow(dataflow):
    """The converged dataflow, set up once, then ensured on each path given by id and by name."""
    measured = dataflow["measured"]
    assert (measured["n"], measured["slow_n"], measured["runs"]) == (3, 2, 1)
    tasks = dataflow["latencies"]["0ms"]["tasks"]
    assert set(tasks) == DATAFLOW_TASKS
    for by, budget in DATAFLOW_GET_BUDGET.items():
        for path in ("in-process", "module", "uri"):
            figures = tasks["%s/%s" % (path, by)]
            assert figures["items"] == (measured["n"] if path == "in-process" else measured["slow_n"]), (path, by)
            assert 0 < figures["get_requests"]["max"] <= budget, (path, by, figures["get_requests"])
            assert figures["write_requests"]["max"] == 0 and figures["ims_requests"]["max"] == 0, (path, by)
            assert figures["play_ims_requests"]["max"] == 1, (path, by)
        # The uri chain sends the task's own requests (run.py compares them request by request).
        assert tasks["uri/" + by]["get_requests"]["median"] == tasks["in-process/" + by]["get_requests"]["median"]
        floor = tasks["debug-floor/" + by]
        assert floor["get_requests"]["max"] == 0 and floor["items"] == measured["n"]
        # The forced module path opens a connection per item; in-process items share one pooled connection.
        assert tasks["in-process/" + by]["connections"]["max"] < 1 <= tasks["module/" + by]["connections"]["min"]
    # By name, the connection and the dataset are looked up too: more GETs than by id.
    assert tasks["in-process/name"]["get_requests"]["median"] > tasks["in-process/id"]["get_requests"]["median"]
    ratios = dataflow["latencies"]["0ms"]["ratios"]
    assert {"in-process by id / debug floor by id (same play)", "module by name / uri by name"} <= set(ratios)
