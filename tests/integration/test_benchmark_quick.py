"""The benchmark still works: ``benchmarks/run.py --quick`` runs, writes its report, and the request counts hold.

Timings are not asserted (they depend on the machine); request counts are deterministic.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TASKS = {"create/in-process", "create/module", "create/uri", "converged/in-process", "converged/module",
         "converged/uri", "floor/ping", "floor/debug"}
COUNT_TARGETS = ("converged task = 1 Flow Service request", "create = 2 requests", "one IMS request per play",
                 "look-up <= 10 requests")
TIMING_TARGETS = ("in-process converged <= 0.15x uri", "in-process converged <= 2x debug",
                  "forced module path <= 1.1x uri")


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
    assert set(results["lookup"]["0ms"]["tasks"]) == {"in-process", "module"}
    assert all(stats["median"] > 0 for stats in results["latencies"]["0ms"]["ratios"].values())

    targets = results["targets"]
    for prefix in COUNT_TARGETS + TIMING_TARGETS:
        assert any(prefix in item["target"] for item in targets), prefix
    failed = [item for item in targets if any(prefix in item["target"] for prefix in COUNT_TARGETS)
              and not item["pass"]]
    assert not failed, failed
