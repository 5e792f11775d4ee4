# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 dataflows: one user-facing object over four API objects, for aep_s3_dataflow.

PRIVATE to the aep.platform collection: this API may change at any time.

Adobe's S3 ingestion is a source connection (base connection, path, format),
a target connection (the dataset and its schema), a Data Prep mapping set and
a flow that ties them to a schedule. Adobe says the connections belong to
their flow, so the user declares the flow and this resource manages the four:
children first on create, the flow first on delete, and, when a step of a
create fails, the removal of what this run created, in reverse order.

What can change on an existing flow (name, description, schedule, mappings,
state) is patched; what cannot (connection, path, format and its properties,
recursion, dataset) fails, or replaces the whole flow when asked to.

Two tasks that create one name at the same time follow the rule every
resource follows (``Resource._settle_race``) for the flow: the flow created
first is kept, and a task whose own flow is not that one deletes its flow and
its own connections, then returns the kept flow.
"""

from __future__ import annotations

import copy
import time
import uuid
from datetime import datetime, timezone

from ansible_collections.aep.platform.plugins.module_utils._client import CATALOG, DATA_PREP
from ansible_collections.aep.platform.plugins.module_utils._dataset import DATASET_ID_RE, Dataset
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError, AepValidationError, shown
from ansible_collections.aep.platform.plugins.module_utils._explore import COMPRESSIONS, ENCODINGS
from ansible_collections.aep.platform.plugins.module_utils._resource import (
    UUID_RE,
    FlowServiceResource,
    apply_json_patch,
    as_dict,
)
from ansible_collections.aep.platform.plugins.module_utils._runner import check_format
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3_CONNECTION_SPEC_ID, S3Connection

CLOUD_STORAGE_FLOW_SPEC = {"id": "9753525b-82c7-4dce-8a9b-5ccfce2b9876", "version": "1.0"}
DATA_LAKE_SPEC = {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0"}
S3_SPEC = {"id": S3_CONNECTION_SPEC_ID, "version": "1.0"}
SCHEMA_VERSION = "application/vnd.adobe.xed-full+json;version=1"
MAPPING_CONTENT_TYPE = "application/vnd.adobe.xed-full+json;version=1"

FREQUENCIES = ["once", "minute", "hour", "day", "week"]
# Data Prep stores an attribute mapping's source type as a schema path, an expression as an XL expression.
SOURCE_TYPES = {"attribute": ("ATTRIBUTE", "text/x.schema-path"), "expression": ("EXPRESSION", "text/x.aep-xl")}
# The source connection's format properties: option name -> API key.
FORMAT_PROPERTIES = {"column_delimiter": "columnDelimiter", "compression": "compressionType", "encoding": "encoding"}

# Adobe's schedule errors, explained in a sentence each.
SCHEDULE_ERRORS = {
    "1360-400": "schedule.start_time is in the past; give a time to come, or leave it out.",
    "1361-400": "schedule.interval cannot be given with frequency once.",
    "1362-400": "schedule.interval is below the minimum (15 for minute, 1 otherwise).",
    "1363-400": "schedule.interval is not allowed with this frequency.",
    "1364-400": "schedule.backfill cannot be given with frequency once.",
    "1365-400": "a schedule field cannot be patched on this flow.",
    "1366-400": "the flow's start time has passed, so it can no longer be changed; leave schedule.start_time out.",
    "1403-400": "the flow has started, so its frequency can no longer become once.",
    "1404-400": "the flow has started, so backfill can no longer change.",
}
MAPPING_ERRORS = {
    "1412-400": "the mapping version the flow names is not valid.",
    "1419-400": "Data Prep refused the mappings: check each destination against the schema's fields "
                "(aep.platform.aep_schema_info with fields: true).",
    "1425-400": "the dataset's schema and the mapping's schema differ.",
    "1370-400": "a delimited flow needs mappings.",
}


def _truthy(value):
    """Adobe echoes booleans as strings: ``"true"``."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def epoch_seconds(value):
    """``start_time`` as epoch seconds: a number, digits, or an ISO 8601 time (UTC when it names no zone)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def normalize_schedule(schedule):
    """The schedule the user asked for, checked; keys the user left out stay out (they are not compared)."""
    schedule = dict(schedule or {})
    unknown = sorted(set(schedule) - {"frequency", "interval", "start_time", "backfill"})
    if unknown:
        raise AepValidationError("schedule takes frequency, interval, start_time and backfill, not %s."
                                 % ", ".join(unknown))
    frequency = schedule.get("frequency")
    if frequency is None:
        raise AepValidationError("schedule.frequency is required: one of %s." % ", ".join(FREQUENCIES))
    frequency = str(frequency).lower()
    if frequency not in FREQUENCIES:
        raise AepValidationError("schedule.frequency must be one of %s, got %s."
                                 % (", ".join(FREQUENCIES), shown(schedule["frequency"])))
    wanted = {"frequency": frequency}
    interval = schedule.get("interval")
    if frequency == "once":
        for key in ("interval", "backfill"):
            if schedule.get(key) is not None:
                raise AepValidationError("schedule.%s cannot be given with frequency once." % key)
    else:
        if interval is None:
            raise AepValidationError("schedule.interval is required with frequency %s." % frequency)
        number = _int_or_none(interval)
        minimum = 15 if frequency == "minute" else 1
        if isinstance(interval, bool) or number is None or number < minimum or str(number) != str(interval).strip():
            raise AepValidationError("schedule.interval must be a whole number of at least %d for frequency %s, "
                                     "got %s." % (minimum, frequency, shown(interval)))
        wanted["interval"] = number
        if schedule.get("backfill") is not None:
            backfill = schedule["backfill"]
            if not isinstance(backfill, bool) and str(backfill).lower() not in ("true", "false"):
                raise AepValidationError("schedule.backfill must be true or false, got %s." % shown(backfill))
            wanted["backfill"] = _truthy(backfill)
    if schedule.get("start_time") is not None:
        try:
            wanted["start_time"] = epoch_seconds(schedule["start_time"])
        except (TypeError, ValueError, OverflowError):
            raise AepValidationError("schedule.start_time must be epoch seconds or an ISO 8601 time such as "
                                     "2026-12-01T06:00:00Z, got %s." % shown(schedule["start_time"])) from None
    return wanted


def current_schedule(flow):
    params = as_dict(flow.get("scheduleParams"))
    schedule = {"frequency": str(params.get("frequency", "")).lower() or None}
    if params.get("interval") is not None:
        schedule["interval"] = _int_or_none(params["interval"])
    if params.get("backfill") is not None:
        schedule["backfill"] = _truthy(params["backfill"])
    if params.get("startTime") is not None:
        schedule["start_time"] = _int_or_none(params["startTime"])
    return schedule


def normalize_mapping(mapping, where="mappings"):
    if not isinstance(mapping, dict):
        raise AepValidationError("%s: each mapping must be a dict with source and destination, got %s."
                                 % (where, shown(mapping)))
    unknown = sorted(set(mapping) - {"source", "destination", "source_type"})
    if unknown:
        raise AepValidationError("%s: a mapping takes source, destination and source_type, not %s."
                                 % (where, ", ".join(unknown)))
    for key in ("source", "destination"):
        if not isinstance(mapping.get(key), str) or not mapping[key]:
            raise AepValidationError("%s: each mapping needs a non-empty %s." % (where, key))
    source_type = str(mapping.get("source_type") or "attribute").lower()
    if source_type not in SOURCE_TYPES:
        raise AepValidationError("%s: source_type must be attribute or expression, got %s."
                                 % (where, shown(mapping.get("source_type"))))
    return {"source": mapping["source"], "destination": mapping["destination"], "source_type": source_type}


def stored_mapping(mapping):
    """A mapping as Data Prep returns it, in the option's terms."""
    raw_type = str(mapping.get("sourceType") or "").strip()
    source_type = "attribute"
    for name, spellings in SOURCE_TYPES.items():
        if raw_type.upper() == spellings[0] or raw_type.lower() == spellings[1]:
            source_type = name
    return {"source": mapping.get("source", mapping.get("sourceAttribute")),
            "destination": mapping.get("destination", mapping.get("destinationXdmPath")),
            "source_type": source_type}


def _mapping_key(mapping):
    return (mapping["source_type"], mapping["source"], mapping["destination"])


def same_mappings(first, second):
    return sorted(map(_mapping_key, first)) == sorted(map(_mapping_key, second))


class S3Dataflow(FlowServiceResource):
    """A ``CloudStorageToAEP`` flow from an S3 path into a dataset, and the objects it owns."""

    path = "/flows"
    kind = "dataflow"
    result_key = "dataflow"
    fact_name = "aep_s3_dataflow"

    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        description=dict(type="str"),
        connection_id=dict(type="str"),
        connection_name=dict(type="str"),
        path=dict(type="str"),
        format=dict(type="str", default="delimited", choices=["delimited", "json", "parquet"]),
        column_delimiter=dict(type="str"),
        compression=dict(type="str", choices=COMPRESSIONS),
        encoding=dict(type="str", choices=ENCODINGS),
        recursive=dict(type="bool"),
        dataset_id=dict(type="str"),
        dataset_name=dict(type="str"),
        mappings=dict(type="list", elements="dict"),
        schedule=dict(type="dict"),
        state=dict(type="str", default="enabled", choices=["enabled", "disabled", "absent"]),
        on_immutable_change=dict(type="str", default="fail", choices=["fail", "replace"]),
    )
    required_one_of = [("name", "id")]
    mutually_exclusive = [("connection_id", "connection_name"), ("dataset_id", "dataset_name")]

    def __init__(self, client, params, check_mode=False, diff=False):
        super().__init__(client, params, check_mode=check_mode, diff=diff)
        self.data_prep = client.api(DATA_PREP)
        self._children = {}
        # (mapping set id, version) this run made for the flow: its PATCH is part of every re-decided patch.
        self._new_mapping = None

    # Checks before any request ---------------------------------------------------

    @classmethod
    def validate_params(cls, params):
        super().validate_params(params)
        check_format("connection_id", params.get("connection_id"), UUID_RE, cls.id_example)
        check_format("dataset_id", params.get("dataset_id"), DATASET_ID_RE, Dataset.id_example)
        for option in ("name", "path", "connection_name", "dataset_name"):
            if params.get(option) == "":
                raise AepValidationError("%s must not be empty." % option)
        if params.get("state") == "absent":
            return
        delimiter = params.get("column_delimiter")
        if delimiter is not None and len(delimiter) != 1:
            raise AepValidationError("column_delimiter must be one character, got %s." % shown(delimiter))
        if params.get("format") != "delimited":
            for option in ("column_delimiter", "encoding"):
                if params.get(option) is not None:
                    raise AepValidationError("%s applies to delimited files only; format is %s."
                                             % (option, params.get("format")))
        if params.get("schedule") is not None:
            normalize_schedule(params["schedule"])
        for index, mapping in enumerate(params.get("mappings") or []):
            normalize_mapping(mapping, "mappings[%d]" % index)
        if params.get("mappings") == [] and params.get("format") == "delimited":
            raise AepValidationError("mappings must not be empty for a delimited flow.")

    # Look-up ------------------------------------------------------------------------

    def list_filters(self):
        return ["flowSpec.id==%s" % CLOUD_STORAGE_FLOW_SPEC["id"]]

    def belongs(self, item):
        if as_dict(item.get("flowSpec")).get("id") != CLOUD_STORAGE_FLOW_SPEC["id"]:
            return False
        sources = as_dict(item.get("inheritedAttributes")).get("sourceConnections")
        if not isinstance(sources, list) or not sources:
            return True  # nothing says otherwise; the source connection is checked when it is read
        source = as_dict(sources[0])
        spec = as_dict(as_dict(source.get("baseConnection")).get("connectionSpec")).get("id") or as_dict(
            source.get("connectionSpec")).get("id")
        return spec in (None, S3_CONNECTION_SPEC_ID)

    def children_of(self, flow):
        """The flow's source and target connections and its mapping set (at the flow's version)."""
        if flow.get("id") in self._children:
            return self._children[flow["id"]]
        source_ids = flow.get("sourceConnectionIds") or []
        target_ids = flow.get("targetConnectionIds") or []
        source = self.read_item("/sourceConnections", source_ids[0]) if source_ids else None
        target = self.read_item("/targetConnections", target_ids[0]) if target_ids else None
        mapping_id, mapping_version = self.mapping_of(flow)
        mapping_set = None
        if mapping_id and self.params.get("mappings") is not None:
            try:
                mapping_set = self.data_prep.get("/mappingSets/%s" % mapping_id,
                                                 params={"version": mapping_version} if mapping_version is not None else None)
            except AepApiError as exc:
                if exc.status != 404:
                    raise
        children = {"source": source or {}, "target": target or {}, "mapping_set": as_dict(mapping_set)}
        self._children[flow["id"]] = children
        return children

    @staticmethod
    def mapping_of(flow):
        """``(mapping set id, version)`` of the flow's Mapping transformation, or ``(None, None)``."""
        for transformation in flow.get("transformations") or []:
            params = as_dict(as_dict(transformation).get("params"))
            if params.get("mappingId"):
                return params["mappingId"], _int_or_none(params.get("mappingVersion"))
        return None, None

    # What is wanted -------------------------------------------------------------------

    def wanted_connection_id(self):
        if self.params.get("connection_id"):
            return self.params["connection_id"]
        if "connection" not in self._children:
            s3 = S3Connection(self.client, dict(self.params, id=None, name=self.params["connection_name"]))
            item = s3.find_by_name(self.params["connection_name"])
            if item is None:
                raise AepError("No S3 connection is named '%s' in sandbox '%s'."
                               % (self.params["connection_name"], self.params["sandbox"]))
            self._children["connection"] = item["id"]
        return self._children["connection"]

    def check_connection(self, ident):
        """The base connection must exist and be an S3 connection."""
        s3 = S3Connection(self.client, dict(self.params, id=ident))
        item = s3.fetch_by_id(ident)
        if item is None:
            raise AepError("No base connection with id %s exists in sandbox '%s'." % (ident, self.params["sandbox"]))
        if not s3.belongs(item):
            raise AepError("Base connection %s is not an S3 connection; aep_s3_dataflow ingests from S3 only." % ident)

    def wanted_dataset(self):
        """The target dataset (with its id and ``schemaRef``), read once."""
        if "dataset" not in self._children:
            catalog = Dataset(self.client.api(CATALOG), dict(self.params, id=self.params.get("dataset_id"),
                                                             name=self.params.get("dataset_name")))
            if self.params.get("dataset_id"):
                dataset = catalog.fetch_by_id(self.params["dataset_id"])
                missing = "No dataset with id %s exists" % self.params["dataset_id"]
            else:
                dataset = catalog.find_by_name(self.params["dataset_name"])
                missing = "No dataset is named '%s'" % self.params["dataset_name"]
            if dataset is None:
                raise AepError("%s in sandbox '%s'." % (missing, self.params["sandbox"]))
            if not Dataset.schema_id_of(dataset):
                raise AepError("Dataset %s has no schema; a dataflow needs one." % dataset["id"])
            self._children["dataset"] = dataset
        return self._children["dataset"]

    def wanted_dataset_id(self):
        return self.params.get("dataset_id") or self.wanted_dataset()["id"]

    def wanted_mappings(self):
        if self.params.get("mappings") is None:
            return None
        return [normalize_mapping(mapping) for mapping in self.params["mappings"]]

    def wanted_properties(self):
        return {key: self.params[option] for option, key in FORMAT_PROPERTIES.items()
                if self.params.get(option) is not None}

    # Create -------------------------------------------------------------------------------

    def _require_for_create(self):
        missing = [label for label, present in (
            ("connection_id or connection_name", self.params.get("connection_id") or self.params.get("connection_name")),
            ("path", self.params.get("path")),
            ("dataset_id or dataset_name", self.params.get("dataset_id") or self.params.get("dataset_name")),
            ("name", self.params.get("name")),
        ) if not present]
        if self.params["format"] == "delimited" and not self.params.get("mappings"):
            missing.append("mappings (a delimited flow needs them)")
        if missing:
            raise AepValidationError("To create a dataflow, give %s." % ", ".join(missing))

    def _schedule_params(self):
        schedule = normalize_schedule(self.params.get("schedule") or {"frequency": "once"})
        params = {"startTime": str(schedule.get("start_time", int(time.time()))), "frequency": schedule["frequency"]}
        if schedule["frequency"] != "once":
            params["interval"] = str(schedule["interval"])
            params["backfill"] = "true" if schedule.get("backfill", True) else "false"
        return params

    def plan_create(self):
        """The four bodies a create sends (ids of the children filled in as they are made)."""
        self._require_for_create()
        connection_id = self.wanted_connection_id()
        dataset = self.wanted_dataset()
        schema_id = Dataset.schema_id_of(dataset)
        name = self.params["name"]
        data = {"format": self.params["format"]}
        properties = self.wanted_properties()
        if properties:
            data["properties"] = properties
        mappings = self.wanted_mappings()
        if not mappings and self.params["format"] == "parquet":
            # XDM-compliant Parquet goes in without a mapping; the source connection names its schema.
            data = {"format": "parquet_xdm", "schema": {"id": schema_id, "version": SCHEMA_VERSION}}
        source_params = {"path": self.params["path"]}
        if self.params.get("recursive") is not None:
            source_params["recursive"] = bool(self.params["recursive"])
        bodies = {
            "source": {"name": name, "baseConnectionId": connection_id, "data": data, "params": source_params,
                       "connectionSpec": dict(S3_SPEC)},
            "target": {"name": name, "data": {"format": "parquet_xdm",
                                              "schema": {"id": schema_id, "version": SCHEMA_VERSION}},
                       "params": {"dataSetId": dataset["id"]}, "connectionSpec": dict(DATA_LAKE_SPEC)},
            "mapping_set": None,
            "flow": {"name": name, "flowSpec": dict(CLOUD_STORAGE_FLOW_SPEC), "sourceConnectionIds": [],
                     "targetConnectionIds": [], "scheduleParams": self._schedule_params()},
        }
        if self.params.get("description") is not None:
            for key in ("source", "target", "flow"):
                bodies[key]["description"] = self.params["description"]
        if mappings:
            bodies["mapping_set"] = self.mapping_set_body(schema_id, mappings)
        return bodies

    @staticmethod
    def mapping_set_body(schema_id, mappings):
        return {
            "outputSchema": {"schemaRef": {"id": schema_id, "contentType": MAPPING_CONTENT_TYPE}},
            "mappings": [{"sourceType": SOURCE_TYPES[m["source_type"]][0], "source": m["source"],
                          "destination": m["destination"]} for m in mappings],
        }

    def create(self):
        bodies = self.plan_create()
        predicted = self.predicted_flow(bodies)
        diff = {"before": {}, "after": self.view(predicted)}
        if self.check_mode:
            predicted.update(id=None, etag=None)
            return self._result(True, predicted, diff)
        flow, own = self.create_children_and_flow(bodies)
        if not own:
            return self.update(flow)
        return self._result(True, flow, diff)

    def predicted_flow(self, bodies):
        """The flow a create would make, carrying its children for ``view``."""
        flow = copy.deepcopy(bodies["flow"])
        flow["state"] = self.params["state"]
        flow["_children"] = {"source": bodies["source"], "target": bodies["target"],
                             "mapping_set": bodies["mapping_set"] or {}}
        return flow

    def create_children_and_flow(self, bodies):
        """Create the four objects; ``(flow, own)``: the flow to return, and whether this task created it.

        When another task created a flow of the same name at the same time and its flow is the one every
        racer keeps, this task's flow and connections are deleted again and ``(their flow, False)`` returned.
        """
        made = []  # (step, path, id) in the order made, undone in reverse
        step = "source connection"
        try:
            source_id = self._create_child("/sourceConnections", bodies["source"], self._recover_source(bodies))
            made.append((step, "/sourceConnections", source_id))
            step = "target connection"
            target_id = self._create_child("/targetConnections", bodies["target"], self._recover_target(bodies))
            made.append((step, "/targetConnections", target_id))
            flow_body = dict(bodies["flow"], sourceConnectionIds=[source_id], targetConnectionIds=[target_id])
            mapping = None
            if bodies["mapping_set"] is not None:
                step = "mapping set"
                mapping = self._create_mapping_set(bodies["mapping_set"], flow_body["name"])
                made.append((step, "/mappingSets", mapping["id"]))
                flow_body["transformations"] = [{"name": "Mapping", "params": {
                    "mappingId": mapping["id"], "mappingVersion": _int_or_none(mapping.get("version")) or 0}}]
            step = "dataflow"
            reply = self.client.create(self.path, flow_body, recover=self._recover_flow(flow_body), kind=self.kind)
            flow_id = as_dict(reply).get("id")
            if not flow_id:
                raise AepError("POST /flows succeeded but the reply has no id.")
            made.append((step, self.path, flow_id))
        except AepError as exc:
            raise self._undo(made, step, exc) from None
        # Right after the POST, before anything else is spent on a flow this task may have to delete. A failed
        # look-up is not undone: the flow is complete, and its message says a run of the task finds it.
        survivor = self._settle_race(dict(flow_body, id=flow_id))
        if survivor is not None:
            return survivor, False
        try:
            if self.params["state"] == "disabled":
                step = "disabling the dataflow"
                self._action(flow_id, "disable")
            created = self.get_by_id(flow_id) or dict(flow_body, id=flow_id, etag=as_dict(reply).get("etag"))
        except AepError as exc:
            raise self._undo(made, step, exc) from None
        self._children[flow_id] = {"source": dict(bodies["source"], id=source_id),
                                   "target": dict(bodies["target"], id=target_id),
                                   "mapping_set": dict(bodies["mapping_set"] or {}, **(mapping or {}))}
        return created, True

    def _create_child(self, path, body, recover):
        reply = self.client.create(path, body, recover=recover, kind=path.strip("/")[:-1])
        ident = as_dict(reply).get("id")
        if not ident and isinstance(as_dict(reply).get("items"), list) and reply["items"]:
            ident = as_dict(reply["items"][0]).get("id")
        if not ident:
            raise AepError("POST %s succeeded but the reply has no id." % path)
        return ident

    def _recover_source(self, bodies):
        body = bodies["source"]

        def recover():
            for item in self.client.paginate("/sourceConnections",
                                             params={"property": ["baseConnectionId==%s" % body["baseConnectionId"]]}):
                if item.get("name") == body["name"] and as_dict(item.get("params")).get("path") == body["params"]["path"] \
                        and not self._in_use(item, "sourceConnectionIds"):
                    return item
            return None
        return recover

    def _recover_target(self, bodies):
        body = bodies["target"]

        def recover():
            for item in self.client.paginate("/targetConnections",
                                             params={"property": ["connectionSpec.id==%s" % DATA_LAKE_SPEC["id"]]}):
                if item.get("name") == body["name"] and as_dict(item.get("params")).get("dataSetId") == \
                        body["params"]["dataSetId"] and not self._in_use(item, "targetConnectionIds"):
                    return item
            return None
        return recover

    def _in_use(self, item, key):
        """Whether a flow already uses this connection (then it is not the one this task lost)."""
        flows = self.client.paginate(self.path, params={"property": ["%s[]==%s" % (key, item["id"])]})
        return next(flows, None) is not None

    def _recover_flow(self, body):
        """After a lost reply: the flow of this name that uses this task's new source connection, which no
        other flow can use."""
        source_id = body["sourceConnectionIds"][0]

        def recover():
            return next((item for item in self.find_all(body["name"])
                         if source_id in (item.get("sourceConnectionIds") or [])), None)
        return recover

    def _create_mapping_set(self, body, label):
        """POST a mapping set, never twice: each create names its set with a token of its own.

        A mapping set has no identity Data Prep enforces (names need not be unique, and racing tasks send the
        same mappings), but its list filters on ``name``: a POST whose reply was lost is found by that name,
        and never confused with a set another task or an earlier run made.
        """
        name = "%s [%s]" % (label[:100], uuid.uuid4().hex)
        body = dict(body, name=name)
        looked_up = []

        def recover():
            looked_up.append(True)
            # Newest first: the set looked for was created a moment ago.
            return next((item for item in self.data_prep.paginate(
                "/mappingSets", params={"name": name, "orderBy": "-createdDate"})
                if item.get("name") == name and item.get("id")), None)
        try:
            reply = self.data_prep.create("/mappingSets", body, recover=recover, kind="mapping set")
        except AepError as exc:
            if not looked_up:
                raise
            raise AepError("%s If Data Prep stored it after all, the mapping set named '%s' is used by nothing "
                           "(Data Prep documents no delete)." % (exc.msg.rstrip(), name), **exc.details) from None
        if not as_dict(reply).get("id"):
            raise AepError("POST /mappingSets succeeded but the reply has no id.")
        return reply

    def _undo(self, made, step, exc):
        """Remove what this run created, newest first; say what failed and what could not be removed."""
        left = []
        for made_step, path, ident in reversed(made):
            api = self.data_prep if path == "/mappingSets" else self.client
            try:
                api.request("DELETE", "%s/%s" % (path, ident))
            except AepApiError as undo_exc:
                if undo_exc.status != 404:
                    left.append("%s %s" % (made_step, ident))
            except AepError:
                left.append("%s %s" % (made_step, ident))
        text = "Creating dataflow '%s' failed at the %s step: %s" % (self.params.get("name"), step,
                                                                     self._explain(exc))
        if made:
            text += " What this task had created was removed" if not left else \
                " It could not remove: %s; delete them by hand." % ", ".join(left)
            if not left:
                text += " (%s)." % ", ".join("%s %s" % (s, i) for s, _p, i in made)
        return AepError(text, **exc.details)

    @staticmethod
    def _explain(exc):
        if isinstance(exc, AepApiError):
            sentence = SCHEDULE_ERRORS.get(exc.numeric_code) or MAPPING_ERRORS.get(exc.numeric_code)
            if sentence:
                return "%s (%s)" % (sentence[:1].upper() + sentence[1:], exc.msg)
        return exc.msg

    def _action(self, flow_id, op):
        self.client.request("POST", "%s/%s/action" % (self.path, flow_id), params={"op": op})

    # Compare and update -------------------------------------------------------------------------

    def immutable_differences(self, flow):
        """What the user asked for that an existing flow cannot become: ``[(what, now, wanted)]``."""
        children = self.children_of(flow)
        source = children["source"]
        target = children["target"]
        data = as_dict(source.get("data"))
        properties = dict(as_dict(data.get("properties")))
        for key in ("columnDelimiter",):
            if data.get(key) is not None:  # the older body shape keeps the delimiter under data
                properties.setdefault(key, data[key])
        differences = []

        def differ(what, now, wanted):
            if wanted is not None and now != wanted:
                differences.append((what, now, wanted))

        if self.params.get("connection_id") or self.params.get("connection_name"):
            differ("connection", source.get("baseConnectionId"), self.wanted_connection_id())
        differ("path", as_dict(source.get("params")).get("path"), self.params.get("path"))
        current_format = str(data.get("format") or "").lower().replace("parquet_xdm", "parquet")
        if self.params.get("path") is not None or self.params["format"] != "delimited":
            differ("format", current_format, self.params["format"])
        for option, key in FORMAT_PROPERTIES.items():
            differ(option, properties.get(key), self.params.get(option))
        recursive = as_dict(source.get("params")).get("recursive")
        if self.params.get("recursive") is not None:
            differ("recursive", _truthy(recursive) if recursive is not None else False, self.params["recursive"])
        if self.params.get("dataset_id") or self.params.get("dataset_name"):
            differ("dataset", as_dict(target.get("params")).get("dataSetId"), self.wanted_dataset_id())
        return differences

    def patch_operations(self, current):
        operations = []
        name = self.params.get("name")
        if self.params.get("id") and name is not None and name != current.get("name"):
            operations.append({"op": "replace", "path": "/name", "value": name})
        description = self.params.get("description")
        if description is not None and description != (current.get("description") or ""):
            operations.append({"op": "replace" if "description" in current else "add",
                               "path": "/description", "value": description})
        if self.params.get("schedule") is not None:
            wanted = normalize_schedule(self.params["schedule"])
            now = current_schedule(current)
            keys = {"frequency": "frequency", "interval": "interval", "backfill": "backfill",
                    "start_time": "startTime"}
            for key, api_key in keys.items():
                if key in wanted and wanted[key] != now.get(key):
                    value = wanted[key]
                    value = ("true" if value else "false") if key == "backfill" else str(value)
                    exists = api_key in as_dict(current.get("scheduleParams"))
                    operations.append({"op": "replace" if exists else "add",
                                       "path": "/scheduleParams/%s" % api_key, "value": value})
            if wanted["frequency"] == "once":
                for api_key in ("interval", "backfill"):
                    if api_key in as_dict(current.get("scheduleParams")):
                        operations.append({"op": "remove", "path": "/scheduleParams/%s" % api_key})
        # Here, not only in update: a PATCH refused with 412 is decided again from the flow read anew, and the
        # new mapping version must not be lost then (the flow would keep pointing at the old one).
        mapping_operation = self._mapping_operation(current)
        if mapping_operation is not None:
            operations.append(mapping_operation)
        return operations

    def _mapping_operation(self, flow):
        """The operation pointing ``flow`` at the mapping set version this run made; None when there is none to
        point at, or the flow already does."""
        if self._new_mapping is None or self.mapping_of(flow) == self._new_mapping:
            return None
        mapping_id, version = self._new_mapping
        value = {"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": version}}
        if flow.get("transformations"):
            return {"op": "replace", "path": "/transformations/0", "value": value}
        return {"op": "add", "path": "/transformations", "value": [value]}

    def mappings_changed(self, flow):
        wanted = self.wanted_mappings()
        if wanted is None:
            return False
        current = [stored_mapping(as_dict(m)) for m in as_dict(self.children_of(flow)["mapping_set"]).get("mappings") or []]
        return not same_mappings(current, wanted)

    def state_change(self, flow):
        wanted = self.params["state"]
        return None if str(flow.get("state", "")).lower() == wanted else wanted

    def update(self, current):
        differences = self.immutable_differences(current)
        if differences:
            if self.params["on_immutable_change"] == "fail":
                raise AepValidationError(
                    "%s cannot change %s; nothing was changed. Set on_immutable_change to replace to delete the "
                    "dataflow and its connections and create them anew (its run history goes with them)." % (
                        self._label(current), "; ".join("%s from %s to %s" % (what, shown(now), shown(wanted))
                                                        for what, now, wanted in differences)))
            return self.replace(current)
        operations = self.patch_operations(current)
        mappings_changed = self.mappings_changed(current)
        state = self.state_change(current)
        if not operations and not mappings_changed and state is None:
            return self._result(False, current)
        after = self.predict_flow(current, operations, mappings_changed, state)
        diff = {"before": self.view(current), "after": self.view(after)}
        if self.check_mode:
            return self._result(True, after, diff)
        ident = current["id"]
        if mappings_changed:
            self._new_mapping = self._new_mapping_version(current)
            operations = self.patch_operations(current)
        if operations:
            self.send_update(current, operations)
        if state is not None:
            try:
                self._action(ident, "enable" if state == "enabled" else "disable")
            except AepError as exc:
                raise AepError("Changing the state of %s to %s failed: %s" % (self._label(current), state, exc.msg),
                               **exc.details) from None
        updated = self.get_by_id(ident)
        if updated is None:
            raise AepError("%s was deleted by someone else right after it was updated." % self._label(current))
        self._children.pop(ident, None)
        return self._result(True, updated, diff)

    def predict_flow(self, current, operations, mappings_changed, state):
        after = apply_json_patch(current, operations)
        if state is not None:
            after["state"] = state
        children = dict(self.children_of(current))
        if mappings_changed:
            children["mapping_set"] = dict(children["mapping_set"], mappings=[
                {"sourceType": m["source_type"], "source": m["source"], "destination": m["destination"]}
                for m in self.wanted_mappings()])
        return dict(after, id=current["id"], _children=children)

    def _new_mapping_version(self, flow):
        """PUT the wanted mappings on the flow's mapping set (a new version), or create one: ``(id, version)``."""
        mapping_id, _version = self.mapping_of(flow)
        schema_id = as_dict(as_dict(self.children_of(flow)["target"].get("data")).get("schema")).get("id")
        if not schema_id:
            schema_id = Dataset.schema_id_of(self.wanted_dataset()) if (
                self.params.get("dataset_id") or self.params.get("dataset_name")) else None
        if not schema_id:
            raise AepError("%s: the target schema cannot be read, so its mappings cannot be changed."
                           % self._label(flow))
        body = self.mapping_set_body(schema_id, self.wanted_mappings())
        try:
            if mapping_id:
                reply = self.data_prep.request("PUT", "/mappingSets/%s" % mapping_id, body=body)
            else:
                reply = self._create_mapping_set(body, flow.get("name") or self.params.get("name") or flow["id"])
        except AepError as exc:
            raise AepError("Updating the mappings of %s failed: %s The dataflow was not changed." % (
                self._label(flow), self._explain(exc)), **exc.details) from None
        return as_dict(reply).get("id") or mapping_id, _int_or_none(as_dict(reply).get("version")) or 0

    def _update_failed(self, exc, ident):
        if isinstance(exc, AepApiError) and exc.status != 412:
            explained = self._explain(exc)
            if explained != exc.msg:
                return AepError("Updating %s failed: %s The dataflow was not changed." % (
                    self._label({"id": ident}), explained), **exc.details)
        return super()._update_failed(exc, ident)

    def replace(self, current):
        bodies = self.plan_create()
        predicted = self.predicted_flow(bodies)
        diff = {"before": self.view(current), "after": self.view(predicted)}
        if self.check_mode:
            predicted.update(id=None, etag=None)
            return self._result(True, predicted, diff)
        self.delete_flow_and_connections(current)
        flow, own = self.create_children_and_flow(bodies)
        # The flow it had is gone either way, so the task changed something even when another task's flow is kept.
        result = self._result(True, flow, diff) if own else dict(self.update(flow), changed=True)
        result["replaced"] = current["id"]
        return result

    # Delete -----------------------------------------------------------------------------------

    def send_delete(self, current):
        self.delete_flow_and_connections(current)

    def delete_flow_and_connections(self, flow):
        """The flow first (its connections cannot go while it uses them), then its connections; 404 is gone."""
        super().send_delete(flow)
        left = []
        for path, ids in (("/sourceConnections", flow.get("sourceConnectionIds")),
                          ("/targetConnections", flow.get("targetConnectionIds"))):
            for ident in ids or []:
                try:
                    self.client.request("DELETE", "%s/%s" % (path, ident))
                except AepApiError as exc:
                    if exc.status != 404:
                        left.append("%s %s (%s)" % (path.strip("/")[:-1], ident, exc.msg))
                except AepError as exc:  # no answer: the other connection is still tried, and both named
                    left.append("%s %s (%s)" % (path.strip("/")[:-1], ident, exc.msg))
        if left:
            raise AepError("%s was deleted, but not: %s. Delete them by hand." % (self._label(flow), "; ".join(left)))

    # Result -----------------------------------------------------------------------------------

    def before_delete(self, current):
        if self.want_diff:
            self.children_of(current)

    def public(self, item):
        item = copy.deepcopy(item)
        item.pop("_children", None)
        return item

    def view(self, item):
        children = item.get("_children") or self._children.get(item.get("id")) or {
            "source": {}, "target": {}, "mapping_set": {}}
        source = as_dict(children["source"])
        data = as_dict(source.get("data"))
        mapping_set = as_dict(children["mapping_set"])
        return {
            "name": item.get("name"),
            "description": item.get("description", ""),
            "path": as_dict(source.get("params")).get("path"),
            "format": str(data.get("format") or "").replace("parquet_xdm", "parquet") or None,
            "properties": dict(sorted(as_dict(data.get("properties")).items())),
            "dataset_id": as_dict(as_dict(children["target"]).get("params")).get("dataSetId"),
            "mappings": sorted((stored_mapping(as_dict(m)) for m in mapping_set.get("mappings") or []),
                               key=_mapping_key),
            "schedule": current_schedule(item),
            "state": item.get("state"),
        }

    def _ids(self, item):
        mapping_id, mapping_version = self.mapping_of(item)
        return {
            "source_connection_id": (item.get("sourceConnectionIds") or [None])[0],
            "target_connection_id": (item.get("targetConnectionIds") or [None])[0],
            "mapping_set_id": mapping_id,
            "mapping_version": mapping_version,
        }

    def facts(self, item, gone):
        facts = super().facts(item, gone)
        ids = self._ids(item)
        ids.pop("mapping_version")
        facts.update(ids)
        return facts

    def _result(self, changed, item, diff=None, gone=False):
        item = self.public(item or {})
        result = super()._result(changed, item, diff=diff, gone=gone)
        result.update(self._ids(item))
        return result
