"""Flow Service pipeline objects: source and target connections, flow specs, flows."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from emulator_support import DATAPREP, FLOW, LANDING, Api, assert_flow_error

from aep_emulator import AZURE_BLOB_SPEC_ID, S3_SPEC_ID, Emulator

FLOW_SPEC = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FULL = "application/vnd.adobe.xed-full+json;version=1"


@pytest.fixture(scope="module")
def emu():
    with Emulator(page_size=3, run_seconds=0) as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    emu.reset()
    client = Api(emu)
    yield client
    client.close()


class Setup:
    """A base connection, schema, dataset and mapping set, with helpers to make the rest."""

    def __init__(self, api):
        self.api = api
        self.base = api.s3_connection(bucketName=LANDING)
        self.schema = api.schema_by_title("Loyalty Members")["$id"]
        self.dataset = api.dataset("members", self.schema)
        self.mapping = self.mapping_set(("id", "_id"), ("email", "personalEmail.address"))

    def mapping_set(self, *pairs, schema=None):
        resp = self.api.post(DATAPREP + "/mappingSets", json={
            "outputSchema": {"schemaRef": {"id": schema or self.schema, "contentType": FULL}},
            "mappings": [{"sourceType": "ATTRIBUTE", "source": s, "destination": d} for s, d in pairs]})
        assert resp.status_code == 200, resp.text
        return resp.json()["id"]

    def source_body(self, **changes):
        body = {"name": "src", "description": "members files", "baseConnectionId": self.base,
                "data": {"format": "delimited", "properties": {"columnDelimiter": ",", "encoding": "UTF-8"}},
                "params": {"path": "/%s/in/loyalty/" % LANDING, "type": "folder", "recursive": "false"},
                "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"}}
        body.update(changes)
        return body

    def target_body(self, **changes):
        body = {"name": "tgt", "data": {"format": "parquet_xdm", "schema": {"id": self.schema, "version": FULL}},
                "params": {"dataSetId": self.dataset}, "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"}}
        body.update(changes)
        return body

    def create(self, kind, body):
        resp = self.api.post(FLOW + "/" + kind, json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def flow_body(self, source=None, target=None, **changes):
        source = source or self.create("sourceConnections", self.source_body())["id"]
        target = target or self.create("targetConnections", self.target_body())["id"]
        body = {"name": "flow", "description": "d", "flowSpec": {"id": FLOW_SPEC, "version": "1.0"},
                "sourceConnectionIds": [source], "targetConnectionIds": [target],
                "transformations": [{"name": "Mapping", "params": {"mappingId": self.mapping, "mappingVersion": 0}}],
                "scheduleParams": {"startTime": str(int(time.time()) + 3600), "frequency": "minute",
                                   "interval": "15"}}
        body.update(changes)
        return body

    def item(self, kind, record_id):
        resp = self.api.get("%s/%s/%s" % (FLOW, kind, record_id))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert list(body) == ["items"] and len(body["items"]) == 1
        return body["items"][0]

    def patch(self, kind, record_id, ops, etag):
        headers = {"If-Match": etag} if etag else {}
        return self.api.request("PATCH", "%s/%s/%s" % (FLOW, kind, record_id), json=ops, headers=headers)


@pytest.fixture
def setup(api):
    return Setup(api)


# -- source connections ------------------------------------------------------------------


def test_source_connection_create_and_read(setup, api):
    resp = api.post(FLOW + "/sourceConnections", json=setup.source_body())
    assert resp.status_code == 201 and set(resp.json()) == {"id", "etag"}
    assert "Location" not in resp.headers
    item = setup.item("sourceConnections", resp.json()["id"])
    assert item["name"] == "src" and item["description"] == "members files"
    assert item["baseConnectionId"] == setup.base and item["state"] == "enabled"
    assert item["etag"] == item["version"] == resp.json()["etag"]
    assert item["data"] == {"format": "delimited", "schema": None,
                            "properties": {"columnDelimiter": ",", "encoding": "UTF-8"}}
    assert item["params"] == {"path": "/%s/in/loyalty/" % LANDING, "type": "folder", "recursive": "false"}
    assert item["connectionSpec"] == {"id": S3_SPEC_ID, "version": "1.0"}
    assert item["inheritedAttributes"]["baseConnection"] == {"id": setup.base,
                                                             "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"}}
    assert item["lastOperation"]["operation"] == "create"
    assert isinstance(item["createdAt"], int) and item["sandboxName"] == "prod"
    # Variants: format in any case, legacy columnDelimiter under data, boolean recursive, no type.
    for data, params in (({"format": "JSON"}, {"path": "/%s/in/events/events.json" % LANDING}),
                         ({"format": "delimited", "columnDelimiter": "\t"},
                          {"path": "/%s/in/partners/*.tsv" % LANDING, "recursive": True}),
                         ({"format": "parquet_xdm", "schema": {"id": setup.schema, "version": FULL}},
                          {"path": "/%s/in/raw/" % LANDING}),
                         ({"format": "delimited", "properties": {"compressionType": "gzip", "encoding": "iso-8859-1"}},
                          {"path": "/%s/in/" % LANDING, "recursive": "TRUE"})):
        assert api.post(FLOW + "/sourceConnections", json=setup.source_body(data=data, params=params)).status_code == 201


def test_source_connection_errors(setup, api):
    def post(**changes):
        return api.post(FLOW + "/sourceConnections", json=setup.source_body(**changes))

    assert_flow_error(post(name=""), "1400-400")
    assert_flow_error(post(baseConnectionId=None), "1400-400")
    body = assert_flow_error(post(baseConnectionId="00000000-0000-0000-0000-000000000000"), "1400-400")
    assert "base connection" in body["errorMessage"]
    assert_flow_error(post(data={"format": "xml"}), "1327-400")
    assert_flow_error(post(data=None), "1400-400")
    assert_flow_error(post(data={"format": "delimited", "properties": {"columnDelimiter": "||"}}), "1331-400")
    assert_flow_error(post(data={"format": "delimited", "columnDelimiter": ""}), "1331-400")
    assert_flow_error(post(data={"format": "delimited", "properties": {"encoding": "UTF-16"}}), "1400-400")
    assert_flow_error(post(data={"format": "delimited", "properties": {"compressionType": "rar"}}), "1400-400")
    assert_flow_error(post(params={"type": "file"}), "1400-400")
    assert_flow_error(post(params={"path": "/x", "recursive": "yes"}), "1400-400")
    assert_flow_error(post(params={"path": "/x", "type": "bucket"}), "1400-400")
    assert_flow_error(post(connectionSpec={"id": "nope"}), "1413-400")
    assert_flow_error(post(connectionSpec={"id": AZURE_BLOB_SPEC_ID}), "1400-400")  # not the base's spec
    assert_flow_error(post(state="enabled"), "1400-400")
    assert_flow_error(api.post(FLOW + "/sourceConnections", data=b"", headers={"Content-Type": "application/json"}),
                      "1405-400")
    assert_flow_error(api.post(FLOW + "/sourceConnections", data=b"{", headers={"Content-Type": "application/json"}),
                      "1400-400")
    assert_flow_error(api.post(FLOW + "/sourceConnections", data=b"{}", headers={"Content-Type": "text/plain"}),
                      "1400-415")


def test_source_and_target_patch(setup, api):
    created = setup.create("sourceConnections", setup.source_body())
    sid, etag = created["id"], created["etag"]
    assert_flow_error(setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/name", "value": "x"}], None),
                      "1403-400")
    assert_flow_error(setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/name", "value": "x"}],
                                  '"stale"'), "1404-412")
    assert_flow_error(setup.patch("sourceConnections", sid, [], etag), "1405-400")
    # One object (not an array) is accepted; ops in any case.
    resp = setup.patch("sourceConnections", sid, {"op": "REPLACE", "path": "/name", "value": "renamed"}, etag)
    assert resp.status_code == 200 and set(resp.json()) == {"id", "etag"} and resp.json()["etag"] != etag
    etag = resp.json()["etag"]
    resp = setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/params/path",
                                                   "value": "/%s/in/archive/" % LANDING},
                                                  {"op": "add", "path": "/params/recursive", "value": True},
                                                  {"op": "remove", "path": "/description"}], etag)
    assert resp.status_code == 200, resp.text
    item = setup.item("sourceConnections", sid)
    assert item["name"] == "renamed" and item["params"]["path"].endswith("/in/archive/")
    assert item["params"]["recursive"] is True and item["description"] == ""
    assert item["etag"] == resp.json()["etag"] and item["lastOperation"]["operation"] == "update"
    etag = item["etag"]
    assert_flow_error(setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/connectionSpec/id",
                                                              "value": "x"}], etag), "1414-400")
    assert_flow_error(setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/baseConnectionId",
                                                              "value": "x"}], etag), "1434-400")
    assert_flow_error(setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/data/format",
                                                              "value": "xml"}], etag), "1327-400")
    assert_flow_error(setup.patch("sourceConnections", sid, [{"op": "replace", "path": "/params/nothing",
                                                              "value": 1}], etag), "1455-400")
    assert_flow_error(setup.patch("sourceConnections", "00000000-0000-0000-0000-000000000000",
                                  [{"op": "replace", "path": "/name", "value": "x"}], etag), "1101-404")
    assert setup.item("sourceConnections", sid)["etag"] == etag  # failed patches change nothing

    target = setup.create("targetConnections", setup.target_body())
    resp = setup.patch("targetConnections", target["id"], [{"op": "replace", "path": "/name", "value": "t2"}],
                       target["etag"])
    assert resp.status_code == 200
    assert_flow_error(setup.patch("targetConnections", target["id"],
                                  [{"op": "replace", "path": "/params/dataSetId", "value": "0" * 24}],
                                  resp.json()["etag"]), "1400-400")


def test_target_connection(setup, api):
    created = setup.create("targetConnections", setup.target_body())
    item = setup.item("targetConnections", created["id"])
    assert item["params"] == {"dataSetId": setup.dataset}
    assert item["data"] == {"format": "parquet_xdm", "schema": {"id": setup.schema, "version": FULL},
                            "properties": None}
    assert item["connectionSpec"] == {"id": LAKE_SPEC, "version": "1.0"} and item["state"] == "enabled"
    # data may be absent or carry any of the documented formats.
    for data in (None, {"format": "delimited"}, {"format": "JSON"}, {"schema": {"id": setup.schema}}):
        body = setup.target_body(data=data)
        if data is None:
            del body["data"]
        assert api.post(FLOW + "/targetConnections", json=body).status_code == 201

    def post(**changes):
        return api.post(FLOW + "/targetConnections", json=setup.target_body(**changes))

    assert_flow_error(post(connectionSpec={"id": S3_SPEC_ID, "version": "1.0"}), "1307-400")
    assert_flow_error(post(params={}), "1325-400")
    assert_flow_error(post(params=None), "1325-400")
    assert_flow_error(post(params={"dataSetId": "0" * 24}), "1400-400")
    assert_flow_error(post(data={"format": "avro"}), "1400-400")
    alt = api.schema_by_title("Loyalty Members")["meta:altId"]
    assert_flow_error(post(data={"format": "parquet_xdm", "schema": {"id": alt}}), "1400-400")


def test_lists_filters_and_paging(setup, api):
    ids = [setup.create("sourceConnections", setup.source_body(name="s%d" % i))["id"] for i in range(7)]
    other_base = api.s3_connection(name="other")
    other = setup.create("sourceConnections", setup.source_body(name="odd", baseConnectionId=other_base))["id"]
    resp = api.get(FLOW + "/sourceConnections")
    body = resp.json()
    assert [i["id"] for i in body["items"]] == ids[:3]  # page size 3
    href = body["_links"]["next"]["href"]
    assert href.startswith("/sourceConnections?") and parse_qs(urlsplit(href).query)["continuationToken"]
    seen, pages = [], 0
    while True:
        seen += [i["id"] for i in body["items"]]
        pages += 1
        if not body["_links"]:
            break
        body = api.get(FLOW + body["_links"]["next"]["href"]).json()
    assert seen == ids + [other] and pages == 3
    assert [i["id"] for i in api.get(FLOW + "/sourceConnections",
                                     params={"property": "baseConnectionId==" + other_base}).json()["items"]] == [other]
    assert [i["name"] for i in api.get(FLOW + "/sourceConnections",
                                       params={"property": ["name==s1,s2", "connectionSpec.id==" + S3_SPEC_ID]}
                                       ).json()["items"]] == ["s1", "s2"]
    assert api.get(FLOW + "/sourceConnections", params={"count": "true"}).json() == {"count": 8}
    assert [i["name"] for i in api.get(FLOW + "/sourceConnections", params={"orderby": "-name", "limit": "2"}
                                       ).json()["items"]] == ["s6", "s5"]
    assert api.get(FLOW + "/targetConnections").json() == {"items": [], "_links": {}}


def test_flow_specs(api):
    for prop in ("name==CloudStorageToAEP", 'name=="CloudStorageToAEP"', "id==" + FLOW_SPEC):
        items = api.get(FLOW + "/flowSpecs", params={"property": prop}).json()["items"]
        assert [i["id"] for i in items] == [FLOW_SPEC], prop
    spec = api.get(FLOW + "/flowSpecs/" + FLOW_SPEC).json()["items"][0]
    assert spec["name"] == "CloudStorageToAEP" and spec["version"] == "1.0"
    assert S3_SPEC_ID in spec["sourceConnectionSpecIds"] and spec["targetConnectionSpecIds"] == [LAKE_SPEC]
    schedule = spec["scheduleSpec"]
    assert schedule["name"] == "PeriodicSchedule" and schedule["spec"]["required"] == ["startTime", "frequency"]
    assert spec["transformationSpecs"][0]["name"] == "Mapping"
    assert api.get(FLOW + "/flowSpecs", params={"property": "name==Other"}).json()["items"] == []
    assert_flow_error(api.get(FLOW + "/flowSpecs/nope"), "1101-404")


# -- flows -------------------------------------------------------------------------------


def test_flow_create_and_read(setup, api):
    body = setup.flow_body()
    resp = api.post(FLOW + "/flows", json=body)
    assert resp.status_code == 201, resp.text
    flow_id = resp.json()["id"]
    assert resp.headers["Location"] == FLOW + "/flows/" + flow_id
    item = setup.item("flows", flow_id)
    assert item["name"] == "flow" and item["description"] == "d" and item["state"] == "enabled"
    assert item["etag"] == item["version"] == resp.json()["etag"]
    assert item["flowSpec"] == {"id": FLOW_SPEC, "version": "1.0"}
    assert item["sourceConnectionIds"] == body["sourceConnectionIds"]
    assert item["scheduleParams"] == {"startTime": body["scheduleParams"]["startTime"], "frequency": "minute",
                                      "interval": "15"}
    assert item["transformations"] == [{"name": "Mapping", "params": {"mappingId": setup.mapping,
                                                                      "mappingVersion": "0"}}]
    assert item["runs"] == "/runs?property=flowId==" + flow_id
    inherited = item["inheritedAttributes"]
    assert inherited["sourceConnections"][0]["baseConnection"]["id"] == setup.base
    assert inherited["sourceConnections"][0]["connectionSpec"]["id"] == S3_SPEC_ID
    assert inherited["targetConnections"][0] == {"id": body["targetConnectionIds"][0],
                                                 "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"}}
    assert item["lastOperation"]["operation"] == "create" and "lastRunDetails" not in item
    # Integers are accepted and echoed as strings; backfill as a string.
    body = setup.flow_body(scheduleParams={"startTime": int(time.time()) + 60, "frequency": "hour", "interval": 2,
                                           "backfill": False})
    flow = setup.item("flows", setup.create("flows", body)["id"])
    assert flow["scheduleParams"] == {"startTime": str(body["scheduleParams"]["startTime"]), "frequency": "hour",
                                      "interval": "2", "backfill": "false"}

    # Filters on flows
    def ids(*props):
        return [i["id"] for i in api.get(FLOW + "/flows", params={"property": list(props)}).json()["items"]]
    assert ids("sourceConnectionIds[]==" + body["sourceConnectionIds"][0]) == [flow["id"]]
    assert ids("flowSpec.id==" + FLOW_SPEC, "name==flow") == [flow_id, flow["id"]]
    assert ids("inheritedAttributes.targetConnections[].connectionSpec.id==" + LAKE_SPEC) == [flow_id, flow["id"]]
    assert ids("inheritedAttributes.properties.isSourceFlow==true", "state==enabled") == [flow_id, flow["id"]]
    assert ids("targetConnectionIds[]==nope") == []


def test_flow_create_errors(setup, api):
    source = setup.create("sourceConnections", setup.source_body())["id"]
    target = setup.create("targetConnections", setup.target_body())["id"]

    def post(**changes):
        return api.post(FLOW + "/flows", json=setup.flow_body(source, target, **changes))

    now = int(time.time())
    assert_flow_error(post(state="enabled"), "1410-400")
    assert_flow_error(post(sourceConnectionIds=[]), "1320-400")
    assert_flow_error(post(sourceConnectionIds=[source, source]), "1320-400")
    assert_flow_error(post(targetConnectionIds=[target, target]), "1321-400")
    assert_flow_error(post(targetConnectionIds=None), "1321-400")
    assert_flow_error(post(flowSpec={"id": "nope"}), "1413-400")
    assert_flow_error(post(name=""), "1400-400")
    assert_flow_error(post(sourceConnectionIds=["00000000-0000-0000-0000-000000000000"]), "1400-400")
    assert_flow_error(post(transformations=[]), "1370-400")
    assert_flow_error(post(transformations=[{"name": "Mapping", "params": {"mappingId": "f" * 32,
                                                                           "mappingVersion": 0}}]), "1419-400")
    for version in (1, "x", None):
        assert_flow_error(post(transformations=[{"name": "Mapping", "params": {"mappingId": setup.mapping,
                                                                               "mappingVersion": version}}]),
                          "1412-400")
    other = setup.mapping_set(("id", "_id"), schema=api.schema_by_title("Web Events")["$id"])
    body = assert_flow_error(post(transformations=[{"name": "Mapping", "params": {"mappingId": other,
                                                                                  "mappingVersion": "0"}}]), "1425-400")
    assert "Schema with same id" in body["errorMessage"]
    assert_flow_error(post(transformations=[{"name": "Copy", "params": {"deltaColumn": {"name": "x"}}}]), "1400-400")

    def schedule(**params):
        return post(scheduleParams=params)

    assert_flow_error(schedule(startTime=now - 3600, frequency="minute", interval=15), "1360-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="once", interval=15), "1361-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="minute", interval=14), "1362-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="day", interval="0"), "1362-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="hour"), "1362-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="once", backfill=True), "1364-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="fortnight", interval=1), "1400-400")
    assert_flow_error(schedule(frequency="once"), "1400-400")
    assert_flow_error(schedule(startTime="soon", frequency="once"), "1400-400")
    assert_flow_error(schedule(startTime=now + 60, frequency="hour", interval=1, backfill="maybe"), "1400-400")
    assert_flow_error(post(scheduleParams=None), "1400-400")
    # A JSON source needs no mapping; a start a few seconds in the past is within the grace.
    json_source = setup.create("sourceConnections", setup.source_body(data={"format": "json"}))["id"]
    resp = api.post(FLOW + "/flows", json=setup.flow_body(json_source, target, transformations=[],
                                                          scheduleParams={"startTime": now - 5, "frequency": "once"}))
    assert resp.status_code == 201, resp.text


def test_flow_patch(setup, api):
    created = setup.create("flows", setup.flow_body())
    fid, etag = created["id"], created["etag"]
    ops = [{"op": "replace", "path": "/scheduleParams/frequency", "value": "day"},
           {"op": "replace", "path": "/scheduleParams/interval", "value": 1},
           {"op": "replace", "path": "/name", "value": "daily"},
           {"op": "replace", "path": "/description", "value": "once a day"}]
    resp = setup.patch("flows", fid, ops, etag)
    assert resp.status_code == 200 and set(resp.json()) == {"id", "etag"} and resp.json()["etag"] != etag
    item = setup.item("flows", fid)
    assert item["name"] == "daily" and item["scheduleParams"]["frequency"] == "day"
    assert item["scheduleParams"]["interval"] == "1"
    assert item["lastOperation"]["operation"] == "update" and item["lastOperation"]["ops"] == ops
    etag = item["etag"]
    # A new mapping version via /transformations/0.
    url = DATAPREP + "/mappingSets/" + setup.mapping
    api.request("PUT", url, json=api.get(url).json())
    resp = setup.patch("flows", fid, [{"op": "replace", "path": "/transformations/0", "value": {
        "name": "Mapping", "params": {"mappingId": setup.mapping, "mappingVersion": 1}}}], etag)
    assert resp.status_code == 200, resp.text
    etag = resp.json()["etag"]
    assert setup.item("flows", fid)["transformations"][0]["params"]["mappingVersion"] == "1"
    assert_flow_error(setup.patch("flows", fid, [{"op": "replace", "path": "/transformations/0", "value": {
        "name": "Mapping", "params": {"mappingId": setup.mapping, "mappingVersion": 5}}}], etag), "1412-400")
    # Whole scheduleParams; startTime may still move before it has passed.
    later = int(time.time()) + 7200
    resp = setup.patch("flows", fid, [{"op": "replace", "path": "/scheduleParams",
                                       "value": {"startTime": later, "frequency": "once"}}], etag)
    assert resp.status_code == 200, resp.text
    etag = resp.json()["etag"]
    assert setup.item("flows", fid)["scheduleParams"] == {"startTime": str(later), "frequency": "once"}
    assert_flow_error(setup.patch("flows", fid, [{"op": "replace", "path": "/scheduleParams/startTime",
                                                  "value": int(time.time()) - 7200}], etag), "1360-400")
    assert_flow_error(setup.patch("flows", fid, [{"op": "replace", "path": "/state", "value": "disabled"}], etag),
                      "1365-400")
    assert_flow_error(setup.patch("flows", fid, [{"op": "replace", "path": "/sourceConnectionIds/0",
                                                  "value": "x"}], etag), "1365-400")
    assert_flow_error(setup.patch("flows", fid, [{"op": "move", "path": "/name", "from": "/description"}], etag),
                      "1434-400")
    assert_flow_error(setup.patch("flows", fid, [{"op": "replace", "path": "/name", "value": "x"}], None),
                      "1403-400")
    assert_flow_error(setup.patch("flows", fid, [{"op": "replace", "path": "/name", "value": "x"}], created["etag"]),
                      "1404-412")


def test_flow_patch_after_start(setup, api):
    body = setup.flow_body(scheduleParams={"startTime": int(time.time()) - 1, "frequency": "minute",
                                           "interval": 15, "backfill": True})
    created = setup.create("flows", body)
    fid, etag = created["id"], created["etag"]
    start = body["scheduleParams"]["startTime"]
    for op, code in (({"op": "replace", "path": "/scheduleParams/startTime", "value": start + 3600}, "1366-400"),
                     ({"op": "replace", "path": "/scheduleParams", "value": {"startTime": start, "frequency": "once"}},
                      "1403-400"),
                     ({"op": "replace", "path": "/scheduleParams/backfill", "value": "false"}, "1404-400"),
                     ({"op": "remove", "path": "/scheduleParams/interval"}, "1362-400")):
        body = assert_flow_error(setup.patch("flows", fid, [op], etag), code)
        assert "412" not in body["type"]
    # The same startTime (as a string or an int) and other fields are fine after the start.
    resp = setup.patch("flows", fid, [{"op": "replace", "path": "/scheduleParams/startTime", "value": str(start)},
                                      {"op": "replace", "path": "/scheduleParams/interval", "value": "30"}], etag)
    assert resp.status_code == 200, resp.text
    assert setup.item("flows", fid)["scheduleParams"]["interval"] == "30"


def test_enable_disable(setup, api):
    created = setup.create("flows", setup.flow_body())
    fid = created["id"]
    url = "%s/flows/%s/action" % (FLOW, fid)
    # No body, no Content-Type, as the tutorials send it.
    resp = api.post(url, params={"op": "disable"})
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {"id", "etag"} and resp.json()["etag"] != created["etag"]
    item = setup.item("flows", fid)
    assert item["state"] == "disabled" and item["lastOperation"]["operation"] == "disable"
    again = api.post(url, params={"op": "DISABLE", "subOp": "apply"})
    assert again.status_code == 200 and again.json()["etag"] == resp.json()["etag"]  # idempotent
    resp = api.post(url, params={"op": "ENABLE"})
    assert resp.status_code == 200 and setup.item("flows", fid)["state"] == "enabled"
    assert api.post(url, params={"op": "enable"}).json()["etag"] == resp.json()["etag"]
    assert_flow_error(api.post(url, params={"op": "explode"}), "1400-400")
    assert_flow_error(api.post(url), "1400-400")
    assert_flow_error(api.post(url, params={"op": "publish"}), "1422-400")
    assert_flow_error(api.post(url, params={"op": "enable", "subOp": "later"}), "1400-400")
    assert_flow_error(api.post(url, params={"op": "enable"}, headers={"If-Match": '"old"'}), "1404-412")
    assert_flow_error(api.post("%s/flows/%s/action" % (FLOW, "0" * 8), params={"op": "enable"}), "1101-404")
    # A JSON body with the JSON content type is fine too.
    assert api.post(url, params={"op": "disable"}, json={}).status_code == 200


def test_delete_rules(setup, api, emu):
    body = setup.flow_body()
    flow = setup.create("flows", body)
    source, target = body["sourceConnectionIds"][0], body["targetConnectionIds"][0]
    for kind, record_id in (("sourceConnections", source), ("targetConnections", target)):
        err = assert_flow_error(api.request("DELETE", "%s/%s/%s" % (FLOW, kind, record_id)), "1447-400")
        assert flow["id"] in err["errorMessage"]
    err = assert_flow_error(api.request("DELETE", FLOW + "/connections/" + setup.base), "1418-400")
    assert "dataflow" in err["errorMessage"]
    resp = api.request("DELETE", FLOW + "/flows/" + flow["id"])
    assert resp.status_code == 204 and resp.content == b""
    assert_flow_error(api.get(FLOW + "/flows/" + flow["id"]), "1101-404")
    # No cascade: the connections are still there, and can go now.
    assert setup.item("sourceConnections", source)["id"] == source
    assert_flow_error(api.request("DELETE", "%s/sourceConnections/%s" % (FLOW, source),
                                  headers={"If-Match": '"stale"'}), "1404-412")
    for kind, record_id in (("sourceConnections", source), ("targetConnections", target)):
        assert api.request("DELETE", "%s/%s/%s" % (FLOW, kind, record_id)).status_code == 204
        assert_flow_error(api.request("DELETE", "%s/%s/%s" % (FLOW, kind, record_id)), "1101-404")
    # The in-use control flag keeps working on its own.
    emu.set_in_use(setup.base)
    assert_flow_error(api.request("DELETE", FLOW + "/connections/" + setup.base), "1418-400")
    emu.set_in_use(setup.base, False)
    assert api.request("DELETE", FLOW + "/connections/" + setup.base).status_code == 204


def test_pipeline_objects_are_per_sandbox(setup, api, emu):
    flow = setup.create("flows", setup.flow_body())
    dev = Api(emu, sandbox="dev")
    assert_flow_error(dev.get(FLOW + "/flows/" + flow["id"]), "1101-404")
    assert dev.get(FLOW + "/flows").json() == {"items": [], "_links": {}}
    dev.close()
    emu.inject(kind="status", status=500, path="/flows")
    assert_flow_error(api.get(FLOW + "/flows"), "1100-500")
    assert [f["id"] for f in emu.flows()] == [flow["id"]]
