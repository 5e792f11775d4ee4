"""Data Prep (``/data/foundation/conversion``): mapping sets per (org, sandbox), with versions.

Data Prep documents no error body, so errors use the generic platform shape
with ``MAPPER-`` codes the emulator chose:

===================  =========================================================
``MAPPER-1400-400``  invalid body or mapping (not JSON, missing source, bad sourceType...)
``MAPPER-1401-400``  invalid query parameter (start/limit missing or not integers, version)
``MAPPER-1402-400``  output schema missing or not a schema of the Schema Registry
``MAPPER-1403-400``  a destination that is not a field path of the output schema, or mapped twice
``MAPPER-1404-404``  no such mapping set, version or mapping
``MAPPER-1415-415``  Content-Type is not JSON
===================  =========================================================
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import ApiError, dataprep_error
from .schemas import field_paths

DATAPREP_BASE_PATH = "/data/foundation/conversion"
DEFAULT_CONTENT_TYPE = "application/vnd.adobe.xed-full+json;version=1"

# request sourceType -> stored sourceType
SOURCE_TYPES = {
    "attribute": "text/x.schema-path",
    "expression": "text/x.aep-xl",
    "static": "text/plain",
    "text/x.schema-path": "text/x.schema-path",
    "text/x.aep-xl": "text/x.aep-xl",
    "text/plain": "text/plain",
}


def _bad_body(message: str):
    return dataprep_error("1400-400", message, title="Invalid request")


def _bad_query(message: str):
    return dataprep_error("1401-400", message, title="Invalid query parameter")


def not_found(what: str):
    return dataprep_error("1404-404", "%s was not found." % what, title="Not Found")


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise _bad_body("The request body is not valid JSON.") from None


class DataPrep:
    def __init__(self, lock, registry, on_change: Callable[[], None]):
        self.lock = lock
        self.registry = registry
        self._on_change = on_change
        # (org, sandbox) -> mapping set id -> {"versions": [set, ...], "_seq": n}
        self._scopes: Dict[Tuple[str, str], Dict[str, Dict[str, Any]]] = {}
        self._seq = 0

    # -- persistence -------------------------------------------------------

    def dump(self) -> Dict[str, Any]:
        return {"scopes": [{"org": org, "sandbox": sb, "mappingSets": list(sets.values())}
                           for (org, sb), sets in self._scopes.items() if sets]}

    def load(self, data: Optional[Dict[str, Any]]) -> None:
        for scope in (data or {}).get("scopes", []):
            sets = self._scopes.setdefault((scope["org"], scope["sandbox"]), {})
            for entry in scope["mappingSets"]:
                sets[entry["versions"][0]["id"]] = entry
                self._seq = max(self._seq, entry["_seq"])

    def reset(self) -> None:
        with self.lock:
            self._scopes.clear()
            self._seq = 0

    # -- validation --------------------------------------------------------

    def _validate(self, org: str, sandbox: str, body: Any) -> Dict[str, Any]:
        """A normalised {schema_id, content_type, name, mappings: [...], inputSchema} from either body form."""
        if not isinstance(body, dict):
            raise _bad_body("The request body must be a JSON object.")
        output = body.get("outputSchema")
        if output is not None:
            ref = output.get("schemaRef") if isinstance(output, dict) else None
            if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
                raise dataprep_error("1402-400", "outputSchema.schemaRef.id is required (the schema's $id).",
                                     title="Invalid output schema")
            schema_id = ref["id"]
            content_type = ref.get("contentType") or DEFAULT_CONTENT_TYPE
        elif isinstance(body.get("xdmSchema"), str) and body["xdmSchema"]:
            schema_id, content_type = body["xdmSchema"], DEFAULT_CONTENT_TYPE
        else:
            raise dataprep_error("1402-400", "outputSchema.schemaRef.id (or the legacy xdmSchema) is required.",
                                 title="Invalid output schema")
        if not isinstance(content_type, str):
            raise dataprep_error("1402-400", "outputSchema.schemaRef.contentType must be a string.",
                                 title="Invalid output schema")
        schema = self.registry.find(org, sandbox, schema_id)
        if schema is None or schema["$id"] != schema_id:
            raise dataprep_error("1402-400", "The output schema '%s' was not found in the Schema Registry of "
                                 "this sandbox (use the schema's $id)." % schema_id, title="Invalid output schema")
        paths = field_paths(schema["fields"])
        mappings = body.get("mappings")
        if not isinstance(mappings, list):
            raise _bad_body("mappings is required and must be an array.")
        normalised = []
        seen: Dict[str, int] = {}
        for index, mapping in enumerate(mappings):
            if not isinstance(mapping, dict):
                raise _bad_body("mappings[%d] must be an object." % index)
            source = mapping.get("source", mapping.get("sourceAttribute"))
            destination = mapping.get("destination", mapping.get("destinationXdmPath"))
            raw_type = mapping.get("sourceType", "ATTRIBUTE")
            source_type = SOURCE_TYPES.get(raw_type.lower()) if isinstance(raw_type, str) else None
            if source_type is None:
                raise _bad_body("mappings[%d].sourceType must be ATTRIBUTE, EXPRESSION or STATIC, not %r."
                                % (index, raw_type))
            if not isinstance(source, str) or not source.strip():
                raise _bad_body("mappings[%d].source is required." % index)
            if not isinstance(destination, str) or not destination.strip():
                raise _bad_body("mappings[%d].destination is required." % index)
            if destination not in paths:
                raise dataprep_error("1403-400", "mappings[%d].destination '%s' is not a field of the output "
                                     "schema '%s'." % (index, destination, schema_id),
                                     title="Invalid destination")
            if destination in seen:
                raise dataprep_error("1403-400", "The destination '%s' is mapped twice (mappings[%d] and [%d])."
                                     % (destination, seen[destination], index), title="Invalid destination")
            seen[destination] = index
            for key in ("name", "description"):
                if key in mapping and mapping[key] is not None and not isinstance(mapping[key], str):
                    raise _bad_body("mappings[%d].%s must be a string." % (index, key))
            normalised.append({"sourceType": source_type, "source": source, "destination": destination,
                               "name": mapping.get("name"), "description": mapping.get("description")})
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise _bad_body("name must be a string.")
        return {"schema_id": schema_id, "content_type": content_type, "name": name, "mappings": normalised,
                "inputSchema": copy.deepcopy(body.get("inputSchema"))}

    @staticmethod
    def _build(set_id: str, version: int, spec: Dict[str, Any], created: int, created_by: str,
               actor: str, stamp: int) -> Dict[str, Any]:
        """One version of a mapping set, made at ``stamp`` (ms): the caller reads the clock once, so that a new
        set's createdDate and modifiedDate are the same instant."""
        mappings = []
        for mapping in spec["mappings"]:
            item = {
                "id": uuid.uuid4().hex,
                "version": version,
                "createdDate": stamp,
                "modifiedDate": stamp,
                "createdBy": actor,
                "modifiedBy": actor,
                "sourceType": mapping["sourceType"],
                "source": mapping["source"],
                "destination": mapping["destination"],
                "identity": False,
                "primaryIdentity": False,
                "matchScore": 0.0,
                "functionVersion": 1,
                "sourceAttribute": mapping["source"],
                "destinationXdmPath": mapping["destination"],
            }
            for key in ("name", "description"):
                if mapping[key] is not None:
                    item[key] = mapping[key]
            mappings.append(item)
        result = {
            "id": set_id,
            "version": version,
            "createdDate": created,
            "modifiedDate": max(stamp, created),
            "createdBy": created_by,
            "modifiedBy": actor,
            "status": "PUBLISHED",
            "xdmVersion": "1.0",
            "strictMapping": False,
            "allowNullValues": False,
            "schemaRef": {"id": spec["schema_id"], "contentType": spec["content_type"]},
            "xdmSchema": spec["schema_id"],
            "outputSchema": {"schemaRef": {"id": spec["schema_id"], "contentType": spec["content_type"]}},
            "mappings": mappings,
        }
        if spec["name"] is not None:
            result["name"] = spec["name"]
        if spec["inputSchema"] is not None:
            result["inputSchema"] = spec["inputSchema"]
        return result

    # -- API ---------------------------------------------------------------

    def create(self, org: str, sandbox: str, body: Any, actor: str) -> Dict[str, Any]:
        spec = self._validate(org, sandbox, body)
        with self.lock:
            self._seq += 1
            set_id = uuid.uuid4().hex
            stamp = int(time.time() * 1000)
            mapping_set = self._build(set_id, 0, spec, stamp, actor, actor, stamp)
            self._scopes.setdefault((org, sandbox), {})[set_id] = {"versions": [mapping_set], "_seq": self._seq}
            self._on_change()
            return {k: mapping_set[k] for k in ("id", "version", "createdDate", "modifiedDate", "createdBy",
                                                "modifiedBy")}

    def _entry(self, org: str, sandbox: str, set_id: str) -> Dict[str, Any]:
        entry = self._scopes.get((org, sandbox), {}).get(set_id)
        if entry is None:
            raise not_found("Mapping set '%s'" % set_id)
        return entry

    def get(self, org: str, sandbox: str, set_id: str, version: Optional[str] = None) -> Dict[str, Any]:
        with self.lock:
            entry = self._entry(org, sandbox, set_id)
            if version is None:
                return copy.deepcopy(entry["versions"][-1])
            try:
                number = int(version)
            except ValueError:
                raise _bad_query("version must be an integer.") from None
            if not 0 <= number < len(entry["versions"]):
                raise not_found("Version %s of mapping set '%s'" % (version, set_id))
            return copy.deepcopy(entry["versions"][number])

    def find(self, org: str, sandbox: str, set_id: str) -> Optional[List[Dict[str, Any]]]:
        """All versions of a mapping set (for flow validation and runs), or None."""
        with self.lock:
            entry = self._scopes.get((org, sandbox), {}).get(set_id)
            return copy.deepcopy(entry["versions"]) if entry else None

    def put(self, org: str, sandbox: str, set_id: str, body: Any, actor: str) -> Dict[str, Any]:
        with self.lock:
            entry = self._entry(org, sandbox, set_id)
        spec = self._validate(org, sandbox, body)
        with self.lock:
            entry = self._entry(org, sandbox, set_id)
            first = entry["versions"][0]
            mapping_set = self._build(set_id, len(entry["versions"]), spec, first["createdDate"],
                                      first["createdBy"], actor, int(time.time() * 1000))
            entry["versions"].append(mapping_set)
            self._on_change()
            return copy.deepcopy(mapping_set)

    def delete(self, org: str, sandbox: str, set_id: str) -> None:
        with self.lock:
            self._entry(org, sandbox, set_id)
            del self._scopes[(org, sandbox)][set_id]
            self._on_change()

    def list(self, org: str, sandbox: str, params: Dict[str, List[str]]) -> Dict[str, Any]:
        def number(name, minimum):
            values = params.get(name)
            if not values or values[-1] == "":
                raise _bad_query("Both start and limit are required (e.g. start=0&limit=10).")
            try:
                value = int(values[-1])
                if value < minimum:
                    raise ValueError
            except ValueError:
                raise _bad_query("%s must be an integer >= %d." % (name, minimum)) from None
            return value

        start, limit = number("start", 0), number("limit", 1)
        order = (params.get("orderBy") or params.get("orderby") or [""])[-1]
        descending = order.startswith("-")
        field = order.lstrip("+-") or "createdDate"
        if field == "updatedDate":
            field = "modifiedDate"
        if field not in ("createdDate", "modifiedDate"):
            raise _bad_query("orderBy must be createdDate or updatedDate, optionally with + or -.")
        name = (params.get("name") or [None])[-1]
        with self.lock:
            entries = sorted(self._scopes.get((org, sandbox), {}).values(), key=lambda e: e["_seq"])
            latest = [copy.deepcopy(e["versions"][-1]) for e in entries]
        if name is not None:
            latest = [s for s in latest if s.get("name") == name]
        if order:
            latest.sort(key=lambda s: s[field], reverse=descending)
        page = latest[start:start + limit]
        return {"data": page, "_page": {"count": len(page), "limit": limit}}

    def validate(self, org: str, sandbox: str, body: Any) -> Dict[str, Any]:
        """``POST /mappingSets/validate``: one status per mapping, nothing stored."""
        try:
            spec = self._validate(org, sandbox, body)
        except ApiError as exc:
            if not exc.body["type"].endswith("MAPPER-1403-400"):
                raise
            return {"validationResponse": [{"status": "FAILED", "errors": [{"exception": exc.body["detail"]}]}]}
        return {"validationResponse": [{"status": "SUCCESS", "errors": None} for _unused in spec["mappings"]]}

    def items(self, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(entry["versions"][-1]) for (o, s), sets in self._scopes.items()
                    if (org is None or o == org) and (sandbox is None or s == sandbox)
                    for entry in sorted(sets.values(), key=lambda e: e["_seq"])]
