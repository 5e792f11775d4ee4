# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Profile each task run (each loop item) inside ansible-playbook's workers. Benchmarks only.

    PYTHONPATH=$PWD/benchmarks/profiling BENCH_PROFILE_DIR=/tmp/prof \\
        .venv/bin/python benchmarks/run.py --only in-process,floors --runs 1

Python imports this module at start-up when it is on PYTHONPATH; it does nothing unless
BENCH_PROFILE_DIR is set and the process is ansible-playbook. It wraps ``TaskExecutor._execute`` (one
call per loop item, in the worker process) and appends ``pid action wall_seconds cpu_seconds`` to
``$BENCH_PROFILE_DIR/items.txt``. With BENCH_PROFILE_ACTION set to an action name (such as
``aep.platform.aep_s3_connection``), those items also run under cProfile, whose statistics go to
``$BENCH_PROFILE_DIR/<pid>.prof`` (read them with ``python -m pstats``).
"""

from __future__ import annotations

import os
import sys
import time

DIRECTORY = os.environ.get("BENCH_PROFILE_DIR")

if DIRECTORY and os.path.basename(sys.argv[0] if sys.argv else "") == "ansible-playbook":
    import cProfile

    from ansible.executor import task_executor

    _ORIGINAL = task_executor.TaskExecutor._execute
    _PROFILES = {}

    def _execute(self, *args, **kwargs):
        action = self._task.action
        profile = None
        if action == os.environ.get("BENCH_PROFILE_ACTION"):
            profile = _PROFILES.setdefault(os.getpid(), cProfile.Profile())
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        try:
            return _ORIGINAL(self, *args, **kwargs)
        finally:
            if profile:
                profile.disable()
                profile.dump_stats(os.path.join(DIRECTORY, "%d.prof" % os.getpid()))
            with open(os.path.join(DIRECTORY, "items.txt"), "a", encoding="utf-8") as handle:
                handle.write("%d %s %.6f %.6f\n" % (
                    os.getpid(), action, time.perf_counter() - wall, time.process_time() - cpu))

    task_executor.TaskExecutor._execute = _execute
