"""Shared fakes for the module_utils unit tests.

HTTP is faked at the requests boundary with ``responses``: a real
``requests.Session`` builds every request, and an unexpected request fails
with ``requests.ConnectionError`` (then the test fails on it).
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from ansible_collections.aep.platform.plugins.module_utils._client import ApiClient, HttpTransport

PLATFORM_URL = "https://platform.example.test"
BASE = PLATFORM_URL + "/data/foundation/flowservice"
ORG_ID = "0123456789ABCDEF01234567@AdobeOrg"
API_KEY = "client-abc"
TOKEN = "TOKEN-MARKER-BEARER"


class Api:
    """A ``responses`` mock with shortcuts for the Flow Service base URL."""

    base = BASE
    platform_url = PLATFORM_URL
    org_id = ORG_ID
    api_key = API_KEY
    token = TOKEN

    def __init__(self, mock):
        self.mock = mock

    def add(self, method, path, status=200, json=None, body=None, headers=None, **kwargs):
        """Register one answer for ``BASE + path`` (a query in ``path`` must match exactly)."""
        url = path if path.startswith("http") else BASE + path
        if json is None and body is None and status != 204:
            json = {}
        self.mock.add(method, url, status=status, json=json, body=body, headers=headers, **kwargs)

    @property
    def calls(self):
        return [call.request for call in self.mock.calls]

    def methods(self):
        return [request.method for request in self.calls]

    def writes(self):
        return [request for request in self.calls if request.method != "GET"]

    def client(self, retries=3, token=TOKEN, rand=lambda: 0.5, **kwargs):
        transport = HttpTransport(retries=retries, rand=rand, **kwargs)
        return ApiClient(transport, PLATFORM_URL + "/", ORG_ID, "dev", API_KEY, lambda: token)

    @staticmethod
    def flow_error(code, message=None, status=400, request_id=None, title="Bad Request"):
        """A Flow Service error body such as ``FLOW-1404-412``."""
        body = {"type": "https://ns.adobe.com/aep/errors/FLOW-%s" % code, "title": title, "status": status,
                "report": {}}
        if message is not None:
            body["errorMessage"] = message
        if request_id is not None:
            body["report"]["request-id"] = request_id
        return body

    @staticmethod
    def query(request):
        """The request's query string as ``{name: [values]}``."""
        return parse_qs(urlsplit(request.url).query)

    @staticmethod
    def json_body(request):
        return json.loads(request.body)


@pytest.fixture
def api(no_sleep):
    """Faked HTTP (every registered answer must be used) and recorded backoff delays."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        fake = Api(mock)
        fake.delays = no_sleep
        yield fake
