"""Helpers shared by the emulator's tests of the pipeline APIs (explore, Catalog,
Schema Registry, Data Prep, flows, runs): a client for every base path and
assertions for each service's error shape."""

from __future__ import annotations

import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aep_emulator import (  # noqa: E402
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENT_ID,
    S3_SPEC_ID,
)

ORG = "0123456789ABCDEF01234567@AdobeOrg"
OTHER_ORG = "FEDCBA9876543210FEDCBA98@AdobeOrg"

FLOW = "/data/foundation/flowservice"
CATALOG = "/data/foundation/catalog"
SCHEMAS = "/data/foundation/schemaregistry"
DATAPREP = "/data/foundation/conversion"

XED_ID = "application/vnd.adobe.xed-id+json"
XED = "application/vnd.adobe.xed+json"
XED_FULL_V1 = "application/vnd.adobe.xed-full+json; version=1"
LANDING = "acme-aep-landing"


class Api:
    """A requests.Session with the four platform headers; paths are full (``/data/foundation/...``)."""

    def __init__(self, emu, org=ORG, sandbox="prod", token=DEFAULT_ACCESS_TOKEN):
        self.emu = emu
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": "Bearer " + token,
            "x-api-key": DEFAULT_CLIENT_ID,
            "x-gw-ims-org-id": org,
            "x-sandbox-name": sandbox,
        })

    def request(self, method, path, **kwargs):
        url = path if path.startswith("http") else self.emu.url + path
        return self.session.request(method, url, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def close(self):
        self.session.close()

    # -- conveniences ---------------------------------------------------------

    def s3_connection(self, name="s3", **params):
        auth_params = {"s3AccessKey": "AKIAEXAMPLEACCESSKEY", "s3SecretKey": "secret-key-value"}
        auth_params.update(params)
        resp = self.post(FLOW + "/connections", json={
            "name": name, "auth": {"specName": "Access Key", "params": auth_params},
            "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"}})
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    def explore(self, conn_id, **params):
        return self.get("%s/connections/%s/explore" % (FLOW, conn_id), params=params)

    def schema_by_title(self, title):
        resp = self.get(SCHEMAS + "/tenant/schemas", headers={"Accept": XED_ID},
                        params={"property": "title==" + title, "limit": "300"})
        assert resp.status_code == 200, resp.text
        results = resp.json()["results"]
        assert len(results) == 1, results
        return results[0]

    def dataset(self, name, schema_id, **extra):
        body = dict({"name": name, "schemaRef": {"id": schema_id,
                                                 "contentType": "application/vnd.adobe.xed+json;version=1"}}, **extra)
        resp = self.post(CATALOG + "/dataSets", params={"requestDataSource": "true"}, json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()[0].split("/")[-1]


def assert_flow_error(resp, code):
    status = int(code.split("-")[1])
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-" + code, body
    assert body["status"] == status and body["title"] and body["errorMessage"]
    assert body["report"]["request-id"] == resp.headers["x-request-id"]
    return body


def _assert_platform_error(resp, prefix, code):
    status = int(code.split("-")[1])
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["type"] == "http://ns.adobe.com/aep/errors/%s-%s" % (prefix, code), body
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["report"]["detailed-message"] == body["detail"]
    return body


def assert_catalog_error(resp, code):
    body = _assert_platform_error(resp, "CAT", code)
    assert body["report"]["request-id"] == resp.headers["x-request-id"]
    return body


def assert_dataprep_error(resp, code):
    body = _assert_platform_error(resp, "MAPPER", code)
    assert body["report"]["request-id"] == resp.headers["x-request-id"]
    return body


def assert_xdm_error(resp, code):
    body = _assert_platform_error(resp, "XDM", code)
    assert body["report"]["registryRequestId"] == resp.headers["x-request-id"]
    assert body["report"]["sub-errors"] == [] and body["report"]["timestamp"]
    return body
