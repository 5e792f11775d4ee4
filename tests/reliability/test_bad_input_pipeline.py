"""Bad input, property-based, for the pipeline modules: their real entry points never end in a traceback.

The same idea as test_bad_input.py for aep_s3_connection: hypothesis starts from valid arguments of each
module and replaces, adds or removes up to four of its own options with wrong types, empty, huge and
unicode strings, malformed ids, unknown choices and odd nested values. Each example runs the module's
``main()`` in-process against a real emulator over HTTP. Every example must end in ``exit_json`` or in
``fail_json`` with a message; none may raise or print a traceback.
"""

from __future__ import annotations

import collections

import pytest
from aep_emulator import DEFAULT_ACCESS_TOKEN, Emulator
from ansible_collections.aep.platform.plugins.modules import (
    aep_dataflow_run_info,
    aep_dataset,
    aep_s3_connection,
    aep_s3_dataflow,
    aep_s3_explore_info,
    aep_schema_info,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import ORG_ID, run_main
from test_bad_input import ANY, MISSING, UUIDS

EXAMPLES_PER_MODULE = 150
DATASET_IDS = st.one_of(st.text(alphabet="0123456789abcdef", min_size=24, max_size=24),
                        st.sampled_from(["", "5f3c3cedb2805c194ff0b69", "@/dataSets/x", "zz" * 12]))
SCHEDULES = st.one_of(
    st.fixed_dictionaries({"frequency": st.sampled_from(["once", "minute", "hour", "day", "week", "year", 3, None])},
                          optional={"interval": st.one_of(st.integers(-5, 40), st.text(max_size=3), st.none()),
                                    "backfill": st.one_of(st.booleans(), st.text(max_size=5)),
                                    "start_time": st.one_of(st.integers(-10, 4 * 10**9), st.text(max_size=25)),
                                    "every": st.integers()}),
    ANY,
)
MAPPINGS = st.one_of(
    st.lists(st.fixed_dictionaries({"source": ANY, "destination": st.sampled_from(
        ["person.name.firstName", "_acmeemu.loyalty.memberId", "no.such.field", ""])},
        optional={"source_type": st.sampled_from(["attribute", "expression", "static", 1])}), max_size=3),
    ANY,
)
# Each module: valid arguments to start from, and what hypothesis may put in each of its options.
MODULES = {
    "aep_s3_explore_info": (aep_s3_explore_info, {"connection_name": "bad-input-landing"}, {
        "connection_id": UUIDS, "connection_name": ANY, "path": ANY, "file": ANY,
        "file_type": st.sampled_from(["delimited", "json", "parquet", "xml", ""]), "column_delimiter": ANY,
        "compression": st.sampled_from(["gzip", "bzip2", "rar", None]), "encoding": ANY,
        "recursive": ANY, "max_objects": st.one_of(st.integers(-3, 5000), ANY)}),
    "aep_schema_info": (aep_schema_info, {"title": "Loyalty Members"}, {
        "title": ANY, "id": st.one_of(UUIDS, ANY), "fields": ANY}),
    "aep_dataset": (aep_dataset, {"name": "bad-input-dataset", "schema": "Loyalty Members"}, {
        "name": ANY, "id": DATASET_IDS, "description": ANY, "schema": ANY,
        "state": st.sampled_from(["present", "absent", "gone", None])}),
    "aep_s3_dataflow": (aep_s3_dataflow, {
        "name": "bad-input-flow", "connection_name": "bad-input-landing", "path": "/acme-aep-landing/in/loyalty/",
        "dataset_name": "bad-input-dataset", "mappings": [{"source": "id", "destination": "_acmeemu.loyalty.memberId"}],
        "schedule": {"frequency": "day", "interval": 1}}, {
        "name": ANY, "id": UUIDS, "description": ANY, "connection_id": UUIDS, "connection_name": ANY, "path": ANY,
        "format": st.sampled_from(["delimited", "json", "parquet", "csv"]), "column_delimiter": ANY,
        "dataset_id": DATASET_IDS, "dataset_name": ANY, "mappings": MAPPINGS, "schedule": SCHEDULES,
        "recursive": ANY, "state": st.sampled_from(["enabled", "disabled", "absent", "paused"]),
        "on_immutable_change": st.sampled_from(["fail", "replace", "ignore"])}),
    "aep_dataflow_run_info": (aep_dataflow_run_info, {"dataflow_name": "bad-input-flow"}, {
        "dataflow_id": UUIDS, "dataflow_name": ANY, "limit": st.one_of(st.integers(-2, 50), ANY), "wait": ANY,
        "wait_timeout": st.one_of(st.integers(-1, 1), ANY), "poll_interval": st.one_of(st.integers(-1, 1), ANY)}),
}


@pytest.fixture(scope="module")
def pipeline_emulator():
    with Emulator(page_size=5, run_seconds=0) as emulator:
        yield emulator


@st.composite
def module_args(draw, base, options):
    args = dict(base)
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True)):
        value = draw(options[name])
        if value is MISSING:
            args.pop(name, None)
        else:
            args[name] = value
    return args


@pytest.mark.parametrize("name", sorted(MODULES))
def test_pipeline_modules_never_end_in_a_traceback(pipeline_emulator, no_backoff, loopback_only, name):
    module, base, options = MODULES[name]
    shared = {"org_id": ORG_ID, "access_token": DEFAULT_ACCESS_TOKEN, "client_id": pipeline_emulator.client_id,
              "platform_url": pipeline_emulator.url, "sandbox": "prod", "retries": 0, "timeout": 10}
    # The valid starting point of every module: a connection, a dataset and a flow between them (examples
    # of an earlier module may have deleted or changed any of them).
    run_main(aep_s3_connection, dict(shared, name="bad-input-landing", s3_access_key="AKIABADINPUT0000001",
                                     s3_secret_key="bad-input-secret", bucket_name="acme-aep-landing"))
    run_main(aep_dataset, dict(shared, name="bad-input-dataset", schema="Loyalty Members"))
    setup = run_main(aep_s3_dataflow, dict(shared, on_immutable_change="replace", **MODULES["aep_s3_dataflow"][1]))
    assert setup.traceback is None and not setup.result.get("failed"), setup
    outcomes = collections.Counter()

    @settings(max_examples=EXAMPLES_PER_MODULE, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture])
    @given(module_args(base, options))
    def check(args):
        outcome = run_main(module, dict(shared, **args))
        assert outcome.traceback is None, "%r\n%s" % (args, outcome.traceback)
        result = outcome.result
        assert isinstance(result, dict), (args, outcome.stdout, outcome.stderr)
        if result.get("failed"):
            assert outcome.rc == 1 and isinstance(result.get("msg"), str) and result["msg"].strip(), result
            assert "Traceback" not in result["msg"] and "exception" not in result, result
            outcomes["fail_json"] += 1
        else:
            outcomes["exit_json"] += 1

    check()
    assert not loopback_only, loopback_only
    assert outcomes["fail_json"] and outcomes["exit_json"], outcomes
