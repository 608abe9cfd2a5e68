"""Fixtures of the reliability suite: a loopback-only network guard and faulty crawls."""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from tests.reliability.harness import FaultyCrawl

REPO = Path(__file__).resolve().parents[2]
from tests.support.fault_server import ConnectionRecorder, FaultInjector


class ConnectionGuard:
    """Every outgoing TCP connection attempt of the test process, and a refusal of non-loopback ones.

    httpx (through httpcore) connects with ``socket.create_connection``; wrapping it shows that
    no request ever left 127.0.0.1, e.g. after a redirect to a private address.
    """

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []
        self._real = socket.create_connection

    def create_connection(self, address, *args, **kwargs):
        host, port = address[0], address[1]
        self.attempts.append((host, port))
        if not _is_loopback(host):
            raise ConnectionRefusedError(f"reliability tests may only connect to 127.0.0.1 (tried {host}:{port})")
        return self._real(address, *args, **kwargs)

    def outside(self) -> list[tuple[str, int]]:
        return [a for a in self.attempts if not _is_loopback(a[0])]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(autouse=True)
def connection_guard(monkeypatch) -> ConnectionGuard:
    guard = ConnectionGuard()
    monkeypatch.setattr(socket, "create_connection", guard.create_connection)
    yield guard
    assert guard.outside() == [], f"connection attempts off 127.0.0.1: {guard.outside()}"


@pytest.fixture
def offsite():
    """Another local origin that counts connections: off-origin redirects point here."""
    with ConnectionRecorder() as recorder:
        yield recorder


@pytest.fixture
def faulty_crawl(tmp_path, offsite):
    """``faulty_crawl(rules, random_faults=None, **crawl_options)`` -> a running FaultyCrawl."""
    crawls: list[FaultyCrawl] = []

    def start(rules=(), random_faults=None, **options) -> FaultyCrawl:
        injector = FaultInjector(rules, random_faults, offsite=offsite, hang_s=1.0)
        crawl = FaultyCrawl(tmp_path / f"crawl{len(crawls)}", injector, **options).__enter__()
        crawls.append(crawl)
        return crawl

    yield start
    for crawl in crawls:
        crawl.__exit__(None, None, None)


@pytest.fixture(scope="session")
def subprocess_env(tmp_path_factory) -> dict[str, str]:
    """Environment for healthcoop subprocesses: the repo importable, bytecode cached in a tmp dir.

    Without a bytecode cache every process compiles pandas and friends again (~3 s each).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    env["PYTHONPATH"] = str(REPO)
    return env
