"""aep_dataset end to end through main(), with HTTP faked at the requests boundary."""

import json
from urllib.parse import quote

import pytest
import responses
from responses import matchers

from ansible_collections.aep.platform.plugins.modules import aep_dataset as module

CATALOG = "https://platform.adobe.io/data/foundation/catalog"
SCHEMAS = "https://platform.adobe.io/data/foundation/schemaregistry"
DS_ID = "5f3c3cedb2805c194ff0b69a"
OTHER_ID = "5f3c3cedb2805c194ff0b69b"
SCHEMA_ID = "https://ns.adobe.com/acme/schemas/0238be5d"
OTHER_SCHEMA = "https://ns.adobe.com/acme/schemas/99999999"
ARGS = dict(access_token="TOKEN-MARKER-BEARER", client_id="client-1", org_id="ORG1@AdobeOrg", sandbox="dev")


def args(**overrides):
    return {key: value for key, value in dict(ARGS, **overrides).items() if value is not None}


def dataset(ident=DS_ID, name="Loyalty", schema=SCHEMA_ID, description="members"):
    item = {"name": name, "schemaRef": {"id": schema, "contentType": "application/vnd.adobe.xed+json;version=1"},
            "created": 1700000000123, "updated": 1700000000123, "imsOrg": "ORG1@AdobeOrg"}
    if description is not None:
        item["description"] = description
    return {ident: item}


def by_name(http, name_filter, reply, **query):
    params = dict({"start": "0", "limit": "100", "property": name_filter}, **query)
    return http.get(CATALOG + "/dataSets", json=reply, match=[matchers.query_param_matcher(params)])


def schema_by_title(http, title, *ids):
    results = [{"$id": ident, "meta:altId": "_acme.schemas.x", "title": title, "version": "1.0"} for ident in ids]
    http.get(SCHEMAS + "/tenant/schemas", json={"results": results, "_page": {"next": None}},
             match=[matchers.query_param_matcher({"limit": "300", "property": "title==" + title}),
                    matchers.header_matcher({"Accept": "application/vnd.adobe.xed+json"})])


@pytest.fixture(autouse=True)
def http(no_sleep):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_creates_with_the_schema_resolved_from_its_title(http, run_module):
    by_name(http, "name==Loyalty", {})
    schema_by_title(http, "Loyalty Members", SCHEMA_ID)
    post = http.post(CATALOG + "/dataSets", status=201, json=["@/dataSets/" + DS_ID],
                     match=[matchers.query_param_matcher({"requestDataSource": "true"})])
    http.get(CATALOG + "/dataSets/" + DS_ID, json=dataset())

    result = run_module(module, args(name="Loyalty", schema="Loyalty Members", description="members"), diff=True)

    assert result["changed"] is True
    assert result["id"] == DS_ID
    assert result["schema_id"] == SCHEMA_ID
    assert result["dataset"]["id"] == DS_ID and result["dataset"]["name"] == "Loyalty"
    assert result["ansible_facts"]["aep_dataset"] == {"id": DS_ID, "name": "Loyalty", "schema_id": SCHEMA_ID}
    assert result["diff"] == {"before": {}, "after": {"name": "Loyalty", "description": "members",
                                                      "schema_id": SCHEMA_ID}}
    assert json.loads(post.calls[0].request.body) == {
        "name": "Loyalty", "description": "members",
        "schemaRef": {"id": SCHEMA_ID, "contentType": "application/vnd.adobe.xed+json;version=1"}}


def test_converged_sends_one_get_and_reports_no_change(http, run_module):
    by_name(http, "name==Loyalty", dataset())

    result = run_module(module, args(name="Loyalty", schema=SCHEMA_ID, description="members"))

    assert result["changed"] is False
    assert len(http.calls) == 1
    assert result["id"] == DS_ID


def test_description_change_is_patched_and_check_mode_sends_none(http, run_module):
    by_name(http, "name==Loyalty", dataset())

    checked = run_module(module, args(name="Loyalty", description="new"), check_mode=True, diff=True)

    assert checked["changed"] is True
    assert checked["diff"]["before"]["description"] == "members"
    assert checked["diff"]["after"]["description"] == "new"
    assert [call.request.method for call in http.calls] == ["GET"]

    by_name(http, "name==Loyalty", dataset())
    patch = http.patch(CATALOG + "/dataSets/" + DS_ID, json=["@/dataSets/" + DS_ID])
    http.get(CATALOG + "/dataSets/" + DS_ID, json=dataset(description="new"))

    result = run_module(module, args(name="Loyalty", description="new"))

    assert result["changed"] is True
    assert json.loads(patch.calls[0].request.body) == {"description": "new"}
    assert result["dataset"]["description"] == "new"


def test_another_schema_fails_and_changes_nothing(http, run_module):
    by_name(http, "name==Loyalty", dataset())

    result = run_module(module, args(name="Loyalty", schema=OTHER_SCHEMA, description="other"))

    assert result["failed"] is True
    assert "schema cannot change" in result["msg"]
    assert SCHEMA_ID in result["msg"] and OTHER_SCHEMA in result["msg"]
    assert [call.request.method for call in http.calls] == ["GET"]


def test_a_title_of_another_schema_is_resolved_before_failing(http, run_module):
    by_name(http, "name==Loyalty", dataset())
    schema_by_title(http, "Web Events", OTHER_SCHEMA)

    result = run_module(module, args(name="Loyalty", schema="Web Events"))

    assert result["failed"] is True
    assert "schema cannot change" in result["msg"]


def test_an_ambiguous_schema_title_fails_listing_the_ids(http, run_module):
    by_name(http, "name==New", {})
    schema_by_title(http, "Twice", SCHEMA_ID, OTHER_SCHEMA)

    result = run_module(module, args(name="New", schema="Twice"))

    assert result["failed"] is True
    assert "2 schemas are titled 'Twice'" in result["msg"]
    assert result["ids"] == [SCHEMA_ID, OTHER_SCHEMA]


def test_asterisks_are_escaped_and_names_compared_exactly(http, run_module):
    reply = dict(dataset(name="sales*2026"))
    reply.update(dataset(OTHER_ID, name="sales-any-2026"))
    by_name(http, "name==sales**2026", reply)

    result = run_module(module, args(name="sales*2026"))

    assert result["changed"] is False
    assert result["id"] == DS_ID


def test_a_name_with_a_comma_is_looked_up_by_its_head(http, run_module):
    reply = dict(dataset(name="a,b"))
    reply.update(dataset(OTHER_ID, name="a,c"))
    by_name(http, "name==a*", reply)

    result = run_module(module, args(name="a,b"))

    assert result["id"] == DS_ID


def test_several_datasets_with_the_name_fail_listing_their_ids(http, run_module):
    reply = dict(dataset())
    reply.update(dataset(OTHER_ID))
    by_name(http, "name==Loyalty", reply)

    result = run_module(module, args(name="Loyalty"))

    assert result["failed"] is True
    assert sorted(result["ids"]) == [DS_ID, OTHER_ID]


def test_name_lookup_follows_full_pages(http, run_module):
    first = {"%024x" % n: {"name": "x"} for n in range(100)}
    by_name(http, "name==x", first)
    by_name(http, "name==x", {"%024x" % 999: {"name": "x"}}, start="100")

    result = run_module(module, args(name="x"))

    assert result["failed"] is True
    assert len(result["ids"]) == 101


def test_absent_deletes_then_absent_again_is_unchanged(http, run_module):
    by_name(http, "name==Loyalty", dataset())
    http.delete(CATALOG + "/dataSets/" + DS_ID, json=["@/dataSets/" + DS_ID])

    result = run_module(module, args(name="Loyalty", state="absent"), diff=True)

    assert result["changed"] is True
    assert result["ansible_facts"]["aep_dataset"]["id"] is None
    assert result["diff"]["after"] == {}

    by_name(http, "name==Loyalty", {})
    again = run_module(module, args(name="Loyalty", state="absent"))
    assert again["changed"] is False


def test_a_delete_answered_404_counts_as_gone(http, run_module):
    http.get(CATALOG + "/dataSets/" + DS_ID, json=dataset())
    http.delete(CATALOG + "/dataSets/" + DS_ID, status=404, json={"title": "Not Found"})

    result = run_module(module, args(id=DS_ID, state="absent"))

    assert result["changed"] is True


def test_unknown_id_fails_without_creating(http, run_module):
    http.get(CATALOG + "/dataSets/" + DS_ID, status=404, json={"title": "Not found"})

    result = run_module(module, args(id=DS_ID, schema=SCHEMA_ID))

    assert result["failed"] is True
    assert "No dataset with id %s" % DS_ID in result["msg"]


@pytest.mark.parametrize("overrides, message", [
    (dict(id="not-hex"), "id must be a Catalog dataset id"),
    (dict(name="x"), "schema is required to create a dataset"),
    (dict(name="", id=None), "one of the following is required: name, id"),
])
def test_bad_input_fails_before_or_without_writes(http, run_module, overrides, message):
    if overrides.get("name") == "x":
        by_name(http, "name==x", {})
    result = run_module(module, args(**overrides))

    assert result["failed"] is True
    assert message in result["msg"]
    assert all(call.request.method == "GET" for call in http.calls)


def test_a_lost_create_reply_is_recovered_by_name_not_resent(http, run_module):
    by_name(http, "name==Loyalty", {})
    http.get(SCHEMAS + "/tenant/schemas/" + quote(SCHEMA_ID, safe=""), json={"$id": SCHEMA_ID, "title": "L"},
             match=[matchers.header_matcher({"Accept": "application/vnd.adobe.xed+json; version=1"})])
    http.post(CATALOG + "/dataSets", status=503, json={"title": "busy"})
    by_name(http, "name==Loyalty", dataset())

    result = run_module(module, args(name="Loyalty", schema=SCHEMA_ID))

    assert result["changed"] is True
    assert result["id"] == DS_ID
    assert [call.request.method for call in http.calls].count("POST") == 1
