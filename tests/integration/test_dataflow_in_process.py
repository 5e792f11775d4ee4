"""The pipeline's logic driven in-process (as the action plugin drives it) against the emulator over HTTP:
what the playbook tests exercise in subprocesses, here where coverage can see it."""

import pytest
from aep_emulator import DEFAULT_ACCESS_TOKEN, Emulator
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.aep.platform.plugins.module_utils._dataflow import S3Dataflow
from ansible_collections.aep.platform.plugins.module_utils._dataset import Dataset
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._explore import S3Explore
from ansible_collections.aep.platform.plugins.module_utils._runner import run_runner
from ansible_collections.aep.platform.plugins.module_utils._runs import DataflowRunInfo
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection
from ansible_collections.aep.platform.plugins.module_utils._schema import SchemaInfo

ORG = "ORGINPROCESS000000000001@AdobeOrg"
MAPPINGS = [{"source": "id", "destination": "_acmeemu.loyalty.memberId"},
            {"source": "email", "destination": "personalEmail.address"}]


@pytest.fixture(scope="module")
def emu():
    with Emulator(page_size=3, run_seconds=0.2) as emulator:
        yield emulator


def run(emu, runner_class, options=None, check_mode=False, diff=True, **more):
    """The runner's result for the shared options plus ``options`` and ``more``, validated as the plugin does."""
    args = {"org_id": ORG, "access_token": DEFAULT_ACCESS_TOKEN, "client_id": emu.client_id,
            "platform_url": emu.url, "retries": 1}
    args.update(options or {})
    args.update(more)
    args = {key: value for key, value in args.items() if value is not None}
    validated = ArgumentSpecValidator(runner_class.module_argument_spec(),
                                      **runner_class.validator_kwargs()).validate(args)
    assert not validated.error_messages, validated.error_messages
    return run_runner(runner_class, validated.validated_parameters, check_mode=check_mode, diff=diff)


def flow(**overrides):
    return dict({"name": "inproc-flow", "connection_name": "inproc-landing", "dataset_name": "Inproc Members",
                 "path": "/acme-aep-landing/in/loyalty/*.csv", "mappings": MAPPINGS,
                 "schedule": {"frequency": "hour", "interval": 1}}, **overrides)


def test_the_pipeline_in_process(emu):
    connection = run(emu, S3Connection, name="inproc-landing", s3_access_key="AKIAINPROC0000000001",
                     s3_secret_key="inproc-secret", bucket_name="acme-aep-landing")
    files = run(emu, S3Explore, connection_id=connection["id"], path="/acme-aep-landing/in/", recursive=True,
                max_objects=4)
    preview = run(emu, S3Explore, connection_name="inproc-landing",
                  file="/acme-aep-landing/in/loyalty/members-2026-11-01.csv")
    schema = run(emu, SchemaInfo, title="Loyalty Members", fields=True)
    dataset = run(emu, Dataset, name="Inproc Members", schema="Loyalty Members")
    assert files["truncated"] and len(files["objects"]) == 4
    assert preview["preview"]["columns"][0]["name"] == "id"
    assert dataset["schema_id"] == schema["schemas"][0]["id"]

    predicted = run(emu, S3Dataflow, flow(), check_mode=True)
    created = run(emu, S3Dataflow, flow())
    again = run(emu, S3Dataflow, flow(connection_id=connection["id"], connection_name=None,
                                      dataset_id=dataset["id"], dataset_name=None))
    assert predicted["changed"] and predicted["id"] is None and predicted["diff"]["after"]["mappings"]
    assert created["changed"] and created["mapping_version"] == 0
    assert not again["changed"]

    waited = run(emu, DataflowRunInfo, dataflow_id=created["id"], wait=True, wait_timeout=30, poll_interval=1)
    assert waited["latest"]["status"] == "success" and waited["latest"]["records_written"] > 0

    changed = run(emu, S3Dataflow, flow(description="now daily", schedule={"frequency": "day", "interval": 1},
                                        mappings=MAPPINGS[:1], state="disabled"))
    assert changed["changed"] and changed["mapping_version"] == 1 and changed["dataflow"]["state"] == "disabled"
    assert changed["diff"]["before"]["schedule"]["frequency"] == "hour"

    with pytest.raises(AepError, match="path from"):
        run(emu, S3Dataflow, flow(path="/acme-aep-landing/in/archive/"))
    replaced = run(emu, S3Dataflow, flow(path="/acme-aep-landing/in/archive/", recursive=True,
                                         on_immutable_change="replace"))
    assert replaced["replaced"] == created["id"]

    gone = run(emu, S3Dataflow, name="inproc-flow", state="absent")
    assert gone["changed"] and gone["diff"]["before"]["path"] == "/acme-aep-landing/in/archive/"
    assert not run(emu, S3Dataflow, name="inproc-flow", state="absent")["changed"]
    assert emu.flows(ORG, "prod") == [] and emu.source_connections(ORG, "prod") == []


@pytest.mark.parametrize("path", ["/sourceConnections", "/targetConnections", "/flows"])
def test_a_failed_step_is_undone_in_process(emu, path):
    run(emu, S3Connection, name="inproc-landing", s3_access_key="AKIAINPROC0000000001",
        s3_secret_key="inproc-secret", bucket_name="acme-aep-landing")
    run(emu, Dataset, name="Inproc Members", schema="Loyalty Members")
    emu.inject(kind="status", status=400, method="POST", path=path)

    with pytest.raises(AepError, match="failed at the"):
        run(emu, S3Dataflow, flow(name="undo-flow"))

    assert [item for item in emu.flows(ORG, "prod") if item["name"] == "undo-flow"] == []
    assert [item for item in emu.source_connections(ORG, "prod") if item["name"] == "undo-flow"] == []
    assert [item for item in emu.target_connections(ORG, "prod") if item["name"] == "undo-flow"] == []
