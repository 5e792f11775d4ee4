"""The dataflow's create under races and lost replies: the check after the flow's create, and the mapping set
and flow found again after a POST whose reply was lost.

HTTP is faked with ``responses`` (every registered answer must be used); the lock is the real file lock. What a
sequence of dataflow operations does under random faults is in tests/reliability/test_dataflow_soak.py.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.aep.platform.plugins.module_utils._dataflow import CLOUD_STORAGE_FLOW_SPEC, S3Dataflow
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError

PLATFORM = "https://platform.example.test"
DATA_PREP = PLATFORM + "/data/foundation/conversion"
CATALOG = PLATFORM + "/data/foundation/catalog"
CONNECTION_ID = "c0000000-0000-4000-8000-00000000000c"
DATASET_ID = "0123456789abcdef01234567"
SCHEMA_ID = "https://ns.adobe.com/acme/schemas/0123"
OWN_FLOW = "5b000000-0000-4000-8000-000000000005"
EARLIER_FLOW = "1a000000-0000-4000-8000-000000000001"
LATER_FLOW = "9e000000-0000-4000-8000-000000000009"
OWN_SOURCE = "50000000-0000-4000-8000-00000000005a"
OWN_TARGET = "70000000-0000-4000-8000-00000000007a"
THEIR_SOURCE = "50000000-0000-4000-8000-00000000005b"
THEIR_TARGET = "70000000-0000-4000-8000-00000000007b"
OWN_MAPPING = "0" * 31 + "a"
THEIR_MAPPING = "0" * 31 + "b"
MAPPINGS = [{"source": "id", "destination": "_id"}]
STORED_MAPPINGS = [{"sourceType": "text/x.schema-path", "source": "id", "destination": "_id"}]


def dataflow(api, **overrides):
    """An S3Dataflow for ``flow-a`` with its options validated as the module validates them."""
    args = dict(org_id=api.org_id, access_token="unused", client_id=api.api_key, platform_url=PLATFORM,
                sandbox="dev", name="flow-a", connection_id=CONNECTION_ID, dataset_id=DATASET_ID,
                path="/acme/in/*.csv", mappings=MAPPINGS, schedule={"frequency": "hour", "interval": 1})
    args.update(overrides)
    validated = ArgumentSpecValidator(S3Dataflow.module_argument_spec(),
                                      **S3Dataflow.validator_kwargs()).validate(args)
    assert not validated.error_messages, validated.error_messages
    return S3Dataflow(api.client(retries=1, rand=lambda: 0.0), validated.validated_parameters, diff=True)


def flow_item(ident, created_at, source=OWN_SOURCE, target=OWN_TARGET, mapping=OWN_MAPPING, etag='"1"'):
    return {"id": ident, "name": "flow-a", "etag": etag, "state": "enabled", "createdAt": created_at,
            "flowSpec": dict(CLOUD_STORAGE_FLOW_SPEC), "sourceConnectionIds": [source], "targetConnectionIds": [target],
            "transformations": [{"name": "Mapping", "params": {"mappingId": mapping, "mappingVersion": "0"}}],
            "scheduleParams": {"startTime": "1796104800", "frequency": "hour", "interval": "1", "backfill": "true"}}


def flows(api, *items):
    api.add("GET", "/flows", json={"items": list(items), "_links": {}})


def children_posted(api, mapping_reply=None):
    """The answers to a create up to the flow's POST: dataset, source, target and mapping set."""
    api.add("GET", CATALOG + "/dataSets/" + DATASET_ID, json={DATASET_ID: {
        "name": "Members", "schemaRef": {"id": SCHEMA_ID, "contentType": "application/vnd.adobe.xed+json;version=1"}}})
    api.add("POST", "/sourceConnections", status=201, json={"id": OWN_SOURCE, "etag": '"s"'})
    api.add("POST", "/targetConnections", status=201, json={"id": OWN_TARGET, "etag": '"t"'})
    api.add("POST", DATA_PREP + "/mappingSets", json=mapping_reply or {"id": OWN_MAPPING, "version": 0})


def flow_posted(api, ident=OWN_FLOW):
    api.add("POST", "/flows", status=201, json={"id": ident, "etag": '"own"'})


def created_after_finding_nothing(api):
    """A create's answers: the look-up by name finds no flow, then every object and the flow are posted."""
    flows(api)
    children_posted(api)
    flow_posted(api)


def requests_made(api):
    """``METHOD path`` of every request, the path below the platform URL with the API's base shortened."""
    shown = []
    for request in api.calls:
        path = urlsplit(request.url).path.replace("/data/foundation/flowservice", "").replace(
            "/data/foundation/conversion", "prep:").replace("/data/foundation/catalog", "catalog:")
        shown.append("%s %s" % (request.method, path))
    return shown


def children_of_survivor(api, source=THEIR_SOURCE, target=THEIR_TARGET, mapping=THEIR_MAPPING):
    """What comparing the kept flow to the task's options reads: its connections and its mapping set."""
    api.add("GET", "/sourceConnections/" + source, json={"items": [{
        "id": source, "baseConnectionId": CONNECTION_ID, "params": {"path": "/acme/in/*.csv"},
        "data": {"format": "delimited", "schema": None, "properties": None}}]})
    api.add("GET", "/targetConnections/" + target, json={"items": [{
        "id": target, "params": {"dataSetId": DATASET_ID}, "data": {"schema": {"id": SCHEMA_ID}}}]})
    api.add("GET", DATA_PREP + "/mappingSets/" + mapping, json={"id": mapping, "version": 0,
                                                                "mappings": STORED_MAPPINGS})


# The check after the flow's create -------------------------------------------------------------------------

def test_alone_the_create_costs_one_more_get_and_nothing_else(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(OWN_FLOW, 2000))
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [flow_item(OWN_FLOW, 2000)]})

    result = dataflow(api).run()

    assert requests_made(api) == [
        "GET /flows", "GET catalog:/dataSets/" + DATASET_ID, "POST /sourceConnections", "POST /targetConnections",
        "POST prep:/mappingSets", "POST /flows", "GET /flows", "GET /flows/" + OWN_FLOW]
    assert (result["changed"], result["id"]) == (True, OWN_FLOW)


def test_a_flow_created_first_by_another_task_is_kept_and_this_tasks_flow_and_connections_deleted(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(OWN_FLOW, 2000),
          flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING, etag='"theirs"'))
    api.add("DELETE", "/flows/" + OWN_FLOW, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=204)
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)
    children_of_survivor(api)

    result = dataflow(api).run()

    made = requests_made(api)
    # The flow first (its connections cannot go while it uses them); the mapping set stays: Data Prep
    # documents no delete, and nothing else is sent to the flow this task lost.
    assert made[7:10] == ["DELETE /flows/" + OWN_FLOW, "DELETE /sourceConnections/" + OWN_SOURCE,
                          "DELETE /targetConnections/" + OWN_TARGET]
    assert [request for request in made if request.startswith(("DELETE prep:", "POST /flows/"))] == []
    assert [request for request in made if request.startswith(("PATCH", "PUT"))] == []
    assert (result["changed"], result["id"], result["etag"]) == (False, EARLIER_FLOW, '"theirs"')
    assert (result["source_connection_id"], result["mapping_set_id"]) == (THEIR_SOURCE, THEIR_MAPPING)
    assert result["ansible_facts"]["aep_s3_dataflow"]["id"] == EARLIER_FLOW


def test_the_kept_flow_is_changed_to_what_this_task_asks(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(OWN_FLOW, 2000), flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING))
    api.add("DELETE", "/flows/" + OWN_FLOW, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=204)
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)
    children_of_survivor(api)
    api.add("PATCH", "/flows/" + EARLIER_FLOW, json={"id": EARLIER_FLOW, "etag": '"2"'})
    api.add("GET", "/flows/" + EARLIER_FLOW, json={"items": [dict(
        flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING, etag='"2"'), description="mine")]})

    result = dataflow(api, description="mine").run()

    patch = next(request for request in api.calls if request.method == "PATCH")
    assert api.json_body(patch) == [{"op": "add", "path": "/description", "value": "mine"}]
    assert patch.headers["If-Match"] == '"1"' and patch.url.endswith("/flows/" + EARLIER_FLOW)
    assert (result["changed"], result["id"]) == (True, EARLIER_FLOW)


def test_this_tasks_flow_created_first_is_kept_and_the_later_one_left_to_its_task(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(LATER_FLOW, 3000, THEIR_SOURCE, THEIR_TARGET), flow_item(OWN_FLOW, 2000))
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [flow_item(OWN_FLOW, 2000)]})

    result = dataflow(api).run()

    assert [request for request in requests_made(api) if request.startswith("DELETE")] == []
    assert (result["changed"], result["id"]) == (True, OWN_FLOW)


def test_a_listing_that_does_not_show_this_tasks_flow_yet_decides_nothing(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET))
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [flow_item(OWN_FLOW, 2000)]})

    result = dataflow(api).run()

    assert [request for request in requests_made(api) if request.startswith("DELETE")] == []
    assert (result["changed"], result["id"]) == (True, OWN_FLOW)


def test_a_loser_asked_for_a_disabled_flow_sends_nothing_to_its_own_flow_before_deleting_it(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(OWN_FLOW, 2000), flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING))
    api.add("DELETE", "/flows/" + OWN_FLOW, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=204)
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)
    children_of_survivor(api)
    api.add("POST", "/flows/%s/action" % EARLIER_FLOW, json={"id": EARLIER_FLOW, "etag": '"2"'})
    api.add("GET", "/flows/" + EARLIER_FLOW, json={"items": [dict(
        flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING, etag='"2"'), state="disabled")]})

    result = dataflow(api, state="disabled").run()

    actions = [request for request in requests_made(api) if request.endswith("/action")]
    assert actions == ["POST /flows/%s/action" % EARLIER_FLOW]
    assert (result["changed"], result["id"], result["dataflow"]["state"]) == (True, EARLIER_FLOW, "disabled")


def test_a_failed_check_says_the_flow_was_created_and_undoes_nothing(api):
    created_after_finding_nothing(api)
    api.add("GET", "/flows", status=403, json=api.flow_error("2118-403", "no permission", status=403))

    with pytest.raises(AepError) as failure:
        dataflow(api).run()

    assert "dataflow 'flow-a' (%s) was created, but the look-up" % OWN_FLOW in failure.value.msg
    assert "Run the task again: it finds the dataflow" in failure.value.msg
    assert failure.value.details["id"] == OWN_FLOW
    assert [request for request in requests_made(api) if request.startswith("DELETE")] == []


def test_a_loser_that_cannot_delete_its_connections_names_them(api):
    created_after_finding_nothing(api)
    flows(api, flow_item(OWN_FLOW, 2000), flow_item(EARLIER_FLOW, 1000, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING))
    api.add("DELETE", "/flows/" + OWN_FLOW, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=403,
            json=api.flow_error("2118-403", "no permission", status=403))
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)

    with pytest.raises(AepError) as failure:
        dataflow(api).run()

    message = failure.value.msg
    assert "Another task created dataflow 'flow-a' (%s) at the same time" % EARLIER_FLOW in message
    assert OWN_SOURCE in message and OWN_TARGET not in message
    assert failure.value.details["ids"] == [EARLIER_FLOW, OWN_FLOW]


def test_a_replace_that_loses_reports_a_change_and_returns_the_kept_flow(api):
    old_flow = "0d000000-0000-4000-8000-00000000000d"
    old = dict(flow_item(old_flow, 500, THEIR_SOURCE, THEIR_TARGET, THEIR_MAPPING), etag='"old"')
    flows(api, old)
    api.add("GET", "/sourceConnections/" + THEIR_SOURCE, json={"items": [{
        "id": THEIR_SOURCE, "baseConnectionId": CONNECTION_ID, "params": {"path": "/acme/old/*.csv"},
        "data": {"format": "delimited"}}]})
    api.add("GET", "/targetConnections/" + THEIR_TARGET, json={"items": [{
        "id": THEIR_TARGET, "params": {"dataSetId": DATASET_ID}, "data": {"schema": {"id": SCHEMA_ID}}}]})
    api.add("GET", DATA_PREP + "/mappingSets/" + THEIR_MAPPING, json={"id": THEIR_MAPPING, "mappings": STORED_MAPPINGS})
    api.add("DELETE", "/flows/" + old_flow, status=204)
    api.add("DELETE", "/sourceConnections/" + THEIR_SOURCE, status=204)
    api.add("DELETE", "/targetConnections/" + THEIR_TARGET, status=204)
    children_posted(api)
    flow_posted(api)
    racer_source = "50000000-0000-4000-8000-00000000005c"
    racer_target = "70000000-0000-4000-8000-00000000007c"
    flows(api, flow_item(OWN_FLOW, 2000), flow_item(EARLIER_FLOW, 1000, racer_source, racer_target, THEIR_MAPPING))
    api.add("DELETE", "/flows/" + OWN_FLOW, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=204)
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)
    children_of_survivor(api, racer_source, racer_target, THEIR_MAPPING)

    result = dataflow(api, on_immutable_change="replace").run()

    assert (result["changed"], result["id"], result["replaced"]) == (True, EARLIER_FLOW, old_flow)


# A POST whose reply was lost ---------------------------------------------------------------------------------

def test_a_flow_post_whose_reply_was_lost_is_found_by_its_source_connection_not_by_name_alone(api):
    flows(api)
    children_posted(api)
    api.add("POST", "/flows", body=requests.exceptions.ConnectionError("reset by peer"))
    # Another task's flow of the same name is listed first: it is not this task's flow.
    later = flow_item(LATER_FLOW, 3000, THEIR_SOURCE, THEIR_TARGET)
    flows(api, later, flow_item(OWN_FLOW, 2000))
    flows(api, later, flow_item(OWN_FLOW, 2000))
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [flow_item(OWN_FLOW, 2000)]})

    result = dataflow(api).run()

    assert requests_made(api).count("POST /flows") == 1
    assert (result["changed"], result["id"]) == (True, OWN_FLOW)


def _mapping_set_listing(api, stored):
    """Data Prep's list, filtered on ``name`` as the service does, over ``stored()`` at the time of the request;
    records the queries."""
    asked = []

    def answer(request):
        query = parse_qs(urlsplit(request.url).query)
        asked.append(query)
        page = [item for item in stored() if item.get("name") == query.get("name", [None])[0]]
        return 200, {}, json.dumps({"data": page, "_page": {"count": len(page), "limit": 100}})
    api.mock.add_callback("GET", DATA_PREP + "/mappingSets", callback=answer)
    return asked


def _names_sent(api):
    posts = [request for request in api.calls if request.method == "POST" and request.url.endswith("/mappingSets")]
    return [api.json_body(request).get("name") for request in posts]


@pytest.mark.parametrize("lost", [
    requests.exceptions.ConnectionError("reset by peer"),  # sent again unless found
    requests.exceptions.ReadTimeout("no reply in time"),  # never sent again: only looked for
])
def test_a_mapping_set_post_whose_reply_was_lost_is_found_by_its_own_name_and_used(api, lost):
    flows(api)
    children_posted(api)
    api.mock.replace("POST", DATA_PREP + "/mappingSets", body=lost)
    # What the server kept: another task's set for the same flow name and mappings (never taken), and, under
    # the name the lost POST carried, this task's.
    asked = _mapping_set_listing(api, lambda: [
        {"id": THEIR_MAPPING, "version": 0, "name": "flow-a", "mappings": STORED_MAPPINGS},
        {"id": OWN_MAPPING, "version": 0, "name": _names_sent(api)[0], "mappings": STORED_MAPPINGS}])
    flow_posted(api)
    flows(api, flow_item(OWN_FLOW, 2000))
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [flow_item(OWN_FLOW, 2000)]})

    result = dataflow(api).run()

    names = _names_sent(api)
    assert len(names) == 1  # one POST: the stored set was found, not made again
    assert names[0].startswith("flow-a [") and len(names[0]) == len("flow-a [%s]" % ("0" * 32))
    assert asked[0]["name"] == [names[0]] and asked[0]["orderBy"] == ["-createdDate"]
    flow_post = next(request for request in api.calls if request.method == "POST" and request.url.endswith("/flows"))
    assert api.json_body(flow_post)["transformations"][0]["params"] == {"mappingId": OWN_MAPPING, "mappingVersion": 0}
    assert (result["changed"], result["mapping_set_id"]) == (True, OWN_MAPPING)


def test_a_mapping_set_stored_by_the_last_attempt_is_found_by_one_more_look_up(api):
    flows(api)
    children_posted(api)
    # retries=1: two POSTs, both cut off; the server kept the second one only.
    api.mock.replace("POST", DATA_PREP + "/mappingSets", body=requests.exceptions.ConnectionError("reset by peer"))

    def stored():
        first_look_up = len(asked) == 1
        return [] if first_look_up else [
            {"id": OWN_MAPPING, "version": 0, "name": _names_sent(api)[0], "mappings": STORED_MAPPINGS}]
    asked = _mapping_set_listing(api, stored)
    flow_posted(api)
    flows(api, flow_item(OWN_FLOW, 2000))
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [flow_item(OWN_FLOW, 2000)]})

    result = dataflow(api).run()

    assert len(_names_sent(api)) == 2 and len(set(_names_sent(api))) == 1  # sent again under the same name
    assert len(asked) == 2
    assert (result["changed"], result["mapping_set_id"]) == (True, OWN_MAPPING)


def test_each_create_names_its_mapping_set_anew(api):
    first, second = (dataflow(api), dataflow(api))
    names = []
    for resource in (first, second):
        resource.data_prep.create = lambda path, body, recover, kind: names.append(body["name"]) or {"id": OWN_MAPPING}
        resource._create_mapping_set({"mappings": []}, "flow-a")

    assert len(set(names)) == 2 and all(name.startswith("flow-a [") for name in names)


def test_a_mapping_set_that_cannot_be_found_fails_naming_the_step_and_undoes_the_connections(api):
    flows(api)
    children_posted(api, mapping_reply={})
    api.mock.replace("POST", DATA_PREP + "/mappingSets", body=requests.exceptions.ReadTimeout("no reply in time"))
    asked = _mapping_set_listing(api, list)
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=204)

    with pytest.raises(AepError) as failure:
        dataflow(api).run()

    message = failure.value.msg
    name = _names_sent(api)[0]
    assert message.startswith("Creating dataflow 'flow-a' failed at the mapping set step:")
    assert "It was not sent again" in message
    assert "the mapping set named '%s' is used by nothing" % name in message
    assert "What this task had created was removed" in message
    assert len(_names_sent(api)) == 1 and len(asked) == 2  # retries=1: two look-ups, no second POST
    assert requests_made(api)[-2:] == ["DELETE /targetConnections/" + OWN_TARGET,
                                       "DELETE /sourceConnections/" + OWN_SOURCE]


def test_a_refused_mapping_set_is_not_looked_for(api):
    flows(api)
    children_posted(api, mapping_reply={})
    api.mock.replace("POST", DATA_PREP + "/mappingSets", status=400, json={
        "type": "http://ns.adobe.com/aep/errors/MAPPER-1403-400", "title": "Invalid destination", "status": 400,
        "detail": "bad destination"})
    api.add("DELETE", "/targetConnections/" + OWN_TARGET, status=204)
    api.add("DELETE", "/sourceConnections/" + OWN_SOURCE, status=204)

    with pytest.raises(AepError) as failure:
        dataflow(api).run()

    assert "failed at the mapping set step" in failure.value.msg
    assert "used by nothing" not in failure.value.msg
    assert [request for request in requests_made(api) if request == "GET prep:/mappingSets"] == []


# Another writer between the read and the PATCH ------------------------------------------------------------------

def test_a_patch_refused_with_412_is_decided_again_without_losing_the_new_mapping_version(api):
    flows(api, flow_item(OWN_FLOW, 2000))
    children_of_survivor(api, OWN_SOURCE, OWN_TARGET, OWN_MAPPING)  # stored: id -> _id only
    api.add("PUT", DATA_PREP + "/mappingSets/" + OWN_MAPPING, json={"id": OWN_MAPPING, "version": 1})
    api.add("PATCH", "/flows/" + OWN_FLOW, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412))
    # Someone else changed the description meanwhile: a new etag, the flow still on mapping version 0.
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [dict(flow_item(OWN_FLOW, 2000, etag='"2"'),
                                                              description="theirs")]})
    api.add("PATCH", "/flows/" + OWN_FLOW, json={"id": OWN_FLOW, "etag": '"3"'})
    after = flow_item(OWN_FLOW, 2000, etag='"3"')
    after["transformations"][0]["params"]["mappingVersion"] = "1"
    api.add("GET", "/flows/" + OWN_FLOW, json={"items": [after]})

    result = dataflow(api, mappings=MAPPINGS + [{"source": "mail", "destination": "personalEmail.address"}]).run()

    patches = [request for request in api.calls if request.method == "PATCH"]
    assert len(patches) == 2
    assert patches[1].headers["If-Match"] == '"2"'
    assert api.json_body(patches[1]) == [{"op": "replace", "path": "/transformations/0", "value": {
        "name": "Mapping", "params": {"mappingId": OWN_MAPPING, "mappingVersion": 1}}}]
    assert (result["changed"], result["mapping_version"]) == (True, 1)
