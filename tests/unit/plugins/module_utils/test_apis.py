"""Each Platform API's list shape, read in one place by the client, and clients that share one transport."""

import pytest
from responses import matchers

from ansible_collections.aep.platform.plugins.module_utils._client import CATALOG, DATA_PREP, SCHEMA_REGISTRY
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError

ROOT = "https://platform.example.test/data/foundation"


def test_another_api_shares_the_transport_headers_and_token(api):
    flow = api.client()
    catalog = flow.api(CATALOG)
    api.add("GET", ROOT + "/catalog/dataSets/x", json={"x": {}})

    catalog.get("/dataSets/x")

    assert catalog.transport is flow.transport
    assert flow.api(flow.spec) is flow
    request = api.calls[0]
    assert request.headers["Authorization"] == "Bearer " + api.token
    assert request.headers["x-sandbox-name"] == "dev" and request.headers["x-api-key"] == api.api_key


def test_catalog_pages_by_offset_until_a_short_page_and_adds_ids(api):
    api.add("GET", ROOT + "/catalog/dataSets", json={"a": {"name": "1"}, "b": {"name": "2"}},
            match=[matchers.query_param_matcher({"start": "0", "limit": "2"})])
    api.add("GET", ROOT + "/catalog/dataSets", json={"c": {"name": "3"}},
            match=[matchers.query_param_matcher({"start": "2", "limit": "2"})])

    items = list(api.client().api(CATALOG).paginate("/dataSets", params={"limit": 2}))

    assert items == [{"name": "1", "id": "a"}, {"name": "2", "id": "b"}, {"name": "3", "id": "c"}]


def test_data_prep_pages_its_data_list(api):
    api.add("GET", ROOT + "/conversion/mappingSets", json={"data": [{"id": "m1"}], "_page": {"count": 1}},
            match=[matchers.query_param_matcher({"start": "0", "limit": "1"})])
    api.add("GET", ROOT + "/conversion/mappingSets", json={"data": [], "_page": {"count": 0}},
            match=[matchers.query_param_matcher({"start": "1", "limit": "1"})])

    assert list(api.client().api(DATA_PREP).paginate("/mappingSets", params={"limit": 1})) == [{"id": "m1"}]


def test_schema_registry_sends_its_accept_header_and_follows_the_start_token(api):
    api.add("GET", ROOT + "/schemaregistry/tenant/schemas", json={"results": [{"$id": "1"}], "_page": {"next": 7}},
            match=[matchers.header_matcher({"Accept": "application/vnd.adobe.xed-id+json"})])
    api.add("GET", ROOT + "/schemaregistry/tenant/schemas", json={"results": [{"$id": "2"}], "_page": {}},
            match=[matchers.query_param_matcher({"limit": "300", "start": "7"})])

    assert [s["$id"] for s in api.client().api(SCHEMA_REGISTRY).paginate("/tenant/schemas")] == ["1", "2"]


@pytest.mark.parametrize("spec, reply, message", [
    (CATALOG, ["@/dataSets/a"], "not an object keyed by id"),
    (CATALOG, {"a": "text"}, "items are not all objects"),
    (DATA_PREP, {"items": []}, "no 'data' list"),
    (SCHEMA_REGISTRY, {"items": []}, "no 'results' list"),
    (SCHEMA_REGISTRY, {"results": [], "_page": {"next": {"x": 1}}}, "next page token is not a string"),
])
def test_a_malformed_list_fails_naming_the_request(api, spec, reply, message):
    path = {CATALOG: "/catalog/x", DATA_PREP: "/conversion/x", SCHEMA_REGISTRY: "/schemaregistry/x"}[spec]
    api.add("GET", ROOT + path, json=reply)

    with pytest.raises(AepApiError) as info:
        list(api.client().api(spec).paginate("/x"))

    assert message in info.value.msg
    assert info.value.msg.startswith("GET /x failed")


def test_a_repeated_start_token_stops_the_loop(api):
    for _page in range(2):
        api.add("GET", ROOT + "/schemaregistry/tenant/schemas", json={"results": [], "_page": {"next": "same"}})

    with pytest.raises(AepApiError) as info:
        list(api.client().api(SCHEMA_REGISTRY).paginate("/tenant/schemas"))

    assert "same next link twice" in info.value.msg
