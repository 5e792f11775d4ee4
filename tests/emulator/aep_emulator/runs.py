"""Flow runs: generated on schedule, ingesting files from the buckets folder.

A run is created when an enabled flow's next scheduled time arrives (the
first one at ``startTime``, or at once when the flow is created with a
``startTime`` already reached), then one per interval (``frequency`` x
``interval``, multiplied by the ``time_scale`` setting) while the flow is
enabled; ``once`` flows run once.  ``POST /_emulator/flows/{id}/trigger``
creates one now.

At creation the run picks its files (backfill: the first run takes every
file the source path matches; later runs take files modified since the
previous run started) and works out its outcome; the outcome is revealed
over time: ``metrics.statusSummary.status`` is ``pending`` for the first half
of ``run_seconds``, ``inProgress`` for the second half, then ``success`` or
``failed``.  A background thread advances runs and schedules; every read of
flows and runs advances them too, so tests never see a stale state.
"""

from __future__ import annotations

import copy
import math
import os
import secrets
import sys
import threading
import time
import traceback
import uuid
from typing import Any, Dict, List, Optional

from .buckets import BucketError, read_delimited, read_json_records
from .flows import FREQUENCIES, Pipeline
from .store import new_etag

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TERMINAL = ("success", "failed")
DEFAULT_SETTINGS = {"run_seconds": 2.0, "time_scale": 1.0, "start_grace": 60.0}


def batch_id(now: Optional[float] = None) -> str:
    """A 26-character ULID-like Catalog batch id (48-bit time, 80 random bits, Crockford base32)."""
    value = (int((now or time.time()) * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _unused in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _lookup(record: Dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _error(code: str, message: str, **extra: Any) -> Dict[str, Any]:
    return dict({"code": code, "message": message}, **extra)


class RunEngine:
    def __init__(self, pipeline: Pipeline, buckets, catalog, dataprep, store, settings: Dict[str, Any]):
        self.pipeline = pipeline
        self.buckets = buckets
        self.catalog = catalog
        self.dataprep = dataprep
        self.store = store
        self.settings = settings
        self.lock = pipeline.lock
        self.verbose = False
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -- the background ticker ------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="aep-emulator-runs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            try:
                with self.lock:
                    self.advance()
            except Exception:  # pylint: disable=broad-except  # keep ticking; a read will show the problem
                if self.verbose:
                    traceback.print_exc(file=sys.stderr)

    # -- scheduling -------------------------------------------------------------

    def _period(self, flow: Dict[str, Any]) -> float:
        schedule = flow["scheduleParams"]
        return FREQUENCIES[schedule["frequency"]] * int(schedule.get("interval", "1")) * self.settings["time_scale"]

    def flow_scheduled(self, org: str, sandbox: str, flow: Dict[str, Any], first: bool) -> None:
        """(Re)compute when a flow's next run is due; a new flow due now runs at once."""
        start = float(flow["scheduleParams"]["startTime"])
        now = time.time()
        if first:
            flow["_nextDue"] = start
        elif flow["scheduleParams"]["frequency"] == "once":
            flow["_nextDue"] = start if flow.get("_runCount", 0) == 0 else None
        elif flow.get("_runCount", 0) == 0:
            flow["_nextDue"] = start
        else:
            last = flow.get("_lastScheduled") or flow.get("_lastRunStart") or start
            flow["_nextDue"] = last + self._period(flow)
        if first and start <= now and flow["state"] == "enabled":
            self._scheduled_run(org, sandbox, flow, now)

    def flow_enabled(self, org: str, sandbox: str, flow: Dict[str, Any]) -> None:
        if flow.get("_nextDue") is None and flow["scheduleParams"]["frequency"] != "once":
            flow["_nextDue"] = time.time()

    def _scheduled_run(self, org: str, sandbox: str, flow: Dict[str, Any], now: float) -> None:
        self.create_run(org, sandbox, flow, now)
        due = flow["_nextDue"]
        flow["_lastScheduled"] = due
        if flow["scheduleParams"]["frequency"] == "once":
            flow["_nextDue"] = None
            return
        period = max(self._period(flow), 0.001)
        # One run per slot; slots missed while disabled (or while the emulator was down) are skipped.
        due += period
        if due <= now:
            due += math.ceil((now - due) / period) * period
            if due <= now:
                due += period
        flow["_nextDue"] = due

    def advance(self) -> None:
        """Start due runs and move running ones on; caller holds the lock."""
        now = time.time()
        changed = False
        for (org, sandbox), kinds in self.pipeline.scopes():
            for flow in list(kinds["flows"].values()):
                due = flow.get("_nextDue")
                if flow["state"] == "enabled" and due is not None and due <= now:
                    self._scheduled_run(org, sandbox, flow, now)
                    changed = True
            for run in kinds["runs"].values():
                if run["metrics"]["statusSummary"]["status"] in TERMINAL:
                    continue
                changed |= self._progress(org, sandbox, kinds, run, now)
        if changed:
            self.pipeline.save()

    def trigger(self, org: str, sandbox: str, flow_id: str) -> Dict[str, Any]:
        with self.lock:
            self.advance()
            flow = self.pipeline.scope(org, sandbox)["flows"].get(flow_id)
            if flow is None:
                raise KeyError(flow_id)
            run = self.create_run(org, sandbox, flow, time.time())
            self.pipeline.save()
            return self.pipeline.public(run)

    def set_next_outcome(self, org: str, sandbox: str, flow_id: str, outcome: Dict[str, Any]) -> None:
        with self.lock:
            flow = self.pipeline.scope(org, sandbox)["flows"].get(flow_id)
            if flow is None:
                raise KeyError(flow_id)
            flow["_forcedNext"] = copy.deepcopy(outcome)
            self.pipeline.save()

    def find_flow(self, flow_id: str):
        """(org, sandbox) of a flow id in any scope, or None."""
        with self.lock:
            for (org, sandbox), kinds in self.pipeline.scopes():
                if flow_id in kinds["flows"]:
                    return org, sandbox
            return None

    # -- one run ------------------------------------------------------------------

    def create_run(self, org: str, sandbox: str, flow: Dict[str, Any], now: float) -> Dict[str, Any]:
        kinds = self.pipeline.scope(org, sandbox)
        record = self.pipeline.new_record(org, sandbox, flow["updatedBy"], flow["updatedClient"])
        stamp = int(now * 1000)
        record["createdAt"] = record["updatedAt"] = stamp
        outcome = self._ingest(org, sandbox, kinds, flow, now)
        forced = flow.pop("_forcedNext", None)
        if forced:
            outcome = self._force(outcome, forced)
        duration = float(self.settings["run_seconds"])
        record.update({
            "flowId": flow["id"],
            "flowSpec": dict(flow["flowSpec"]),
            "providerRefId": flow.get("providerRefId"),
            "metrics": {"durationSummary": {"startedAtUTC": stamp},
                        "statusSummary": {"status": "pending"}},
            "activities": [],
            "_outcome": outcome,
            "_progressAt": now + duration / 2,
            "_doneAt": now + duration,
            "_sourceId": flow["sourceConnectionIds"][0],
            "_targetId": flow["targetConnectionIds"][0],
        })
        kinds["runs"][record["id"]] = record
        flow["_runCount"] = flow.get("_runCount", 0) + 1
        flow["_lastRunStart"] = now
        flow["lastRunDetails"] = {"id": record["id"], "state": "pending", "startedAtUTC": stamp}
        if duration <= 0:
            self._progress(org, sandbox, kinds, record, now)
        return record

    def _progress(self, org: str, sandbox: str, kinds, run: Dict[str, Any], now: float) -> bool:
        status = run["metrics"]["statusSummary"]["status"]
        if now >= run["_doneAt"]:
            self._finish(org, sandbox, kinds, run, now)
            return True
        if now >= run["_progressAt"] and status == "pending":
            run["metrics"]["statusSummary"]["status"] = "inProgress"
            run["etag"] = new_etag()
            run["updatedAt"] = max(int(now * 1000), run["updatedAt"] + 1)
            flow = kinds["flows"].get(run["flowId"])
            if flow is not None and flow.get("lastRunDetails", {}).get("id") == run["id"]:
                flow["lastRunDetails"]["state"] = "inProgress"
            return True
        return False

    def _finish(self, org: str, sandbox: str, kinds, run: Dict[str, Any], now: float) -> None:
        outcome = run["_outcome"]
        started = run["metrics"]["durationSummary"]["startedAtUTC"]
        completed = max(int(now * 1000), started)
        middle = started + (completed - started) // 2
        records_in, failed = outcome["records"], outcome["failed"]
        records_out = records_in - failed
        bytes_in = outcome["bytes"]
        bytes_out = int(bytes_in * 0.6 * (records_out / records_in)) if records_in else 0
        files_in = outcome["files"]
        files_out = (max(1, math.ceil(files_in / 5)) if records_out else 0)
        status = outcome["status"]
        promotion_id, copy_id = str(uuid.uuid1()), str(uuid.uuid1())
        status_summary: Dict[str, Any] = {"status": status}
        if outcome["errors"]:
            status_summary["errors"] = copy.deepcopy(outcome["errors"])
        run["metrics"] = {
            "durationSummary": {"startedAtUTC": started, "completedAtUTC": completed},
            "sizeSummary": {"inputBytes": bytes_in, "outputBytes": bytes_out},
            "recordSummary": {"inputRecordCount": records_in, "outputRecordCount": records_out,
                              "failedRecordCount": failed},
            "fileSummary": {"inputFileCount": files_in, "outputFileCount": files_out,
                            "activityRefs": [promotion_id]},
            "statusSummary": status_summary,
        }
        copy_status = "failed" if outcome["fileErrors"] else "success"
        batch = outcome.get("batchId")
        run["activities"] = [
            {"id": copy_id, "name": "Copy Activity", "updatedAtUTC": completed,
             "durationSummary": {"startedAtUTC": started, "completedAtUTC": middle},
             "sizeSummary": {"inputBytes": bytes_in, "outputBytes": bytes_in},
             "recordSummary": {"inputRecordCount": records_in, "outputRecordCount": records_in},
             "fileSummary": {"inputFileCount": files_in, "outputFileCount": files_in},
             "statusSummary": dict({"status": copy_status},
                                   **({"errors": copy.deepcopy(outcome["fileErrors"])} if outcome["fileErrors"] else {})),
             "sourceInfo": [{"id": run["_sourceId"], "type": "SourceConnection",
                             "reference": {"type": "AdfRunId", "ids": [str(uuid.uuid4())]}}]},
            {"id": promotion_id, "name": "Promotion Activity", "updatedAtUTC": completed,
             "durationSummary": {"startedAtUTC": middle, "completedAtUTC": completed},
             "sizeSummary": {"inputBytes": bytes_in, "outputBytes": bytes_out},
             "recordSummary": {"inputRecordCount": records_in, "outputRecordCount": records_out,
                               "failedRecordCount": failed},
             "fileSummary": dict({"inputFileCount": files_in, "outputFileCount": files_out},
                                 **({"extensions": {"manifest": {
                                     "fileInfo": "/data/foundation/export/batches/%s/meta?path=input_files" % batch}}}
                                    if batch else {})),
             "statusSummary": dict(status_summary),
             "targetInfo": [{"id": run["_targetId"], "type": "TargetConnection",
                             "reference": {"type": "Batch", "ids": [batch] if batch else []}}]},
        ]
        run["etag"] = new_etag()
        run["updatedAt"] = max(completed, run["updatedAt"] + 1)
        flow = kinds["flows"].get(run["flowId"])
        if flow is not None and flow.get("lastRunDetails", {}).get("id") == run["id"]:
            flow["lastRunDetails"] = {"id": run["id"], "state": status, "startedAtUTC": started,
                                      "completedAtUTC": completed}
        if batch and outcome.get("dataSetId"):
            self.catalog.note_batch(org, sandbox, outcome["dataSetId"], batch, status)

    # -- ingestion -----------------------------------------------------------------

    @staticmethod
    def _force(outcome: Dict[str, Any], forced: Dict[str, Any]) -> Dict[str, Any]:
        outcome = dict(outcome)
        status = forced.get("status", outcome["status"])
        outcome["status"] = status
        if "failedRecordCount" in forced:
            outcome["failed"] = min(int(forced["failedRecordCount"]), outcome["records"])
        elif status == "failed":
            outcome["failed"] = outcome["records"]
        if forced.get("errors") is not None:
            outcome["errors"] = copy.deepcopy(forced["errors"])
        elif status == "failed" and not outcome["errors"]:
            outcome["errors"] = [_error("CONNECTOR-2001-500", "Forced failure (emulator control endpoint).")]
        elif status == "success" and "failedRecordCount" not in forced:
            outcome["errors"] = []
            outcome["failed"] = 0
        return outcome

    def _ingest(self, org: str, sandbox: str, kinds, flow: Dict[str, Any], now: float) -> Dict[str, Any]:
        outcome: Dict[str, Any] = {"status": "success", "files": 0, "bytes": 0, "records": 0, "failed": 0,
                                   "errors": [], "fileErrors": [], "paths": [], "batchId": None, "dataSetId": None}
        source = kinds["sourceConnections"].get(flow["sourceConnectionIds"][0])
        target = kinds["targetConnections"].get(flow["targetConnectionIds"][0])
        if source is None or target is None:
            outcome["status"] = "failed"
            outcome["errors"].append(_error("CONNECTOR-2001-500", "The flow's source or target connection is gone."))
            return outcome
        dataset_id = target["params"]["dataSetId"]
        outcome["dataSetId"] = dataset_id
        sources: List[str] = []
        for transformation in flow["transformations"]:
            params = transformation["params"]
            versions = self.dataprep.find(org, sandbox, params["mappingId"])
            version = int(params["mappingVersion"])
            if versions is None or version >= len(versions):
                outcome["status"] = "failed"
                outcome["errors"].append(_error("MAPPER-3700-400", "Mapping %s version %s no longer exists."
                                                % (params["mappingId"], version)))
                return outcome
            sources += [m["source"] for m in versions[version]["mappings"] if m["sourceType"] == "text/x.schema-path"]
        base = self.store.find(org, sandbox, source["baseConnectionId"])
        bucket = ((base or {}).get("auth", {}).get("params") or {}).get("bucketName") or None
        recursive = str(source["params"].get("recursive", False)).lower() == "true"
        matched = self.buckets.match_files(source["params"]["path"], recursive, bucket)
        first = flow.get("_runCount", 0) == 0
        backfill = flow["scheduleParams"].get("backfill", "true") == "true"
        if first and backfill:
            since = None
        elif first:
            since = float(flow["scheduleParams"]["startTime"])
        else:
            since = flow.get("_lastRunStart")
        selected = []
        for explore_path, absolute in matched:
            try:
                mtime = os.path.getmtime(absolute)
            except OSError:
                continue
            if since is None or mtime > since:
                selected.append((explore_path, absolute))
        data = source["data"]
        properties = data.get("properties") or {}
        fmt = data["format"].lower()
        delimiter = properties.get("columnDelimiter") or data.get("columnDelimiter") or ","
        encoding = (properties.get("encoding") or "UTF-8").lower()
        compression = (properties.get("compressionType") or "").lower() or None
        missing_by_column: Dict[str, int] = {}
        for explore_path, absolute in selected:
            outcome["files"] += 1
            outcome["paths"].append(explore_path)
            try:
                outcome["bytes"] += os.path.getsize(absolute)
            except OSError:
                pass
            try:
                if compression not in (None, "gzip"):
                    raise BucketError("read", "compressionType %s is not supported by the emulator" % compression)
                if fmt == "delimited":
                    header, rows = read_delimited(absolute, delimiter, encoding, compression)
                    missing = [s for s in sources if s not in header]
                    outcome["records"] += len(rows)
                    if missing:
                        outcome["failed"] += len(rows)
                        for column in missing:
                            missing_by_column[column] = missing_by_column.get(column, 0) + len(rows)
                elif fmt == "json":
                    records = read_json_records(absolute, compression)
                    outcome["records"] += len(records)
                    for record in records:
                        absent = [s for s in sources if _lookup(record, s) is None]
                        if absent:
                            outcome["failed"] += 1
                            for column in absent:
                                missing_by_column[column] = missing_by_column.get(column, 0) + 1
                else:
                    raise BucketError("read", "the emulator cannot read %s files" % fmt)
            except BucketError as exc:
                outcome["fileErrors"].append(_error("CONNECTOR-2001-500", "Error occurred at copy activity: "
                                                    "cannot read %s: %s" % (explore_path, exc.message)))
        if outcome["files"]:
            outcome["batchId"] = batch_id(now)
        if self.catalog.find(org, sandbox, dataset_id) is None:
            outcome["status"] = "failed"
            outcome["errors"].append(_error("CONNECTOR-2001-500", "Error occurred at promotion activity: "
                                            "dataset %s was not found." % dataset_id))
        if outcome["fileErrors"]:
            outcome["status"] = "failed"
            outcome["errors"] += copy.deepcopy(outcome["fileErrors"])
        if outcome["failed"]:
            for column, count in sorted(missing_by_column.items()):
                outcome["errors"].append(_error("MAPPER-3700-400", "Mapper Transform Error: source attribute '%s' "
                                                "is missing" % column, recordCount=count))
            ok = outcome["records"] - outcome["failed"]
            outcome["errors"].append(_error("INGEST-1212-400", "Encountered %d errors in the data. Successfully "
                                            "ingested %d rows." % (outcome["failed"], ok)))
            if not ok:
                outcome["status"] = "failed"
        return outcome
