"""The HTTP(S) server: request pipeline, routing, control endpoints, and the
``Emulator`` object tests and the CLI use to run it.

Pipeline for an API or IMS request::

    journal entry -> take a queued fault -> latency/delay -> drop?
      -> gateway header checks -> Flow Service handler -> drop_after? -> reply

Control endpoints (``/_emulator/...``) skip all of that: they are not part of
the emulated API, so they need no auth and are never journalled or faulted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .errors import ApiError, fault_error, flow_error, gateway_error, ims_error
from .faults import FaultError, FaultQueue
from .journal import Journal
from .specs import resolve_spec
from .store import Store
from .tokens import DEFAULT_EXPIRES_IN, TokenRegistry

BASE_PATH = "/data/foundation/flowservice"
IMS_TOKEN_PATH = "/ims/token/v3"
CONTROL_PREFIX = "/_emulator"

DEFAULT_CLIENT_ID = "demo-client-id"
DEFAULT_CLIENT_SECRET = "demo-client-secret"
DEFAULT_ACCESS_TOKEN = "demo-access-token"

_SANDBOX_RE = re.compile(r"^[a-z0-9-]+$")

Reply = Tuple[int, Any, Dict[str, str]]


class ControlError(ValueError):
    """A bad control request; answered as ``{"error": message}``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Backend:
    """All emulator state, shared by the HTTP handlers and the in-process helpers."""

    def __init__(self, page_size: int, state_file: Optional[str], client_id: str, client_secret: str,
                 access_tokens: Iterable[str], token_expires_in: int, verbose: bool):
        self.page_size = page_size
        self.store = Store(state_file)
        self.journal = Journal()
        self.faults = FaultQueue()
        self.tokens = TokenRegistry(client_id, client_secret, access_tokens, token_expires_in)
        self.latency = 0.0
        self.verbose = verbose

    def reset(self) -> None:
        # Issued tokens deliberately survive a reset: a client holding one (an
        # Ansible run in progress, a pytest session) keeps working.
        self.store.reset()
        self.journal.clear()
        self.faults.clear()
        self.latency = 0.0
        self.tokens.expires_in = self.tokens.default_expires_in

    def set_latency(self, seconds: Any) -> float:
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError(400, "seconds must be a non-negative number")
        self.latency = float(seconds)
        return self.latency

    def set_token_lifetime(self, seconds: Any) -> int:
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError(400, "expires_in must be a non-negative integer")
        self.tokens.expires_in = seconds
        return seconds

    def inject(self, faults: List[Any]) -> List[Dict[str, Any]]:
        try:
            return self.faults.add(faults)
        except FaultError as exc:
            raise ControlError(400, str(exc)) from None

    def set_flag(self, conn_id: str, flag: str, value: Any) -> None:
        if not isinstance(value, bool):
            raise ControlError(400, "the value must be a boolean")
        try:
            self.store.set_flag(conn_id, flag, value)
        except KeyError:
            raise ControlError(404, "no connection with id %s" % conn_id) from None

    def param_digests(self, conn_id: str) -> Dict[str, str]:
        try:
            return self.store.param_digests(conn_id)
        except KeyError:
            raise ControlError(404, "no connection with id %s" % conn_id) from None

    def seed(self, org: Any, sandbox: Any = "prod", count: Any = 1, name_prefix: Any = "seed-",
             connection_spec_id: Any = None, auth: Any = None) -> List[str]:
        if not isinstance(org, str) or not org:
            raise ControlError(400, "org is required")
        if not isinstance(sandbox, str) or not _SANDBOX_RE.match(sandbox):
            raise ControlError(400, "sandbox must match [a-z0-9-]+")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 1000000:
            raise ControlError(400, "count must be an integer between 0 and 1000000")
        if not isinstance(name_prefix, str):
            raise ControlError(400, "name_prefix must be a string")
        try:
            return self.store.seed(org, sandbox, count, name_prefix, connection_spec_id, auth)
        except ApiError as exc:
            raise ControlError(400, exc.body.get("errorMessage", "invalid seed request")) from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # an idle keep-alive client must not block shutdown

    def __init__(self, address, backend: Backend, ssl_context: Optional[ssl.SSLContext]):
        self.backend = backend
        self.ssl_context = ssl_context
        self._open: set = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # Headers and body go out in separate writes; without this, Nagle plus
        # the client's delayed ACK add ~40 ms to every reply.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            # Handshake later, in the handler thread, so one slow or broken
            # client cannot stall the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def track(self, sock) -> None:
        with self._open_lock:
            self._open.add(sock)

    def untrack(self, sock) -> None:
        with self._open_lock:
            self._open.discard(sock)

    def close_all_connections(self) -> None:
        """Kick idle keep-alive clients off so no handler thread outlives stop()."""
        with self._open_lock:
            socks = list(self._open)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # Failed TLS handshakes (e.g. a client that rejects our CA) and resets
        # are expected in tests; only show them when asked to.
        if self.backend.verbose:
            traceback.print_exc()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    server_version = "aep-emulator"
    timeout = 60  # idle keep-alive connections are closed after this

    server: _Server

    def version_string(self) -> str:
        return self.server_version

    # -- connection lifecycle -----------------------------------------------

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()
        self.server.track(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin  # base class signature
        if self.server.backend.verbose:
            sys.stderr.write("emulator: %s\n" % (format % args))

    def log_request(self, code="-", size="-"):
        # Path only: a query string could carry a secret.
        if self.server.backend.verbose:
            sys.stderr.write("emulator: %s %s -> %s\n" % (self.command, urlsplit(self.path).path, code))

    def do_GET(self):
        self._handle()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    # -- plumbing -------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        return self.server.backend

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload: Any, headers: Dict[str, str], request_id: str) -> None:
        self.send_response(status)
        self.send_header("x-request-id", request_id)
        for name, value in headers.items():
            self.send_header(name, value)
        data = b""
        if payload is not None and status != 204:
            data = json.dumps(payload).encode("utf-8")
            self.send_header("Content-Type", "application/json")
        if status != 204:  # a 204 must not carry Content-Length
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _drop(self) -> None:
        """Close the TCP connection without a single byte of response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- request pipeline -----------------------------------------------------

    def _handle(self) -> None:
        request_id = str(uuid.uuid4())
        split = urlsplit(self.path)
        path, query = split.path, split.query
        method = self.command
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return

        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            status, payload = self._control(method, path, query, body)
            self._send(status, payload, {}, request_id)
            return

        backend = self.backend
        entry = backend.journal.start(method, path, query, self.headers)
        # Faults match on the path after the Flow Service base path.
        fault_path = path[len(BASE_PATH):] if path.startswith(BASE_PATH + "/") else path
        fault = backend.faults.take(method, fault_path)
        kind = fault["kind"] if fault else None

        if backend.latency:
            time.sleep(backend.latency)
        if kind == "delay":
            time.sleep(fault["seconds"])
        if kind == "drop":
            backend.journal.finish(entry, "dropped", kind)
            self._drop()
            return

        try:
            if kind == "status":
                raise fault_error(fault["status"], ims=(path == IMS_TOKEN_PATH), retry_after=fault["retry_after"])
            if kind == "concurrent_update" and method in ("PATCH", "DELETE"):
                parts = fault_path.strip("/").split("/")
                if len(parts) >= 2 and parts[0] == "connections":
                    backend.store.simulate_other_writer(unquote(parts[1]))
            status, payload, headers = self._route(method, path, query, body)
        except ApiError as exc:
            status, payload, headers = exc.status, exc.body, exc.headers
        except Exception:  # a bug in the emulator: still answer like the service would
            if backend.verbose:
                traceback.print_exc()
            err = flow_error("1100-500", "Internal error in the emulator.")
            status, payload, headers = err.status, err.body, err.headers

        if isinstance(payload, dict) and isinstance(payload.get("report"), dict):
            payload["report"]["request-id"] = request_id

        if kind == "drop_after":
            backend.journal.finish(entry, "dropped", kind)
            self._drop()
            return
        backend.journal.finish(entry, status, kind)
        self._send(status, payload, headers, request_id)

    def _route(self, method: str, path: str, query: str, body: bytes) -> Reply:
        if path == IMS_TOKEN_PATH:
            return self._ims(method, query, body)
        if not (path == BASE_PATH or path.startswith(BASE_PATH + "/")):
            raise gateway_error(404, "404000", "Resource not found")

        org, sandbox, actor, client = self._gateway_checks()
        if method in ("POST", "PATCH"):
            content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                raise flow_error("1400-415", "Content-Type must be application/json.",
                                 title="Unsupported media type")

        parts = [unquote(p) for p in path[len(BASE_PATH):].strip("/").split("/") if p]
        params = parse_qs(query, keep_blank_values=True)
        store = self.backend.store

        if parts == ["connections"]:
            if method == "GET":
                return self._list(org, sandbox, params)
            if method == "POST":
                if not body.strip():
                    raise flow_error("1405-400", "The request body is empty.", title="Empty request body")
                record = store.create(org, sandbox, _json_or(body, "1400-400"), actor, client)
                location = "%s/connections/%s" % (BASE_PATH, record["id"])
                return 201, {"id": record["id"], "etag": record["etag"]}, {"Location": location}
        elif len(parts) == 2 and parts[0] == "connections":
            conn_id = parts[1]
            if method == "GET":
                return 200, {"items": [store.get(org, sandbox, conn_id)]}, {}
            if method == "PATCH":
                if_match = self.headers.get("If-Match")
                if not if_match:
                    raise flow_error("1403-400", "The If-Match header is required to update a connection.",
                                     title="If-Match header missing")
                if not body.strip():
                    raise flow_error("1405-400", "The request body is empty.", title="Empty request body")
                ops = _json_or(body, "1434-400")
                if ops == []:
                    raise flow_error("1405-400", "The patch contains no operations.", title="Empty request body")
                record = store.patch(org, sandbox, conn_id, if_match, ops, actor, client)
                return 200, {"id": record["id"], "etag": record["etag"]}, {}
            if method == "DELETE":
                store.delete(org, sandbox, conn_id, self.headers.get("If-Match"))
                return 204, None, {}
        elif len(parts) == 3 and parts[0] == "connections" and parts[2] == "test":
            if method == "GET":
                return 200, {"result": store.test_result(org, sandbox, parts[1])}, {}
        elif len(parts) == 3 and parts[0] == "connectionSpecs" and parts[2] == "configs":
            if method == "GET":
                spec = resolve_spec({"id": parts[1]})
                auth_type = (params.get("authType") or [""])[-1]
                if auth_type not in spec.configs:
                    raise flow_error("1400-400", "No configuration for authType '%s' in spec %s."
                                     % (auth_type, spec.id), title="Invalid query parameter")
                return 200, {"configParams": dict(spec.configs[auth_type])}, {}
        else:
            raise flow_error("1100-404", "No such resource: %s" % path, title="Not Found")
        raise flow_error("1100-405", "Method %s is not allowed on %s." % (method, path),
                         title="Method Not Allowed")

    def _gateway_checks(self) -> Tuple[str, str, str, str]:
        """The API gateway's checks, in its order; returns (org, sandbox, user, client id)."""
        headers = self.headers
        authorization = (headers.get("Authorization") or "").strip()
        if not authorization:
            raise gateway_error(403, "403010", "Oauth token is missing.")
        scheme, _unused, token = authorization.partition(" ")
        actor = self.backend.tokens.subject(token.strip()) if scheme.lower() == "bearer" else None
        if actor is None:
            raise gateway_error(401, "401013", "Oauth token is not valid")
        api_key = (headers.get("x-api-key") or "").strip()
        if not api_key:
            raise gateway_error(403, "403000", "Api Key is required")
        if api_key != self.backend.tokens.client_id:
            raise gateway_error(403, "403003", "Api Key is invalid")
        org = (headers.get("x-gw-ims-org-id") or "").strip()
        if not org:
            raise gateway_error(400, "400003", "x-gw-ims-org-id header is required")
        if not org.endswith("@AdobeOrg"):
            raise gateway_error(403, "403025", "Profile is not valid")
        sandbox = (headers.get("x-sandbox-name") or "").strip()
        if not sandbox:
            raise flow_error("2105-400", "The x-sandbox-name header is required.", title="Sandbox header missing")
        if not _SANDBOX_RE.match(sandbox):
            raise flow_error("2100-404", "Sandbox '%s' was not found." % sandbox, title="Sandbox not found")
        return org, sandbox, actor, api_key

    def _list(self, org: str, sandbox: str, params: Dict[str, List[str]]) -> Reply:
        store = self.backend.store
        properties = params.get("property", [])
        limit_raw = params["limit"][-1] if "limit" in params else None
        count = params["count"][-1] if "count" in params else None
        if count is not None and count.lower() == "true":
            if limit_raw is not None:
                raise flow_error("1401-400", "The limit and count parameters cannot be used together.",
                                 title="Invalid query parameters")
            return 200, {"count": store.count(org, sandbox, properties)}, {}
        limit = self.backend.page_size
        if limit_raw is not None:
            try:
                limit = int(limit_raw)
                if limit < 1:
                    raise ValueError
            except ValueError:
                raise flow_error("1400-400", "limit must be a positive integer.",
                                 title="Invalid query parameter") from None
        orderby = params["orderby"][-1] if params.get("orderby") else None
        token = params["continuationToken"][-1] if params.get("continuationToken") else None
        items, next_token = store.list(org, sandbox, properties, orderby, token, limit)
        links: Dict[str, Any] = {}
        if next_token:
            # Relative to the Flow Service base path, carrying the same query.
            pairs = [("property", p) for p in properties]
            if limit_raw is not None:
                pairs.append(("limit", limit_raw))
            if orderby:
                pairs.append(("orderby", orderby))
            pairs.append(("continuationToken", next_token))
            links["next"] = {"href": "/connections?" + urlencode(pairs, quote_via=quote)}
        return 200, {"items": items, "_links": links}, {}

    def _ims(self, method: str, query: str, body: bytes) -> Reply:
        if method != "POST":
            raise ims_error(405, "invalid_request", "use POST")
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise ims_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        form = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        form.update({k: v[-1] for k, v in
                     parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()})
        return 200, self.backend.tokens.grant(form), {}

    # -- control endpoints --------------------------------------------------

    def _control(self, method: str, path: str, query: str, body: bytes) -> Tuple[int, Any]:
        try:
            return 200, self._control_route(method, path[len(CONTROL_PREFIX):].strip("/").split("/"),
                                            parse_qs(query), body)
        except ControlError as exc:
            return exc.status, {"error": exc.message}

    def _control_route(self, method: str, parts: List[str], query: Dict[str, List[str]], raw: bytes) -> Any:
        backend = self.backend
        if method in ("POST", "PUT"):
            try:
                data = json.loads(raw) if raw.strip() else {}
            except ValueError:
                raise ControlError(400, "the body must be JSON") from None
        else:
            data = {}
        if not isinstance(data, dict):
            raise ControlError(400, "the body must be a JSON object")
        route = (method, "/".join(parts))

        if route == ("GET", "health"):
            return {"ok": True}
        if route == ("POST", "reset"):
            backend.reset()
            return {"reset": True}
        if route == ("GET", "faults"):
            return {"faults": backend.faults.pending()}
        if route == ("POST", "faults"):
            faults = data["faults"] if "faults" in data else [data]
            if not isinstance(faults, list):
                raise ControlError(400, "faults must be a list")
            return {"faults": backend.inject(faults)}
        if route == ("DELETE", "faults"):
            backend.faults.clear()
            return {"faults": []}
        if route == ("POST", "latency"):
            return {"seconds": backend.set_latency(data.get("seconds"))}
        if route == ("GET", "journal"):
            return {"entries": backend.journal.entries()}
        if route == ("DELETE", "journal"):
            backend.journal.clear()
            return {"entries": []}
        if route == ("GET", "store"):
            org = query.get("org", [None])[-1]
            sandbox = query.get("sandbox", [None])[-1]
            return {"items": backend.store.items(org, sandbox)}
        if route == ("POST", "seed"):
            unknown = set(data) - {"org", "sandbox", "count", "name_prefix", "connection_spec_id", "auth"}
            if unknown:
                raise ControlError(400, "unknown fields: %s" % ", ".join(sorted(unknown)))
            ids = backend.seed(**dict({"org": None}, **data))
            return {"count": len(ids), "ids": ids}
        if route == ("POST", "tokens/expire"):
            return {"expired": backend.tokens.expire_all()}
        if route == ("POST", "token-lifetime"):
            return {"expires_in": backend.set_token_lifetime(data.get("expires_in"))}
        if parts[0] == "connections" and len(parts) == 3:
            conn_id, action = unquote(parts[1]), parts[2]
            if (method, action) == ("POST", "in-use"):
                backend.set_flag(conn_id, "_inUse", data.get("in_use", True))
                return {"id": conn_id, "in_use": data.get("in_use", True)}
            if (method, action) == ("POST", "test-result"):
                backend.set_flag(conn_id, "_testResult", data.get("result"))
                return {"id": conn_id, "result": data.get("result")}
            if (method, action) == ("GET", "digest"):
                return {"id": conn_id, "params": backend.param_digests(conn_id)}
        raise ControlError(404, "no control endpoint %s %s" % (method, "/".join(parts)))


def _json_or(body: bytes, code: str) -> Any:
    """Parse a JSON body or raise a Flow Service error with ``code``."""
    try:
        return json.loads(body)
    except ValueError:
        raise flow_error(code, "The request body is not valid JSON.", title="Malformed request body") from None


def _make_tls(directory: str) -> Tuple[ssl.SSLContext, str]:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""
    import trustme  # lazily: only TLS runs need it

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_path = os.path.join(directory, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    return context, ca_path


class Emulator:
    """Flow Service + IMS emulator on a background thread.

    ``url`` is both the platform URL and the IMS URL.  Usable as a context manager.
    """

    def __init__(self, tls: bool = False, page_size: int = 20, state_file: Optional[str] = None,
                 client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                 access_tokens: Iterable[str] = (DEFAULT_ACCESS_TOKEN,), host: str = "127.0.0.1",
                 port: int = 0, token_expires_in: int = DEFAULT_EXPIRES_IN, verbose: bool = False):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.tls = tls
        self.host = host
        self.port = port
        self.backend = Backend(page_size, state_file, client_id, client_secret, tuple(access_tokens),
                               token_expires_in, verbose)
        self.ca_path: Optional[str] = None
        self._tmpdir: Optional[str] = None
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> "Emulator":
        if self._server is not None:
            raise RuntimeError("emulator already started")
        context = None
        if self.tls:
            self._tmpdir = tempfile.mkdtemp(prefix="aep-emulator-")
            context, self.ca_path = _make_tls(self._tmpdir)
        self._server = _Server((self.host, self.port), self.backend, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="aep-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
            self.ca_path = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43123`` (platform URL and IMS URL alike)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return "%s://%s:%d" % ("https" if self.tls else "http", host, self.port)

    @property
    def api_url(self) -> str:
        """The Flow Service base URL (``url`` + ``/data/foundation/flowservice``)."""
        return self.url + BASE_PATH

    @property
    def client_id(self) -> str:
        return self.backend.tokens.client_id

    # -- in-process helpers, mirroring the control endpoints ------------------

    def reset(self) -> None:
        self.backend.reset()

    def journal(self) -> List[Dict[str, Any]]:
        return self.backend.journal.entries()

    def clear_journal(self) -> None:
        self.backend.journal.clear()

    def inject(self, *faults: Dict[str, Any], **fault: Any) -> List[Dict[str, Any]]:
        """Queue faults: ``inject({"kind": "drop"}, ...)`` or ``inject(kind="drop", path="/connections")``."""
        specs = list(faults) + ([fault] if fault else [])
        return self.backend.inject(specs)

    def faults(self) -> List[Dict[str, Any]]:
        return self.backend.faults.pending()

    def clear_faults(self) -> None:
        self.backend.faults.clear()

    def set_latency(self, seconds: float) -> None:
        self.backend.set_latency(seconds)

    def set_in_use(self, conn_id: str, in_use: bool = True) -> None:
        self.backend.set_flag(conn_id, "_inUse", in_use)

    def set_test_result(self, conn_id: str, result: bool) -> None:
        self.backend.set_flag(conn_id, "_testResult", result)

    def seed(self, org: str, sandbox: str = "prod", count: int = 1, name_prefix: str = "seed-",
             connection_spec_id: Optional[str] = None, auth: Optional[Dict[str, Any]] = None) -> List[str]:
        return self.backend.seed(org, sandbox, count, name_prefix, connection_spec_id, auth)

    def store(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        """Masked stored items of (org, sandbox); None matches any."""
        return self.backend.store.items(org, sandbox)

    def param_digests(self, conn_id: str) -> Dict[str, str]:
        return self.backend.param_digests(conn_id)

    def issue_token(self, expires_in: Optional[int] = None) -> str:
        """A valid access token without going through the IMS endpoint."""
        return self.backend.tokens.issue(expires_in=expires_in)[0]

    def expire_tokens(self) -> int:
        return self.backend.tokens.expire_all()

    def set_token_lifetime(self, seconds: int) -> None:
        self.backend.set_token_lifetime(seconds)
