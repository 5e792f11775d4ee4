"""Hostile API replies: what the module does when the service (or something in front of it) misbehaves.

A raw HTTP server on 127.0.0.1 answers with bytes written by hand: non-JSON bodies, HTML error pages,
truncated JSON, 200 without ``items``, huge bodies, replies that stall or trickle past the timeout,
redirects and next links to other hosts. Each case runs ``aep_s3_connection.main()`` in-process and
must end in ``fail_json`` with a message that says what happened (or succeed, where the reply is
acceptable), without a traceback; its time and, for huge bodies, its peak memory are measured.
"""

from __future__ import annotations

import socketserver
import threading
import time
import tracemalloc

import pytest
from ansible_collections.aep.platform.plugins.modules import aep_s3_connection
from reliability_results import table
from reliability_support import ORG_ID, run_main

S3_SPEC = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
HUGE_SIZE = 20 * 1024 * 1024
CONNECTION_ID = "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"


def reply(status, body=b"", content_type="application/json", headers=(), length=None):
    """A whole HTTP/1.1 reply as bytes; ``length`` overrides Content-Length (to lie about it)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = ["HTTP/1.1 %s Hostile" % status, "Connection: close", "x-request-id: hostile-request-id"]
    if content_type:
        head.append("Content-Type: %s" % content_type)
    head.append("Content-Length: %d" % (len(body) if length is None else length))
    head.extend(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class RawHandler(socketserver.StreamRequestHandler):
    def handle(self):
        request_line = self.rfile.readline().decode("latin-1").strip()
        if not request_line:
            return
        length = 0
        while True:
            line = self.rfile.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _unused, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            self.rfile.read(length)
        method, target = request_line.split(" ")[:2]
        self.server.requests.append((method, target))
        answer = self.server.responder(method, target)
        if answer is None:
            return  # nothing to say: the connection just closes
        try:
            if callable(answer):
                answer(self.wfile)
            else:
                self.wfile.write(answer)
            self.wfile.flush()
        except OSError:
            pass  # the client gave up first: that is what some cases are about


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RawHandler)
        self.requests = []
        self.responder = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


@pytest.fixture(scope="module")
def raw_server():
    server = RawServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def by_method(get=None, post=None, other=None, ims=None):
    """A responder answering by method (and the IMS token path)."""

    def respond(method, target):
        if target.startswith("/ims/"):
            return ims
        return {"GET": get, "POST": post}.get(method, other)

    return respond


EMPTY_LIST = reply(200, '{"items": [], "_links": {}}')
CREATED = reply(201, '{"id": "%s", "etag": "\\"1\\""}' % CONNECTION_ID)
HTML_PAGE = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>" \
            "<p>The proxy server received an invalid response from an upstream server.</p></body></html>"


def _stall(seconds):
    def write(wfile):
        wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 40\r\n\r\n{\"items\"")
        wfile.flush()
        time.sleep(seconds)

    return write


def _silent(seconds):
    def write(wfile):
        time.sleep(seconds)

    return write


def _drip(body, interval):
    def write(wfile):
        wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body))
        wfile.flush()
        for index in range(len(body)):
            time.sleep(interval)
            wfile.write(body[index:index + 1])
            wfile.flush()

    return write


def _endless_chunks(limit=64 * 1024 * 1024):
    """A chunked body that goes on (up to ``limit``, so that the test ends whatever the client does)."""
    def write(wfile):
        wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b" " * (1024 * 1024)
        for _unused in range(limit // len(chunk)):
            wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        wfile.write(b"0\r\n\r\n")

    return write


_HUGE = {}


def huge_json():
    """About 20 MB of valid JSON: a list of connections none of which has the name looked up."""
    if "json" not in _HUGE:
        item = ('{"id": "%%07d", "name": "other-%%07d", "connectionSpec": {"id": "%s"}, "description": "%s"}'
                % (S3_SPEC, "d" * 150))
        count = HUGE_SIZE // (len(item) + 4)
        body = '{"items": [' + ", ".join(item % (index, index) for index in range(count)) + '], "_links": {}}'
        _HUGE["json"] = reply(200, body)
    return _HUGE["json"]


def huge_html():
    if "html" not in _HUGE:
        _HUGE["html"] = reply(502, "<html><body>" + "x" * HUGE_SIZE + "</body></html>", "text/html")
    return _HUGE["html"]


# (case id, what it shows, responder, extra module args, expected: substrings of msg or "succeeds")
CASES = [
    ("non-JSON 200", "a 200 list reply in text/plain",
     lambda: by_method(get=reply(200, "hello, world", "text/plain")), {},
     ["GET /connections failed with HTTP 200", "not valid JSON (text/plain)"]),
    ("HTML 502 page", "a proxy's HTML 502 page, retried, then reported",
     lambda: by_method(get=reply(502, HTML_PAGE, "text/html")), {},
     ["HTTP 502", "not a JSON error (text/html)", "502 Bad Gateway"]),
    ("HTML 200 page", "a captive portal's HTML page with status 200",
     lambda: by_method(get=reply(200, HTML_PAGE, "text/html; charset=utf-8")), {},
     ["HTTP 200", "not valid JSON (text/html"]),
    ("truncated JSON", "a 200 whose JSON stops in the middle",
     lambda: by_method(get=reply(200, '{"items": [{"name": "hostile", "id": "9e1c')), {},
     ["HTTP 200", "not valid JSON (application/json)"]),
    ("body shorter than Content-Length", "the connection closes before the announced body length",
     lambda: by_method(get=reply(200, '{"items": [', length=4096)), {},
     ["GET /connections failed", "was cut short", "(after 2 attempts)"]),
    ("200 without items", "a 200 JSON object with no items",
     lambda: by_method(get=reply(200, '{"count": 3}')), {}, ["has no 'items' list"]),
    ("items not a list", "items is a string",
     lambda: by_method(get=reply(200, '{"items": "none"}')), {}, ["has no 'items' list"]),
    ("JSON array", "a 200 JSON array instead of an object",
     lambda: by_method(get=reply(200, "[1, 2, 3]")), {}, ["has no 'items' list"]),
    ("empty 200", "a 200 with an empty body",
     lambda: by_method(get=reply(200, "")), {}, ["not valid JSON"]),
    ("invalid UTF-8", "bytes that are not UTF-8",
     lambda: by_method(get=reply(200, b"\xff\xfe\x00{items")), {}, ["not valid JSON"]),
    ("garbage status line", "not HTTP at all",
     lambda: by_method(get=b"SSH-2.0-OpenSSH_9.6\r\n"), {}, ["GET /connections failed"]),
    ("non-JSON 400", "a 400 in text/plain",
     lambda: by_method(get=reply(400, "Bad Request", "text/plain")), {},
     ["HTTP 400", "not a JSON error (text/plain): Bad Request"]),
    ("error body of wrong types", "a 400 whose fields have the wrong types",
     lambda: by_method(get=reply(400, '{"type": 5, "title": [], "report": "x", "errorMessage": {}}')), {},
     ["GET /connections failed with HTTP 400"]),
    ("huge Retry-After", "a 429 asking to wait 10^400 seconds: failed at once, not waited for",
     lambda: by_method(get=reply(429, '{"error_code": "429050", "message": "Too many requests"}',
                                 headers=["Retry-After: 1e400"])), {}, ["HTTP 429", "429050"]),
    ("201 not JSON", "the create's 201 is not JSON",
     lambda: by_method(get=EMPTY_LIST, post=reply(201, "<html>created</html>", "text/html")), {},
     ["POST /connections failed with HTTP 201", "not valid JSON"]),
    ("201 without id", "the create's 201 has no id",
     lambda: by_method(get=EMPTY_LIST, post=reply(201, "{}")), {},
     ["succeeded but the reply has no id", "run the task again"]),
    ("redirect elsewhere", "a 302 to another host: not followed, so the token stays here",
     lambda: by_method(get=reply(302, "", None, headers=["Location: https://evil.example.com/steal"])), {},
     ["HTTP 302", "unexpected redirect to https://evil.example.com; not followed"]),
    ("next link elsewhere", "a next link to another host: not followed",
     lambda: by_method(get=reply(200, '{"items": [], "_links": {"next": {"href": "https://evil.example.com/c"}}}')),
     {}, ["next link points to another host (https://evil.example.com)"]),
    ("same next link twice", "a next link that loops",
     lambda: by_method(get=reply(200, '{"items": [], "_links": {"next": {"href": "/connections?page=2"}}}')), {},
     ["same next link twice"]),
    ("IMS not JSON", "the token endpoint answers HTML",
     lambda: by_method(ims=reply(200, HTML_PAGE, "text/html")), {"ims": True},
     ["POST /ims/token/v3 failed with HTTP 200", "not valid JSON"]),
    ("IMS without token", "the token endpoint answers JSON without access_token",
     lambda: by_method(ims=reply(200, '{"token_type": "bearer"}')), {"ims": True},
     ["answered the token request without an access_token"]),
    ("silent past timeout", "the request is read, nothing is answered for 3 s (timeout 1 s)",
     lambda: by_method(get=_silent(3)), {"timeout": 1}, ["did not reply completely within the timeout of 1 s"]),
    ("stall inside the body", "headers and 8 bytes, then nothing for 3 s (timeout 1 s)",
     lambda: by_method(get=_stall(3)), {"timeout": 1}, ["did not reply completely within the timeout of 1 s"]),
    ("slow drip past timeout", "headers, then one byte every 0.25 s for 16 bytes (timeout 1 s, 4 s in all)",
     lambda: by_method(get=_drip(b'{"items": [] }  ', 0.25), post=CREATED), {"timeout": 1},
     ["did not reply completely within the timeout of 1 s"]),
    ("endless chunked body", "a 200 whose chunked body never ends: refused past 32 MiB",
     lambda: by_method(get=_endless_chunks()), {"timeout": 30}, ["the reply is larger than 32 MiB"]),
    ("items of the wrong type", "a list whose items are not objects",
     lambda: by_method(get=reply(200, '{"items": [null]}')), {}, ["the reply's 'items' are not all objects"]),
    ("next link not a string", "a next link that is a number",
     lambda: by_method(get=reply(200, '{"items": [], "_links": {"next": {"href": 5}}}')), {},
     ["next link is not a string"]),
    ("links of the wrong type", "_links and next that are strings: read as no next page",
     lambda: by_method(get=reply(200, '{"items": [], "_links": "none"}'), post=CREATED), {}, "succeeds"),
    ("connectionSpec and auth of the wrong type", "an item whose connectionSpec and auth are strings",
     lambda: by_method(get=reply(200, '{"items": [{"id": "%s", "name": "hostile", "connectionSpec": "s3", '
                                      '"auth": "x"}]}' % CONNECTION_ID), post=CREATED), {}, "succeeds"),
    ("huge HTML error page", "a 20 MB HTML 502 page: read whole, message clipped",
     lambda: by_method(get=huge_html()), {"timeout": 10}, ["HTTP 502", "not a JSON error (text/html)"]),
    ("huge JSON list", "a 20 MB list page of other connections: read and parsed whole, then the create",
     lambda: by_method(get=huge_json(), post=CREATED), {"timeout": 10}, "succeeds"),
]

_ROWS = {}
_ORDER = [case[0] for case in CASES]


def _args(server, extra):
    args = {
        "org_id": ORG_ID, "platform_url": server.url, "name": "hostile", "retries": 1, "timeout": 2,
        "s3_access_key": "AKIAHOSTILE", "s3_secret_key": "hostile-secret",
    }
    extra = dict(extra)
    if extra.pop("ims", False):
        args.update(client_id="hostile-client", client_secret="hostile-client-secret", ims_url=server.url)
    else:
        args.update(access_token="hostile-token", client_id="hostile-client")
    args.update(extra)
    return args


def _run_case(raw_server, make_responder, extra):
    raw_server.responder = make_responder()
    raw_server.requests.clear()
    huge = extra.get("timeout", 0) >= 10
    if huge:
        tracemalloc.start()
    outcome = run_main(aep_s3_connection, _args(raw_server, extra))
    peak = None
    if huge:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, peak


def _record(results, case_id, shows, outcome, peak, requests, url):
    msg = (outcome.result or {}).get("msg") or ("(succeeded, changed=%s)" % (outcome.result or {}).get("changed"))
    msg = msg.replace(url, "http://127.0.0.1:PORT")
    _ROWS[case_id] = (case_id, shows, "%.2f" % outcome.seconds, "%.0f MB" % (peak / 1e6) if peak else "",
                      requests, "traceback" if outcome.traceback else msg[:150])
    results.section("hostile_replies", "## Hostile API replies\n\n"
                    "`test_hostile_replies.py`: a raw HTTP server on 127.0.0.1 answers `main()`'s requests with "
                    "hand-written bytes (retries 1, backoff pauses not slept, timeout 2 s unless said). Every case "
                    "ended in `fail_json` with the message shown, or succeeded; none in a traceback. Peak memory is "
                    "Python's (tracemalloc) during the run.\n\n%s\n%s" % (
                        table(("case", "reply", "seconds", "peak memory", "requests", "outcome"),
                              [_ROWS[key] for key in _ORDER if key in _ROWS]), LIMITS))


LIMITS = """How the client holds against these replies:

- A reply larger than 32 MiB is refused, not read into memory; a huge error page is clipped in the message.
- `timeout` is a deadline for the whole reply, not only for each socket read: a reply that stalls or
  trickles fails after `timeout` seconds, saying so.
- A reply cut short (a body shorter than its Content-Length) is retried like a dropped connection.
- Replies whose items, `_links`, `next`, `connectionSpec` or `auth` have the wrong JSON type fail with a
  message, or are read as absent where that is safe (an item of another shape is not an S3 connection).
"""


@pytest.mark.parametrize("case_id, shows, make_responder, extra, expected", CASES, ids=[case[0] for case in CASES])
def test_hostile_reply(raw_server, no_backoff, loopback_only, results, case_id, shows, make_responder, extra,
                       expected):
    outcome, peak = _run_case(raw_server, make_responder, extra)
    _record(results, case_id, shows, outcome, peak, len(raw_server.requests), raw_server.url)
    assert outcome.traceback is None, outcome.traceback
    if expected == "succeeds":
        assert outcome.rc == 0 and outcome.result["changed"], outcome.result
    else:
        assert outcome.rc == 1 and outcome.result["failed"], outcome.result
        for text in expected:
            assert text in outcome.result["msg"], outcome.result["msg"]
    # A guard against hanging, not a benchmark: each request ends within `timeout` (a deadline for the whole
    # reply), so a case longer than its requests' deadlines plus 20 s of work is stuck. The work is mostly
    # parsing the 20 MB cases under tracemalloc: ~4 s idle, over 20 s on a CI machine whose cores run 3 lanes.
    deadlines = len(raw_server.requests) * _args(raw_server, extra)["timeout"]
    assert outcome.seconds < deadlines + 20, (outcome.seconds, deadlines)
    assert not loopback_only, loopback_only
