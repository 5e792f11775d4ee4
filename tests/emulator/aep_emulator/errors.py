"""Error types and response bodies, in the shapes the real platform uses.

Adobe's API gateway rejects a request (bad token, bad API key, missing org)
before any service sees it, and answers with a small
``{"error_code", "message"}`` body.  Everything a service itself rejects
comes back in that service's richer shape: Flow Service has its own
(``errorMessage``, ``errorDetails``), the Schema Registry documents
``{type, title, status, report{registryRequestId, timestamp, detailed-message,
sub-errors}, detail}``, and Catalog and Data Prep (which document no body)
answer in the generic platform shape ``{type, title, status, report
{detailed-message, request-id}, detail}``.  Clients often branch on the
shape, so the emulator keeps them apart.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any, Dict, Optional

ERROR_TYPE_PREFIX = "https://ns.adobe.com/aep/errors/FLOW-"


class ApiError(Exception):
    """Raised anywhere in request handling; turned into an HTTP reply by the server."""

    def __init__(self, status: int, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None):
        super().__init__(status, body)
        self.status = status
        # The body may still lack the request id; the server fills it in.
        self.body = body
        self.headers = dict(headers or {})


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def flow_error(code: str, message: str, detail: Optional[str] = None,
               title: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> ApiError:
    """Build a Flow Service style error. ``code`` looks like ``1404-412``; its suffix is the status."""
    status = int(code.rsplit("-", 1)[1])
    body = {
        "type": ERROR_TYPE_PREFIX + code,
        "title": title or _status_phrase(status),
        "status": status,
        "report": {
            "detailed-message": detail or message,
            "request-id": None,  # filled in by the server, must equal x-request-id
        },
        "errorMessage": message,
        "errorDetails": {},
    }
    return ApiError(status, body, headers)


PLATFORM_TYPE_PREFIX = "http://ns.adobe.com/aep/errors/"


def platform_error(prefix: str, code: str, message: str, title: Optional[str] = None,
                   headers: Optional[Dict[str, str]] = None) -> ApiError:
    """The generic platform error shape, used for Catalog (``CAT``) and Data Prep (``MAPPER``)."""
    status = int(code.rsplit("-", 1)[1])
    body = {
        "type": "%s%s-%s" % (PLATFORM_TYPE_PREFIX, prefix, code),
        "title": title or _status_phrase(status),
        "status": status,
        "report": {"detailed-message": message, "request-id": None},
        "detail": message,
    }
    return ApiError(status, body, headers)


def catalog_error(code: str, message: str, title: Optional[str] = None,
                  headers: Optional[Dict[str, str]] = None) -> ApiError:
    return platform_error("CAT", code, message, title, headers)


def dataprep_error(code: str, message: str, title: Optional[str] = None,
                   headers: Optional[Dict[str, str]] = None) -> ApiError:
    return platform_error("MAPPER", code, message, title, headers)


def xdm_error(code: str, message: str, title: Optional[str] = None,
              headers: Optional[Dict[str, str]] = None) -> ApiError:
    """The Schema Registry's documented error shape (``XDM-1012-404`` style codes)."""
    status = int(code.rsplit("-", 1)[1])
    body = {
        "type": "%sXDM-%s" % (PLATFORM_TYPE_PREFIX, code),
        "title": title or _status_phrase(status),
        "status": status,
        "report": {
            "registryRequestId": None,  # filled in by the server with the request id
            "timestamp": time.strftime("%m-%d-%Y %H:%M:%S", time.gmtime()),
            "detailed-message": message,
            "sub-errors": [],
        },
        "detail": message,
    }
    return ApiError(status, body, headers)


# One error factory per API: ``API_ERRORS[api](code, message, title=...)``.
API_ERRORS = {
    "flow": flow_error,
    "catalog": catalog_error,
    "schema": xdm_error,
    "dataprep": dataprep_error,
}


def gateway_error(status: int, error_code: str, message: str,
                  headers: Optional[Dict[str, str]] = None) -> ApiError:
    """Build an API-gateway style error (no Flow Service fields at all)."""
    return ApiError(status, {"error_code": error_code, "message": message}, headers)


def ims_error(status: int, error: str, description: str) -> ApiError:
    """Build an OAuth (IMS token endpoint) style error."""
    return ApiError(status, {"error": error, "error_description": description})


# Flow Service codes used for injected ``status`` faults.  Codes the docs
# name are used where they exist; the rest follow the same NNNN-status form.
_FAULT_FLOW_CODES = {
    400: ("1400-400", "Bad Request"),
    403: ("2118-403", "Forbidden"),
    404: ("1101-404", "Not Found"),
    412: ("1404-412", "Precondition Failed"),
    500: ("1100-500", "Internal Server Error"),
    503: ("1103-503", "Service Unavailable"),
    504: ("1104-504", "Gateway Timeout"),
}


def fault_error(status: int, ims: bool, retry_after: Optional[float] = None, api: str = "flow") -> ApiError:
    """The reply for an injected ``status`` fault, shaped like the real thing would be.

    ``api`` picks the service's error shape (``flow``, ``catalog``, ``schema``, ``dataprep``).
    """
    headers = {}
    if retry_after is not None:
        # Integral values are written without a fraction, as servers normally do.
        headers["Retry-After"] = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
    if ims:
        kind = "server_error" if status >= 500 else "invalid_request"
        err = ims_error(status, kind, "Injected fault: %s" % _status_phrase(status))
        err.headers.update(headers)
        return err
    if status == 429:
        return gateway_error(429, "429050", "Too many requests", headers)
    if status == 401:
        return gateway_error(401, "401013", "Oauth token is not valid", headers)
    code, title = _FAULT_FLOW_CODES.get(status, ("%s-%d" % ("1100" if status >= 500 else "1400", status),
                                                 _status_phrase(status)))
    factory = API_ERRORS.get(api, flow_error)
    return factory(code, "Injected fault: %s" % _status_phrase(status), title=title, headers=headers)
