"""The HTTP(S) server: request pipeline, routing, control endpoints, and the
``Emulator`` object tests and the CLI use to run it.

Pipeline for an API or IMS request::

    journal entry -> take a queued fault -> latency/delay -> drop?
      -> gateway header checks -> API handler -> drop_after? -> reply

The APIs are told apart by base path: Flow Service, Catalog, Schema
Registry and Data Prep (``API_BASES``); each answers errors in its own shape.

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

from . import catalog as catalog_mod
from .buckets import Buckets
from .catalog import CATALOG_BASE_PATH, Catalog
from .errors import (
    API_ERRORS,
    ApiError,
    catalog_error,
    dataprep_error,
    fault_error,
    flow_error,
    gateway_error,
    ims_error,
    xdm_error,
)
from . import dataprep as dataprep_mod
from .dataprep import DATAPREP_BASE_PATH, DataPrep
from .explore import explore
from .faults import FaultError, FaultQueue, RequestPath
from .flows import KINDS, Pipeline
from .journal import Journal
from .runs import DEFAULT_SETTINGS, RunEngine
from .schemas import PROFILE_CLASS, SCHEMA_BASE_PATH, TENANT_ID, SchemaRegistry
from .specs import resolve_spec
from .store import Store
from .tokens import DEFAULT_EXPIRES_IN, TokenRegistry

BASE_PATH = "/data/foundation/flowservice"
IMS_TOKEN_PATH = "/ims/token/v3"
CONTROL_PREFIX = "/_emulator"

# (api name, base path); the api name selects the error shape (errors.API_ERRORS).
API_BASES = (
    ("flow", BASE_PATH),
    ("catalog", CATALOG_BASE_PATH),
    ("schema", SCHEMA_BASE_PATH),
    ("dataprep", DATAPREP_BASE_PATH),
)

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
                 access_tokens: Iterable[str], token_expires_in: int, verbose: bool,
                 buckets_dir: Optional[str] = None, run_settings: Optional[Dict[str, Any]] = None):
        self.page_size = page_size
        self.store = Store(state_file)
        self.journal = Journal()
        self.faults = FaultQueue()
        self.tokens = TokenRegistry(client_id, client_secret, access_tokens, token_expires_in)
        self.latency = 0.0
        self.verbose = verbose
        self.barriers: Dict[str, threading.Barrier] = {}
        self.barriers_lock = threading.Lock()
        self.buckets = Buckets(buckets_dir)
        # Every component shares the store's lock (one request = one atomic
        # step) and saves through it, into the same state file.
        self.registry = SchemaRegistry(self.store.lock, self.store.save, page_size)
        self.catalog = Catalog(self.store.lock, self.registry, self.store.save)
        self.dataprep = DataPrep(self.store.lock, self.registry, self.store.save)
        self.initial_run_settings = dict(DEFAULT_SETTINGS, **(run_settings or {}))
        self.run_settings = dict(self.initial_run_settings)
        self.pipeline = Pipeline(self.store.lock, self.store, self.catalog, self.registry, self.dataprep,
                                 self.store.save, self.run_settings)
        self.runs = RunEngine(self.pipeline, self.buckets, self.catalog, self.dataprep, self.store,
                              self.run_settings)
        self.pipeline.engine = self.runs
        self.runs.verbose = verbose
        self.store.register_extra("schemas", self.registry.dump, self.registry.load)
        self.store.register_extra("catalog", self.catalog.dump, self.catalog.load)
        self.store.register_extra("dataprep", self.dataprep.dump, self.dataprep.load)
        self.store.register_extra("pipeline", self.pipeline.dump, self.pipeline.load)

    def reset(self) -> None:
        # Issued tokens deliberately survive a reset: a client holding one (an
        # Ansible run in progress, a pytest session) keeps working.
        with self.store.lock:
            self.pipeline.reset()
            self.dataprep.reset()
            self.registry.reset()
            self.catalog.reset()
            self.buckets.reset()
            self.run_settings.clear()
            self.run_settings.update(self.initial_run_settings)
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

    def barrier(self, name: str, parties: Any, timeout: Any) -> int:
        """Block until ``parties`` callers have reached the barrier ``name``; return this caller's arrival index.

        Tests use it to start the tasks of separate ansible-playbook runs at the same moment, round after round,
        without paying for a new ansible-playbook start per round.
        """
        if isinstance(parties, str) and parties.isdigit():
            parties = int(parties)  # as a templated playbook value or a query string may send it
        if not isinstance(parties, int) or isinstance(parties, bool) or not 1 <= parties <= 64:
            raise ControlError(400, "parties must be an integer from 1 to 64")
        if isinstance(timeout, str):
            try:
                timeout = float(timeout)  # from a query string
            except ValueError:
                pass
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 600:
            raise ControlError(400, "timeout must be a number of seconds from 0 to 600")
        with self.barriers_lock:
            barrier = self.barriers.get(name)
            if barrier is None or barrier.parties != parties:
                barrier = self.barriers[name] = threading.Barrier(parties)
        try:
            return barrier.wait(timeout)
        except threading.BrokenBarrierError:
            raise ControlError(408, "barrier %r: not all %d parties arrived within %s s" % (name, parties, timeout)) from None

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

    def set_run_settings(self, **changes: Any) -> Dict[str, Any]:
        unknown = set(changes) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ControlError(400, "unknown run settings: %s" % ", ".join(sorted(unknown)))
        for key, value in changes.items():
            if value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ControlError(400, "%s must be a non-negative number" % key)
            if key == "time_scale" and value == 0:
                raise ControlError(400, "time_scale must be positive")
        with self.store.lock:
            for key, value in changes.items():
                if value is not None:
                    self.run_settings[key] = float(value)
            return dict(self.run_settings)

    def _flow_scope(self, flow_id: str) -> Tuple[str, str]:
        scope = self.runs.find_flow(flow_id)
        if scope is None:
            raise ControlError(404, "no flow with id %s" % flow_id)
        return scope

    def trigger_run(self, flow_id: str) -> Dict[str, Any]:
        org, sandbox = self._flow_scope(flow_id)
        return self.runs.trigger(org, sandbox, flow_id)

    def set_next_run(self, flow_id: str, outcome: Any) -> Dict[str, Any]:
        if not isinstance(outcome, dict):
            raise ControlError(400, "the body must be an object")
        unknown = set(outcome) - {"status", "errors", "failedRecordCount"}
        if unknown:
            raise ControlError(400, "unknown fields: %s" % ", ".join(sorted(unknown)))
        if outcome.get("status", "failed") not in ("success", "failed"):
            raise ControlError(400, "status must be success or failed")
        errors = outcome.get("errors")
        if errors is not None and not (isinstance(errors, list) and all(
                isinstance(e, dict) and isinstance(e.get("code"), str) and isinstance(e.get("message"), str)
                for e in errors)):
            raise ControlError(400, "errors must be a list of {code, message}")
        count = outcome.get("failedRecordCount")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise ControlError(400, "failedRecordCount must be a non-negative integer")
        org, sandbox = self._flow_scope(flow_id)
        forced = dict({"status": "failed"}, **outcome)
        self.runs.set_next_outcome(org, sandbox, flow_id, forced)
        return forced

    def set_buckets_dir(self, directory: Any) -> str:
        try:
            return self.buckets.set_dir(directory)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None

    def add_schema(self, org: Any, sandbox: Any = "prod", title: Any = None, fields: Any = None,
                   description: Any = "", meta_class: Any = PROFILE_CLASS) -> Dict[str, str]:
        _check_scope(org, sandbox)
        try:
            return self.registry.add(org, sandbox, title, fields, description, meta_class)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None


def _check_scope(org: Any, sandbox: Any) -> None:
    if not isinstance(org, str) or not org:
        raise ControlError(400, "org is required")
    if not isinstance(sandbox, str) or not _SANDBOX_RE.match(sandbox):
        raise ControlError(400, "sandbox must match [a-z0-9-]+")


def _api_for(path: str) -> Tuple[Optional[str], str]:
    """(api name or None, path after the API's base path); IMS is ``ims``."""
    if path == IMS_TOKEN_PATH:
        return "ims", path
    for api, base in API_BASES:
        if path == base:
            return api, "/"
        if path.startswith(base + "/"):
            return api, path[len(base):]
    return None, path


class Ctx:
    """One authenticated API request, as the route handlers see it."""

    def __init__(self, method: str, path: str, rel: str, query: str, body: bytes, headers: Any,
                 org: str, sandbox: str, actor: str, client: str, base_url: str):
        self.method = method
        self.path = path
        self.rel = rel
        self.parts = [unquote(p) for p in rel.strip("/").split("/") if p]
        self.params = parse_qs(query, keep_blank_values=True)
        self.body = body
        self.headers = headers
        self.org = org
        self.sandbox = sandbox
        self.actor = actor
        self.client = client
        self.base_url = base_url

    def param(self, name: str) -> Optional[str]:
        values = self.params.get(name)
        return values[-1] if values else None

    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


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
        # Faults match on the path after the API's base path (or the full path).
        api, rel = _api_for(path)
        fault_path = RequestPath(rel, path)
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
                raise fault_error(fault["status"], ims=(api == "ims"), retry_after=fault["retry_after"],
                                  api=api if api in API_ERRORS else "flow")
            if kind == "concurrent_update" and method in ("PATCH", "DELETE") and api == "flow":
                parts = rel.strip("/").split("/")
                if len(parts) >= 2 and parts[0] == "connections":
                    backend.store.simulate_other_writer(unquote(parts[1]))
                elif len(parts) >= 2 and parts[0] in ("flows", "sourceConnections", "targetConnections"):
                    backend.pipeline.simulate_other_writer(parts[0], unquote(parts[1]))
            status, payload, headers = self._route(api, rel, method, path, query, body)
        except ApiError as exc:
            status, payload, headers = exc.status, exc.body, exc.headers
        except Exception:  # a bug in the emulator: still answer like the service would
            if backend.verbose:
                traceback.print_exc()
            err = API_ERRORS.get(api or "flow", flow_error)("1100-500", "Internal error in the emulator.")
            status, payload, headers = err.status, err.body, err.headers

        if isinstance(payload, dict) and isinstance(payload.get("report"), dict):
            report = payload["report"]
            for key in ("request-id", "registryRequestId"):
                if key in report:
                    report[key] = request_id

        if kind == "drop_after":
            backend.journal.finish(entry, "dropped", kind)
            self._drop()
            return
        backend.journal.finish(entry, status, kind)
        self._send(status, payload, headers, request_id)

    def _route(self, api: Optional[str], rel: str, method: str, path: str, query: str, body: bytes) -> Reply:
        if api == "ims":
            return self._ims(method, query, body)
        if api is None:
            raise gateway_error(404, "404000", "Resource not found")
        org, sandbox, actor, client = self._gateway_checks(api)
        ctx = Ctx(method, path, rel, query, body, self.headers, org, sandbox, actor, client, self._base_url())
        if api == "flow":
            return self._flow(ctx)
        if api == "catalog":
            return self._catalog(ctx)
        if api == "schema":
            return self._schema(ctx)
        return self._dataprep(ctx)

    def _base_url(self) -> str:
        host = self.headers.get("Host")
        if not host:
            address = self.server.server_address
            host = "%s:%d" % (address[0], address[1])
        return "%s://%s" % ("https" if self.server.ssl_context is not None else "http", host)

    # -- Flow Service -------------------------------------------------------

    def _flow(self, ctx: Ctx) -> Reply:
        method, parts, params, body = ctx.method, ctx.parts, ctx.params, ctx.body
        org, sandbox, actor, client = ctx.org, ctx.sandbox, ctx.actor, ctx.client
        if method in ("POST", "PATCH"):
            is_action = len(parts) == 3 and parts[2] == "action"
            if ctx.content_type() != "application/json" and not (is_action and not body.strip()):
                raise flow_error("1400-415", "Content-Type must be application/json.",
                                 title="Unsupported media type")
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
        elif len(parts) == 3 and parts[0] == "connections" and parts[2] == "explore":
            if method == "GET":
                return 200, explore(self.backend.buckets, store.get(org, sandbox, parts[1]), params), {}
        elif parts and parts[0] in KINDS + ("flowSpecs",):
            return self._pipeline(ctx)
        elif len(parts) == 3 and parts[0] == "connectionSpecs" and parts[2] == "configs":
            if method == "GET":
                spec = resolve_spec({"id": parts[1]})
                auth_type = (params.get("authType") or [""])[-1]
                if auth_type not in spec.configs:
                    raise flow_error("1400-400", "No configuration for authType '%s' in spec %s."
                                     % (auth_type, spec.id), title="Invalid query parameter")
                return 200, {"configParams": dict(spec.configs[auth_type])}, {}
        else:
            raise flow_error("1100-404", "No such resource: %s" % ctx.path, title="Not Found")
        raise flow_error("1100-405", "Method %s is not allowed on %s." % (method, ctx.path),
                         title="Method Not Allowed")

    def _pipeline(self, ctx: Ctx) -> Reply:
        """Source/target connections, flows, runs and flow specs."""
        method, parts = ctx.method, ctx.parts
        pipeline = self.backend.pipeline
        kind = parts[0]
        if kind == "flowSpecs":
            if len(parts) == 1 and method == "GET":
                return 200, {"items": pipeline.flow_specs(ctx.params.get("property", []))}, {}
            if len(parts) == 2 and method == "GET":
                return 200, {"items": [pipeline.flow_spec(parts[1])]}, {}
            if len(parts) > 2:
                raise flow_error("1100-404", "No such resource: %s" % ctx.path, title="Not Found")
        elif len(parts) == 1:
            if method == "GET":
                return self._list_kind(ctx, kind)
            if method == "POST" and kind != "runs":
                if not ctx.body.strip():
                    raise flow_error("1405-400", "The request body is empty.", title="Empty request body")
                body = _json_or(ctx.body, "1400-400")
                create = {"sourceConnections": pipeline.create_source, "targetConnections": pipeline.create_target,
                          "flows": pipeline.create_flow}[kind]
                record = create(ctx.org, ctx.sandbox, body, ctx.actor, ctx.client)
                headers = {"Location": "%s/flows/%s" % (BASE_PATH, record["id"])} if kind == "flows" else {}
                return 201, {"id": record["id"], "etag": record["etag"]}, headers
        elif len(parts) == 2:
            record_id = parts[1]
            if method == "GET":
                return 200, {"items": [pipeline.get(kind, ctx.org, ctx.sandbox, record_id)]}, {}
            if method == "PATCH" and kind != "runs":
                if_match = self.headers.get("If-Match")
                if not if_match:
                    raise flow_error("1403-400", "The If-Match header is required to update a %s." % kind[:-1],
                                     title="If-Match header missing")
                if not ctx.body.strip():
                    raise flow_error("1405-400", "The request body is empty.", title="Empty request body")
                ops = _json_or(ctx.body, "1434-400")
                if ops in ([], {}):
                    raise flow_error("1405-400", "The patch contains no operations.", title="Empty request body")
                record = pipeline.patch(kind, ctx.org, ctx.sandbox, record_id, if_match, ops, ctx.actor, ctx.client)
                return 200, {"id": record["id"], "etag": record["etag"]}, {}
            if method == "DELETE" and kind != "runs":
                pipeline.delete(kind, ctx.org, ctx.sandbox, record_id, self.headers.get("If-Match"))
                return 204, None, {}
        elif len(parts) == 3 and kind == "flows" and parts[2] == "action":
            if method == "POST":
                record = pipeline.flow_action(ctx.org, ctx.sandbox, parts[1], ctx.param("op"), ctx.param("subOp"),
                                              self.headers.get("If-Match"), ctx.actor, ctx.client)
                return 200, {"id": record["id"], "etag": record["etag"]}, {}
        else:
            raise flow_error("1100-404", "No such resource: %s" % ctx.path, title="Not Found")
        raise flow_error("1100-405", "Method %s is not allowed on %s." % (method, ctx.path),
                         title="Method Not Allowed")

    def _list_kind(self, ctx: Ctx, kind: str) -> Reply:
        pipeline = self.backend.pipeline
        return self._list_generic(
            ctx.params, "/" + kind,
            lambda props: pipeline.count(kind, ctx.org, ctx.sandbox, props),
            lambda props, orderby, token, limit: pipeline.list(kind, ctx.org, ctx.sandbox, props, orderby,
                                                               token, limit))

    # -- Catalog --------------------------------------------------------------

    def _catalog(self, ctx: Ctx) -> Reply:
        method, parts = ctx.method, ctx.parts
        catalog = self.backend.catalog
        if method in ("POST", "PATCH", "PUT"):
            allowed = ("application/json", "application/json-patch+json") if method == "PATCH" \
                else ("application/json",)
            if ctx.content_type() not in allowed:
                raise catalog_error("1415-415", "Content-Type must be %s." % " or ".join(allowed),
                                    title="Unsupported Media Type")
        properties = None
        if ctx.param("properties"):
            properties = [p.strip() for p in ctx.param("properties").split(",") if p.strip()]
        if parts == ["dataSets"]:
            if method == "GET":
                return 200, catalog.list(ctx.org, ctx.sandbox, ctx.params), {}
            if method == "POST":
                dataset_id = catalog.create(ctx.org, ctx.sandbox, catalog_mod.parse_body(ctx.body),
                                            ctx.actor, ctx.client)
                location = "%s/dataSets/%s" % (CATALOG_BASE_PATH, dataset_id)
                return 201, ["@/dataSets/%s" % dataset_id], {"Location": location}
        elif len(parts) == 2 and parts[0] == "dataSets":
            dataset_id = parts[1]
            if method == "GET":
                return 200, catalog.get(ctx.org, ctx.sandbox, dataset_id, properties), {}
            if method == "PATCH":
                catalog.patch(ctx.org, ctx.sandbox, dataset_id, catalog_mod.parse_body(ctx.body),
                              self.headers.get("If-None-Match"), ctx.actor)
                return 200, ["@/dataSets/%s" % dataset_id], {}
            if method == "DELETE":
                deleted = catalog.delete(ctx.org, ctx.sandbox, dataset_id)
                return 200, (["@/dataSets/%s" % dataset_id] if deleted else []), {}
        else:
            raise catalog_error("1100-404", "No such resource: %s" % ctx.path, title="Not Found")
        raise catalog_error("1100-405", "Method %s is not allowed on %s." % (method, ctx.path),
                            title="Method Not Allowed")

    # -- Schema Registry ----------------------------------------------------

    def _schema(self, ctx: Ctx) -> Reply:
        method, parts = ctx.method, ctx.parts
        registry = self.backend.registry
        accept = self.headers.get("Accept")
        if parts == ["stats"]:
            if method == "GET":
                return 200, registry.stats(ctx.org, ctx.sandbox), {}
        elif parts == ["tenant", "schemas"]:
            if method == "GET":
                return 200, registry.list(ctx.org, ctx.sandbox, accept, ctx.params, ctx.base_url), {}
        elif len(parts) >= 3 and parts[:2] == ["tenant", "schemas"]:
            # The id is a meta:altId or a URL-encoded $id; an unencoded $id (with
            # slashes) is taken as the raw rest of the path.
            raw = ctx.rel.split("/tenant/schemas/", 1)[1]
            if method == "GET":
                return 200, registry.lookup(ctx.org, ctx.sandbox, unquote(raw), accept), {}
        else:
            raise xdm_error("1100-404", "No such resource: %s" % ctx.path, title="Not Found")
        raise xdm_error("1100-405", "Method %s is not allowed on %s." % (method, ctx.path),
                        title="Method Not Allowed")

    # -- Data Prep --------------------------------------------------------------

    def _dataprep(self, ctx: Ctx) -> Reply:
        method, parts = ctx.method, ctx.parts
        prep = self.backend.dataprep
        if method in ("POST", "PUT", "PATCH") and ctx.content_type() != "application/json":
            raise dataprep_error("1415-415", "Content-Type must be application/json.", title="Unsupported Media Type")
        if parts == ["mappingSets"]:
            if method == "GET":
                return 200, prep.list(ctx.org, ctx.sandbox, ctx.params), {}
            if method == "POST":
                return 200, prep.create(ctx.org, ctx.sandbox, dataprep_mod.parse_body(ctx.body), ctx.actor), {}
        elif parts == ["mappingSets", "validate"]:
            if method == "POST":
                return 200, prep.validate(ctx.org, ctx.sandbox, dataprep_mod.parse_body(ctx.body)), {}
        elif len(parts) == 2 and parts[0] == "mappingSets":
            set_id = parts[1]
            if method == "GET":
                return 200, prep.get(ctx.org, ctx.sandbox, set_id, ctx.param("version")), {}
            if method == "PUT":
                return 200, prep.put(ctx.org, ctx.sandbox, set_id, dataprep_mod.parse_body(ctx.body), ctx.actor), {}
            if method == "DELETE":
                prep.delete(ctx.org, ctx.sandbox, set_id)
                return 200, {"id": set_id}, {}
        elif len(parts) in (3, 4) and parts[0] == "mappingSets" and parts[2] == "mappings":
            if method == "GET":
                mappings = prep.get(ctx.org, ctx.sandbox, parts[1], ctx.param("version"))["mappings"]
                if len(parts) == 3:
                    return 200, mappings, {}
                for mapping in mappings:
                    if mapping["id"] == parts[3]:
                        return 200, mapping, {}
                raise dataprep_mod.not_found("Mapping '%s' of mapping set '%s'" % (parts[3], parts[1]))
        else:
            raise dataprep_error("1100-404", "No such resource: %s" % ctx.path, title="Not Found")
        raise dataprep_error("1100-405", "Method %s is not allowed on %s." % (method, ctx.path),
                             title="Method Not Allowed")

    def _gateway_checks(self, api: str = "flow") -> Tuple[str, str, str, str]:
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
        error = API_ERRORS.get(api, flow_error)
        sandbox = (headers.get("x-sandbox-name") or "").strip()
        if not sandbox:
            raise error("2105-400", "The x-sandbox-name header is required.", title="Sandbox header missing")
        if not _SANDBOX_RE.match(sandbox):
            raise error("2100-404", "Sandbox '%s' was not found." % sandbox, title="Sandbox not found")
        return org, sandbox, actor, api_key

    def _list(self, org: str, sandbox: str, params: Dict[str, List[str]]) -> Reply:
        store = self.backend.store
        return self._list_generic(
            params, "/connections",
            lambda props: store.count(org, sandbox, props),
            lambda props, orderby, token, limit: store.list(org, sandbox, props, orderby, token, limit))

    def _list_generic(self, params: Dict[str, List[str]], path: str, count_fn, list_fn) -> Reply:
        """A Flow Service list: property/limit/orderby/continuationToken/count, ``{items, _links}``."""
        properties = params.get("property", [])
        limit_raw = params["limit"][-1] if "limit" in params else None
        count = params["count"][-1] if "count" in params else None
        if count is not None and count.lower() == "true":
            if limit_raw is not None:
                raise flow_error("1401-400", "The limit and count parameters cannot be used together.",
                                 title="Invalid query parameters")
            return 200, {"count": count_fn(properties)}, {}
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
        items, next_token = list_fn(properties, orderby, token, limit)
        links: Dict[str, Any] = {}
        if next_token:
            # Relative to the Flow Service base path, carrying the same query.
            pairs = [("property", p) for p in properties]
            if limit_raw is not None:
                pairs.append(("limit", limit_raw))
            if orderby:
                pairs.append(("orderby", orderby))
            pairs.append(("continuationToken", next_token))
            links["next"] = {"href": path + "?" + urlencode(pairs, quote_via=quote)}
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
        if len(parts) == 2 and parts[0] == "barrier" and method in ("GET", "POST"):
            if method == "GET":  # what a playbook's lookup can send: ansible.builtin.url only GETs
                data = {key: values[-1] for key, values in query.items()}
            return {"index": backend.barrier(unquote(parts[1]), data.get("parties"), data.get("timeout", 60))}
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
        if route == ("GET", "buckets"):
            return {"dir": backend.buckets.directory, "buckets": backend.buckets.bucket_names()}
        if route == ("POST", "buckets"):
            directory = backend.set_buckets_dir(data.get("dir"))
            return {"dir": directory, "buckets": backend.buckets.bucket_names()}
        if route == ("GET", "schemas"):
            org = query.get("org", [None])[-1]
            sandbox = query.get("sandbox", ["prod"])[-1]
            _check_scope(org, sandbox)
            return {"schemas": backend.registry.summaries(org, sandbox)}
        if route == ("POST", "schemas"):
            unknown = set(data) - {"org", "sandbox", "title", "fields", "description", "class"}
            if unknown:
                raise ControlError(400, "unknown fields: %s" % ", ".join(sorted(unknown)))
            return backend.add_schema(data.get("org"), data.get("sandbox", "prod"), data.get("title"),
                                      data.get("fields"), data.get("description", ""),
                                      data.get("class", PROFILE_CLASS))
        if route == ("GET", "run-settings"):
            return dict(backend.run_settings)
        if route == ("POST", "run-settings"):
            return backend.set_run_settings(**data)
        if route == ("GET", "runs"):
            flow_id = query.get("flowId", [None])[-1]
            items = backend.pipeline.items("runs", query.get("org", [None])[-1], query.get("sandbox", [None])[-1])
            return {"items": [r for r in items if flow_id is None or r["flowId"] == flow_id]}
        if route == ("GET", "flows"):
            return {"items": backend.pipeline.items("flows", query.get("org", [None])[-1],
                                                    query.get("sandbox", [None])[-1])}
        if route == ("GET", "mapping-sets"):
            return {"items": backend.dataprep.items(query.get("org", [None])[-1], query.get("sandbox", [None])[-1])}
        if len(parts) == 3 and parts[0] == "flows" and method == "POST" and parts[2] == "trigger":
            run = backend.trigger_run(unquote(parts[1]))
            return {"id": run["id"], "flowId": run["flowId"], "run": run}
        if len(parts) == 3 and parts[0] == "flows" and method == "POST" and parts[2] == "next-run":
            return {"flowId": unquote(parts[1]), "next_run": backend.set_next_run(unquote(parts[1]), data)}
        if route == ("GET", "datasets"):
            org = query.get("org", [None])[-1]
            sandbox = query.get("sandbox", [None])[-1]
            return {"items": backend.catalog.items(org, sandbox)}
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
                 port: int = 0, token_expires_in: int = DEFAULT_EXPIRES_IN, verbose: bool = False,
                 buckets_dir: Optional[str] = None, run_seconds: float = DEFAULT_SETTINGS["run_seconds"],
                 time_scale: float = DEFAULT_SETTINGS["time_scale"]):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if run_seconds < 0 or time_scale <= 0:
            raise ValueError("run_seconds must be >= 0 and time_scale > 0")
        self.tls = tls
        self.host = host
        self.port = port
        self.backend = Backend(page_size, state_file, client_id, client_secret, tuple(access_tokens),
                               token_expires_in, verbose, buckets_dir,
                               {"run_seconds": float(run_seconds), "time_scale": float(time_scale)})
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
        self.backend.runs.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.backend.runs.stop()
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

    # -- explore, Schema Registry, Catalog ------------------------------------

    @property
    def buckets_dir(self) -> str:
        """The folder whose sub-directories are the S3 buckets explore shows."""
        return self.backend.buckets.directory

    def set_buckets_dir(self, path: str) -> str:
        """Point the emulated S3 at another folder (until reset); returns its absolute path."""
        return self.backend.set_buckets_dir(path)

    @property
    def tenant_id(self) -> str:
        return TENANT_ID

    def add_schema(self, org: str, sandbox: str = "prod", title: Optional[str] = None,
                   fields: Optional[Dict[str, Any]] = None, description: str = "",
                   meta_class: str = PROFILE_CLASS) -> str:
        """Add a tenant schema; ``fields`` is nested ({"a": {"b": "string"}}). Returns its ``$id``."""
        return self.backend.add_schema(org, sandbox, title, fields, description, meta_class)["$id"]

    def schemas(self, org: str, sandbox: str = "prod") -> List[Dict[str, Any]]:
        """Short items ({$id, meta:altId, version, title}) of the schemas of (org, sandbox)."""
        _check_scope(org, sandbox)
        return self.backend.registry.summaries(org, sandbox)

    def datasets(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        """Catalog datasets (each with its ``id``) of (org, sandbox); None matches any."""
        return self.backend.catalog.items(org, sandbox)

    # -- Data Prep, flows, runs -------------------------------------------------

    def mapping_sets(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        """Latest version of every mapping set of (org, sandbox); None matches any."""
        return self.backend.dataprep.items(org, sandbox)

    def flows(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        return self.backend.pipeline.items("flows", org, sandbox)

    def source_connections(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        return self.backend.pipeline.items("sourceConnections", org, sandbox)

    def target_connections(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        return self.backend.pipeline.items("targetConnections", org, sandbox)

    def runs(self, flow_id: Optional[str] = None, org: Optional[str] = None,
             sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        """Runs (creation order), of one flow or of every flow of (org, sandbox)."""
        items = self.backend.pipeline.items("runs", org, sandbox)
        return [r for r in items if flow_id is None or r["flowId"] == flow_id]

    def run_settings(self) -> Dict[str, Any]:
        return dict(self.backend.run_settings)

    def set_run_settings(self, run_seconds: Optional[float] = None, time_scale: Optional[float] = None,
                         start_grace: Optional[float] = None) -> Dict[str, Any]:
        """How long runs take (``run_seconds``), how fast schedules tick (``time_scale`` multiplies every
        interval: 0.001 turns 15 minutes into 0.9 s) and how far in the past a new ``startTime`` may be."""
        return self.backend.set_run_settings(run_seconds=run_seconds, time_scale=time_scale,
                                             start_grace=start_grace)

    def trigger_run(self, flow_id: str) -> str:
        """Create a run of the flow now (as if its schedule said so); returns the run id."""
        return self.backend.trigger_run(flow_id)["id"]

    def set_next_run(self, flow_id: str, status: str = "failed", errors: Optional[List[Dict[str, str]]] = None,
                     failed_records: Optional[int] = None) -> Dict[str, Any]:
        """Force the outcome of the flow's next run (``success`` or ``failed``, errors, failedRecordCount)."""
        outcome: Dict[str, Any] = {"status": status}
        if errors is not None:
            outcome["errors"] = errors
        if failed_records is not None:
            outcome["failedRecordCount"] = failed_records
        return self.backend.set_next_run(flow_id, outcome)

    def wait_for_runs(self, flow_id: str, count: int = 1, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Wait until the flow has ``count`` finished runs (success or failed); returns its runs."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.runs(flow_id)
            done = [r for r in runs if r["metrics"]["statusSummary"]["status"] in ("success", "failed")]
            if len(done) >= count:
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError("flow %s has %d finished runs of %d wanted" % (flow_id, len(done), count))
            time.sleep(0.02)
