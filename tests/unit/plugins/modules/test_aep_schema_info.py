"""aep_schema_info end to end through main(), with HTTP faked at the requests boundary."""

from urllib.parse import quote

import pytest
import responses
from responses import matchers

from ansible_collections.aep.platform.plugins.module_utils._schema import flatten_fields
from ansible_collections.aep.platform.plugins.modules import aep_schema_info as module

SCHEMAS = "https://platform.adobe.io/data/foundation/schemaregistry/tenant/schemas"
LOYALTY = "https://ns.adobe.com/acme/schemas/aaaa"
EVENTS = "https://ns.adobe.com/acme/schemas/bbbb"
ARGS = dict(access_token="TOKEN-MARKER-BEARER", client_id="client-1", org_id="ORG1@AdobeOrg", sandbox="dev")
FULL = {"Accept": "application/vnd.adobe.xed-full+json; version=1"}
LIST = {"Accept": "application/vnd.adobe.xed+json"}


def args(**overrides):
    return {key: value for key, value in dict(ARGS, **overrides).items() if value is not None}


def schema(ident, title, **extra):
    return dict({"$id": ident, "meta:altId": "_acme.schemas." + ident[-4:], "title": title, "version": "1.1",
                 "description": "d " + title, "meta:class": "https://ns.adobe.com/xdm/context/profile"}, **extra)


RESOLVED = schema(LOYALTY, "Loyalty", properties={
    "_id": {"type": "string"},
    "person": {"type": "object", "properties": {"name": {"type": "object", "properties": {
        "firstName": {"type": "string"}, "lastName": {"type": "string"}}}}},
    "_acme": {"type": "object", "properties": {"loyalty": {"type": "object", "properties": {
        "points": {"type": "integer"},
        "joined": {"type": "string", "format": "date-time", "meta:xdmType": "date-time"}}}}},
    "tags": {"type": "array", "items": {"type": "string"}},
    "visits": {"type": "array", "items": {"type": "object", "properties": {"url": {"type": "string"}}}},
})


@pytest.fixture(autouse=True)
def http(no_sleep):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_lists_every_page_following_the_start_token(http, run_module):
    http.get(SCHEMAS, json={"results": [schema(LOYALTY, "Loyalty")], "_page": {"next": "tok2", "count": 1}},
             match=[matchers.query_param_matcher({"limit": "300"}), matchers.header_matcher(LIST)])
    http.get(SCHEMAS, json={"results": [schema(EVENTS, "Events")], "_page": {"next": None, "count": 1}},
             match=[matchers.query_param_matcher({"limit": "300", "start": "tok2"})])

    result = run_module(module, args())

    assert result["changed"] is False
    assert [item["title"] for item in result["schemas"]] == ["Loyalty", "Events"]
    assert result["schemas"][0] == {"id": LOYALTY, "alt_id": "_acme.schemas.aaaa", "title": "Loyalty",
                                    "version": "1.1", "description": "d Loyalty",
                                    "class": "https://ns.adobe.com/xdm/context/profile"}


def test_title_is_filtered_on_the_server_compared_exactly_and_fields_flattened(http, run_module):
    http.get(SCHEMAS, json={"results": [schema(LOYALTY, "Loyalty"), schema(EVENTS, "loyalty")],
                            "_page": {"next": None}},
             match=[matchers.query_param_matcher({"limit": "300", "property": "title==Loyalty"})])
    http.get(SCHEMAS + "/" + quote(LOYALTY, safe=""), json=RESOLVED, match=[matchers.header_matcher(FULL)])

    result = run_module(module, args(title="Loyalty", fields=True))

    assert len(result["schemas"]) == 1
    assert result["schemas"][0]["fields"] == [
        {"path": "_acme.loyalty.joined", "type": "string", "format": "date-time", "xdm_type": "date-time"},
        {"path": "_acme.loyalty.points", "type": "integer"},
        {"path": "_id", "type": "string"},
        {"path": "person.name.firstName", "type": "string"},
        {"path": "person.name.lastName", "type": "string"},
        {"path": "tags", "type": "array", "items_type": "string"},
        {"path": "visits[].url", "type": "string"},
    ]


def test_a_title_with_a_comma_is_only_compared_here(http, run_module):
    http.get(SCHEMAS, json={"results": [schema(LOYALTY, "Orders, 2026"), schema(EVENTS, "Orders")],
                            "_page": {"next": None}},
             match=[matchers.query_param_matcher({"limit": "300"})])

    result = run_module(module, args(title="Orders, 2026"))

    assert [item["id"] for item in result["schemas"]] == [LOYALTY]


@pytest.mark.parametrize("ident", [LOYALTY, "_acme.schemas.aaaa"])
def test_by_id_or_alt_id_reads_one_with_fields(http, run_module, ident):
    http.get(SCHEMAS + "/" + quote(ident, safe=""), json=RESOLVED, match=[matchers.header_matcher(FULL)])

    result = run_module(module, args(id=ident, fields=True))

    assert result["schemas"][0]["id"] == LOYALTY
    assert len(result["schemas"][0]["fields"]) == 7
    assert len(http.calls) == 1


def test_an_unknown_id_is_an_empty_list(http, run_module):
    http.get(SCHEMAS + "/" + quote(LOYALTY, safe=""), status=404,
             json={"type": "http://ns.adobe.com/aep/errors/XDM-1010-404", "title": "Not found", "status": 404})

    result = run_module(module, args(id=LOYALTY))

    assert result["schemas"] == []


def test_an_error_names_the_code_and_the_request_id(http, run_module):
    http.get(SCHEMAS, status=406, headers={"x-request-id": "req-406"},
             json={"type": "http://ns.adobe.com/aep/errors/XDM-1006-406", "title": "Not acceptable",
                   "detail": "Accept header is not supported", "status": 406})

    result = run_module(module, args())

    assert result["failed"] is True
    assert "XDM-1006-406" in result["msg"] and "req-406" in result["msg"]
    assert result["error"]["code"] == "XDM-1006-406"


def test_title_and_id_together_fail_before_any_request(http, run_module):
    result = run_module(module, args(title="x", id=LOYALTY))

    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    assert len(http.calls) == 0


def test_flatten_reads_all_of_parts_too():
    fields = flatten_fields({"allOf": [{"properties": {"a": {"type": "string"}}}, "not-a-dict"],
                             "properties": {"b": {"type": "object", "properties": {"c": {"type": "number"}}},
                                            "d": "junk"}})

    assert fields == [{"path": "a", "type": "string"}, {"path": "b.c", "type": "number"}]
