"""Flow Service pipeline objects: source connections, target connections,
flows (dataflows) and the flow spec, per (org, sandbox).

They share the base connections' machinery: ``{items, _links}`` lists with
property filters and keyset continuation tokens (``listing.py``), etags
that change on every write, ``If-Match`` on PATCH, 201 ``{id, etag}`` on
create, 204 on delete.  Runs live in ``runs.py``; their records are kept here
too (kind ``runs``) so that one lock and one state file cover everything.
"""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import listing
from .errors import flow_error
from .patching import apply_pointer_ops
from .specs import S3_SPEC_ID, resolve_spec
from .store import new_etag, now_ms, sandbox_id

FLOW_SPEC_ID = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
PROVIDER_ID = "0ed90a81-07f4-4586-8190-b40eccef1c5a"

# Cloud storage source specs the CloudStorageToAEP flow spec accepts.
CLOUD_STORAGE_SOURCE_SPEC_IDS = [
    S3_SPEC_ID,
    "b3ba5556-48be-44b7-8b85-ff2b69b46dc4",
    "4c10e202-c428-4796-9208-5f1f5732b1cf",
    "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8",
    "32e8f412-cdf7-464c-9885-78184cb113fd",
    "54e221aa-d342-4707-bcff-7a4bceef0001",
    "c85f9425-fb21-426c-ad0b-405e9bd8a46c",
    "26f526f2-58f4-4712-961d-e41bf1ccc0e8",
    "b7829c2f-2eb0-4f49-a6ee-55e33008b629",
    "fb2e94c9-c031-467d-8103-6bd6e0a432f2",
    "b7bf2577-4520-42c9-bae9-cad01560f7bc",
    "998b8ae3-cec0-43b7-8abe-40b1eb4ee069",
]

SOURCE_FORMATS = ("delimited", "json", "parquet", "parquet_xdm")
TARGET_FORMATS = ("parquet_xdm", "json", "delimited", "parquet", "tabular")
COMPRESSION_TYPES = ("bzip2", "gzip", "deflate", "zipdeflate", "targzip", "tar")
ENCODINGS = ("utf-8", "iso-8859-1")
FREQUENCIES = {"once": 0, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}

KINDS = ("sourceConnections", "targetConnections", "flows", "runs")
_NOUNS = {"sourceConnections": "Source connection", "targetConnections": "Target connection",
          "flows": "Flow", "runs": "Flow run"}


def _flow_spec() -> Dict[str, Any]:
    return {
        "id": FLOW_SPEC_ID,
        "name": "CloudStorageToAEP",
        "providerId": PROVIDER_ID,
        "version": "1.0",
        "attributes": {"isSourceFlow": True, "flacValidationSupported": True, "frequency": "batch",
                       "notification": {"category": "sources", "flowRun": {"enabled": True}}},
        "sourceConnectionSpecIds": list(CLOUD_STORAGE_SOURCE_SPEC_IDS),
        "targetConnectionSpecIds": [DATA_LAKE_SPEC_ID],
        "optionSpec": {"name": "OptionSpec", "spec": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"errorDiagnosticsEnabled": {"type": "boolean", "default": False},
                           "partialIngestionPercent": {"type": "number", "exclusiveMinimum": 0}}}},
        "transformationSpecs": [{"name": "Mapping", "spec": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"mappingId": {"type": "string"}, "mappingVersion": {"type": "string"}},
            "required": ["mappingId", "mappingVersion"]}}],
        "scheduleSpec": {"name": "PeriodicSchedule", "type": "Periodic", "spec": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"startTime": {"type": "integer"},
                           "frequency": {"type": "string", "enum": list(FREQUENCIES)},
                           "interval": {"type": "integer"},
                           "backfill": {"type": "boolean", "default": True}},
            "required": ["startTime", "frequency"],
            "if": {"properties": {"frequency": {"const": "once"}}},
            "then": {"allOf": [{"not": {"required": ["interval"]}}, {"not": {"required": ["backfill"]}}]},
            "else": {"required": ["interval"]}}},
        "runSpec": {"name": "ProviderParams", "spec": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"startTime": {"type": "integer"}, "windowStartTime": {"type": "integer"},
                           "windowEndTime": {"type": "integer"}},
            "required": ["startTime", "windowStartTime", "windowEndTime"]}},
        "permissionsInfo": {
            "view": [{"@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["read"]}],
            "manage": [{"@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["write"]}]},
    }


FLOW_SPECS = [_flow_spec()]


def _bad(message: str, code: str = "1400-400", title: str = "Invalid request"):
    return flow_error(code, message, title=title)


def _as_int(value: Any, what: str, code: str = "1400-400") -> int:
    """An int from an int or a string of digits (Adobe echoes numbers as strings)."""
    if isinstance(value, bool):
        raise _bad("%s must be an integer." % what, code)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise _bad("%s must be an integer (or a string of digits), not %r." % (what, value), code)


def _as_bool(value: Any, what: str, code: str = "1400-400") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _bad("%s must be a boolean or \"true\"/\"false\", not %r." % (what, value), code)


def _text_field(body: Dict[str, Any], key: str, required: bool) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad("%s is required and must be a non-empty string." % key if required
                   else "%s must be a string." % key)
    return value


def _unknown_fields(body: Dict[str, Any], allowed: Tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _bad("Unknown or read-only fields in the request: %s." % ", ".join(unknown))


class Pipeline:
    """Records of the four kinds, per scope; all access under the store's lock."""

    def __init__(self, lock, store, catalog, registry, dataprep, on_change: Callable[[], None],
                 settings: Dict[str, Any]):
        self.lock = lock
        self.store = store
        self.catalog = catalog
        self.registry = registry
        self.dataprep = dataprep
        self._on_change = on_change
        self.settings = settings
        self.engine: Any = None  # the RunEngine, set by the backend
        self._scopes: Dict[Tuple[str, str], Dict[str, Dict[str, Dict[str, Any]]]] = {}
        self._seq = 0
        store.in_use_check = self.base_connection_user

    # -- persistence -------------------------------------------------------

    def dump(self) -> Dict[str, Any]:
        return {"scopes": [dict({"org": org, "sandbox": sb}, **{k: list(v.values()) for k, v in kinds.items()})
                           for (org, sb), kinds in self._scopes.items() if any(kinds.values())]}

    def load(self, data: Optional[Dict[str, Any]]) -> None:
        for scope in (data or {}).get("scopes", []):
            kinds = self.scope(scope["org"], scope["sandbox"])
            for kind in KINDS:
                for record in scope.get(kind, []):
                    kinds[kind][record["id"]] = record
                    self._seq = max(self._seq, record["_seq"])

    def reset(self) -> None:
        with self.lock:
            self._scopes.clear()
            self._seq = 0

    # -- helpers -----------------------------------------------------------

    def scope(self, org: str, sandbox: str) -> Dict[str, Dict[str, Dict[str, Any]]]:
        kinds = self._scopes.get((org, sandbox))
        if kinds is None:
            kinds = self._scopes[(org, sandbox)] = {kind: {} for kind in KINDS}
        return kinds

    def scopes(self):
        return list(self._scopes.items())

    def save(self) -> None:
        self._on_change()

    @staticmethod
    def public(record: Dict[str, Any]) -> Dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}

    def new_record(self, org: str, sandbox: str, actor: str, client: str) -> Dict[str, Any]:
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
            "_seq": self._seq,
            "etag": etag,
        }

    @staticmethod
    def touch(record: Dict[str, Any], actor: Optional[str] = None, client: Optional[str] = None) -> None:
        etag = new_etag()
        record["etag"] = etag
        if "version" in record:
            record["version"] = etag
        record["updatedAt"] = max(now_ms(), record["updatedAt"] + 1)
        if actor:
            record["updatedBy"] = actor
        if client:
            record["updatedClient"] = client

    def _get(self, kind: str, org: str, sandbox: str, record_id: str) -> Dict[str, Any]:
        record = self.scope(org, sandbox)[kind].get(record_id)
        if record is None:
            raise flow_error("1101-404", "%s with id '%s' was not found." % (_NOUNS[kind], record_id),
                             title="Resource not found")
        return record

    def _advance(self) -> None:
        if self.engine is not None:
            self.engine.advance()

    # -- validation ----------------------------------------------------------

    def _source_spec(self, org: str, sandbox: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """Validated fields of a source connection (create, or PATCH re-validation)."""
        spec = resolve_spec(body.get("connectionSpec"))
        name = _text_field(body, "name", required=True)
        description = _text_field(body, "description", required=False)
        base_id = body.get("baseConnectionId")
        if not isinstance(base_id, str) or not base_id:
            raise _bad("baseConnectionId is required for a cloud storage source connection.")
        base = self.store.find(org, sandbox, base_id)
        if base is None:
            raise _bad("The base connection '%s' was not found in this sandbox." % base_id)
        if base["connectionSpec"]["id"] != spec.id:
            raise _bad("connectionSpec.id '%s' does not match the spec '%s' of base connection '%s'."
                       % (spec.id, base["connectionSpec"]["id"], base_id))
        data = body.get("data")
        if not isinstance(data, dict):
            raise _bad("data is required and must be an object with a format.")
        fmt = data.get("format")
        if not isinstance(fmt, str) or fmt.lower() not in SOURCE_FORMATS:
            raise _bad("data.format '%s' is not supported; use delimited, json, parquet or parquet_xdm." % (fmt,),
                       "1327-400", "Source format not supported")
        properties = data.get("properties")
        if properties is not None and not isinstance(properties, dict):
            raise _bad("data.properties must be an object.")
        properties = dict(properties or {})
        for where, container in (("data.properties", properties), ("data", data)):
            delimiter = container.get("columnDelimiter")
            if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
                raise _bad("Column Delimiter cannot be more than one character (%s.columnDelimiter)." % where,
                           "1331-400", "Invalid column delimiter")
        encoding = properties.get("encoding")
        if encoding is not None and (not isinstance(encoding, str) or encoding.lower() not in ENCODINGS):
            raise _bad("data.properties.encoding must be UTF-8 or ISO-8859-1, not %r." % (encoding,))
        compression = properties.get("compressionType")
        if compression is not None and (not isinstance(compression, str)
                                        or compression.lower() not in COMPRESSION_TYPES):
            raise _bad("data.properties.compressionType must be one of bzip2, gzip, deflate, zipDeflate, "
                       "tarGzip, tar; not %r." % (compression,))
        schema = data.get("schema")
        if schema is not None:
            if not isinstance(schema, dict) or not isinstance(schema.get("id"), str):
                raise _bad("data.schema must be an object with an id (a schema $id).")
            found = self.registry.find(org, sandbox, schema["id"])
            if found is None or found["$id"] != schema["id"]:
                raise _bad("data.schema.id '%s' is not a schema of this sandbox." % schema["id"])
        params = body.get("params")
        if not isinstance(params, dict):
            raise _bad("params is required and must be an object with a path.")
        path = params.get("path")
        if not isinstance(path, str) or not path.strip():
            raise _bad("params.path is required (a file, a folder or a wildcard).")
        kind = params.get("type")
        if kind is not None and (not isinstance(kind, str) or kind.lower() not in ("file", "folder")):
            raise _bad("params.type must be file or folder, not %r." % (kind,))
        if "recursive" in params:
            _as_bool(params["recursive"], "params.recursive")
        stored_data = {"format": fmt, "schema": copy.deepcopy(schema), "properties": properties or None}
        if "columnDelimiter" in data:
            stored_data["columnDelimiter"] = data["columnDelimiter"]
        return {"name": name, "description": description, "baseConnectionId": base_id,
                "data": stored_data, "params": copy.deepcopy(params),
                "connectionSpec": {"id": spec.id, "version": body["connectionSpec"].get("version")
                                   or spec.default_version},
                "_baseSpec": copy.deepcopy(base["connectionSpec"])}

    def _target_spec(self, org: str, sandbox: str, body: Dict[str, Any]) -> Dict[str, Any]:
        spec_block = body.get("connectionSpec")
        spec_id = spec_block.get("id") if isinstance(spec_block, dict) else None
        if spec_id != DATA_LAKE_SPEC_ID:
            raise _bad("The target connection spec ID is not valid=%s. The allowed value is: %s."
                       % (spec_id, DATA_LAKE_SPEC_ID), "1307-400", "Invalid target connection spec")
        version = spec_block.get("version") or "1.0"
        if str(version) not in ("1", "1.0"):
            raise flow_error("1413-400", "Connection spec version '%s' is not valid for spec '%s'."
                             % (version, DATA_LAKE_SPEC_ID), title="Invalid connection spec")
        name = _text_field(body, "name", required=False)
        description = _text_field(body, "description", required=False)
        params = body.get("params")
        if params is not None and not isinstance(params, dict):
            raise _bad("params must be an object.")
        dataset_id = (params or {}).get("dataSetId")
        if not isinstance(dataset_id, str) or not dataset_id:
            raise _bad("The dataSetId param cannot be null or empty in target connection.", "1325-400",
                       "dataSetId missing")
        if self.catalog.find(org, sandbox, dataset_id) is None:
            raise _bad("The dataset '%s' (params.dataSetId) was not found in Catalog." % dataset_id)
        data = body.get("data")
        if data is not None and not isinstance(data, dict):
            raise _bad("data must be an object.")
        data = data or {}
        fmt = data.get("format")
        if fmt is not None and (not isinstance(fmt, str) or fmt.lower() not in TARGET_FORMATS):
            raise _bad("data.format must be one of %s, or absent; not %r." % (", ".join(TARGET_FORMATS), fmt))
        schema = data.get("schema")
        if schema is not None:
            if not isinstance(schema, dict) or not isinstance(schema.get("id"), str) or not schema["id"]:
                raise _bad("data.schema must be an object with an id (the schema's $id, not meta:altId).")
            found = self.registry.find(org, sandbox, schema["id"])
            if found is None or found["$id"] != schema["id"]:
                raise _bad("data.schema.id '%s' is not the $id of a schema of this sandbox." % schema["id"])
            if schema.get("version") is not None and not isinstance(schema["version"], str):
                raise _bad("data.schema.version must be a string.")
        return {"name": name, "description": description, "params": copy.deepcopy(params),
                "data": {"format": fmt, "schema": copy.deepcopy(schema), "properties": None},
                "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": str(version)},
                "baseConnectionId": body.get("baseConnectionId")}

    # -- create ----------------------------------------------------------------

    def create_source(self, org: str, sandbox: str, body: Any, actor: str, client: str) -> Dict[str, Any]:
        if not isinstance(body, dict):
            raise _bad("The request body must be a JSON object.")
        _unknown_fields(body, ("name", "description", "baseConnectionId", "data", "params", "connectionSpec"))
        with self.lock:
            fields = self._source_spec(org, sandbox, body)
            record = self.new_record(org, sandbox, actor, client)
            base_spec = fields.pop("_baseSpec")
            record.update(fields)
            record.update({
                "state": "enabled",
                "version": record["etag"],
                "inheritedAttributes": {"baseConnection": {"id": fields["baseConnectionId"],
                                                           "connectionSpec": base_spec}},
                "lastOperation": {"started": record["createdAt"], "updated": record["createdAt"],
                                  "operation": "create"},
            })
            self.scope(org, sandbox)["sourceConnections"][record["id"]] = record
            self.save()
            return dict(record)

    def create_target(self, org: str, sandbox: str, body: Any, actor: str, client: str) -> Dict[str, Any]:
        if not isinstance(body, dict):
            raise _bad("The request body must be a JSON object.")
        _unknown_fields(body, ("name", "description", "baseConnectionId", "data", "params", "connectionSpec"))
        with self.lock:
            fields = self._target_spec(org, sandbox, body)
            record = self.new_record(org, sandbox, actor, client)
            if fields["baseConnectionId"] is None:
                del fields["baseConnectionId"]
            record.update(fields)
            record.update({
                "state": "enabled",
                "version": record["etag"],
                "inheritedAttributes": {},
                "lastOperation": {"started": record["createdAt"], "updated": record["createdAt"],
                                  "operation": "create"},
            })
            self.scope(org, sandbox)["targetConnections"][record["id"]] = record
            self.save()
            return dict(record)

    def _schedule(self, raw: Any, now: float, old: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        """Validate scheduleParams; returns them as stored (strings, like the service echoes them)."""
        if not isinstance(raw, dict):
            raise _bad("scheduleParams is required and must be an object with startTime and frequency.")
        unknown = sorted(set(raw) - {"startTime", "frequency", "interval", "backfill"})
        if unknown:
            raise _bad("Unknown scheduleParams: %s." % ", ".join(unknown))
        if raw.get("startTime") is None:
            raise _bad("scheduleParams.startTime is required (epoch seconds).")
        start = _as_int(raw["startTime"], "scheduleParams.startTime")
        frequency = raw.get("frequency")
        if not isinstance(frequency, str) or frequency.lower() not in FREQUENCIES:
            raise _bad("scheduleParams.frequency must be one of once, minute, hour, day, week; not %r."
                       % (frequency,))
        frequency = frequency.lower()
        started = old is not None and int(old["startTime"]) <= now
        if old is not None and started:
            if start != int(old["startTime"]):
                raise _bad("The start time has passed and the update operation is no longer allowed.",
                           "1366-400", "Start time passed")
            if frequency == "once" and old["frequency"] != "once":
                raise _bad("The start time has passed: you can no longer change the frequency to once.",
                           "1403-400", "Frequency cannot change")
            if _as_bool(raw.get("backfill", True), "backfill") != (old.get("backfill", "true") == "true"):
                raise _bad("The start time has passed: you can no longer update backfill.",
                           "1404-400", "Backfill cannot change")
        elif start < now - self.settings["start_grace"]:
            raise _bad("The start time cannot be set in the past (%d < now %d)." % (start, int(now)),
                       "1360-400", "Start time in the past")
        stored = {"startTime": str(start), "frequency": frequency}
        if frequency == "once":
            if "interval" in raw:
                raise _bad("interval is not allowed with frequency once.", "1361-400", "Interval not allowed")
            if "backfill" in raw:
                raise _bad("backfill is not allowed with frequency once.", "1364-400", "Backfill not allowed")
            return stored
        if raw.get("interval") is None:
            raise _bad("scheduleParams.interval is required for frequency %s." % frequency, "1362-400",
                       "Interval invalid")
        interval = _as_int(raw["interval"], "scheduleParams.interval", "1362-400")
        minimum = 15 if frequency == "minute" else 1
        if interval < minimum:
            raise _bad("interval %d is below the minimum %d for frequency %s." % (interval, minimum, frequency),
                       "1362-400", "Interval invalid")
        stored["interval"] = str(interval)
        if "backfill" in raw:
            stored["backfill"] = "true" if _as_bool(raw["backfill"], "scheduleParams.backfill") else "false"
        return stored

    def _transformations(self, org: str, sandbox: str, raw: Any, source: Dict[str, Any],
                         target: Dict[str, Any]) -> List[Dict[str, Any]]:
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise _bad("transformations must be an array.")
        stored = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise _bad("transformations[%d] must be an object with a name and params." % index)
            if item["name"].lower() != "mapping":
                raise _bad("transformations[%d]: '%s' is not supported for cloud storage flows (only Mapping)."
                           % (index, item["name"]))
            if any(t["name"] == "Mapping" for t in stored):
                raise _bad("Only one Mapping transformation is allowed.")
            params = item.get("params")
            if not isinstance(params, dict) or not isinstance(params.get("mappingId"), str):
                raise _bad("transformations[%d].params.mappingId is required." % index)
            mapping_id = params["mappingId"]
            versions = self.dataprep.find(org, sandbox, mapping_id)
            if versions is None:
                raise _bad("Error while validating mapping with id %s: the mapping set does not exist."
                           % mapping_id, "1419-400", "Mapping validation failed")
            if params.get("mappingVersion") is None:
                raise _bad("Invalid Mapping Version in request: mappingVersion is required.", "1412-400",
                           "Invalid mapping version")
            version = _as_int(params["mappingVersion"], "mappingVersion", "1412-400")
            if not 0 <= version < len(versions):
                raise _bad("Invalid Mapping Version in request: mapping %s has no version %d." % (mapping_id, version),
                           "1412-400", "Invalid mapping version")
            mapping_schema = versions[version]["outputSchema"]["schemaRef"]["id"]
            dataset = self.catalog.find(org, sandbox, target["params"]["dataSetId"])
            dataset_schema = dataset["schemaRef"]["id"] if dataset else None
            target_schema = (target["data"].get("schema") or {}).get("id")
            if mapping_schema != dataset_schema or (target_schema is not None and target_schema != mapping_schema):
                raise _bad("Error while matching schema in target dataset %s (%s) with schema in mapping %s (%s)%s. "
                           "Schema with same id and version must be used in both mapping and target dataset."
                           % (target["params"]["dataSetId"], dataset_schema, mapping_id, mapping_schema,
                              "" if target_schema is None else " and target connection (%s)" % target_schema),
                           "1425-400", "Schema mismatch")
            stored.append({"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": str(version)}})
        if not stored and source["data"]["format"].lower() == "delimited":
            raise _bad("The source columns could not be fetched for ingestion because the mapping "
                       "transformation is missing.", "1370-400", "Mapping missing")
        return stored

    def create_flow(self, org: str, sandbox: str, body: Any, actor: str, client: str) -> Dict[str, Any]:
        if not isinstance(body, dict):
            raise _bad("The request body must be a JSON object.")
        if "state" in body:
            raise _bad("State is not allowed in the create flow request.", "1410-400", "State not allowed")
        _unknown_fields(body, ("name", "description", "flowSpec", "sourceConnectionIds", "targetConnectionIds",
                               "transformations", "scheduleParams", "options"))
        name = _text_field(body, "name", required=True)
        description = _text_field(body, "description", required=False)
        flow_spec = body.get("flowSpec")
        if not isinstance(flow_spec, dict) or flow_spec.get("id") != FLOW_SPEC_ID:
            raise flow_error("1413-400", "flowSpec.id must be %s (CloudStorageToAEP), not %r."
                             % (FLOW_SPEC_ID, flow_spec.get("id") if isinstance(flow_spec, dict) else flow_spec),
                             title="Invalid flow spec")
        if flow_spec.get("version") not in (None, "1.0", "1"):
            raise flow_error("1413-400", "flowSpec.version '%s' is not valid." % flow_spec.get("version"),
                             title="Invalid flow spec")
        for key, code in (("sourceConnectionIds", "1320-400"), ("targetConnectionIds", "1321-400")):
            ids = body.get(key)
            if not isinstance(ids, list) or len(ids) != 1 or not isinstance(ids[0], str):
                raise _bad("The length of %s should be one, supplied size is %s."
                           % (key, len(ids) if isinstance(ids, list) else 0), code, "Invalid connection ids")
        options = body.get("options")
        if options is not None and not isinstance(options, dict):
            raise _bad("options must be an object.")
        with self.lock:
            kinds = self.scope(org, sandbox)
            source = kinds["sourceConnections"].get(body["sourceConnectionIds"][0])
            if source is None:
                raise _bad("Source connection '%s' was not found in this sandbox." % body["sourceConnectionIds"][0])
            if source["connectionSpec"]["id"] not in CLOUD_STORAGE_SOURCE_SPEC_IDS:
                raise _bad("The source connection spec '%s' is not supported by flow spec CloudStorageToAEP."
                           % source["connectionSpec"]["id"])
            target = kinds["targetConnections"].get(body["targetConnectionIds"][0])
            if target is None:
                raise _bad("Target connection '%s' was not found in this sandbox." % body["targetConnectionIds"][0])
            transformations = self._transformations(org, sandbox, body.get("transformations"), source, target)
            now = time.time()
            schedule = self._schedule(body.get("scheduleParams"), now)
            record = self.new_record(org, sandbox, actor, client)
            record.update({
                "name": name,
                "description": description,
                "flowSpec": {"id": FLOW_SPEC_ID, "version": "1.0"},
                "state": "enabled",
                "version": record["etag"],
                "sourceConnectionIds": [source["id"]],
                "targetConnectionIds": [target["id"]],
                "inheritedAttributes": {
                    "sourceConnections": [{"id": source["id"], "connectionSpec": dict(source["connectionSpec"]),
                                           "baseConnection": copy.deepcopy(source["inheritedAttributes"]
                                                                           ["baseConnection"])}],
                    "targetConnections": [{"id": target["id"], "connectionSpec": dict(target["connectionSpec"])}],
                    "properties": {"isSourceFlow": True},
                },
                "scheduleParams": schedule,
                "transformations": transformations,
                "runs": "/runs?property=flowId==%s" % record["id"],
                "lastOperation": {"started": record["createdAt"], "updated": record["createdAt"],
                                  "percentCompleted": 100.0, "status": {"value": "completed", "errors": []},
                                  "ops": [], "operation": "create"},
                "providerRefId": PROVIDER_ID,
            })
            if options is not None:
                record["options"] = copy.deepcopy(options)
            kinds["flows"][record["id"]] = record
            if self.engine is not None:
                self.engine.flow_scheduled(org, sandbox, record, first=True)
            self.save()
            return dict(record)

    # -- read ------------------------------------------------------------------

    def get(self, kind: str, org: str, sandbox: str, record_id: str) -> Dict[str, Any]:
        with self.lock:
            self._advance()
            return self.public(self._get(kind, org, sandbox, record_id))

    def list(self, kind: str, org: str, sandbox: str, properties: List[str], orderby: Optional[str],
             token: Optional[str], limit: int) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        with self.lock:
            self._advance()
            records = list(self.scope(org, sandbox)[kind].values())
            selected, next_token = listing.list_page(
                records, properties, orderby, token, limit,
                casefold=("metrics.statusSummary.status", "state") if kind == "runs" else ())
            return [self.public(r) for r in selected], next_token

    def count(self, kind: str, org: str, sandbox: str, properties: List[str]) -> int:
        predicate = listing.parse_filters(properties,
                                          casefold=("metrics.statusSummary.status",) if kind == "runs" else ())
        with self.lock:
            self._advance()
            return sum(1 for r in self.scope(org, sandbox)[kind].values() if predicate(r))

    @staticmethod
    def flow_specs(properties: List[str]) -> List[Dict[str, Any]]:
        predicate = listing.parse_filters(properties, strip_quotes=True)
        return [copy.deepcopy(spec) for spec in FLOW_SPECS if predicate(spec)]

    @staticmethod
    def flow_spec(spec_id: str) -> Dict[str, Any]:
        for spec in FLOW_SPECS:
            if spec["id"] == spec_id:
                return copy.deepcopy(spec)
        raise flow_error("1101-404", "Flow spec with id '%s' was not found." % spec_id, title="Resource not found")

    # -- update ----------------------------------------------------------------

    def patch(self, kind: str, org: str, sandbox: str, record_id: str, if_match: str, ops: Any,
              actor: str, client: str) -> Dict[str, Any]:
        with self.lock:
            self._advance()
            record = self._get(kind, org, sandbox, record_id)
            if if_match != record["etag"]:
                raise flow_error("1404-412", "The If-Match header does not match the current etag of the %s; "
                                 "it was changed by someone else." % _NOUNS[kind].lower(),
                                 title="Precondition failed")
            if kind == "flows":
                self._patch_flow(org, sandbox, record, ops)
            else:
                self._patch_connection(kind, org, sandbox, record, ops)
            self.touch(record, actor, client)
            record["lastOperation"] = dict(record.get("lastOperation") or {}, updated=record["updatedAt"],
                                           started=record["updatedAt"], operation="update")
            if kind == "flows":
                record["lastOperation"]["ops"] = copy.deepcopy(ops if isinstance(ops, list) else [ops])
            self.save()
            return dict(record)

    def _patch_connection(self, kind: str, org: str, sandbox: str, record: Dict[str, Any], ops: Any) -> None:
        keys = ("name", "description", "params", "data")
        doc = {k: copy.deepcopy(record.get(k)) for k in keys}

        def allowed(tokens):
            if tokens[0] == "connectionSpec":
                raise flow_error("1414-400", "The connection spec of a connection cannot be changed.",
                                 title="Connection spec cannot be updated")
            return tokens[0] in keys and tokens[0] != ""

        patched = apply_pointer_ops(doc, ops, allowed, lambda path: flow_error(
            "1434-400", "Path %s cannot be patched." % path, title="Invalid patch request"))
        body = dict(patched, connectionSpec=dict(record["connectionSpec"]))
        if kind == "sourceConnections":
            body["baseConnectionId"] = record["baseConnectionId"]
            data = dict(body["data"] or {})
            if data.get("properties") is None:
                data.pop("properties", None)
            if data.get("schema") is None:
                data.pop("schema", None)
            body["data"] = data
            fields = self._source_spec(org, sandbox, body)
            fields.pop("_baseSpec")
        else:
            if record.get("baseConnectionId"):
                body["baseConnectionId"] = record["baseConnectionId"]
            data = {k: v for k, v in (body["data"] or {}).items() if v is not None}
            body["data"] = data
            fields = self._target_spec(org, sandbox, body)
            if fields.get("baseConnectionId") is None:
                fields.pop("baseConnectionId", None)
        for key in keys:
            record[key] = fields[key]

    def _patch_flow(self, org: str, sandbox: str, record: Dict[str, Any], ops: Any) -> None:
        doc = {"name": record["name"], "description": record["description"],
               "scheduleParams": copy.deepcopy(record["scheduleParams"]),
               "transformations": copy.deepcopy(record["transformations"])}

        def allowed(tokens):
            if tokens in (["name"], ["description"], ["scheduleParams"], ["transformations"]):
                return True
            if len(tokens) == 2 and tokens[0] == "scheduleParams":
                return tokens[1] in ("startTime", "frequency", "interval", "backfill")
            return len(tokens) == 2 and tokens[0] == "transformations" and (tokens[1].isdigit() or tokens[1] == "-")

        patched = apply_pointer_ops(doc, ops, allowed, lambda path: flow_error(
            "1365-400", "The path %s provided in ops is invalid." % path, title="Invalid patch path"))
        name = patched.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _bad("/name must be a non-empty string.", "1434-400", "Invalid patch request")
        description = patched.get("description")
        if description is None:
            description = ""
        if not isinstance(description, str):
            raise _bad("/description must be a string.", "1434-400", "Invalid patch request")
        kinds = self.scope(org, sandbox)
        now = time.time()
        schedule = patched.get("scheduleParams")
        if schedule != record["scheduleParams"]:
            schedule = self._schedule(schedule, now, old=record["scheduleParams"])
        transformations = patched.get("transformations")
        if transformations != record["transformations"]:
            source = kinds["sourceConnections"][record["sourceConnectionIds"][0]]
            target = kinds["targetConnections"][record["targetConnectionIds"][0]]
            transformations = self._transformations(org, sandbox, transformations, source, target)
        schedule_changed = schedule != record["scheduleParams"]
        record.update({"name": name, "description": description, "scheduleParams": schedule,
                       "transformations": transformations})
        if schedule_changed and self.engine is not None:
            self.engine.flow_scheduled(org, sandbox, record, first=False)

    def flow_action(self, org: str, sandbox: str, flow_id: str, op: Optional[str], sub_op: Optional[str],
                    if_match: Optional[str], actor: str, client: str) -> Dict[str, Any]:
        with self.lock:
            self._advance()
            record = self._get("flows", org, sandbox, flow_id)
            if if_match is not None and if_match != record["etag"]:
                raise flow_error("1404-412", "The If-Match header does not match the current etag of the flow.",
                                 title="Precondition failed")
            action = (op or "").strip().lower()
            if action not in ("enable", "disable", "finalize_update", "finalize", "publish"):
                raise _bad("op must be enable or disable (got %r)." % op)
            if sub_op is not None and sub_op.strip().upper() not in ("APPLY", "ROLLBACK", "PROGRESS"):
                raise _bad("subOp must be APPLY, ROLLBACK or PROGRESS (got %r)." % sub_op)
            if action not in ("enable", "disable"):
                raise _bad("The action %s cannot be applied on the current state %s." % (action, record["state"]),
                           "1422-400", "Action not allowed")
            wanted = "enabled" if action == "enable" else "disabled"
            if record["state"] != wanted:
                record["state"] = wanted
                self.touch(record, actor, client)
                record["lastOperation"] = {"started": record["updatedAt"], "updated": record["updatedAt"],
                                           "percentCompleted": 100.0,
                                           "status": {"value": "completed", "errors": []},
                                           "ops": [], "operation": action}
                if wanted == "enabled" and self.engine is not None:
                    self.engine.flow_enabled(org, sandbox, record)
                self.save()
            return dict(record)

    # -- delete ------------------------------------------------------------------

    def delete(self, kind: str, org: str, sandbox: str, record_id: str, if_match: Optional[str]) -> None:
        with self.lock:
            kinds = self.scope(org, sandbox)
            record = self._get(kind, org, sandbox, record_id)
            if if_match is not None and if_match != record["etag"]:
                raise flow_error("1404-412", "The If-Match header does not match the current etag.",
                                 title="Precondition failed")
            if kind in ("sourceConnections", "targetConnections"):
                ids_key = "sourceConnectionIds" if kind == "sourceConnections" else "targetConnectionIds"
                users = [f["id"] for f in kinds["flows"].values() if record_id in f[ids_key]]
                if users:
                    raise flow_error("1447-400", "Found active flows containing id %s: %s. Delete the flows first."
                                     % (record_id, ", ".join(users)), title="Connection in use")
            del kinds[kind][record_id]
            self.save()

    def base_connection_user(self, org: str, sandbox: str, conn_id: str) -> Optional[str]:
        """Why base connection ``conn_id`` cannot be deleted (a flow uses it through its source), or None."""
        kinds = self._scopes.get((org, sandbox))
        if not kinds:
            return None
        for flow in kinds["flows"].values():
            for source_id in flow["sourceConnectionIds"]:
                source = kinds["sourceConnections"].get(source_id)
                if source is not None and source["baseConnectionId"] == conn_id:
                    return "flow %s" % flow["id"]
        return None

    def simulate_other_writer(self, kind: str, record_id: str) -> bool:
        """Change a pipeline object as a concurrent client would (new etag). False if unknown."""
        with self.lock:
            for kinds in self._scopes.values():
                record = kinds[kind].get(record_id)
                if record is not None:
                    self.touch(record, actor="someone-else@AdobeID")
                    self.save()
                    return True
        return False

    def items(self, kind: str, org: Optional[str] = None, sandbox: Optional[str] = None) -> List[Dict[str, Any]]:
        with self.lock:
            self._advance()
            return [self.public(r) for (o, s), kinds in self._scopes.items()
                    if (org is None or o == org) and (sandbox is None or s == sandbox)
                    for r in sorted(kinds[kind].values(), key=lambda r: r["_seq"])]
