"""Access tokens: given by the user, or one IMS client-credentials request per run."""

import time
from urllib.parse import parse_qs

import pytest
import requests

from ansible_collections.aep.platform.plugins.module_utils._auth import TokenProvider, request_access_token
from ansible_collections.aep.platform.plugins.module_utils._client import ApiClient, HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError

IMS_URL = "https://ims.example.test"
TOKEN_URL = IMS_URL + "/ims/token/v3"
CLIENT_ID = "client-abc"
CLIENT_SECRET = "p8e-SECRET-MARKER"
SCOPES = ["openid", "AdobeID", "read_organizations"]


def provider(retries=2, **kwargs):
    settings = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, ims_url=IMS_URL + "/", scopes=SCOPES)
    settings.update(kwargs)
    return TokenProvider(HttpTransport(retries=retries), **settings)


def add_token(api, token="ims-token", **extra):
    api.mock.add("POST", TOKEN_URL, json=dict({"access_token": token, "token_type": "bearer",
                                              "expires_in": 86399}, **extra))


def flow_client(tokens):
    return ApiClient(tokens._transport, "https://platform.example.test", "ORG@AdobeOrg", "dev",
                     CLIENT_ID, tokens)


def assert_secret_hidden(error):
    assert CLIENT_SECRET not in error.msg
    assert CLIENT_SECRET not in str(error)
    assert CLIENT_SECRET not in repr(error.fail_kwargs())


def test_a_given_access_token_is_used_without_asking_ims(api):
    tokens = provider(access_token="given-token")
    api.add("GET", "/connections/a")
    api.add("GET", "/connections/b")

    client = flow_client(tokens)
    client.get("/connections/a")
    client.get("/connections/b")

    assert tokens.ims_requests == 0
    assert [request.url for request in api.calls] == [api.base + "/connections/a", api.base + "/connections/b"]
    assert all(request.headers["Authorization"] == "Bearer given-token" for request in api.calls)


def test_client_credentials_ask_ims_exactly_once_per_run(api):
    tokens = provider()
    add_token(api)
    for name in ("a", "b", "c"):
        api.add("GET", "/connections/" + name)

    client = flow_client(tokens)
    for name in ("a", "b", "c"):
        client.get("/connections/" + name)

    ims_call, *flow_calls = api.calls
    assert ims_call.method == "POST" and ims_call.url == TOKEN_URL
    assert ims_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert ims_call.headers["Accept"] == "application/json"
    assert parse_qs(ims_call.body) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "scope": ["openid,AdobeID,read_organizations"],
    }
    assert "Authorization" not in ims_call.headers
    assert tokens.ims_requests == 1
    assert len(flow_calls) == 3
    assert all(request.headers["Authorization"] == "Bearer ims-token" for request in flow_calls)


def test_request_access_token_reply(api):
    add_token(api, token="t-1", expires_in="3600")
    before = int(time.time())

    reply = request_access_token(HttpTransport(), IMS_URL, CLIENT_ID, CLIENT_SECRET, ["openid"])

    assert reply["access_token"] == "t-1"
    assert reply["token_type"] == "bearer"
    assert reply["expires_in"] == 3600
    assert before + 3600 <= reply["expires_at"] <= int(time.time()) + 3600


def test_request_access_token_tolerates_odd_expiry(api):
    api.mock.add("POST", TOKEN_URL, json={"access_token": "t-1", "expires_in": "soon"})

    reply = request_access_token(HttpTransport(), IMS_URL, CLIENT_ID, CLIENT_SECRET, ["openid"])

    assert (reply["token_type"], reply["expires_in"]) == ("bearer", 0)


def test_ims_is_retried_on_a_server_error(api):
    api.mock.add("POST", TOKEN_URL, status=503)
    add_token(api)

    assert provider()() == "ims-token"
    assert len(api.calls) == 2
    assert len(api.delays) == 1


@pytest.mark.parametrize("status, code", [
    (401, "invalid_client"), (400, "invalid_client"), (400, "unauthorized_client"), (400, "invalid_scope"),
])
def test_ims_refusal_names_the_credentials_to_check(api, status, code):
    api.mock.add("POST", TOKEN_URL, status=status, json={"error": code, "error_description": "refused"},
                 headers={"x-request-id": "ims-rid"})

    with pytest.raises(AepError) as info:
        provider()()

    error = info.value
    assert error.msg.startswith(
        "Adobe IMS refused the token request: POST /ims/token/v3 failed with HTTP %s %s: refused "
        "(request id ims-rid)" % (status, code))
    assert "client_id and client_secret (AEP_CLIENT_ID, AEP_CLIENT_SECRET)" in error.msg
    assert error.fail_kwargs()["status"] == status
    assert error.fail_kwargs()["error"]["code"] == code
    assert len(api.calls) == 1
    assert_secret_hidden(error)


def test_other_ims_refusals_have_no_credentials_hint(api):
    api.mock.add("POST", TOKEN_URL, status=403, json={"error": "access_denied", "error_description": "no"})

    with pytest.raises(AepError) as info:
        provider()()

    assert info.value.msg == "Adobe IMS refused the token request: POST /ims/token/v3 failed with HTTP 403 " \
                             "access_denied: no"


@pytest.mark.parametrize("answers, message", [
    ([dict(body=requests.exceptions.ConnectionError("refused"))] * 3,
     "Adobe IMS could not be reached for an access token: POST /ims/token/v3 failed: could not connect to "
     "https://ims.example.test, or the connection was dropped (after 3 attempts)."),
    ([dict(status=500, json={"error": "server_error"})] * 3,
     "Adobe IMS refused the token request: POST /ims/token/v3 failed with HTTP 500 server_error"),
    ([dict(json={"token_type": "bearer"})],
     "Adobe IMS answered the token request without an access_token."),
    ([dict(json={"access_token": ""})],
     "Adobe IMS answered the token request without an access_token."),
    ([dict(json=["not", "an", "object"])],
     "Adobe IMS answered the token request without an access_token."),
    ([dict(body="<html>login</html>", content_type="text/html")],
     "POST /ims/token/v3 failed with HTTP 200: the reply is not valid JSON (text/html): <html>login</html>"),
])
def test_ims_failures_never_show_the_secret(api, answers, message):
    for answer in answers:
        api.mock.add("POST", TOKEN_URL, **answer)
    tokens = provider()

    with pytest.raises(AepError) as info:
        flow_client(tokens).get("/connections/a")

    assert info.value.msg == message
    assert len(api.calls) == len(answers)  # no Flow Service call without a token
    assert_secret_hidden(info.value)


def test_a_failed_token_request_is_asked_again_on_the_next_call(api):
    api.mock.add("POST", TOKEN_URL, status=401, json={"error": "invalid_client"})
    add_token(api)
    tokens = provider()

    with pytest.raises(AepError):
        tokens()
    assert tokens() == "ims-token"
    assert tokens.ims_requests == 2
