"""Tests of the Flow Service emulator itself, over real HTTP with requests."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aep_emulator import (  # noqa: E402
    AZURE_BLOB_SPEC_ID,
    BASE_PATH,
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    FULL_MASK,
    S3_SPEC_ID,
    Emulator,
)

ORG = "0123456789ABCDEF01234567@AdobeOrg"
OTHER_ORG = "FEDCBA9876543210FEDCBA98@AdobeOrg"
ACCESS_KEY = "AKIAEXAMPLEACCESSKEY"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecretkey"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontoken"


def s3_body(name="conn", description="a connection", spec_id=S3_SPEC_ID, **params):
    auth_params = {"s3AccessKey": ACCESS_KEY, "s3SecretKey": SECRET_KEY}
    auth_params.update(params)
    return {
        "name": name,
        "description": description,
        "auth": {"specName": "Access Key", "params": auth_params},
        "connectionSpec": {"id": spec_id, "version": "1.0"},
    }


class Client:
    """A thin Flow Service client: a requests.Session with the four headers."""

    def __init__(self, emu, org=ORG, sandbox="prod", token=DEFAULT_ACCESS_TOKEN, verify=True):
        self.emu = emu
        self.verify = verify
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": "Bearer " + token,
            "x-api-key": DEFAULT_CLIENT_ID,
            "x-gw-ims-org-id": org,
            "x-sandbox-name": sandbox,
        })

    def request(self, method, path, **kwargs):
        return self.url_request(method, self.emu.api_url + path, **kwargs)

    def url_request(self, method, url, **kwargs):
        # verify per request: a session-level verify loses to REQUESTS_CA_BUNDLE.
        return self.session.request(method, url, timeout=10, verify=self.verify, **kwargs)

    def create(self, body=None, **kwargs):
        resp = self.request("POST", "/connections", json=body if body is not None else s3_body(**kwargs))
        assert resp.status_code == 201, resp.text
        return resp.json()

    def get(self, conn_id):
        return self.request("GET", "/connections/" + conn_id)

    def item(self, conn_id):
        resp = self.get(conn_id)
        assert resp.status_code == 200, resp.text
        return resp.json()["items"][0]

    def patch(self, conn_id, ops, etag=None, **kwargs):
        headers = {"If-Match": etag} if etag is not None else {}
        return self.request("PATCH", "/connections/" + conn_id, json=ops, headers=headers, **kwargs)

    def list_all(self, params=None):
        """Follow _links.next to the end; returns (items, number of pages)."""
        resp = self.request("GET", "/connections", params=params)
        items, pages = [], 0
        while True:
            assert resp.status_code == 200, resp.text
            body = resp.json()
            items.extend(body["items"])
            pages += 1
            nxt = body["_links"].get("next")
            if not nxt:
                return items, pages
            assert nxt["href"].startswith("/connections?")
            resp = self.url_request("GET", self.emu.api_url + nxt["href"])


def assert_flow_error(resp, code):
    status = int(code.split("-")[1])
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-" + code
    assert body["status"] == status
    assert body["title"] and body["errorMessage"] and body["report"]["detailed-message"]
    assert body["errorDetails"] == {}
    assert body["report"]["request-id"] == resp.headers["x-request-id"]
    return body


def assert_gateway_error(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error_code"] == code and body["message"]
    assert set(body) == {"error_code", "message"}
    assert resp.headers["x-request-id"]


@pytest.fixture
def emu():
    with Emulator(page_size=5) as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    client = Client(emu)
    yield client
    client.session.close()


# -- gateway and header checks ---------------------------------------------------


def test_gateway_errors_come_first_and_in_order(emu):
    url = emu.api_url + "/connections"
    full = {"Authorization": "Bearer " + DEFAULT_ACCESS_TOKEN, "x-api-key": DEFAULT_CLIENT_ID,
            "x-gw-ims-org-id": ORG, "x-sandbox-name": "prod"}

    def without(*names, **override):
        headers = {k: v for k, v in full.items() if k not in names}
        headers.update(override)
        return requests.get(url, headers=headers, timeout=5)

    # Everything missing: the token is checked first.
    assert_gateway_error(requests.get(url, timeout=5), 403, "403010")
    assert_gateway_error(without(Authorization="Bearer nope", **{"x-api-key": "bad"}), 401, "401013")
    assert_gateway_error(without(Authorization="Basic abc"), 401, "401013")
    assert_gateway_error(without("x-api-key", "x-gw-ims-org-id"), 403, "403000")
    assert_gateway_error(without("x-gw-ims-org-id", **{"x-api-key": "other-client"}), 403, "403003")
    assert_gateway_error(without("x-gw-ims-org-id", "x-sandbox-name"), 400, "400003")
    assert_flow_error(without("x-sandbox-name"), "2105-400")
    assert_flow_error(without(**{"x-sandbox-name": "Prod"}), "2100-404")
    assert_flow_error(without(**{"x-sandbox-name": "my_sandbox"}), "2100-404")
    ok = without()
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "application/json"
    assert len(ok.headers["x-request-id"]) == 36


def test_post_and_patch_need_json_content_type(api):
    resp = api.request("POST", "/connections", data=json.dumps(s3_body()),
                       headers={"Content-Type": "text/plain"})
    assert_flow_error(resp, "1400-415")
    conn = api.create()
    resp = api.request("PATCH", "/connections/" + conn["id"], data="[]",
                       headers={"If-Match": conn["etag"], "Content-Type": "application/x-www-form-urlencoded"})
    assert_flow_error(resp, "1400-415")
    # A charset parameter is fine.
    resp = api.request("POST", "/connections", data=json.dumps(s3_body()).encode(),
                       headers={"Content-Type": "application/json; charset=utf-8"})
    assert resp.status_code == 201


def test_unknown_routes(api, emu):
    assert_flow_error(api.request("GET", "/nothing-here"), "1100-404")
    assert_flow_error(api.request("PUT", "/connections"), "1100-405")
    assert_gateway_error(requests.get(emu.url + "/somewhere/else", timeout=5), 404, "404000")


# -- create / get / list shapes --------------------------------------------------


def test_create_and_get_shapes(api):
    resp = api.request("POST", "/connections", json=s3_body(
        name="My S3", s3SessionToken=SESSION_TOKEN, bucketName="my-bucket", folderPath="in/",
        serviceUrl="https://s3.eu-west-1.amazonaws.com"))
    assert resp.status_code == 201
    created = resp.json()
    assert set(created) == {"id", "etag"}
    assert resp.headers["Location"] == BASE_PATH + "/connections/" + created["id"]
    assert created["etag"].startswith('"') and created["etag"].endswith('"')

    body = api.get(created["id"]).json()
    assert list(body) == ["items"] and len(body["items"]) == 1
    item = body["items"][0]
    assert item["id"] == created["id"]
    assert item["etag"] == item["version"] == created["etag"]
    assert item["name"] == "My S3" and item["description"] == "a connection"
    assert item["state"] == "enabled"
    assert item["connectionSpec"] == {"id": S3_SPEC_ID, "version": "1.0"}
    assert isinstance(item["createdAt"], int) and item["createdAt"] == item["updatedAt"]
    assert item["createdAt"] > 1_600_000_000_000
    assert item["createdClient"] == item["updatedClient"] == DEFAULT_CLIENT_ID
    assert item["createdBy"] == item["updatedBy"]
    assert item["imsOrgId"] == ORG and item["sandboxName"] == "prod" and item["sandboxId"]
    # Secrets come back masked; plain params as stored.
    params = item["auth"]["params"]
    assert item["auth"]["specName"] == "Access Key"
    assert params["s3SecretKey"] == FULL_MASK and params["s3SessionToken"] == FULL_MASK
    assert params["s3AccessKey"].startswith(ACCESS_KEY[:4]) and params["s3AccessKey"] != ACCESS_KEY
    assert set(params["s3AccessKey"][4:]) == {"*"}
    assert params["bucketName"] == "my-bucket" and params["folderPath"] == "in/"
    assert params["serviceUrl"] == "https://s3.eu-west-1.amazonaws.com"
    assert SECRET_KEY not in json.dumps(body) and SESSION_TOKEN not in json.dumps(body)


def test_create_validation(api):
    assert_flow_error(api.request("POST", "/connections", data=b"", headers={"Content-Type": "application/json"}),
                      "1405-400")
    assert_flow_error(api.request("POST", "/connections", data=b"{not json",
                                  headers={"Content-Type": "application/json"}), "1400-400")
    assert_flow_error(api.request("POST", "/connections", json=s3_body(spec_id="not-a-spec")), "1413-400")
    no_spec = s3_body()
    del no_spec["connectionSpec"]
    assert_flow_error(api.request("POST", "/connections", json=no_spec), "1413-400")
    bad_auth = s3_body()
    bad_auth["auth"]["specName"] = "Password"
    assert_flow_error(api.request("POST", "/connections", json=bad_auth), "1415-400")
    missing = s3_body()
    del missing["auth"]["params"]["s3SecretKey"]
    body = assert_flow_error(api.request("POST", "/connections", json=missing), "1400-400")
    assert "s3SecretKey" in body["errorMessage"]
    iam = {"name": "iam", "auth": {"specName": "IAMRole Based", "params": {}},
           "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"}}
    assert_flow_error(api.request("POST", "/connections", json=iam), "1400-400")
    iam["auth"]["params"]["bucketName"] = "bucket-a"
    assert api.request("POST", "/connections", json=iam).status_code == 201
    assert api.request("GET", "/connections", params={"count": "true"}).json() == {"count": 1}


def test_names_are_not_unique(api):
    first = api.create(name="same")
    second = api.create(name="same")
    assert first["id"] != second["id"]
    resp = api.request("GET", "/connections", params={"property": "name==same"})
    assert {i["id"] for i in resp.json()["items"]} == {first["id"], second["id"]}


def test_get_unknown_id(api):
    assert_flow_error(api.get("00000000-0000-0000-0000-000000000000"), "1101-404")


# -- list: paging, filters, count, order ------------------------------------------


def test_paging_follows_next_links_to_the_end(api, emu):
    ids = emu.seed(ORG, "prod", count=23)
    items, pages = api.list_all()
    assert [i["id"] for i in items] == ids  # creation order, nothing lost or repeated
    assert pages == 5  # page size 5
    # limit overrides the page size and is carried in the next link.
    first = api.request("GET", "/connections", params={"limit": "7"}).json()
    assert len(first["items"]) == 7
    query = parse_qs(urlsplit(first["_links"]["next"]["href"]).query)
    assert query["limit"] == ["7"] and query["continuationToken"]
    items, pages = api.list_all({"limit": "7"})
    assert [i["id"] for i in items] == ids and pages == 4
    # Exactly a multiple of the page size: no dangling empty page.
    items, pages = api.list_all({"limit": "23"})
    assert len(items) == 23 and pages == 1


def test_paging_survives_deletes_between_pages(api, emu):
    ids = emu.seed(ORG, "prod", count=12)
    first = api.request("GET", "/connections").json()
    assert [i["id"] for i in first["items"]] == ids[:5]
    # Delete the last item served and one on the next page.
    assert api.request("DELETE", "/connections/" + ids[4]).status_code == 204
    assert api.request("DELETE", "/connections/" + ids[6]).status_code == 204
    second = api.url_request("GET", emu.api_url + first["_links"]["next"]["href"]).json()
    assert [i["id"] for i in second["items"]] == [ids[5]] + ids[7:11]


def test_filters(api, emu):
    a = api.create(name="Sales data, EU")
    b = api.create(name="Sales data")
    c = api.create(name="Marketing feed")
    azure = {"name": "Sales data", "auth": {"specName": "ConnectionStringAuth",
                                            "params": {"connectionString": "AccountKey=secret"}},
             "connectionSpec": {"id": AZURE_BLOB_SPEC_ID, "version": "1.0"}}
    z = api.create(azure)

    def names(*props, **extra):
        resp = api.request("GET", "/connections", params=dict({"property": list(props)}, **extra))
        assert resp.status_code == 200, resp.text
        return sorted(i["id"] for i in resp.json()["items"])

    assert names("name==Sales data") == sorted([b["id"], z["id"]])
    assert names("name==Sales data", "connectionSpec.id==" + S3_SPEC_ID) == [b["id"]]  # ANDed
    assert names("name==Sales data,Marketing feed", "connectionSpec.id==" + S3_SPEC_ID) == sorted([b["id"], c["id"]])
    assert names("connectionSpec.id==%s,%s" % (S3_SPEC_ID, AZURE_BLOB_SPEC_ID)) == sorted(
        [a["id"], b["id"], c["id"], z["id"]])
    # A name containing a comma still matches as a whole (it also matches its parts).
    assert a["id"] in names("name==Sales data, EU")
    assert names("name!=Sales data", "state==enabled") == sorted([a["id"], c["id"]])
    assert names("name==nothing") == []
    # Hand-encoded query (spaces as %20, comma as %2C) decodes the same way.
    raw = "property=" + quote("name==Marketing feed", safe="")
    assert raw == "property=name%3D%3DMarketing%20feed"
    resp = api.url_request("GET", emu.api_url + "/connections?" + raw)
    assert [i["id"] for i in resp.json()["items"]] == [c["id"]]
    # Filters are carried by the next link.
    emu.seed(ORG, "prod", count=7, name_prefix="Sales data")  # names "Sales data1".."Sales data7"
    emu.seed(ORG, "prod", count=3, name_prefix="x")
    items, pages = api.list_all({"property": ["connectionSpec.id==" + S3_SPEC_ID, "name!=x1,x2,x3"],
                                 "limit": "2"})
    assert len(items) == 10 and pages == 5
    assert_flow_error(api.request("GET", "/connections", params={"property": "name=~x"}), "1400-400")


def test_count_and_limit(api, emu):
    emu.seed(ORG, "prod", count=8)
    emu.seed(ORG, "prod", count=3, connection_spec_id=AZURE_BLOB_SPEC_ID)
    assert api.request("GET", "/connections", params={"count": "true"}).json() == {"count": 11}
    resp = api.request("GET", "/connections", params={"count": "true", "property": "connectionSpec.id==" + S3_SPEC_ID})
    assert resp.json() == {"count": 8}
    assert_flow_error(api.request("GET", "/connections", params={"count": "true", "limit": "5"}), "1401-400")
    assert_flow_error(api.request("GET", "/connections", params={"limit": "0"}), "1400-400")
    assert_flow_error(api.request("GET", "/connections", params={"continuationToken": "garbage!"}), "1400-400")


def test_orderby(api, emu):
    for name in ("b", "d", "a", "e", "c", "g", "f"):
        api.create(name=name)
    items, _unused = api.list_all({"orderby": "name", "limit": "3"})
    assert [i["name"] for i in items] == list("abcdefg")
    items, _unused = api.list_all({"orderby": "-name", "limit": "3"})
    assert [i["name"] for i in items] == list("gfedcba")
    items, _unused = api.list_all({"orderby": "-createdAt", "limit": "2"})
    assert [i["name"] for i in items] == ["f", "g", "c", "e", "a", "d", "b"]
    assert_flow_error(api.request("GET", "/connections", params={"orderby": "auth"}), "1400-400")


# -- update ----------------------------------------------------------------------


def test_patch_updates_and_changes_etag(api):
    conn = api.create(name="old")
    before = api.item(conn["id"])
    resp = api.patch(conn["id"], [{"op": "replace", "path": "/name", "value": "new"},
                                  {"op": "add", "path": "/description", "value": "d2"},
                                  {"op": "add", "path": "/auth/params/s3SessionToken", "value": SESSION_TOKEN}],
                     etag=conn["etag"])
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert set(result) == {"id", "etag"} and result["id"] == conn["id"]
    assert result["etag"] != conn["etag"]
    after = api.item(conn["id"])
    assert after["name"] == "new" and after["description"] == "d2"
    assert after["etag"] == after["version"] == result["etag"]
    assert after["updatedAt"] > before["updatedAt"] and after["createdAt"] == before["createdAt"]
    assert after["auth"]["params"]["s3SessionToken"] == FULL_MASK
    # The old etag is now stale.
    assert_flow_error(api.patch(conn["id"], [{"op": "replace", "path": "/name", "value": "x"}],
                                etag=conn["etag"]), "1404-412")
    # remove /description, replace the whole params object.
    resp = api.patch(conn["id"], [{"op": "remove", "path": "/description"},
                                  {"op": "replace", "path": "/auth/params",
                                   "value": {"s3AccessKey": "AKIANEWKEY0000000000", "s3SecretKey": "new-secret"}}],
                     etag=result["etag"])
    assert resp.status_code == 200, resp.text
    item = api.item(conn["id"])
    assert item["description"] == "" and "s3SessionToken" not in item["auth"]["params"]
    assert item["auth"]["params"]["s3AccessKey"].startswith("AKIA")


def test_patch_errors(api, emu):
    conn = api.create()
    cid, etag = conn["id"], conn["etag"]
    op = [{"op": "replace", "path": "/name", "value": "x"}]
    assert_flow_error(api.patch(cid, op), "1403-400")
    assert_flow_error(api.patch(cid, op, etag=etag.strip('"')), "1404-412")  # quotes matter
    assert_flow_error(api.request("PATCH", "/connections/" + cid, data=b"",
                                  headers={"If-Match": etag, "Content-Type": "application/json"}), "1405-400")
    assert_flow_error(api.patch(cid, [], etag=etag), "1405-400")
    assert_flow_error(api.patch(cid, {"op": "replace", "path": "/name", "value": "x"}, etag=etag), "1434-400")
    assert_flow_error(api.patch(cid, [{"op": "move", "path": "/name", "from": "/description"}], etag=etag), "1434-400")
    assert_flow_error(api.patch(cid, [{"op": "replace", "path": "/state", "value": "disabled"}], etag=etag), "1434-400")
    assert_flow_error(api.patch(cid, [{"op": "replace", "path": "/name"}], etag=etag), "1434-400")
    assert_flow_error(api.patch(cid, [{"op": "remove", "path": "/name"}], etag=etag), "1434-400")
    assert_flow_error(api.patch(cid, [{"op": "replace", "path": "/connectionSpec/id", "value": "x"}], etag=etag),
                      "1414-400")
    assert_flow_error(api.patch(cid, [{"op": "replace", "path": "/auth/specName", "value": "Nope"}], etag=etag),
                      "1415-400")
    assert_flow_error(api.patch(cid, [{"op": "replace", "path": "/auth/params/s3SessionToken", "value": "t"}],
                                etag=etag), "1455-400")
    assert_flow_error(api.patch(cid, [{"op": "remove", "path": "/auth/params/s3SecretKey"}], etag=etag), "1400-400")
    assert_flow_error(api.patch("00000000-0000-0000-0000-000000000000", op, etag=etag), "1101-404")
    # All or nothing: the valid first op is not applied when the second fails.
    digests = emu.param_digests(cid)
    assert_flow_error(api.patch(cid, [{"op": "replace", "path": "/name", "value": "applied?"},
                                      {"op": "add", "path": "/auth/params/s3SecretKey", "value": "changed"},
                                      {"op": "replace", "path": "/id", "value": "x"}], etag=etag), "1434-400")
    item = api.item(cid)
    assert item["name"] == "conn" and item["etag"] == etag
    assert emu.param_digests(cid) == digests


def test_session_token_refresh_is_stored(api, emu):
    import hashlib

    conn = api.create(s3SessionToken="old-token")
    resp = api.patch(conn["id"], [{"op": "replace", "path": "/auth/params/s3SessionToken", "value": "new-token"}],
                     etag=conn["etag"])
    assert resp.status_code == 200
    assert emu.param_digests(conn["id"])["s3SessionToken"] == hashlib.sha256(b"new-token").hexdigest()


# -- delete, test, configs --------------------------------------------------------


def test_delete(api, emu):
    conn = api.create()
    emu.set_in_use(conn["id"])
    body = assert_flow_error(api.request("DELETE", "/connections/" + conn["id"]), "1418-400")
    assert "dataflow" in body["errorMessage"]
    emu.set_in_use(conn["id"], False)
    resp = api.request("DELETE", "/connections/" + conn["id"])
    assert resp.status_code == 204 and resp.content == b""
    assert_flow_error(api.get(conn["id"]), "1101-404")
    assert_flow_error(api.request("DELETE", "/connections/" + conn["id"]), "1101-404")


def test_connection_test_and_configs(api, emu):
    conn = api.create()
    assert api.request("GET", "/connections/%s/test" % conn["id"]).json() == {"result": True}
    emu.set_test_result(conn["id"], False)
    assert api.request("GET", "/connections/%s/test" % conn["id"]).json() == {"result": False}
    assert_flow_error(api.request("GET", "/connections/nope/test"), "1101-404")
    resp = api.request("GET", "/connectionSpecs/%s/configs" % S3_SPEC_ID,
                       params={"authType": "IamBasedAuthentication"})
    assert resp.status_code == 200
    assert resp.json() == {"configParams": {"IAMRole": "arn:aws:iam::000000000000:role/emulator"}}
    assert_flow_error(api.request("GET", "/connectionSpecs/nope/configs",
                                  params={"authType": "IamBasedAuthentication"}), "1413-400")


def test_isolation_per_org_and_sandbox(emu):
    prod, dev, other = Client(emu), Client(emu, sandbox="dev"), Client(emu, org=OTHER_ORG)
    conn = prod.create(name="mine")
    for client in (dev, other):
        assert client.request("GET", "/connections").json()["items"] == []
        assert_flow_error(client.get(conn["id"]), "1101-404")
        assert_flow_error(client.request("DELETE", "/connections/" + conn["id"]), "1101-404")
    dev.create(name="dev one")
    assert [i["name"] for i in prod.request("GET", "/connections").json()["items"]] == ["mine"]
    assert [i["name"] for i in emu.store(ORG, "dev")] == ["dev one"]
    assert len(emu.store()) == 2


# -- IMS -------------------------------------------------------------------------


def _token(emu, **form):
    data = {"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET, "scope": "openid,AdobeID"}
    data.update(form)
    return requests.post(emu.url + "/ims/token/v3", data={k: v for k, v in data.items() if v is not None},
                         timeout=5)


def test_ims_token(emu):
    resp = _token(emu)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399 and body["access_token"]
    client = Client(emu, token=body["access_token"])
    created = client.create()
    item = client.item(created["id"])
    assert item["createdBy"] == DEFAULT_CLIENT_ID + "@techacct.adobe.com"

    def ims_error(resp, status, error):
        assert resp.status_code == status, resp.text
        assert resp.json()["error"] == error and resp.json()["error_description"]

    ims_error(_token(emu, grant_type="password"), 400, "unsupported_grant_type")
    ims_error(_token(emu, client_id="someone-else"), 400, "invalid_client")
    ims_error(_token(emu, client_secret="wrong"), 401, "invalid_client")
    ims_error(_token(emu, client_secret=None), 400, "invalid_request")
    ims_error(_token(emu, grant_type=None), 400, "invalid_request")
    resp = requests.post(emu.url + "/ims/token/v3", json={"grant_type": "client_credentials"}, timeout=5)
    ims_error(resp, 400, "invalid_request")
    # Params may also come in the query string; the journal never shows the secret.
    resp = requests.post(emu.url + "/ims/token/v3?client_secret=" + DEFAULT_CLIENT_SECRET, timeout=5,
                         data={"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID})
    assert resp.status_code == 200
    assert emu.journal()[-1]["query"] == "client_secret=***redacted***"
    assert DEFAULT_CLIENT_SECRET not in json.dumps(emu.journal())

    # Tokens expire: a zero lifetime is dead on arrival, and expire_tokens kills all issued ones.
    emu.set_token_lifetime(0)
    short = _token(emu).json()
    assert short["expires_in"] == 0
    assert_gateway_error(Client(emu, token=short["access_token"]).request("GET", "/connections"), 401, "401013")
    assert emu.expire_tokens() >= 1
    assert_gateway_error(client.request("GET", "/connections"), 401, "401013")
    assert Client(emu).request("GET", "/connections").status_code == 200  # static token still fine


# -- faults ----------------------------------------------------------------------


def test_status_faults(api, emu):
    queued = emu.inject({"kind": "status", "status": 429, "retry_after": 2, "method": "GET",
                         "path": "/connections", "count": 2},
                        {"kind": "status", "status": 503, "path": "/connections"})
    assert [f["count"] for f in queued] == [2, 1]
    for _unused in range(2):
        resp = api.request("GET", "/connections")
        assert_gateway_error(resp, 429, "429050")
        assert resp.headers["Retry-After"] == "2"
    assert [f["kind"] for f in emu.faults()] == ["status"]
    resp = api.request("GET", "/connections")
    assert_flow_error(resp, "1103-503")
    assert "Retry-After" not in resp.headers
    assert api.request("GET", "/connections").status_code == 200
    assert emu.faults() == []
    # Method and path must match; IMS faults answer in OAuth shape.
    emu.inject(kind="status", status=500, method="POST", path="/ims/token/v3")
    assert api.request("GET", "/connections").status_code == 200
    resp = _token(emu)
    assert resp.status_code == 500 and resp.json()["error"] == "server_error"
    assert _token(emu).status_code == 200
    statuses = [(e["status"], e["fault"]) for e in emu.journal()]
    assert statuses == [(429, "status"), (429, "status"), (503, "status"), (200, None), (200, None),
                        (500, "status"), (200, None)]


def test_drop_fault_closes_connection_without_applying(api, emu):
    api.request("GET", "/connections")  # open a keep-alive connection first
    emu.inject(kind="drop", method="POST", path="/connections")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.request("POST", "/connections", json=s3_body())
    assert emu.store(ORG, "prod") == []
    assert emu.journal()[-1]["status"] == "dropped" and emu.journal()[-1]["fault"] == "drop"
    api.create()  # the session recovers on a new connection


def test_drop_after_fault_applies_then_drops(api, emu):
    emu.inject(kind="drop_after", method="POST", path="/connections")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.request("POST", "/connections", json=s3_body(name="ghost"))
    assert [i["name"] for i in emu.store(ORG, "prod")] == ["ghost"]
    assert emu.journal()[-1]["status"] == "dropped" and emu.journal()[-1]["fault"] == "drop_after"


def test_concurrent_update_fault(api, emu):
    conn = api.create()
    emu.inject(kind="concurrent_update")
    assert api.item(conn["id"])["etag"] == conn["etag"]  # a read does not use the fault up
    resp = api.patch(conn["id"], [{"op": "replace", "path": "/name", "value": "mine"}], etag=conn["etag"])
    assert_flow_error(resp, "1404-412")
    item = api.item(conn["id"])
    assert item["description"] == "changed by another writer" and item["name"] == "conn"
    assert item["etag"] != conn["etag"]
    assert api.patch(conn["id"], [{"op": "replace", "path": "/name", "value": "mine"}],
                     etag=item["etag"]).status_code == 200


def test_delay_fault_and_latency(api, emu):
    emu.inject(kind="delay", seconds=0.3, method="GET")
    start = time.monotonic()
    assert api.request("GET", "/connections").status_code == 200
    assert time.monotonic() - start >= 0.3
    assert emu.journal()[-1]["fault"] == "delay" and emu.journal()[-1]["status"] == 200
    # A latency of 1 s, so that the reply after the reset is measurably faster even on a loaded machine.
    emu.set_latency(1)
    start = time.monotonic()
    api.request("GET", "/connections")
    assert time.monotonic() - start >= 1
    emu.reset()
    start = time.monotonic()
    api.request("GET", "/connections")
    assert time.monotonic() - start < 1


def test_barrier_releases_callers_together_and_times_out(emu):
    import concurrent.futures

    def arrive(name, parties, timeout=10):
        return requests.post(emu.url + "/_emulator/barrier/" + name, json={"parties": parties, "timeout": timeout},
                             timeout=30)

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(arrive, "round-1", 3)
        second = pool.submit(arrive, "round-1", 3)
        time.sleep(0.3)
        assert not first.done() and not second.done()  # two of three arrived: both still wait
        third = pool.submit(arrive, "round-1", 3)
        replies = [future.result() for future in (first, second, third)]
    assert [reply.status_code for reply in replies] == [200, 200, 200]
    assert sorted(reply.json()["index"] for reply in replies) == [0, 1, 2]
    start = time.monotonic()
    lonely = arrive("round-2", 2, timeout=0.3)
    assert lonely.status_code == 408 and "round-2" in lonely.json()["error"]
    assert time.monotonic() - start >= 0.3
    assert arrive("round-3", 0).status_code == 400
    assert arrive("round-3", 1, timeout="soon").status_code == 400
    # The same by GET with a query string, what a playbook's url lookup sends.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        arrivals = [pool.submit(requests.get, emu.url + "/_emulator/barrier/round-4", params={"parties": 2, "timeout": 5},
                                timeout=30) for _unused in range(2)]
        assert sorted(arrival.result().json()["index"] for arrival in arrivals) == [0, 1]
    assert requests.get(emu.url + "/_emulator/barrier/round-5", params={"parties": 1, "timeout": "soon"},
                        timeout=30).status_code == 400
    assert all(entry["path"].find("barrier") < 0 for entry in emu.journal())


# -- journal ---------------------------------------------------------------------


def test_journal_redacts_and_skips_control_and_bodies(api, emu):
    conn = api.create(s3SessionToken=SESSION_TOKEN)
    api.patch(conn["id"], [{"op": "add", "path": "/auth/params/s3SessionToken", "value": "fresh-" + SESSION_TOKEN}],
              etag=conn["etag"])
    _token(emu)
    requests.get(emu.url + "/_emulator/store", params={"org": ORG, "sandbox": "prod"}, timeout=5)
    api.request("GET", "/connections", params={"property": "name==conn"})
    journal = requests.get(emu.url + "/_emulator/journal", timeout=5).json()["entries"]
    assert [(e["method"], e["path"]) for e in journal] == [
        ("POST", BASE_PATH + "/connections"),
        ("PATCH", BASE_PATH + "/connections/" + conn["id"]),
        ("POST", "/ims/token/v3"),
        ("GET", BASE_PATH + "/connections"),
    ]
    assert [e["seq"] for e in journal] == [1, 2, 3, 4]
    assert journal[0]["status"] == 201 and journal[0]["fault"] is None
    assert journal[0]["headers"]["authorization"] == "Bearer ***redacted***"
    assert journal[0]["headers"]["x-api-key"] == DEFAULT_CLIENT_ID
    assert journal[0]["headers"]["x-sandbox-name"] == "prod"
    assert journal[3]["query"] == "property=name%3D%3Dconn"
    assert isinstance(journal[3]["time"], float)
    dump = json.dumps(journal)
    for secret in (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY, DEFAULT_ACCESS_TOKEN, DEFAULT_CLIENT_SECRET):
        assert secret not in dump
    assert requests.delete(emu.url + "/_emulator/journal", timeout=5).json() == {"entries": []}
    assert emu.journal() == []


# -- control endpoints over HTTP -----------------------------------------------------


def test_control_endpoints_over_http(api, emu):
    ctl = emu.url + "/_emulator"
    start = time.monotonic()
    resp = requests.post(ctl + "/seed", json={"org": ORG, "sandbox": "prod", "count": 10000,
                                              "name_prefix": "bulk-"}, timeout=60)
    assert resp.status_code == 200
    assert resp.json()["count"] == 10000 and len(set(resp.json()["ids"])) == 10000
    # About 1 s on a quiet machine; a cost per item that grew with the store (quadratic) would take minutes. The
    # bound leaves room for a CI machine whose two cores run three lanes.
    assert time.monotonic() - start < 15
    assert api.request("GET", "/connections", params={"count": "true"}).json() == {"count": 10000}
    # Deep pages stay cheap.
    start = time.monotonic()
    page = api.request("GET", "/connections", params={"limit": "100"}).json()
    for _unused in range(20):
        page = api.url_request("GET", emu.api_url + page["_links"]["next"]["href"]).json()
    assert page["items"][0]["name"] == "bulk-2001"
    assert time.monotonic() - start < 15

    conn_id = resp.json()["ids"][0]
    assert requests.post(ctl + "/connections/%s/in-use" % conn_id, json={"in_use": True}, timeout=5).json() == {
        "id": conn_id, "in_use": True}
    assert_flow_error(api.request("DELETE", "/connections/" + conn_id), "1418-400")
    assert requests.post(ctl + "/connections/%s/test-result" % conn_id, json={"result": False},
                         timeout=5).status_code == 200
    assert api.request("GET", "/connections/%s/test" % conn_id).json() == {"result": False}
    assert requests.post(ctl + "/connections/nope/in-use", json={"in_use": True}, timeout=5).status_code == 404

    resp = requests.post(ctl + "/faults", json={"faults": [{"kind": "drop", "path": "/connections", "count": 3}]},
                         timeout=5)
    assert resp.json()["faults"][0]["count"] == 3
    assert requests.get(ctl + "/faults", timeout=5).json()["faults"][0]["kind"] == "drop"
    assert requests.post(ctl + "/faults", json={"faults": [{"kind": "explode"}]}, timeout=5).status_code == 400
    assert requests.post(ctl + "/latency", json={"seconds": 0.01}, timeout=5).json() == {"seconds": 0.01}

    # 10000 items, each masked and serialised: generous, for a loaded CI machine.
    items = requests.get(ctl + "/store", params={"org": ORG, "sandbox": "prod"}, timeout=60).json()["items"]
    assert len(items) == 10000 and items[0]["auth"]["params"]["s3SecretKey"] == FULL_MASK
    assert requests.post(ctl + "/reset", timeout=5).json() == {"reset": True}
    assert requests.get(ctl + "/faults", timeout=5).json() == {"faults": []}
    assert emu.store(ORG, "prod") == [] and emu.backend.latency == 0
    assert requests.get(ctl + "/nothing", timeout=5).status_code == 404


# -- transport: keep-alive, TLS, state file, CLI -------------------------------------


def test_keep_alive(emu):
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    headers = {"Authorization": "Bearer " + DEFAULT_ACCESS_TOKEN, "x-api-key": DEFAULT_CLIENT_ID,
               "x-gw-ims-org-id": ORG, "x-sandbox-name": "prod"}
    for _unused in range(3):
        conn.request("GET", BASE_PATH + "/connections", headers=headers)
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read()) == {"items": [], "_links": {}}
    sock = conn.sock
    conn.request("DELETE", BASE_PATH + "/connections/x", headers=headers)
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 404 and conn.sock is sock  # same socket throughout
    conn.close()


def test_tls():
    with Emulator(tls=True) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        assert os.path.exists(emu.ca_path)
        client = Client(emu, verify=emu.ca_path)
        assert client.create()["id"]
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(emu.api_url + "/connections", timeout=5)
        emu.inject(kind="drop")
        with pytest.raises(requests.exceptions.ConnectionError):
            client.request("GET", "/connections")
        resp = requests.post(emu.url + "/ims/token/v3", verify=emu.ca_path, timeout=5,
                             data={"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID,
                                   "client_secret": DEFAULT_CLIENT_SECRET})
        assert resp.status_code == 200
        ca_path = emu.ca_path
    assert not os.path.exists(ca_path)


def test_state_file_round_trip(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=str(state)) as emu:
        client = Client(emu)
        conn = client.create(name="persisted", s3SessionToken=SESSION_TOKEN)
        Client(emu, org=OTHER_ORG, sandbox="dev").create(name="elsewhere")
        emu.set_in_use(conn["id"])
        item = client.item(conn["id"])
        digests = emu.param_digests(conn["id"])
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    with Emulator(state_file=str(state)) as emu:
        client = Client(emu)
        assert client.item(conn["id"]) == item
        assert emu.param_digests(conn["id"]) == digests
        assert [i["name"] for i in emu.store(OTHER_ORG, "dev")] == ["elsewhere"]
        assert_flow_error(client.request("DELETE", "/connections/" + conn["id"]), "1418-400")
        new = client.create(name="second")
        assert [i["id"] for i in client.list_all()[0]] == [conn["id"], new["id"]]
        resp = client.patch(conn["id"], [{"op": "replace", "path": "/name", "value": "renamed"}], etag=item["etag"])
        assert resp.status_code == 200
    data = json.loads(state.read_text())
    names = sorted(c["name"] for s in data["scopes"] for c in s["connections"])
    assert names == ["elsewhere", "renamed", "second"]


def test_cli_runs_until_sigterm(tmp_path):
    url_file, ca_file = tmp_path / "url", tmp_path / "ca.pem"
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "aep_emulator", "--tls", "--url-file", str(url_file),
                             "--ca-out", str(ca_file), "--page-size", "2", "--access-token", "cli-token",
                             "--client-id", "cli-client"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not url_file.exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        url = url_file.read_text().strip()
        assert url.startswith("https://127.0.0.1:")
        headers = {"Authorization": "Bearer cli-token", "x-api-key": "cli-client",
                   "x-gw-ims-org-id": ORG, "x-sandbox-name": "prod"}
        requests.post(url + "/_emulator/seed", json={"org": ORG, "count": 3}, verify=str(ca_file), timeout=5)
        resp = requests.get(url + BASE_PATH + "/connections", headers=headers, verify=str(ca_file), timeout=5)
        assert resp.status_code == 200 and len(resp.json()["items"]) == 2 and "next" in resp.json()["_links"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.decode().strip() == url
    assert err == b""  # quiet by default
    assert not url_file.exists()
