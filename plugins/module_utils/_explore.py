# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an S3 base connection sees: folder listings and file previews, for aep_s3_explore_info.

PRIVATE to the aep.platform collection: this API may change at any time.

Flow Service explores through a base connection (``/connections/{id}/explore``):
``objectType=root`` lists the buckets, ``folder`` a folder, and ``file`` with
``preview=true`` a file's columns and first rows. Only GETs are sent.
"""

from __future__ import annotations

import posixpath
from collections import deque

from ansible_collections.aep.platform.plugins.module_utils._errors import AepError, AepValidationError, shown
from ansible_collections.aep.platform.plugins.module_utils._resource import (
    UUID_RE,
    FlowServiceResource,
    as_dict,
    with_article,
)
from ansible_collections.aep.platform.plugins.module_utils._runner import Runner, check_format
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection

FILE_TYPES_BY_EXTENSION = {
    ".csv": "delimited", ".tsv": "delimited", ".txt": "delimited", ".dsv": "delimited",
    ".json": "json", ".parquet": "parquet",
}
COMPRESSION_BY_EXTENSION = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".tgz": "tarGzip", ".tar": "tar",
                            ".zip": "zipDeflate"}
COMPRESSIONS = ["bzip2", "gzip", "deflate", "zipDeflate", "tarGzip", "tar"]
ENCODINGS = ["UTF-8", "ISO-8859-1"]


def file_type_of(path):
    """``(file_type, compression)`` read from a file's extensions; None for what they do not tell."""
    stem, extension = posixpath.splitext(path.lower())
    compression = COMPRESSION_BY_EXTENSION.get(extension)
    if compression:
        stem, extension = posixpath.splitext(stem)
    return FILE_TYPES_BY_EXTENSION.get(extension), compression


def describe_object(entry):
    return {
        "type": str(entry.get("type", "")).lower(),
        "name": entry.get("name"),
        "path": entry.get("path"),
        "can_preview": bool(entry.get("canPreview")),
        "can_fetch_schema": bool(entry.get("canFetchSchema")),
    }


def _columns(schema):
    """Columns of a preview's ``schema``: a ``columns`` list (flat files) or JSON-Schema ``properties``."""
    if isinstance(schema, list):
        columns = schema
    elif isinstance(schema, dict) and isinstance(schema.get("columns"), list):
        columns = schema["columns"]
    elif isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        columns = [dict(as_dict(definition), name=name) for name, definition in schema["properties"].items()]
    else:
        columns = []
    described = []
    for column in columns:
        if not isinstance(column, dict):
            continue
        xdm = as_dict(column.get("xdm"))
        described.append({
            "name": column.get("name"),
            "type": column.get("type"),
            "xdm_type": xdm.get("type") or column.get("meta:xdmType"),
        })
    return described


def describe_preview(reply):
    """``{format, columns, rows}`` from any documented shape of a preview reply."""
    if isinstance(reply, list):
        # The older shape: the columns alone.
        return {"format": None, "columns": _columns(reply), "rows": []}
    reply = as_dict(reply)
    rows = reply.get("data")
    return {
        "format": reply.get("format"),
        "columns": _columns(reply.get("schema")),
        "rows": [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else [],
    }


class S3Explore(Runner):
    """List a bucket's folders and files, or preview a file, through an S3 base connection."""

    argument_spec = dict(
        connection_id=dict(type="str"),
        connection_name=dict(type="str"),
        path=dict(type="str"),
        file=dict(type="str"),
        file_type=dict(type="str", choices=["delimited", "json", "parquet"]),
        column_delimiter=dict(type="str"),
        compression=dict(type="str", choices=COMPRESSIONS),
        encoding=dict(type="str", choices=ENCODINGS),
        recursive=dict(type="bool", default=False),
        max_objects=dict(type="int", default=1000),
    )
    required_one_of = [("connection_id", "connection_name")]
    mutually_exclusive = [("connection_id", "connection_name"), ("path", "file")]

    @classmethod
    def validate_params(cls, params):
        super().validate_params(params)
        check_format("connection_id", params.get("connection_id"), UUID_RE, FlowServiceResource.id_example)
        for option in ("path", "file"):
            if params.get(option) == "":
                raise AepValidationError("%s must not be empty." % option)
        max_objects = params.get("max_objects")
        if isinstance(max_objects, bool) or not isinstance(max_objects, int) or max_objects < 1:
            raise AepValidationError("max_objects must be a whole number of at least 1, got %s." % shown(max_objects))
        preview_options = [option for option in ("file_type", "column_delimiter", "compression", "encoding")
                           if params.get(option) is not None]
        if params.get("file") is None:
            if preview_options:
                raise AepValidationError("%s only apply to a preview: give file." % ", ".join(preview_options))
            return
        file_type = cls.file_type(params)
        if file_type is None:
            raise AepValidationError(
                "file_type is required for %s: its extension does not tell (.csv, .tsv, .txt and .dsv are delimited, "
                ".json is json, .parquet is parquet)." % shown(params["file"]))
        delimiter = params.get("column_delimiter")
        if delimiter is not None and len(delimiter) != 1:
            raise AepValidationError("column_delimiter must be one character, got %s." % shown(delimiter))
        if file_type != "delimited":
            for option in ("column_delimiter", "encoding"):
                if params.get(option) is not None:
                    raise AepValidationError("%s applies to delimited files only; file_type is %s."
                                             % (option, file_type))

    @staticmethod
    def file_type(params):
        return params.get("file_type") or file_type_of(params["file"])[0]

    def run(self):
        connection = self.connection()
        result = {"changed": False, "connection_id": connection["id"]}
        if self.params.get("file") is not None:
            result["preview"] = self.preview(connection["id"])
        else:
            result["objects"], result["truncated"] = self.list_objects(connection["id"])
        return result

    def connection(self):
        """The S3 base connection named by connection_id or connection_name."""
        s3 = S3Connection(self.client, dict(self.params, id=self.params.get("connection_id"),
                                            name=self.params.get("connection_name")))
        ident = self.params.get("connection_id")
        if ident is not None:
            item = s3.fetch_by_id(ident)
            if item is None:
                raise AepError("No base connection with id %s exists in sandbox '%s'." % (ident, self.params["sandbox"]))
            if not s3.belongs(item):
                raise AepError("Base connection %s is not %s; only S3 buckets can be explored with this module."
                               % (ident, with_article(s3.kind)))
            return item
        item = s3.find_by_name(self.params["connection_name"])
        if item is None:
            raise AepError("No S3 connection is named '%s' in sandbox '%s'."
                           % (self.params["connection_name"], self.params["sandbox"]))
        return item

    def _explore(self, ident, **params):
        return self.client.get("/connections/%s/explore" % ident, params=params)

    def _listing(self, ident, folder):
        reply = self._explore(ident, objectType="folder", object=folder) if folder else self._explore(
            ident, objectType="root")
        if isinstance(reply, dict) and isinstance(reply.get("items"), list):
            reply = reply["items"]
        if not isinstance(reply, list):
            raise AepError("GET /connections/%s/explore: the reply is not a list of folders and files." % ident)
        return [describe_object(entry) for entry in reply if isinstance(entry, dict)]

    def list_objects(self, ident):
        """The objects of ``path`` (the root without it), breadth first when recursive, at most max_objects."""
        limit = self.params["max_objects"]
        objects = []
        folders = deque([self.params.get("path")])
        while folders:
            for entry in self._listing(ident, folders.popleft()):
                if len(objects) == limit:
                    return objects, True
                objects.append(entry)
                if self.params["recursive"] and entry["type"] == "folder" and entry["path"]:
                    folders.append(entry["path"])
            if folders and len(objects) == limit:
                return objects, True
        return objects, False

    def preview(self, ident):
        path = self.params["file"]
        query = {"objectType": "file", "object": path, "fileType": self.file_type(self.params), "preview": "true"}
        compression = self.params.get("compression") or file_type_of(path)[1]
        for key, value in (("columnDelimiter", self.params.get("column_delimiter")),
                           ("compressionType", compression),
                           ("encoding", self.params.get("encoding"))):
            if value is not None:
                query[key] = value
        return describe_preview(self._explore(ident, **query))
