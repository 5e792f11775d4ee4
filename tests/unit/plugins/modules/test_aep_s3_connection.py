"""aep_s3_connection end to end through main(), with HTTP faked at the requests boundary."""

import json

import pytest
import requests
import responses
from responses import matchers

from ansible_collections.aep.platform.plugins.module_utils import _module
from ansible_collections.aep.platform.plugins.modules import aep_s3_connection as module

BASE = "https://platform.adobe.io/data/foundation/flowservice"
SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
CONN_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"
OTHER_ID = "1b2c3d4e-0000-4000-8000-000000000002"
SECRETS = ("AKIA-MARKER-ACCESS", "SECRET-MARKER-KEY", "SESSION-MARKER-TOKEN", "TOKEN-MARKER-BEARER")

ARGS = dict(
    access_token="TOKEN-MARKER-BEARER",
    client_id="client-1",
    org_id="ORG1@AdobeOrg",
    sandbox="dev",
    name="landing",
    s3_access_key="AKIA-MARKER-ACCESS",
    s3_secret_key="SECRET-MARKER-KEY",
)


def item(ident=CONN_ID, name="landing", description="", spec=SPEC_ID, etag='"etag-1"', **params):
    params.setdefault("s3AccessKey", "AKIA****")
    params.setdefault("s3SecretKey", "********")
    return {
        "id": ident, "name": name, "description": description, "etag": etag, "state": "enabled",
        "connectionSpec": {"id": spec, "version": "1.0"},
        "auth": {"specName": "Access Key", "params": params},
    }


def list_reply(*items):
    return {"items": list(items), "_links": {}}


def args(**overrides):
    result = dict(ARGS)
    result.update(overrides)
    return {key: value for key, value in result.items() if value is not None}


def writes():
    return [call.request for call in responses.calls if call.request.method != "GET"]


def assert_no_secret(result):
    text = json.dumps(result)
    for secret in SECRETS:
        assert secret not in text


@pytest.fixture(autouse=True)
def fake_http(no_sleep):
    """Every test runs with HTTP faked; an unexpected request fails with ConnectionError."""
    responses.start()
    yield
    responses.stop()
    responses.reset()


# Validation: one sentence naming the option, and no request at all ----------

@pytest.mark.parametrize("overrides, message", [
    (dict(access_token=None, client_id=None), "No credentials: give access_token (AEP_ACCESS_TOKEN)"),
    (dict(access_token=None), "No credentials"),
    (dict(id="not-a-uuid"), "id must be a UUID"),
    (dict(sandbox="Prod"), "sandbox must be a sandbox's technical name"),
    (dict(org_id="ORG1"), "org_id must be an IMS organization id ending in @AdobeOrg"),
    (dict(bucket_name="My_Bucket"), "bucket_name must follow S3's bucket naming rules"),
    (dict(bucket_name="ab"), "bucket_name must follow S3's bucket naming rules"),
    (dict(bucket_name="192.168.1.10"), "not an IP address"),
    (dict(bucket_name="a" * 64), "3 to 63 characters"),
    (dict(bucket_name="my..bucket"), "bucket_name must follow"),
    (dict(service_url="http://s3.eu-west-1.amazonaws.com"), "service_url must be an https:// URL"),
    (dict(auth_type="iam_role", bucket_name="my-bucket"), "auth_type iam_role does not take s3_access_key, s3_secret_key."),
    (dict(update_credentials="always", s3_secret_key=None),
     "auth_type access_key needs s3_secret_key when update_credentials is always."),
    (dict(platform_url="http://platform.example.com"), "platform_url must use https://"),
    (dict(timeout=0), "timeout must be a number of seconds"),
])
def test_invalid_input_fails_before_any_request(run_module, overrides, message):
    result = run_module(module, args(**overrides))
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(responses.calls) == 0


def test_name_or_id_is_required(run_module):
    result = run_module(module, args(name=None))
    assert result["failed"] is True
    assert result["msg"] == "one of the following is required: name, id"
    assert len(responses.calls) == 0


def test_iam_role_needs_bucket_name_to_create(run_module):
    responses.get(BASE + "/connections", json=list_reply())
    result = run_module(module, args(auth_type="iam_role", s3_access_key=None, s3_secret_key=None))
    assert result["failed"] is True
    assert result["msg"] == "auth_type iam_role needs bucket_name when creating a connection."
    assert writes() == []


def test_create_without_keys_fails_without_posting(run_module):
    responses.get(BASE + "/connections", json=list_reply())
    result = run_module(module, args(s3_access_key=None, s3_secret_key=None))
    assert result["msg"] == "auth_type access_key needs s3_access_key and s3_secret_key when creating a connection."
    assert writes() == []


# Create --------------------------------------------------------------------

def test_create_posts_spec_and_credentials_and_returns_facts(run_module):
    lookup = responses.get(BASE + "/connections", json=list_reply(item(ident=OTHER_ID, spec="other-spec")),
                           match=[matchers.query_param_matcher(
                               {"property": ["connectionSpec.id==" + SPEC_ID, "name==landing"]})])
    post = responses.post(BASE + "/connections", status=201, json={"id": CONN_ID, "etag": '"etag-1"'})
    result = run_module(module, args(description="raw files", bucket_name="my-bucket",
                                     service_url="https://s3.eu-west-1.amazonaws.com"), diff=True)

    assert result["changed"] is True
    assert (result["id"], result["etag"]) == (CONN_ID, '"etag-1"')
    assert result["ansible_facts"]["aep_s3_connection"] == {"id": CONN_ID, "etag": '"etag-1"', "name": "landing"}
    assert lookup.call_count == 2 and post.call_count == 1  # the look-up, then the check for a concurrent create
    sent = json.loads(post.calls[0].request.body)
    assert sent == {
        "name": "landing", "description": "raw files",
        "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
        "auth": {"specName": "Access Key", "params": {
            "s3AccessKey": "AKIA-MARKER-ACCESS", "s3SecretKey": "SECRET-MARKER-KEY",
            "bucketName": "my-bucket", "serviceUrl": "https://s3.eu-west-1.amazonaws.com"}},
    }
    headers = post.calls[0].request.headers
    assert headers["Authorization"] == "Bearer TOKEN-MARKER-BEARER"
    assert headers["x-api-key"] == "client-1"
    assert headers["x-gw-ims-org-id"] == "ORG1@AdobeOrg"
    assert headers["x-sandbox-name"] == "dev"
    assert result["diff"] == {"before": {}, "after": {
        "name": "landing", "description": "raw files", "auth_type": "access_key",
        "params": {"bucketName": "my-bucket", "serviceUrl": "https://s3.eu-west-1.amazonaws.com"}}}
    assert result["connection"]["auth"]["params"] == {
        "bucketName": "my-bucket", "serviceUrl": "https://s3.eu-west-1.amazonaws.com"}
    assert_no_secret(result)


def test_create_in_check_mode_predicts_without_writing(run_module):
    responses.get(BASE + "/connections", json=list_reply())
    result = run_module(module, args(), check_mode=True)
    assert result["changed"] is True
    assert result["id"] is None and result["connection"]["id"] is None
    assert result["connection"]["name"] == "landing"
    assert writes() == []


def test_create_iam_role(run_module):
    responses.get(BASE + "/connections", json=list_reply())
    post = responses.post(BASE + "/connections", status=201, json={"id": CONN_ID, "etag": '"e"'})
    run_module(module, args(auth_type="iam_role", bucket_name="my-bucket", s3_access_key=None, s3_secret_key=None))
    assert json.loads(post.calls[0].request.body)["auth"] == {
        "specName": "IAMRole Based", "params": {"bucketName": "my-bucket"}}


def test_create_with_session_token(run_module):
    responses.get(BASE + "/connections", json=list_reply())
    post = responses.post(BASE + "/connections", status=201, json={"id": CONN_ID, "etag": '"e"'})
    result = run_module(module, args(s3_session_token="SESSION-MARKER-TOKEN"))
    assert json.loads(post.calls[0].request.body)["auth"]["params"]["s3SessionToken"] == "SESSION-MARKER-TOKEN"
    assert_no_secret(result)


def test_dropped_post_that_was_applied_is_not_sent_again(run_module):
    """The POST reached the server but the reply was lost: the look-up finds it, no second POST."""
    responses.get(BASE + "/connections", json=list_reply())
    responses.get(BASE + "/connections", json=list_reply(item()))
    post = responses.post(BASE + "/connections", body=requests.exceptions.ConnectionError("connection reset"))
    result = run_module(module, args())
    assert result["changed"] is True and result["id"] == CONN_ID
    assert post.call_count == 1


def test_post_rate_limited_is_sent_again_after_lookup(run_module, no_sleep):
    responses.get(BASE + "/connections", json=list_reply())
    post_limited = responses.post(BASE + "/connections", status=429, headers={"Retry-After": "2"},
                                  json={"error_code": "429050", "message": "Too many requests"})
    result = None
    responses.post(BASE + "/connections", status=201, json={"id": CONN_ID, "etag": '"e"'})
    result = run_module(module, args())
    assert result["changed"] is True and result["id"] == CONN_ID
    assert post_limited.call_count == 1
    assert no_sleep == [2.0]
    methods = [call.request.method for call in responses.calls]
    assert methods == ["GET", "POST", "GET", "POST", "GET"]  # the last GET: the check for a concurrent create


# Converged and updates ---------------------------------------------------

def test_existing_connection_is_not_changed(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(description="raw")))
    result = run_module(module, args(description="raw", bucket_name=None), diff=True)
    assert result["changed"] is False
    assert len(responses.calls) == 1
    assert result["diff"]["before"] == result["diff"]["after"]
    assert "s3SecretKey" not in result["connection"]["auth"]["params"]
    assert "s3AccessKey" not in result["connection"]["auth"]["params"]


def test_update_description_patches_with_if_match(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(description="old")))
    patch = responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-2"'})
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(description="new", etag='"etag-2"')]})
    result = run_module(module, args(description="new"), diff=True)
    assert result["changed"] is True
    assert result["etag"] == '"etag-2"'
    assert result["ansible_facts"]["aep_s3_connection"]["etag"] == '"etag-2"'
    assert patch.calls[0].request.headers["If-Match"] == '"etag-1"'
    assert json.loads(patch.calls[0].request.body) == [{"op": "replace", "path": "/description", "value": "new"}]
    assert result["diff"]["before"]["description"] == "old"
    assert result["diff"]["after"]["description"] == "new"


def test_update_in_check_mode_does_not_patch(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(description="old")))
    result = run_module(module, args(description="new"), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["connection"]["description"] == "new"
    assert result["etag"] == '"etag-1"'
    assert writes() == []


def test_non_secret_params_are_compared_and_patched_one_by_one(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(bucketName="old-bucket")))
    patch = responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-2"'})
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(etag='"etag-2"')]})
    run_module(module, args(bucket_name="new-bucket", folder_path="in/"))
    assert json.loads(patch.calls[0].request.body) == [
        {"op": "replace", "path": "/auth/params/bucketName", "value": "new-bucket"},
        {"op": "add", "path": "/auth/params/folderPath", "value": "in/"},
    ]


def test_credentials_are_never_compared_with_on_create(run_module):
    responses.get(BASE + "/connections", json=list_reply(item()))
    result = run_module(module, args(s3_secret_key="a-different-secret"))
    assert result["changed"] is False
    assert writes() == []


def test_update_credentials_always_replaces_params_and_reports_change(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(bucketName="b-1")))
    patch = responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-2"'})
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(etag='"etag-2"')]})
    result = run_module(module, args(update_credentials="always", s3_session_token="SESSION-MARKER-TOKEN",
                                     bucket_name="b-1"), diff=True)
    assert result["changed"] is True
    assert json.loads(patch.calls[0].request.body) == [{"op": "replace", "path": "/auth/params", "value": {
        "s3AccessKey": "AKIA-MARKER-ACCESS", "s3SecretKey": "SECRET-MARKER-KEY",
        "s3SessionToken": "SESSION-MARKER-TOKEN", "bucketName": "b-1"}}]
    assert result["diff"]["after"]["credentials"] == "(replaced, not shown)"
    assert_no_secret(result)


def test_changing_auth_type_needs_update_credentials_always(run_module):
    responses.get(BASE + "/connections", json=list_reply(item()))
    result = run_module(module, args(auth_type="iam_role", bucket_name="my-bucket", s3_access_key=None,
                                     s3_secret_key=None))
    assert result["failed"] is True
    assert "changing it to iam_role replaces its credentials: set update_credentials to always" in result["msg"]
    assert writes() == []


def test_changing_auth_type_with_always_replaces_auth(run_module):
    responses.get(BASE + "/connections", json=list_reply(item()))
    patch = responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-2"'})
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(etag='"etag-2"')]})
    run_module(module, args(auth_type="iam_role", bucket_name="my-bucket", s3_access_key=None,
                            s3_secret_key=None, update_credentials="always"))
    assert json.loads(patch.calls[0].request.body) == [{"op": "replace", "path": "/auth", "value": {
        "specName": "IAMRole Based", "params": {"bucketName": "my-bucket"}}}]


def test_concurrent_change_is_reread_and_retried_once(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(description="old")))
    conflict = {"type": "https://ns.adobe.com/aep/errors/FLOW-1404-412", "title": "Precondition failed",
                "status": 412, "report": {"request-id": "req-412"}}
    first = responses.patch(BASE + "/connections/" + CONN_ID, status=412, json=conflict)
    responses.get(BASE + "/connections/" + CONN_ID,
                  json={"items": [item(description="someone else's", etag='"etag-9"')]})
    second = responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-10"'})
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(description="new", etag='"etag-10"')]})
    result = run_module(module, args(description="new"))
    assert result["changed"] is True and result["etag"] == '"etag-10"'
    assert first.call_count == 1 and second.call_count == 1
    assert [c.request.headers["If-Match"] for c in responses.calls if c.request.method == "PATCH"] == [
        '"etag-1"', '"etag-9"']


def test_second_412_fails_and_says_nothing_was_overwritten(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(description="old")))
    conflict = {"type": "https://ns.adobe.com/aep/errors/FLOW-1404-412", "title": "Precondition failed",
                "status": 412, "report": {"request-id": "req-412"}}
    responses.patch(BASE + "/connections/" + CONN_ID, status=412, json=conflict)
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(description="x", etag='"etag-9"')]})
    result = run_module(module, args(description="new"))
    assert result["failed"] is True
    assert result["status"] == 412
    assert result["error"]["code"] == "FLOW-1404-412"
    assert "PATCH /connections/%s failed with HTTP 412 FLOW-1404-412" % CONN_ID in result["msg"]
    assert "(request id req-412)" in result["msg"]
    assert "changed by someone else twice" in result["msg"]


def test_rejected_update_says_the_connection_was_not_changed(run_module):
    responses.get(BASE + "/connections", json=list_reply(item(description="old")))
    responses.patch(BASE + "/connections/" + CONN_ID, status=400, json={
        "type": "https://ns.adobe.com/aep/errors/FLOW-1434-400", "title": "Invalid patch", "status": 400,
        "errorMessage": "Invalid patch operation", "report": {"request-id": "req-1"}})
    result = run_module(module, args(description="new"))
    assert result["failed"] is True
    assert result["msg"].endswith("The S3 connection was not changed.")


# Identity ------------------------------------------------------------------

def test_address_by_id_and_rename(run_module):
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(name="old-name")]})
    patch = responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-2"'})
    run_module(module, args(id=CONN_ID, name="new-name"))
    assert json.loads(patch.calls[0].request.body) == [{"op": "replace", "path": "/name", "value": "new-name"}]


def test_unknown_id_fails_and_never_creates(run_module):
    responses.get(BASE + "/connections/" + CONN_ID, status=404, json={
        "type": "https://ns.adobe.com/aep/errors/FLOW-1101-404", "title": "Not found", "status": 404})
    result = run_module(module, args(id=CONN_ID))
    assert result["failed"] is True
    assert "No S3 connection with id %s exists in sandbox 'dev'" % CONN_ID in result["msg"]
    assert writes() == []


def test_id_of_another_kind_of_connection_is_refused(run_module):
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(spec="other-spec")]})
    result = run_module(module, args(id=CONN_ID, description="x"))
    assert result["failed"] is True
    assert "is not an S3 connection" in result["msg"]
    assert writes() == []


def test_duplicate_names_fail_listing_every_id(run_module):
    responses.get(BASE + "/connections", json={
        "items": [item()], "_links": {"next": {"href": "/connections?continuationToken=p2"}}})
    responses.get(BASE + "/connections", json=list_reply(item(ident=OTHER_ID)),
                  match=[matchers.query_param_matcher({"continuationToken": "p2"})])
    result = run_module(module, args())
    assert result["failed"] is True
    assert CONN_ID in result["msg"] and OTHER_ID in result["msg"]
    assert "pass id to choose one" in result["msg"]
    assert sorted(result["ids"]) == sorted([CONN_ID, OTHER_ID])
    assert writes() == []


def test_name_with_comma_is_matched_exactly_on_the_client(run_module):
    lookup = responses.get(BASE + "/connections", json=list_reply(
        item(ident=OTHER_ID, name="sales"), item(name="sales, eu")))
    result = run_module(module, args(name="sales, eu"))
    assert result["changed"] is False and result["id"] == CONN_ID
    assert lookup.calls[0].request.params == {"property": "connectionSpec.id==" + SPEC_ID}


# Absent --------------------------------------------------------------------

def test_absent_deletes(run_module):
    responses.get(BASE + "/connections", json=list_reply(item()))
    delete = responses.delete(BASE + "/connections/" + CONN_ID, status=204)
    result = run_module(module, args(state="absent", s3_access_key=None, s3_secret_key=None), diff=True)
    assert result["changed"] is True and delete.call_count == 1
    assert result["id"] == CONN_ID and result["etag"] is None
    assert result["ansible_facts"]["aep_s3_connection"]["id"] is None
    assert result["diff"]["after"] == {}


def test_absent_in_check_mode_does_not_delete(run_module):
    responses.get(BASE + "/connections", json=list_reply(item()))
    result = run_module(module, args(state="absent"), check_mode=True)
    assert result["changed"] is True
    assert writes() == []


def test_absent_when_missing_is_not_changed(run_module):
    responses.get(BASE + "/connections", json=list_reply())
    result = run_module(module, args(state="absent"))
    assert result["changed"] is False and result["id"] is None
    assert writes() == []


def test_connection_in_use_is_not_deleted(run_module):
    responses.get(BASE + "/connections", json=list_reply(item()))
    responses.delete(BASE + "/connections/" + CONN_ID, status=400, json={
        "type": "https://ns.adobe.com/aep/errors/FLOW-1418-400", "title": "Connection in use", "status": 400,
        "errorMessage": "Connection is used by dataflows", "report": {"request-id": "req-in-use"}})
    result = run_module(module, args(state="absent"))
    assert result["failed"] is True
    assert "used by a dataflow" in result["msg"]
    assert "FLOW-1418-400" in result["msg"] and "req-in-use" in result["msg"]


# Errors --------------------------------------------------------------------

def test_gateway_error_is_reported_with_code(run_module):
    responses.get(BASE + "/connections", status=401, json={"error_code": "401013",
                                                           "message": "Oauth token is not valid"},
                  headers={"x-request-id": "gw-1"})
    result = run_module(module, args())
    assert result["failed"] is True
    assert result["msg"] == ("GET /connections failed with HTTP 401 401013: Oauth token is not valid "
                             "(request id gw-1)")
    assert result["error"] == {"code": "401013", "message": "Oauth token is not valid", "request_id": "gw-1",
                               "method": "GET", "path": "/connections"}
    assert "Traceback" not in json.dumps(result)
    assert_no_secret(result)


def test_missing_requests_library_is_reported(run_module, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    result = run_module(module, args())
    assert result["failed"] is True
    assert "Failed to import the required Python library (requests)" in result["msg"]


def test_client_credentials_get_one_token(run_module):
    token = responses.post("https://ims-na1.adobelogin.com/ims/token/v3",
                           json={"access_token": "TOKEN-MARKER-BEARER", "expires_in": 86399})
    responses.get(BASE + "/connections", json=list_reply(item(description="old")))
    responses.patch(BASE + "/connections/" + CONN_ID, json={"id": CONN_ID, "etag": '"etag-2"'})
    responses.get(BASE + "/connections/" + CONN_ID, json={"items": [item(etag='"etag-2"')]})
    result = run_module(module, args(access_token=None, client_secret="CLIENT-MARKER-SECRET", description="new"))
    assert result["changed"] is True
    assert token.call_count == 1
    assert all(c.request.headers.get("Authorization") == "Bearer TOKEN-MARKER-BEARER"
               for c in responses.calls if "flowservice" in c.request.url)
    assert "CLIENT-MARKER-SECRET" not in json.dumps(result)
