"""The in-process (action plugin) path and the module path give the same results."""

import json
import re

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VOLATILE_KEYS = {"createdAt", "updatedAt", "created_at", "updated_at", "access_token", "expires_at"}


def _normalise(results):
    """Replace what differs between two runs by nature (ids, etags, times) with stable placeholders."""
    seen = {}

    def placeholder(match):
        return seen.setdefault(match.group(0), "<id-%d>" % len(seen))

    def walk(value):
        if isinstance(value, dict):
            return {key: "<time>" if key in VOLATILE_KEYS else walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str):
            return UUID.sub(placeholder, value)
        return value

    return walk(results)


def _run(ansible, emulator, emulator_vars, tmp_path, force_module):
    emulator.reset()
    results_file = tmp_path / ("module.json" if force_module else "in-process.json")
    extra_vars = dict(emulator_vars, results_file=results_file)
    if force_module:
        extra_vars["aep_force_module"] = "true"
    run = ansible.playbook("parity.yml", extra_vars=extra_vars, args=["-vvv"])
    return json.loads(results_file.read_text()), run


def test_both_paths_give_identical_results(ansible_default, emulator, emulator_vars, tmp_path):
    in_process, in_process_run = _run(ansible_default, emulator, emulator_vars, tmp_path, force_module=False)
    module, module_run = _run(ansible_default, emulator, emulator_vars, tmp_path, force_module=True)

    # Each path really ran as claimed: only the module path ships a module to the host.
    for name in ("aep_s3_connection", "aep_access_token", "aep_s3_connection_info"):
        assert "AnsiballZ_%s" % name not in in_process_run.output
        assert "AnsiballZ_%s" % name in module_run.output

    assert set(in_process) == set(module)
    for scenario in in_process:
        assert _normalise(in_process[scenario]) == _normalise(module[scenario]), scenario

    # The scenarios cover what they claim to.
    assert in_process["create_check"]["changed"] and in_process["create_check"]["id"] is None
    assert in_process["create"]["diff"]["after"]["description"] == "one"
    assert in_process["converge"]["changed"] is False
    assert in_process["update"]["diff"]["after"]["credentials"] == "(replaced, not shown)"
    assert in_process["unsupported"]["msg"].startswith("Unsupported parameters for (aep.platform.aep_s3_connection) module: colour")
    assert in_process["invalid"]["msg"].startswith("bucket_name must follow S3's bucket naming rules")
    assert "Adobe IMS refused the token request" in in_process["refused"]["msg"]
    assert "is used by a dataflow" in in_process["in_use"]["msg"]
    assert in_process["delete"]["changed"] and not in_process["delete"]["failed"]
    assert in_process["token"]["access_token"] and in_process["token"]["changed"] is False
    assert in_process["token_refused"]["failed"] and "invalid_client" in in_process["token_refused"]["msg"]
    assert [item["name"] for item in in_process["info"]["connections"]] == ["parity"]
    assert in_process["info"]["connections"][0]["test_result"] is True
    assert "mutually exclusive" in in_process["info_invalid"]["msg"]
    # no_log values are masked alike in what -vvv shows (the invocation) and never appear at all.
    # (ansible-core >= 2.21 shows the invocation only when INJECT_INVOCATION is set: then in neither.)
    injects_invocation = '"invocation"' in module_run.output
    assert ('"invocation"' in in_process_run.output) is injects_invocation
    for run in (in_process_run, module_run):
        if injects_invocation:
            assert '"client_secret": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.output
        assert "parity-secret" not in run.output and "parity-session" not in run.output
    assert "parity-secret" not in json.dumps(in_process)
