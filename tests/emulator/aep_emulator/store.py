"""In-memory connection store, one namespace per (IMS org, sandbox), with
optional JSON persistence.

A single lock guards everything: the emulator is a test double, and one lock
makes every request atomic, which is exactly what the real service promises
for one connection.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import listing
from .errors import flow_error
from .patching import apply_patch
from .specs import SPECS, S3_SPEC_ID, mask_auth, resolve_spec, validate_auth

STATE_FORMAT = "aep-emulator-state/1"
OTHER_WRITER = "another-writer@techacct.adobe.com"

Scope = Tuple[str, str]  # (org, sandbox)


def now_ms() -> int:
    return int(time.time() * 1000)


def new_etag() -> str:
    # Same look as the service's etags, quotes included in the value.
    return '"%s-0000-0200-0000-%s0000"' % (uuid.uuid4().hex[:8], uuid.uuid4().hex[:8])


def sandbox_id(org: str, sandbox: str) -> str:
    # Stable per (org, sandbox) so it survives restarts with a state file.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "aep-emulator:%s/%s" % (org, sandbox)))


def public_view(record: Dict[str, Any]) -> Dict[str, Any]:
    """What the API returns: no private bookkeeping, secrets masked."""
    item = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
    item["auth"] = mask_auth(record["connectionSpec"]["id"], record["auth"])
    return item


def _not_found(conn_id: str):
    return flow_error("1101-404", "Connection with id '%s' was not found." % conn_id,
                      title="Resource not found")


class Store:
    def __init__(self, state_file: Optional[str] = None):
        self.lock = threading.RLock()
        self.state_file = state_file
        self._scopes: Dict[Scope, Dict[str, Dict[str, Any]]] = {}
        self._seq = 0
        # Other parts of the emulator (Catalog, Schema Registry...) persist
        # their state in the same file under "extras": name -> (dump, load).
        self._extras: Dict[str, Tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self._loaded_extras: Dict[str, Any] = {}
        # Set by the flow pipeline: (org, sandbox, id) -> reason the base
        # connection cannot be deleted (a flow uses it), or None.
        self.in_use_check: Optional[Callable[[str, str, str], Optional[str]]] = None
        if state_file and os.path.exists(state_file):
            self._load()

    def register_extra(self, name: str, dump: Callable[[], Any], load: Callable[[Any], None]) -> None:
        """Persist another component's state in the state file; loads what the file already holds."""
        with self.lock:
            self._extras[name] = (dump, load)
            if name in self._loaded_extras:
                load(self._loaded_extras.pop(name))

    def save(self) -> None:
        with self.lock:
            self._save()

    # -- persistence -------------------------------------------------------

    def _load(self) -> None:
        with open(self.state_file, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("format") != STATE_FORMAT:
            raise ValueError("%s is not an emulator state file" % self.state_file)
        for scope in data.get("scopes", []):
            bucket = self._scopes.setdefault((scope["org"], scope["sandbox"]), {})
            for record in scope["connections"]:
                bucket[record["id"]] = record
                self._seq = max(self._seq, record["_seq"])
        self._loaded_extras = dict(data.get("extras") or {})

    def _save(self) -> None:
        """Write the whole state atomically (temp file + rename); caller holds the lock."""
        if not self.state_file:
            return
        data = {
            "format": STATE_FORMAT,
            "scopes": [{"org": org, "sandbox": sb, "connections": list(bucket.values())}
                       for (org, sb), bucket in self._scopes.items() if bucket],
        }
        if self._extras:
            data["extras"] = {name: dump() for name, (dump, _load) in self._extras.items()}
        directory = os.path.dirname(os.path.abspath(self.state_file))
        fd, tmp = tempfile.mkstemp(prefix=".emulator-state-", dir=directory)
        try:
            # The file holds credentials in clear (needed to round-trip): owner only.
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, self.state_file)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # -- helpers -----------------------------------------------------------

    def _bucket(self, org: str, sandbox: str) -> Dict[str, Dict[str, Any]]:
        return self._scopes.setdefault((org, sandbox), {})

    def _get(self, org: str, sandbox: str, conn_id: str) -> Dict[str, Any]:
        record = self._scopes.get((org, sandbox), {}).get(conn_id)
        if record is None:
            raise _not_found(conn_id)
        return record

    def _find_any(self, conn_id: str) -> Optional[Dict[str, Any]]:
        for bucket in self._scopes.values():
            if conn_id in bucket:
                return bucket[conn_id]
        return None

    def _new_record(self, org: str, sandbox: str, name: str, description: str,
                    spec_id: str, version: str, auth: Dict[str, Any], actor: str, client: str) -> Dict[str, Any]:
        self._seq += 1
        stamp = now_ms()
        etag = new_etag()
        return {
            "id": str(uuid.uuid4()),
            "createdAt": stamp,
            "updatedAt": stamp,
            "createdBy": actor,
            "updatedBy": actor,
            "createdClient": client,
            "updatedClient": client,
            "sandboxId": sandbox_id(org, sandbox),
            "sandboxName": sandbox,
            "imsOrgId": org,
            "name": name,
            "description": description,
            "connectionSpec": {"id": spec_id, "version": version},
            "state": "enabled",
            "auth": auth,
            "version": etag,
            "etag": etag,
            "_seq": self._seq,
            "_inUse": False,
            "_testResult": True,
        }

    @staticmethod
    def _touch(record: Dict[str, Any], actor: str, client: str) -> None:
        etag = new_etag()
        record["etag"] = record["version"] = etag
        # Strictly later than before, even within the same millisecond.
        record["updatedAt"] = max(now_ms(), record["updatedAt"] + 1)
        record["updatedBy"] = actor
        record["updatedClient"] = client

    # -- API operations ----------------------------------------------------

    def create(self, org: str, sandbox: str, body: Any, actor: str, client: str) -> Dict[str, Any]:
        if not isinstance(body, dict):
            raise flow_error("1400-400", "The request body must be a JSON object.", title="Invalid request body")
        spec = resolve_spec(body.get("connectionSpec"))
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise flow_error("1400-400", "name is required and must be a non-empty string.",
                             title="Invalid request body")
        description = body.get("description", "")
        if description is None:
            description = ""
        if not isinstance(description, str):
            raise flow_error("1400-400", "description must be a string.", title="Invalid request body")
        auth = validate_auth(spec, body.get("auth"))
        version = body["connectionSpec"].get("version") or spec.default_version
        with self.lock:
            record = self._new_record(org, sandbox, name, description, spec.id, version, auth, actor, client)
            self._bucket(org, sandbox)[record["id"]] = record
            self._save()
            return dict(record)

    def get(self, org: str, sandbox: str, conn_id: str) -> Dict[str, Any]:
        with self.lock:
            return public_view(self._get(org, sandbox, conn_id))

    def find(self, org: str, sandbox: str, conn_id: str) -> Optional[Dict[str, Any]]:
        """The masked item, or None (no error)."""
        with self.lock:
            record = self._scopes.get((org, sandbox), {}).get(conn_id)
            return public_view(record) if record else None

    def test_result(self, org: str, sandbox: str, conn_id: str) -> bool:
        with self.lock:
            return bool(self._get(org, sandbox, conn_id)["_testResult"])

    def list(self, org: str, sandbox: str, properties: List[str], orderby: Optional[str],
             token: Optional[str], limit: int) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        """Returns (masked items of one page, continuation token or None)."""
        predicate = listing.parse_filters(properties)
        field, descending = listing.parse_orderby(orderby)
        after = listing.decode_token(token, orderby) if token else None
        with self.lock:
            items = list(self._scopes.get((org, sandbox), {}).values())
            selected, more = listing.page(items, predicate, field, descending, after, limit)
            next_token = (listing.encode_token(listing.sort_key(selected[-1], field), orderby)
                          if more and selected else None)
            return [public_view(r) for r in selected], next_token

    def count(self, org: str, sandbox: str, properties: List[str]) -> int:
        predicate = listing.parse_filters(properties)
        with self.lock:
            return sum(1 for r in self._scopes.get((org, sandbox), {}).values() if predicate(r))

    def patch(self, org: str, sandbox: str, conn_id: str, if_match: str, ops: Any,
              actor: str, client: str) -> Dict[str, Any]:
        with self.lock:
            record = self._get(org, sandbox, conn_id)
            if if_match != record["etag"]:
                raise flow_error("1404-412", "The If-Match header does not match the current etag "
                                 "of the connection; it was changed by someone else.",
                                 title="Precondition failed")
            doc = {"name": record["name"], "description": record["description"], "auth": record["auth"]}
            patched = apply_patch(doc, ops)
            spec = SPECS[record["connectionSpec"]["id"]]
            auth = validate_auth(spec, patched["auth"])
            record["name"] = patched["name"]
            record["description"] = patched["description"]
            record["auth"] = auth
            self._touch(record, actor, client)
            self._save()
            return dict(record)

    def delete(self, org: str, sandbox: str, conn_id: str, if_match: Optional[str] = None) -> None:
        with self.lock:
            record = self._get(org, sandbox, conn_id)
            # DELETE needs no If-Match, but if a client sends one it is honoured.
            if if_match is not None and if_match != record["etag"]:
                raise flow_error("1404-412", "The If-Match header does not match the current etag.",
                                 title="Precondition failed")
            reason = self.in_use_check(org, sandbox, conn_id) if self.in_use_check else None
            if record["_inUse"] or reason:
                raise flow_error("1418-400", "The connection '%s' cannot be deleted because it is used by "
                                 "a dataflow%s. Delete the dataflow first."
                                 % (conn_id, " (%s)" % reason if reason else ""),
                                 title="Connection in use")
            del self._scopes[(org, sandbox)][conn_id]
            self._save()

    # -- control operations ------------------------------------------------

    def simulate_other_writer(self, conn_id: str) -> bool:
        """Change a connection as a concurrent client would (new etag). False if unknown."""
        with self.lock:
            record = self._find_any(conn_id)
            if record is None:
                return False
            record["description"] = "changed by another writer"
            self._touch(record, OTHER_WRITER, "another-client")
            self._save()
            return True

    def set_flag(self, conn_id: str, flag: str, value: bool) -> None:
        with self.lock:
            record = self._find_any(conn_id)
            if record is None:
                raise KeyError(conn_id)
            record[flag] = bool(value)
            self._save()

    def param_digests(self, conn_id: str) -> Dict[str, str]:
        """SHA-256 of each stored auth param: lets tests check a secret without reading it."""
        with self.lock:
            record = self._find_any(conn_id)
            if record is None:
                raise KeyError(conn_id)
            return {k: hashlib.sha256(str(v).encode()).hexdigest()
                    for k, v in record["auth"]["params"].items()}

    def seed(self, org: str, sandbox: str, count: int, name_prefix: str = "seed-",
             spec_id: Optional[str] = None, auth: Optional[Dict[str, Any]] = None,
             actor: str = "emulator-seed@techacct.adobe.com", client: str = "emulator-seed") -> List[str]:
        spec = resolve_spec({"id": spec_id or S3_SPEC_ID})
        if auth is None:
            first = next(iter(spec.auth_types.values()))
            auth = {"specName": first.spec_name, "params": dict(first.sample)}
        auth = validate_auth(spec, auth)
        ids = []
        with self.lock:
            bucket = self._bucket(org, sandbox)
            for index in range(1, count + 1):
                record = self._new_record(org, sandbox, "%s%d" % (name_prefix, index), "", spec.id,
                                          spec.default_version, copy.deepcopy(auth), actor, client)
                bucket[record["id"]] = record
                ids.append(record["id"])
            self._save()
        return ids

    def items(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        """Masked items of one scope, or of every scope matching the given org/sandbox."""
        with self.lock:
            return [public_view(r) for (o, s), bucket in self._scopes.items()
                    if (org is None or o == org) and (sandbox is None or s == sandbox)
                    for r in bucket.values()]

    def reset(self) -> None:
        with self.lock:
            self._scopes.clear()
            self._seq = 0
            self._save()
