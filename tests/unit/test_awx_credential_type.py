"""The AWX credential type in meta/awx_credential_type.yml agrees with the modules' options."""

from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.aep.platform.plugins.module_utils._arguments import (
    DEFAULT_IMS_URL,
    DEFAULT_PLATFORM_URL,
    aep_argument_spec,
)

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = yaml.safe_load((ROOT / "meta" / "awx_credential_type.yml").read_text())
INPUTS = dict(client_id="client-1", client_secret="secret-1", org_id="ORG1@AdobeOrg", sandbox="dev",
              platform_url="https://platform.example.test", ims_url="https://ims.example.test")


def inject(inputs):
    """Render the env injectors as AWX does: Jinja sandbox, inputs left empty are not defined."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {name: value for name, value in inputs.items() if value}
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in CREDENTIAL_TYPE["injectors"]["env"].items()}


def env_fallbacks():
    """Option name by AEP_* environment variable, from the shared argument spec."""
    return {spec["fallback"][1][0]: option for option, spec in aep_argument_spec().items()}


def params_from_environment(monkeypatch, environment):
    for name in env_fallbacks():
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(aep_argument_spec()).validate({})
    assert not result.error_messages
    return result.validated_parameters


def test_fields_are_the_credential_with_only_the_secret_marked_secret():
    fields = {field["id"]: field for field in CREDENTIAL_TYPE["inputs"]["fields"]}

    assert list(fields) == ["client_id", "client_secret", "org_id", "sandbox", "platform_url", "ims_url"]
    assert [name for name, field in fields.items() if field.get("secret")] == ["client_secret"]
    assert all(field["type"] == "string" and field["label"] for field in fields.values())
    assert CREDENTIAL_TYPE["inputs"]["required"] == ["client_id", "client_secret", "org_id", "sandbox"]
    assert fields["sandbox"]["default"] == "prod"
    assert CREDENTIAL_TYPE["kind"] == "cloud"
    assert set(CREDENTIAL_TYPE["injectors"]) == {"env"}


def test_injected_variables_are_exactly_the_modules_fallbacks():
    injected = set(CREDENTIAL_TYPE["injectors"]["env"])

    assert injected <= set(env_fallbacks())
    assert {env_fallbacks()[name] for name in injected} == set(INPUTS)
    assert not [name for name in injected if name.startswith("ANSIBLE_")]


def test_the_modules_read_every_input_from_what_awx_injects(monkeypatch):
    params = params_from_environment(monkeypatch, inject(INPUTS))

    assert {option: params[option] for option in INPUTS} == INPUTS


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_optional_urls_become_adobes_not_empty_strings(monkeypatch, empty):
    environment = inject(dict(INPUTS, platform_url=empty, ims_url=empty))

    assert (environment["AEP_PLATFORM_URL"], environment["AEP_IMS_URL"]) == (DEFAULT_PLATFORM_URL, DEFAULT_IMS_URL)
    params = params_from_environment(monkeypatch, environment)
    assert (params["platform_url"], params["ims_url"]) == (DEFAULT_PLATFORM_URL, DEFAULT_IMS_URL)
