# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors every aep.platform module raises, and how they quote a user's value.

PRIVATE to the aep.platform collection: this API may change at any time.

Logic in module_utils raises these instead of calling ``fail_json``, so that a
module and a controller-side action plugin can run it alike; whichever hosts
the run turns ``fail_kwargs()`` into the failed result. This file imports
nothing of the collection's, so every other file can import it.
"""

from __future__ import annotations


def shown(value, limit=80):
    """``repr`` of a user's value for a message, clipped: a huge value must not flood the output."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"


def clip(text, limit=300):
    """``text`` on one line, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


class AepError(Exception):
    """An error that ends a module run with ``fail_json``.

    ``retryable`` marks errors after which the request may be tried again;
    ``retry_after`` is the server's wish (seconds) when it gave one;
    ``in_progress`` marks a request that reached the server and may still be
    applied. ``details`` become extra keys of the failed result.
    """

    def __init__(self, msg, retryable=False, retry_after=None, in_progress=False, **details):
        super().__init__(msg)
        self.msg = msg
        self.retryable = retryable
        self.retry_after = retry_after
        self.in_progress = in_progress
        self.details = details

    def fail_kwargs(self):
        """Keyword arguments for ``fail_json``."""
        result = dict(msg=self.msg)
        result.update(self.details)
        return result


class AepValidationError(AepError):
    """Bad input found before any request was sent."""


class AepApiError(AepError):
    """An HTTP error answer from an Adobe API, the Adobe I/O gateway or IMS."""

    def __init__(self, method, path, status, code=None, message=None, request_id=None,
                 retryable=False, retry_after=None):
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        parts = ["%s %s failed with HTTP %s" % (method, path, status)]
        if code:
            parts.append(code)
        text = ": ".join([" ".join(parts)] + ([message] if message else []))
        if request_id:
            text += " (request id %s)" % request_id
        super().__init__(
            text, retryable=retryable, retry_after=retry_after,
            status=status,
            error=dict(code=code, message=message, request_id=request_id, method=method, path=path),
        )

    @property
    def numeric_code(self):
        """The code without its service prefix (``FLOW-1404-412`` -> ``1404-412``), or the gateway code."""
        if self.code and "-" in self.code and not self.code.split("-", 1)[0].isdigit():
            return self.code.split("-", 1)[1]
        return self.code
