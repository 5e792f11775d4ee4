# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP transport for the Adobe Experience Platform APIs.

PRIVATE to the aep.platform collection: this API may change at any time.

One ``requests.Session`` per module run. Everything that talks HTTP goes
through ``HttpTransport.send``, which owns timeouts, TLS verification, retries
with backoff and the mapping of Adobe's error bodies to ``AepApiError``.
"""

from __future__ import annotations

import random
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

try:
    import requests
    from urllib3 import exceptions as urllib3_exceptions
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.aep.platform.plugins.module_utils._version import COLLECTION_VERSION

FLOW_SERVICE_PATH = "/data/foundation/flowservice"

# Statuses where the request did not take effect, or may not have, and the
# service asks (or is known) to be tried again later.
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))

# A Retry-After longer than this is not worth blocking a playbook for; past it
# we fail with the service's answer instead.
MAX_RETRY_AFTER = 120.0

# No Flow Service reply is anywhere near this; a larger one is refused, not read into memory.
MAX_REPLY_BYTES = 32 * 1024 * 1024

# Next links are followed to the end, but a server that keeps answering with
# a next link must not keep a module running forever.
MAX_PAGES = 10000

USER_AGENT = "aep.platform/%s (Ansible collection)" % COLLECTION_VERSION


class AepError(Exception):
    """An error that ends a module run with ``fail_json``.

    ``retryable`` marks errors after which the request may be tried again;
    ``retry_after`` is the server's wish (seconds) when it gave one.
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


class AepApiError(AepError):
    """An HTTP error answer from Flow Service, the Adobe I/O gateway or IMS."""

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
        """The Flow Service code without its ``FLOW-`` prefix (``1404-412``), or the gateway code."""
        if self.code and self.code.startswith("FLOW-"):
            return self.code[len("FLOW-"):]
        return self.code


def _clip(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


def parse_error_body(response):
    """Return ``(code, message, request_id)`` from any of Adobe's error shapes.

    Flow Service sends ``{type, title, status, report, errorMessage}``, the
    gateway ``{error_code, message}``, IMS ``{error, error_description}``, and a
    proxy in between may send HTML: each is reduced to the same three values.
    """
    request_id = response.headers.get("x-request-id")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text if response.content else ""
        kind = response.headers.get("Content-Type", "no content type")
        message = "the reply is not a JSON error (%s)%s" % (kind, ": " + _clip(text, 200) if text else "")
        return None, message, request_id

    code = None
    message = None
    error_type = body.get("type")
    if isinstance(error_type, str) and error_type:
        code = error_type.rstrip("/").rsplit("/", 1)[-1]
    elif body.get("error_code") is not None:
        code = str(body["error_code"])
    elif isinstance(body.get("error"), str):
        code = body["error"]
    elif body.get("code") is not None:
        code = str(body["code"])

    report = body.get("report") if isinstance(body.get("report"), dict) else {}
    for key in ("errorMessage", "message", "error_description", "title"):
        if isinstance(body.get(key), str) and body[key]:
            message = body[key]
            break
    if not message and isinstance(report.get("detailed-message"), str):
        message = report["detailed-message"]
    request_id = report.get("request-id") or request_id
    return code, _clip(message) if message else None, request_id


def _retry_after_seconds(response):
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class RetryPolicy:
    """Exponential backoff with jitter and a cap; honours Retry-After."""

    def __init__(self, retries, base_delay=0.5, max_delay=30.0, sleep=None, rand=random.random):
        self.retries = max(0, int(retries))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._rand = rand
        self.retries_made = 0

    def delay(self, attempt, retry_after=None):
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        ceiling = min(self.max_delay, self.base_delay * (2 ** attempt))
        # "Equal jitter": never less than half the step, so backoff still grows,
        # but concurrent clients spread out instead of retrying in lockstep.
        return ceiling / 2 + self._rand() * ceiling / 2

    def pause(self, attempt, retry_after=None):
        self.retries_made += 1
        (self._sleep or time.sleep)(self.delay(attempt, retry_after))


# None: every transport opens its own session (a module process makes one anyway). A dict once
# share_sessions() was called: the controller-side host runs every item of a task's loop in one worker
# process, and they share a session (so its open connection) per TLS setting instead of a new TCP and
# TLS handshake for each item.
_SHARED_SESSIONS = None


def share_sessions():
    """Let the transports made from now on in this process share their sessions."""
    global _SHARED_SESSIONS  # pylint: disable=global-statement
    if _SHARED_SESSIONS is None:
        _SHARED_SESSIONS = {}


def _new_or_shared_session(verify):
    if _SHARED_SESSIONS is None:
        return requests.Session()
    if verify not in _SHARED_SESSIONS:
        _SHARED_SESSIONS[verify] = requests.Session()
    return _SHARED_SESSIONS[verify]


class HttpTransport:
    """A requests session with the run's timeout, TLS settings and retry policy."""

    def __init__(self, timeout=30, validate_certs=True, ca_path=None, retries=5,
                 sleep=None, rand=random.random, session=None):
        self.timeout = timeout
        self.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self.policy = RetryPolicy(retries, sleep=sleep, rand=rand)
        self.session = session or _new_or_shared_session(self.verify)
        self.session.headers["User-Agent"] = USER_AGENT
        # Uncompressed replies can be read incrementally against a deadline and a size limit.
        self.session.headers["Accept-Encoding"] = "identity"

    @property
    def retries(self):
        return self.policy.retries

    def send(self, method, url, display_path, idempotent=True, **kwargs):
        """Send one request, retrying what is safe to retry, and return the response.

        ``display_path`` names the request in messages (never a URL with a
        query that could carry anything sensitive). A non-idempotent request
        is sent once: a retryable failure is raised with ``retryable=True``
        and the caller decides whether sending it again is safe.
        """
        attempt = 0
        while True:
            try:
                response = self._exchange(method, url, display_path, kwargs)
            except AepError as error:
                if error.retryable and idempotent and attempt < self.retries:
                    self.policy.pause(attempt)
                    attempt += 1
                    continue
                if attempt:
                    error.msg = error.msg.rstrip(".") + " (after %d attempts)." % (attempt + 1)
                raise

            if response.status_code < 300:
                return response
            if response.status_code < 400:
                # Redirects are not followed, so the token only goes where the user pointed it.
                location = response.headers.get("Location")
                raise AepApiError(method, display_path, response.status_code,
                                  message="unexpected redirect to %s; not followed" % (
                                      _origin(location) if location else "no location"),
                                  request_id=response.headers.get("x-request-id"))
            retryable = response.status_code in RETRY_STATUSES
            retry_after = _retry_after_seconds(response) if retryable else None
            if retryable and idempotent and attempt < self.retries and (
                    retry_after is None or retry_after <= MAX_RETRY_AFTER):
                self.policy.pause(attempt, retry_after)
                attempt += 1
                continue
            code, message, request_id = parse_error_body(response)
            raise AepApiError(method, display_path, response.status_code, code, message, request_id,
                              retryable=retryable, retry_after=retry_after)

    def _exchange(self, method, url, display_path, kwargs):
        """One request and its whole reply, within ``timeout`` seconds; failures as AepError.

        ``in_progress`` marks a request that reached the server and may still
        be applied: the server did not answer in time.
        """
        deadline = time.monotonic() + self.timeout
        where = "%s %s failed" % (method, display_path)
        try:
            response = self.session.request(method, url, timeout=self.timeout, verify=self.verify,
                                            allow_redirects=False, stream=True, **kwargs)
            try:
                response._content = self._read_body(response, deadline, where)
            finally:
                response.close()
            return response
        except requests.exceptions.SSLError as exc:
            raise AepError(
                "%s: TLS certificate verification of %s failed (%s). Set ca_path to the CA bundle that "
                "signed the server's certificate, or validate_certs to false for a test endpoint."
                % (where, _origin(url), _ssl_reason(exc))) from None
        except requests.exceptions.ConnectTimeout:
            raise AepError("%s: could not connect to %s within %s s." % (where, _origin(url), self.timeout),
                           retryable=True) from None
        except requests.exceptions.ReadTimeout:
            raise self._no_reply(where, url) from None
        except requests.exceptions.ConnectionError as exc:
            if exc.args and type(exc.args[0]).__name__ == "ReadTimeoutError":
                raise self._no_reply(where, url) from None
            raise AepError("%s: could not connect to %s, or the connection was dropped." % (where, _origin(url)),
                           retryable=True) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise AepError("%s: the reply from %s was cut short." % (where, _origin(url)), retryable=True) from None
        except (requests.exceptions.InvalidHeader, UnicodeError):
            # The exception's text can quote the header value, which may be a token.
            raise AepError(
                "%s: a header value is not valid; check org_id, sandbox, api_key, client_id and access_token "
                "for non-ASCII or control characters." % where) from None
        except requests.exceptions.RequestException as exc:
            raise AepError("%s: %s" % (where, _clip(exc))) from None
        except OSError as exc:
            # requests reports an unreadable CA bundle as a bare OSError.
            raise AepError("%s: %s (is ca_path a readable PEM file?)" % (where, _clip(exc.strerror or exc))) from None

    def _no_reply(self, where, url):
        return AepError("%s: %s did not reply completely within the timeout of %s s." % (
            where, _origin(url), self.timeout), retryable=True, in_progress=True)

    def _read_body(self, response, deadline, where):
        """The reply's body, refusing one larger than MAX_REPLY_BYTES or slower than the deadline.

        ``timeout`` alone bounds each socket read, so a server sending a byte
        now and then could hold the task forever; and a reply is never worth
        unbounded memory.
        """
        raw = response.raw
        read = (lambda: raw.read1(65536)) if hasattr(raw, "read1") else (lambda: raw.read(65536))
        chunks = []
        size = 0
        while True:
            try:
                chunk = read()
            except urllib3_exceptions.ReadTimeoutError:
                raise self._no_reply(where, response.url) from None
            except (urllib3_exceptions.HTTPError, OSError):
                raise AepError("%s: the reply from %s was cut short." % (where, _origin(response.url)),
                               retryable=True) from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise AepError("%s: the reply is larger than %d MiB; it was not read further." % (
                    where, MAX_REPLY_BYTES // (1024 * 1024)))
            if time.monotonic() > deadline:
                raise self._no_reply(where, response.url)
            chunks.append(chunk)


def _origin(url):
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc)


def _ssl_reason(exc):
    """The useful part of an SSL error ("certificate verify failed: ..."), without urllib3's wrapping."""
    text = str(exc)
    start = text.find("certificate verify failed")
    if start >= 0:
        text = text[start:].split(" (_ssl.c", maxsplit=1)[0]
    return _clip(text, 160)


def decode_json(response, method, display_path):
    """The body as JSON, or an error naming the request when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise AepApiError(method, display_path, response.status_code,
                          message="the reply is not valid JSON (%s): %s" % (
                              response.headers.get("Content-Type", "no content type"),
                              _clip(response.text, 200)),
                          request_id=response.headers.get("x-request-id")) from None


class FlowServiceClient:
    """Flow Service calls: base URL, Adobe headers, JSON, paging."""

    def __init__(self, transport, platform_url, org_id, sandbox, api_key, token_provider):
        self.transport = transport
        self.base_url = platform_url.rstrip("/") + FLOW_SERVICE_PATH
        self.origin = _origin(platform_url)
        self._static_headers = {
            "x-api-key": api_key,
            "x-gw-ims-org-id": org_id,
            "x-sandbox-name": sandbox,
            "Accept": "application/json",
        }
        self._token_provider = token_provider

    def _headers(self, extra=None):
        headers = dict(self._static_headers)
        headers["Authorization"] = "Bearer %s" % self._token_provider()
        if extra:
            headers.update(extra)
        return headers

    def request(self, method, path, params=None, body=None, headers=None, idempotent=True):
        """Send a request to ``path`` (below the Flow Service base) and return the decoded JSON, or None."""
        url = self.base_url + path
        kwargs = {"params": params, "headers": self._headers(headers)}
        if body is not None:
            kwargs["json"] = body
        response = self.transport.send(method, url, path, idempotent=idempotent, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return decode_json(response, method, path)

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def create(self, path, body, recover):
        """POST that is never blindly sent twice.

        When a POST fails in a way that may or may not have reached the server
        (dropped connection, 5xx), ``recover()`` looks for what it would have
        created; if found, that is the result. Only when nothing is found is
        the POST sent again, after the usual backoff. A POST the server did not
        answer in time may still be applied after any look-up, so it is never
        sent again: the look-up is repeated with backoff as often as a request
        would be retried, and then the task fails, saying so.
        """
        attempt = 0
        while True:
            try:
                return self.request("POST", path, body=body, idempotent=False)
            except AepError as exc:
                if exc.in_progress:
                    return self._await_created(exc, recover)
                if not exc.retryable or attempt >= self.transport.retries:
                    raise
                retry_after = exc.retry_after
                if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                    raise
                self.transport.policy.pause(attempt, retry_after)
                attempt += 1
                found = recover()
                if found is not None:
                    return found

    def _await_created(self, exc, recover):
        for attempt in range(self.transport.retries + 1):
            if attempt:
                self.transport.policy.pause(attempt - 1)
            found = recover()
            if found is not None:
                return found
        raise AepError(
            "%s It was not sent again, so that a create still under way cannot be doubled, and it was not "
            "found by name after %d look-ups. Run the task again: it finds the connection if the create went "
            "through, and creates it otherwise." % (exc.msg, self.transport.retries + 1), **exc.details)

    def paginate(self, path, params=None):
        """Yield every item of a list call, following ``_links.next`` to the end."""
        url = self.base_url + path
        display_path = path
        seen = set()
        for _page in range(MAX_PAGES):
            response = self.transport.send("GET", url, display_path, params=params, headers=self._headers())
            data = decode_json(response, "GET", display_path)
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise AepApiError("GET", display_path, response.status_code,
                                  message="the reply has no 'items' list",
                                  request_id=response.headers.get("x-request-id"))
            if not all(isinstance(item, dict) for item in items):
                raise AepApiError("GET", display_path, response.status_code,
                                  message="the reply's 'items' are not all objects",
                                  request_id=response.headers.get("x-request-id"))
            yield from items
            links = data.get("_links")
            next_link = links.get("next") if isinstance(links, dict) else None
            href = next_link.get("href") if isinstance(next_link, dict) else None
            if not href:
                return
            if not isinstance(href, str):
                raise AepApiError("GET", display_path, response.status_code,
                                  message="the reply's next link is not a string",
                                  request_id=response.headers.get("x-request-id"))
            if href in seen:
                raise AepApiError("GET", display_path, response.status_code,
                                  message="the service sent the same next link twice; stopping to avoid a loop")
            seen.add(href)
            url = self._resolve_next(href)
            params = None
        raise AepError("GET %s: more than %d pages; stopping." % (path, MAX_PAGES))

    def _resolve_next(self, href):
        """Turn a next link into a URL on the same origin.

        Adobe's links are relative to the Flow Service base path; an absolute
        link is followed only to the same origin, so the bearer token is never
        sent to a host the user did not name.
        """
        if href.startswith(("http://", "https://")):
            if _origin(href) != self.origin:
                raise AepError("The service's next link points to another host (%s); not following it." % _origin(href))
            return href
        if href.startswith(FLOW_SERVICE_PATH + "/"):
            return urljoin(self.origin + "/", href.lstrip("/"))
        return self.base_url + "/" + href.lstrip("/")
