"""aep_s3_dataflow: the checks made before any request, and the schedule and mapping rules."""

import pytest
import responses

from ansible_collections.aep.platform.plugins.module_utils._dataflow import (
    current_schedule,
    epoch_seconds,
    normalize_schedule,
    same_mappings,
    stored_mapping,
)
from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError
from ansible_collections.aep.platform.plugins.modules import aep_s3_dataflow as module

ARGS = dict(access_token="TOKEN-MARKER-BEARER", client_id="client-1", org_id="ORG1@AdobeOrg", sandbox="dev",
            name="flow")


def args(**overrides):
    return {key: value for key, value in dict(ARGS, **overrides).items() if value is not None}


@pytest.fixture(autouse=True)
def http(no_sleep):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.mark.parametrize("schedule, message", [
    ({"frequency": "once", "interval": 5}, "schedule.interval cannot be given with frequency once"),
    ({"frequency": "once", "backfill": False}, "schedule.backfill cannot be given with frequency once"),
    ({"frequency": "minute", "interval": 14}, "at least 15 for frequency minute"),
    ({"frequency": "hour"}, "schedule.interval is required with frequency hour"),
    ({"frequency": "day", "interval": 0}, "at least 1 for frequency day"),
    ({"frequency": "day", "interval": "two"}, "at least 1 for frequency day"),
    ({"frequency": "monthly", "interval": 1}, "schedule.frequency must be one of"),
    ({"interval": 1}, "schedule.frequency is required"),
    ({"frequency": "day", "interval": 1, "start_time": "tomorrow"}, "schedule.start_time must be epoch seconds"),
    ({"frequency": "day", "interval": 1, "every": 2}, "not every"),
    ({"frequency": "day", "interval": 1, "backfill": "maybe"}, "schedule.backfill must be true or false"),
])
def test_schedule_rules_fail_before_any_request(http, run_module, schedule, message):
    result = run_module(module, args(schedule=schedule))

    assert result["failed"] is True
    assert message in result["msg"]
    assert len(http.calls) == 0


@pytest.mark.parametrize("overrides, message", [
    (dict(column_delimiter=";;"), "column_delimiter must be one character"),
    (dict(format="json", encoding="UTF-8"), "encoding applies to delimited files only"),
    (dict(mappings=[{"source": "a"}]), "needs a non-empty destination"),
    (dict(mappings=[{"source": "a", "destination": "b", "source_type": "static"}]), "source_type must be attribute"),
    (dict(mappings=[{"source": "a", "destination": "b", "extra": 1}]), "not extra"),
    (dict(mappings=[]), "mappings must not be empty for a delimited flow"),
    (dict(connection_id="x"), "connection_id must be a UUID"),
    (dict(dataset_id="x"), "dataset_id must be a Catalog dataset id"),
    (dict(id="x", name=None), "id must be a UUID"),
    (dict(connection_id="9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b", connection_name="c"), "mutually exclusive"),
])
def test_bad_input_fails_before_any_request(http, run_module, overrides, message):
    result = run_module(module, args(**overrides))

    assert result["failed"] is True
    assert message in result["msg"]
    assert len(http.calls) == 0


def test_schedule_is_normalised_and_only_given_keys_kept():
    assert normalize_schedule({"frequency": "MINUTE", "interval": "15"}) == {"frequency": "minute", "interval": 15}
    assert normalize_schedule({"frequency": "day", "interval": 1, "backfill": "false",
                               "start_time": "2026-12-01T06:00:00Z"}) == {
        "frequency": "day", "interval": 1, "backfill": False, "start_time": 1796104800}
    assert normalize_schedule({"frequency": "once"}) == {"frequency": "once"}


@pytest.mark.parametrize("value, expected", [
    (1796104800, 1796104800), ("1796104800", 1796104800), ("2026-12-01T06:00:00Z", 1796104800),
    ("2026-12-01T07:00:00+01:00", 1796104800), ("2026-12-01T06:00:00", 1796104800),
])
def test_start_time_forms(value, expected):
    assert epoch_seconds(value) == expected


def test_start_time_refuses_booleans():
    with pytest.raises(ValueError):
        epoch_seconds(True)


def test_adobe_strings_are_read_back_as_typed_values():
    flow = {"scheduleParams": {"startTime": "1612310466", "frequency": "Minute", "interval": "15", "backfill": "true"}}

    assert current_schedule(flow) == {"frequency": "minute", "interval": 15, "backfill": True,
                                      "start_time": 1612310466}


def test_mappings_compare_in_any_order_across_source_type_spellings():
    stored = [stored_mapping({"sourceType": "text/x.schema-path", "source": "id", "destination": "_id"}),
              stored_mapping({"sourceType": "EXPRESSION", "source": "lower(a)", "destination": "b"}),
              stored_mapping({"sourceAttribute": "c", "destinationXdmPath": "d"})]
    wanted = [{"source": "c", "destination": "d", "source_type": "attribute"},
              {"source": "lower(a)", "destination": "b", "source_type": "expression"},
              {"source": "id", "destination": "_id", "source_type": "attribute"}]

    assert same_mappings(stored, wanted)
    assert not same_mappings(stored, wanted[:2])
    with pytest.raises(AepValidationError):
        normalize_schedule({"frequency": "week"})
