# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A dataflow's runs, newest first, and waiting for one to finish: aep_dataflow_run_info.

PRIVATE to the aep.platform collection: this API may change at any time.

Run statuses are reported as Adobe sends them, lower-cased; only ``success``
and ``failed`` are final, anything else counts as running. Only GETs are sent.
"""

from __future__ import annotations

import time

from ansible_collections.aep.platform.plugins.module_utils._errors import AepError, AepValidationError, shown
from ansible_collections.aep.platform.plugins.module_utils._info import iso8601
from ansible_collections.aep.platform.plugins.module_utils._resource import UUID_RE, FlowServiceResource, as_dict
from ansible_collections.aep.platform.plugins.module_utils._runner import Runner, check_format

FINISHED = ("success", "failed")


class Flows(FlowServiceResource):
    """Any flow, found by id or exact name."""

    path = "/flows"
    kind = "dataflow"


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _errors(summary):
    errors = []
    for source in (summary.get("errors"), as_dict(summary.get("extensions")).get("errors")):
        for error in source if isinstance(source, list) else ():
            error = as_dict(error)
            if error:
                errors.append({"code": error.get("code"), "message": error.get("message")})
    return errors


def describe_run(run):
    """A run in the module's terms: status, times, counts, errors and the Catalog batches it wrote."""
    metrics = as_dict(run.get("metrics"))
    durations = as_dict(metrics.get("durationSummary"))
    records = as_dict(metrics.get("recordSummary"))
    files = as_dict(metrics.get("fileSummary"))
    sizes = as_dict(metrics.get("sizeSummary"))
    status_summary = as_dict(metrics.get("statusSummary"))
    status = status_summary.get("status") or run.get("state") or "unknown"
    started, completed = _number(durations.get("startedAtUTC")), _number(durations.get("completedAtUTC"))
    batch_ids = []
    errors = _errors(status_summary)
    for activity in run.get("activities") or run.get("activites") or []:
        activity = as_dict(activity)
        for target in activity.get("targetInfo") or []:
            reference = as_dict(as_dict(target).get("reference"))
            batch_ids.extend(ident for ident in reference.get("ids") or [] if ident not in batch_ids)
        for error in _errors(as_dict(activity.get("statusSummary"))):
            if error not in errors:
                errors.append(error)
    return {
        "id": run.get("id"),
        "status": str(status).lower(),
        "started_at": iso8601(started),
        "completed_at": iso8601(completed) if completed else None,
        "duration_seconds": round((completed - started) / 1000.0, 3) if started and completed else None,
        "records_read": _number(records.get("inputRecordCount")),
        "records_written": _number(records.get("outputRecordCount")),
        "records_failed": _number(records.get("failedRecordCount")),
        "files_read": _number(files.get("inputFileCount")),
        "bytes_read": _number(sizes.get("inputBytes")),
        "errors": errors,
        "batch_ids": batch_ids,
    }


class DataflowRunInfo(Runner):
    """List a dataflow's newest runs; optionally wait for the newest one to finish."""

    argument_spec = dict(
        dataflow_id=dict(type="str"),
        dataflow_name=dict(type="str"),
        limit=dict(type="int", default=10),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="int", default=15),
    )
    required_one_of = [("dataflow_id", "dataflow_name")]
    mutually_exclusive = [("dataflow_id", "dataflow_name")]

    @classmethod
    def validate_params(cls, params):
        super().validate_params(params)
        check_format("dataflow_id", params.get("dataflow_id"), UUID_RE, FlowServiceResource.id_example)
        for option, minimum in (("limit", 1), ("wait_timeout", 0), ("poll_interval", 1)):
            value = params.get(option)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise AepValidationError("%s must be a whole number of at least %d, got %s."
                                         % (option, minimum, shown(value)))

    def run(self):
        flow = self.flow()
        if self.params["wait"]:
            self.wait_for_newest(flow["id"])
        runs = [describe_run(run) for run in self.newest_runs(flow["id"], self.params["limit"])]
        return {"changed": False, "dataflow_id": flow["id"], "runs": runs, "latest": runs[0] if runs else None}

    def flow(self):
        flows = Flows(self.client, dict(self.params, id=self.params.get("dataflow_id"),
                                        name=self.params.get("dataflow_name")))
        flow = flows.find()
        if flow is None:
            raise AepError("No dataflow %s exists in sandbox '%s'." % (
                "with id %s" % self.params["dataflow_id"] if self.params.get("dataflow_id")
                else "named '%s'" % self.params["dataflow_name"], self.params["sandbox"]))
        return flow

    def newest_runs(self, flow_id, limit):
        runs = []
        for run in self.client.paginate("/runs", params={"property": ["flowId==%s" % flow_id],
                                                         "orderby": "-createdAt", "limit": limit}):
            runs.append(run)
            if len(runs) >= limit:
                break
        return sorted(runs, key=lambda run: _number(run.get("createdAt")) or 0, reverse=True)

    def wait_for_newest(self, flow_id):
        """Poll until the newest run (the first, when none has started yet) has finished; fail if it failed."""
        deadline = time.monotonic() + self.params["wait_timeout"]
        while True:
            runs = self.newest_runs(flow_id, 1)
            newest = describe_run(runs[0]) if runs else None
            if newest is not None and newest["status"] in FINISHED:
                if newest["status"] == "failed":
                    raise AepError("Run %s of dataflow %s failed: %s" % (
                        newest["id"], flow_id, "; ".join("%s %s" % (e["code"], e["message"]) for e in newest["errors"])
                        or "Platform gave no error"), run=newest)
                return newest
            if time.monotonic() + self.params["poll_interval"] > deadline:
                if newest is None:
                    raise AepError("No run of dataflow %s started within wait_timeout (%d s)."
                                   % (flow_id, self.params["wait_timeout"]))
                raise AepError("Run %s of dataflow %s is still %s after wait_timeout (%d s)." % (
                    newest["id"], flow_id, newest["status"], self.params["wait_timeout"]), run=newest)
            time.sleep(self.params["poll_interval"])
