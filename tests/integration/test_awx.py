"""AWX / Automation Controller, without a controller.

A job is run by ansible-runner, the engine AWX runs jobs with, from a private data dir laid out the way
AWX lays it out: the Platform credentials only in ``env/envvars``, rendered from the collection's credential
type exactly as AWX renders injectors, and a vault credential as ``--vault-id aep@prompt`` answered from
``env/passwords``. The playbook that registers the credential type runs against a stand-in for
``awx.awx.credential_type`` that records what it was given.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from aep_emulator import DEFAULT_CLIENT_SECRET, IMS_TOKEN_PATH
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
BIN = Path(sys.executable).parent
ORG_ID = "ORGINTEGRATION0000000001@AdobeOrg"
CREDENTIAL_TYPE_FILE = ROOT / "meta" / "awx_credential_type.yml"

VAULT_ID = "aep"
VAULT_PASSWORD = "vault-password-marker-31f0c9"
S3_SECRET_KEY = "s3-secret-marker-awx-6b1d2e"
ISSUED_TOKEN = re.compile(r"emu-[A-Za-z0-9_-]{20,}")  # how the emulator's tokens look


def render_env_injectors(credential_type, inputs):
    """The environment AWX injects for a credential of this type.

    As AWX does it: every ``injectors.env`` template rendered in an immutable Jinja sandbox, with the
    credential's inputs as variables, and inputs left empty not defined at all.
    """
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {name: value for name, value in inputs.items() if value}
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"]["env"].items()}


def clean_environment(**extra):
    """This process's environment without AEP_* or ANSIBLE_* settings, the venv's tools first on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AEP_", "ANSIBLE_"))}
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def ansible_settings(collections_path, home):
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "NO_PROXY": "127.0.0.1,localhost",
    }


def files_containing(folder, text):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and text in path.read_text(errors="replace"))


def _private_data_dir(tmp_path, collections_path, emulator):
    pdd = tmp_path / "awx-job"
    for sub in ("env", "project", "inventory"):
        (pdd / sub).mkdir(parents=True)
    shutil.copy(PLAYBOOKS / "awx_job.yml", pdd / "project" / "aep_job.yml")

    # The S3 keys in a file encrypted for the vault id "aep", as a project would hold them.
    keys = pdd / "project" / "s3_keys.vault.yml"
    keys.write_text(yaml.safe_dump({"vault_s3_access_key": "AKIAAWXJOB", "vault_s3_secret_key": S3_SECRET_KEY}))
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    subprocess.run([str(BIN / "ansible-vault"), "encrypt", "--vault-id", "%s@%s" % (VAULT_ID, password_file),
                    "--encrypt-vault-id", VAULT_ID, str(keys)],
                   check=True, capture_output=True, env=clean_environment(**ansible_settings(
                       collections_path, tmp_path / "ansible-home")))
    password_file.unlink()
    assert keys.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;%s" % VAULT_ID)

    (pdd / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)

    # The Platform credential: only here, as AWX injects a credential of the collection's type.
    credential_type = yaml.safe_load(CREDENTIAL_TYPE_FILE.read_text())
    injected = render_env_injectors(credential_type, {
        "client_id": emulator.client_id, "client_secret": DEFAULT_CLIENT_SECRET, "org_id": ORG_ID,
        "sandbox": "dev", "platform_url": emulator.url, "ims_url": emulator.url,
    })
    envvars = dict(injected, **ansible_settings(collections_path, tmp_path / "ansible-home"))
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(envvars))

    # The vault credential: AWX adds --vault-id ID@prompt and answers the prompt from env/passwords.
    (pdd / "env" / "cmdline").write_text("--vault-id %s@prompt" % VAULT_ID)
    (pdd / "env" / "passwords").write_text(yaml.safe_dump({r"Vault password \(%s\):\s*?$" % VAULT_ID: VAULT_PASSWORD}))
    return pdd, injected


def test_ansible_runner_job_with_credentials_injected_as_awx_does(tmp_path, collections_path, emulator):
    pdd, injected = _private_data_dir(tmp_path, collections_path, emulator)
    assert sorted(injected) == ["AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_IMS_URL", "AEP_ORG_ID",
                                "AEP_PLATFORM_URL", "AEP_SANDBOX_NAME"]

    completed = subprocess.run(
        [str(BIN / "ansible-runner"), "run", str(pdd), "--playbook", "aep_job.yml", "--ident", "job-1"],
        capture_output=True, text=True, env=clean_environment(), timeout=600, check=False)
    output = completed.stdout + completed.stderr
    artifacts = pdd / "artifacts" / "job-1"

    assert completed.returncode == 0, output
    assert (artifacts / "status").read_text() == "successful"
    assert [item["name"] for item in emulator.store(ORG_ID, "dev")] == ["awx-landing-1", "awx-landing-2"]
    assert emulator.store(ORG_ID, "prod") == []  # the sandbox came from the credential
    assert len([entry for entry in emulator.journal() if entry["path"] == IMS_TOKEN_PATH]) == 1

    # The job events AWX would store show the token task as censored.
    events = [json.loads(path.read_text()) for path in (artifacts / "job_events").glob("*.json")]
    token_results = [event["event_data"]["res"] for event in events if event.get("event") == "runner_on_ok"
                     and event["event_data"].get("task") == "Get one access token for the job"]
    assert len(token_results) == 1 and "censored" in token_results[0]

    # No secret in the output. The client secret is in clear where AWX keeps it too, the private data dir
    # (env/envvars, and ansible-runner's copy of the environment in artifacts/<ident>/command), which
    # AWX deletes after the job: a private data dir made by hand must be kept private and removed.
    assert not ISSUED_TOKEN.search(output)
    for secret in (DEFAULT_CLIENT_SECRET, VAULT_PASSWORD, S3_SECRET_KEY):
        assert secret not in output
    assert files_containing(pdd, DEFAULT_CLIENT_SECRET) == ["artifacts/job-1/command", "env/envvars"]
    assert files_containing(pdd, VAULT_PASSWORD) == ["env/passwords"]
    assert files_containing(pdd, S3_SECRET_KEY) == []
    assert not [path for path in pdd.rglob("*") if path.is_file() and ISSUED_TOKEN.search(path.read_text())]


STAND_IN_MODULE = '''#!/usr/bin/python
# Stand-in for awx.awx.credential_type: the same options; records what it was given.
import json
import os

from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec=dict(
    name=dict(required=True), description=dict(), kind=dict(choices=["ssh", "vault", "net", "scm", "cloud", "insights"]),
    inputs=dict(type="dict"), injectors=dict(type="dict"), state=dict(choices=["present", "absent"], default="present"),
))
with open(os.environ["CREDENTIAL_TYPE_RECORD"], "w") as record:
    json.dump(module.params, record)
module.exit_json(changed=True)
'''


def test_register_awx_credential_type_playbook_sends_the_definition_as_is(tmp_path, collections_path):
    stand_in = tmp_path / "stand-in"
    modules = stand_in / "ansible_collections" / "awx" / "awx" / "plugins" / "modules"
    modules.mkdir(parents=True)
    (modules / "credential_type.py").write_text(STAND_IN_MODULE)
    record = tmp_path / "credential_type.json"
    settings = ansible_settings(collections_path, tmp_path / "ansible-home")
    settings["ANSIBLE_COLLECTIONS_PATH"] += os.pathsep + str(stand_in)

    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), "aep.platform.register_awx_credential_type", "-i", "localhost,",
         "-e", "ansible_python_interpreter=%s" % sys.executable],
        capture_output=True, text=True, check=False,
        env=clean_environment(CREDENTIAL_TYPE_RECORD=str(record), **settings),
        cwd=str(tmp_path), timeout=300)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    definition = yaml.safe_load(CREDENTIAL_TYPE_FILE.read_text())
    received = json.loads(record.read_text())
    assert received == dict(name=definition["name"], description=definition["description"], kind="cloud",
                            inputs=definition["inputs"], injectors=definition["injectors"], state="present")
    assert received["injectors"]["env"]["AEP_CLIENT_SECRET"] == "{{ client_secret }}"  # not rendered by the play
