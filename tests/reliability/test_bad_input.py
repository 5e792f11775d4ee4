"""Bad input, property-based: the module's real entry point never ends in a Python traceback.

Hypothesis starts from a valid set of arguments and replaces, adds or removes up to five of them with
wrong types, empty and huge strings, unicode, malformed UUIDs and URLs, unknown choices, contradictory
options or missing credentials. Each example runs ``aep_s3_connection.main()`` in-process, as Ansible
runs a module, against a real emulator over HTTP (so the examples that are valid really create, update
or delete). Every example must end in ``exit_json`` or in ``fail_json`` with a message; none may raise,
print a traceback or return an ``exception``.

Inputs that once ended in a traceback (malformed bracketed URLs, huge or boolean timeouts, name or id
set to null, a missing CA file) are drawn like any other.
"""

from __future__ import annotations

import collections
import re
import time

import pytest
from aep_emulator import DEFAULT_ACCESS_TOKEN, DEFAULT_CLIENT_SECRET, Emulator
from ansible_collections.aep.platform.plugins.modules import aep_s3_connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_results import table
from reliability_support import ORG_ID, run_main

MAX_EXAMPLES = 1000

MISSING = object()  # an option left out altogether

HUGE = 200_000
UNICODE = ("é", "日本語の名前", "\u202eevil", "a\x00b", "line\nbreak", "  padded  ", "😀 emoji", "\ufeffbom",
           "Ω" * 300, "\t")


def _no_scheme(text):
    # Random text must never become a URL to somewhere else than this machine.
    return "://" not in text


TEXT = st.one_of(
    st.text(max_size=40).filter(_no_scheme),
    st.just(""),
    st.sampled_from(UNICODE),
    st.integers(min_value=1000, max_value=HUGE).map(lambda size: "h" * size),
)
WRONG_TYPES = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=9), max_size=3),
    st.dictionaries(st.text(max_size=4).filter(_no_scheme), st.integers(min_value=0, max_value=9), max_size=2),
    st.none(),
)
ANY = st.one_of(TEXT, WRONG_TYPES, st.just(MISSING))
UUIDS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.sampled_from(["not-a-uuid", "1234", "9e1c8b9a2f1d4c2a9f5e0c1d2e3f4a5b", "{9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b}",
                     "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5", "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b\n",
                     "../connections", "9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b?x=1", ""]),
)


def _urls(emulator_url):
    port = emulator_url.rsplit(":", 1)[1]
    return st.one_of(
        st.just(emulator_url),
        st.sampled_from([
            "http://platform.adobe.io", "http://10.0.0.5:%s" % port, "http://localhost.example.com",
            "ftp://127.0.0.1:%s" % port, "", "http://", "https://", "127.0.0.1:%s" % port,
            "%s/?q=1" % emulator_url, "%s/#frag" % emulator_url, "http://127.0.0.1:1",
            "https://127.0.0.1:%s" % port, "http://[::1]:1", "http://127.0.0.1:99999", "http://127.0.0.1:port",
            "http://localhost:%s" % port, "http://user:pass@127.0.0.1:%s" % port, "HTTP://127.0.0.1:%s" % port,
            "http://127.0.0.1:%s/base/" % port, "http://0.0.0.0:%s" % port,
        ]),
        st.sampled_from(["http://[::1", "http://[zz]/", "https://[::1]x"]),
        TEXT,
        WRONG_TYPES,
    )


def mutations(emulator_url):
    """Per option: what hypothesis may put there instead of a valid value (MISSING removes it)."""
    urls = _urls(emulator_url)
    return {
        "name": st.one_of(TEXT, WRONG_TYPES, st.just(MISSING),
                          st.sampled_from(["a,b", "n/a", "x" * 300])),
        "id": st.one_of(UUIDS, WRONG_TYPES),
        "description": st.one_of(TEXT, WRONG_TYPES, st.just(MISSING)),
        "state": st.one_of(st.sampled_from(["present", "absent", "Present", "", "deleted"]), WRONG_TYPES),
        "auth_type": st.one_of(st.sampled_from(["access_key", "iam_role", "oauth", "", "ACCESS_KEY", "basic"]),
                               WRONG_TYPES),
        "s3_access_key": ANY, "s3_secret_key": ANY, "s3_session_token": ANY,
        "service_url": st.one_of(st.sampled_from(["https://s3.eu-west-1.amazonaws.com", "http://s3.amazonaws.com",
                                                  "s3.amazonaws.com", "", "https://", "https://s3/path?q"]),
                                 st.just("https://[::1"), TEXT, WRONG_TYPES),
        "bucket_name": st.one_of(st.sampled_from(["acme-bucket", "Not_A_Bucket", "ab", "a" * 64, "192.168.1.1",
                                                  "a..b", "-bucket", "bucket-"]), TEXT, WRONG_TYPES),
        "folder_path": ANY,
        "update_credentials": st.one_of(st.sampled_from(["on_create", "always", "never", ""]), WRONG_TYPES),
        "access_token": st.one_of(st.just(DEFAULT_ACCESS_TOKEN), TEXT, WRONG_TYPES, st.just(MISSING)),
        "client_id": st.one_of(st.just("demo-client-id"), TEXT, WRONG_TYPES, st.just(MISSING)),
        "client_secret": st.one_of(st.just(DEFAULT_CLIENT_SECRET), TEXT, WRONG_TYPES, st.just(MISSING)),
        "api_key": st.one_of(st.just("demo-client-id"), TEXT, WRONG_TYPES, st.just(MISSING)),
        "org_id": st.one_of(st.sampled_from(["", "org", "@AdobeOrg", "日本@AdobeOrg", "X@AdobeOrg\n", "X@adobeorg"]),
                            TEXT, WRONG_TYPES, st.just(MISSING)),
        "sandbox": st.one_of(st.sampled_from(["prod", "dev-1", "Prod", "pr od", "prod\n", "sandbox_1", "ünï", ""]),
                             TEXT, WRONG_TYPES),
        "scopes": st.one_of(st.sampled_from([[], ["openid"], "openid,AdobeID", [1, 2], ""]), WRONG_TYPES),
        "platform_url": urls,
        "ims_url": urls,
        "validate_certs": st.one_of(st.sampled_from([True, False, "yes", "no", "maybe", 2]), WRONG_TYPES),
        "ca_path": st.sampled_from([__file__, "/", "~", "$HOME", "/nonexistent/ca.pem"]),
        "timeout": st.one_of(st.integers(min_value=-3, max_value=10**13), st.sampled_from(["5", "abc", 1.5, "1e3"]),
                             WRONG_TYPES),
        "retries": st.one_of(st.integers(min_value=-3, max_value=3), st.sampled_from(["2", "x", 2.5, 21, 10**6]),
                             WRONG_TYPES),
        "unknown_option": st.one_of(TEXT, WRONG_TYPES),
    }


@st.composite
def module_args(draw, emulator_url, options):
    """A valid set of arguments with up to five options replaced, added or removed."""
    args = {
        "org_id": ORG_ID,
        "platform_url": emulator_url,
        "ims_url": emulator_url,
        "name": draw(st.sampled_from(["bad-input-%d" % index for index in range(6)])),
        "s3_access_key": "AKIABADINPUT",
        "s3_secret_key": "bad-input-secret",
        "retries": 1,
        "timeout": 5,
    }
    if draw(st.booleans()):
        args.update(access_token=DEFAULT_ACCESS_TOKEN, client_id="demo-client-id")
    else:
        args.update(client_id="demo-client-id", client_secret=DEFAULT_CLIENT_SECRET)
    changed = draw(st.lists(st.sampled_from(sorted(options)), max_size=5, unique=True))
    for option in changed:
        value = draw(options[option])
        if value is MISSING:
            args.pop(option, None)
        else:
            args[option] = value
    return args, tuple(changed)


_FIGURES = {"outcomes": collections.Counter(), "messages": collections.Counter(), "longest_message": 0,
            "longest_input": 0, "slowest": 0.0, "changed_options": collections.Counter(), "examples": 0}


def _message_kind(msg):
    """The start of a message, with values taken out: groups alike failures for the report."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\b\d+\b", "_", msg.split(":")[0] if ":" in msg[:60] else msg)
    return " ".join(text.split()[:7])


@pytest.fixture(scope="module")
def bad_input_emulator():
    with Emulator(page_size=5) as emulator:
        yield emulator


def test_bad_input_never_ends_in_a_traceback(bad_input_emulator, no_backoff, loopback_only, results):
    options = mutations(bad_input_emulator.url)
    start = time.monotonic()

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(module_args(bad_input_emulator.url, options))
    def check(drawn):
        args, changed = drawn
        outcome = run_main(aep_s3_connection, args)
        assert outcome.traceback is None, "%r\n%s" % (args, outcome.traceback)
        result = outcome.result
        if outcome.rc == 0:
            assert not result.get("failed"), result
            kind = "succeeded (changed)" if result.get("changed") else "succeeded (unchanged)"
        else:
            assert outcome.rc == 1 and result.get("failed"), (outcome.rc, result)
            msg = result.get("msg")
            assert isinstance(msg, str) and msg.strip(), result
            kind = "fail_json"
            _FIGURES["messages"][_message_kind(msg)] += 1
            _FIGURES["longest_message"] = max(_FIGURES["longest_message"], len(msg))
        _FIGURES["outcomes"][kind] += 1
        _FIGURES["examples"] += 1
        _FIGURES["changed_options"].update(changed)
        _FIGURES["slowest"] = max(_FIGURES["slowest"], outcome.seconds)
        _FIGURES["longest_input"] = max([_FIGURES["longest_input"]] + [
            len(value) for value in args.values() if isinstance(value, str)])

    check()
    seconds = time.monotonic() - start
    outcomes = _FIGURES["outcomes"]
    rows = [
        ("examples run through `aep_s3_connection.main()`", _FIGURES["examples"]),
        ("succeeded", outcomes["succeeded (changed)"] + outcomes["succeeded (unchanged)"]),
        ("ended in `fail_json` with a message", outcomes["fail_json"]),
        ("Python tracebacks", 0),
        ("distinct kinds of failure message", len(_FIGURES["messages"])),
        ("longest string given / longest message returned (characters)",
         "%d / %d" % (_FIGURES["longest_input"], _FIGURES["longest_message"])),
        ("slowest example (s)", "%.2f" % _FIGURES["slowest"]),
        ("requests toward a host that is not loopback", len(loopback_only)),
        ("seconds", "%.1f" % seconds),
    ]
    common = "\n".join("| %s | %d |" % (kind.replace("|", "\\|"), count)
                       for kind, count in _FIGURES["messages"].most_common(12))
    results.section("bad_input", "## Bad input (hypothesis, real entry point)\n\n"
                    "`test_bad_input.py`: %d examples (derandomized, seedless database), each a valid set of "
                    "arguments with up to five options replaced by wrong types, empty, huge (up to %d characters) "
                    "or unicode strings, malformed UUIDs and URLs, unknown choices, contradictory options or "
                    "missing credentials; run in-process through `main()` against the emulator over HTTP.\n\n%s\n"
                    "Most frequent failure messages (values replaced by `_`):\n\n| message starts with | examples |\n"
                    "|---|---|\n%s\n" % (MAX_EXAMPLES, HUGE, table(("figure", "value"), rows), common))
    assert not loopback_only, loopback_only
    assert outcomes["fail_json"] and outcomes["succeeded (changed)"], outcomes
