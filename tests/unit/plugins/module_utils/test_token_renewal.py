"""A token refused as expired or revoked (401013) is replaced once, with client credentials, and never shown."""

from urllib.parse import parse_qs

import pytest

from ansible_collections.aep.platform.plugins.module_utils._auth import TokenProvider
from ansible_collections.aep.platform.plugins.module_utils._client import ApiClient, HttpTransport
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError

IMS_URL = "https://ims.example.test"
TOKEN_URL = IMS_URL + "/ims/token/v3"
CLIENT_ID = "client-abc"
CLIENT_SECRET = "p8e-RENEWAL-SECRET-MARKER"
EXPIRED = "EXPIRED-TOKEN-MARKER"
RENEWED = "RENEWED-TOKEN-MARKER"
REFUSED = {"error_code": "401013", "message": "Oauth token is not valid"}


def client(access_token=EXPIRED, **credentials):
    transport = HttpTransport(retries=2, rand=lambda: 0.0)
    tokens = TokenProvider(transport, access_token=access_token, ims_url=IMS_URL, scopes=["openid"], **credentials)
    return ApiClient(transport, "https://platform.example.test", "ORG@AdobeOrg", "dev", CLIENT_ID, tokens), tokens


def with_credentials():
    return client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def add_token(api, token=RENEWED):
    api.mock.add("POST", TOKEN_URL, json={"access_token": token, "token_type": "bearer", "expires_in": 86399})


def bearer(request):
    return request.headers["Authorization"].split(" ", 1)[1]


def assert_hidden(error):
    for secret in (EXPIRED, RENEWED, CLIENT_SECRET):
        assert secret not in str(error)
        assert secret not in repr(error.fail_kwargs())


def test_an_expired_token_is_replaced_once_and_the_request_sent_again(api):
    api.add("GET", "/connections/a", status=401, json=REFUSED)
    add_token(api)
    api.add("GET", "/connections/a", json={"items": []})
    api.add("GET", "/connections/b", json={"items": []})
    flow, tokens = with_credentials()

    flow.get("/connections/a")
    flow.get("/connections/b")  # the new token from then on, without asking IMS again

    assert [(request.method, request.url.rsplit("/", 1)[-1]) for request in api.calls] == [
        ("GET", "a"), ("POST", "v3"), ("GET", "a"), ("GET", "b")]
    assert [bearer(api.calls[i]) for i in (0, 2, 3)] == [EXPIRED, RENEWED, RENEWED]
    assert parse_qs(api.calls[1].body)["grant_type"] == ["client_credentials"]
    assert tokens.ims_requests == 1


def test_a_refused_create_is_sent_again_with_the_new_token(api):
    """The gateway refused the POST before the API saw it: sending it again cannot double anything."""
    api.add("POST", "/connections", status=401, json=REFUSED)
    add_token(api)
    api.add("POST", "/connections", status=201, json={"id": "new", "etag": '"1"'})
    flow, tokens = with_credentials()

    reply = flow.create("/connections", {"name": "x"}, recover=lambda: pytest.fail("nothing to recover"))

    assert reply == {"id": "new", "etag": '"1"'}
    assert [request.method for request in api.calls] == ["POST", "POST", "POST"]
    assert bearer(api.calls[2]) == RENEWED
    assert tokens.ims_requests == 1


def test_a_list_is_renewed_too(api):
    api.add("GET", "/connections", status=401, json=REFUSED)
    add_token(api)
    api.add("GET", "/connections", json={"items": [{"id": "1"}], "_links": {}})
    flow, _tokens = with_credentials()

    assert list(flow.paginate("/connections")) == [{"id": "1"}]
    assert bearer(api.calls[-1]) == RENEWED


def test_without_client_credentials_the_refusal_is_final(api):
    api.add("GET", "/connections/a", status=401, json=REFUSED)
    flow, tokens = client(client_id=CLIENT_ID)

    with pytest.raises(AepError) as info:
        flow.get("/connections/a")

    assert info.value.msg == "GET /connections/a failed with HTTP 401 401013: Oauth token is not valid"
    assert len(api.calls) == 1 and tokens.ims_requests == 0
    assert_hidden(info.value)


def test_a_new_token_that_is_refused_too_is_not_replaced_again(api):
    api.add("GET", "/connections/a", status=401, json=REFUSED)
    add_token(api)
    api.add("GET", "/connections/a", status=401, json=REFUSED)
    api.add("GET", "/connections/b", status=401, json=REFUSED)
    flow, tokens = with_credentials()

    with pytest.raises(AepError) as first:
        flow.get("/connections/a")
    with pytest.raises(AepError) as second:
        flow.get("/connections/b")  # once per run: never a loop, even across requests

    assert [request.method for request in api.calls] == ["GET", "POST", "GET", "GET"]
    assert tokens.ims_requests == 1
    assert first.value.fail_kwargs()["error"]["code"] == "401013"
    assert_hidden(first.value)
    assert_hidden(second.value)


def test_a_refused_renewal_says_why_without_a_secret(api):
    api.add("GET", "/connections/a", status=401, json=REFUSED)
    api.mock.add("POST", TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": "bad secret"})
    flow, _tokens = with_credentials()

    with pytest.raises(AepError) as info:
        flow.get("/connections/a")

    assert info.value.msg.startswith("The access token was refused as expired or revoked (401013), and a new one "
                                     "could not be obtained: Adobe IMS refused the token request: POST "
                                     "/ims/token/v3 failed with HTTP 401 invalid_client")
    assert info.value.fail_kwargs()["status"] == 401
    assert_hidden(info.value)


@pytest.mark.parametrize("status, answer", [
    (401, {"error_code": "401001", "message": "other"}),
    (403, {"error_code": "403003", "message": "Api Key is invalid"}),
])
def test_other_refusals_are_not_renewals(api, status, answer):
    api.add("GET", "/connections/a", status=status, json=answer)
    flow, tokens = with_credentials()

    with pytest.raises(AepError):
        flow.get("/connections/a")

    assert len(api.calls) == 1 and tokens.ims_requests == 0


def test_a_token_obtained_from_ims_in_this_run_is_renewed_once_as_well(api):
    add_token(api, token="FIRST-IMS-TOKEN")
    api.add("GET", "/connections/a", status=401, json=REFUSED)
    add_token(api)
    api.add("GET", "/connections/a", json={"items": []})
    flow, tokens = client(access_token=None, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    flow.get("/connections/a")

    assert tokens.ims_requests == 2
    assert bearer(api.calls[-1]) == RENEWED
