"""Catalog datasets: create, list/filter/page, get, patch, delete, errors, persistence."""

from __future__ import annotations

import json
import re

import pytest
import requests
from emulator_support import CATALOG, ORG, OTHER_ORG, Api, assert_catalog_error

from aep_emulator import DEFAULT_CLIENT_ID, Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator(page_size=5) as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    emu.reset()
    client = Api(emu)
    yield client
    client.close()


@pytest.fixture
def loyalty(api):
    return api.schema_by_title("Loyalty Members")["$id"]


def names(resp):
    assert resp.status_code == 200, resp.text
    return [item["name"] for item in resp.json().values()]


def test_create_and_get(api, loyalty, emu):
    body = {"name": "Loyalty members", "description": "from S3",
            "schemaRef": {"id": loyalty, "contentType": "application/vnd.adobe.xed-full-notext+json; version=1"},
            "tags": {"unifiedProfile": ["enabled:false"]}}
    resp = api.post(CATALOG + "/dataSets?requestDataSource=true", json=body)
    assert resp.status_code == 201, resp.text
    ref = resp.json()
    assert isinstance(ref, list) and len(ref) == 1
    match = re.match(r"^@/dataSets/([0-9a-f]{24})$", ref[0])
    assert match
    dataset_id = match.group(1)
    assert resp.headers["Location"] == CATALOG + "/dataSets/" + dataset_id
    got = api.get(CATALOG + "/dataSets/" + dataset_id)
    assert got.status_code == 200 and list(got.json()) == [dataset_id]
    item = got.json()[dataset_id]
    assert item["name"] == "Loyalty members" and item["description"] == "from S3"
    assert item["schemaRef"] == body["schemaRef"]
    assert item["tags"] == {"unifiedProfile": ["enabled:false"]}
    assert item["version"] == "1.0.0" and item["imsOrg"] == ORG and item["sandboxId"]
    assert isinstance(item["created"], int) and item["created"] == item["updated"] > 1_600_000_000_000
    assert item["createdClient"] == DEFAULT_CLIENT_ID and item["createdUser"] == item["updatedUser"]
    assert item["files"] == "@/dataSetFiles?dataSetId=" + dataset_id
    # properties= trims the fields.
    trimmed = api.get(CATALOG + "/dataSets/" + dataset_id, params={"properties": "name,schemaRef"}).json()
    assert trimmed == {dataset_id: {"name": "Loyalty members", "schemaRef": body["schemaRef"]}}
    # A default contentType when none is given.
    other = api.dataset("second", loyalty)
    assert emu.datasets(ORG, "prod")[1]["id"] == other
    assert api.get(CATALOG + "/dataSets/" + other).json()[other]["schemaRef"]["contentType"].startswith(
        "application/vnd.adobe.xed+json")


def test_create_errors(api, loyalty):
    def post(body, **kwargs):
        return api.post(CATALOG + "/dataSets", json=body, **kwargs)

    good = {"name": "x", "schemaRef": {"id": loyalty, "contentType": "application/vnd.adobe.xed+json;version=1"}}
    assert_catalog_error(post(dict(good, schemaRef={"id": "https://ns.adobe.com/acmeemu/schemas/nope"})), "1402-400")
    body = assert_catalog_error(post({"name": "x"}), "1402-400")
    assert "schemaRef" in body["detail"]
    alt = api.schema_by_title("Loyalty Members")["meta:altId"]
    assert_catalog_error(post(dict(good, schemaRef={"id": alt})), "1402-400")  # $id only
    assert_catalog_error(post(dict(good, schemaRef={"id": loyalty, "contentType": "text/plain"})), "1402-400")
    assert_catalog_error(post(dict(good, name="")), "1400-400")
    assert_catalog_error(post(dict(good, name=None)), "1400-400")
    assert_catalog_error(post(dict(good, tags={"a": "not a list"})), "1400-400")
    assert_catalog_error(post(dict(good, created=1)), "1400-400")
    assert_catalog_error(post(["not", "an", "object"]), "1400-400")
    assert_catalog_error(api.post(CATALOG + "/dataSets", data=b"{nope", headers={"Content-Type": "application/json"}),
                         "1400-400")
    assert_catalog_error(api.post(CATALOG + "/dataSets", data=json.dumps(good), headers={"Content-Type": "text/plain"}),
                         "1415-415")
    # A schema of another sandbox is not known here.
    dev = Api(api.emu, sandbox="dev")
    assert_catalog_error(dev.post(CATALOG + "/dataSets", json=good), "1402-400")
    dev.close()
    assert api.emu.datasets() == []


def test_list_filters_and_paging(api, loyalty):
    made = ["alpha", "beta", "Sales*2026", "Sales 2026", "Sales, EU", "gamma", "delta"]
    ids = [api.dataset(name, loyalty) for name in made]
    resp = api.get(CATALOG + "/dataSets")
    assert list(resp.json()) == ids  # keyed by id, creation order
    assert names(api.get(CATALOG + "/dataSets", params={"limit": "3"})) == made[:3]
    assert names(api.get(CATALOG + "/dataSets", params={"limit": "3", "start": "3"})) == made[3:6]
    assert names(api.get(CATALOG + "/dataSets", params={"limit": "3", "start": "6"})) == made[6:]
    assert names(api.get(CATALOG + "/dataSets", params={"start": "7"})) == []
    # name= is exact; a comma means any of (and the whole value still matches itself).
    assert names(api.get(CATALOG + "/dataSets", params={"name": "beta"})) == ["beta"]
    assert names(api.get(CATALOG + "/dataSets", params={"name": "alpha,gamma"})) == ["alpha", "gamma"]
    assert names(api.get(CATALOG + "/dataSets", params={"name": "Sales, EU"})) == ["Sales, EU"]
    assert names(api.get(CATALOG + "/dataSets", params={"name": "Sales"})) == []
    # property=name==X: * is a wildcard, ** a literal asterisk.
    assert names(api.get(CATALOG + "/dataSets", params={"property": "name==Sales*"})) == [
        "Sales*2026", "Sales 2026", "Sales, EU"]
    assert names(api.get(CATALOG + "/dataSets", params={"property": "name==Sales**2026"})) == ["Sales*2026"]
    ending_in_a = ["alpha", "beta", "gamma", "delta"]
    assert names(api.get(CATALOG + "/dataSets", params={"property": "name==*a"})) == ending_in_a
    assert names(api.get(CATALOG + "/dataSets", params={"property": "name==Sales 2026"})) == ["Sales 2026"]
    assert names(api.get(CATALOG + "/dataSets", params={"property": "name!=*a*"})) == []
    assert names(api.get(CATALOG + "/dataSets", params={"property": ["name!=Sales*", "name!=alpha"]})) == [
        "beta", "gamma", "delta"]
    assert names(api.get(CATALOG + "/dataSets", params={"property": "schemaRef.id==" + loyalty, "limit": "2"})) == [
        "alpha", "beta"]
    # orderBy
    assert names(api.get(CATALOG + "/dataSets", params={"orderBy": "desc:created", "limit": "2"})) == [
        "delta", "gamma"]
    assert names(api.get(CATALOG + "/dataSets", params={"orderBy": "asc:name", "limit": "2"})) == [
        "Sales 2026", "Sales*2026"]
    # properties= on a list
    trimmed = api.get(CATALOG + "/dataSets", params={"properties": "name", "name": "beta"}).json()
    assert trimmed == {ids[1]: {"name": "beta"}}
    for bad in ({"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"start": "-1"}, {"start": "x"},
                {"orderBy": "sideways:name"}, {"orderBy": "asc:tags"}, {"property": "name~x"}):
        assert_catalog_error(api.get(CATALOG + "/dataSets", params=bad), "1401-400")
    assert names(api.get(CATALOG + "/dataSets", params={"limit": "100"})) == made


def test_limit_defaults_to_twenty(api, loyalty):
    for index in range(23):
        api.dataset("ds-%02d" % index, loyalty)
    assert len(api.get(CATALOG + "/dataSets").json()) == 20
    assert len(api.get(CATALOG + "/dataSets", params={"start": "20"}).json()) == 3


def test_patch(api, loyalty):
    dataset_id = api.dataset("before", loyalty, tags={"a": ["1"]}, description="d1")
    url = CATALOG + "/dataSets/" + dataset_id
    item = api.get(url).json()[dataset_id]
    resp = api.request("PATCH", url, json={"name": "after", "tags": {"b": ["2"]}})
    assert resp.status_code == 200 and resp.json() == ["@/dataSets/" + dataset_id]
    after = api.get(url).json()[dataset_id]
    assert after["name"] == "after" and after["tags"] == {"a": ["1"], "b": ["2"]}  # merged
    assert after["version"] == "1.0.1" and after["updated"] > item["updated"] and after["created"] == item["created"]
    # null removes a member (JSON merge patch); a JSON Patch array works too.
    api.request("PATCH", url, json={"tags": {"a": None}, "description": None})
    after = api.get(url).json()[dataset_id]
    assert after["tags"] == {"b": ["2"]} and "description" not in after
    resp = api.request("PATCH", url, data=json.dumps([{"op": "add", "path": "/tags/unifiedProfile",
                                                       "value": ["enabled:true"]}]),
                       headers={"Content-Type": "application/json-patch+json"})
    assert resp.status_code == 200, resp.text
    assert api.get(url).json()[dataset_id]["tags"] == {"b": ["2"], "unifiedProfile": ["enabled:true"]}
    # schemaRef cannot change (sending the same one is fine); read-only fields neither.
    other = api.schema_by_title("Web Events")["$id"]
    assert_catalog_error(api.request("PATCH", url, json={"schemaRef": {"id": other}}), "1403-400")
    current = api.get(url).json()[dataset_id]
    assert api.request("PATCH", url, json={"schemaRef": current["schemaRef"]}).status_code == 200
    assert_catalog_error(api.request("PATCH", url, json={"created": 5}), "1403-400")
    assert_catalog_error(api.request("PATCH", url, json=[{"op": "replace", "path": "/imsOrg", "value": "x"}]),
                         "1403-400")
    assert_catalog_error(api.request("PATCH", url, json={"name": ""}), "1400-400")
    assert_catalog_error(api.request("PATCH", url, json={}), "1400-400")
    assert_catalog_error(api.request("PATCH", url, json=[]), "1400-400")
    assert_catalog_error(api.request("PATCH", url, json=[{"op": "move", "path": "/name"}]), "1400-400")
    assert_catalog_error(api.request("PATCH", url, json=[{"op": "replace", "path": "/nothing/x", "value": 1}]),
                         "1400-400")
    assert_catalog_error(api.request("PATCH", url, data="{}", headers={"Content-Type": "text/plain"}), "1415-415")
    assert_catalog_error(api.request("PATCH", CATALOG + "/dataSets/000000000000000000000000", json={"name": "x"}),
                         "1404-404")
    # If-None-Match naming the current version refuses the update.
    version = api.get(url).json()[dataset_id]["version"]
    assert_catalog_error(api.request("PATCH", url, json={"name": "z"}, headers={"If-None-Match": version}),
                         "1412-412")
    assert api.request("PATCH", url, json={"name": "z"}, headers={"If-None-Match": "0.0.1"}).status_code == 200


def test_delete(api, loyalty):
    dataset_id = api.dataset("doomed", loyalty)
    url = CATALOG + "/dataSets/" + dataset_id
    resp = api.request("DELETE", url)
    assert resp.status_code == 200 and resp.json() == ["@/dataSets/" + dataset_id]
    assert_catalog_error(api.get(url), "1404-404")
    resp = api.request("DELETE", url)
    assert resp.status_code == 200 and resp.json() == []
    assert_catalog_error(api.request("PUT", url, json={"name": "x"}), "1100-405")
    assert_catalog_error(api.get(CATALOG + "/batches"), "1100-404")


def test_isolation_and_control_endpoint(api, loyalty, emu):
    api.dataset("mine", loyalty)
    other = Api(emu, org=OTHER_ORG)
    assert other.get(CATALOG + "/dataSets").json() == {}
    other_schema = other.schema_by_title("Loyalty Members")["$id"]
    assert other_schema != loyalty
    other.dataset("theirs", other_schema)
    other.close()
    items = requests.get(emu.url + "/_emulator/datasets", params={"org": ORG}, timeout=5).json()["items"]
    assert [i["name"] for i in items] == ["mine"] and re.match(r"^[0-9a-f]{24}$", items[0]["id"])
    assert sorted(i["name"] for i in emu.datasets()) == ["mine", "theirs"]


def test_catalog_pipeline(api, loyalty, emu):
    emu.clear_journal()
    emu.inject(kind="status", status=500, method="POST", path="/dataSets")
    body = assert_catalog_error(api.post(CATALOG + "/dataSets", json={"name": "x", "schemaRef": {"id": loyalty}}),
                                "1100-500")
    assert body["detail"].startswith("Injected fault")
    emu.inject(kind="drop", path=CATALOG + "/dataSets")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(CATALOG + "/dataSets")
    emu.inject(kind="drop_after", method="POST", path="/dataSets")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(CATALOG + "/dataSets", json={"name": "ghost", "schemaRef": {"id": loyalty}})
    assert [d["name"] for d in emu.datasets(ORG)] == ["ghost"]
    assert [(e["method"], e["status"], e["fault"]) for e in emu.journal()] == [
        ("POST", 500, "status"), ("GET", "dropped", "drop"), ("POST", "dropped", "drop_after")]
    nosandbox = Api(emu)
    nosandbox.session.headers["x-sandbox-name"] = "Not_Valid"
    assert_catalog_error(nosandbox.get(CATALOG + "/dataSets"), "2100-404")
    nosandbox.close()


def test_state_file_keeps_datasets_and_added_schemas(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=str(state)) as emu:
        api = Api(emu)
        schema_id = emu.add_schema(ORG, title="Persisted", fields={"_id": "string"})
        dataset_id = api.dataset("kept", schema_id)
        item = api.get(CATALOG + "/dataSets/" + dataset_id).json()
        api.close()
    with Emulator(state_file=str(state)) as emu:
        api = Api(emu)
        assert api.get(CATALOG + "/dataSets/" + dataset_id).json() == item
        assert api.schema_by_title("Persisted")["$id"] == schema_id
        api.close()
    data = json.loads(state.read_text())
    assert data["format"] == "aep-emulator-state/1" and data["scopes"] == []
    assert set(data["extras"]) >= {"catalog", "schemas"}
