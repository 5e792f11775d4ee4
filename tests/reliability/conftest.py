"""Reliability and security tests: faults, bad input, hostile replies, secrets and TLS, measured.

Figures go to RESULTS.md through the ``results`` fixture, written when the session ends.
"""

from __future__ import annotations

import time
import types

import pytest
from reliability_results import Results
from reliability_support import integration

_RESULTS = Results()

collections_path = integration.collections_path  # the fixture: the collection built, then installed from its tarball


@pytest.fixture(scope="session")
def results():
    return _RESULTS


def pytest_sessionfinish(session, exitstatus):
    _RESULTS.write()


@pytest.fixture
def make_ansible(collections_path, tmp_path):
    """``make_ansible(force_module)``: an integration ``Ansible`` runner with a home of its own."""

    def make(force_module):
        home = tmp_path / ("ansible-home-%s" % ("module" if force_module else "in-process"))
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        runner = integration.Ansible(collections_path, home, force_module=force_module)
        return runner

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
