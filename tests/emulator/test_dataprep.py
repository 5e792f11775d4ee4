"""Data Prep mapping sets: create (both body forms), versions, list, validate, delete, errors."""

from __future__ import annotations

import re

import pytest
import requests
from emulator_support import DATAPREP, ORG, Api, assert_dataprep_error

from aep_emulator import Emulator

FULL = "application/vnd.adobe.xed-full+json;version=1"


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


def body_for(schema_id, *pairs, source_type="ATTRIBUTE"):
    return {"outputSchema": {"schemaRef": {"id": schema_id, "contentType": FULL}},
            "mappings": [{"sourceType": source_type, "source": s, "destination": d} for s, d in pairs]}


def test_create_and_get(api, loyalty):
    body = body_for(loyalty, ("id", "_id"), ("first_name", "person.name.firstName"))
    body["mappings"][0].update({"name": "id", "description": "Identifier field"})
    body["mappings"].append({"sourceType": "expression", "source": "lower(email)",
                             "destination": "personalEmail.address"})
    body["mappings"].append({"sourceType": "Static", "source": "gold", "destination": "_acmeemu.loyalty.tier"})
    resp = api.post(DATAPREP + "/mappingSets", json=body)
    assert resp.status_code == 200, resp.text
    created = resp.json()
    assert set(created) == {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"}
    assert re.match(r"^[0-9a-f]{32}$", created["id"]) and created["version"] == 0
    assert created["createdDate"] == created["modifiedDate"] and created["createdBy"] == created["modifiedBy"]
    got = api.get(DATAPREP + "/mappingSets/" + created["id"])
    assert got.status_code == 200
    full = got.json()
    assert full["id"] == created["id"] and full["version"] == 0  # not wrapped in items
    assert full["outputSchema"] == {"schemaRef": {"id": loyalty, "contentType": FULL}}
    assert full["xdmSchema"] == loyalty and full["schemaRef"]["id"] == loyalty and full["status"] == "PUBLISHED"
    mappings = full["mappings"]
    assert [m["sourceType"] for m in mappings] == ["text/x.schema-path", "text/x.schema-path", "text/x.aep-xl",
                                                   "text/plain"]
    first = mappings[0]
    assert re.match(r"^[0-9a-f]{32}$", first["id"]) and first["version"] == 0
    assert (first["source"], first["destination"]) == ("id", "_id")
    assert (first["sourceAttribute"], first["destinationXdmPath"]) == ("id", "_id")
    assert first["name"] == "id" and first["description"] == "Identifier field"
    assert "name" not in mappings[1]
    # mappings sub-resources
    assert api.get(DATAPREP + "/mappingSets/%s/mappings" % created["id"]).json() == mappings
    assert api.get(DATAPREP + "/mappingSets/%s/mappings/%s" % (created["id"], first["id"])).json() == first
    assert_dataprep_error(api.get(DATAPREP + "/mappingSets/%s/mappings/nope" % created["id"]), "1404-404")


def test_legacy_body(api, loyalty):
    legacy = {"version": 0, "xdmSchema": loyalty, "xdmVersion": "1.0", "id": None,
              "mappings": [{"destinationXdmPath": "_id", "sourceAttribute": "Id", "identity": False,
                            "identityGroup": None, "namespaceCode": None, "version": 0}]}
    created = api.post(DATAPREP + "/mappingSets", json=legacy).json()
    mapping = api.get(DATAPREP + "/mappingSets/" + created["id"]).json()["mappings"][0]
    assert mapping["sourceType"] == "text/x.schema-path"
    assert (mapping["source"], mapping["destination"]) == ("Id", "_id")
    assert (mapping["sourceAttribute"], mapping["destinationXdmPath"]) == ("Id", "_id")


def test_versions_with_put(api, loyalty):
    created = api.post(DATAPREP + "/mappingSets", json=body_for(loyalty, ("id", "_id"))).json()
    url = DATAPREP + "/mappingSets/" + created["id"]
    v0 = api.get(url).json()
    resp = api.request("PUT", url, json=body_for(loyalty, ("id", "_id"), ("email", "personalEmail.address")))
    assert resp.status_code == 200, resp.text
    v1 = resp.json()
    assert v1["id"] == created["id"] and v1["version"] == 1 and len(v1["mappings"]) == 2
    assert v1["createdDate"] == v0["createdDate"] and v1["modifiedDate"] >= v0["modifiedDate"]
    assert v1["mappings"][0]["id"] != v0["mappings"][0]["id"]  # every mapping gets a new id
    # What a client read back can be PUT again (stored sourceType values are accepted).
    v2 = api.request("PUT", url, json={"outputSchema": v1["outputSchema"], "mappings": v1["mappings"]}).json()
    assert v2["version"] == 2 and [m["source"] for m in v2["mappings"]] == ["id", "email"]
    assert api.get(url).json()["version"] == 2
    assert api.get(url, params={"version": "0"}).json() == v0
    assert api.get(url, params={"version": "1"}).json()["mappings"] == v1["mappings"]
    assert_dataprep_error(api.get(url, params={"version": "3"}), "1404-404")
    assert_dataprep_error(api.get(url, params={"version": "x"}), "1401-400")
    assert_dataprep_error(api.request("PUT", DATAPREP + "/mappingSets/" + "0" * 32, json=body_for(loyalty)),
                          "1404-404")


def test_validation_errors(api, loyalty):
    def post(body):
        return api.post(DATAPREP + "/mappingSets", json=body)

    body = assert_dataprep_error(post(body_for(loyalty, ("id", "_id"), ("email", "personalEmail.nope"))),
                                 "1403-400")
    assert "personalEmail.nope" in body["detail"]
    assert_dataprep_error(post(body_for(loyalty, ("id", "_id"), ("other", "_id"))), "1403-400")  # mapped twice
    assert_dataprep_error(post(body_for("https://ns.adobe.com/acmeemu/schemas/none", ("id", "_id"))), "1402-400")
    alt = api.schema_by_title("Loyalty Members")["meta:altId"]
    assert_dataprep_error(post(body_for(alt, ("id", "_id"))), "1402-400")
    assert_dataprep_error(post({"mappings": []}), "1402-400")
    assert_dataprep_error(post(body_for(loyalty, ("id", "_id"), source_type="COLUMN")), "1400-400")
    assert_dataprep_error(post(body_for(loyalty, ("", "_id"))), "1400-400")
    assert_dataprep_error(post({"outputSchema": {"schemaRef": {"id": loyalty}}}), "1400-400")
    assert_dataprep_error(post(["x"]), "1400-400")
    assert_dataprep_error(api.post(DATAPREP + "/mappingSets", data="{", headers={"Content-Type": "application/json"}),
                          "1400-400")
    assert_dataprep_error(api.post(DATAPREP + "/mappingSets", data="{}", headers={"Content-Type": "text/plain"}),
                          "1415-415")
    # Object paths are valid destinations too; empty mapping lists are allowed.
    assert post(body_for(loyalty, ("name", "person.name"))).status_code == 200
    assert post(body_for(loyalty)).status_code == 200


def test_validate_endpoint(api, loyalty):
    ok = api.post(DATAPREP + "/mappingSets/validate", json=body_for(loyalty, ("id", "_id"), ("e", "personalEmail")))
    assert ok.json() == {"validationResponse": [{"status": "SUCCESS", "errors": None}] * 2}
    bad = api.post(DATAPREP + "/mappingSets/validate", json=body_for(loyalty, ("id", "_nope"))).json()
    assert bad["validationResponse"][0]["status"] == "FAILED"
    assert api.emu.mapping_sets() == []


def test_list_and_delete(api, loyalty):
    ids = [api.post(DATAPREP + "/mappingSets", json=dict(body_for(loyalty, ("id", "_id")), name="m%d" % i)).json()["id"]
           for i in range(5)]
    resp = api.get(DATAPREP + "/mappingSets", params={"start": "0", "limit": "2"})
    assert resp.status_code == 200
    assert [m["id"] for m in resp.json()["data"]] == ids[:2]
    assert resp.json()["_page"] == {"count": 2, "limit": 2}
    assert [m["id"] for m in api.get(DATAPREP + "/mappingSets", params={"start": "4", "limit": "2"}).json()["data"]] == \
        ids[4:]
    assert [m["name"] for m in api.get(DATAPREP + "/mappingSets",
                                       params={"start": "0", "limit": "10", "name": "m3"}).json()["data"]] == ["m3"]
    newest = api.get(DATAPREP + "/mappingSets", params={"start": "0", "limit": "1", "orderBy": "-createdDate"})
    assert newest.json()["data"][0]["id"] == ids[-1]
    for bad in ({}, {"start": "0"}, {"limit": "5"}, {"start": "-1", "limit": "5"}, {"start": "0", "limit": "0"},
                {"start": "a", "limit": "1"}, {"start": "0", "limit": "1", "orderBy": "name"}):
        assert_dataprep_error(api.get(DATAPREP + "/mappingSets", params=bad), "1401-400")
    resp = api.request("DELETE", DATAPREP + "/mappingSets/" + ids[0])
    assert resp.status_code == 200 and resp.json() == {"id": ids[0]}
    assert_dataprep_error(api.get(DATAPREP + "/mappingSets/" + ids[0]), "1404-404")
    assert_dataprep_error(api.request("DELETE", DATAPREP + "/mappingSets/" + ids[0]), "1404-404")
    assert len(requests.get(api.emu.url + "/_emulator/mapping-sets", params={"org": ORG}, timeout=5).json()["items"]) == 4
    assert_dataprep_error(api.request("PATCH", DATAPREP + "/mappingSets/" + ids[1], json={}), "1100-405")
    assert_dataprep_error(api.get(DATAPREP + "/somethingElse"), "1100-404")


def test_dataprep_pipeline_and_isolation(api, loyalty, emu):
    emu.clear_journal()
    emu.inject(kind="status", status=503, path="/mappingSets")
    assert_dataprep_error(api.post(DATAPREP + "/mappingSets", json=body_for(loyalty, ("id", "_id"))), "1103-503")
    created = api.post(DATAPREP + "/mappingSets", json=body_for(loyalty, ("id", "_id"))).json()
    expected = [(DATAPREP + "/mappingSets", 503), (DATAPREP + "/mappingSets", 200)]
    assert [(e["path"], e["status"]) for e in emu.journal()] == expected
    dev = Api(emu, sandbox="dev")
    assert_dataprep_error(dev.get(DATAPREP + "/mappingSets/" + created["id"]), "1404-404")
    dev.close()
