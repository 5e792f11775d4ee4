# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP transport and API clients for the Adobe Experience Platform APIs.

PRIVATE to the aep.platform collection: this API may change at any time.

One ``requests.Session`` per module run. Everything that talks HTTP goes
through ``HttpTransport.send``, which owns timeouts, TLS verification, retries
with backoff and the mapping of Adobe's error bodies to ``AepApiError``.

Flow Service, Catalog, the Schema Registry and Data Prep are base paths on
that one transport (``Api``); each lists its objects in a shape of its own,
which its ``Paging`` reads, so that callers only ever see a stream of items.
``ApiClient`` adds Adobe's headers, JSON and the create that is never sent
twice; ``client.api(CATALOG)`` gives a client for another API with the same
transport, credentials and token.
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

from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError, clip
from ansible_collections.aep.platform.plugins.module_utils._version import COLLECTION_VERSION


# Statuses where the request did not take effect, or may not have, and the
# service asks (or is known) to be tried again later.
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))

# A Retry-After longer than this is not worth blocking a playbook for; past it
# we fail with the service's answer instead.
MAX_RETRY_AFTER = 120.0

# No Platform API reply is anywhere near this; a larger one is refused, not read into memory.
MAX_REPLY_BYTES = 32 * 1024 * 1024

# Next links are followed to the end, but a server that keeps answering with
# a next link must not keep a module running forever.
MAX_PAGES = 10000

USER_AGENT = "aep.platform/%s (Ansible collection)" % COLLECTION_VERSION

# The gateway's code for an access token that is not valid (expired, revoked, or of another environment).
TOKEN_REFUSED_CODE = "401013"


def parse_error_body(response):
    """Return ``(code, message, request_id)`` from any of Adobe's error shapes.

    Flow Service sends ``{type, title, status, report, errorMessage}`` (Catalog,
    the Schema Registry and Data Prep a ``type``/``title``/``detail`` variant), the
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
        message = "the reply is not a JSON error (%s)%s" % (kind, ": " + clip(text, 200) if text else "")
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
    for key in ("errorMessage", "message", "error_description", "detail", "title"):
        if isinstance(body.get(key), str) and body[key]:
            message = body[key]
            break
    if not message and isinstance(report.get("detailed-message"), str):
        message = report["detailed-message"]
    request_id = report.get("request-id") or request_id
    return code, clip(message) if message else None, request_id


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
# process, and they share a connection pool (so its open connections) per TLS setting instead of a new
# TCP and TLS handshake for each item. Only the pool: each transport still gets a session of its own,
# since items may belong to other orgs or sandboxes and must not see each other's cookies, headers or
# anything else a session keeps.
_SHARED_POOLS = None


def share_sessions():
    """Let the transports made from now on in this process share their connection pools."""
    global _SHARED_POOLS  # pylint: disable=global-statement
    if _SHARED_POOLS is None:
        _SHARED_POOLS = {}


def _new_or_shared_session(verify):
    """A new session; once ``share_sessions()`` was called, on the pool shared by this TLS setting.

    The pool (requests' ``HTTPAdapter``) is keyed by the TLS setting as well, so a connection
    verified against one CA bundle is never reused for a transport that asked for another.
    """
    session = requests.Session()
    if _SHARED_POOLS is None:
        return session
    adapter = _SHARED_POOLS.get(verify)
    if adapter is None:
        adapter = _SHARED_POOLS[verify] = requests.adapters.HTTPAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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
            raise AepError("%s: %s" % (where, clip(exc))) from None
        except OSError as exc:
            # requests reports an unreadable CA bundle as a bare OSError.
            raise AepError("%s: %s (is ca_path a readable PEM file?)" % (where, clip(exc.strerror or exc))) from None

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
    return clip(text, 160)


def decode_json(response, method, display_path):
    """The body as JSON, or an error naming the request when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise AepApiError(method, display_path, response.status_code,
                          message="the reply is not valid JSON (%s): %s" % (
                              response.headers.get("Content-Type", "no content type"),
                              clip(response.text, 200)),
                          request_id=response.headers.get("x-request-id")) from None


def _malformed(display_path, response, what):
    return AepApiError("GET", display_path, response.status_code, message=what,
                       request_id=response.headers.get("x-request-id"))


class Paging:
    """How one API lists its objects: the items of a page, and the request for the next page.

    ``first_params`` adds what the first request needs; ``page`` returns
    ``(items, following)``: ``following()`` gives the next request's
    ``(url, params)``, or ``following`` is None at the end. It is called only
    once the page's items are used, so that a bad next link fails after them.
    """

    def first_params(self, params):
        return dict(params or {})

    def page(self, client, url, params, data, display_path, response):
        raise NotImplementedError


class LinkPaging(Paging):
    """Flow Service: ``{items: [...], _links: {next: {href}}}``; the link carries the continuation token."""

    def __init__(self, key="items"):
        self.key = key

    def page(self, client, url, params, data, display_path, response):
        items = data.get(self.key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise _malformed(display_path, response, "the reply has no '%s' list" % self.key)
        if not all(isinstance(item, dict) for item in items):
            raise _malformed(display_path, response, "the reply's '%s' are not all objects" % self.key)
        links = data.get("_links")
        next_link = links.get("next") if isinstance(links, dict) else None
        href = next_link.get("href") if isinstance(next_link, dict) else None
        if not href:
            return items, None
        if not isinstance(href, str):
            raise _malformed(display_path, response, "the reply's next link is not a string")
        return items, lambda: (client.resolve_link(href), None)


class OffsetPaging(Paging):
    """``start``/``limit`` paging that stops at a short page: Catalog and Data Prep.

    Catalog answers an object keyed by id (the id is added to each item);
    Data Prep ``{data: [...], _page: {...}}``.
    """

    def __init__(self, limit, key=None):
        self.limit = limit
        self.key = key

    def first_params(self, params):
        params = dict(params or {})
        params.setdefault("start", 0)
        params.setdefault("limit", self.limit)
        return params

    def page(self, client, url, params, data, display_path, response):
        if self.key is None:
            if not isinstance(data, dict):
                raise _malformed(display_path, response, "the reply is not an object keyed by id")
            items = []
            for ident, item in data.items():
                if not isinstance(item, dict):
                    raise _malformed(display_path, response, "the reply's items are not all objects")
                items.append(dict(item, id=ident))
        else:
            items = data.get(self.key) if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise _malformed(display_path, response, "the reply has no '%s' list" % self.key)
        limit = int(params["limit"])
        if len(items) < limit:
            return items, None
        return items, lambda: (url, dict(params, start=int(params["start"]) + limit))


class StartTokenPaging(Paging):
    """Schema Registry: ``{results: [...], _page: {next: <start token or null>}}``."""

    def __init__(self, limit):
        self.limit = limit

    def first_params(self, params):
        params = dict(params or {})
        params.setdefault("limit", self.limit)
        return params

    def page(self, client, url, params, data, display_path, response):
        items = data.get("results") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise _malformed(display_path, response, "the reply has no 'results' list")
        page = data.get("_page")
        token = page.get("next") if isinstance(page, dict) else None
        if token in (None, ""):
            return items, None
        if not isinstance(token, (str, int)) or isinstance(token, bool):
            raise _malformed(display_path, response, "the reply's next page token is not a string")
        return items, lambda: (url, dict(params, start=token))


class Api:
    """One Platform API: its base path below the platform URL, and how it lists."""

    def __init__(self, name, base_path, paging, accept="application/json"):
        self.name = name
        self.base_path = base_path
        self.paging = paging
        self.accept = accept


FLOW_SERVICE = Api("Flow Service", "/data/foundation/flowservice", LinkPaging())
CATALOG = Api("Catalog", "/data/foundation/catalog", OffsetPaging(limit=100))
SCHEMA_REGISTRY = Api("Schema Registry", "/data/foundation/schemaregistry", StartTokenPaging(limit=300),
                      accept="application/vnd.adobe.xed-id+json")
DATA_PREP = Api("Data Prep", "/data/foundation/conversion", OffsetPaging(limit=100, key="data"))


class ApiClient:
    """Calls to one Platform API: base URL, Adobe headers, JSON, paging, safe creates."""

    def __init__(self, transport, platform_url, org_id, sandbox, api_key, token_provider, api=FLOW_SERVICE):
        self.transport = transport
        self.platform_url = platform_url
        self.org_id = org_id
        self.sandbox = sandbox
        self.api_key = api_key
        self.token_provider = token_provider
        self.spec = api
        self.origin = _origin(platform_url)
        self.base_url = platform_url.rstrip("/") + api.base_path
        self._static_headers = {
            "x-api-key": api_key,
            "x-gw-ims-org-id": org_id,
            "x-sandbox-name": sandbox,
            "Accept": api.accept,
        }

    def api(self, api):
        """A client for another API on the same transport, with the same credentials and token."""
        if api is self.spec:
            return self
        return ApiClient(self.transport, self.platform_url, self.org_id, self.sandbox, self.api_key,
                         self.token_provider, api=api)

    def _headers(self, extra=None):
        headers = dict(self._static_headers)
        headers["Authorization"] = "Bearer %s" % self.token_provider()
        if extra:
            headers.update(extra)
        return headers

    def _send(self, method, url, display_path, headers=None, idempotent=True, **kwargs):
        """``transport.send`` with Adobe's headers and the run's token.

        A token the gateway refuses as expired or revoked (401013) is replaced
        once, when the run has client credentials to ask IMS for another, and
        the request is sent again: the gateway refused it before the API saw
        it, so that is safe even for a POST. A second refusal is final.
        """
        try:
            return self.transport.send(method, url, display_path, idempotent=idempotent,
                                       headers=self._headers(headers), **kwargs)
        except AepApiError as exc:
            renew = getattr(self.token_provider, "renew", None)
            if not (exc.status == 401 and exc.code == TOKEN_REFUSED_CODE and renew is not None and renew()):
                raise
        return self.transport.send(method, url, display_path, idempotent=idempotent,
                                   headers=self._headers(headers), **kwargs)

    def request(self, method, path, params=None, body=None, headers=None, idempotent=True):
        """Send a request to ``path`` (below the API's base) and return the decoded JSON, or None."""
        url = self.base_url + path
        kwargs = {"params": params, "headers": headers}
        if body is not None:
            kwargs["json"] = body
        response = self._send(method, url, path, idempotent=idempotent, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return decode_json(response, method, path)

    def get(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers)

    def create(self, path, body, recover, kind="object", params=None):
        """POST that is never blindly sent twice.

        When a POST fails in a way that may or may not have reached the server
        (dropped connection, 5xx), ``recover()`` looks for what it would have
        created; if found, that is the result. Only when nothing is found is
        the POST sent again, after the usual backoff; after the last attempt, one
        more look-up. A POST the server did not
        answer in time may still be applied after any look-up, so it is never
        sent again: the look-up is repeated with backoff as often as a request
        would be retried, and then the task fails, saying so.
        """
        attempt = 0
        while True:
            try:
                return self.request("POST", path, params=params, body=body, idempotent=False)
            except AepError as exc:
                if exc.in_progress:
                    return self._await_created(exc, recover, kind)
                if not exc.retryable:
                    raise
                if attempt >= self.transport.retries:
                    # The last attempt may have been applied too: an object it made and nobody knows of would be
                    # left behind (a multi-step create undoes only what it knows).
                    found = self._recover_quietly(recover)
                    if found is not None:
                        return found
                    raise
                retry_after = exc.retry_after
                if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                    raise
                self.transport.policy.pause(attempt, retry_after)
                attempt += 1
                found = recover()
                if found is not None:
                    return found

    @staticmethod
    def _recover_quietly(recover):
        """``recover()``, or None when the look-up fails too: the caller then reports its own error."""
        try:
            return recover()
        except AepError:
            return None

    def _await_created(self, exc, recover, kind):
        for attempt in range(self.transport.retries + 1):
            if attempt:
                self.transport.policy.pause(attempt - 1)
            found = recover()
            if found is not None:
                return found
        raise AepError(
            "%s It was not sent again, so that a create still under way cannot be doubled, and it was not "
            "found by name after %d look-ups. Run the task again: it finds the %s if the create went "
            "through, and creates it otherwise." % (exc.msg, self.transport.retries + 1, kind), **exc.details)

    def paginate(self, path, params=None, headers=None):
        """Yield every item of a list call, page after page, in the API's own list shape."""
        paging = self.spec.paging
        url = self.base_url + path
        params = paging.first_params(params)
        seen = set()
        for _page in range(MAX_PAGES):
            response = self._send("GET", url, path, params=params, headers=headers)
            data = decode_json(response, "GET", path)
            items, following = paging.page(self, url, params, data, path, response)
            if not all(isinstance(item, dict) for item in items):
                raise _malformed(path, response, "the reply's items are not all objects")
            yield from items
            if following is None:
                return
            url, params = following()
            marker = (url, repr(sorted((params or {}).items())))
            if marker in seen:
                raise _malformed(path, response, "the service sent the same next link twice; stopping to avoid a loop")
            seen.add(marker)
        raise AepError("GET %s: more than %d pages; stopping." % (path, MAX_PAGES))

    def resolve_link(self, href):
        """Turn a next link into a URL on the same origin.

        Adobe's links are relative to the API's base path; an absolute link is
        followed only to the same origin, so the bearer token is never sent to
        a host the user did not name.
        """
        if href.startswith(("http://", "https://")):
            if _origin(href) != self.origin:
                raise AepError("The service's next link points to another host (%s); not following it." % _origin(href))
            return href
        if href.startswith(self.spec.base_path + "/"):
            return urljoin(self.origin + "/", href.lstrip("/"))
        return self.base_url + "/" + href.lstrip("/")
