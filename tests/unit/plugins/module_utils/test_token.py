"""_token: the host-neutral logic of aep_access_token."""

import inspect
from urllib.parse import parse_qs

import pytest
import requests

from ansible_collections.aep.platform.plugins.module_utils._arguments import DEFAULT_IMS_URL, aep_argument_spec
from ansible_collections.aep.platform.plugins.module_utils._client import HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._resource import FlowServiceResource
from ansible_collections.aep.platform.plugins.module_utils._token import (
    TOKEN_CREDENTIALS_MISSING,
    AccessToken,
    run_token,
    token_argument_spec,
)

IMS_URL = "https://ims.example.test"
TOKEN_URL = IMS_URL + "/ims/token/v3"
CLIENT_SECRET = "CLIENT-SECRET-MARKER"
TOKEN = "ISSUED-TOKEN-MARKER"


def params(**overrides):
    result = {option: spec.get("default") for option, spec in token_argument_spec().items()}
    result.update(client_id="client-abc", client_secret=CLIENT_SECRET, ims_url=IMS_URL, retries=2)
    result.update(overrides)
    return result


def add_token(api, token=TOKEN, expires_in=86399):
    api.mock.add("POST", TOKEN_URL, json={"access_token": token, "token_type": "bearer", "expires_in": expires_in})


def assert_hidden(text):
    assert CLIENT_SECRET not in text
    assert TOKEN not in text


def test_token_argument_spec_is_the_shared_one_without_a_required_org_id():
    shared = aep_argument_spec()
    spec = token_argument_spec()

    assert set(spec) == set(shared)
    assert spec["org_id"]["required"] is False
    assert spec["org_id"]["fallback"] == shared["org_id"]["fallback"]
    assert {name: value for name, value in spec.items() if name != "org_id"} == \
           {name: value for name, value in shared.items() if name != "org_id"}
    assert aep_argument_spec()["org_id"]["required"] is True  # the shared spec is not changed


def test_access_token_has_the_interface_of_a_resource_class():
    assert AccessToken.argument_spec == {} and AccessToken.required_one_of == []
    # Called as resource_class(client, params, check_mode=..., diff=...); here the client is a transport.
    assert list(inspect.signature(AccessToken).parameters)[1:] == \
           list(inspect.signature(FlowServiceResource).parameters)[1:] == ["params", "check_mode", "diff"]
    assert callable(AccessToken.validate_params) and callable(AccessToken.run)


@pytest.mark.parametrize("overrides, message", [
    (dict(client_secret=None), TOKEN_CREDENTIALS_MISSING),
    (dict(client_id=None), TOKEN_CREDENTIALS_MISSING),
    (dict(client_id=None, client_secret=None, access_token="given"), TOKEN_CREDENTIALS_MISSING),
    (dict(client_secret=""), TOKEN_CREDENTIALS_MISSING),
    (dict(ims_url="http://ims.example.test"), "ims_url must use https://"),
    (dict(ims_url="ims.example.test"), "ims_url must be an https:// URL"),
    (dict(scopes=[]), "scopes must name at least one OAuth scope."),
    (dict(timeout=0), "timeout must be a number of seconds from 1 to 3600, got 0."),
    (dict(retries=-1), "retries must be a number from 0 to 20, got -1."),
])
def test_invalid_input_fails_before_any_request(api, overrides, message):
    with pytest.raises(AepValidationError) as info:
        run_token(params(**overrides))

    assert info.value.msg.startswith(message)
    assert api.calls == []
    assert CLIENT_SECRET not in info.value.msg


@pytest.mark.parametrize("overrides", [
    dict(org_id=None),
    dict(org_id="not an org id", sandbox="Not A Sandbox", platform_url="ftp://unused", api_key="ignored"),
])
def test_options_a_token_does_not_use_are_not_checked(api, overrides):
    add_token(api)

    assert run_token(params(**overrides))["access_token"] == TOKEN


def test_run_token_asks_ims_once_and_returns_the_token(api):
    add_token(api)

    result = run_token(params(scopes=["openid", "AdobeID"]))

    assert set(result) == {"changed", "access_token", "token_type", "expires_in", "expires_at"}
    assert result["changed"] is False
    assert (result["access_token"], result["token_type"], result["expires_in"]) == (TOKEN, "bearer", 86399)
    (request,) = api.calls
    assert (request.method, request.url) == ("POST", TOKEN_URL)
    assert parse_qs(request.body) == {"grant_type": ["client_credentials"], "client_id": ["client-abc"],
                                      "client_secret": [CLIENT_SECRET], "scope": ["openid,AdobeID"]}


def test_a_given_access_token_is_not_returned_a_new_one_is_requested(api):
    add_token(api)

    result = run_token(params(access_token="GIVEN-TOKEN"))

    assert result["access_token"] == TOKEN
    assert len(api.calls) == 1


def test_check_mode_requests_the_token_and_changes_nothing(api):
    add_token(api)

    result = run_token(params(), check_mode=True, diff=True)

    assert (result["changed"], result["access_token"]) == (False, TOKEN)
    assert "diff" not in result
    assert len(api.calls) == 1


def test_the_default_ims_url_is_adobes(api):
    api.mock.add("POST", DEFAULT_IMS_URL + "/ims/token/v3", json={"access_token": TOKEN, "expires_in": 10})

    assert run_token(params(ims_url=DEFAULT_IMS_URL))["expires_in"] == 10


def test_a_given_transport_is_used(api):
    api.mock.add("POST", TOKEN_URL, status=503)

    with pytest.raises(AepError):
        run_token(params(retries=3), transport=HttpTransport(retries=0))  # its settings apply, not the options'

    assert len(api.calls) == 1


def test_the_options_make_the_transport(api, monkeypatch):
    made = []
    real = HttpTransport

    def spy(**kwargs):
        made.append(kwargs)
        return real(**kwargs)

    from ansible_collections.aep.platform.plugins.module_utils import _runner
    monkeypatch.setattr(_runner, "HttpTransport", spy)
    add_token(api)

    run_token(params(timeout=7, retries=1, validate_certs=False, ca_path="/etc/ca.pem"))

    assert made == [dict(timeout=7, validate_certs=False, ca_path="/etc/ca.pem", retries=1)]


def test_ims_is_retried_by_the_same_rules(api):
    api.mock.add("POST", TOKEN_URL, status=503)
    api.mock.add("POST", TOKEN_URL, status=429, headers={"Retry-After": "2"})
    add_token(api)

    assert run_token(params(retries=2))["access_token"] == TOKEN
    assert len(api.calls) == 3
    assert api.delays[1] == 2.0


def test_a_refused_client_secret_is_named_without_showing_it(api):
    api.mock.add("POST", TOKEN_URL, status=401, headers={"x-request-id": "rid-1"},
                 json={"error": "invalid_client", "error_description": "invalid client_secret parameter"})

    with pytest.raises(AepError) as info:
        run_token(params())

    error = info.value
    assert error.msg == (
        "Adobe IMS refused the token request: POST /ims/token/v3 failed with HTTP 401 invalid_client: invalid "
        "client_secret parameter (request id rid-1). Check client_id and client_secret (AEP_CLIENT_ID, "
        "AEP_CLIENT_SECRET) and the scopes of the OAuth Server-to-Server credential in the Adobe Developer Console.")
    assert error.fail_kwargs()["status"] == 401
    assert_hidden(repr(error.fail_kwargs()))


def test_unreachable_ims_is_said_so_after_the_retries(api):
    for _attempt in range(3):
        api.mock.add("POST", TOKEN_URL, body=requests.exceptions.ConnectionError("refused " + CLIENT_SECRET))

    with pytest.raises(AepError) as info:
        run_token(params(retries=2))

    assert info.value.msg == (
        "Adobe IMS could not be reached for an access token: POST /ims/token/v3 failed: could not connect to "
        "https://ims.example.test, or the connection was dropped (after 3 attempts).")
    assert len(api.delays) == 2
    assert_hidden(repr(info.value.fail_kwargs()))
