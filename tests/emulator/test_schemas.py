"""Schema Registry: tenant schema listing, lookup, Accept rules, stats, control-added schemas."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from emulator_support import (
    ORG,
    OTHER_ORG,
    SCHEMAS,
    XED,
    XED_FULL_V1,
    XED_ID,
    Api,
    assert_xdm_error,
)

from aep_emulator import Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator(page_size=2) as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    emu.reset()
    client = Api(emu)
    yield client
    client.close()


def list_all(api, accept=XED_ID, **params):
    """Follow _links.next to the end; returns (results, pages)."""
    resp = api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": accept}, params=params)
    results, pages = [], 0
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        results.extend(body["results"])
        pages += 1
        assert body["_page"]["count"] == len(body["results"])
        assert body["_links"]["global_schemas"]["href"].endswith(SCHEMAS + "/global/schemas")
        if body["_links"]["next"] is None:
            assert body["_page"]["next"] is None
            return results, pages
        assert body["_page"]["next"] == body["results"][-1]["title"]
        resp = api.get(body["_links"]["next"]["href"], headers={"Accept": accept})


def test_seeded_schemas_and_paging(api, emu):
    results, pages = list_all(api)
    titles = [r["title"] for r in results]
    assert titles == sorted(titles)
    assert titles == ["Duplicate Title", "Duplicate Title", "Loyalty Members", "Orders, 2026 (v2)", "Web Events"]
    assert pages == 3  # page size 2
    for item in results:
        assert set(item) == {"$id", "meta:altId", "version", "title"}
        hex_id = item["$id"].rsplit("/", 1)[1]
        assert item["$id"] == "https://ns.adobe.com/acmeemu/schemas/" + hex_id
        assert item["meta:altId"] == "_acmeemu.schemas." + hex_id
        assert item["version"] == "1.0"
    assert len({r["$id"] for r in results}) == 5
    # start is a title: entries strictly after it.
    resp = api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID},
                   params={"start": "Loyalty Members", "limit": "1"})
    assert [r["title"] for r in resp.json()["results"]] == ["Orders, 2026 (v2)"]
    # A larger limit than the page size does not grow the page; a smaller one shrinks it.
    assert resp.json()["_page"] == {"orderby": "title", "next": "Orders, 2026 (v2)", "count": 1}
    first = api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID}, params={"limit": "300"}).json()
    assert first["_page"]["count"] == 2
    # A page never splits equal titles, even with limit=1.
    one = api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID}, params={"limit": "1"}).json()
    assert [r["title"] for r in one["results"]] == ["Duplicate Title", "Duplicate Title"]
    assert "limit=1" in one["_links"]["next"]["href"]
    results, _unused = list_all(api, orderby="-title")
    assert [r["title"] for r in results][:2] == ["Web Events", "Orders, 2026 (v2)"]
    # Same schemas (ids stable) after a reset; other org/sandbox: other ids.
    emu.reset()
    assert [r["$id"] for r in list_all(api)[0]] == [r["$id"] for r in results][::-1]
    other = Api(emu, org=OTHER_ORG)
    assert not {r["$id"] for r in list_all(other)[0]} & {r["$id"] for r in results}
    other.close()


def test_property_filters(api):
    def titles(*props):
        results, _unused = list_all(api, property=list(props))
        return [r["title"] for r in results]

    assert titles("title==Loyalty Members") == ["Loyalty Members"]
    assert titles("title==Duplicate Title") == ["Duplicate Title", "Duplicate Title"]
    # A comma inside a value does not split it: no operator follows.
    assert titles("title==Orders, 2026 (v2)") == ["Orders, 2026 (v2)"]
    assert titles("title==Orders") == []
    assert titles("title~^Dup") == ["Duplicate Title", "Duplicate Title"]
    assert titles("title~Orders, 2026 \\(v2\\)") == ["Orders, 2026 (v2)"]
    assert titles("title!=Duplicate Title") == ["Loyalty Members", "Orders, 2026 (v2)", "Web Events"]
    # Several conditions: a comma before "field==" starts one; repeated property params are ANDed.
    assert titles("title~s,meta:class==https://ns.adobe.com/xdm/context/profile") == ["Loyalty Members"]
    assert titles("title~e", "title!=Web Events") == ["Duplicate Title", "Duplicate Title", "Loyalty Members",
                                                      "Orders, 2026 (v2)"]
    assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID},
                             params={"property": "title~("}), "1000-400")
    assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID},
                             params={"property": "no operator"}), "1000-400")
    assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID},
                             params={"limit": "zero"}), "1000-400")
    assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID},
                             params={"orderby": "version"}), "1000-400")


def test_list_accept_rules(api):
    for accept in (None, "application/json", XED_FULL_V1, XED + ";version=1", "*/*"):
        headers = {"Accept": accept} if accept else {}
        if accept is None:
            # requests sends */* by default; drop it.
            headers = {"Accept": None}
        body = assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas", headers=headers), "1006-400")
        assert body["title"] == "Accept header invalid"
    full = api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED},
                   params={"property": "title==Loyalty Members"}).json()["results"][0]
    assert full["title"] == "Loyalty Members" and full["type"] == "object"
    assert "properties" not in full  # field groups are not resolved in a listing
    assert [ref["$ref"] for ref in full["allOf"]][0] == "https://ns.adobe.com/xdm/context/profile"
    assert full["meta:class"] == "https://ns.adobe.com/xdm/context/profile"
    # Media types are case-insensitive.
    assert api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID.upper()}).status_code == 200


def test_lookup_by_alt_id_and_encoded_id(api):
    short = api.schema_by_title("Loyalty Members")
    for ref in (short["meta:altId"], quote(short["$id"], safe="")):
        for accept in (XED_FULL_V1, "application/vnd.adobe.xed-full+json;version=1",
                       "application/vnd.adobe.xed-full+json ; version = 1.0"):
            resp = api.get(SCHEMAS + "/tenant/schemas/" + ref, headers={"Accept": accept})
            assert resp.status_code == 200, resp.text
            body = resp.json()
            assert body["$id"] == short["$id"] and body["meta:altId"] == short["meta:altId"]
            assert body["version"] == "1.0" and body["title"] == "Loyalty Members"
            assert body["meta:class"] == "https://ns.adobe.com/xdm/context/profile"
            assert body["meta:tenantNamespace"] == "_acmeemu" and body["imsOrg"] == ORG
            assert "allOf" not in body
            props = body["properties"]
            assert props["_id"] == {"type": "string"}
            assert props["person"] == {"type": "object", "properties": {"name": {"type": "object", "properties": {
                "firstName": {"type": "string"}, "lastName": {"type": "string"}}}}}
            loyalty = props["_acmeemu"]["properties"]["loyalty"]["properties"]
            assert loyalty["points"] == {"type": "integer"}
            assert loyalty["joined"] == {"type": "string", "format": "date-time", "meta:xdmType": "date-time"}
            assert props["personalEmail"]["properties"]["address"]["type"] == "string"
    xed = api.get(SCHEMAS + "/tenant/schemas/" + short["meta:altId"],
                  headers={"Accept": "application/vnd.adobe.xed+json; version=1"}).json()
    assert "properties" not in xed and xed["allOf"]
    notext = api.get(SCHEMAS + "/tenant/schemas/" + short["meta:altId"],
                     headers={"Accept": "application/vnd.adobe.xed-full-notext+json; version=1"}).json()
    assert "title" not in notext and "description" not in notext and notext["properties"]
    desc = api.get(SCHEMAS + "/tenant/schemas/" + short["meta:altId"],
                   headers={"Accept": "application/vnd.adobe.xed-full-desc+json; version=1"}).json()
    assert "title" not in desc and desc["description"]


def test_lookup_errors(api):
    short = api.schema_by_title("Web Events")
    url = SCHEMAS + "/tenant/schemas/" + short["meta:altId"]
    for accept in (None, "application/json", "application/vnd.adobe.xed-full+json", XED_ID):
        assert_xdm_error(api.get(url, headers={"Accept": accept}), "1007-400")
    for accept in ("application/vnd.adobe.xed-full+json; version=2", "application/vnd.adobe.xed-id+json;version=1",
                   "application/vnd.adobe.xdm-full+json; version=1"):
        body = assert_xdm_error(api.get(url, headers={"Accept": accept}), "1010-406")
        assert body["title"] == "Not Acceptable"
    body = assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas/_acmeemu.schemas.0000",
                                    headers={"Accept": XED_FULL_V1}), "1012-404")
    assert body["title"] == "Resource Not Found"
    # A schema of another sandbox is unknown here.
    dev = Api(api.emu, sandbox="dev")
    assert_xdm_error(dev.get(url, headers={"Accept": XED_FULL_V1}), "1012-404")
    dev.close()
    assert_xdm_error(api.get(SCHEMAS + "/tenant/nothing", headers={"Accept": XED_ID}), "1100-404")
    assert_xdm_error(api.request("DELETE", url, headers={"Accept": XED_FULL_V1}), "1100-405")


def test_stats(api):
    resp = api.get(SCHEMAS + "/stats")
    assert resp.status_code == 200
    body = resp.json()
    assert body["tenantId"] == "acmeemu" and body["imsOrg"] == ORG and body["counts"]["schemas"] == 5


def test_added_schemas(api, emu):
    schema_id = emu.add_schema(ORG, "prod", title="Custom Things",
                               fields={"_id": "string", "_acmeemu": {"thing": {"size": "number", "ok": "boolean",
                                                                               "on": "date"}}},
                               description="made by a test")
    assert schema_id.startswith("https://ns.adobe.com/acmeemu/schemas/")
    short = api.schema_by_title("Custom Things")
    assert short["$id"] == schema_id
    body = api.get(SCHEMAS + "/tenant/schemas/" + quote(schema_id, safe=""), headers={"Accept": XED_FULL_V1}).json()
    thing = body["properties"]["_acmeemu"]["properties"]["thing"]["properties"]
    assert thing == {"size": {"type": "number"}, "ok": {"type": "boolean"},
                     "on": {"type": "string", "format": "date", "meta:xdmType": "date"}}
    assert body["description"] == "made by a test"
    # Control endpoint: same thing over HTTP; duplicates of titles are allowed.
    ctl = emu.url + "/_emulator/schemas"
    resp = requests.post(ctl, json={"org": ORG, "sandbox": "prod", "title": "Custom Things",
                                    "fields": {"a": {"b": "string"}}}, timeout=5)
    assert resp.status_code == 200 and set(resp.json()) == {"$id", "meta:altId"}
    assert [s["title"] for s in emu.schemas(ORG)].count("Custom Things") == 2
    listed = requests.get(ctl, params={"org": ORG}, timeout=5).json()["schemas"]
    assert len(listed) == 7
    for bad in ({"org": ORG, "title": "x", "fields": {}}, {"org": ORG, "title": "x", "fields": {"a": "float"}},
                {"org": ORG, "title": "", "fields": {"a": "string"}}, {"title": "x", "fields": {"a": "string"}},
                {"org": ORG, "title": "x", "fields": {"a.b": "string"}},
                {"org": ORG, "title": "x", "fields": {"a": "string"}, "colour": "red"}):
        assert requests.post(ctl, json=bad, timeout=5).status_code == 400, bad
    # Another sandbox does not see them; reset forgets them.
    assert "Custom Things" not in [s["title"] for s in emu.schemas(ORG, "dev")]
    emu.reset()
    assert len(emu.schemas(ORG)) == 5


def test_schema_registry_pipeline(api, emu):
    emu.clear_journal()
    emu.inject(kind="status", status=503, path="/tenant/schemas")
    body = assert_xdm_error(api.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID}), "1103-503")
    assert body["title"] == "Service Unavailable"
    emu.inject(kind="status", status=429, retry_after=1, path=SCHEMAS + "/stats")
    resp = api.get(SCHEMAS + "/stats")
    assert resp.status_code == 429 and resp.json()["error_code"] == "429050" and resp.headers["Retry-After"] == "1"
    assert api.get(SCHEMAS + "/stats").status_code == 200
    assert [(e["path"], e["status"]) for e in emu.journal()] == [
        (SCHEMAS + "/tenant/schemas", 503), (SCHEMAS + "/stats", 429), (SCHEMAS + "/stats", 200)]
    # Sandbox errors in the registry's own shape; gateway errors in the gateway's.
    nosandbox = Api(emu)
    del nosandbox.session.headers["x-sandbox-name"]
    assert_xdm_error(nosandbox.get(SCHEMAS + "/stats"), "2105-400")
    nosandbox.close()
    resp = requests.get(emu.url + SCHEMAS + "/stats", timeout=5)
    assert resp.status_code == 403 and set(resp.json()) == {"error_code", "message"}
