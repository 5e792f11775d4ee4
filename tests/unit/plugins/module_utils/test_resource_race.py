"""Concurrent creates of one name: the lock around look-up and create, and the check after a create.

HTTP is faked with ``responses`` (every registered answer must be used); the lock is the real file lock.
What several tasks at once really do is in tests/reliability/test_create_race.py.
"""


import pytest

from ansible_collections.aep.platform.plugins.module_utils import _locks
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._resource import Resource
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3_CONNECTION_SPEC_ID, S3Connection

SPEC = S3_CONNECTION_SPEC_ID
OWN_ID = "5b000000-0000-4000-8000-000000000005"
EARLIER_ID = "9e000000-0000-4000-8000-000000000009"
LATER_ID = "1a000000-0000-4000-8000-000000000001"
CREDENTIALS = dict(s3_access_key="AKIA-MARKER", s3_secret_key="SECRET-MARKER", bucket_name="acme-landing")


def item(ident, created_at=None, name="landing", description="", etag='"1"'):
    result = {"id": ident, "name": name, "description": description, "etag": etag, "state": "enabled",
              "connectionSpec": {"id": SPEC, "version": "1.0"},
              "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AKIA****", "bucketName": "acme-landing"}}}
    if created_at is not None:
        result["createdAt"] = created_at
    return result


def resource(api, check_mode=False, **overrides):
    params = dict(name="landing", id=None, description=None, state="present", auth_type=None,
                  s3_access_key=None, s3_secret_key=None, s3_session_token=None, service_url=None,
                  bucket_name=None, folder_path=None, update_credentials="on_create", sandbox="dev", timeout=30)
    params.update(CREDENTIALS)
    params.update(overrides)
    return S3Connection(api.client(retries=1, rand=lambda: 0.0), params, check_mode=check_mode, diff=True)


def listing(api, *items):
    api.add("GET", "/connections", json={"items": list(items), "_links": {}})


def created(api, ident=OWN_ID):
    api.add("POST", "/connections", status=201, json={"id": ident, "etag": '"own"'})


# The check after a create ----------------------------------------------------

def test_alone_the_create_costs_one_more_get_and_nothing_else(api):
    listing(api)
    created(api)
    listing(api, item(OWN_ID, 2000))

    result = resource(api).run()

    assert api.methods() == ["GET", "POST", "GET"]
    assert (result["changed"], result["id"]) == (True, OWN_ID)


def test_an_object_created_first_by_another_task_is_kept_and_this_tasks_own_deleted(api):
    listing(api)
    created(api)
    listing(api, item(OWN_ID, 2000), item(EARLIER_ID, 1000, etag='"theirs"'))
    api.add("DELETE", "/connections/" + OWN_ID, status=204)

    result = resource(api).run()

    assert api.methods() == ["GET", "POST", "GET", "DELETE"]
    assert api.calls[-1].url == api.base + "/connections/" + OWN_ID
    assert (result["changed"], result["id"], result["etag"]) == (False, EARLIER_ID, '"theirs"')
    assert result["ansible_facts"]["aep_s3_connection"]["id"] == EARLIER_ID


def test_this_tasks_object_created_first_is_kept_and_the_later_one_left_to_its_task(api):
    listing(api)
    created(api)
    listing(api, item(LATER_ID, 3000), item(OWN_ID, 2000))

    result = resource(api).run()

    assert api.methods() == ["GET", "POST", "GET"]  # the later one's own task deletes it
    assert (result["changed"], result["id"]) == (True, OWN_ID)


@pytest.mark.parametrize("own_id, other_id, kept", [
    (OWN_ID, EARLIER_ID, OWN_ID),  # "5b..." < "9e...": this task's own object has the lower id
    (OWN_ID, LATER_ID, LATER_ID),  # "1a..." < "5b..."
])
def test_created_in_the_same_millisecond_the_lowest_id_is_kept(api, own_id, other_id, kept):
    listing(api)
    created(api, own_id)
    listing(api, item(own_id, 2000), item(other_id, 2000))
    if kept != own_id:
        api.add("DELETE", "/connections/" + own_id, status=204)

    result = resource(api).run()

    assert result["id"] == kept
    assert result["changed"] is (kept == own_id)


def test_objects_without_a_creation_time_come_last(api):
    listing(api)
    created(api)
    listing(api, item(EARLIER_ID), item(OWN_ID, 2000))

    result = resource(api).run()

    assert (result["changed"], result["id"]) == (True, OWN_ID)


def test_a_listing_that_does_not_show_this_tasks_object_yet_decides_nothing(api):
    listing(api)
    created(api)
    listing(api, item(EARLIER_ID, 1000))

    result = resource(api).run()

    assert api.methods() == ["GET", "POST", "GET"]  # no DELETE: it cannot tell which is older
    assert (result["changed"], result["id"]) == (True, OWN_ID)


def test_the_kept_object_is_updated_to_what_this_task_asks(api):
    listing(api)
    created(api)
    listing(api, item(OWN_ID, 2000, description="mine"), item(EARLIER_ID, 1000, description="theirs"))
    api.add("DELETE", "/connections/" + OWN_ID, status=204)
    api.add("PATCH", "/connections/" + EARLIER_ID, json={"id": EARLIER_ID, "etag": '"2"'})
    api.add("GET", "/connections/" + EARLIER_ID, json={"items": [item(EARLIER_ID, 1000, description="mine", etag='"2"')]})

    result = resource(api, description="mine").run()

    assert api.methods() == ["GET", "POST", "GET", "DELETE", "PATCH", "GET"]
    assert api.json_body(api.calls[4]) == [{"op": "replace", "path": "/description", "value": "mine"}]
    assert api.calls[4].headers["If-Match"] == '"1"'
    assert (result["changed"], result["id"]) == (True, EARLIER_ID)


def test_a_failed_check_says_the_object_was_created(api):
    listing(api)
    created(api)
    api.add("GET", "/connections", status=403, json=api.flow_error("2118-403", "no permission", status=403))

    with pytest.raises(AepError) as info:
        resource(api).run()

    assert info.value.msg.startswith("S3 connection 'landing' (%s) was created, but the look-up that checks "
                                     "whether another task created the same name at the same time failed: GET "
                                     "/connections failed with HTTP 403" % OWN_ID)
    assert info.value.fail_kwargs()["id"] == OWN_ID
    assert info.value.fail_kwargs()["status"] == 403


def test_a_failed_delete_of_the_duplicate_names_both_ids(api):
    listing(api)
    created(api)
    listing(api, item(OWN_ID, 2000), item(EARLIER_ID, 1000))
    api.add("DELETE", "/connections/" + OWN_ID, status=403, json=api.flow_error("2118-403", "no", status=403))

    with pytest.raises(AepError) as info:
        resource(api).run()

    assert "Another task created S3 connection 'landing' (%s) at the same time as this one" % EARLIER_ID \
        in info.value.msg
    assert "Delete %s, or run the task again." % OWN_ID in info.value.msg
    assert info.value.fail_kwargs()["ids"] == [EARLIER_ID, OWN_ID]


def test_converged_and_check_mode_cost_no_extra_request(api):
    listing(api, item(OWN_ID, 2000, description="d"))
    listing(api)

    assert resource(api, description="d").run()["changed"] is False
    assert resource(api, check_mode=True).run()["changed"] is True
    assert api.methods() == ["GET", "GET"]


def test_created_at_is_a_hook():
    class Dataset(Resource):
        def created_at(self, item):
            return item.get("created")

    first, second = {"id": "b", "created": 1}, {"id": "a", "created": 2}
    assert min([second, first], key=Dataset(None, {})._race_order) is first
    assert Resource(None, {}).created_at({"createdAt": True}) is None  # a boolean is not a time


# The lock ------------------------------------------------------------------

def test_the_lock_is_held_around_look_up_and_create(api):
    """While another task holds the lock for this name, nothing is sent; past the wait, a clear failure."""
    task = resource(api)
    task.lock_wait = lambda: 0.2
    with _locks.create_lock(task.lock_key(), 5, "x"):
        with pytest.raises(AepError) as info:
            task.run()

    assert api.calls == []
    assert info.value.msg.startswith("Another task on this controller has been creating an S3 connection named "
                                     "'landing' for more than 0.2 s")


def test_the_lock_key_names_api_org_sandbox_kind_and_name(api):
    assert resource(api).lock_key() == (api.base, api.org_id, "dev", "S3 connection", "landing")


@pytest.mark.parametrize("overrides", [dict(id=OWN_ID, name=None), dict(state="absent")])
def test_no_lock_when_nothing_can_be_created(api, overrides):
    task = resource(api, **overrides)
    if overrides.get("id"):
        api.add("GET", "/connections/" + OWN_ID, json={"items": [item(OWN_ID, 1000)]})
    else:
        listing(api)
    task.lock_wait = lambda: 0.2
    with _locks.create_lock(task.lock_key(), 5, "x"):
        task.run()
    assert len(api.calls) == 1


# A look-up in the middle of other tasks' race ------------------------------------

def test_several_created_close_together_are_looked_up_again_until_the_racers_settled(api):
    listing(api, item(EARLIER_ID, 1000), item(LATER_ID, 2500))
    listing(api, item(EARLIER_ID, 1000))

    result = resource(api).run()

    assert api.methods() == ["GET", "GET"]  # no create: the racers' survivor is this task's object too
    assert (result["changed"], result["id"]) == (False, EARLIER_ID)
    assert len(api.delays) == 1  # the transport's backoff between the look-ups


def test_duplicates_that_do_not_settle_fail_naming_their_ids(api):
    listing(api, item(EARLIER_ID, 1000), item(LATER_ID, 2500))

    with pytest.raises(AepError) as info:
        resource(api).run()

    assert api.methods() == ["GET", "GET"]  # one more look-up per retry (retries=1 here)
    assert "2 S3 connections are named 'landing'" in info.value.msg and "pass id" in info.value.msg


def test_duplicates_created_far_apart_fail_at_once(api):
    listing(api, item(EARLIER_ID, 1000), item(LATER_ID, 1000 + 121 * 1000))  # lock_wait: 120 s for timeout 30

    with pytest.raises(AepError) as info:
        resource(api).run()

    assert api.methods() == ["GET"]
    assert info.value.fail_kwargs()["ids"] == [EARLIER_ID, LATER_ID]
