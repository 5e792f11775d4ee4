"""aep_s3_explore_info end to end through main(), with HTTP faked at the requests boundary."""

import pytest
import responses
from responses import matchers

from ansible_collections.aep.platform.plugins.module_utils._explore import file_type_of
from ansible_collections.aep.platform.plugins.modules import aep_s3_explore_info as module

BASE = "https://platform.adobe.io/data/foundation/flowservice"
S3_SPEC = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
CONN_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"
OTHER_ID = "1b2c3d4e-0000-4000-8000-000000000002"
EXPLORE = BASE + "/connections/%s/explore" % CONN_ID
ARGS = dict(access_token="TOKEN-MARKER-BEARER", client_id="client-1", org_id="ORG1@AdobeOrg", sandbox="dev")


def args(**overrides):
    return {key: value for key, value in dict(ARGS, **overrides).items() if value is not None}


def connection(ident=CONN_ID, spec=S3_SPEC, name="landing"):
    return {"id": ident, "name": name, "connectionSpec": {"id": spec, "version": "1.0"},
            "auth": {"specName": "Access Key", "params": {"bucketName": "acme"}}}


def folder(path):
    return {"type": "folder", "name": path.rstrip("/").rsplit("/", 1)[-1], "path": path,
            "canPreview": False, "canFetchSchema": False}


def file(path):
    return {"type": "file", "name": path.rsplit("/", 1)[-1], "path": path, "canPreview": True, "canFetchSchema": True}


def listing(http, reply, **query):
    http.get(EXPLORE, json=reply, match=[matchers.query_param_matcher(query)])


@pytest.fixture(autouse=True)
def http(no_sleep):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def by_id(http):
    http.get(BASE + "/connections/" + CONN_ID, json={"items": [connection()]})


def test_lists_the_root_by_connection_id(http, run_module, by_id):
    listing(http, [folder("/acme/")], objectType="root")

    result = run_module(module, args(connection_id=CONN_ID))

    assert result["changed"] is False
    assert result["connection_id"] == CONN_ID
    assert result["objects"] == [{"type": "folder", "name": "acme", "path": "/acme/", "can_preview": False,
                                  "can_fetch_schema": False}]
    assert result["truncated"] is False


def test_finds_the_connection_by_name_and_lists_a_folder(http, run_module):
    http.get(BASE + "/connections", json={"items": [connection(), connection(OTHER_ID, name="other")],
                                          "_links": {}},
             match=[matchers.query_param_matcher({"property": ["connectionSpec.id==" + S3_SPEC, "name==landing"]})])
    listing(http, [file("/acme/in/a.csv")], objectType="folder", object="/acme/in/")

    result = run_module(module, args(connection_name="landing", path="/acme/in/"))

    assert result["connection_id"] == CONN_ID
    assert [item["path"] for item in result["objects"]] == ["/acme/in/a.csv"]


def test_recursive_is_breadth_first_and_stops_at_exactly_max_objects(http, run_module, by_id):
    listing(http, [folder("/acme/in/a/"), folder("/acme/in/b/"), file("/acme/in/top.csv")],
            objectType="folder", object="/acme/in/")
    listing(http, [file("/acme/in/a/1.csv"), folder("/acme/in/a/deep/")], objectType="folder", object="/acme/in/a/")
    listing(http, [file("/acme/in/b/2.csv"), file("/acme/in/b/3.csv")], objectType="folder", object="/acme/in/b/")

    result = run_module(module, args(connection_id=CONN_ID, path="/acme/in/", recursive=True, max_objects=6))

    assert [item["path"] for item in result["objects"]] == [
        "/acme/in/a/", "/acme/in/b/", "/acme/in/top.csv", "/acme/in/a/1.csv", "/acme/in/a/deep/", "/acme/in/b/2.csv"]
    assert result["truncated"] is True


def test_recursive_listing_of_everything_is_not_truncated(http, run_module, by_id):
    listing(http, [folder("/acme/")], objectType="root")
    listing(http, [file("/acme/x.json")], objectType="folder", object="/acme/")

    result = run_module(module, args(connection_id=CONN_ID, recursive=True, max_objects=2))

    assert len(result["objects"]) == 2
    assert result["truncated"] is False


def test_a_flat_listing_over_max_objects_is_truncated(http, run_module, by_id):
    listing(http, [file("/acme/%d.csv" % n) for n in range(3)], objectType="folder", object="/acme/")

    result = run_module(module, args(connection_id=CONN_ID, path="/acme/", max_objects=2))

    assert len(result["objects"]) == 2 and result["truncated"] is True


def test_previews_a_delimited_file_with_its_options(http, run_module, by_id):
    listing(http, {"format": "flat", "schema": {"columns": [
        {"name": "id", "type": "integer", "xdm": {"type": "integer"}},
        {"name": "joined", "type": "string", "meta:xdmType": "date-time"}]},
        "data": [{"id": 1, "joined": "2026-01-01T00:00:00Z"}]},
        objectType="file", object="/acme/in/m.tsv.gz", fileType="delimited", preview="true",
        columnDelimiter="\t", compressionType="gzip", encoding="ISO-8859-1")

    result = run_module(module, args(connection_id=CONN_ID, file="/acme/in/m.tsv.gz", column_delimiter="\t",
                                     encoding="ISO-8859-1"))

    assert result["preview"] == {
        "format": "flat",
        "columns": [{"name": "id", "type": "integer", "xdm_type": "integer"},
                    {"name": "joined", "type": "string", "xdm_type": "date-time"}],
        "rows": [{"id": 1, "joined": "2026-01-01T00:00:00Z"}]}
    assert "objects" not in result


def test_previews_a_hierarchical_json_file(http, run_module, by_id):
    listing(http, {"format": "hierarchical", "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                   "data": [{"a": "x"}]},
            objectType="file", object="/acme/e.json", fileType="json", preview="true")

    result = run_module(module, args(connection_id=CONN_ID, file="/acme/e.json"))

    assert result["preview"]["columns"] == [{"name": "a", "type": "string", "xdm_type": None}]


def test_an_api_error_carries_its_code_and_request_id(http, run_module, by_id):
    http.get(EXPLORE, status=400, headers={"x-request-id": "req-77"},
             json={"type": "https://ns.adobe.com/aep/errors/FLOW-1337-400", "title": "Bad Request", "status": 400,
                   "report": {}, "errorMessage": "The object cannot be empty"})

    result = run_module(module, args(connection_id=CONN_ID, file="/acme/x.parquet"))

    assert result["failed"] is True
    assert "FLOW-1337-400" in result["msg"] and "req-77" in result["msg"]


def test_a_connection_of_another_source_fails(http, run_module):
    http.get(BASE + "/connections/" + CONN_ID, json={"items": [connection(spec="other-spec")]})

    result = run_module(module, args(connection_id=CONN_ID))

    assert result["failed"] is True
    assert "is not an S3 connection" in result["msg"]


def test_several_connections_with_the_name_fail_listing_their_ids(http, run_module):
    http.get(BASE + "/connections", json={"items": [connection(), connection(OTHER_ID)], "_links": {}})

    result = run_module(module, args(connection_name="landing"))

    assert result["failed"] is True
    assert result["ids"] == [CONN_ID, OTHER_ID]


@pytest.mark.parametrize("overrides, message", [
    (dict(connection_id="nope"), "connection_id must be a UUID"),
    (dict(connection_id=CONN_ID, file="/a/b.bin"), "file_type is required"),
    (dict(connection_id=CONN_ID, file="/a/b.csv", column_delimiter=";;"), "column_delimiter must be one character"),
    (dict(connection_id=CONN_ID, file="/a/b.json", encoding="UTF-8"), "encoding applies to delimited files only"),
    (dict(connection_id=CONN_ID, path="/a/", file_type="json"), "only apply to a preview"),
    (dict(connection_id=CONN_ID, max_objects=0), "max_objects must be a whole number of at least 1"),
    (dict(connection_id=CONN_ID, path="/a/", file="/a/b.csv"), "mutually exclusive"),
    (dict(), "one of the following is required: connection_id, connection_name"),
])
def test_bad_input_fails_before_any_request(http, run_module, overrides, message):
    result = run_module(module, args(**overrides))

    assert result["failed"] is True
    assert message in result["msg"]
    assert len(http.calls) == 0


@pytest.mark.parametrize("path, expected", [
    ("/a/b.csv", ("delimited", None)), ("/a/B.TSV", ("delimited", None)), ("/a/b.txt", ("delimited", None)),
    ("/a/b.dsv", ("delimited", None)), ("/a/b.json", ("json", None)), ("/a/b.parquet", ("parquet", None)),
    ("/a/b.csv.gz", ("delimited", "gzip")), ("/a/b.json.bz2", ("json", "bzip2")), ("/a/b", (None, None)),
])
def test_file_type_from_extension(path, expected):
    assert file_type_of(path) == expected
