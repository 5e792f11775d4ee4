"""aep_access_token end to end through main(), with HTTP faked at the requests boundary."""

import json
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses

from ansible_collections.aep.platform.plugins.module_utils._arguments import aep_argument_spec
from ansible_collections.aep.platform.plugins.module_utils._token import TOKEN_CREDENTIALS_MISSING
from ansible_collections.aep.platform.plugins.modules import aep_access_token as module

IMS_URL = "https://ims-na1.adobelogin.com/ims/token/v3"
CLIENT_SECRET = "CLIENT-SECRET-MARKER"
TOKEN = "ISSUED-TOKEN-MARKER"
GIVEN_TOKEN = "GIVEN-TOKEN-MARKER"

ARGS = dict(client_id="client-1", client_secret=CLIENT_SECRET)


def args(**overrides):
    result = dict(ARGS)
    result.update(overrides)
    return {key: value for key, value in result.items() if value is not None}


def ims_reply(token=TOKEN, **kwargs):
    return responses.post(IMS_URL, json={"access_token": token, "token_type": "bearer", "expires_in": 86399},
                          **kwargs)


@pytest.fixture(autouse=True)
def fake_http(no_sleep, monkeypatch):
    """HTTP faked (an unexpected request fails with ConnectionError), and no AEP_* from the outside."""
    for name in [spec["fallback"][1][0] for spec in aep_argument_spec().values()]:
        monkeypatch.delenv(name, raising=False)
    responses.start()
    yield
    responses.stop()
    responses.reset()


def test_returns_the_token_and_changes_nothing(run_module):
    call = ims_reply()
    before = int(time.time())

    result = run_module(module, args())

    assert result["_rc"] == 0 and "failed" not in result
    assert result["changed"] is False
    assert (result["access_token"], result["token_type"], result["expires_in"]) == (TOKEN, "bearer", 86399)
    assert before + 86399 <= result["expires_at"] <= int(time.time()) + 86399
    assert call.call_count == 1
    assert parse_qs(responses.calls[0].request.body)["client_secret"] == [CLIENT_SECRET]
    assert CLIENT_SECRET not in json.dumps(result)  # the invocation masks it


def test_check_mode_still_requests_the_token(run_module):
    call = ims_reply()

    result = run_module(module, args(), check_mode=True, diff=True)

    assert (result["changed"], result["access_token"]) == (False, TOKEN)
    assert "diff" not in result
    assert call.call_count == 1


def test_every_shared_option_is_accepted_and_org_id_is_not_required(run_module):
    ims_reply()
    every_option = dict(
        access_token=GIVEN_TOKEN, client_id="client-1", client_secret=CLIENT_SECRET, api_key="key",
        org_id="ORG@AdobeOrg", sandbox="dev", scopes=["openid"], platform_url="https://platform.adobe.io",
        ims_url="https://ims-na1.adobelogin.com", validate_certs=True, ca_path=None, timeout=10, retries=1,
    )
    assert set(every_option) == set(aep_argument_spec())

    assert run_module(module, every_option)["access_token"] == TOKEN
    assert run_module(module, args())["access_token"] == TOKEN  # no org_id at all


def test_unknown_options_still_fail(run_module):
    result = run_module(module, args(name="landing"))

    assert result["failed"] is True
    assert "Unsupported parameters" in result["msg"] and "name" in result["msg"]
    assert len(responses.calls) == 0


def test_a_given_access_token_is_never_returned(run_module):
    ims_reply()

    result = run_module(module, args(access_token=GIVEN_TOKEN))

    assert result["access_token"] == TOKEN
    assert GIVEN_TOKEN not in json.dumps(result)


def test_ims_answering_with_the_given_token_returns_it_unmasked(run_module):
    ims_reply(token=GIVEN_TOKEN)

    result = run_module(module, args(access_token=GIVEN_TOKEN))

    assert result["access_token"] == GIVEN_TOKEN
    assert CLIENT_SECRET not in json.dumps(result)


@pytest.mark.parametrize("overrides", [
    dict(client_secret=None),
    dict(client_id=None),
    dict(client_id=None, client_secret=None, access_token=GIVEN_TOKEN),
    dict(client_secret=None, access_token=GIVEN_TOKEN),
])
def test_client_credentials_are_required_and_a_token_alone_is_refused(run_module, overrides):
    result = run_module(module, args(**overrides))

    assert result["failed"] is True
    assert result["msg"] == TOKEN_CREDENTIALS_MISSING
    assert len(responses.calls) == 0
    assert GIVEN_TOKEN not in json.dumps(result)


def test_credentials_from_the_environment(run_module, monkeypatch):
    monkeypatch.setenv("AEP_CLIENT_ID", "env-client")
    monkeypatch.setenv("AEP_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("AEP_IMS_URL", "https://ims.example.test")
    monkeypatch.setenv("AEP_SCOPES", "openid,AdobeID")
    call = responses.post("https://ims.example.test/ims/token/v3", json={"access_token": TOKEN, "expires_in": 5})

    result = run_module(module, {})

    assert result["access_token"] == TOKEN and call.call_count == 1
    assert parse_qs(responses.calls[0].request.body) == {
        "grant_type": ["client_credentials"], "client_id": ["env-client"], "client_secret": [CLIENT_SECRET],
        "scope": ["openid,AdobeID"]}
    assert CLIENT_SECRET not in json.dumps(result)


def test_wrong_secret_fails_with_the_ims_error_and_never_shows_the_secret(run_module):
    responses.post(IMS_URL, status=401, headers={"x-request-id": "rid-7"},
                   json={"error": "invalid_client", "error_description": "invalid client_secret parameter"})

    result = run_module(module, args())

    assert result["failed"] is True and result["_rc"] == 1
    assert result["msg"].startswith("Adobe IMS refused the token request: POST /ims/token/v3 failed with HTTP 401 "
                                    "invalid_client: invalid client_secret parameter (request id rid-7). Check "
                                    "client_id and client_secret")
    assert result["status"] == 401
    assert result["error"] == dict(code="invalid_client", message="invalid client_secret parameter",
                                   request_id="rid-7", method="POST", path="/ims/token/v3")
    assert "access_token" not in result
    assert CLIENT_SECRET not in json.dumps(result)


def test_unreachable_ims_fails_clearly(run_module, no_sleep):
    for _attempt in range(3):
        responses.post(IMS_URL, body=requests.exceptions.ConnectionError("refused"))

    result = run_module(module, args(retries=2))

    assert result["msg"] == ("Adobe IMS could not be reached for an access token: POST /ims/token/v3 failed: could "
                             "not connect to https://ims-na1.adobelogin.com, or the connection was dropped (after 3 "
                             "attempts).")
    assert len(no_sleep) == 2
    assert CLIENT_SECRET not in json.dumps(result)


def test_plain_http_ims_is_refused_before_sending_the_secret(run_module):
    result = run_module(module, args(ims_url="http://ims.example.test"))

    assert result["msg"].startswith("ims_url must use https://")
    assert len(responses.calls) == 0


def test_missing_requests_library_is_reported(run_module, monkeypatch):
    from ansible_collections.aep.platform.plugins.module_utils import _module
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)

    result = run_module(module, args())

    assert result["failed"] is True
    assert "Failed to import the required Python library (requests)" in result["msg"]
    assert len(responses.calls) == 0
