"""A record of the API and IMS requests the emulator received.

Tests assert on it (how many retries, which headers were sent), so it keeps
headers and the query string but never a request body: bodies carry S3
secrets and IMS client secrets.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, urlencode

REDACTED = "***redacted***"
_SECRET_HEADERS = {"cookie", "proxy-authorization", "x-client-secret"}
_SECRET_QUERY_KEYS = {"client_secret", "access_token", "code", "refresh_token"}


def redact_headers(headers: Any) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            value = "%s %s" % (scheme, REDACTED) if scheme else REDACTED
        elif key in _SECRET_HEADERS:
            value = REDACTED
        # Repeated headers are folded the way HTTP allows.
        out[key] = value if key not in out else out[key] + ", " + value
    return out


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k in _SECRET_QUERY_KEYS for k, _unused in pairs):
        return query  # keep the raw string byte for byte when nothing is secret
    return urlencode([(k, REDACTED if k in _SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*")


class Journal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: List[Dict[str, Any]] = []
        self._seq = 0

    def start(self, method: str, path: str, query: str, headers: Any) -> Dict[str, Any]:
        """Record a request as it arrives (status None until it completes)."""
        with self._lock:
            self._seq += 1
            entry = {
                "seq": self._seq,
                "time": time.time(),
                "method": method,
                "path": path,
                "query": redact_query(query),
                "headers": redact_headers(headers),
                "status": None,
                "fault": None,
            }
            self._entries.append(entry)
            return entry

    def finish(self, entry: Dict[str, Any], status: Any, fault: Optional[str]) -> None:
        with self._lock:
            entry["status"] = status
            entry["fault"] = fault

    def entries(self) -> List[Dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
