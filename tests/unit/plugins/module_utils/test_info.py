"""_info: the generic connection listing, driven directly with a source it does not know, HTTP faked."""

import pytest

from ansible_collections.aep.platform.plugins.module_utils._arguments import aep_argument_spec
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._info import ConnectionInfo, iso8601
from ansible_collections.aep.platform.plugins.module_utils._resource import AuthType, BaseConnection
from ansible_collections.aep.platform.plugins.module_utils._runner import module_argument_spec, run_runner

BLOB_SPEC = "e7f1b9a4-3c2d-4e5f-8a6b-0c1d2e3f4a5b"
CONN_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"
OTHER_ID = "1b2c3d4e-0000-4000-8000-000000000002"


class BlobConnections(BaseConnection):
    """A source _info knows nothing about: the emulator's invented blob storage."""

    kind = "blob connection"
    connection_spec_id = BLOB_SPEC
    auth_types = {"connection_string": AuthType(
        "ConnectionStringAuth", params={"connection_string": "connectionString"}, secrets=("connection_string",))}


class BlobInfo(ConnectionInfo):
    resource_class = BlobConnections


def item(ident=CONN_ID, name="blob", spec=BLOB_SPEC, **fields):
    result = {"id": ident, "name": name, "etag": '"1"', "state": "enabled",
              "connectionSpec": {"id": spec, "version": "1.0"},
              "auth": {"specName": "ConnectionStringAuth",
                       "params": {"connectionString": "SECRET-MARKER", "container": "raw"}}}
    result.update(fields)
    return result


def info(api, check_mode=False, **params):
    values = dict(name=None, id=None, test_connection=False, sandbox="dev")
    values.update(params)
    return BlobInfo(api.client(retries=0), values, check_mode=check_mode)


@pytest.mark.parametrize("value, expected", [
    (0, "1970-01-01T00:00:00.000Z"),
    (1700000000123, "2023-11-14T22:13:20.123Z"),
    (1700000000123.9, "2023-11-14T22:13:20.123Z"),
    (None, None),
    ("1700000000123", None),
    (True, None),
    (10 ** 20, None),
])
def test_iso8601(value, expected):
    assert iso8601(value) == expected


def test_the_argument_spec_adds_only_the_listing_options():
    spec = module_argument_spec(BlobInfo)
    assert set(spec) == set(aep_argument_spec()) | {"name", "id", "test_connection"}
    assert spec["test_connection"] == {"type": "bool", "default": False}
    assert BlobInfo.required_one_of == []


@pytest.mark.parametrize("params, message", [
    (dict(name="a", id=CONN_ID), "name and id are mutually exclusive: give one of them, or neither to list every "
                                 "blob connection."),
    (dict(name=""), "name must not be empty; omit it to list every blob connection."),
    (dict(id="nope"), "id must be a UUID"),
])
def test_validate_params(params, message):
    with pytest.raises(AepValidationError) as raised:
        BlobInfo.validate_params(params)
    assert raised.value.msg.startswith(message)


def test_lists_the_resource_spec_only_and_describes_items_without_secrets(api):
    api.add("GET", "/connections", json={"items": [
        item(createdAt=86400000), item(OTHER_ID, spec="ecadc60c-7455-4d87-84dc-2a0e293d997b")], "_links": {}})

    result = info(api).run()

    assert api.query(api.calls[0]) == {"property": ["connectionSpec.id==" + BLOB_SPEC]}
    assert result == {"changed": False, "connections": [dict(
        item(createdAt=86400000), auth={"specName": "ConnectionStringAuth", "params": {"container": "raw"}},
        auth_type="connection_string", created_at="1970-01-02T00:00:00.000Z", updated_at=None)]}


def test_an_unknown_auth_spec_name_is_shown_as_platform_names_it(api):
    api.add("GET", "/connections", json={"items": [item(auth={"specName": "SAS", "params": {}})]})
    assert info(api).run()["connections"][0]["auth_type"] == "SAS"


def test_by_name_filters_on_the_server_and_matches_exactly(api):
    api.add("GET", "/connections", json={"items": [item(name="blob"), item(OTHER_ID, name="Blob")]})
    result = info(api, name="blob").run()
    assert api.query(api.calls[0]) == {"property": ["connectionSpec.id==" + BLOB_SPEC, "name==blob"]}
    assert [c["id"] for c in result["connections"]] == [CONN_ID]


def test_by_id_passes_errors_other_than_404_on(api):
    api.add("GET", "/connections/" + CONN_ID, status=400, json=api.flow_error("2105-400", "sandbox missing"))
    with pytest.raises(AepApiError) as raised:
        info(api, id=CONN_ID).run()
    assert raised.value.numeric_code == "2105-400"


def test_a_test_reply_that_is_not_true_is_a_failed_test(api):
    api.add("GET", "/connections/" + CONN_ID, json={"items": [item()]})
    api.add("GET", "/connections/%s/test" % CONN_ID, json={"result": "yes"})
    result = info(api, id=CONN_ID, test_connection=True).run()
    assert (result["connections"][0]["test_result"], result["connections"][0]["test_error"]) == (False, None)


def test_a_redirected_test_fails_the_run(api):
    api.add("GET", "/connections/" + CONN_ID, json={"items": [item()]})
    api.add("GET", "/connections/%s/test" % CONN_ID, status=302, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(AepApiError) as raised:
        info(api, id=CONN_ID, test_connection=True).run()
    assert raised.value.status == 302


def test_run_resource_runs_the_listing_like_a_resource(api):
    api.add("GET", "/connections", json={"items": [item()]})
    params = {option: spec.get("default") for option, spec in module_argument_spec(BlobInfo).items()}
    params.update(access_token=api.token, client_id=api.api_key, org_id=api.org_id, sandbox="dev",
                  platform_url=api.platform_url, retries=0)

    result = run_runner(BlobInfo, params, check_mode=True, diff=True)

    assert [c["id"] for c in result["connections"]] == [CONN_ID]
    assert "diff" not in result
    assert api.methods() == ["GET"]


@pytest.mark.parametrize("reply", [{"items": {"id": CONN_ID}}, {"items": None}, ["not", "an", "object"]])
def test_by_id_reads_a_reply_without_an_items_list_as_no_connection(api, reply):
    api.add("GET", "/connections/" + CONN_ID, json=reply)
    assert info(api, id=CONN_ID).run()["connections"] == []


def test_by_id_refuses_items_that_are_not_objects(api):
    api.add("GET", "/connections/" + CONN_ID, json={"items": ["not-an-object"]})
    with pytest.raises(AepError) as raised:
        info(api, id=CONN_ID).run()
    assert raised.value.msg == "GET /connections/%s: the reply's item is not an object." % CONN_ID
