"""Reliability and security tests: faults, races, bad input, hostile replies, secrets and TLS, measured.

Figures go through the ``results`` fixture to the run's own report, tests/output/reliability/RESULTS.md,
written when the session ends; ``--update-results`` then copies it over the committed
tests/reliability/RESULTS.md, if every test passed (see reliability_results.py).
"""

from __future__ import annotations

import time
import types

import pytest
from reliability_results import Results, update_committed
from reliability_support import integration

_RESULTS = Results()

collections_path = integration.collections_path  # the fixture: the collection built, then installed from its tarball


@pytest.fixture(scope="session")
def results():
    return _RESULTS


def pytest_addoption(parser):
    parser.addoption("--update-results", action="store_true", default=False,
                     help="once every test passed, copy the run's report over tests/reliability/RESULTS.md")


def pytest_sessionfinish(session, exitstatus):
    written = _RESULTS.write()
    if not session.config.getoption("update_results", default=False):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus != 0 or written is None:
        message = "--update-results: tests failed or none ran, so the committed RESULTS.md was not changed."
    else:
        try:
            message = "--update-results: wrote %s" % update_committed()
        except SystemExit as exc:
            message = "--update-results: %s" % exc
            session.exitstatus = 1
    if reporter is not None:
        reporter.write_line(message)


@pytest.fixture
def make_ansible(collections_path, tmp_path):
    """``make_ansible(force_module)``: an integration ``Ansible`` runner with a home of its own."""

    def make(force_module):
        home = tmp_path / ("ansible-home-%s" % ("module" if force_module else "in-process"))
        return integration.Ansible(collections_path, home, force_module=force_module)

    return make


@pytest.fixture
def no_backoff(monkeypatch):
    """The module's backoff pauses cost nothing; the delays asked for are recorded."""
    from ansible_collections.aep.platform.plugins.module_utils import _client

    delays = []
    # Only the transport's clock: servers running in the test keep real time.
    fake_time = types.SimpleNamespace(time=time.time, monotonic=time.monotonic, sleep=delays.append)
    monkeypatch.setattr(_client, "time", fake_time)
    return delays


@pytest.fixture
def loopback_only(monkeypatch):
    """Name resolution answers only for loopback hosts, so no test request can leave the machine.

    Returns the list of other hosts that something tried to reach (it should stay empty).
    """
    import ipaddress
    import socket

    real_getaddrinfo = socket.getaddrinfo
    refused = []

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            loopback = ipaddress.ip_address(name.strip("[]")).is_loopback
        except ValueError:
            loopback = name == "localhost"
        if not loopback:
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "tests may only reach loopback hosts: %s" % name)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return refused
