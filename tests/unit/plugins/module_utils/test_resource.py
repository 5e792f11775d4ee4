"""Generic resource logic (FlowServiceResource, BaseConnection) driven directly, HTTP faked."""

import copy

import pytest
import requests

from ansible_collections.aep.platform.plugins.module_utils._errors import AepError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._resource import FlowServiceResource, apply_json_patch
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3_CONNECTION_SPEC_ID, S3Connection

SPEC = S3_CONNECTION_SPEC_ID
CONN_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"
OTHER_ID = "1b2c3d4e-0000-4000-8000-000000000002"
THIRD_ID = "1b2c3d4e-0000-4000-8000-000000000003"
ONE = "/connections/" + CONN_ID
SECRETS = ("AKIA-MARKER", "SECRET-MARKER", "SESSION-MARKER")


def item(ident=CONN_ID, name="landing", spec=SPEC, etag='"1"', spec_name="Access Key", **fields):
    params = fields.pop("params", {"s3AccessKey": "AKIA****", "bucketName": "acme-landing"})
    result = {"id": ident, "name": name, "etag": etag, "state": "enabled",
              "connectionSpec": {"id": spec, "version": "1.0"},
              "auth": {"specName": spec_name, "params": params}}
    result.update(fields)
    return result


def resource(api, check_mode=False, diff=True, retries=1, **overrides):
    params = dict(name="landing", id=None, description=None, state="present", auth_type=None,
                  s3_access_key=None, s3_secret_key=None, s3_session_token=None, service_url=None,
                  bucket_name=None, folder_path=None, update_credentials="on_create", sandbox="dev")
    params.update(overrides)
    return S3Connection(api.client(retries=retries, rand=lambda: 0.0), params, check_mode=check_mode, diff=diff)


def listing(api, *items):
    api.add("GET", "/connections", json={"items": list(items), "_links": {}})


def one(api, *items, status=200):
    api.add("GET", ONE, status=status, json={"items": list(items)} if status == 200 else api.flow_error(
        "1101-404", "not found", status=status))


def assert_no_secret(value):
    assert not any(secret in repr(value) for secret in SECRETS)


# apply_json_patch --------------------------------------------------------

DOCUMENT = {"name": "a", "auth": {"specName": "Access Key", "params": {"bucketName": "b", "x/y": 1, "t~n": 2}}}


@pytest.mark.parametrize("operations, expected", [
    ([{"op": "replace", "path": "/name", "value": "z"}],
     dict(DOCUMENT, name="z")),
    ([{"op": "add", "path": "/description", "value": "d"}],
     dict(DOCUMENT, description="d")),
    ([{"op": "remove", "path": "/name"}],
     {"auth": DOCUMENT["auth"]}),
    ([{"op": "remove", "path": "/missing"}],
     DOCUMENT),
    ([{"op": "replace", "path": "/auth/params/x~1y", "value": 9}, {"op": "remove", "path": "/auth/params/t~0n"}],
     {"name": "a", "auth": {"specName": "Access Key", "params": {"bucketName": "b", "x/y": 9}}}),
    ([{"op": "add", "path": "/a~01", "value": 1}],
     dict(DOCUMENT, **{"a~1": 1})),
    ([{"op": "replace", "path": "/auth/params", "value": {"k": "v"}}],
     {"name": "a", "auth": {"specName": "Access Key", "params": {"k": "v"}}}),
    ([{"op": "add", "path": "/new/deep", "value": 1}],
     dict(DOCUMENT, new={"deep": 1})),
])
def test_apply_json_patch(operations, expected):
    before = copy.deepcopy(DOCUMENT)
    operations_before = copy.deepcopy(operations)

    assert apply_json_patch(DOCUMENT, operations) == expected
    assert DOCUMENT == before
    assert operations == operations_before


def test_apply_json_patch_copies_values():
    value = {"k": ["v"]}
    result = apply_json_patch({}, [{"op": "add", "path": "/auth", "value": value}])
    value["k"].append("changed")

    assert result == {"auth": {"k": ["v"]}}


# Look-up -----------------------------------------------------------------

def test_find_by_name_filters_on_the_server_and_matches_exactly(api):
    listing(api, item(OTHER_ID, name="landing-eu"), item(THIRD_ID, spec="other-spec-id"), item())

    found = resource(api).find_by_name("landing")

    assert found["id"] == CONN_ID
    assert api.query(api.calls[0]) == {"property": ["connectionSpec.id==%s" % SPEC, "name==landing"]}


def test_find_by_name_ignores_connections_of_another_spec(api):
    listing(api, item(OTHER_ID, spec="other-spec-id"), item(THIRD_ID, spec=None))

    assert resource(api).find_by_name("landing") is None


def test_find_by_name_with_a_comma_filters_on_the_client_only(api):
    listing(api, item(OTHER_ID, name="a"), item(name="a,b"), item(THIRD_ID, name="b"))

    found = resource(api, name="a,b").find_by_name("a,b")

    assert found["id"] == CONN_ID
    assert api.query(api.calls[0]) == {"property": ["connectionSpec.id==%s" % SPEC]}


def test_find_by_name_refuses_duplicate_names(api):
    listing(api, item(), item(OTHER_ID), item(THIRD_ID, spec="other-spec-id"))

    with pytest.raises(AepError) as info:
        resource(api).find_by_name("landing")

    assert info.value.msg.startswith(
        "2 S3 connections are named 'landing' in sandbox 'dev': %s, %s." % (CONN_ID, OTHER_ID))
    assert "pass id" in info.value.msg
    assert info.value.fail_kwargs()["ids"] == [CONN_ID, OTHER_ID]


def test_get_by_id(api):
    one(api, item())

    assert resource(api).get_by_id(CONN_ID)["name"] == "landing"
    assert api.calls[0].url == api.base + ONE


@pytest.mark.parametrize("answer", [dict(status=404), dict(json={"items": []}), dict(json={})])
def test_get_by_id_of_a_missing_connection_is_none(api, answer):
    api.add("GET", ONE, **answer)

    assert resource(api).get_by_id(CONN_ID) is None


def test_get_by_id_refuses_a_connection_of_another_spec(api):
    one(api, item(spec="other-spec-id"))

    with pytest.raises(AepError) as info:
        resource(api).get_by_id(CONN_ID)

    assert info.value.msg == ("%s exists but is not an S3 connection; refusing to manage it with this "
                              "module." % CONN_ID)


def test_get_by_id_passes_other_errors_on(api):
    api.add("GET", ONE, status=403, json=api.flow_error("2118-403", "no permission", status=403))

    with pytest.raises(AepError) as info:
        resource(api).get_by_id(CONN_ID)

    assert info.value.fail_kwargs()["status"] == 403


def test_find_uses_the_id_when_given(api):
    one(api, item())

    assert resource(api, id=CONN_ID, name=None).find()["id"] == CONN_ID
    assert api.methods() == ["GET"]


# Create ------------------------------------------------------------------

CREDENTIALS = dict(s3_access_key="AKIA-MARKER", s3_secret_key="SECRET-MARKER", bucket_name="acme-landing")


def test_create_posts_the_body_and_returns_no_secret(api):
    listing(api)
    api.add("POST", "/connections", status=201, json={"id": CONN_ID, "etag": '"1"'})

    result = resource(api, description="drop zone", **CREDENTIALS).run()

    assert api.json_body(api.writes()[0]) == {
        "name": "landing",
        "description": "drop zone",
        "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AKIA-MARKER", "s3SecretKey": "SECRET-MARKER",
                                                      "bucketName": "acme-landing"}},
        "connectionSpec": {"id": SPEC, "version": "1.0"},
    }
    assert (result["changed"], result["id"], result["etag"]) == (True, CONN_ID, '"1"')
    assert result["connection"]["auth"]["params"] == {"bucketName": "acme-landing"}
    assert result["ansible_facts"] == {"aep_s3_connection": {"id": CONN_ID, "etag": '"1"', "name": "landing"}}
    assert result["diff"] == {"before": {}, "after": {"name": "landing", "description": "drop zone",
                                                      "auth_type": "access_key",
                                                      "params": {"bucketName": "acme-landing"}}}
    assert_no_secret(result)


def test_create_in_check_mode_sends_nothing(api):
    listing(api)

    result = resource(api, check_mode=True, **CREDENTIALS).run()

    assert api.writes() == []
    assert (result["changed"], result["id"], result["etag"]) == (True, None, None)
    assert result["connection"]["name"] == "landing"
    assert_no_secret(result)


def test_create_recovers_after_a_dropped_post_without_posting_again(api):
    listing(api)
    api.add("POST", "/connections", body=requests.exceptions.ConnectionError("connection reset"))
    listing(api, item(etag='"7"', state="enabled"))

    result = resource(api, **CREDENTIALS).run()

    # Look-up, POST, look-up that finds it, look-up for a concurrent create of the same name.
    assert api.methods() == ["GET", "POST", "GET", "GET"]
    assert (result["changed"], result["id"], result["etag"]) == (True, CONN_ID, '"7"')
    assert result["connection"]["state"] == "enabled"
    assert_no_secret(result)


def test_create_reply_without_id_is_an_error(api):
    listing(api)
    api.add("POST", "/connections", status=201, json={"etag": '"1"'})

    with pytest.raises(AepError) as info:
        resource(api, **CREDENTIALS).run()

    assert info.value.msg.startswith("POST /connections succeeded but the reply has no id")


def test_create_needs_credentials(api):
    listing(api)

    with pytest.raises(AepValidationError) as info:
        resource(api, bucket_name="acme-landing").run()

    assert info.value.msg == "auth_type access_key needs s3_access_key and s3_secret_key when creating a connection."
    assert api.writes() == []


def test_create_needs_a_name(api):
    with pytest.raises(AepValidationError) as info:
        resource(api, name=None, **CREDENTIALS).create()

    assert info.value.msg == "name is required to create a S3 connection."


def test_an_unknown_id_is_never_created(api):
    one(api, status=404)

    with pytest.raises(AepError) as info:
        resource(api, id=CONN_ID, **CREDENTIALS).run()

    assert info.value.msg.startswith("No S3 connection with id %s exists in sandbox 'dev'." % CONN_ID)
    assert api.writes() == []


# Update ------------------------------------------------------------------

def patch_ok(api, etag='"2"'):
    api.add("PATCH", ONE, json={"id": CONN_ID, "etag": etag})


def test_update_patches_with_if_match_and_reads_back(api):
    listing(api, item(description="old"))
    patch_ok(api)
    one(api, item(description="new", etag='"2"'))

    result = resource(api, description="new").run()

    patch = api.writes()[0]
    assert api.json_body(patch) == [{"op": "replace", "path": "/description", "value": "new"}]
    assert patch.headers["If-Match"] == '"1"'
    assert (result["changed"], result["etag"]) == (True, '"2"')
    assert result["diff"]["before"]["description"] == "old"
    assert result["diff"]["after"]["description"] == "new"
    assert "credentials" not in result["diff"]["before"]


def test_no_change_means_no_patch(api):
    listing(api, item(description="same"))

    result = resource(api, description="same", s3_secret_key="SECRET-MARKER", bucket_name="acme-landing").run()

    assert api.writes() == []
    assert (result["changed"], result["id"], result["etag"]) == (False, CONN_ID, '"1"')
    assert result["diff"]["before"] == result["diff"]["after"]
    assert_no_secret(result)


def test_update_in_check_mode_sends_nothing(api):
    listing(api, item())

    result = resource(api, check_mode=True, description="new", folder_path="in").run()

    assert api.writes() == []
    assert result["changed"] is True
    assert result["connection"]["description"] == "new"
    assert result["connection"]["auth"]["params"] == {"bucketName": "acme-landing", "folderPath": "in"}
    assert result["diff"]["after"]["params"] == {"bucketName": "acme-landing", "folderPath": "in"}


@pytest.mark.parametrize("overrides, current, operations", [
    (dict(id=CONN_ID, name="renamed"), item(),
     [{"op": "replace", "path": "/name", "value": "renamed"}]),
    (dict(description="first"), item(),
     [{"op": "add", "path": "/description", "value": "first"}]),
    (dict(description=""), item(description=None), []),
    (dict(bucket_name="acme-other", folder_path="in/"), item(),
     [{"op": "replace", "path": "/auth/params/bucketName", "value": "acme-other"},
      {"op": "add", "path": "/auth/params/folderPath", "value": "in/"}]),
    (dict(s3_access_key="AKIA-MARKER", s3_secret_key="SECRET-MARKER", s3_session_token="SESSION-MARKER"),
     item(), []),
    (dict(bucket_name="acme-landing"), item(spec_name="IAMRole Based", params={"bucketName": "acme-landing"}), []),
])
def test_patch_operations(api, overrides, current, operations):
    assert resource(api, **overrides).patch_operations(current) == operations


def test_replacing_credentials_sends_them_and_marks_the_diff(api):
    listing(api, item())
    patch_ok(api)
    one(api, item(etag='"2"'))

    result = resource(api, update_credentials="always", s3_access_key="AKIA-MARKER", s3_secret_key="SECRET-MARKER",
                      s3_session_token="SESSION-MARKER", bucket_name="acme-landing").run()

    assert api.json_body(api.writes()[0]) == [{"op": "replace", "path": "/auth/params", "value": {
        "s3AccessKey": "AKIA-MARKER", "s3SecretKey": "SECRET-MARKER", "s3SessionToken": "SESSION-MARKER",
        "bucketName": "acme-landing"}}]
    assert result["changed"] is True
    assert result["diff"]["before"]["credentials"] == "(write-only, not shown)"
    assert result["diff"]["after"]["credentials"] == "(replaced, not shown)"
    assert_no_secret(result)


def test_changing_the_auth_type_with_update_credentials_always_replaces_auth(api):
    operations = resource(api, auth_type="iam_role", update_credentials="always",
                          bucket_name="acme-landing").patch_operations(item())

    assert operations == [{"op": "replace", "path": "/auth", "value": {
        "specName": "IAMRole Based", "params": {"bucketName": "acme-landing"}}}]


def test_changing_the_auth_type_needs_update_credentials_always(api):
    with pytest.raises(AepValidationError) as info:
        resource(api, auth_type="iam_role", bucket_name="acme-landing").patch_operations(item())

    assert info.value.msg.startswith("S3 connection 'landing' (%s) has auth_type access_key; changing it to "
                                     "iam_role" % CONN_ID)
    assert "update_credentials to always" in info.value.msg


@pytest.mark.parametrize("current, option", [
    (item(spec_name="IAMRole Based", params={"bucketName": "acme-landing"}), "folder_path"),
    (item(spec_name="Some Future Auth", params={}), "bucket_name"),
])
def test_an_option_the_current_auth_type_does_not_take(api, current, option):
    with pytest.raises(AepValidationError) as info:
        resource(api, **{option: "x"}).patch_operations(current)

    assert info.value.msg.endswith("does not take %s." % option)


def test_update_reads_again_once_after_412_and_patches_the_new_etag(api):
    listing(api, item(description="old"))
    api.add("PATCH", ONE, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))
    one(api, item(description="theirs", etag='"5"'))
    patch_ok(api, etag='"6"')
    one(api, item(description="new", etag='"6"'))

    result = resource(api, description="new").run()

    assert api.methods() == ["GET", "PATCH", "GET", "PATCH", "GET"]
    assert [request.headers["If-Match"] for request in api.writes()] == ['"1"', '"5"']
    assert result["etag"] == '"6"'


def test_update_after_412_stops_when_nothing_is_left_to_change(api):
    listing(api, item(description="old"))
    api.add("PATCH", ONE, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))
    one(api, item(description="new", etag='"5"'))
    one(api, item(description="new", etag='"5"'))

    result = resource(api, description="new").run()

    assert api.methods() == ["GET", "PATCH", "GET", "GET"]
    assert result["connection"]["description"] == "new"


def test_update_fails_clearly_after_a_second_412(api):
    listing(api, item(description="old"))
    api.add("PATCH", ONE, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))
    one(api, item(description="theirs", etag='"5"'))
    api.add("PATCH", ONE, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))

    with pytest.raises(AepError) as info:
        resource(api, description="new").run()

    assert api.methods() == ["GET", "PATCH", "GET", "PATCH"]
    assert info.value.msg.startswith("Updating S3 connection 'landing' (%s) failed: PATCH %s failed with HTTP 412 "
                                     "FLOW-1404-412: etag mismatch" % (CONN_ID, ONE))
    assert "changed by someone else twice" in info.value.msg
    assert info.value.fail_kwargs()["status"] == 412


def test_update_of_a_connection_deleted_meanwhile(api):
    listing(api, item(description="old"))
    api.add("PATCH", ONE, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))
    one(api, status=404)

    with pytest.raises(AepError) as info:
        resource(api, description="new").run()

    assert info.value.msg == ("S3 connection 'landing' (%s) was deleted by someone else while it was being "
                              "updated." % CONN_ID)


def test_update_of_a_connection_deleted_right_after(api):
    listing(api, item(description="old"))
    patch_ok(api)
    one(api, status=404)

    with pytest.raises(AepError) as info:
        resource(api, description="new").run()

    assert info.value.msg.endswith("was deleted by someone else right after it was updated.")


@pytest.mark.parametrize("answers, outcome", [
    ([dict(status=400, json={"type": "x/FLOW-1434-400", "errorMessage": "bad patch"})],
     "The S3 connection was not changed."),
    ([dict(status=500)] * 2, "The change may or may not have been applied; run the task again to converge."),
    ([dict(body=requests.exceptions.ConnectionError("reset"))] * 2,
     "The change may or may not have been applied; run the task again to converge."),
])
def test_update_failures_say_whether_anything_changed(api, answers, outcome):
    listing(api, item(description="old"))
    for answer in answers:
        api.add("PATCH", ONE, **answer)

    with pytest.raises(AepError) as info:
        resource(api, description="new", retries=1).run()

    assert info.value.msg.startswith("Updating S3 connection 'landing' (%s) failed: PATCH %s failed" % (CONN_ID, ONE))
    assert info.value.msg.endswith(outcome)


# Absent ------------------------------------------------------------------

def test_absent_deletes_and_reports_it_gone(api):
    listing(api, item(params={"s3AccessKey": "AKIA-MARKER", "bucketName": "acme-landing"}))
    api.add("DELETE", ONE, status=204)

    result = resource(api, state="absent").run()

    assert [(request.method, request.url) for request in api.writes()] == [("DELETE", api.base + ONE)]
    assert (result["changed"], result["id"], result["etag"]) == (True, CONN_ID, None)
    assert result["ansible_facts"]["aep_s3_connection"] == {"id": None, "etag": None, "name": "landing"}
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["name"] == "landing"
    assert_no_secret(result)


def test_absent_in_check_mode_sends_nothing(api):
    listing(api, item())

    result = resource(api, state="absent", check_mode=True).run()

    assert api.writes() == []
    assert result["changed"] is True


def test_absent_when_there_is_nothing(api):
    listing(api)

    result = resource(api, state="absent").run()

    assert api.writes() == []
    assert (result["changed"], result["id"], result["connection"]) == (False, None, {})
    assert result["diff"] == {"before": {}, "after": {}}


def test_absent_treats_a_404_on_delete_as_gone(api):
    listing(api, item())
    api.add("DELETE", ONE, status=404, json=api.flow_error("1101-404", "not found", status=404))

    assert resource(api, state="absent").run()["changed"] is True


@pytest.mark.parametrize("body", [
    pytest.param({"type": "https://ns.adobe.com/aep/errors/FLOW-1418-400", "title": "Bad Request", "status": 400,
                  "errorMessage": "Connection is used by a dataflow and cannot be deleted"}, id="service-says-so"),
    pytest.param({"type": "https://ns.adobe.com/aep/errors/FLOW-1418-400", "title": "Bad Request", "status": 400},
                 id="code-only"),
])
def test_absent_of_a_connection_in_use_explains_the_dataflow(api, body):
    listing(api, item())
    api.add("DELETE", ONE, status=400, json=body)

    with pytest.raises(AepError) as info:
        resource(api, state="absent").run()

    assert "S3 connection 'landing' (%s)" % CONN_ID in info.value.msg
    assert "DELETE %s failed with HTTP 400 FLOW-1418-400" % ONE in info.value.msg
    assert "dataflow" in info.value.msg.replace(body.get("errorMessage", ""), "")
    assert info.value.fail_kwargs()["error"]["code"] == "FLOW-1418-400"


def test_absent_reports_other_delete_failures(api):
    listing(api, item())
    api.add("DELETE", ONE, status=403, json=api.flow_error("2120-403", "no write permission", status=403))

    with pytest.raises(AepError) as info:
        resource(api, state="absent").run()

    assert info.value.msg == ("Deleting S3 connection 'landing' (%s) failed: DELETE %s failed with HTTP 403 "
                              "FLOW-2120-403: no write permission" % (CONN_ID, ONE))
    assert info.value.fail_kwargs()["status"] == 403


def test_absent_by_id(api):
    one(api, item())
    api.add("DELETE", ONE, status=204)

    result = resource(api, state="absent", id=CONN_ID, name=None).run()

    assert result["changed"] is True
    assert result["ansible_facts"]["aep_s3_connection"]["name"] == "landing"


# Secrets, diff and validation ------------------------------------------------

def test_public_strips_secrets_without_touching_the_input(api):
    stored = item(params={"s3AccessKey": "AKIA-MARKER", "s3SecretKey": "SECRET-MARKER",
                          "s3SessionToken": "SESSION-MARKER", "bucketName": "acme-landing"})
    before = copy.deepcopy(stored)

    public = resource(api).public(stored)

    assert public["auth"]["params"] == {"bucketName": "acme-landing"}
    assert stored == before
    assert resource(api).public({"id": CONN_ID}) == {"id": CONN_ID}


def test_view_shows_no_secret(api):
    stored = item(params={"s3SecretKey": "SECRET-MARKER", "serviceUrl": "https://s3.example", "bucketName": "b"})

    assert resource(api).view(stored) == {"name": "landing", "description": "", "auth_type": "access_key",
                                          "params": {"bucketName": "b", "serviceUrl": "https://s3.example"}}
    assert resource(api).view({"auth": {"specName": "Future"}})["auth_type"] == "Future"


@pytest.mark.parametrize("path, marked", [
    ("/auth", True), ("/auth/params", True), ("/auth/params/s3SessionToken", True),
    ("/auth/params/s3SecretKey", True), ("/auth/params/bucketName", False), ("/description", False),
])
def test_annotate_diff_marks_replaced_credentials(api, path, marked):
    diff = {"before": {"name": "x"}, "after": {"name": "x"}}

    resource(api).annotate_diff(diff, [{"op": "replace", "path": path, "value": "v"}])

    assert ("credentials" in diff["before"]) is marked
    assert ("credentials" in diff["after"]) is marked


@pytest.mark.parametrize("params, message", [
    (dict(id="not-a-uuid"), "id must be a UUID"),
    (dict(name="c", auth_type="iam_role", s3_access_key="k", bucket_name="acme"),
     "auth_type iam_role does not take s3_access_key."),
    (dict(name="c", update_credentials="always", s3_access_key="k"),
     "auth_type access_key needs s3_secret_key when update_credentials is always."),
    (dict(name=None, id=None), "one of the following is required: name, id"),
    (dict(name="", state="absent"), "one of the following is required: name, id"),
    (dict(id="%s\n" % CONN_ID), "id must be a UUID"),
])
def test_validate_params(params, message):
    with pytest.raises(AepValidationError) as info:
        S3Connection.validate_params(dict(params))

    assert info.value.msg.startswith(message)


def test_validate_params_for_absent_skips_the_credential_rules():
    S3Connection.validate_params(dict(name="c", state="absent", auth_type="iam_role", s3_access_key="k"))
    S3Connection.validate_params(dict(id=CONN_ID.upper()))


def test_no_diff_unless_asked(api):
    listing(api)

    assert "diff" not in resource(api, diff=False, state="absent").run()


# The generic FlowServiceResource defaults ------------------------------------

class Widget(FlowServiceResource):
    path = "/widgets"
    kind = "widget"
    result_key = "widget"
    fact_name = "widget_fact"


def test_generic_resource_defaults(api):
    api.add("GET", "/widgets", json={"items": [{"id": "w1", "name": "w"}, {"id": "w2", "name": "other"}]})
    widget = Widget(api.client(), {"name": "w"})

    found = widget.find_by_name("w")

    assert found == {"id": "w1", "name": "w"}
    assert api.query(api.calls[0]) == {"property": ["name==w"]}
    assert widget.public(found) == found and widget.public(found) is not found
    assert widget.annotate_diff({}, []) is None
    for hook, args in (("create_body", ()), ("patch_operations", ({},)), ("view", ({},))):
        with pytest.raises(NotImplementedError):
            getattr(widget, hook)(*args)


@pytest.mark.parametrize("params, item_, label", [
    ({"name": "w"}, None, "widget 'w'"),
    ({"id": "w1"}, None, "widget 'w1'"),
    ({"name": "w"}, {"id": "w1"}, "widget 'w' (w1)"),
    ({}, {"id": "w1", "name": "n"}, "widget 'n' (w1)"),
])
def test_labels(api, params, item_, label):
    assert Widget(api.client(), params)._label(item_) == label


# Never an empty If-Match ---------------------------------------------------------

@pytest.mark.parametrize("missing", [None, ""])
def test_update_of_an_item_without_etag_reads_it_again_once_and_patches_with_that_etag(api, missing):
    listing(api, item(description="old", etag=missing))
    one(api, item(description="old", etag='"3"'))
    patch_ok(api, etag='"4"')
    one(api, item(description="new", etag='"4"'))

    result = resource(api, description="new").run()

    assert api.methods() == ["GET", "GET", "PATCH", "GET"]
    assert api.calls[1].url == api.base + ONE
    patch = api.writes()[0]
    assert patch.headers["If-Match"] == '"3"'
    assert api.json_body(patch) == [{"op": "replace", "path": "/description", "value": "new"}]
    assert (result["changed"], result["etag"]) == (True, '"4"')


def test_update_decides_again_on_the_item_read_again_for_its_etag(api):
    listing(api, item(description="old", etag=None))
    one(api, item(description="new", etag='"3"'))  # meanwhile someone made the change
    one(api, item(description="new", etag='"3"'))

    result = resource(api, description="new").run()

    assert api.writes() == []
    assert result["connection"]["description"] == "new"


def test_update_fails_and_sends_no_patch_when_the_item_read_again_has_no_etag_either(api):
    listing(api, item(description="old", etag=None))
    one(api, item(description="old", etag=""))

    with pytest.raises(AepError) as info:
        resource(api, description="new").run()

    assert api.methods() == ["GET", "GET"]
    assert api.writes() == []
    assert info.value.msg.startswith("S3 connection 'landing' (%s) has no etag, so it cannot be changed safely"
                                     % CONN_ID)
    assert "it was not changed" in info.value.msg


def test_after_a_412_an_item_read_without_etag_is_read_once_more(api):
    listing(api, item(description="old"))
    api.add("PATCH", ONE, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))
    one(api, item(description="theirs", etag=None))
    one(api, item(description="theirs", etag='"5"'))
    patch_ok(api, etag='"6"')
    one(api, item(description="new", etag='"6"'))

    result = resource(api, description="new").run()

    assert api.methods() == ["GET", "PATCH", "GET", "GET", "PATCH", "GET"]
    assert [request.headers["If-Match"] for request in api.writes()] == ['"1"', '"5"']
    assert result["etag"] == '"6"'
