# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Catalog datasets: what aep_dataset declares about them.

PRIVATE to the aep.platform collection: this API may change at any time.

Catalog differs from Flow Service in every convention the generic resource
leaves to a hook: replies are objects keyed by id, a create answers
``["@/dataSets/<id>"]``, a name filter reads ``*`` as a wildcard, an update
is a partial object, and a delete answers 200 with the ids it removed.
"""

from __future__ import annotations

import re

from ansible_collections.aep.platform.plugins.module_utils._client import CATALOG
from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._resource import Resource, as_dict
from ansible_collections.aep.platform.plugins.module_utils._runner import build_client
from ansible_collections.aep.platform.plugins.module_utils._schema import SchemaRegistry

DATASET_ID_RE = re.compile(r"[0-9a-fA-F]{24}")
SCHEMA_CONTENT_TYPE = "application/vnd.adobe.xed+json;version=1"


def catalog_ids(reply):
    """The ids in Catalog's ``["@/dataSets/<id>", ...]`` answer to a create, update or delete."""
    if not isinstance(reply, list):
        return []
    return [entry.rsplit("/", 1)[-1] for entry in reply if isinstance(entry, str) and "/" in entry]


def name_filter(name):
    """A ``property`` filter that finds ``name`` on the server, or None when none can.

    Catalog reads ``*`` as a wildcard (``**`` is a literal asterisk) and a
    comma as "any of": a name with a comma is looked up by the part before it
    followed by a wildcard, and compared exactly here in every case.
    """
    head, comma, _rest = name.partition(",")
    escaped = head.replace("*", "**")
    if not comma:
        return "name==%s" % escaped
    return "name==%s*" % escaped if escaped else None


class Dataset(Resource):
    path = "/dataSets"
    kind = "dataset"
    result_key = "dataset"
    fact_name = "aep_dataset"
    id_pattern = DATASET_ID_RE
    id_example = "a Catalog dataset id of 24 hexadecimal characters such as 5f3c3cedb2805c194ff0b69a"

    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        description=dict(type="str"),
        schema=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    required_one_of = [("name", "id")]

    def __init__(self, client, params, check_mode=False, diff=False):
        super().__init__(client, params, check_mode=check_mode, diff=diff)
        self._schema_id = None

    @classmethod
    def connect(cls, params):
        return build_client(params, api=CATALOG)

    @classmethod
    def validate_params(cls, params):
        super().validate_params(params)
        for option in ("name", "schema"):
            if params.get(option) == "":
                raise AepValidationError("%s must not be empty." % option)

    # Look-up ----------------------------------------------------------------

    def fetch_by_id(self, ident):
        try:
            data = self.client.get("%s/%s" % (self.path, ident))
        except AepApiError as exc:
            if exc.status == 404:
                return None
            raise
        item = as_dict(data).get(ident)
        if item is None and isinstance(data, dict) and len(data) == 1:
            item = next(iter(data.values()))
        return dict(item, id=ident) if isinstance(item, dict) else None

    def find_all(self, name=None):
        params = {}
        if name is not None:
            server_filter = name_filter(name)
            if server_filter:
                params["property"] = server_filter
        return [item for item in self.client.paginate(self.path, params=params)
                if name is None or item.get("name") == name]

    # Schema -----------------------------------------------------------------

    def wanted_schema_id(self):
        """The ``$id`` of the schema the user named, resolved once."""
        if self._schema_id is None:
            self._schema_id = SchemaRegistry(self.client).resolve(self.params["schema"])
        return self._schema_id

    def created_at(self, item):
        return item.get("created")

    @staticmethod
    def schema_id_of(item):
        return as_dict(item.get("schemaRef")).get("id")

    def _check_schema(self, current):
        """Fail when the user named another schema than the dataset's: a dataset's schema cannot change."""
        wanted = self.params.get("schema")
        if wanted is None:
            return
        current_id = self.schema_id_of(current)
        if wanted == current_id:
            return
        # Another $id differs as it stands; a title or a meta:altId has to be resolved to tell.
        if wanted.startswith(("https://", "http://")) or self.wanted_schema_id() != current_id:
            raise AepValidationError(
                "%s uses schema %s, not %s; a dataset's schema cannot change. Keep its schema, or create a dataset "
                "with another name (deleting a dataset deletes its data)." % (
                    self._label(current), current_id, wanted))

    # Create, update, delete ---------------------------------------------------

    def create_body(self):
        if not self.params.get("name"):
            raise AepValidationError("name is required to create a dataset.")
        if not self.params.get("schema"):
            raise AepValidationError("schema is required to create a dataset: give the title or the $id of its "
                                     "XDM schema.")
        body = {
            "name": self.params["name"],
            "schemaRef": {"id": self.wanted_schema_id(), "contentType": SCHEMA_CONTENT_TYPE},
        }
        if self.params.get("description") is not None:
            body["description"] = self.params["description"]
        return body

    def send_create(self, body):
        reply = self.client.create(self.path, body, recover=lambda: self.find_by_name(body["name"]), kind=self.kind,
                                   params={"requestDataSource": "true"})
        if isinstance(reply, dict) and reply.get("id"):
            return reply  # found by name after a lost reply
        ids = catalog_ids(reply)
        if len(ids) != 1:
            raise AepError("POST %s succeeded but the reply names no dataset id; the dataset may exist now: run the "
                           "task again to find it by name." % self.path)
        created = self.fetch_by_id(ids[0])
        return created if created is not None else dict(body, id=ids[0])

    def changes(self, current):
        self._check_schema(current)
        changes = {}
        name = self.params.get("name")
        if self.params.get("id") and name is not None and name != current.get("name"):
            changes["name"] = name
        description = self.params.get("description")
        if description is not None and description != (current.get("description") or ""):
            changes["description"] = description
        return changes

    def predict(self, current, changes):
        return dict(current, **changes)

    def send_update(self, current, changes):
        ident = current["id"]
        try:
            self.client.request("PATCH", "%s/%s" % (self.path, ident), body=changes)
        except AepError as exc:
            if isinstance(exc, AepApiError) and exc.status < 500:
                outcome = "The dataset was not changed."
            else:
                outcome = "The change may or may not have been applied; run the task again to converge."
            raise AepError("Updating %s failed: %s %s" % (self._label(current), exc.msg, outcome),
                           **exc.details) from None
        updated = self.fetch_by_id(ident)
        if updated is None:
            raise AepError("%s was deleted by someone else right after it was updated." % self._label(current))
        return updated

    def send_delete(self, current):
        try:
            self.client.request("DELETE", "%s/%s" % (self.path, current["id"]))
        except AepApiError as exc:
            # 404, or (below) an empty list: nothing is left to delete, e.g. after a retried DELETE.
            if exc.status != 404:
                raise AepError("Deleting %s failed: %s" % (self._label(current), exc.msg), **exc.details) from None

    # Result -----------------------------------------------------------------

    def view(self, item):
        return {
            "name": item.get("name"),
            "description": item.get("description", ""),
            "schema_id": self.schema_id_of(item),
        }

    def facts(self, item, gone):
        return {
            "id": None if gone else item.get("id"),
            "name": item.get("name", self.params.get("name")),
            "schema_id": self.schema_id_of(item),
        }

    def _result(self, changed, item, diff=None, gone=False):
        result = super()._result(changed, item, diff=diff, gone=gone)
        result.pop("etag")
        result["schema_id"] = self.schema_id_of(item or {})
        return result
