"""Each playbook under playbooks/ holds its own assertions; these tests run them and check the rest."""

import json
import subprocess
import sys
from pathlib import Path

import yaml
from aep_emulator import DEFAULT_ACCESS_TOKEN, Emulator

BIN = Path(sys.executable).parent
ORG_ID = "ORGINTEGRATION0000000001@AdobeOrg"


def test_canonical_sequence(ansible, emulator_vars):
    ansible.playbook("canonical.yml", extra_vars=emulator_vars)


def test_identity(ansible, emulator_vars):
    ansible.playbook("identity.yml", extra_vars=emulator_vars)


def test_faults(ansible, emulator_vars, emulator):
    ansible.playbook("faults.yml", extra_vars=emulator_vars)
    assert emulator.faults() == []


def _vault_encrypt(ansible, content, directory):
    password_file = directory / "vault-password"
    password_file.write_text("integration-vault-password\n")
    plain = directory / "credentials.yml"
    plain.write_text(content)
    subprocess.run([str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(password_file), str(plain)],
                   check=True, capture_output=True, env=ansible.environment())
    assert plain.read_text().startswith("$ANSIBLE_VAULT;")
    return plain, password_file


def test_credentials_from_a_vault_file(ansible, emulator, emulator_vars, tmp_path):
    credentials, password_file = _vault_encrypt(ansible, yaml.safe_dump({
        "vault_org_id": emulator_vars["aep_org_id"],
        "vault_client_id": emulator.client_id,
        "vault_client_secret": emulator_vars["aep_client_secret"],
        "vault_s3_access_key": "AKIAVAULT",
        "vault_s3_secret_key": "vault-secret",
    }), tmp_path)
    ansible.playbook("vault_credentials.yml", extra_vars={"aep_url": emulator.url, "credentials_file": credentials},
                     args=["--vault-password-file", str(password_file)])
    assert [item["name"] for item in emulator.store(emulator_vars["aep_org_id"], "prod")] == ["from-vault"]


def test_credentials_from_environment_only(ansible, emulator, emulator_vars):
    ansible.playbook("env_credentials.yml", env={
        "AEP_PLATFORM_URL": emulator.url,
        "AEP_IMS_URL": emulator.url,
        "AEP_ORG_ID": emulator_vars["aep_org_id"],
        "AEP_CLIENT_ID": emulator.client_id,
        "AEP_CLIENT_SECRET": emulator_vars["aep_client_secret"],
        "AEP_SANDBOX_NAME": "dev",
    })
    assert [item["name"] for item in emulator.store(emulator_vars["aep_org_id"], "dev")] == ["from-environment"]
    assert emulator.store(emulator_vars["aep_org_id"], "prod") == []
    ims_requests = [entry for entry in emulator.journal() if entry["path"] == "/ims/token/v3"]
    assert len(ims_requests) == 2  # one token per task: no token was shared between the two tasks


def test_tls_verification(ansible, tls_emulator):
    tls_emulator.reset()
    ansible.playbook("tls.yml", extra_vars={
        "aep_url": tls_emulator.url, "aep_org_id": ORG_ID, "aep_client_id": tls_emulator.client_id,
        "aep_access_token": DEFAULT_ACCESS_TOKEN, "aep_ca_path": tls_emulator.ca_path,
    })
    assert [item["name"] for item in tls_emulator.store(ORG_ID, "prod")] == ["tls-checked"]


MARKERS = {
    "marker_s3_access_key": "AKIAMARKERACCESS7Q2W",
    "marker_s3_secret_key": "s3-secret-marker-4f9d0c",
    "marker_s3_session_token": "session-token-marker-8e1b77",
    "marker_client_secret": "client-secret-marker-2a6c5e",
    "marker_access_token": "access-token-marker-93d04f",
}


def test_secrets_never_appear(ansible, tmp_path):
    with Emulator(client_secret=MARKERS["marker_client_secret"],
                  access_tokens=(MARKERS["marker_access_token"],)) as emulator:
        markers_file = tmp_path / "markers.yml"
        markers_file.write_text(yaml.safe_dump(MARKERS))
        log_path = tmp_path / "ansible.log"
        run = ansible.playbook(
            "secrets.yml",
            extra_vars={"aep_url": emulator.url, "aep_org_id": ORG_ID, "aep_client_id": emulator.client_id,
                        "markers_file": markers_file},
            env={"ANSIBLE_LOG_PATH": str(log_path)},
            args=["-vvvv", "--diff"])
        journal = emulator.journal()
    assert "ignored=4" in run.stdout
    log = log_path.read_text()
    assert "secret-paths" in log and "failed with HTTP 401" in run.output
    places = {"stdout": run.stdout, "stderr": run.stderr, "log": log, "journal": json.dumps(journal)}
    for place, text in places.items():
        for marker in MARKERS.values():
            assert marker not in text, "%s leaked into %s" % (marker, place)
