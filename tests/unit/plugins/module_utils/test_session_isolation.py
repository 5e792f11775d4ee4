"""Loop items run in-process share a connection pool, and nothing else: no cookies, no headers.

A real HTTP server on 127.0.0.1 (no fake at the requests boundary): it sets a cookie on the first
item's reply, and records what each request carried and on which TCP connection it came.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.aep.platform.plugins.module_utils import _client
from ansible_collections.aep.platform.plugins.module_utils._runner import build_client

ORG_A = "AAAAAAAAAAAAAAAAAAAAAAAA@AdobeOrg"
ORG_B = "BBBBBBBBBBBBBBBBBBBBBBBB@AdobeOrg"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that a pooled connection can be reused

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append({
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "port": self.client_address[1],
        })
        body = json.dumps({"items": [], "_links": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if len(self.server.seen) == 1:
            self.send_header("Set-Cookie", "aep_session=org-a-only; Path=/")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PATCH = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def shared(monkeypatch):
    """Transports made in this test share pools, as the controller-side host makes them."""
    monkeypatch.setattr(_client, "_SHARED_POOLS", None)
    _client.share_sessions()


def item_client(server, org_id, sandbox):
    """The client one loop item builds from its validated options (an access token: no IMS request)."""
    params = {
        "timeout": 10, "validate_certs": True, "ca_path": None, "retries": 0,
        "access_token": "token-of-" + sandbox, "client_id": "client-" + sandbox, "client_secret": None,
        "api_key": None, "ims_url": "http://127.0.0.1:1", "scopes": None,
        "platform_url": "http://127.0.0.1:%d" % server.server_address[1], "org_id": org_id, "sandbox": sandbox,
    }
    return build_client(params)


def test_two_items_of_two_orgs_share_the_connection_but_no_cookie_or_header(server, shared):
    first = item_client(server, ORG_A, "sandbox-a")
    first.request("PATCH", "/connections/1", body=[{"op": "replace", "path": "/name", "value": "a"}],
                  headers={"If-Match": '"7"'})
    first.get("/connections")  # within one item the cookie is kept, as in a module process

    second = item_client(server, ORG_B, "sandbox-b")
    second.get("/connections")

    patch, again, other = server.seen
    assert "cookie" not in patch["headers"]
    assert again["headers"]["cookie"] == "aep_session=org-a-only"

    # The second item's request carries nothing of the first one's...
    assert "cookie" not in other["headers"]
    assert "if-match" not in other["headers"]
    assert other["headers"]["x-gw-ims-org-id"] == ORG_B
    assert other["headers"]["x-sandbox-name"] == "sandbox-b"
    assert other["headers"]["authorization"] == "Bearer token-of-sandbox-b"
    assert set(other["headers"]) == set(again["headers"]) - {"cookie"}
    # ...but it came on the same pooled TCP connection.
    assert other["port"] == patch["port"] == again["port"]
    assert first.transport.session is not second.transport.session


def test_without_sharing_every_item_opens_its_own_connection(server, monkeypatch):
    monkeypatch.setattr(_client, "_SHARED_POOLS", None)

    item_client(server, ORG_A, "sandbox-a").get("/connections")
    item_client(server, ORG_B, "sandbox-b").get("/connections")

    first, second = server.seen
    assert first["port"] != second["port"]
    assert "cookie" not in second["headers"]
