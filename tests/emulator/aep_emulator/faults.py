"""Queue of faults to inject into upcoming requests.

Each fault matches on method and path prefix and is consumed by the next
``count`` matching requests, in queue order.  At most one fault applies to a
request.

A fault's ``path`` is a prefix of the path after the API's base path
(``/connections``, ``/dataSets``, ``/tenant/schemas``, ``/mappingSets``...),
or a prefix of the full path when it starts with ``/data/foundation/``
(``/data/foundation/catalog/dataSets``), or ``/ims/token/v3``.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

KINDS = ("status", "drop", "drop_after", "concurrent_update", "delay")
# The objects a concurrent_update fault can change between a client's read and its write.
WRITER_PATHS = ("/connections/", "/flows/", "/sourceConnections/", "/targetConnections/")


FULL_PATH_PREFIX = "/data/foundation/"


class RequestPath(str):
    """The path after the API's base path, carrying the full request path as ``full``.

    A plain ``str`` subclass, so ``take(method, path)`` keeps its signature
    (subclasses in other test suites override it) while faults can still be
    matched against the full path.
    """

    full: str

    def __new__(cls, relative: str, full: str = None):
        obj = super().__new__(cls, relative)
        obj.full = full if full is not None else relative
        return obj


def path_matches(prefix: str, path: str) -> bool:
    """Does a fault's ``path`` prefix match this request path (relative, with ``.full``)?"""
    if path.startswith(prefix):
        return True
    full = getattr(path, "full", path)
    return prefix.startswith(FULL_PATH_PREFIX) and full.startswith(prefix)


class FaultError(ValueError):
    """A fault description that cannot be queued."""


def normalize(spec: Any) -> Dict[str, Any]:
    """Validate a fault description and fill in defaults."""
    if not isinstance(spec, dict):
        raise FaultError("a fault must be an object")
    unknown = set(spec) - {"kind", "method", "path", "status", "retry_after", "seconds", "count"}
    if unknown:
        raise FaultError("unknown fault fields: %s" % ", ".join(sorted(unknown)))
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError("kind must be one of %s" % ", ".join(KINDS))
    fault = {
        "kind": kind,
        "method": spec["method"].upper() if spec.get("method") else None,
        "path": spec.get("path"),
        "status": spec.get("status"),
        "retry_after": spec.get("retry_after"),
        "seconds": spec.get("seconds"),
        "count": spec.get("count", 1),
    }
    if fault["path"] is not None and not (isinstance(fault["path"], str) and fault["path"].startswith("/")):
        raise FaultError("path must start with '/'")
    if not isinstance(fault["count"], int) or isinstance(fault["count"], bool) or fault["count"] < 1:
        raise FaultError("count must be a positive integer")
    if kind == "status":
        status = fault["status"]
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultError("a status fault needs an integer status between 400 and 599")
    for key in ("retry_after", "seconds"):
        value = fault[key]
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
            raise FaultError("%s must be a non-negative number" % key)
    if kind == "delay" and fault["seconds"] is None:
        fault["seconds"] = 1.0
    return fault


class FaultQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: List[Dict[str, Any]] = []

    def add(self, specs: List[Any]) -> List[Dict[str, Any]]:
        faults = [normalize(s) for s in specs]  # all valid, or none queued
        with self._lock:
            self._queue.extend(faults)
            return [dict(f) for f in self._queue]

    def take(self, method: str, path: str) -> Optional[Dict[str, Any]]:
        """Consume one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._queue:
                if fault["method"] not in (None, method.upper()):
                    continue
                if fault["path"] is not None and not path_matches(fault["path"], path):
                    continue
                # A concurrent writer only makes sense for a write to one
                # connection; don't let a GET in between use it up.
                full = getattr(path, "full", None)
                if fault["kind"] == "concurrent_update" and not (
                        method.upper() in ("PATCH", "DELETE") and path.startswith(WRITER_PATHS)
                        and (full is None or full.startswith(tuple("/data/foundation/flowservice" + prefix
                                                                   for prefix in WRITER_PATHS)))):
                    continue
                fault["count"] -= 1
                if fault["count"] == 0:
                    self._queue.remove(fault)
                return dict(fault)
            return None

    def pending(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
