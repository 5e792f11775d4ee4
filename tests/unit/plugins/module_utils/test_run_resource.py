"""_module: the shared argument spec plus a resource's, and run_runner's order of checks."""

import pytest

from ansible_collections.aep.platform.plugins.module_utils._arguments import CREDENTIALS_MISSING, aep_argument_spec
from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._runner import module_argument_spec, run_runner
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection

CONN_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"


def params(api, **overrides):
    result = {option: spec.get("default") for option, spec in module_argument_spec(S3Connection).items()}
    result.update(access_token=api.token, client_id=api.api_key, org_id=api.org_id, sandbox="dev",
                  platform_url=api.platform_url, name="landing", retries=0)
    result.update(overrides)
    return result


def test_module_argument_spec_adds_the_resource_options_without_changing_either():
    spec = module_argument_spec(S3Connection)

    assert set(spec) == set(aep_argument_spec()) | set(S3Connection.argument_spec)
    assert spec["s3_secret_key"]["no_log"] is True
    assert "org_id" not in S3Connection.argument_spec


@pytest.mark.parametrize("overrides, message", [
    (dict(access_token=None), CREDENTIALS_MISSING),
    (dict(id="nope"), "id must be a UUID"),
])
def test_run_resource_validates_before_any_request(api, overrides, message):
    with pytest.raises(AepValidationError) as info:
        run_runner(S3Connection, params(api, **overrides))

    assert info.value.msg.startswith(message)
    assert api.calls == []


def test_run_resource_builds_a_client_from_the_options(api):
    api.add("GET", "/connections", json={"items": []})

    result = run_runner(S3Connection, params(api, state="absent"), diff=True)

    assert (result["changed"], result["diff"]) == (False, {"before": {}, "after": {}})
    assert api.calls[0].headers["Authorization"] == "Bearer " + api.token
    assert api.calls[0].headers["x-sandbox-name"] == "dev"


def test_run_resource_uses_a_given_client_and_check_mode(api):
    api.add("GET", "/connections", json={"items": [{
        "id": CONN_ID, "name": "landing", "etag": '"1"', "connectionSpec": {"id": S3Connection.connection_spec_id},
        "auth": {"specName": "Access Key", "params": {}}}]})

    result = run_runner(S3Connection, params(api, state="absent", platform_url="https://unused.example.test"),
                        check_mode=True, client=api.client())

    assert result["changed"] is True
    assert api.methods() == ["GET"]
