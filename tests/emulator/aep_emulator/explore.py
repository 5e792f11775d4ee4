"""``GET /connections/{id}/explore``: browse and preview an S3 base connection's buckets.

Error codes (Flow Service shape):

- ``1358-400`` objectType missing or not root/folder/file (case-insensitive)
- ``1337-400`` ``object`` missing for folder/file, or ``fileType`` missing with ``preview=true``
- ``1336-400`` the connection's spec is not Amazon S3
- ``1331-400`` columnDelimiter is not exactly one character
- ``1397-400`` (emulator's own code) an invalid fileType, encoding or compressionType value
- ``1399-400`` (emulator's own code) the object is unknown, outside the connection's bucket,
  or of the wrong kind (a file given as a folder or the reverse)
- ``1398-400`` (emulator's own code) the file cannot be previewed: Parquet, a compression
  type other than gzip, or content not readable as the given fileType/encoding
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from .buckets import (
    COMPRESSION_TYPES,
    INFER_ROWS,
    PREVIEW_ROWS,
    SUPPORTED_ENCODINGS,
    BucketError,
    Buckets,
    column_entry,
    convert,
    infer_text_type,
    merge_properties,
    read_delimited,
    read_json_records,
)
from .errors import flow_error
from .specs import S3_SPEC_ID

FILE_TYPES = ("delimited", "json", "parquet")


def _param(params: Dict[str, List[str]], name: str) -> Optional[str]:
    """A query parameter by case-insensitive name (``fileType`` and ``FileType`` alike); last wins."""
    wanted = name.lower()
    value = None
    for key, values in params.items():
        if key.lower() == wanted and values:
            value = values[-1]
    return value


def _bad_param(message: str):
    return flow_error("1397-400", message, title="Invalid query parameter")


def _not_found(message: str):
    return flow_error("1399-400", message, title="Object not found")


def _unreadable(message: str):
    return flow_error("1398-400", message, title="File cannot be read")


def file_options(params: Dict[str, List[str]]) -> Dict[str, Any]:
    """Validated delimiter/encoding/compression options from an explore query."""
    delimiter = _param(params, "columnDelimiter")
    if delimiter is None or delimiter == "":
        delimiter = ","
    if delimiter == "\\t":
        delimiter = "\t"  # the tutorials write a tab as \t
    if len(delimiter) != 1:
        raise flow_error("1331-400", "Column Delimiter cannot be more than one character.",
                         title="Invalid column delimiter")
    encoding_raw = _param(params, "encoding") or "UTF-8"
    encoding = SUPPORTED_ENCODINGS.get(encoding_raw.strip().lower())
    if encoding is None:
        raise _bad_param("encoding must be UTF-8 or ISO-8859-1, not '%s'." % encoding_raw)
    compression_raw = _param(params, "compressionType")
    compression = None
    if compression_raw:
        compression = compression_raw.strip().lower()
        if compression not in COMPRESSION_TYPES:
            raise _bad_param("compressionType must be one of bzip2, gzip, deflate, zipDeflate, tarGzip, tar; "
                             "got '%s'." % compression_raw)
        if compression != "gzip":
            raise _unreadable("compressionType '%s' is not supported by the emulator (only gzip is)."
                              % compression_raw)
    return {"delimiter": delimiter, "encoding": encoding, "compression": compression}


def _guess_file_type(path: str) -> str:
    name = path.lower()
    for suffix in (".gz", ".gzip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    if name.endswith(".parquet"):
        return "parquet"
    return "delimited"


def explore(buckets: Buckets, connection: Dict[str, Any], params: Dict[str, List[str]]) -> Any:
    """The reply body for an explore call on ``connection`` (a masked base connection item)."""
    if connection["connectionSpec"]["id"] != S3_SPEC_ID:
        raise flow_error("1336-400", "Explore is not supported for connection spec '%s'."
                         % connection["connectionSpec"]["id"], title="Explore not supported")
    object_type = (_param(params, "objectType") or "").strip().lower()
    if object_type not in ("root", "folder", "file"):
        raise flow_error("1358-400", "The provided param 'objectType' is invalid: '%s' (root, folder or file)."
                         % (_param(params, "objectType") or ""), title="Invalid objectType")
    bucket_name = (connection.get("auth", {}).get("params") or {}).get("bucketName") or None
    if object_type == "root":
        names = buckets.bucket_names()
        if bucket_name is not None:
            names = [n for n in names if n == bucket_name]
        return [{"type": "folder", "name": n, "path": "/%s/" % n, "canPreview": False, "canFetchSchema": False}
                for n in names]

    obj = _param(params, "object")
    if obj is None or not obj.strip():
        raise flow_error("1337-400", "The object cannot be empty for objectType=%s." % object_type,
                         title="Missing query parameter")
    if object_type == "folder" and not [p for p in obj.split("/") if p]:
        return explore(buckets, connection, dict(params, objectType=["root"]))
    try:
        bucket, parts, target = buckets.resolve(obj, bucket_name)
    except BucketError as exc:
        raise _not_found(exc.message) from None

    if object_type == "folder":
        if not os.path.isdir(target):
            raise _not_found("The object '%s' is a file, not a folder." % obj)
        return buckets.children(bucket, parts, target)

    if not os.path.isfile(target):
        raise _not_found("The object '%s' is a folder, not a file." % obj)
    preview = (_param(params, "preview") or "").strip().lower() == "true"
    file_type_raw = _param(params, "fileType")
    if file_type_raw is None or not file_type_raw.strip():
        if preview:
            raise flow_error("1337-400", "The fileType cannot be empty for objectType=file with preview=true.",
                             title="Missing query parameter")
        file_type = _guess_file_type(target)
    else:
        file_type = file_type_raw.strip().lower()
        if file_type not in FILE_TYPES:
            raise _bad_param("fileType must be delimited, json or parquet, not '%s'." % file_type_raw)
    options = file_options(params)
    if file_type == "parquet":
        raise _unreadable("Preview of parquet files is not supported by the emulator.")
    try:
        if file_type == "delimited":
            return _delimited(target, options, preview)
        return _json(target, options, preview)
    except BucketError as exc:
        raise _unreadable("The file '%s' cannot be read as %s: %s" % (obj, file_type, exc.message)) from None


def _delimited(path: str, options: Dict[str, Any], preview: bool) -> Any:
    header, rows = read_delimited(path, options["delimiter"], options["encoding"], options["compression"])
    sample = rows[:INFER_ROWS]
    kinds = [infer_text_type([row[i] if i < len(row) else None for row in sample]) for i in range(len(header))]
    columns = [column_entry(name, kind) for name, kind in zip(header, kinds)]
    if not preview:
        return [{"name": c["name"], "type": c["type"]} for c in columns]
    data = []
    for row in rows[:PREVIEW_ROWS]:
        data.append({name: convert(row[i] if i < len(row) else None, kind)
                     for i, (name, kind) in enumerate(zip(header, kinds))})
    return {"format": "flat", "schema": {"columns": columns}, "data": data}


def _json(path: str, options: Dict[str, Any], preview: bool) -> Any:
    records = read_json_records(path, options["compression"])
    properties = merge_properties(records[:INFER_ROWS])
    if not preview:
        return [{"name": name, "type": spec.get("type", "string")} for name, spec in properties.items()]
    return {"format": "hierarchical", "schema": {"type": "object", "properties": properties},
            "data": records[:PREVIEW_ROWS]}
