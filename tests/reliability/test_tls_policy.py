"""TLS: certificates are verified by default, and a token never travels over plain HTTP off this machine.

The rule lives in ``_arguments._check_url`` (unit-tested in tests/unit). Here it is shown end to end:
a hypothesis property over generated URLs (plain ``http://`` accepted exactly when the host is a
loopback address, ``https://`` always), the same URLs through ``main()`` with every HTTP request
counted (a refused URL sends none), and a TLS emulator whose CA is not trusted by default.
"""

from __future__ import annotations

import time

import pytest
import requests
from aep_emulator import DEFAULT_ACCESS_TOKEN, Emulator
from ansible_collections.aep.platform.plugins.module_utils._arguments import aep_argument_spec, validate_common
from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._runner import build_client
from ansible_collections.aep.platform.plugins.modules import aep_s3_connection
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_results import table
from reliability_support import ORG_ID, run_main

LOOPBACK_HOSTS = st.one_of(
    st.just("localhost"), st.just("LOCALHOST"), st.just("[::1]"),
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(1, 254)).map(lambda t: "127.%d.%d.%d" % t),
)
OTHER_HOSTS = st.one_of(
    st.ip_addresses(v=4).filter(lambda ip: not ip.is_loopback).map(str),
    # IPv4-mapped addresses are left out: whether ::ffff:127.0.0.1 is loopback depends on the Python version.
    st.ip_addresses(v=6).filter(lambda ip: not ip.is_loopback and ip.ipv4_mapped is None).map(lambda ip: "[%s]" % ip),
    st.sampled_from(["platform.adobe.io", "ims-na1.adobelogin.com", "localhost.example.com", "127.0.0.1.nip.io",
                     "localhost.", "0.0.0.0", "10.0.0.5", "192.168.1.10", "[::]"]),
    st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}\Z"),
)
PORTS = st.one_of(st.just(""), st.integers(1, 65535).map(lambda port: ":%d" % port))
PATHS = st.sampled_from(["", "/", "/base", "/a/b/"])

_FIGURES = {"property": None, "through_main": None, "tls": None}


def _params(**overrides):
    params = {name: spec.get("default") for name, spec in aep_argument_spec().items()}
    params.update(org_id=ORG_ID, access_token="token", client_id="client")
    params.update(overrides)
    return params


def _write(results):
    rows = [row for key in ("defaults", "property", "through_main", "tls") for row in (_FIGURES.get(key) or [])]
    results.section("tls", "## TLS and plain HTTP\n\n"
                    "`test_tls_policy.py`: `validate_certs` defaults to true and the transport verifies "
                    "certificates; `platform_url` and `ims_url` with `http://` are refused unless the host is a "
                    "loopback address (rule in `plugins/module_utils/_arguments.py` `_check_url`, unit-tested in "
                    "`tests/unit/plugins/module_utils/test_arguments.py`).\n\n%s" % table(("check", "figure"), rows))


def test_certificates_are_verified_by_default(results):
    spec = aep_argument_spec()
    client = build_client(_params())
    rows = [
        ("`validate_certs` default", spec["validate_certs"]["default"]),
        ("`requests` verify setting built from the defaults", client.transport.verify),
        ("`validate_certs: true` with `ca_path`", build_client(_params(ca_path="/ca.pem")).transport.verify),
    ]
    _FIGURES["defaults"] = rows
    _write(results)
    assert spec["validate_certs"]["default"] is True
    assert client.transport.verify is True


def test_plain_http_only_to_loopback(results):
    counts = {"http loopback": 0, "http other": 0, "https loopback": 0, "https other": 0}

    @settings(max_examples=400, deadline=None, derandomize=True, database=None)
    @given(scheme=st.sampled_from(["http", "https", "HTTP"]), loopback=st.booleans(), data=st.data(),
           port=PORTS, path=PATHS, option=st.sampled_from(["platform_url", "ims_url"]))
    def check(scheme, loopback, data, port, path, option):
        host = data.draw(LOOPBACK_HOSTS if loopback else OTHER_HOSTS)
        url = "%s://%s%s%s" % (scheme, host, port, path)
        params = _params(**{option: url})
        if option == "ims_url":
            params.update(access_token=None, client_secret="secret")
        message = None
        try:
            validate_common(params)
        except AepValidationError as exc:
            message = exc.msg
        plain = scheme.lower() == "http"
        counts["%s %s" % ("http" if plain else "https", "loopback" if loopback else "other")] += 1
        assert (message is None) == (not plain or loopback), (url, message)
        if message is not None:
            assert option in message and "https://" in message, message

    check()
    _FIGURES["property"] = [
        ("generated URLs checked by `validate_common` (hypothesis, 400 examples)", sum(counts.values())),
        ("`http://` to a loopback host: accepted", counts["http loopback"]),
        ("`http://` to any other host: refused", counts["http other"]),
        ("`https://`: accepted (loopback / other)", "%d / %d" % (counts["https loopback"], counts["https other"])),
    ]
    _write(results)
    assert counts["http other"] and counts["http loopback"]


REFUSED = ["http://platform.adobe.io", "http://10.0.0.5:8080", "http://192.168.1.10", "http://[2001:db8::1]/",
           "http://localhost.example.com", "http://0.0.0.0:8080"]


def test_refused_urls_send_nothing(monkeypatch, loopback_only, results):
    sent = []
    real_request = requests.Session.request

    def counting_request(self, method, url, *args, **kwargs):
        sent.append((method, url))
        return real_request(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counting_request)
    refused = 0
    for url in REFUSED:
        for option, credentials in (("platform_url", {"access_token": "token-sent-in-clear?"}),
                                    ("ims_url", {"client_secret": "secret-sent-in-clear?"})):
            args = dict(org_id=ORG_ID, client_id="client", name="tls", s3_access_key="a" * 8,
                        s3_secret_key="b" * 8, **credentials)
            args[option] = url
            if option == "ims_url":
                args["platform_url"] = "http://127.0.0.1:1"
            outcome = run_main(aep_s3_connection, args)
            assert outcome.traceback is None and outcome.rc == 1, outcome.result
            assert "must use https://" in outcome.result["msg"], outcome.result["msg"]
            refused += 1
    _FIGURES["through_main"] = [
        ("plain-HTTP URLs to other hosts through `main()`, as platform_url and as ims_url: refused",
         "%d of %d" % (refused, 2 * len(REFUSED))),
        ("HTTP requests those runs sent", len(sent)),
        ("name look-ups of hosts that are not loopback", len(loopback_only)),
    ]
    _write(results)
    assert sent == [] and loopback_only == []


@pytest.fixture(scope="module")
def tls_emulator():
    with Emulator(tls=True) as emulator:
        yield emulator


def test_untrusted_certificate_is_refused(tls_emulator, no_backoff, results):
    base = dict(org_id=ORG_ID, client_id=tls_emulator.client_id, access_token=DEFAULT_ACCESS_TOKEN,
                platform_url=tls_emulator.url, name="tls-checked", s3_access_key="AKIATLS", s3_secret_key="tls-secret")
    tls_emulator.reset()
    start = time.monotonic()
    default = run_main(aep_s3_connection, base)
    journal_after_default = len(tls_emulator.journal())
    trusted = run_main(aep_s3_connection, dict(base, ca_path=tls_emulator.ca_path))
    opted_out = run_main(aep_s3_connection, dict(base, validate_certs=False, name="tls-unchecked"))
    _FIGURES["tls"] = [
        ("HTTPS emulator with a throwaway CA, default options",
         default.result.get("msg", "").replace(tls_emulator.url, "https://127.0.0.1:PORT")[:160]),
        ("requests the emulator answered in that run", journal_after_default),
        ("the same with `ca_path` set to the CA", "changed=%s" % trusted.result.get("changed")),
        ("the same with `validate_certs: false` (explicit opt-out)", "changed=%s" % opted_out.result.get("changed")),
        ("seconds", "%.2f" % (time.monotonic() - start)),
    ]
    _write(results)
    assert default.traceback is None and default.rc == 1
    assert "TLS certificate verification of %s failed" % tls_emulator.url in default.result["msg"]
    assert journal_after_default == 0
    assert trusted.rc == 0 and trusted.result["changed"]
    assert opted_out.rc == 0 and opted_out.result["changed"]
