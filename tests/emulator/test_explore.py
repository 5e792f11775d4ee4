"""Explore of S3 base connections over the emulated buckets folder."""

from __future__ import annotations

import gzip
import os

import pytest
import requests
from emulator_support import FLOW, LANDING, ORG, Api, assert_flow_error

from aep_emulator import AZURE_BLOB_SPEC_ID, Emulator
from aep_emulator.__main__ import parse_args

MEMBERS_1 = "/%s/in/loyalty/members-2026-11-01.csv" % LANDING


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
def conn(api):
    return api.s3_connection()


def test_root_lists_every_bucket_folder(api, conn):
    resp = api.explore(conn, objectType="root")
    assert resp.status_code == 200
    assert resp.json() == [
        {"type": "folder", "name": "acme-aep-archive", "path": "/acme-aep-archive/", "canPreview": False,
         "canFetchSchema": False},
        {"type": "folder", "name": LANDING, "path": "/%s/" % LANDING, "canPreview": False, "canFetchSchema": False},
    ]
    # objectType is case-insensitive; "object" is ignored for root.
    assert api.explore(conn, objectType="ROOT", object="/whatever").json() == resp.json()


def test_bucket_name_restricts_the_connection(api):
    only = api.s3_connection(bucketName=LANDING)
    assert [e["name"] for e in api.explore(only, objectType="root").json()] == [LANDING]
    body = assert_flow_error(api.explore(only, objectType="folder", object="/acme-aep-archive/exports"), "1399-400")
    assert "outside the bucket" in body["errorMessage"]
    missing = api.s3_connection(bucketName="no-such-bucket")
    assert api.explore(missing, objectType="root").json() == []


def test_folder_listing(api, conn):
    resp = api.explore(conn, objectType="folder", object="/%s/in/loyalty/" % LANDING)
    assert resp.status_code == 200
    assert resp.json() == [
        {"type": "file", "name": name, "path": "/%s/in/loyalty/%s" % (LANDING, name), "canPreview": True,
         "canFetchSchema": True}
        for name in ("members-2026-11-01.csv", "members-2026-11-02.csv", "members-2026-11-03.csv.gz")]
    # With or without the trailing slash, and without the leading one.
    for obj in ("/%s/in/loyalty" % LANDING, "%s/in/loyalty/" % LANDING):
        assert api.explore(conn, objectType="Folder", object=obj).json() == resp.json()
    # Folders and files mixed, sorted by name.
    events = api.explore(conn, objectType="folder", object="/%s/in/events" % LANDING).json()
    assert [(e["type"], e["name"], e["path"]) for e in events] == [
        ("folder", "2026", "/%s/in/events/2026/" % LANDING),
        ("file", "events.json", "/%s/in/events/events.json" % LANDING)]
    # A walk down to the deepest file.
    path = "/%s/in/events/2026/" % LANDING
    while True:
        entries = api.explore(conn, objectType="folder", object=path).json()
        assert len(entries) == 1
        if entries[0]["type"] == "file":
            assert entries[0]["path"] == "/%s/in/events/2026/11/02/events-array.json" % LANDING
            break
        path = entries[0]["path"]
    # The bucket itself, and "/" meaning the root.
    assert [e["name"] for e in api.explore(conn, objectType="folder", object="/" + LANDING).json()] == ["in"]
    assert len(api.explore(conn, objectType="folder", object="/").json()) == 2


def test_explore_errors(api, conn, emu):
    assert_flow_error(api.explore(conn), "1358-400")
    assert_flow_error(api.explore(conn, objectType="table"), "1358-400")
    assert_flow_error(api.explore(conn, objectType="folder"), "1337-400")
    assert_flow_error(api.explore(conn, objectType="file", object=""), "1337-400")
    assert_flow_error(api.explore("00000000-0000-0000-0000-000000000000", objectType="root"), "1101-404")
    azure = api.post(FLOW + "/connections", json={
        "name": "blob", "auth": {"specName": "ConnectionStringAuth", "params": {"connectionString": "x"}},
        "connectionSpec": {"id": AZURE_BLOB_SPEC_ID, "version": "1.0"}}).json()["id"]
    assert_flow_error(api.explore(azure, objectType="root"), "1336-400")
    for bad in ("/no-such-bucket/", "/%s/nope/" % LANDING, "/%s/in/../../acme-aep-archive/" % LANDING,
                "/%s/in/loyalty/members-2026-11-01.csv" % LANDING):
        assert_flow_error(api.explore(conn, objectType="folder", object=bad), "1399-400")
    body = assert_flow_error(api.explore(conn, objectType="file", object="/%s/in/loyalty" % LANDING,
                                         fileType="delimited", preview="true"), "1399-400")
    assert "folder, not a file" in body["errorMessage"]
    assert_flow_error(api.explore(conn, objectType="file", object="/%s/in/none.csv" % LANDING), "1399-400")
    # Other APIs' paths are not explorable; POST is not allowed.
    assert_flow_error(api.post("%s/connections/%s/explore" % (FLOW, conn), json={}), "1100-405")


def test_preview_delimited(api, conn):
    resp = api.explore(conn, objectType="file", object=MEMBERS_1, fileType="delimited", preview="true")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["format"] == "flat"
    assert body["schema"]["columns"] == [
        {"name": "id", "type": "string", "xdm": {"type": "string"}},
        {"name": "first_name", "type": "string", "xdm": {"type": "string"}},
        {"name": "last_name", "type": "string", "xdm": {"type": "string"}},
        {"name": "email", "type": "string", "xdm": {"type": "string"}},
        {"name": "points", "type": "integer", "xdm": {"type": "integer"}},
        {"name": "joined", "type": "string", "meta:xdmType": "date-time",
         "xdm": {"type": "string", "format": "date-time"}},
    ]
    assert len(body["data"]) == 10  # the file has 15 rows
    first = body["data"][0]
    assert first["id"] == "M01000" and first["first_name"] == "Ada" and isinstance(first["points"], int)
    # fileType is case-insensitive, and FileType (as the spec spells it) works too.
    assert api.explore(conn, objectType="file", object=MEMBERS_1, FileType="DELIMITED", preview="TRUE").json() == body


def test_preview_types_tsv_and_delimiters(api, conn):
    tsv = "/%s/in/partners/partners.tsv" % LANDING
    for delimiter in ("\t", "\\t"):
        body = api.explore(conn, objectType="file", object=tsv, fileType="delimited", preview="true",
                           columnDelimiter=delimiter).json()
        kinds = {c["name"]: (c["type"], c["xdm"]) for c in body["schema"]["columns"]}
        assert kinds == {"partner_id": ("string", {"type": "string"}), "name": ("string", {"type": "string"}),
                         "active": ("boolean", {"type": "boolean"}), "discount": ("double", {"type": "number"}),
                         "since": ("string", {"type": "string", "format": "date-time"})}
        assert body["data"][2] == {"partner_id": "P003", "name": "Fabrikam, Inc.", "active": True,
                                   "discount": 0.2, "since": "2025-03-30"}
    # Read with the default comma, a TSV is one odd column per line (what S3 would do too).
    body = api.explore(conn, objectType="file", object=tsv, fileType="delimited", preview="true").json()
    assert [c["name"] for c in body["schema"]["columns"]] == ["partner_id\tname\tactive\tdiscount\tsince"]
    assert_flow_error(api.explore(conn, objectType="file", object=tsv, fileType="delimited", preview="true",
                                  columnDelimiter="||"), "1331-400")


def test_preview_gzip_and_compression_types(api, conn):
    gz = "/%s/in/loyalty/members-2026-11-03.csv.gz" % LANDING
    body = api.explore(conn, objectType="file", object=gz, fileType="delimited", preview="true",
                       compressionType="gzip").json()
    assert len(body["data"]) == 10 and body["data"][0]["id"] == "M01027"
    body = assert_flow_error(api.explore(conn, objectType="file", object=gz, fileType="delimited",
                                         preview="true"), "1398-400")
    assert "compressionType" in body["errorMessage"]
    body = assert_flow_error(api.explore(conn, objectType="file", object=gz, fileType="delimited", preview="true",
                                         compressionType="bzip2"), "1398-400")
    assert "not supported by the emulator" in body["errorMessage"]
    assert_flow_error(api.explore(conn, objectType="file", object=gz, fileType="delimited", preview="true",
                                  compressionType="rar"), "1397-400")
    # gzip on a file that is not compressed
    assert_flow_error(api.explore(conn, objectType="file", object=MEMBERS_1, fileType="delimited",
                                  preview="true", CompressionType="GZIP"), "1398-400")


def test_preview_encodings(api, conn):
    # Compressed in the repository: a text file that is not UTF-8 would fail ansible-test's sanity checks.
    latin = "/%s/in/latin1/members-latin1.csv.gz" % LANDING
    body = assert_flow_error(api.explore(conn, objectType="file", object=latin, fileType="delimited",
                                         preview="true", compressionType="gzip"), "1398-400")
    assert "ISO-8859-1" in body["errorMessage"]
    body = api.explore(conn, objectType="file", object=latin, fileType="delimited", preview="true",
                       compressionType="gzip", encoding="ISO-8859-1").json()
    assert body["data"][0]["first_name"] == "Zoé" and body["data"][1]["last_name"] == "Müller"
    assert_flow_error(api.explore(conn, objectType="file", object=latin, fileType="delimited", preview="true",
                                  compressionType="gzip", encoding="UTF-16"), "1397-400")


def test_preview_json(api, conn):
    for obj in ("/%s/in/events/events.json" % LANDING, "/%s/in/events/2026/11/02/events-array.json" % LANDING):
        body = api.explore(conn, objectType="file", object=obj, fileType="json", preview="true").json()
        assert body["format"] == "hierarchical"
        props = body["schema"]["properties"]
        assert body["schema"]["type"] == "object"
        assert props["timestamp"] == {"type": "string", "format": "date-time"}
        assert props["durationSeconds"] == {"type": "integer"}
        assert props["web"] == {"type": "object", "properties": {"webPageDetails": {
            "type": "object", "properties": {"URL": {"type": "string"}, "name": {"type": "string"}}}}}
        assert body["data"][0]["id"] == "E0000" and body["data"][0]["web"]["webPageDetails"]["name"] == "Product 0"
        assert len(body["data"]) <= 10
    # A CSV is not JSON.
    body = assert_flow_error(api.explore(conn, objectType="file", object=MEMBERS_1, fileType="json",
                                         preview="true"), "1398-400")
    assert "cannot be read as json" in body["errorMessage"]


def test_parquet_and_bad_file_types(api, conn):
    parquet = "/%s/in/raw/data.parquet" % LANDING
    body = assert_flow_error(api.explore(conn, objectType="file", object=parquet, fileType="parquet",
                                         preview="true"), "1398-400")
    assert body["errorMessage"] == "Preview of parquet files is not supported by the emulator."
    # Without fileType the type comes from the extension.
    assert_flow_error(api.explore(conn, objectType="file", object=parquet), "1398-400")
    assert_flow_error(api.explore(conn, objectType="file", object=parquet, fileType="delimited",
                                  preview="true"), "1398-400")  # binary
    assert_flow_error(api.explore(conn, objectType="file", object=MEMBERS_1, preview="true"), "1337-400")
    assert_flow_error(api.explore(conn, objectType="file", object=MEMBERS_1, fileType="xml", preview="true"),
                      "1397-400")


def test_file_without_preview_lists_columns(api, conn):
    resp = api.explore(conn, objectType="file", object=MEMBERS_1)
    assert resp.json() == [{"name": "id", "type": "string"}, {"name": "first_name", "type": "string"},
                           {"name": "last_name", "type": "string"}, {"name": "email", "type": "string"},
                           {"name": "points", "type": "integer"}, {"name": "joined", "type": "string"}]
    columns = api.explore(conn, objectType="file", object="/%s/in/events/events.json" % LANDING).json()
    assert {"name": "web", "type": "object"} in columns and {"name": "id", "type": "string"} in columns


def test_buckets_folder_can_be_switched(api, conn, emu, tmp_path):
    (tmp_path / "b1" / "x" / "y").mkdir(parents=True)
    (tmp_path / "b1" / "x" / "y" / "deep.csv").write_text("a,b\n1,2\n")
    (tmp_path / "b1" / ".hidden").write_text("not listed")
    (tmp_path / "b2").mkdir()
    (tmp_path / "not-a-bucket.txt").write_text("files at the top are not buckets")
    with gzip.open(tmp_path / "b2" / "data.csv.gz", "wt") as fh:
        fh.write("n\n1\n2\n")
    default_dir = emu.buckets_dir
    assert emu.set_buckets_dir(str(tmp_path)) == str(tmp_path)
    assert [e["name"] for e in api.explore(conn, objectType="root").json()] == ["b1", "b2"]
    assert api.explore(conn, objectType="folder", object="/b1").json() == [
        {"type": "folder", "name": "x", "path": "/b1/x/", "canPreview": False, "canFetchSchema": False}]
    body = api.explore(conn, objectType="file", object="/b2/data.csv.gz", fileType="delimited", preview="true",
                       compressionType="gzip").json()
    assert body["data"] == [{"n": 1}, {"n": 2}]
    assert_flow_error(api.explore(conn, objectType="folder", object="/b1/.hidden"), "1399-400")

    ctl = emu.url + "/_emulator/buckets"
    resp = requests.post(ctl, json={"dir": default_dir}, timeout=5)
    assert resp.status_code == 200 and resp.json() == {"dir": default_dir,
                                                       "buckets": ["acme-aep-archive", LANDING]}
    assert requests.post(ctl, json={"dir": str(tmp_path / "missing")}, timeout=5).status_code == 400
    assert requests.post(ctl, json={}, timeout=5).status_code == 400
    requests.post(ctl, json={"dir": str(tmp_path)}, timeout=5)
    assert requests.get(ctl, timeout=5).json()["buckets"] == ["b1", "b2"]
    emu.reset()  # back to the folder the emulator was started with
    assert emu.buckets_dir == default_dir


def test_buckets_dir_argument_and_cli(tmp_path):
    (tmp_path / "only").mkdir()
    with Emulator(buckets_dir=str(tmp_path)) as emu:
        api = Api(emu)
        conn = api.s3_connection()
        assert [e["name"] for e in api.explore(conn, objectType="root").json()] == ["only"]
        api.close()
    assert parse_args(["--buckets", str(tmp_path)]).buckets == str(tmp_path)
    args = parse_args(["--run-seconds", "0.1", "--time-scale", "0.01"])
    assert (args.run_seconds, args.time_scale) == (0.1, 0.01)
    with pytest.raises(SystemExit):
        parse_args(["--time-scale", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--buckets", str(tmp_path / "missing")])
    assert os.path.isdir(parse_args([]).buckets or os.path.dirname(__file__))


def test_explore_goes_through_the_pipeline(api, conn, emu):
    emu.clear_journal()
    emu.inject(kind="status", status=503, path="/connections/%s/explore" % conn)
    assert_flow_error(api.explore(conn, objectType="root"), "1103-503")
    emu.inject(kind="status", status=500, path=FLOW + "/connections/")  # a full path works too
    assert_flow_error(api.explore(conn, objectType="root"), "1100-500")
    assert api.explore(conn, objectType="root").status_code == 200
    journal = emu.journal()
    assert [(e["path"], e["status"], e["fault"]) for e in journal] == [
        ("%s/connections/%s/explore" % (FLOW, conn), 503, "status"),
        ("%s/connections/%s/explore" % (FLOW, conn), 500, "status"),
        ("%s/connections/%s/explore" % (FLOW, conn), 200, None)]
    assert journal[-1]["query"] == "objectType=root"
    # Gateway checks apply.
    resp = requests.get(emu.url + "%s/connections/%s/explore" % (FLOW, conn), params={"objectType": "root"},
                        headers={"x-api-key": "demo-client-id", "x-gw-ims-org-id": ORG}, timeout=5)
    assert resp.status_code == 403 and resp.json()["error_code"] == "403010"
    other = Api(emu, sandbox="dev")
    assert_flow_error(other.explore(conn, objectType="root"), "1101-404")  # per-sandbox connections
    other.close()
