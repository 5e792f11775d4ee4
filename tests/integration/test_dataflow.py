"""aep_s3_dataflow and aep_dataflow_run_info through ansible-playbook on both execution paths, with the
emulator's journal (request budgets) and store (no orphans) checked where a playbook cannot see."""

import pytest

FLOW = "/data/foundation/flowservice"
CHILD_PATHS = {
    "source connection": ("POST", FLOW + "/sourceConnections"),
    "target connection": ("POST", FLOW + "/targetConnections"),
    "mapping set": ("POST", "/data/foundation/conversion/mappingSets"),
    "dataflow": ("POST", FLOW + "/flows"),
}


@pytest.fixture
def pipeline_vars(emulator_vars, emulator):
    emulator.set_run_settings(run_seconds=0.3)
    return emulator_vars


def _gets(emulator):
    return [(entry["method"], entry["path"]) for entry in emulator.journal()]


def test_dataflow_lifecycle(ansible, pipeline_vars, emulator):
    run = ansible.playbook("dataflow.yml", extra_vars=pipeline_vars)

    org = pipeline_vars["aep_org_id"]
    assert emulator.flows(org, "prod") == []
    assert emulator.store(org, "prod")[0]["name"] == "flow-landing"
    assert "flow-secret-marker" not in run.output


@pytest.mark.parametrize("by", ["id", "name"])
def test_a_converged_dataflow_sends_only_gets_within_budget(ansible, pipeline_vars, emulator, by):
    ansible.playbook("dataflow_setup.yml", extra_vars=pipeline_vars)
    org = pipeline_vars["aep_org_id"]
    ids = {"connection_id": next(item["id"] for item in emulator.store(org, "prod") if item["name"] == "setup-landing"),
           "dataset_id": next(item["id"] for item in emulator.datasets(org, "prod") if item["name"] == "Setup Members")}
    emulator.clear_journal()

    ansible.playbook("dataflow_converge.yml", extra_vars=dict(pipeline_vars, by=by, **ids))

    requests = _gets(emulator)
    assert all(method == "GET" for method, _path in requests), requests
    assert len(requests) == (4 if by == "id" else 6), requests


@pytest.mark.parametrize("step", list(CHILD_PATHS))
def test_a_failed_create_step_leaves_no_orphan_and_a_rerun_converges(ansible, pipeline_vars, emulator, step):
    method, path = CHILD_PATHS[step]
    # One refused request (a 400 is not retried): the connection and dataset tasks before it never send it,
    # and the rerun gets through.
    emulator.inject(kind="status", status=400, method=method, path=path)
    org = pipeline_vars["aep_org_id"]

    failed = ansible.playbook("dataflow_setup.yml", extra_vars=pipeline_vars, expect_rc=2)

    assert "failed at the %s step" % step in failed.output
    assert [item["name"] for item in emulator.datasets(org, "prod")] == ["Setup Members"]
    assert emulator.flows(org, "prod") == []
    assert [item["name"] for item in emulator.store(org, "prod")] == ["setup-landing"]
    assert emulator.source_connections(org, "prod") == [] and emulator.target_connections(org, "prod") == []
    assert [(entry["method"], entry["path"], entry["status"]) for entry in emulator.journal()
            if entry["path"] == path and entry["method"] == method] == [(method, path, 400)]

    # The rerun creates the flow, and a second pass in the same play changes nothing.
    ansible.playbook("dataflow_setup.yml", extra_vars=dict(pipeline_vars, passes=2))
    assert len(emulator.flows(org, "prod")) == 1
    assert len(emulator.source_connections(org, "prod")) == 1 and len(emulator.target_connections(org, "prod")) == 1


def test_a_412_on_the_flow_patch_is_read_again_and_applied(ansible, pipeline_vars, emulator):
    ansible.playbook("dataflow_setup.yml", extra_vars=pipeline_vars)
    emulator.inject(kind="concurrent_update", method="PATCH", path=FLOW + "/flows/")

    ansible.playbook("dataflow_setup.yml", extra_vars=dict(pipeline_vars, description="changed-twice"))

    patches = [entry for entry in emulator.journal() if entry["method"] == "PATCH"]
    assert [entry["status"] for entry in patches][-2:] == [412, 200]
    assert emulator.flows(pipeline_vars["aep_org_id"], "prod")[0]["description"] == "changed-twice"


def test_run_info_reports_failed_and_timed_out_runs(ansible, pipeline_vars, emulator):
    ansible.playbook("dataflow_runs.yml", extra_vars=pipeline_vars)


def test_no_secret_at_vvvv_from_any_pipeline_module(ansible, pipeline_vars, emulator):
    """The token, the client secret and the S3 keys never show, whatever the pipeline modules print at -vvvv."""
    secrets = (pipeline_vars["aep_access_token"], pipeline_vars["aep_client_secret"], "setup-secret-marker",
               "AKIASETUPMARKER00001", "runs-secret-marker", "AKIARUNSMARKER000001")
    outputs = [ansible.playbook(name, extra_vars=pipeline_vars, args=("-vvvv", "--diff")).output
               for name in ("dataflow_setup.yml", "dataflow_runs.yml")]
    outputs.append(ansible.playbook("dataflow_setup.yml", extra_vars=pipeline_vars, args=("-vvvv", "--check")).output)

    for output in outputs:
        # At -vvvv ansible-playbook first echoes its own command line, extra vars (the test's token) included.
        played = output[output.index("PLAY ["):]
        assert "aep_s3_dataflow" in played
        for secret in secrets:
            assert secret not in played
