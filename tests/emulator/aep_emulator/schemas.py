"""Schema Registry (``/data/foundation/schemaregistry``): tenant schemas per (org, sandbox).

Every (org, sandbox) gets the same seeded schemas on first use (ids derived
from a hash of org, sandbox and title, so they are stable across resets and
restarts); more can be added through the control endpoint / ``add_schema``.
A schema is stored as a nested ``fields`` description: a dict value is an
object of sub-fields, a string value is a leaf type, one of ``LEAF_TYPES``.

Accept rules (the Schema Registry's documented behaviour):

- list (``GET /tenant/schemas``): exactly ``application/vnd.adobe.xed-id+json``
  (short items) or ``application/vnd.adobe.xed+json`` (full items, field groups
  not resolved), no parameters; anything else, or none: ``XDM-1006-400``.
- lookup (``GET /tenant/schemas/{id}``): ``application/vnd.adobe.<fmt>+json;
  version=<v>`` (spaces optional) with ``fmt`` one of xed, xed-full,
  xed-notext, xed-full-notext, xed-full-desc; no Accept, another media type,
  or no version: ``XDM-1007-400``; a version other than 1 (``1``, ``1.0``):
  ``XDM-1010-406``.
"""

from __future__ import annotations

import copy
import hashlib
import re
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote, urlencode

from .errors import xdm_error
from .store import sandbox_id

SCHEMA_BASE_PATH = "/data/foundation/schemaregistry"
TENANT_ID = "acmeemu"
TENANT_NS = "_" + TENANT_ID
PROFILE_CLASS = "https://ns.adobe.com/xdm/context/profile"
EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
RECORD_CLASS = "https://ns.adobe.com/xdm/data/record"
MAX_LIMIT = 300

LIST_ID = "application/vnd.adobe.xed-id+json"
LIST_FULL = "application/vnd.adobe.xed+json"
LOOKUP_FORMATS = ("xed", "xed-full", "xed-notext", "xed-full-notext", "xed-full-desc")
ACCEPTED_VERSIONS = ("1", "1.0")

LEAF_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "long": {"type": "integer", "meta:xdmType": "long"},
    "number": {"type": "number"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date-time": {"type": "string", "format": "date-time", "meta:xdmType": "date-time"},
    "date": {"type": "string", "format": "date", "meta:xdmType": "date"},
    "email": {"type": "string", "format": "email"},
    "uri": {"type": "string", "format": "uri-reference"},
}

SEED_SCHEMAS: List[Dict[str, Any]] = [
    {"title": "Loyalty Members", "description": "Members of the loyalty programme.",
     "class": PROFILE_CLASS,
     "fields": {"_id": "string",
                "person": {"name": {"firstName": "string", "lastName": "string"}},
                "personalEmail": {"address": "email"},
                TENANT_NS: {"loyalty": {"memberId": "string", "points": "integer", "joined": "date-time",
                                        "tier": "string"}}}},
    {"title": "Web Events", "description": "Page views and clicks.",
     "class": EVENT_CLASS,
     "fields": {"_id": "string", "timestamp": "date-time", "eventType": "string",
                "web": {"webPageDetails": {"URL": "uri", "name": "string"},
                        "webReferrer": {"URL": "uri"}},
                TENANT_NS: {"session": {"id": "string", "durationSeconds": "integer"}}}},
    {"title": "Duplicate Title", "description": "First of two schemas sharing a title.",
     "class": PROFILE_CLASS,
     "fields": {"_id": "string", TENANT_NS: {"duplicate": {"first": "string"}}}},
    {"title": "Duplicate Title", "description": "Second of two schemas sharing a title.",
     "class": PROFILE_CLASS,
     "fields": {"_id": "string", TENANT_NS: {"duplicate": {"second": "string"}}}},
    {"title": "Orders, 2026 (v2)", "description": "A title with a comma and parentheses.",
     "class": RECORD_CLASS,
     "fields": {"_id": "string", TENANT_NS: {"order": {"number": "string", "total": "number",
                                                       "placed": "date-time", "paid": "boolean"}}}},
]

_ACCEPT_RE = re.compile(r"^application/vnd\.adobe\.([a-z-]+)\+json\s*(?:;\s*version\s*=\s*\"?([^\s\";]*)\"?\s*)?$",
                        re.IGNORECASE)
_FILTER_RE = re.compile(r"^\s*([A-Za-z_$][A-Za-z0-9_:.$@-]*)\s*(==|!=|<=|>=|<|>|~)(.*)$", re.DOTALL)


def validate_fields(fields: Any, where: str = "fields") -> Dict[str, Any]:
    """Check a nested field description; raises ValueError with a readable message."""
    if not isinstance(fields, dict) or not fields:
        raise ValueError("%s must be a non-empty object" % where)
    for key, value in fields.items():
        if not isinstance(key, str) or not key or "." in key:
            raise ValueError("%s: field names must be non-empty strings without '.'" % where)
        if isinstance(value, dict):
            validate_fields(value, "%s.%s" % (where, key))
        elif not (isinstance(value, str) and value in LEAF_TYPES):
            raise ValueError("%s.%s: a leaf type must be one of %s" % (where, key, ", ".join(sorted(LEAF_TYPES))))
    return fields


def resolve_properties(fields: Dict[str, Any]) -> Dict[str, Any]:
    """The fully resolved JSON-Schema ``properties`` of a nested field description."""
    out: Dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dict):
            out[key] = {"type": "object", "properties": resolve_properties(value)}
        else:
            out[key] = dict(LEAF_TYPES[value])
    return out


def field_paths(fields: Dict[str, Any], prefix: str = "") -> Dict[str, str]:
    """Every dotted path of a field description -> its leaf type, or ``object``."""
    paths: Dict[str, str] = {}
    for key, value in fields.items():
        path = prefix + key
        if isinstance(value, dict):
            paths[path] = "object"
            paths.update(field_paths(value, path + "."))
        else:
            paths[path] = value
    return paths


def _hex_id(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


def parse_conditions(raw: str) -> List[Tuple[str, str, str]]:
    """Split one ``property`` value into (field, op, value) conditions.

    Conditions are separated by commas, but a comma only starts a new
    condition when what follows looks like ``field<op>``; otherwise it is part
    of the value, so ``title==Orders, 2026 (v2)`` is one condition.
    """
    pieces = raw.split(",")
    conditions: List[List[str]] = []
    for piece in pieces:
        match = _FILTER_RE.match(piece)
        if match:
            conditions.append([match.group(1), match.group(2), match.group(3)])
        elif conditions:
            conditions[-1][2] += "," + piece
        else:
            raise xdm_error("1000-400", "Invalid property filter: %r." % raw, title="Invalid query parameter")
    return [(cond[0], cond[1], cond[2]) for cond in conditions]


class SchemaRegistry:
    def __init__(self, lock, on_change: Callable[[], None], page_size: int):
        self.lock = lock
        self._on_change = on_change
        self.page_size = page_size
        self._scopes: Dict[Tuple[str, str], Dict[str, Dict[str, Any]]] = {}
        self._added: List[Dict[str, Any]] = []  # persisted: control-added schemas
        self._seq = 0

    # -- persistence -------------------------------------------------------

    def dump(self) -> Dict[str, Any]:
        return {"added": copy.deepcopy(self._added)}

    def load(self, data: Optional[Dict[str, Any]]) -> None:
        for record in (data or {}).get("added", []):
            self._added.append(record)

    def reset(self) -> None:
        with self.lock:
            self._scopes.clear()
            self._added.clear()
            self._seq = 0

    # -- storage -----------------------------------------------------------

    def _scope(self, org: str, sandbox: str) -> Dict[str, Dict[str, Any]]:
        scope = self._scopes.get((org, sandbox))
        if scope is None:
            scope = self._scopes[(org, sandbox)] = {}
            seen: Dict[str, int] = {}
            stamp = int(time.time() * 1000)
            for seed in SEED_SCHEMAS:
                index = seen[seed["title"]] = seen.get(seed["title"], 0) + 1
                hex_id = _hex_id(org, sandbox, seed["title"], str(index))
                self._insert(scope, org, sandbox, hex_id, seed["title"], seed["description"], seed["class"],
                             seed["fields"], stamp, "emulator-seed")
            for record in self._added:
                if record["org"] == org and record["sandbox"] == sandbox:
                    self._insert(scope, org, sandbox, record["hex"], record["title"], record["description"],
                                 record["class"], record["fields"], record["created"], record["client"])
        return scope

    def _insert(self, scope, org, sandbox, hex_id, title, description, meta_class, fields, stamp, client) -> str:
        self._seq += 1
        schema_id = "https://ns.adobe.com/%s/schemas/%s" % (TENANT_ID, hex_id)
        scope[schema_id] = {
            "$id": schema_id,
            "meta:altId": "%s.schemas.%s" % (TENANT_NS, hex_id),
            "title": title,
            "description": description,
            "meta:class": meta_class,
            "fields": copy.deepcopy(fields),
            "version": "1.0",
            "created": stamp,
            "client": client,
            "org": org,
            "sandbox": sandbox,
            "_seq": self._seq,
        }
        return schema_id

    def add(self, org: str, sandbox: str, title: Any, fields: Any, description: Any = "",
            meta_class: Any = PROFILE_CLASS, client: str = "emulator-control") -> Dict[str, str]:
        if not isinstance(title, str) or not title.strip():
            raise ValueError("title must be a non-empty string")
        if description is None:
            description = ""
        if not isinstance(description, str):
            raise ValueError("description must be a string")
        if not isinstance(meta_class, str) or not meta_class:
            raise ValueError("class must be a non-empty string (a class $id)")
        validate_fields(fields)
        with self.lock:
            scope = self._scope(org, sandbox)
            hex_id = uuid.uuid4().hex
            stamp = int(time.time() * 1000)
            record = {"org": org, "sandbox": sandbox, "hex": hex_id, "title": title, "description": description,
                      "class": meta_class, "fields": copy.deepcopy(fields), "created": stamp, "client": client}
            self._added.append(record)
            schema_id = self._insert(scope, org, sandbox, hex_id, title, description, meta_class, fields,
                                     stamp, client)
            self._on_change()
            return {"$id": schema_id, "meta:altId": scope[schema_id]["meta:altId"]}

    def find(self, org: str, sandbox: str, ref: str) -> Optional[Dict[str, Any]]:
        """A schema by ``$id`` or ``meta:altId`` (internal record), or None."""
        with self.lock:
            scope = self._scope(org, sandbox)
            if ref in scope:
                return scope[ref]
            for record in scope.values():
                if record["meta:altId"] == ref:
                    return record
            return None

    def summaries(self, org: str, sandbox: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [self._short(r) for r in sorted(self._scope(org, sandbox).values(), key=lambda r: r["_seq"])]

    # -- representations ---------------------------------------------------

    @staticmethod
    def _short(record: Dict[str, Any]) -> Dict[str, Any]:
        return {"$id": record["$id"], "meta:altId": record["meta:altId"], "version": record["version"],
                "title": record["title"]}

    @staticmethod
    def _field_group_id(record: Dict[str, Any]) -> str:
        return "https://ns.adobe.com/%s/mixins/%s" % (TENANT_ID, _hex_id(record["$id"], "fieldgroup"))

    def _full(self, record: Dict[str, Any], resolved: bool) -> Dict[str, Any]:
        sandbox_type = "production" if record["sandbox"] == "prod" else "development"
        group = self._field_group_id(record)
        item: Dict[str, Any] = {
            "$id": record["$id"],
            "meta:altId": record["meta:altId"],
            "meta:resourceType": "schemas",
            "version": record["version"],
            "title": record["title"],
            "type": "object",
            "description": record["description"],
        }
        if resolved:
            item["properties"] = resolve_properties(record["fields"])
        else:
            item["allOf"] = [{"$ref": record["meta:class"], "type": "object", "meta:xdmType": "object"},
                             {"$ref": group, "type": "object", "meta:xdmType": "object"}]
        item.update({
            "refs": [record["meta:class"], group],
            "imsOrg": record["org"],
            "meta:extensible": False,
            "meta:abstract": False,
            "meta:extends": [record["meta:class"], group],
            "meta:xdmType": "object",
            "meta:registryMetadata": {
                "repo:createdDate": record["created"],
                "repo:lastModifiedDate": record["created"],
                "xdm:createdClientId": record["client"],
                "xdm:lastModifiedClientId": record["client"],
                "eTag": _hex_id(record["$id"], record["version"]) * 2,
            },
            "meta:class": record["meta:class"],
            "meta:containerId": "tenant",
            "meta:sandboxId": sandbox_id(record["org"], record["sandbox"]),
            "meta:sandboxType": sandbox_type,
            "meta:tenantNamespace": TENANT_NS,
        })
        return item

    # -- API ---------------------------------------------------------------

    def stats(self, org: str, sandbox: str) -> Dict[str, Any]:
        with self.lock:
            count = len(self._scope(org, sandbox))
        return {"imsOrg": org, "tenantId": TENANT_ID,
                "counts": {"schemas": count, "mixins": 0, "datatypes": 0, "classes": 0, "unions": 0},
                "recentlyCreatedResources": [], "recentlyUpdatedResources": [], "classUsage": {}}

    def list(self, org: str, sandbox: str, accept: Optional[str], params: Dict[str, List[str]],
             base_url: str) -> Dict[str, Any]:
        media = (accept or "").strip().lower()
        if media not in (LIST_ID, LIST_FULL):
            raise xdm_error("1006-400", "The supplied Accept header is not valid: %s - a listing needs "
                            "application/vnd.adobe.xed-id+json or application/vnd.adobe.xed+json (no version)."
                            % (accept or "(none)"), title="Accept header invalid")
        orderby = (params.get("orderby") or ["title"])[-1] or "title"
        descending = orderby.startswith("-")
        field = orderby.lstrip("+-")
        if field != "title":
            raise xdm_error("1000-400", "orderby supports title or -title only in the emulator.",
                            title="Invalid query parameter")
        limit = self.page_size
        if params.get("limit"):
            raw = params["limit"][-1]
            try:
                wanted = int(raw)
                if wanted < 1:
                    raise ValueError
            except ValueError:
                raise xdm_error("1000-400", "limit must be a positive integer, not %r." % raw,
                                title="Invalid query parameter") from None
            limit = min(limit, wanted, MAX_LIMIT)
        conditions = [c for raw in params.get("property", []) for c in parse_conditions(raw)]
        start = params["start"][-1] if params.get("start") else None

        with self.lock:
            records = list(self._scope(org, sandbox).values())
        records = [r for r in records if all(_matches(r, c) for c in conditions)]
        records.sort(key=lambda r: (r["title"], r["_seq"]), reverse=descending)
        if start is not None:
            records = [r for r in records if (r["title"] < start if descending else r["title"] > start)]
        page = records[:limit]
        # start= works on title values, so a page never splits a run of equal titles.
        index = len(page)
        while page and index < len(records) and records[index]["title"] == page[-1]["title"]:
            page.append(records[index])
            index += 1
        more = index < len(records)
        next_start = page[-1]["title"] if more and page else None
        full = media == LIST_FULL
        results = [self._full(r, resolved=False) if full else self._short(r) for r in page]
        next_link = None
        if next_start is not None:
            pairs = [("orderby", orderby)] + [("property", p) for p in params.get("property", [])]
            if params.get("limit"):
                pairs.append(("limit", params["limit"][-1]))
            pairs.append(("start", next_start))
            next_link = {"href": "%s%s/tenant/schemas?%s" % (base_url, SCHEMA_BASE_PATH,
                                                             urlencode(pairs, quote_via=quote))}
        return {
            "results": results,
            "_page": {"orderby": orderby, "next": next_start, "count": len(results)},
            "_links": {"next": next_link,
                       "global_schemas": {"href": "%s%s/global/schemas" % (base_url, SCHEMA_BASE_PATH)}},
        }

    def lookup(self, org: str, sandbox: str, ref: str, accept: Optional[str]) -> Dict[str, Any]:
        fmt = _lookup_format(accept)
        record = self.find(org, sandbox, ref)
        if record is None:
            raise xdm_error("1012-404", "Requested resource %s with version 1 is not found" % ref,
                            title="Resource Not Found")
        resolved = fmt.startswith("xed-full")
        item = self._full(record, resolved=resolved)
        if fmt in ("xed-notext", "xed-full-notext"):
            _strip(item, ("title", "description"))
        elif fmt == "xed-full-desc":
            _strip(item, ("title",))
        return item


def _lookup_format(accept: Optional[str]) -> str:
    text = (accept or "").strip()
    match = _ACCEPT_RE.match(text)
    if match is None or match.group(2) is None:
        raise xdm_error("1007-400", "The supplied Accept header is not valid: %s - a lookup needs "
                        "application/vnd.adobe.{xed|xed-full|...}+json; version=1 (Version should be specified)"
                        % (text or "(none)"), title="Accept header invalid")
    fmt, version = match.group(1).lower(), match.group(2)
    if fmt not in LOOKUP_FORMATS or version not in ACCEPTED_VERSIONS:
        raise xdm_error("1010-406", "The Accept format/version %s is not available for this resource "
                        "(formats: %s; version 1)." % (text, ", ".join(LOOKUP_FORMATS)),
                        title="Not Acceptable")
    return fmt


def _strip(item: Dict[str, Any], keys) -> None:
    for key in keys:
        item.pop(key, None)


def _lookup_field(record: Dict[str, Any], field: str) -> Any:
    if field in record and not field.startswith("_") and field != "fields":
        return record[field]
    return None


def _matches(record: Dict[str, Any], condition: Tuple[str, str, str]) -> bool:
    field, op, wanted = condition
    actual = _lookup_field(record, field)
    if op == "~":
        try:
            return actual is not None and re.search(wanted, str(actual)) is not None
        except re.error:
            raise xdm_error("1000-400", "Invalid regular expression in property filter: %r." % wanted,
                            title="Invalid query parameter") from None
    if op == "==":
        return actual is not None and str(actual) == wanted
    if op == "!=":
        return actual is None or str(actual) != wanted
    if actual is None:
        return False
    left, right = str(actual), wanted
    return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]
