"""Catalog (``/data/foundation/catalog``): datasets per (org, sandbox).

Catalog documents no error body, so errors use the generic platform shape
with ``CAT-`` codes the emulator chose:

=================  ===========================================================
``CAT-1400-400``   invalid body: not JSON, not an object, bad or unknown field
``CAT-1401-400``   invalid query parameter (limit, start, orderBy, property)
``CAT-1402-400``   ``schemaRef`` missing, malformed, or not a schema of the Schema Registry
``CAT-1403-400``   a read-only field, or ``schemaRef``, in a PATCH
``CAT-1404-404``   no dataset with that id
``CAT-1412-412``   ``If-None-Match`` names the current version (or updated time)
``CAT-1415-415``   Content-Type is not JSON
=================  ===========================================================
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import catalog_error
from .store import sandbox_id

CATALOG_BASE_PATH = "/data/foundation/catalog"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
DEFAULT_CONTENT_TYPE = "application/vnd.adobe.xed+json;version=1"

CREATE_FIELDS = {"name", "description", "schemaRef", "tags", "fileDescription", "enableErrorDiagnostics",
                 "observableSchema", "dataSourceId"}
PATCHABLE_FIELDS = {"name", "description", "tags", "fileDescription", "enableErrorDiagnostics",
                    "observableSchema"}
SIMPLE_FILTERS = ("name", "description", "createdClient", "createdUser", "updatedUser", "version")
_ORDER_FIELDS = ("created", "updated", "name")
_PROPERTY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)(==|!=|>=|<=|>|<)(.*)$", re.DOTALL)


def _bad_body(message: str):
    return catalog_error("1400-400", message, title="Invalid request body")


def _bad_query(message: str):
    return catalog_error("1401-400", message, title="Invalid query parameter")


def not_found(dataset_id: str):
    return catalog_error("1404-404", "Dataset '%s' was not found." % dataset_id, title="Not Found")


def wildcard_regex(pattern: str) -> "re.Pattern[str]":
    """Catalog's name pattern: ``*`` is any text, ``**`` a literal asterisk."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(re.escape("*"))
            i += 2
        elif pattern[i] == "*":
            out.append(".*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^%s$" % "".join(out), re.DOTALL)


def _lookup(item: Dict[str, Any], dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _property_predicate(prop: str) -> Callable[[Dict[str, Any]], bool]:
    match = _PROPERTY_RE.match(prop)
    if match is None:
        raise _bad_query("Invalid property filter: %r." % prop)
    field, op, raw = match.groups()
    if op in ("==", "!="):
        regex = wildcard_regex(raw)

        def equal(item):
            value = _lookup(item, field)
            return value is not None and regex.match(_text(value)) is not None
        return equal if op == "==" else (lambda item: not equal(item))

    def compare(item):
        value = _lookup(item, field)
        if value is None:
            return False
        try:
            left, right = float(value), float(raw)  # type: Any, Any
        except (TypeError, ValueError):
            left, right = _text(value), raw
        return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]
    return compare


def _check_tags(tags: Any) -> None:
    if not isinstance(tags, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in tags.items()):
        raise _bad_body("tags must be an object whose values are arrays of strings.")


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def _json_patch(doc: Dict[str, Any], ops: List[Any]) -> Dict[str, Any]:
    """RFC 6902 add/replace/remove on a copy of ``doc``."""
    result = copy.deepcopy(doc)
    for index, op in enumerate(ops):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove"):
            raise _bad_body("Patch operation %d must be an object with op add, replace or remove." % index)
        path = op.get("path")
        if not isinstance(path, str) or not path.startswith("/") or path == "/":
            raise _bad_body("Patch operation %d: path must be a JSON pointer like /tags/x." % index)
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
        parent: Any = result
        for token in tokens[:-1]:
            if not isinstance(parent, dict) or token not in parent:
                raise _bad_body("Patch operation %d: %s does not exist." % (index, path))
            parent = parent[token]
        last = tokens[-1]
        if not isinstance(parent, dict):
            raise _bad_body("Patch operation %d: %s does not name an object member." % (index, path))
        if op["op"] == "remove":
            if last not in parent:
                raise _bad_body("Patch operation %d: %s does not exist." % (index, path))
            del parent[last]
            continue
        if "value" not in op:
            raise _bad_body("Patch operation %d needs a value." % index)
        if op["op"] == "replace" and last not in parent:
            raise _bad_body("Patch operation %d: %s does not exist." % (index, path))
        parent[last] = copy.deepcopy(op["value"])
    return result


def _bump(version: str) -> str:
    try:
        major, minor, patch = (int(p) for p in version.split("."))
    except ValueError:
        return "1.0.1"
    return "%d.%d.%d" % (major, minor, patch + 1)


class Catalog:
    def __init__(self, lock, registry, on_change: Callable[[], None]):
        self.lock = lock
        self.registry = registry
        self._on_change = on_change
        self._scopes: Dict[Tuple[str, str], Dict[str, Dict[str, Any]]] = {}
        self._seq = 0

    # -- persistence -------------------------------------------------------

    def dump(self) -> Dict[str, Any]:
        return {"scopes": [{"org": org, "sandbox": sb, "dataSets": list(items.values())}
                           for (org, sb), items in self._scopes.items() if items]}

    def load(self, data: Optional[Dict[str, Any]]) -> None:
        for scope in (data or {}).get("scopes", []):
            bucket = self._scopes.setdefault((scope["org"], scope["sandbox"]), {})
            for record in scope["dataSets"]:
                bucket[record["_id"]] = record
                self._seq = max(self._seq, record["_seq"])

    def reset(self) -> None:
        with self.lock:
            self._scopes.clear()
            self._seq = 0

    # -- helpers -----------------------------------------------------------

    @staticmethod
    def public(record: Dict[str, Any], properties: Optional[List[str]] = None) -> Dict[str, Any]:
        item = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        if properties:
            item = {k: v for k, v in item.items() if k in properties}
        return item

    def _schema_ref(self, org: str, sandbox: str, ref: Any) -> Dict[str, str]:
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
            raise catalog_error("1402-400", "schemaRef is required and must be an object with an id "
                                "(the schema's $id).", title="Invalid schemaRef")
        content_type = ref.get("contentType", DEFAULT_CONTENT_TYPE)
        if not isinstance(content_type, str) or not content_type.lower().startswith("application/vnd.adobe.xed"):
            raise catalog_error("1402-400", "schemaRef.contentType must be an XDM media type such as %s."
                                % DEFAULT_CONTENT_TYPE, title="Invalid schemaRef")
        record = self.registry.find(org, sandbox, ref["id"])
        if record is None or record["$id"] != ref["id"]:
            raise catalog_error("1402-400", "The schema '%s' referenced by schemaRef.id was not found in the "
                                "Schema Registry of this sandbox (use the schema's $id)." % ref["id"],
                                title="Invalid schemaRef")
        return {"id": ref["id"], "contentType": content_type}

    def find(self, org: str, sandbox: str, dataset_id: str) -> Optional[Dict[str, Any]]:
        with self.lock:
            record = self._scopes.get((org, sandbox), {}).get(dataset_id)
            return self.public(record) if record else None

    def note_batch(self, org: str, sandbox: str, dataset_id: str, batch_id: str, status: str) -> None:
        """Record a run's batch on its dataset (``lastBatchId``/``lastBatchStatus``)."""
        with self.lock:
            record = self._scopes.get((org, sandbox), {}).get(dataset_id)
            if record is not None:
                record["lastBatchId"] = batch_id
                record["lastBatchStatus"] = status
                self._on_change()

    # -- API ---------------------------------------------------------------

    def create(self, org: str, sandbox: str, body: Any, actor: str, client: str) -> str:
        if not isinstance(body, dict):
            raise _bad_body("The request body must be a JSON object.")
        unknown = sorted(set(body) - CREATE_FIELDS)
        if unknown:
            raise _bad_body("Unknown or read-only dataset fields: %s." % ", ".join(unknown))
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _bad_body("name is required and must be a non-empty string.")
        if "description" in body and not isinstance(body["description"], str):
            raise _bad_body("description must be a string.")
        if "tags" in body:
            _check_tags(body["tags"])
        if "enableErrorDiagnostics" in body and not isinstance(body["enableErrorDiagnostics"], bool):
            raise _bad_body("enableErrorDiagnostics must be a boolean.")
        for key in ("fileDescription", "observableSchema"):
            if key in body and not isinstance(body[key], dict):
                raise _bad_body("%s must be an object." % key)
        schema_ref = self._schema_ref(org, sandbox, body.get("schemaRef"))
        with self.lock:
            self._seq += 1
            dataset_id = uuid.uuid4().hex[:24]
            stamp = int(time.time() * 1000)
            record: Dict[str, Any] = {
                "name": name,
                "imsOrg": org,
                "sandboxId": sandbox_id(org, sandbox),
                "tags": copy.deepcopy(body.get("tags", {})),
                "version": "1.0.0",
                "created": stamp,
                "updated": stamp,
                "createdClient": client,
                "createdUser": actor,
                "updatedUser": actor,
                "viewId": uuid.uuid4().hex[:24],
                "files": "@/dataSetFiles?dataSetId=%s" % dataset_id,
                "schemaRef": schema_ref,
                "fileDescription": copy.deepcopy(body.get("fileDescription",
                                                          {"persisted": True, "containerFormat": "parquet",
                                                           "format": "parquet"})),
                "_id": dataset_id,
                "_seq": self._seq,
            }
            for key in ("description", "enableErrorDiagnostics", "observableSchema", "dataSourceId"):
                if key in body:
                    record[key] = copy.deepcopy(body[key])
            self._scopes.setdefault((org, sandbox), {})[dataset_id] = record
            self._on_change()
            return dataset_id

    def list(self, org: str, sandbox: str, params: Dict[str, List[str]]) -> Dict[str, Any]:
        def last(name):
            return params[name][-1] if params.get(name) else None

        limit = DEFAULT_LIMIT
        if last("limit") is not None:
            try:
                limit = int(last("limit"))
                if not 1 <= limit <= MAX_LIMIT:
                    raise ValueError
            except ValueError:
                raise _bad_query("limit must be an integer between 1 and %d." % MAX_LIMIT) from None
        start = 0
        if last("start") is not None:
            try:
                start = int(last("start"))
                if start < 0:
                    raise ValueError
            except ValueError:
                raise _bad_query("start must be a non-negative integer.") from None
        order_field, descending = "created", False
        if last("orderBy") is not None:
            raw = last("orderBy")
            direction, _sep, field = raw.rpartition(":")
            if direction.lower() not in ("", "asc", "desc") or field not in _ORDER_FIELDS:
                raise _bad_query("orderBy must look like asc:created or desc:updated (fields: %s)."
                                 % ", ".join(_ORDER_FIELDS))
            order_field, descending = field, direction.lower() == "desc"
        predicates = [_property_predicate(p) for p in params.get("property", [])]
        for name in SIMPLE_FILTERS:
            if params.get(name):
                raw = params[name][-1]
                candidates = set(raw.split(",")) | {raw}
                predicates.append(lambda item, f=name, c=candidates: _text(item.get(f)) in c
                                  if item.get(f) is not None else False)
        properties = None
        if last("properties"):
            properties = [p.strip() for p in last("properties").split(",") if p.strip()]
        with self.lock:
            records = list(self._scopes.get((org, sandbox), {}).values())
            records.sort(key=lambda r: (r.get(order_field), r["_seq"]), reverse=descending)
            selected = [r for r in records if all(p(r) for p in predicates)][start:start + limit]
            return {r["_id"]: self.public(r, properties) for r in selected}

    def get(self, org: str, sandbox: str, dataset_id: str, properties: Optional[List[str]] = None) -> Dict[str, Any]:
        with self.lock:
            record = self._scopes.get((org, sandbox), {}).get(dataset_id)
            if record is None:
                raise not_found(dataset_id)
            return {dataset_id: self.public(record, properties)}

    def patch(self, org: str, sandbox: str, dataset_id: str, body: Any, if_none_match: Optional[str],
              actor: str) -> None:
        with self.lock:
            record = self._scopes.get((org, sandbox), {}).get(dataset_id)
            if record is None:
                raise not_found(dataset_id)
            if if_none_match is not None and if_none_match.strip('"') in (record["version"], str(record["updated"])):
                raise catalog_error("1412-412", "If-None-Match matches the current version of dataset '%s'."
                                    % dataset_id, title="Precondition Failed")
            current = self.public(record)
            if isinstance(body, list):
                if not body:
                    raise _bad_body("The patch contains no operations.")
                patched = _json_patch(current, body)
            elif isinstance(body, dict):
                if not body:
                    raise _bad_body("The request body is empty.")
                patched = _merge_patch(current, body)
            else:
                raise _bad_body("The body must be a JSON object of fields, or a JSON Patch array.")
            changed = {k for k in set(current) | set(patched) if current.get(k) != patched.get(k)}
            if "schemaRef" in changed:
                raise catalog_error("1403-400", "The schemaRef of a dataset cannot be changed.",
                                    title="Field cannot be updated")
            readonly = sorted(changed - PATCHABLE_FIELDS)
            if readonly:
                raise catalog_error("1403-400", "These dataset fields cannot be updated: %s."
                                    % ", ".join(readonly), title="Field cannot be updated")
            name = patched.get("name")
            if not isinstance(name, str) or not name.strip():
                raise _bad_body("name must be a non-empty string.")
            if "description" in patched and not isinstance(patched["description"], str):
                raise _bad_body("description must be a string.")
            _check_tags(patched.get("tags", {}))
            if "enableErrorDiagnostics" in patched and not isinstance(patched["enableErrorDiagnostics"], bool):
                raise _bad_body("enableErrorDiagnostics must be a boolean.")
            for key in changed:
                if key in patched:
                    record[key] = patched[key]
                else:
                    record.pop(key, None)
            record["version"] = _bump(record["version"])
            record["updated"] = max(int(time.time() * 1000), record["updated"] + 1)
            record["updatedUser"] = actor
            self._on_change()

    def delete(self, org: str, sandbox: str, dataset_id: str) -> bool:
        with self.lock:
            scope = self._scopes.get((org, sandbox), {})
            if dataset_id not in scope:
                return False
            del scope[dataset_id]
            self._on_change()
            return True

    def items(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        """Datasets (with ``id``) of every scope matching org/sandbox; None matches any."""
        with self.lock:
            return [dict(self.public(r), id=r["_id"]) for (o, s), scope in self._scopes.items()
                    if (org is None or o == org) and (sandbox is None or s == sandbox)
                    for r in sorted(scope.values(), key=lambda r: r["_seq"])]


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise _bad_body("The request body is not valid JSON.") from None
