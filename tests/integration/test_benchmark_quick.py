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
                 "look-up <= 10 requests", "runs in-process: TCP+TLS connections/task")
TIMING_TARGETS = ("in-process converged <= 1.3x the debug floor", "in-process converged <= 0.1x uri",
                  "interpreter alias: in-process converged <= 0.1x uri", "forced module path <= 1.1x uri")


def test_quick_benchmark(tmp_path):
    completed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                                "--output-dir", str(tmp_path)], capture_output=True, text=True, check=False, timeout=300)
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

    targets = results["targets"]
    for prefix in COUNT_TARGETS + TIMING_TARGETS:
        assert any(prefix in item["target"] for item in targets), prefix
    failed = [item for item in targets if any(prefix in item["target"] for prefix in COUNT_TARGETS)
              and not item["pass"]]
    assert not failed, failed
