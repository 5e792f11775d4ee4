"""Secrets: every secret option holds a unique marker; no marker may show anywhere text is left.

Two parts. ``ansible-playbook -vvvv --diff`` with ``ANSIBLE_LOG_PATH`` runs success, check mode and
every failure path that can be provoked against the emulator, on both execution paths; the markers
(and every token the emulator's IMS issued) are looked for in stdout, stderr, the log, the registered
results, their diffs, the emulator's journal, and the requests as the emulator received them (URL and
query, and every header but Authorization, which is where a token belongs). Then the same failure
paths run in-process through ``run_runner``, where no Ansible masking can hide a leak: the markers are
looked for in each exception's text, repr, ``fail_json`` arguments and formatted traceback, and in each
result.
"""

from __future__ import annotations

import functools

import hashlib
import json
import threading
import time
import traceback

import pytest
import yaml
from aep_emulator import Emulator
from ansible_collections.aep.platform.plugins.module_utils._errors import AepError
from ansible_collections.aep.platform.plugins.module_utils._runner import run_runner
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection
from reliability_results import table
from reliability_support import ORG_ID, module_params, run_playbook

MARKERS = {
    "marker_s3_access_key": "AKIARELMARKER7QX2W9",
    "marker_s3_secret_key": "s3-secret-rel-marker-5c1e",
    "marker_s3_session_token": "session-token-rel-marker-77ad",
    "marker_client_secret": "client-secret-rel-marker-0b3f",
    "marker_access_token": "access-token-rel-marker-d41a",
}

# What each task of playbooks/secret_markers.yml must have ended with: proof that the path was taken.
EXPECTED = {
    "create": "changed", "rotate_check": "changed", "rotate": "changed", "unchanged": "ok", "delete": "changed",
    "bad_token": "401013", "bad_client_secret": "Adobe IMS refused the token request",
    "bad_api_key": "403003", "ims_down": "Adobe IMS could not be reached", "api_5xx": "HTTP 503",
    "api_429": "HTTP 429", "conflict_twice": "changed by someone else twice", "timed_out": "did not reply completely within the timeout of 1 s",
    "refused": "could not connect", "tls_platform": "TLS certificate verification",
    "tls_ims": "TLS certificate verification", "plain_http": "must use https://",
    "bad_bucket": "bucket_name must follow", "bad_org": "org_id must be an IMS organization id",
    "no_credentials": "No credentials", "contradictory": "auth_type iam_role does not take",
    "auth_type_change": "replaces its credentials", "unsupported": "Unsupported parameters",
    "unknown_id": "No S3 connection with id", "in_use": "is used by a dataflow",
}


class RequestRecorder:
    """Keeps every API and IMS request as the emulator received it, before its journal redacts anything."""

    def __init__(self, emulator):
        self.requests = []
        self.issued_tokens = []
        self.created_params = []  # sha256 of each auth param of each connection created
        self._lock = threading.Lock()
        journal_start = emulator.backend.journal.start
        issue = emulator.backend.tokens.issue
        create = emulator.backend.store.create

        def start(method, path, query, headers):
            with self._lock:
                self.requests.append({"method": method, "path": path, "query": query,
                                      "headers": {name.lower(): value for name, value in headers.items()}})
            return journal_start(method, path, query, headers)

        def issue_and_record(*args, **kwargs):
            token, lifetime = issue(*args, **kwargs)
            with self._lock:
                self.issued_tokens.append(token)
            return token, lifetime

        def create_and_record(*args, **kwargs):
            record = create(*args, **kwargs)
            with self._lock:
                self.created_params.append({hashlib.sha256(str(value).encode()).hexdigest()
                                            for value in record["auth"]["params"].values()})
            return record

        emulator.backend.journal.start = start
        emulator.backend.tokens.issue = issue_and_record
        emulator.backend.store.create = create_and_record

    def urls(self):
        return "\n".join("%s %s?%s" % (r["method"], r["path"], r["query"]) for r in self.requests)

    def headers_but_authorization(self):
        return json.dumps([{k: v for k, v in r["headers"].items() if k != "authorization"} for r in self.requests])


def _marker_emulators():
    plain = Emulator(client_secret=MARKERS["marker_client_secret"], access_tokens=(MARKERS["marker_access_token"],))
    tls = Emulator(tls=True, client_secret=MARKERS["marker_client_secret"],
                   access_tokens=(MARKERS["marker_access_token"],))
    return plain, tls


def _positive_controls(recorder):
    """The markers really were used (so that not finding them means something)."""
    authorizations = " ".join(r["headers"].get("authorization", "") for r in recorder.requests)
    assert MARKERS["marker_access_token"] in authorizations
    assert all(token in authorizations for token in recorder.issued_tokens)
    digests = {hashlib.sha256(MARKERS[name].encode()).hexdigest() for name in (
        "marker_s3_access_key", "marker_s3_secret_key", "marker_s3_session_token")}
    assert any(digests <= created for created in recorder.created_params), "the S3 markers were not sent"


def _leaks(places, markers):
    """``(checks made, [(marker name, place)...] found)``."""
    found = [(name, place) for place, text in places.items() for name, marker in markers.items() if marker in text]
    return len(places) * len(markers), found


_FIGURES = {}


def _write(results):
    rows = [row for key in sorted(_FIGURES) for row in _FIGURES[key]["rows"]]
    total = sum(figure["checks"] for figure in _FIGURES.values())
    leaks = sum(figure["leaks"] for figure in _FIGURES.values())
    results.section("secrets", "## Secrets\n\n"
                    "`test_secret_markers.py`: each secret option (`s3_access_key`, `s3_secret_key`, "
                    "`s3_session_token`, `client_secret`, `access_token`) holds a unique marker; the tokens the "
                    "emulator's IMS issued during the run are markers too. The playbook "
                    "`playbooks/secret_markers.yml` runs at `-vvvv --diff` with `ANSIBLE_LOG_PATH`: %d tasks of "
                    "the module (5 successes or check mode, %d failure paths), on both execution paths. The same "
                    "failure paths then run in-process, without Ansible's masking.\n\n%s\n"
                    "**%d checks (place x marker), %d leaks.**\n" % (
                        len(EXPECTED), sum(1 for v in EXPECTED.values() if v not in ("changed", "ok")),
                        table(("run", "place", "markers checked", "leaks"), rows), total, leaks))


@pytest.mark.parametrize("path", ["in-process", "module"])
def test_secret_markers_through_ansible_playbook(make_ansible, tmp_path, results, path):
    markers_file = tmp_path / "markers.yml"
    markers_file.write_text(yaml.safe_dump(MARKERS))
    log_path = tmp_path / "ansible.log"
    results_file = tmp_path / "registered.json"
    plain, tls = _marker_emulators()
    with plain, tls:
        recorder = RequestRecorder(plain)
        tls_recorder = RequestRecorder(tls)
        run = run_playbook(make_ansible(path == "module"), "secret_markers.yml", extra_vars={
            "aep_url": plain.url, "tls_url": tls.url, "aep_org_id": ORG_ID, "aep_client_id": plain.client_id,
            "markers_file": markers_file, "results_file": results_file,
        }, env={"ANSIBLE_LOG_PATH": str(log_path)}, args=["-vvvv", "--diff"])
        journal = plain.journal() + tls.journal()
    assert run.rc == 0, run
    registered = json.loads(results_file.read_text())

    for task, expected in EXPECTED.items():
        result = registered[task]
        if expected == "changed":
            assert result.get("changed") and not result.get("failed"), (task, result)
        elif expected == "ok":
            assert not result.get("changed") and not result.get("failed"), (task, result)
        else:
            assert result.get("failed") and expected in result.get("msg", ""), (task, expected, result)
    assert registered["rotate"]["diff"]["after"]["credentials"] == "(replaced, not shown)"
    assert tls_recorder.requests == [], "a request reached the TLS emulator although its certificate is not trusted"

    markers = dict(MARKERS)
    markers.update(("issued token %d" % index, token) for index, token in enumerate(recorder.issued_tokens, 1))
    assert recorder.issued_tokens, "no token was issued: the IMS paths were not taken"
    places = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "log file (ANSIBLE_LOG_PATH)": log_path.read_text(),
        "registered results": json.dumps(registered),
        "diffs": json.dumps({task: result.get("diff") for task, result in registered.items()}),
        "emulator journal": json.dumps(journal),
        "request URLs and queries": recorder.urls(),
        "request headers but Authorization": recorder.headers_but_authorization(),
    }
    assert "ESTABLISH LOCAL CONNECTION" in run.stdout, "the run was not verbose"
    _positive_controls(recorder)
    checks, found = _leaks(places, markers)
    _FIGURES["playbook %s" % path] = {
        "checks": checks, "leaks": len(found),
        "rows": [("ansible-playbook, %s" % path, place, len(markers), sum(1 for _unused, p in found if p == place))
                 for place in places],
    }
    _write(results)
    assert not found, found


def _in_process_paths(plain, tls):
    """(name, module arguments, setup before the run) of every failure path, and the successes around them."""
    base = {"org_id": ORG_ID, "platform_url": plain.url, "ims_url": plain.url, "client_id": plain.client_id,
            "retries": 1, "timeout": 5, "name": "markers",
            "s3_access_key": MARKERS["marker_s3_access_key"], "s3_secret_key": MARKERS["marker_s3_secret_key"],
            "s3_session_token": MARKERS["marker_s3_session_token"]}
    token = {"access_token": MARKERS["marker_access_token"]}
    secret = {"client_secret": MARKERS["marker_client_secret"]}

    def inject(**fault):
        return functools.partial(plain.inject, **fault)

    return [
        ("create", dict(base, **secret, bucket_name="marker-bucket"), None),
        ("rotate (diff)", dict(base, **token, update_credentials="always", description="second"), None),
        ("bad token", dict(base, access_token=MARKERS["marker_access_token"] + "-revoked"), None),
        ("bad client secret", dict(base, client_secret=MARKERS["marker_client_secret"] + "-wrong"), None),
        ("token with a line break", dict(base, access_token=MARKERS["marker_access_token"] + "\n"), None),
        ("token not latin-1", dict(base, access_token=MARKERS["marker_access_token"] + "\u2603"), None),
        ("IMS dropped", dict(base, **secret), inject(kind="drop", path="/ims/token/v3", count=2)),
        ("IMS 500", dict(base, **secret), inject(kind="status", status=500, path="/ims/token/v3", count=2)),
        ("API 503", dict(base, **token, update_credentials="always"),
         inject(kind="status", status=503, method="PATCH", count=2)),
        ("API 429", dict(base, **token), inject(kind="status", status=429, retry_after=0, method="GET", count=2)),
        ("412 twice", dict(base, **token, description="third"),
         inject(kind="concurrent_update", method="PATCH", count=2)),
        ("timeout", dict(base, **token, timeout=1), inject(kind="delay", seconds=1.5, method="GET", count=2)),
        ("refused", dict(base, **token, platform_url="http://127.0.0.1:1"), None),
        ("TLS platform", dict(base, **token, platform_url=tls.url), None),
        ("TLS IMS", dict(base, **secret, ims_url=tls.url), None),
        ("plain http", dict(base, **secret, platform_url="http://aep.example.com"), None),
        ("bad bucket", dict(base, **token, bucket_name="Not_A_Bucket"), None),
        ("no credentials", dict(base), None),
        ("contradictory", dict(base, **token, auth_type="iam_role", bucket_name="marker-bucket"), None),
        ("unknown id", dict(base, **token, id="00000000-0000-4000-8000-000000000000"), None),
        ("in use", dict(base, **secret, state="absent"), "in_use"),
        ("delete", dict(base, **token, state="absent"), "free"),
    ]


def test_secret_markers_in_exception_text(results, no_backoff, loopback_only):
    plain, tls = _marker_emulators()
    texts = {"exception str()": [], "exception repr()": [], "fail_json arguments": [],
             "formatted traceback": [], "results (diff included)": []}
    failures = 0
    start = time.monotonic()
    with plain, tls:
        recorder = RequestRecorder(plain)
        for name, args, setup in _in_process_paths(plain, tls):
            if setup == "in_use":
                plain.set_in_use(plain.store(ORG_ID, "prod")[0]["id"])
            elif setup == "free":
                plain.set_in_use(plain.store(ORG_ID, "prod")[0]["id"], False)
            elif setup is not None:
                setup()
            try:
                params = module_params(S3Connection, args)
                result = run_runner(S3Connection, params, diff=True)
            except AepError as exc:
                failures += 1
                texts["exception str()"].append(str(exc))
                texts["exception repr()"].append(repr(exc))
                texts["fail_json arguments"].append(json.dumps(exc.fail_kwargs()))
                texts["formatted traceback"].append("".join(traceback.format_exception(exc)))
            else:
                texts["results (diff included)"].append(json.dumps(result))
            finally:
                plain.clear_faults()
    _positive_controls(recorder)
    markers = dict(MARKERS)
    markers.update(("issued token %d" % index, token) for index, token in enumerate(recorder.issued_tokens, 1))
    places = {place: "\n".join(values) for place, values in texts.items()}
    checks, found = _leaks(places, markers)
    paths = _in_process_paths(plain, tls)
    _FIGURES["run_runner in-process"] = {
        "checks": checks, "leaks": len(found),
        "rows": [("run_runner in-process (%d paths, %d failures, %.1f s)" % (
            len(paths), failures, time.monotonic() - start), place, len(markers),
            sum(1 for _unused, p in found if p == place)) for place in places],
    }
    _write(results)
    assert failures == len(paths) - 3, texts["results (diff included)"]
    assert not found, found


ENV_MARKERS = {
    "AEP_CLIENT_SECRET (controller environment)": "client-secret-env-marker-6a90",
    "AEP_ACCESS_TOKEN (task environment:)": "access-token-task-env-marker-31fe",
}


@pytest.mark.parametrize("path", ["in-process", "module"])
def test_secret_markers_from_environment(make_ansible, tmp_path, results, path):
    """Secrets in AEP_* variables: the controller's environment (AWX's way), and a task's ``environment:``."""
    controller, task = ENV_MARKERS.values()
    log_path = tmp_path / "ansible.log"
    token_file = tmp_path / "token.yml"  # not -e: ansible-playbook -vvvv prints its command line's extra vars
    token_file.write_text(yaml.safe_dump({"task_env_token": task}))
    with Emulator(client_secret=controller, access_tokens=(task,)) as emulator:
        recorder = RequestRecorder(emulator)
        run = run_playbook(make_ansible(path == "module"), "secret_markers_env.yml", extra_vars={
            "aep_url": emulator.url, "aep_org_id": ORG_ID, "aep_client_id": emulator.client_id,
            "token_file": token_file,
        }, env={"ANSIBLE_LOG_PATH": str(log_path), "AEP_CLIENT_SECRET": controller}, args=["-vvvv", "--diff"])
    assert run.rc == 0, run
    authorizations = " ".join(r["headers"].get("authorization", "") for r in recorder.requests)
    assert recorder.issued_tokens and task in authorizations
    places = {"stdout": run.stdout, "stderr": run.stderr, "log file (ANSIBLE_LOG_PATH)": log_path.read_text(),
              "emulator journal": json.dumps(emulator.journal()), "request URLs and queries": recorder.urls(),
              "request headers but Authorization": recorder.headers_but_authorization()}
    markers = {"AEP_CLIENT_SECRET (controller environment)": controller}
    markers.update(("issued token %d" % index, token) for index, token in enumerate(recorder.issued_tokens, 1))
    checks, found = _leaks(places, markers)
    # A task's `environment:` is Ansible's to print: at -vvvv the module path shows the command that
    # starts the module, variables included. Measured and reported; the module cannot hide it.
    task_leaks = sorted({place for place, text in places.items() if task in text})
    _FIGURES["playbook %s, environment" % path] = {
        "checks": checks, "leaks": len(found),
        "rows": [("environment variables, %s" % path, place, len(markers), sum(1 for _unused, p in found if p == place))
                 for place in places] + [(
                     "task `environment:` AEP_ACCESS_TOKEN, %s (not counted: Ansible's own output)" % path,
                     ", ".join(places), 1, "shown in: %s" % ", ".join(task_leaks) if task_leaks else 0)],
    }
    _write(results)
    assert not found, found
    if path == "in-process":
        assert not task_leaks, task_leaks
