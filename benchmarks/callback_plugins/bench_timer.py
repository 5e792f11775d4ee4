# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark helper: record when each play and task starts and ends, as JSON.

Used only by benchmarks/run.py. Enabled with ANSIBLE_CALLBACK_PLUGINS pointing at this folder and
ANSIBLE_CALLBACKS_ENABLED=bench_timer; writes to the file named by BENCH_TIMER_FILE when the playbook ends.
A task ends with its final result (after every loop item); times are ``time.time()`` so they can be
matched with the emulator's journal, which is timestamped the same way on the same machine.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Record play and task start and end times to a JSON file (benchmarks only)
description:
  - Writes the start and end time of every play and task, the number of loop items and of changed items to
    the file named by the environment variable E(BENCH_TIMER_FILE).
requirements:
  - enable in configuration
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plays = []
        self._tasks = []
        self._current = None
        self._started = time.time()

    def _close_task(self, status, result=None):
        task = self._current
        if task is None or task["end"] is not None:
            return
        task["end"] = time.time()
        task["duration"] = task["end"] - task["start"]
        task["status"] = status
        if result is not None and not task["items"]:
            task["changed"] = bool(result._result.get("changed"))

    def _item(self, result, status):
        task = self._current
        if task is None:
            return
        task["items"] += 1
        if status == "ok" and result._result.get("changed"):
            task["changed_items"] += 1
        if status == "failed":
            task["failed_items"] += 1
        if status == "skipped":
            task["skipped_items"] += 1

    def v2_playbook_on_play_start(self, play):
        now = time.time()
        if self._plays:
            self._plays[-1]["end"] = now
        self._plays.append({"index": len(self._plays), "name": play.get_name(), "start": now, "end": None})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._current = {
            "play": len(self._plays) - 1,
            "name": task.get_name(),
            "action": task.action,
            "start": time.time(),
            "end": None,
            "duration": None,
            "status": None,
            "items": 0,
            "changed_items": 0,
            "failed_items": 0,
            "skipped_items": 0,
            "changed": None,
        }
        self._tasks.append(self._current)

    def v2_runner_item_on_ok(self, result):
        self._item(result, "ok")

    def v2_runner_item_on_failed(self, result):
        self._item(result, "failed")

    def v2_runner_item_on_skipped(self, result):
        self._item(result, "skipped")

    def v2_runner_on_ok(self, result):
        self._close_task("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._close_task("failed", result)

    def v2_runner_on_skipped(self, result):
        self._close_task("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._close_task("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        now = time.time()
        if self._plays:
            self._plays[-1]["end"] = now
        path = os.environ.get("BENCH_TIMER_FILE")
        if not path:
            return
        data = {"start": self._started, "end": now, "plays": self._plays, "tasks": self._tasks}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
