"""S3 buckets emulated by a local folder: each sub-directory of the buckets
folder is a bucket, and files below it are its objects.

This module knows about paths and file contents only; the Flow Service
explore endpoint (``explore.py``) and flow runs use it.  Paths are the ones
Flow Service shows: ``/bucket/a/b/`` for a folder, ``/bucket/a/b/x.csv`` for a
file.  Names starting with ``.`` are hidden (no ``.gitkeep`` in listings).
"""

from __future__ import annotations

import csv
import fnmatch
import gzip
import io
import json
import os
import re
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

DEFAULT_BUCKETS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "buckets")

PREVIEW_ROWS = 10      # rows returned in a preview's ``data``
INFER_ROWS = 100       # rows looked at to infer column types
MAX_READ_BYTES = 64 * 1024 * 1024

SUPPORTED_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "iso-8859-1": "iso-8859-1"}
COMPRESSION_TYPES = ("bzip2", "gzip", "deflate", "zipdeflate", "targzip", "tar")

_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


class BucketError(ValueError):
    """A path or file problem; ``kind`` is ``path`` (no such object) or ``read`` (unreadable)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class Buckets:
    """The buckets folder; can be switched at run time (tests point it at tmp dirs)."""

    def __init__(self, directory: Optional[str] = None):
        self._lock = threading.Lock()
        self.initial_dir = os.path.abspath(directory or DEFAULT_BUCKETS_DIR)
        self._dir = self.initial_dir

    @property
    def directory(self) -> str:
        with self._lock:
            return self._dir

    def set_dir(self, directory: Any) -> str:
        if not isinstance(directory, str) or not directory:
            raise ValueError("dir must be a non-empty string")
        path = os.path.abspath(directory)
        if not os.path.isdir(path):
            raise ValueError("%s is not a directory" % path)
        with self._lock:
            self._dir = path
        return path

    def reset(self) -> None:
        with self._lock:
            self._dir = self.initial_dir

    # -- listing --------------------------------------------------------------

    def bucket_names(self) -> List[str]:
        base = self.directory
        try:
            names = os.listdir(base)
        except OSError:
            return []
        return sorted(n for n in names if not n.startswith(".") and os.path.isdir(os.path.join(base, n)))

    def resolve(self, object_path: str, allowed_bucket: Optional[str] = None) -> Tuple[str, List[str], str]:
        """Map ``/bucket/a/b`` to (bucket, [a, b], absolute path); raises BucketError(path)."""
        parts = [p for p in object_path.strip().split("/") if p]
        if not parts:
            raise BucketError("path", "The path '%s' does not name a bucket." % object_path)
        if any(p in (".", "..") or p.startswith(".") for p in parts):
            raise BucketError("path", "The path '%s' is not valid." % object_path)
        bucket = parts[0]
        if allowed_bucket is not None and bucket != allowed_bucket:
            raise BucketError("path", "The path '%s' is outside the bucket '%s' of this connection."
                              % (object_path, allowed_bucket))
        base = self.directory
        bucket_dir = os.path.join(base, bucket)
        if not os.path.isdir(bucket_dir):
            raise BucketError("path", "The bucket '%s' does not exist or is not accessible." % bucket)
        target = os.path.join(bucket_dir, *parts[1:])
        real_bucket = os.path.realpath(bucket_dir)
        real_target = os.path.realpath(target)
        if real_target != real_bucket and not real_target.startswith(real_bucket + os.sep):
            raise BucketError("path", "The path '%s' is not valid." % object_path)
        if not os.path.exists(target):
            raise BucketError("path", "The object '%s' was not found." % object_path)
        return bucket, parts[1:], target

    def children(self, bucket: str, parts: List[str], directory: str) -> List[Dict[str, Any]]:
        entries = []
        prefix = "/" + "/".join([bucket] + parts) + "/"
        for name in sorted(os.listdir(directory)):
            if name.startswith("."):
                continue
            full = os.path.join(directory, name)
            if os.path.isdir(full):
                entries.append({"type": "folder", "name": name, "path": prefix + name + "/",
                                "canPreview": False, "canFetchSchema": False})
            elif os.path.isfile(full):
                entries.append({"type": "file", "name": name, "path": prefix + name,
                                "canPreview": True, "canFetchSchema": True})
        return entries

    def match_files(self, source_path: str, recursive: bool,
                    allowed_bucket: Optional[str] = None) -> List[Tuple[str, str]]:
        """Files a source connection's ``params.path`` selects: [(explore path, absolute path)].

        The path may be a file, a folder (its files; with ``recursive`` also
        those of sub-folders) or a glob in the last segment(s) (``/b/in/*.csv``).
        An unknown path selects nothing.
        """
        text = source_path.strip()
        if any(ch in text for ch in "*?["):
            parts = [p for p in text.split("/") if p]
            fixed = []
            for part in parts:
                if any(ch in part for ch in "*?["):
                    break
                fixed.append(part)
            try:
                bucket, sub, directory = self.resolve("/" + "/".join(fixed), allowed_bucket)
            except BucketError:
                return []
            if not os.path.isdir(directory):
                return []
            pattern = "/" + "/".join(parts)
            found = []
            for explore_path, absolute in self._walk(bucket, sub, directory, recursive=True):
                if fnmatch.fnmatchcase(explore_path, pattern):
                    found.append((explore_path, absolute))
            return found
        try:
            bucket, sub, target = self.resolve(text, allowed_bucket)
        except BucketError:
            return []
        if os.path.isfile(target):
            return [("/" + "/".join([bucket] + sub), target)]
        return list(self._walk(bucket, sub, target, recursive))

    def _walk(self, bucket: str, parts: List[str], directory: str, recursive: bool) -> Iterator[Tuple[str, str]]:
        for name in sorted(os.listdir(directory)):
            if name.startswith("."):
                continue
            full = os.path.join(directory, name)
            if os.path.isfile(full):
                yield "/" + "/".join([bucket] + parts + [name]), full
            elif recursive and os.path.isdir(full):
                yield from self._walk(bucket, parts + [name], full, recursive)


# -- reading files ------------------------------------------------------------------


def _read_bytes(path: str, compression: Optional[str]) -> bytes:
    try:
        if compression == "gzip":
            with gzip.open(path, "rb") as fh:
                return fh.read(MAX_READ_BYTES)
        with open(path, "rb") as fh:
            return fh.read(MAX_READ_BYTES)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise BucketError("read", "The file could not be decompressed as %s: %s." % (compression, exc)) from None


def _decode(data: bytes, encoding: str) -> str:
    if b"\x00" in data:
        raise BucketError("read", "The file looks binary (it contains NUL bytes); it is not a text file. "
                                  "Is it compressed (compressionType) or Parquet?")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise BucketError("read", "The file is not valid %s text; try encoding=ISO-8859-1 or a "
                                  "compressionType." % encoding.upper()) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_delimited(path: str, delimiter: str = ",", encoding: str = "utf-8",
                   compression: Optional[str] = None) -> Tuple[List[str], List[List[str]]]:
    """(header, data rows) of a delimited file; raises BucketError(read)."""
    text = _decode(_read_bytes(path, compression), encoding)
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True) if row]
    except csv.Error as exc:
        raise BucketError("read", "The file is not readable as delimited text: %s." % exc) from None
    if not rows:
        raise BucketError("read", "The file is empty: no header row.")
    header = [h.strip() for h in rows[0]]
    if any(not h for h in header):
        raise BucketError("read", "The header row has an empty column name; is the columnDelimiter right?")
    return header, rows[1:]


def read_json_records(path: str, compression: Optional[str] = None) -> List[Dict[str, Any]]:
    """Records of a JSON file: an array of objects, one object, or JSON lines."""
    text = _decode(_read_bytes(path, compression), "utf-8").strip()
    if not text:
        raise BucketError("read", "The file is empty.")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                raise BucketError("read", "The file is not valid JSON or JSON lines (line %d)." % number) from None
            if not isinstance(value, dict):
                raise BucketError("read", "JSON line %d is not an object." % number)
            records.append(value)
        return records
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return data
    raise BucketError("read", "The JSON file must hold an object, an array of objects or JSON lines.")


# -- type inference ------------------------------------------------------------------


def infer_text_type(values: List[str]) -> str:
    """integer, double, boolean, date-time or string, from the non-empty values of a column."""
    present = [v.strip() for v in values if v is not None and v.strip() != ""]
    if not present:
        return "string"
    if all(_INT_RE.match(v) for v in present):
        return "integer"
    if all(_FLOAT_RE.match(v) for v in present):
        return "double"
    if all(v.lower() in ("true", "false") for v in present):
        return "boolean"
    if all(_DATE_RE.match(v) for v in present):
        return "date-time"
    return "string"


def convert(value: Optional[str], kind: str) -> Any:
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if kind == "integer":
        return int(text)
    if kind == "double":
        return float(text)
    if kind == "boolean":
        return text.lower() == "true"
    return value


def column_entry(name: str, kind: str) -> Dict[str, Any]:
    """One ``schema.columns`` entry of a flat preview."""
    if kind == "integer":
        return {"name": name, "type": "integer", "xdm": {"type": "integer"}}
    if kind == "double":
        return {"name": name, "type": "double", "xdm": {"type": "number"}}
    if kind == "boolean":
        return {"name": name, "type": "boolean", "xdm": {"type": "boolean"}}
    if kind == "date-time":
        return {"name": name, "type": "string", "meta:xdmType": "date-time",
                "xdm": {"type": "string", "format": "date-time"}}
    return {"name": name, "type": "string", "xdm": {"type": "string"}}


def json_type(value: Any) -> Dict[str, Any]:
    """A JSON-Schema fragment for one JSON value."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        if _DATE_RE.match(value.strip()):
            return {"type": "string", "format": "date-time"}
        return {"type": "string"}
    if isinstance(value, dict):
        return {"type": "object", "properties": merge_properties([value])}
    if isinstance(value, list):
        items = [json_type(v) for v in value if v is not None]
        if not items:
            return {"type": "array", "items": {"type": "string"}}
        merged = items[0]
        for item in items[1:]:
            merged = _merge_types(merged, item)
        return {"type": "array", "items": merged}
    return {"type": "string"}  # null


def _merge_types(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Any]:
    if a == b:
        return a
    if a.get("type") == "object" and b.get("type") == "object":
        props = dict(a.get("properties", {}))
        for key, value in b.get("properties", {}).items():
            props[key] = _merge_types(props[key], value) if key in props else value
        return {"type": "object", "properties": props}
    if {a.get("type"), b.get("type")} == {"integer", "number"}:
        return {"type": "number"}
    return {"type": "string"}


def merge_properties(records: List[Dict[str, Any]]) -> Dict[str, Any]:
    props: Dict[str, Any] = {}
    for record in records:
        for key, value in record.items():
            if value is None:
                props.setdefault(key, None)
                continue
            kind = json_type(value)
            props[key] = kind if props.get(key) is None else _merge_types(props[key], kind)
    return {k: (v if v is not None else {"type": "string"}) for k, v in props.items()}
