"""Flow runs: generation, file selection, record outcomes, statuses over time, lists, controls."""

from __future__ import annotations

import json
import os
import re
import shutil
import time

import pytest
import requests
from emulator_support import CATALOG, DATAPREP, FLOW, LANDING, Api, assert_flow_error

from aep_emulator import S3_SPEC_ID, Emulator
from aep_emulator.buckets import DEFAULT_BUCKETS_DIR

FLOW_SPEC = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FULL = "application/vnd.adobe.xed-full+json;version=1"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@pytest.fixture(scope="module")
def emu():
    with Emulator(page_size=3, run_seconds=0.2) as emulator:
        yield emulator


@pytest.fixture
def bucket(tmp_path, emu):
    """A private copy of the sample bucket (tests touch files), the emulator pointed at it."""
    emu.reset()
    shutil.copytree(os.path.join(DEFAULT_BUCKETS_DIR, LANDING), str(tmp_path / LANDING))
    emu.set_buckets_dir(str(tmp_path))
    emu.set_run_settings(run_seconds=0.2)
    return tmp_path / LANDING


@pytest.fixture
def api(emu, bucket):
    client = Api(emu)
    yield client
    client.close()


def touch(path, offset=2.0):
    stamp = time.time() + offset
    os.utime(str(path), (stamp, stamp))


class Pipe:
    def __init__(self, api, emu, bucket=None):
        self.api = api
        self.emu = emu
        self.bucket = bucket
        self.base = api.s3_connection(bucketName=LANDING)
        self.schema = api.schema_by_title("Loyalty Members")["$id"]
        self.dataset = api.dataset("members", self.schema)
        self.target = self.post("targetConnections", {
            "name": "tgt", "data": {"format": "parquet_xdm", "schema": {"id": self.schema, "version": FULL}},
            "params": {"dataSetId": self.dataset}, "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"}})

    def post(self, kind, body):
        resp = self.api.post(FLOW + "/" + kind, json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    def mapping(self, *sources):
        destinations = {"id": "_id", "first_name": "person.name.firstName", "email": "personalEmail.address",
                        "points": "_acmeemu.loyalty.points", "member": "_acmeemu.loyalty.memberId"}
        resp = self.api.post(DATAPREP + "/mappingSets", json={
            "outputSchema": {"schemaRef": {"id": self.schema, "contentType": FULL}},
            "mappings": [{"sourceType": "ATTRIBUTE", "source": s, "destination": destinations[s]} for s in sources]})
        assert resp.status_code == 200, resp.text
        return resp.json()["id"]

    def flow(self, path, fmt="delimited", sources=("id", "email"), schedule=None, recursive=None, properties=None):
        params = {"path": path}
        if recursive is not None:
            params["recursive"] = recursive
        data = {"format": fmt}
        if properties:
            data["properties"] = properties
        source = self.post("sourceConnections", {"name": "src", "baseConnectionId": self.base, "data": data,
                                                 "params": params,
                                                 "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"}})
        mapping = self.mapping(*sources)
        return self.post("flows", {
            "name": "flow", "flowSpec": {"id": FLOW_SPEC, "version": "1.0"},
            "sourceConnectionIds": [source], "targetConnectionIds": [self.target],
            "transformations": [{"name": "Mapping", "params": {"mappingId": mapping, "mappingVersion": 0}}],
            "scheduleParams": schedule or {"startTime": int(time.time()), "frequency": "once"}})

    def runs(self, flow_id, **params):
        resp = self.api.get(FLOW + "/runs", params=dict({"property": "flowId==" + flow_id}, **params))
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]

    def done(self, flow_id, count=1):
        runs = self.emu.wait_for_runs(flow_id, count, timeout=10)
        return [r for r in runs if r["metrics"]["statusSummary"]["status"] in ("success", "failed")]

    def flow_item(self, flow_id):
        return self.api.get(FLOW + "/flows/" + flow_id).json()["items"][0]

    def loyalty_file(self, name):
        return self.bucket / "in" / "loyalty" / name


@pytest.fixture
def pipe(api, emu, bucket):
    return Pipe(api, emu, bucket)


def test_run_lifecycle_and_shape(pipe, api, emu):
    emu.set_run_settings(run_seconds=1.0)
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING)
    runs = pipe.runs(flow_id)
    assert len(runs) == 1  # created with the flow: startTime has come
    run = runs[0]
    assert run["metrics"]["statusSummary"]["status"] == "pending" and run["activities"] == []
    assert run["flowId"] == flow_id and run["etag"] and run["metrics"]["durationSummary"]["startedAtUTC"]
    assert pipe.flow_item(flow_id)["lastRunDetails"] == {"id": run["id"], "state": "pending",
                                                         "startedAtUTC": run["createdAt"]}
    seen = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = api.get(FLOW + "/runs/" + run["id"]).json()["items"][0]["metrics"]["statusSummary"]["status"]
        seen.add(status)
        if status == "success":
            break
        time.sleep(0.05)
    assert seen >= {"inProgress", "success"}
    got = api.get(FLOW + "/runs/" + run["id"])
    assert list(got.json()) == ["items"]
    run = got.json()["items"][0]
    metrics = run["metrics"]
    assert metrics["statusSummary"] == {"status": "success"}
    assert metrics["recordSummary"] == {"inputRecordCount": 27, "outputRecordCount": 27, "failedRecordCount": 0}
    assert metrics["fileSummary"]["inputFileCount"] == 2 and metrics["fileSummary"]["outputFileCount"] == 1
    sizes = os.path.getsize(str(pipe.loyalty_file("members-2026-11-01.csv"))) + os.path.getsize(
        str(pipe.loyalty_file("members-2026-11-02.csv")))
    assert metrics["sizeSummary"]["inputBytes"] == sizes and 0 < metrics["sizeSummary"]["outputBytes"] < sizes
    duration = metrics["durationSummary"]
    assert duration["completedAtUTC"] >= duration["startedAtUTC"] + 500
    copy_activity, promotion = run["activities"]
    assert copy_activity["name"] == "Copy Activity" and promotion["name"] == "Promotion Activity"
    assert metrics["fileSummary"]["activityRefs"] == [promotion["id"]]
    assert copy_activity["sourceInfo"][0]["type"] == "SourceConnection"
    target_info = promotion["targetInfo"][0]
    assert target_info["id"] == pipe.target and target_info["reference"]["type"] == "Batch"
    batch = target_info["reference"]["ids"][0]
    assert ULID.match(batch)
    details = pipe.flow_item(flow_id)["lastRunDetails"]
    assert details == {"id": run["id"], "state": "success", "startedAtUTC": duration["startedAtUTC"],
                       "completedAtUTC": duration["completedAtUTC"]}
    dataset = api.get(CATALOG + "/dataSets/" + pipe.dataset).json()[pipe.dataset]
    assert dataset["lastBatchId"] == batch and dataset["lastBatchStatus"] == "success"
    # frequency once: no second run, ever.
    time.sleep(0.3)
    assert len(pipe.runs(flow_id)) == 1


def test_backfill_then_only_modified_files(pipe, bucket):
    folder = bucket / "in" / "loyalty"
    flow_id = pipe.flow("/%s/in/loyalty/" % LANDING,
                        schedule={"startTime": int(time.time()), "frequency": "minute", "interval": 15})
    # The folder also holds a .csv.gz: without compressionType it cannot be read, so the run fails.
    first = pipe.done(flow_id)[0]
    assert first["metrics"]["fileSummary"]["inputFileCount"] == 3
    assert first["metrics"]["statusSummary"]["status"] == "failed"
    errors = first["metrics"]["statusSummary"]["errors"]
    assert any(e["code"] == "CONNECTOR-2001-500" and "members-2026-11-03.csv.gz" in e["message"] for e in errors)
    # Nothing changed since: an empty (successful) run.
    pipe.emu.trigger_run(flow_id)
    second = pipe.done(flow_id, 2)[-1]
    assert second["metrics"]["fileSummary"]["inputFileCount"] == 0
    assert second["metrics"]["recordSummary"]["inputRecordCount"] == 0
    assert second["metrics"]["statusSummary"]["status"] == "success"
    assert second["activities"][1]["targetInfo"][0]["reference"]["ids"] == []
    # One file modified: the next run takes just that one.
    touch(folder / "members-2026-11-02.csv")
    pipe.emu.trigger_run(flow_id)
    third = pipe.done(flow_id, 3)[-1]
    assert third["metrics"]["fileSummary"]["inputFileCount"] == 1
    assert third["metrics"]["recordSummary"]["inputRecordCount"] == 12


def test_gzip_wildcard_recursive_and_no_backfill(pipe, bucket):
    flow_id = pipe.flow("/%s/in/loyalty/*.gz" % LANDING, properties={"compressionType": "gzip"})
    run = pipe.done(flow_id)[0]
    assert run["metrics"]["recordSummary"]["inputRecordCount"] == 10
    assert run["metrics"]["statusSummary"]["status"] == "success"
    recursive = pipe.flow("/%s/in/archive/" % LANDING, recursive="true")
    assert pipe.done(recursive)[0]["metrics"]["fileSummary"]["inputFileCount"] == 2
    flat = pipe.flow("/%s/in/archive/" % LANDING)  # not recursive: no files directly in archive/
    assert pipe.done(flat)[0]["metrics"]["fileSummary"]["inputFileCount"] == 0
    deep = pipe.flow("/%s/in/archive/*/q4/*.csv" % LANDING)
    assert pipe.done(deep)[0]["metrics"]["recordSummary"]["inputRecordCount"] == 6
    # backfill false: the first run only takes files modified since startTime.
    start = int(time.time()) + 1
    touch(bucket / "in" / "loyalty" / "members-2026-11-01.csv", offset=5)
    no_backfill = pipe.flow("/%s/in/loyalty/*.csv" % LANDING,
                            schedule={"startTime": start, "frequency": "minute", "interval": 15, "backfill": False})
    pipe.emu.trigger_run(no_backfill)
    run = pipe.done(no_backfill)[0]
    assert run["metrics"]["fileSummary"]["inputFileCount"] == 1
    assert run["metrics"]["recordSummary"]["inputRecordCount"] == 15


def test_failed_records(pipe, bucket):
    shutil.copy(str(bucket / "in" / "broken" / "members-missing-email.csv"), str(bucket / "in" / "loyalty"))
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING)
    run = pipe.done(flow_id)[0]
    metrics = run["metrics"]
    # 15 + 12 good rows, 5 rows of the file without the email column fail: partial success.
    assert metrics["recordSummary"] == {"inputRecordCount": 32, "outputRecordCount": 27, "failedRecordCount": 5}
    assert metrics["statusSummary"]["status"] == "success"
    codes = {e["code"]: e for e in metrics["statusSummary"]["errors"]}
    assert codes["MAPPER-3700-400"]["recordCount"] == 5 and "email" in codes["MAPPER-3700-400"]["message"]
    assert "Successfully ingested 27 rows" in codes["INGEST-1212-400"]["message"]
    # Every record failing is a failed run.
    only_broken = pipe.flow("/%s/in/broken/" % LANDING)
    run = pipe.done(only_broken)[0]
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    assert run["metrics"]["recordSummary"]["failedRecordCount"] == 5
    assert pipe.flow_item(only_broken)["lastRunDetails"]["state"] == "failed"


def test_json_source(pipe):
    flow_id = pipe.flow("/%s/in/events/" % LANDING, fmt="json", sources=("id", "member"), recursive=True)
    run = pipe.done(flow_id)[0]
    assert run["metrics"]["recordSummary"] == {"inputRecordCount": 19, "outputRecordCount": 19,
                                               "failedRecordCount": 0}
    missing = pipe.flow("/%s/in/events/events.json" % LANDING, fmt="json", sources=("id", "points"))
    run = pipe.done(missing)[0]
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    parquet = pipe.flow("/%s/in/raw/" % LANDING, fmt="parquet", sources=("id",))
    run = pipe.done(parquet)[0]
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    assert "cannot read parquet" in run["metrics"]["statusSummary"]["errors"][0]["message"]


def test_dataset_deleted_fails_runs(pipe, api):
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING)
    pipe.done(flow_id)
    api.request("DELETE", CATALOG + "/dataSets/" + pipe.dataset)
    pipe.emu.trigger_run(flow_id)
    run = pipe.done(flow_id, 2)[-1]
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    assert "dataset" in run["metrics"]["statusSummary"]["errors"][0]["message"]


def test_forced_outcomes_and_trigger_endpoint(pipe, emu):
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING,
                        schedule={"startTime": int(time.time()) + 3600, "frequency": "hour", "interval": 1})
    assert pipe.runs(flow_id) == []  # the start is an hour away
    ctl = emu.url + "/_emulator/flows/%s/" % flow_id
    resp = requests.post(ctl + "next-run", json={"status": "failed",
                                                 "errors": [{"code": "CONNECTOR-9999-500", "message": "boom"}]},
                         timeout=5)
    assert resp.status_code == 200 and resp.json()["next_run"]["status"] == "failed"
    resp = requests.post(ctl + "trigger", timeout=5)
    assert resp.status_code == 200 and resp.json()["flowId"] == flow_id
    run = pipe.done(flow_id)[0]
    assert run["id"] == resp.json()["id"]
    assert run["metrics"]["statusSummary"] == {"status": "failed",
                                               "errors": [{"code": "CONNECTOR-9999-500", "message": "boom"}]}
    assert run["metrics"]["recordSummary"]["failedRecordCount"] == 27
    # Forced once only; a partial success can be forced too.
    emu.set_next_run(flow_id, status="success", failed_records=3)
    emu.trigger_run(flow_id)
    run = pipe.done(flow_id, 2)[-1]
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert run["metrics"]["recordSummary"]["failedRecordCount"] == 0  # no file changed: nothing to fail
    touch(pipe.loyalty_file("members-2026-11-01.csv"))
    emu.set_next_run(flow_id, status="failed")
    emu.trigger_run(flow_id)
    run = pipe.done(flow_id, 3)[-1]
    assert run["metrics"]["statusSummary"]["errors"][0]["code"] == "CONNECTOR-2001-500"
    for bad in ({"status": "meh"}, {"status": "failed", "errors": "x"}, {"failedRecordCount": -1}, {"x": 1}):
        assert requests.post(ctl + "next-run", json=bad, timeout=5).status_code == 400
    assert requests.post(emu.url + "/_emulator/flows/nope/trigger", timeout=5).status_code == 404


def test_schedule_with_time_scale_disable_enable(pipe, emu, api):
    emu.set_run_settings(run_seconds=0, time_scale=0.0005)  # 15 minutes -> 0.45 s
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING,
                        schedule={"startTime": int(time.time()), "frequency": "minute", "interval": 15})
    pipe.done(flow_id, 3)
    url = "%s/flows/%s/action" % (FLOW, flow_id)
    assert api.post(url, params={"op": "disable"}).status_code == 200
    count = len(pipe.runs(flow_id, limit="100"))
    time.sleep(1.2)
    assert len(pipe.runs(flow_id, limit="100")) == count  # no runs while disabled
    assert api.post(url, params={"op": "enable"}).status_code == 200
    pipe.done(flow_id, count + 1)


def test_future_start(pipe, emu):
    emu.set_run_settings(run_seconds=0)
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING,
                        schedule={"startTime": int(time.time()) + 2, "frequency": "once"})
    assert pipe.runs(flow_id) == []
    runs = pipe.done(flow_id)
    assert len(runs) == 1 and runs[0]["createdAt"] >= (int(time.time()) - 5) * 1000


def test_run_lists(pipe, emu, api):
    emu.set_run_settings(run_seconds=0)
    flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING,
                        schedule={"startTime": int(time.time()) + 3600, "frequency": "day", "interval": 1})
    other = pipe.flow("/%s/in/broken/" % LANDING)
    ids = []
    for index in range(5):
        if index == 2:
            emu.set_next_run(flow_id, status="failed")
        ids.append(emu.trigger_run(flow_id))
    assert [r["id"] for r in pipe.runs(flow_id, limit="10")] == ids
    assert [r["id"] for r in pipe.runs(flow_id, orderby="-createdAt", limit="10")] == ids[::-1]
    # Keyset paging with _links.next, the filter carried along.
    body = api.get(FLOW + "/runs", params={"property": "flowId==" + flow_id, "limit": "2"}).json()
    seen = []
    while True:
        seen += [r["id"] for r in body["items"]]
        if not body["_links"]:
            break
        assert body["_links"]["next"]["href"].startswith("/runs?")
        body = api.get(FLOW + body["_links"]["next"]["href"]).json()
    assert seen == ids
    # Status filters compare case-insensitively (docs show both Failed and failed).
    for status in ("failed", "Failed"):
        failed = pipe.runs(flow_id, property=["flowId==" + flow_id, "metrics.statusSummary.status==" + status])
        assert [r["id"] for r in failed] == [ids[2]]
    assert len(api.get(FLOW + "/runs", params={"limit": "100"}).json()["items"]) == 6
    assert api.get(FLOW + "/runs", params={"count": "true", "property": "flowId==" + other}).json() == {"count": 1}
    started = pipe.runs(flow_id, property=["flowId==" + flow_id, "metrics.durationSummary.startedAtUTC>0"],
                        limit="10")
    assert len(started) == 5
    assert_flow_error(api.get(FLOW + "/runs/00000000-0000-0000-0000-000000000000"), "1101-404")
    assert_flow_error(api.post(FLOW + "/runs", json={"flowId": flow_id}), "1100-405")
    assert_flow_error(api.request("DELETE", FLOW + "/runs/" + ids[0]), "1100-405")
    assert [r["id"] for r in emu.runs(flow_id)] == ids
    listed = requests.get(emu.url + "/_emulator/runs", params={"flowId": other}, timeout=5).json()["items"]
    assert len(listed) == 1


def test_run_settings_endpoint(emu):
    ctl = emu.url + "/_emulator/run-settings"
    resp = requests.post(ctl, json={"run_seconds": 0.1, "time_scale": 0.5}, timeout=5)
    assert resp.status_code == 200 and resp.json()["run_seconds"] == 0.1 and resp.json()["time_scale"] == 0.5
    assert requests.get(ctl, timeout=5).json() == resp.json()
    for bad in ({"run_seconds": -1}, {"time_scale": 0}, {"speed": 1}, {"run_seconds": "fast"}):
        assert requests.post(ctl, json=bad, timeout=5).status_code == 400
    emu.reset()
    assert emu.run_settings()["run_seconds"] == 0.2  # back to the constructor's value


def test_state_file_keeps_the_pipeline(tmp_path, bucket):
    state = tmp_path / "state.json"
    with Emulator(state_file=str(state), run_seconds=0, buckets_dir=str(bucket.parent)) as emu:
        api = Api(emu)
        pipe = Pipe(api, emu, bucket)
        flow_id = pipe.flow("/%s/in/loyalty/*.csv" % LANDING,
                            schedule={"startTime": int(time.time()), "frequency": "day", "interval": 1})
        first = pipe.done(flow_id)
        flow = pipe.flow_item(flow_id)
        api.close()
    data = json.loads(state.read_text())
    assert set(data["extras"]) >= {"pipeline", "dataprep", "catalog", "schemas"}
    with Emulator(state_file=str(state), run_seconds=0, buckets_dir=str(bucket.parent)) as emu:
        api = Api(emu)
        pipe = Pipe.__new__(Pipe)
        pipe.api, pipe.emu = api, emu
        assert pipe.flow_item(flow_id) == flow
        assert pipe.runs(flow_id) == first
        # Not due again for a day; a trigger still works, and finds nothing new.
        emu.trigger_run(flow_id)
        assert pipe.done(flow_id, 2)[-1]["metrics"]["fileSummary"]["inputFileCount"] == 0
        api.close()
