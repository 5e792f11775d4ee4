"""aep_s3_connection_info, the s3_source_connection role and the playbooks shipped in playbooks/, run with
ansible-playbook on the installed collection against the emulator.

The playbooks under tests/integration/playbooks hold their own assertions; the collection's playbooks
(``aep.platform.<name>``) are run as a user runs them, and checked here through the emulator.
"""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from aep_emulator import DEFAULT_CLIENT_SECRET

BIN = Path(sys.executable).parent
MARKERS = {"s3_access_key": "AKIAPLAYBOOKMARKER01", "s3_secret_key": "playbook-secret-marker-5c1e",
           "s3_session_token": "playbook-session-marker-0a9f"}
NEW_SESSION_TOKEN = "rotated-session-marker-77d2"


def test_info(ansible, emulator_vars, emulator):
    ansible.playbook("info.yml", extra_vars=emulator_vars)
    assert emulator.faults() == []


def test_role(ansible, emulator_vars, emulator):
    ansible.playbook("role.yml", extra_vars=emulator_vars)
    assert emulator.store(emulator_vars["aep_org_id"], "prod") == []
    assert emulator.faults() == []


def test_role_from_a_job_template_with_an_injected_credential(ansible, emulator, emulator_vars):
    """Only extra vars and AEP_* variables, as a job template with an aep.platform credential runs it."""
    org = emulator_vars["aep_org_id"]
    env = {"AEP_PLATFORM_URL": emulator.url, "AEP_IMS_URL": emulator.url, "AEP_ORG_ID": org,
           "AEP_CLIENT_ID": emulator.client_id, "AEP_CLIENT_SECRET": DEFAULT_CLIENT_SECRET, "AEP_SANDBOX_NAME": "dev"}
    extra_vars = {"s3_source_connection_name": "from-awx", "s3_source_connection_bucket_name": "awx-bucket",
                  "s3_source_connection_s3_access_key": MARKERS["s3_access_key"],
                  "s3_source_connection_s3_secret_key": MARKERS["s3_secret_key"],
                  "s3_source_connection_test": "true"}

    first = ansible.playbook("role_job_template.yml", extra_vars=extra_vars, env=env)
    second = ansible.playbook("role_job_template.yml", extra_vars=extra_vars, env=env)

    stored = emulator.store(org, "dev")
    assert [(item["name"], item["auth"]["params"]["bucketName"]) for item in stored] == [("from-awx", "awx-bucket")]
    assert emulator.store(org, "prod") == []
    assert (_recap(first.stdout)["changed"], _recap(second.stdout)["changed"]) == (1, 0)
    token_requests = [entry for entry in emulator.journal() if entry["path"] == "/ims/token/v3"]
    assert len(token_requests) == 2  # one per run, shared by the ensure and the test of that run
    tests = [entry for entry in emulator.journal() if entry["path"].endswith("/test")]
    assert len(tests) == 2
    for secret in (MARKERS["s3_secret_key"], MARKERS["s3_access_key"], DEFAULT_CLIENT_SECRET):
        assert secret not in first.output + second.output


class CollectionPlaybooks:
    """Runs ``ansible-playbook aep.platform.<name>`` with credentials from a vars file and AEP_* URLs."""

    def __init__(self, ansible, emulator, org_id, directory):
        self.ansible = ansible
        self.emulator = emulator
        self.directory = directory
        self.credentials = directory / "aep_credentials.yml"
        self.credentials.write_text(yaml.safe_dump(dict(
            MARKERS, aep_org_id=org_id, aep_client_id=emulator.client_id, aep_client_secret=DEFAULT_CLIENT_SECRET,
            aep_sandbox="prod")))

    def run(self, name, *args, expect_rc=0, **extra_vars):
        cmd = [BIN / "ansible-playbook", "aep.platform." + name, "-e", "aep_credentials_file=%s" % self.credentials]
        for key, value in extra_vars.items():
            cmd += ["-e", "%s=%s" % (key, value)]
        if getattr(self.ansible, "force_module", False):
            cmd += ["-e", "aep_force_module=true"]
        cmd += list(args)
        env = self.ansible.environment({"AEP_PLATFORM_URL": self.emulator.url, "AEP_IMS_URL": self.emulator.url})
        completed = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                                   cwd=str(self.directory), timeout=600, check=False)
        output = completed.stdout + completed.stderr
        if completed.returncode != expect_rc:
            pytest.fail("%s exited %s, expected %s\n%s" % (name, completed.returncode, expect_rc, output),
                        pytrace=False)
        for secret in list(MARKERS.values()) + [NEW_SESSION_TOKEN, DEFAULT_CLIENT_SECRET]:
            assert secret not in output, "%s leaked into the output of %s" % (secret, name)
        return output


@pytest.fixture
def playbooks(ansible, emulator, emulator_vars, tmp_path):
    return CollectionPlaybooks(ansible, emulator, emulator_vars["aep_org_id"], tmp_path)


def _recap(output):
    match = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)", output)
    assert match, output
    return {"ok": int(match.group(1)), "changed": int(match.group(2)), "failed": int(match.group(3))}


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


def _writes(emulator):
    return [entry for entry in emulator.journal() if entry["method"] != "GET" and "/ims/" not in entry["path"]]


def test_create_and_rotate_playbooks(playbooks, emulator, emulator_vars):
    org = emulator_vars["aep_org_id"]

    output = playbooks.run("create_s3_connection", s3_connection_name="pb-landing", s3_bucket_name="pb-bucket")
    stored = emulator.store(org, "prod")
    assert [(item["name"], item["auth"]["params"]["bucketName"]) for item in stored] == [("pb-landing", "pb-bucket")]
    ident = stored[0]["id"]
    assert "S3 connection pb-landing has id %s" % ident in output
    assert _recap(output)["changed"] == 1
    assert _recap(playbooks.run("create_s3_connection", s3_connection_name="pb-landing",
                                s3_bucket_name="pb-bucket"))["changed"] == 0
    before = emulator.param_digests(ident)
    assert "s3SessionToken" not in before

    output = playbooks.run("rotate_s3_session_token", s3_connection_name="pb-landing",
                           s3_session_token=NEW_SESSION_TOKEN)
    after = emulator.param_digests(ident)
    assert after["s3SessionToken"] == _digest(NEW_SESSION_TOKEN)
    assert after["s3AccessKey"] == _digest(MARKERS["s3_access_key"])
    assert after["bucketName"] == _digest("pb-bucket")  # kept: the playbook sends the stored non-secret params
    assert "S3 connection pb-landing (%s) has new credentials" % ident in output
    assert _recap(output)["changed"] == 1
    assert [item["id"] for item in emulator.store(org, "prod")] == [ident]


def test_rotate_playbook_never_creates_and_needs_one_match(playbooks, emulator, emulator_vars):
    org = emulator_vars["aep_org_id"]
    output = playbooks.run("rotate_s3_session_token", s3_connection_name="pb-missing", expect_rc=2,
                           s3_session_token=NEW_SESSION_TOKEN)
    assert "No S3 connection matches" in output
    twins = [emulator.seed(org, "prod", count=1, name_prefix="twin-")[0] for twin in range(2)]
    output = playbooks.run("rotate_s3_session_token", s3_connection_name="twin-1", expect_rc=2,
                           s3_session_token=NEW_SESSION_TOKEN)
    assert "Several S3 connections share the name (%s, %s)" % tuple(twins) in output \
        or "Several S3 connections share the name (%s, %s)" % tuple(reversed(twins)) in output
    assert _writes(emulator) == []
    output = playbooks.run("rotate_s3_session_token", s3_connection_id=twins[1], s3_session_token=NEW_SESSION_TOKEN)
    assert emulator.param_digests(twins[1])["s3SessionToken"] == _digest(NEW_SESSION_TOKEN)
    assert "s3SessionToken" not in emulator.param_digests(twins[0])


def test_report_playbook_prints_every_connection_as_a_table(playbooks, emulator, emulator_vars):
    org = emulator_vars["aep_org_id"]
    ids = emulator.seed(org, "prod", count=5, name_prefix="report-")
    other = emulator.seed(org, "prod", count=1, name_prefix="blob-",
                          connection_spec_id="e7f1b9a4-3c2d-4e5f-8a6b-0c1d2e3f4a5b")
    emulator.set_test_result(ids[3], False)
    stored = {item["id"]: item for item in emulator.store(org, "prod")}

    output = playbooks.run("report_s3_connections", "--check")
    lines = [line.strip().strip('",') for line in output.splitlines()]
    header = next(line for line in lines if line.startswith("NAME "))
    assert header.split() == ["NAME", "ID", "AUTH", "BUCKET", "STATE", "CREATED", "(UTC)", "UPDATED", "(UTC)"]
    rows = [line for line in lines if line.startswith("report-")]
    assert [row.split()[:5] for row in rows] == [
        ["report-%d" % (n + 1), ident, "access_key", "-", "enabled"] for n, ident in enumerate(ids)]
    assert rows[0].split()[5] == _iso(stored[ids[0]]["createdAt"])
    assert other[0] not in output
    assert "5 S3 connection(s) in sandbox prod" in output
    assert _recap(output)["changed"] == 0

    output = playbooks.run("report_s3_connections", test_connections="true")
    rows = [line.strip().strip('",') for line in output.splitlines() if line.strip().startswith('"report-')]
    assert [row.split()[-1] for row in rows] == ["passed", "passed", "passed", "FAILED", "passed"]
    assert _writes(emulator) == []


def _iso(epoch_ms):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (epoch_ms % 1000)


def test_delete_playbook_previews_in_check_mode_then_deletes(playbooks, emulator, emulator_vars):
    org = emulator_vars["aep_org_id"]
    ident = emulator.seed(org, "prod", count=1, name_prefix="doomed-")[0]

    output = playbooks.run("delete_s3_connection", "--check", "--diff", s3_connection_name="doomed-1")
    assert "S3 connection doomed-1 (%s) would be deleted" % ident in output
    assert [item["id"] for item in emulator.store(org, "prod")] == [ident]
    assert _writes(emulator) == []

    output = playbooks.run("delete_s3_connection", s3_connection_id=ident)
    assert "S3 connection doomed-1 (%s) was deleted" % ident in output
    assert _recap(output)["changed"] == 1
    assert emulator.store(org, "prod") == []

    output = playbooks.run("delete_s3_connection", s3_connection_name="doomed-1")
    assert "No such S3 connection; nothing to delete" in output
    assert _recap(output)["changed"] == 0
