# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""XDM schemas of the Schema Registry: look-ups for aep_schema_info and aep_dataset.

PRIVATE to the aep.platform collection: this API may change at any time.

The Schema Registry wants an ``Accept`` header that says what it should send:
``xed-id`` (ids and titles) or ``xed`` for lists, and, for one schema, a
versioned ``xed`` (as stored) or ``xed-full`` (field groups resolved, which is
what the flattened ``fields`` are read from).
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.aep.platform.plugins.module_utils._client import SCHEMA_REGISTRY
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._runner import Runner, build_client

SCHEMAS_PATH = "/tenant/schemas"
ACCEPT_LIST = "application/vnd.adobe.xed+json"
ACCEPT_ONE = "application/vnd.adobe.xed+json; version=1"
ACCEPT_FULL = "application/vnd.adobe.xed-full+json; version=1"
# A schema's $id is a URI and its meta:altId starts with an underscore; anything else names a title.
SCHEMA_ID_PREFIXES = ("https://", "http://", "_")


def looks_like_schema_id(value):
    return value.startswith(SCHEMA_ID_PREFIXES)


def flatten_fields(schema):
    """The leaf fields of a resolved schema as ``[{path, type, ...}]``, in dot notation, sorted by path.

    An array of objects contributes its items' fields below ``path[]``; the
    mapping a user writes names the leaves.
    """
    fields = []

    def walk(properties, prefix):
        if not isinstance(properties, dict):
            return
        for name, definition in properties.items():
            if not isinstance(definition, dict):
                continue
            path = prefix + name
            kind = definition.get("type")
            if kind == "object" and isinstance(definition.get("properties"), dict):
                walk(definition["properties"], path + ".")
                continue
            items = definition.get("items") if kind == "array" else None
            if isinstance(items, dict) and isinstance(items.get("properties"), dict):
                walk(items["properties"], path + "[].")
                continue
            field = {"path": path, "type": kind}
            for key, out in (("format", "format"), ("meta:xdmType", "xdm_type")):
                if definition.get(key) is not None:
                    field[out] = definition[key]
            if isinstance(items, dict) and items.get("type"):
                field["items_type"] = items["type"]
            fields.append(field)

    walk(schema.get("properties"), "")
    for part in schema.get("allOf") or ():
        if isinstance(part, dict):
            walk(part.get("properties"), "")
    return sorted(fields, key=lambda field: field["path"])


class SchemaRegistry:
    """Tenant schema look-ups on a Schema Registry client."""

    def __init__(self, client):
        self.client = client.api(SCHEMA_REGISTRY)

    def get(self, ident, full=False):
        """The schema with this ``$id`` or ``meta:altId``, or None."""
        try:
            return self.client.get("%s/%s" % (SCHEMAS_PATH, quote(ident, safe="")),
                                   headers={"Accept": ACCEPT_FULL if full else ACCEPT_ONE})
        except AepApiError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, title=None):
        """Every tenant schema, or those titled exactly ``title``, across all pages."""
        params = {}
        # A comma may be read as "any of" by the server: such a title is compared here only.
        if title is not None and "," not in title:
            params["property"] = "title==%s" % title
        return [schema for schema in self.client.paginate(SCHEMAS_PATH, params=params,
                                                          headers={"Accept": ACCEPT_LIST})
                if title is None or schema.get("title") == title]

    def resolve(self, reference):
        """The ``$id`` of the schema named by ``reference`` (a ``$id``, a ``meta:altId`` or an exact title)."""
        if looks_like_schema_id(reference):
            schema = self.get(reference)
            if schema is None:
                raise AepError("No schema with id %s exists in this sandbox." % reference)
            return schema.get("$id") or reference
        matches = self.list(title=reference)
        if not matches:
            raise AepError("No schema is titled '%s' in this sandbox; give its exact title or its $id "
                           "(aep.platform.aep_schema_info lists them)." % reference)
        if len(matches) > 1:
            raise AepError("%d schemas are titled '%s': %s. Give the $id of the one to use."
                           % (len(matches), reference, ", ".join(str(m.get("$id")) for m in matches)),
                           ids=[m.get("$id") for m in matches])
        return matches[0].get("$id")


def describe_schema(schema):
    return {
        "id": schema.get("$id"),
        "alt_id": schema.get("meta:altId"),
        "title": schema.get("title"),
        "version": schema.get("version"),
        "description": schema.get("description"),
        "class": schema.get("meta:class"),
    }


class SchemaInfo(Runner):
    """List tenant schemas, or find one by exact title or id; never changes anything."""

    argument_spec = dict(
        title=dict(type="str"),
        id=dict(type="str"),
        fields=dict(type="bool", default=False),
    )

    @classmethod
    def connect(cls, params):
        return build_client(params, api=SCHEMA_REGISTRY)

    @classmethod
    def validate_params(cls, params):
        if params.get("title") is not None and params.get("id") is not None:
            raise AepValidationError("title and id are mutually exclusive: give one of them, or neither to list "
                                     "every schema.")
        for option in ("title", "id"):
            if params.get(option) == "":
                raise AepValidationError("%s must not be empty; omit it to list every schema." % option)

    def run(self):
        registry = SchemaRegistry(self.client)
        want_fields = self.params.get("fields")
        if self.params.get("id") is not None:
            schema = registry.get(self.params["id"], full=want_fields)
            found = [schema] if schema is not None else []
        else:
            found = registry.list(title=self.params.get("title"))
        schemas = []
        for schema in found:
            described = describe_schema(schema)
            if want_fields:
                full = schema if self.params.get("id") is not None else registry.get(schema["$id"], full=True)
                described["fields"] = flatten_fields(full or {})
            schemas.append(described)
        return {"changed": False, "schemas": schemas}
