"""HttpTransport, error mapping and ApiClient (headers, create-with-recover, paging)."""

import random
import time
from email.utils import formatdate

import pytest
import requests

from ansible_collections.aep.platform.plugins.module_utils import _client
from ansible_collections.aep.platform.plugins.module_utils._client import (
    MAX_RETRY_AFTER,
    HttpTransport,
    parse_error_body,
)
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError
from ansible_collections.aep.platform.plugins.module_utils._version import COLLECTION_VERSION

URL = "https://platform.example.test/data/foundation/flowservice/connections"
SSL_TEXT = ("HTTPSConnectionPool(host='platform.example.test', port=443): Max retries exceeded with url: "
            "/data/foundation/flowservice/connections (Caused by SSLError(SSLCertVerificationError(1, "
            "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
            "(_ssl.c:1006)')))")


def send(transport, method="GET", idempotent=True):
    return transport.send(method, URL, "/connections", idempotent=idempotent)


def backoff_ceilings(count, base=0.5, cap=30.0):
    return [min(cap, base * 2 ** attempt) for attempt in range(count)]


# Retries and backoff -------------------------------------------------------

@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_status_is_retried_until_success(api, status):
    api.add("GET", "/connections", status=status)
    api.add("GET", "/connections", status=status)
    api.add("GET", "/connections", json={"items": []})

    response = send(HttpTransport(retries=3, rand=lambda: 0.0))

    assert response.status_code == 200
    assert api.methods() == ["GET"] * 3
    assert api.delays == [0.25, 0.5]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_status_gives_up_after_retries(api, status):
    for _unused in range(3):
        api.add("GET", "/connections", status=status, json=api.flow_error("1103-503", "busy", status=status))

    with pytest.raises(AepApiError) as info:
        send(HttpTransport(retries=2))

    assert len(api.calls) == 3
    assert len(api.delays) == 2
    assert info.value.status == status
    assert info.value.retryable is True
    assert "HTTP %s" % status in info.value.msg


@pytest.mark.parametrize("exc, reason", [
    (requests.exceptions.ConnectionError("reset by peer"),
     "could not connect to https://platform.example.test, or the connection was dropped"),
    (requests.exceptions.ReadTimeout("read timed out"),
     "https://platform.example.test did not reply completely within the timeout of 7 s"),
    (requests.exceptions.ConnectTimeout("connect timed out"),
     "could not connect to https://platform.example.test within 7 s"),
])
def test_connection_failures_are_retried_then_reported(api, exc, reason):
    for _unused in range(3):
        api.add("GET", "/connections", body=exc)

    with pytest.raises(AepError) as info:
        send(HttpTransport(retries=2, timeout=7))

    assert len(api.calls) == 3
    assert len(api.delays) == 2
    assert info.value.msg == "GET /connections failed: %s (after 3 attempts)." % reason
    assert info.value.retryable is True


def test_connection_failure_then_success(api):
    api.add("GET", "/connections", body=requests.exceptions.ConnectionError("dropped"))
    api.add("GET", "/connections", json={"items": []})

    assert send(HttpTransport(retries=1)).json() == {"items": []}
    assert len(api.delays) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
def test_client_errors_are_not_retried(api, status):
    api.add("GET", "/connections", status=status, json=api.flow_error("1101-404", "nope", status=status))

    with pytest.raises(AepApiError) as info:
        send(HttpTransport(retries=5))

    assert len(api.calls) == 1
    assert api.delays == []
    assert info.value.status == status
    assert info.value.retryable is False


@pytest.mark.parametrize("answer", [
    dict(status=503, json={"error_code": "503", "message": "busy"}),
    dict(status=429, headers={"Retry-After": "1"}),
    dict(body=requests.exceptions.ConnectionError("dropped")),
    dict(body=requests.exceptions.ReadTimeout("slow")),
])
def test_non_idempotent_request_is_sent_once(api, answer):
    api.add("POST", "/connections", **answer)

    with pytest.raises(AepError) as info:
        send(HttpTransport(retries=5), method="POST", idempotent=False)

    assert len(api.calls) == 1
    assert api.delays == []
    assert info.value.retryable is True
    assert "attempts" not in info.value.msg


@pytest.mark.parametrize("rand, factor", [(lambda: 0.0, 0.5), (lambda: 0.5, 0.75), (lambda: 1.0, 1.0)])
def test_backoff_grows_exponentially_with_equal_jitter_and_a_cap(api, rand, factor):
    for _unused in range(9):
        api.add("GET", "/connections", status=500)

    with pytest.raises(AepApiError):
        send(HttpTransport(retries=8, rand=rand))

    # 0.5, 1, 2, 4, 8, 16, then capped at 30 s; jitter takes between half and all of each step.
    assert api.delays == [ceiling * factor for ceiling in backoff_ceilings(8)]
    assert api.delays[-1] == api.delays[-2] == 30.0 * factor


def test_default_jitter_stays_within_bounds_and_varies(api):
    random.seed(1234)
    for _unused in range(9):
        api.add("GET", "/connections", status=502)

    with pytest.raises(AepApiError):
        send(HttpTransport(retries=8))

    for delay, ceiling in zip(api.delays, backoff_ceilings(8)):
        assert ceiling / 2 <= delay <= ceiling
    assert len({delay / ceiling for delay, ceiling in zip(api.delays, backoff_ceilings(8))}) > 1


@pytest.mark.parametrize("header, expected", [("7", 7.0), ("0", 0.0), (" 2.5 ", 2.5), ("-3", 0.0)])
def test_retry_after_seconds_are_honoured(api, header, expected):
    api.add("GET", "/connections", status=429, headers={"Retry-After": header})
    api.add("GET", "/connections", json={"items": []})

    send(HttpTransport(retries=3, rand=lambda: 1.0))

    assert api.delays == [expected]


def test_retry_after_http_date_is_honoured(api):
    api.add("GET", "/connections", status=503, headers={"Retry-After": formatdate(time.time() + 30, usegmt=True)})
    api.add("GET", "/connections", json={"items": []})

    send(HttpTransport(retries=3))

    assert len(api.delays) == 1
    assert 27.0 <= api.delays[0] <= 30.0


def test_retry_after_http_date_in_the_past_means_now(api):
    api.add("GET", "/connections", status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    api.add("GET", "/connections", json={"items": []})

    send(HttpTransport(retries=3))

    assert api.delays == [0.0]


@pytest.mark.parametrize("header", ["600", str(MAX_RETRY_AFTER + 1), "inf"])
def test_retry_after_above_the_maximum_is_not_waited_for(api, header):
    api.add("GET", "/connections", status=429, headers={"Retry-After": header},
            json={"error_code": "429050", "message": "Too many requests"})

    with pytest.raises(AepApiError) as info:
        send(HttpTransport(retries=5))

    assert len(api.calls) == 1
    assert api.delays == []
    assert info.value.retry_after == float(header)
    assert info.value.status == 429


def test_retry_after_http_date_far_away_is_not_waited_for(api):
    api.add("GET", "/connections", status=503, headers={"Retry-After": formatdate(time.time() + 3600, usegmt=True)})

    with pytest.raises(AepApiError) as info:
        send(HttpTransport(retries=5))

    assert api.delays == []
    assert info.value.retry_after > MAX_RETRY_AFTER


@pytest.mark.parametrize("header", ["soon", "Mon, 99 Foo 2020 99:99:99 GMT"])
def test_unreadable_retry_after_falls_back_to_backoff(api, header):
    api.add("GET", "/connections", status=503, headers={"Retry-After": header})
    api.add("GET", "/connections", json={"items": []})

    send(HttpTransport(retries=3, rand=lambda: 0.0))

    assert api.delays == [0.25]


def test_retry_after_on_a_client_error_is_ignored(api):
    api.add("GET", "/connections", status=400, headers={"Retry-After": "5"})

    with pytest.raises(AepApiError) as info:
        send(HttpTransport(retries=5))

    assert info.value.retry_after is None
    assert api.delays == []


def test_zero_retries_sends_once(api):
    api.add("GET", "/connections", status=503)

    with pytest.raises(AepApiError):
        send(HttpTransport(retries=0))

    assert len(api.calls) == 1
    assert HttpTransport(retries=-2).retries == 0


# TLS, timeouts, other request errors ---------------------------------------

def test_ssl_error_explains_ca_path_and_validate_certs(api):
    api.add("GET", "/connections", body=requests.exceptions.SSLError(SSL_TEXT))

    with pytest.raises(AepError) as info:
        send(HttpTransport(retries=5))

    message = info.value.msg
    assert "ca_path" in message and "validate_certs" in message
    assert "https://platform.example.test" in message
    assert "(certificate verify failed: self-signed certificate)" in message
    assert "_ssl.c" not in message
    assert len(api.calls) == 1
    assert info.value.retryable is False


def test_ssl_error_without_the_usual_text_is_clipped(api):
    api.add("GET", "/connections", body=requests.exceptions.SSLError("handshake   failure " + "x" * 400))

    with pytest.raises(AepError) as info:
        send(HttpTransport())

    assert "(handshake failure xxx" in info.value.msg
    assert "x" * 170 not in info.value.msg


@pytest.mark.parametrize("validate_certs, ca_path, verify", [
    (True, None, True),
    (False, None, False),
    (True, "/etc/ssl/corp-ca.pem", "/etc/ssl/corp-ca.pem"),
    (False, "/etc/ssl/corp-ca.pem", False),
])
def test_tls_settings_and_timeout_reach_requests(api, monkeypatch, validate_certs, ca_path, verify):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # requests would put these in place of True
        monkeypatch.delenv(name, raising=False)
    api.add("GET", "/connections")

    send(HttpTransport(timeout=12, validate_certs=validate_certs, ca_path=ca_path))

    assert api.calls[0].req_kwargs["verify"] == verify
    assert api.calls[0].req_kwargs["timeout"] == 12


def test_other_request_errors_are_reported_without_retry(api):
    api.add("GET", "/connections", body=requests.exceptions.TooManyRedirects("Exceeded 30 redirects."))

    with pytest.raises(AepError) as info:
        send(HttpTransport(retries=5))

    assert info.value.msg == "GET /connections failed: Exceeded 30 redirects."
    assert len(api.calls) == 1


def test_redirects_are_not_followed(api):
    api.add("GET", "/connections", status=302, headers={"Location": "https://elsewhere.example.com/steal"})

    with pytest.raises(AepApiError) as info:
        send(HttpTransport())

    assert info.value.status == 302
    assert "unexpected redirect to https://elsewhere.example.com; not followed" in info.value.msg
    assert [request.url for request in api.calls] == [URL]


def test_user_agent_names_the_collection_version(api):
    api.add("GET", "/connections")

    send(HttpTransport())

    assert api.calls[0].headers["User-Agent"] == "aep.platform/%s (Ansible collection)" % COLLECTION_VERSION


# Error bodies ----------------------------------------------------------------

def fail_with(api, status=400, **answer):
    api.add("GET", "/connections/abc", status=status, **answer)
    with pytest.raises(AepApiError) as info:
        api.client(retries=0).get("/connections/abc")
    return info.value


@pytest.mark.parametrize("answer, code, message, request_id", [
    pytest.param(dict(json={"type": "https://ns.adobe.com/aep/errors/FLOW-1404-412", "title": "Precondition Failed",
                            "status": 412, "errorMessage": "The etag does not match",
                            "report": {"request-id": "body-rid", "detailed-message": "detail"}},
                      headers={"x-request-id": "header-rid"}),
                 "FLOW-1404-412", "The etag does not match", "body-rid", id="flow-service"),
    pytest.param(dict(json={"type": "https://ns.adobe.com/aep/errors/FLOW-1101-404/", "title": "Not Found",
                            "report": {"detailed-message": "gone"}}),
                 "FLOW-1101-404", "Not Found", None, id="flow-service-title"),
    pytest.param(dict(json={"report": {"detailed-message": "only the report says it"}},
                      headers={"x-request-id": "header-rid"}),
                 None, "only the report says it", "header-rid", id="report-only"),
    pytest.param(dict(json={"error_code": "401013", "message": "Oauth token is not valid"},
                      headers={"x-request-id": "gw-rid"}),
                 "401013", "Oauth token is not valid", "gw-rid", id="gateway"),
    pytest.param(dict(json={"error_code": 403003, "message": "Api Key is invalid"}),
                 "403003", "Api Key is invalid", None, id="gateway-numeric"),
    pytest.param(dict(json={"error": "invalid_client", "error_description": "invalid client_secret parameter"}),
                 "invalid_client", "invalid client_secret parameter", None, id="ims"),
    pytest.param(dict(json={"code": 42, "message": "generic"}), "42", "generic", None, id="code-key"),
    pytest.param(dict(json={"something": "else"}), None, None, None, id="unknown-json"),
])
def test_json_error_bodies_are_mapped(api, answer, code, message, request_id):
    error = fail_with(api, **answer)

    assert (error.code, error.message, error.request_id) == (code, message, request_id)
    assert error.fail_kwargs()["error"] == dict(code=code, message=message, request_id=request_id,
                                                method="GET", path="/connections/abc")


def test_html_error_body_is_summarised(api):
    html = "<html><body><h1>502   Bad Gateway</h1>" + "<p>filler</p>" * 40 + "</body></html>"
    error = fail_with(api, status=400, body=html, content_type="text/html",
                      headers={"x-request-id": "proxy-rid"})

    assert error.code is None
    assert error.message.startswith("the reply is not a JSON error (text/html): <html><body><h1>502 Bad Gateway</h1>")
    assert error.message.endswith("...")
    assert len(error.message) < 260
    assert error.request_id == "proxy-rid"


def test_empty_error_body(api):
    error = fail_with(api, status=404, body="", content_type=None)

    assert error.code is None
    assert error.message == "the reply is not a JSON error (no content type)"
    assert error.msg == "GET /connections/abc failed with HTTP 404: the reply is not a JSON error (no content type)"


def test_json_error_that_is_not_an_object(api):
    error = fail_with(api, json=["nope"])

    assert error.message == 'the reply is not a JSON error (application/json): ["nope"]'


def test_long_error_message_is_clipped(api):
    error = fail_with(api, json={"message": "word " * 200})

    assert len(error.message) == 303
    assert error.message.endswith("...")


def test_fail_kwargs_of_an_api_error(api):
    error = fail_with(api, status=412, json=api.flow_error("1404-412", "etag mismatch", status=412,
                                                           request_id="rid-1"))

    assert error.fail_kwargs() == {
        "msg": "GET /connections/abc failed with HTTP 412 FLOW-1404-412: etag mismatch (request id rid-1)",
        "status": 412,
        "error": {"code": "FLOW-1404-412", "message": "etag mismatch", "request_id": "rid-1",
                  "method": "GET", "path": "/connections/abc"},
    }
    assert error.numeric_code == "1404-412"


def test_fail_kwargs_of_an_error_without_details():
    assert AepError("plain").fail_kwargs() == {"msg": "plain"}
    assert AepError("extra", ids=["a", "b"]).fail_kwargs() == {"msg": "extra", "ids": ["a", "b"]}


@pytest.mark.parametrize("code, numeric", [("FLOW-1418-400", "1418-400"), ("401013", "401013"), (None, None)])
def test_numeric_code(code, numeric):
    assert AepApiError("DELETE", "/connections/x", 400, code=code).numeric_code == numeric


def test_parse_error_body_of_a_plain_response():
    response = requests.models.Response()
    response.status_code = 500
    response._content = b'{"title": "Internal Server Error"}'
    response.headers["x-request-id"] = "r-9"

    assert parse_error_body(response) == (None, "Internal Server Error", "r-9")


# ApiClient: headers and requests ------------------------------------

def test_every_request_carries_the_adobe_headers(api):
    api.add("GET", "/connections/abc", json={"items": [{"id": "abc"}]})

    assert api.client().get("/connections/abc") == {"items": [{"id": "abc"}]}

    headers = api.calls[0].headers
    assert api.calls[0].url == api.base + "/connections/abc"
    assert headers["Authorization"] == "Bearer " + api.token
    assert headers["x-api-key"] == api.api_key
    assert headers["x-gw-ims-org-id"] == api.org_id
    assert headers["x-sandbox-name"] == "dev"
    assert headers["Accept"] == "application/json"


def test_request_sends_json_query_and_extra_headers(api):
    api.add("PATCH", "/connections/abc", json={"id": "abc", "etag": '"2"'})
    operations = [{"op": "replace", "path": "/name", "value": "new"}]

    reply = api.client().request("PATCH", "/connections/abc", params={"limit": 5}, body=operations,
                                 headers={"If-Match": '"1"'})

    request = api.calls[0]
    assert reply == {"id": "abc", "etag": '"2"'}
    assert api.json_body(request) == operations
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["If-Match"] == '"1"'
    assert request.headers["x-sandbox-name"] == "dev"
    assert api.query(request) == {"limit": ["5"]}


def test_the_token_is_asked_for_on_each_request(api):
    tokens = iter(["first", "second"])
    client = api.client()
    client.token_provider = lambda: next(tokens)
    api.add("GET", "/connections/a")
    api.add("GET", "/connections/b")

    client.get("/connections/a")
    client.get("/connections/b")

    assert [request.headers["Authorization"] for request in api.calls] == ["Bearer first", "Bearer second"]


@pytest.mark.parametrize("answer", [dict(status=204), dict(status=200, body="")])
def test_empty_reply_is_none(api, answer):
    api.add("DELETE", "/connections/abc", **answer)

    assert api.client().request("DELETE", "/connections/abc") is None


def test_non_json_success_reply_is_an_error(api):
    api.add("GET", "/connections/abc", body="<html>maintenance</html>", content_type="text/html",
            headers={"x-request-id": "r-2"})

    with pytest.raises(AepApiError) as info:
        api.client().get("/connections/abc")

    assert info.value.msg == ("GET /connections/abc failed with HTTP 200: the reply is not valid JSON "
                              "(text/html): <html>maintenance</html> (request id r-2)")


def test_a_redirect_is_not_taken_for_an_empty_success(api):
    # allow_redirects=False keeps the token on the platform host, but the 3xx answer must then be an
    # error: read as "no content" it makes a GET by id look like "not found".
    api.add("GET", "/connections/abc", status=301, body="",
            headers={"Location": "https://platform.example.test/moved"})

    with pytest.raises(AepError) as info:
        api.client().get("/connections/abc")

    assert "301" in info.value.msg


# ApiClient.create: never a blind second POST ------------------------

class Recover:
    """A recover() that answers from a script and counts its calls."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.answers.pop(0)


BODY = {"name": "landing", "connectionSpec": {"id": "spec", "version": "1.0"}}
FOUND = {"id": "found-id", "name": "landing", "etag": '"1"'}


def test_create_posts_once_when_it_works(api):
    api.add("POST", "/connections", status=201, json={"id": "new-id", "etag": '"1"'})
    recover = Recover()

    assert api.client().create("/connections", BODY, recover) == {"id": "new-id", "etag": '"1"'}

    assert api.json_body(api.calls[0]) == BODY
    assert recover.calls == 0


@pytest.mark.parametrize("failure", [
    dict(body=requests.exceptions.ConnectionError("dropped")),
    dict(status=502, body="<html>bad gateway</html>", content_type="text/html"),
    dict(status=500, json={"error_code": "500", "message": "oops"}),
])
def test_create_returns_what_recover_finds_without_a_second_post(api, failure):
    api.add("POST", "/connections", **failure)
    recover = Recover(FOUND)

    assert api.client().create("/connections", BODY, recover) == FOUND

    assert api.methods() == ["POST"]
    assert recover.calls == 1
    assert len(api.delays) == 1


def test_create_without_a_reply_in_time_is_looked_for_at_once(api):
    api.add("POST", "/connections", body=requests.exceptions.ReadTimeout("slow"))
    recover = Recover(None, FOUND)

    assert api.client().create("/connections", BODY, recover) == FOUND

    assert api.methods() == ["POST"]
    assert recover.calls == 2
    assert len(api.delays) == 1


def test_create_without_a_reply_in_time_is_never_sent_again(api):
    """The server may still apply a POST it did not answer: a second one could double the connection."""
    api.add("POST", "/connections", body=requests.exceptions.ReadTimeout("slow"))
    recover = Recover(None, None, None)

    with pytest.raises(AepError) as info:
        api.client(retries=2).create("/connections", BODY, recover)

    assert api.methods() == ["POST"]
    assert recover.calls == 3
    assert "It was not sent again, so that a create still under way cannot be doubled" in info.value.msg
    assert "not found by name after 3 look-ups" in info.value.msg


def test_create_posts_again_when_recover_finds_nothing(api):
    api.add("POST", "/connections", status=503)
    api.add("POST", "/connections", status=201, json={"id": "new-id", "etag": '"1"'})
    recover = Recover(None)

    assert api.client().create("/connections", BODY, recover) == {"id": "new-id", "etag": '"1"'}

    assert api.methods() == ["POST", "POST"]
    assert [api.json_body(request) for request in api.calls] == [BODY, BODY]
    assert recover.calls == 1


def test_create_gives_up_after_retries(api):
    for _unused in range(3):
        api.add("POST", "/connections", status=500, json=api.flow_error("1103-503", "unavailable", status=500))
    recover = Recover(None, None, None)

    with pytest.raises(AepApiError) as info:
        api.client(retries=2, rand=lambda: 0.0).create("/connections", BODY, recover)

    assert api.methods() == ["POST"] * 3
    assert recover.calls == 3  # between the attempts, and once after the last one
    assert api.delays == [0.25, 0.5]
    assert info.value.status == 500


def test_create_finds_what_its_last_attempt_made(api):
    for _unused in range(3):
        api.add("POST", "/connections", status=502, json=api.flow_error("1103-502", "bad gateway", status=502))
    recover = Recover(None, None, {"id": "made-by-the-last-attempt"})

    assert api.client(retries=2, rand=lambda: 0.0).create("/connections", BODY, recover) == {
        "id": "made-by-the-last-attempt"}
    assert api.methods() == ["POST"] * 3 and recover.calls == 3


def test_create_reports_its_own_error_when_the_last_look_up_fails(api):
    for _unused in range(2):
        api.add("POST", "/connections", status=503, json=api.flow_error("1103-503", "unavailable", status=503))

    def recover():
        if recover.calls:
            raise AepError("the look-up failed too")
        recover.calls += 1

    recover.calls = 0
    with pytest.raises(AepApiError) as info:
        api.client(retries=1, rand=lambda: 0.0).create("/connections", BODY, recover)
    assert info.value.status == 503 and "1103-503" in info.value.code


def test_create_does_not_retry_a_client_error(api):
    api.add("POST", "/connections", status=400, json=api.flow_error("1413-400", "invalid spec id"))
    recover = Recover()

    with pytest.raises(AepApiError) as info:
        api.client().create("/connections", BODY, recover)

    assert recover.calls == 0
    assert info.value.code == "FLOW-1413-400"


def test_create_honours_retry_after(api):
    api.add("POST", "/connections", status=429, headers={"Retry-After": "4"})
    recover = Recover(FOUND)

    assert api.client().create("/connections", BODY, recover) == FOUND
    assert api.delays == [4.0]


def test_create_does_not_wait_for_a_long_retry_after(api):
    api.add("POST", "/connections", status=429, headers={"Retry-After": "3600"})
    recover = Recover()

    with pytest.raises(AepApiError) as info:
        api.client().create("/connections", BODY, recover)

    assert recover.calls == 0
    assert api.delays == []
    assert info.value.retry_after == 3600.0


# ApiClient.paginate -------------------------------------------------

NEXT_LINK_STYLES = {
    "relative": "/connections?continuationToken={token}",
    "relative-without-slash": "connections?continuationToken={token}",
    "base-path": "/data/foundation/flowservice/connections?continuationToken={token}",
    "absolute-same-origin": "https://platform.example.test/data/foundation/flowservice/connections"
                            "?continuationToken={token}",
}


def page(ids, next_href=None):
    data = {"items": [{"id": ident} for ident in ids]}
    if next_href:
        data["_links"] = {"next": {"href": next_href}}
    return data


@pytest.mark.parametrize("style", sorted(NEXT_LINK_STYLES))
def test_paginate_follows_next_links_across_three_pages(api, style):
    link = NEXT_LINK_STYLES[style]
    api.add("GET", "/connections?property=name%3D%3Dlanding&limit=2", json=page(["a", "b"], link.format(token="t1")))
    api.add("GET", "/connections?continuationToken=t1", json=page(["c", "d"], link.format(token="t2")))
    api.add("GET", "/connections?continuationToken=t2", json=page(["e"]))

    items = list(api.client().paginate("/connections", params={"property": ["name==landing"], "limit": 2}))

    assert [item["id"] for item in items] == ["a", "b", "c", "d", "e"]
    assert [api.query(request) for request in api.calls] == [
        {"property": ["name==landing"], "limit": ["2"]},
        {"continuationToken": ["t1"]},
        {"continuationToken": ["t2"]},
    ]
    assert all(request.url.startswith(api.base + "/connections?") for request in api.calls)
    assert all(request.headers["Authorization"] == "Bearer " + api.token for request in api.calls)


@pytest.mark.parametrize("href", [
    "https://elsewhere.example.com/data/foundation/flowservice/connections?continuationToken=t1",
    "http://platform.example.test/data/foundation/flowservice/connections?continuationToken=t1",
    "https://platform.example.test:8443/data/foundation/flowservice/connections?continuationToken=t1",
])
def test_paginate_refuses_a_next_link_to_another_origin(api, href):
    api.add("GET", "/connections", json=page(["a"], href))

    items = []
    with pytest.raises(AepError) as info:
        for item in api.client().paginate("/connections"):
            items.append(item)

    assert items == [{"id": "a"}]
    assert len(api.calls) == 1
    assert "points to another host" in info.value.msg
    assert api.token not in info.value.msg


def test_paginate_stops_on_a_repeated_next_link(api):
    api.add("GET", "/connections", json=page(["a"], "/connections?continuationToken=same"))
    api.add("GET", "/connections?continuationToken=same", json=page(["b"], "/connections?continuationToken=same"))

    with pytest.raises(AepApiError) as info:
        list(api.client().paginate("/connections"))

    assert len(api.calls) == 2
    assert "same next link twice" in info.value.msg


def test_paginate_stops_after_max_pages(api, monkeypatch):
    monkeypatch.setattr(_client, "MAX_PAGES", 2)
    api.add("GET", "/connections", json=page(["a"], "/connections?continuationToken=1"))
    api.add("GET", "/connections?continuationToken=1", json=page(["b"], "/connections?continuationToken=2"))

    with pytest.raises(AepError) as info:
        list(api.client().paginate("/connections"))

    assert info.value.msg == "GET /connections: more than 2 pages; stopping."


@pytest.mark.parametrize("reply", [{}, {"items": None}, {"items": {"a": 1}}, ["a"]])
def test_paginate_needs_an_items_list(api, reply):
    api.add("GET", "/connections", json=reply, headers={"x-request-id": "r-7"})

    with pytest.raises(AepApiError) as info:
        list(api.client().paginate("/connections"))

    assert info.value.msg == "GET /connections failed with HTTP 200: the reply has no 'items' list (request id r-7)"


def test_paginate_with_an_empty_list(api):
    api.add("GET", "/connections", json={"items": [], "_links": {"next": {}}})

    assert list(api.client().paginate("/connections")) == []


def test_paginate_retries_a_page_like_any_get(api):
    api.add("GET", "/connections", json=page(["a"], "/connections?continuationToken=t1"))
    api.add("GET", "/connections?continuationToken=t1", status=503)
    api.add("GET", "/connections?continuationToken=t1", json=page(["b"]))

    assert [item["id"] for item in api.client().paginate("/connections")] == ["a", "b"]
    assert len(api.delays) == 1


def test_transports_share_a_connection_pool_per_tls_setting_only_once_asked(monkeypatch):
    from ansible_collections.aep.platform.plugins.module_utils import _client

    def pool(transport):
        return transport.session.get_adapter("https://platform.example.test/")

    monkeypatch.setattr(_client, "_SHARED_POOLS", None)
    assert pool(HttpTransport()) is not pool(HttpTransport())

    _client.share_sessions()
    first, second = HttpTransport(), HttpTransport()
    unverified = HttpTransport(validate_certs=False)
    # A session of its own each (cookies, headers), on one pool per TLS setting.
    assert first.session is not second.session
    assert pool(first) is pool(second)
    assert first.session.get_adapter("http://127.0.0.1/") is pool(first)
    assert pool(unverified) is not pool(first)
    assert pool(HttpTransport(validate_certs=False)) is pool(unverified)
