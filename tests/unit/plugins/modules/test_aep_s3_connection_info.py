"""aep_s3_connection_info end to end through main(), with HTTP faked at the requests boundary."""

import json

import pytest
import responses
from responses import matchers

from ansible_collections.aep.platform.plugins.modules import aep_s3_connection_info as module

BASE = "https://platform.adobe.io/data/foundation/flowservice"
SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
CONN_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"
OTHER_ID = "1b2c3d4e-0000-4000-8000-000000000002"
THIRD_ID = "1b2c3d4e-0000-4000-8000-000000000003"
SECRETS = ("AKIA-MARKER-ACCESS", "SECRET-MARKER-KEY", "SESSION-MARKER-TOKEN", "TOKEN-MARKER-BEARER")

ARGS = dict(access_token="TOKEN-MARKER-BEARER", client_id="client-1", org_id="ORG1@AdobeOrg", sandbox="dev")


def item(ident=CONN_ID, name="landing", spec=SPEC_ID, spec_name="Access Key", **params):
    if spec_name == "Access Key":
        params.setdefault("s3AccessKey", "AKIA-MARKER-ACCESS")
        params.setdefault("s3SecretKey", "SECRET-MARKER-KEY")
        params.setdefault("s3SessionToken", "SESSION-MARKER-TOKEN")
    return {
        "id": ident, "name": name, "description": "d-" + name, "etag": '"etag-%s"' % ident[-1], "state": "enabled",
        "connectionSpec": {"id": spec, "version": "1.0"}, "auth": {"specName": spec_name, "params": params},
        "createdAt": 1700000000123, "updatedAt": 1700000360000, "createdBy": "someone@AdobeID",
    }


def page(*items, next_token=None):
    links = {"next": {"href": "/connections?continuationToken=" + next_token}} if next_token else {}
    return {"items": list(items), "_links": links}


def args(**overrides):
    return {key: value for key, value in dict(ARGS, **overrides).items() if value is not None}


def leaked(result):
    """The secrets found anywhere in a result (none expected)."""
    return [secret for secret in SECRETS if secret in json.dumps(result)]


@pytest.fixture(autouse=True)
def http(no_sleep):
    """HTTP faked for every test: every registered answer must be used, and nothing else is reachable."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_lists_every_page_on_the_server_filter_without_secrets(http, run_module):
    first = http.get(BASE + "/connections", json=page(item(), item(OTHER_ID, "b"), next_token="p2"),
                     match=[matchers.query_param_matcher({"property": "connectionSpec.id==" + SPEC_ID})])
    second = http.get(BASE + "/connections", json=page(item(THIRD_ID, "c", spec_name="IAMRole Based",
                                                            bucketName="acme")),
                      match=[matchers.query_param_matcher({"continuationToken": "p2"})])

    result = run_module(module, args())

    assert result["changed"] is False
    assert first.call_count == 1 and second.call_count == 1
    assert [c["id"] for c in result["connections"]] == [CONN_ID, OTHER_ID, THIRD_ID]
    landing = result["connections"][0]
    assert landing["auth"] == {"specName": "Access Key", "params": {}}
    assert landing["auth_type"] == "access_key"
    assert (landing["name"], landing["description"], landing["state"], landing["etag"]) == (
        "landing", "d-landing", "enabled", '"etag-b"')
    assert (landing["createdAt"], landing["created_at"]) == (1700000000123, "2023-11-14T22:13:20.123Z")
    assert (landing["updatedAt"], landing["updated_at"]) == (1700000360000, "2023-11-14T22:19:20.000Z")
    assert landing["createdBy"] == "someone@AdobeID"
    assert "test_result" not in landing
    iam = result["connections"][2]
    assert (iam["auth_type"], iam["auth"]["params"]) == ("iam_role", {"bucketName": "acme"})
    assert leaked(result) == []


def test_sends_the_shared_headers_and_only_gets(http, run_module):
    http.get(BASE + "/connections", json=page())
    result = run_module(module, args(), check_mode=True)
    assert result["connections"] == []
    request = http.calls[0].request
    assert request.method == "GET"
    assert request.headers["Authorization"] == "Bearer TOKEN-MARKER-BEARER"
    assert (request.headers["x-api-key"], request.headers["x-sandbox-name"]) == ("client-1", "dev")
    assert request.headers["x-gw-ims-org-id"] == "ORG1@AdobeOrg"


def test_connections_of_other_specs_are_left_out(http, run_module):
    http.get(BASE + "/connections", json=page(item(), item(OTHER_ID, spec="other-spec")))
    result = run_module(module, args())
    assert [c["id"] for c in result["connections"]] == [CONN_ID]


def test_by_name_filters_on_the_server_and_returns_every_exact_match(http, run_module):
    lookup = http.get(BASE + "/connections", json=page(item(), item(OTHER_ID, "landing-2"), item(THIRD_ID)),
                      match=[matchers.query_param_matcher({"property": [
                          "connectionSpec.id==" + SPEC_ID, "name==landing"]})])
    result = run_module(module, args(name="landing"))
    assert lookup.call_count == 1
    assert [c["id"] for c in result["connections"]] == [CONN_ID, THIRD_ID]


def test_a_name_with_a_comma_is_matched_on_the_client_only(http, run_module):
    lookup = http.get(BASE + "/connections", json=page(item(OTHER_ID, "sales"), item(name="sales, eu")))
    result = run_module(module, args(name="sales, eu"))
    assert lookup.calls[0].request.params == {"property": "connectionSpec.id==" + SPEC_ID}
    assert [c["id"] for c in result["connections"]] == [CONN_ID]


def test_by_id(http, run_module):
    one = http.get(BASE + "/connections/" + CONN_ID, json={"items": [item()]})
    result = run_module(module, args(id=CONN_ID))
    assert one.call_count == 1
    assert [c["id"] for c in result["connections"]] == [CONN_ID]
    assert leaked(result) == []


@pytest.mark.parametrize("status, body", [
    (404, {"type": "https://ns.adobe.com/aep/errors/FLOW-1101-404", "title": "Not found", "status": 404}),
    (200, {"items": [item(spec="other-spec")]}),
    (200, {"items": []}),
])
def test_an_unknown_id_or_one_of_another_spec_gives_an_empty_list(http, run_module, status, body):
    http.get(BASE + "/connections/" + CONN_ID, status=status, json=body)
    result = run_module(module, args(id=CONN_ID))
    assert result.get("failed") is not True
    assert result["connections"] == []


def test_test_connection_adds_each_result(http, run_module):
    http.get(BASE + "/connections", json=page(item(), item(OTHER_ID, "b"), item(THIRD_ID, "c")))
    http.get(BASE + "/connections/%s/test" % CONN_ID, json={"result": True})
    http.get(BASE + "/connections/%s/test" % OTHER_ID, json={"result": False})
    http.get(BASE + "/connections/%s/test" % THIRD_ID, status=400, json={
        "type": "https://ns.adobe.com/aep/errors/FLOW-1400-400", "title": "Bad Request", "status": 400,
        "errorMessage": "Unable to reach the bucket", "report": {"request-id": "req-test"}})

    result = run_module(module, args(test_connection=True), check_mode=True)

    assert [(c["test_result"], c["test_error"] is None) for c in result["connections"]] == [
        (True, True), (False, True), (False, False)]
    assert result["connections"][2]["test_error"] == {
        "status": 400, "code": "FLOW-1400-400", "message": "Unable to reach the bucket", "request_id": "req-test",
        "method": "GET", "path": "/connections/%s/test" % THIRD_ID}
    assert all(call.request.method == "GET" for call in http.calls)


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_test_refused_for_the_whole_run_fails_the_task(http, run_module, status):
    http.get(BASE + "/connections", json=page(item()))
    http.get(BASE + "/connections/%s/test" % CONN_ID, status=status,
             json={"error_code": "401013", "message": "Oauth token is not valid"})
    result = run_module(module, args(test_connection=True, retries=0))
    assert result["failed"] is True
    assert result["status"] == status
    assert "GET /connections/%s/test failed with HTTP %s" % (CONN_ID, status) in result["msg"]


def test_api_errors_fail_with_adobes_code_and_request_id(http, run_module):
    http.get(BASE + "/connections", status=401, headers={"x-request-id": "req-401"},
             json={"error_code": "401013", "message": "Oauth token is not valid"})
    result = run_module(module, args())
    assert result["failed"] is True
    assert result["msg"] == ("GET /connections failed with HTTP 401 401013: Oauth token is not valid "
                             "(request id req-401)")
    assert result["error"]["code"] == "401013"
    assert leaked(result) == []


@pytest.mark.parametrize("overrides, message", [
    (dict(name="landing", id=CONN_ID), "name and id are mutually exclusive"),
    (dict(name=""), "name must not be empty"),
    (dict(id="not-a-uuid"), "id must be a UUID"),
    (dict(access_token=None), "No credentials"),
    (dict(sandbox="Prod"), "sandbox must be a sandbox's technical name"),
])
def test_invalid_input_fails_before_any_request(http, run_module, overrides, message):
    result = run_module(module, args(**overrides))
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(http.calls) == 0
