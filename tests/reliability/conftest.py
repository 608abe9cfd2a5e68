"""Fixtures of the reliability suite: a loopback-only network guard, faulty crawls, and what
subprocesses of healthcoop need (an environment with a bytecode cache, a migrated Prefect home)."""
from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.reliability.harness import FaultyCrawl
from tests.support.fault_server import ConnectionRecorder, FaultInjector

REPO = Path(__file__).resolve().parents[2]
PREFECT = REPO / ".venv" / "bin" / "prefect"
PREFECT_HOME_USERS = ("test_writers.py",)  # modules that start `healthcoop nightly` processes
MIGRATION_TIMEOUT_S = 300


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
    """``faulty_crawl(rules, **crawl_options)`` -> a running FaultyCrawl, stopped after the test."""
    crawls: list[FaultyCrawl] = []

    def start(rules=(), **options) -> FaultyCrawl:
        injector = FaultInjector(rules, offsite=offsite, hang_s=1.0)
        crawl = FaultyCrawl(tmp_path / f"crawl{len(crawls)}", injector, **options).__enter__()
        crawls.append(crawl)
        return crawl

    yield start
    for crawl in crawls:
        crawl.__exit__(None, None, None)


# --------------------------------------------------------------------------- subprocesses

class SubprocessSupport:
    """A scratch folder for the session's subprocesses: their environment and a Prefect home.

    Without a bytecode cache every healthcoop process compiles pandas and friends again (~3 s;
    this environment sets PYTHONDONTWRITEBYTECODE), so subprocesses get a cache of their own.
    Migrating a fresh Prefect database takes ~15 s of CPU; it is started in the background as
    soon as a test that needs it is collected, and runs on the second core meanwhile.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="healthcoop-reliability-"))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env = {**env, "PYTHONPYCACHEPREFIX": str(self.folder / "pycache"), "PYTHONPATH": str(REPO)}
        self.prefect_home = self.folder / "prefect-home"
        self._migration: subprocess.Popen | None = None

    def start_prefect_migration(self) -> None:
        self._migration = subprocess.Popen([str(PREFECT), "server", "database", "upgrade", "-y"],
                                           env={**self.env, "PREFECT_HOME": str(self.prefect_home)},
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def migrated_prefect_home(self) -> Path:
        """A PREFECT_HOME whose database is migrated (copy it: one home per process)."""
        if self._migration is None:
            self.start_prefect_migration()
        _, errors = self._migration.communicate(timeout=MIGRATION_TIMEOUT_S)
        assert self._migration.returncode == 0, f"prefect server database upgrade failed: {errors}"
        return self.prefect_home

    def close(self) -> None:
        if self._migration is not None and self._migration.poll() is None:
            self._migration.kill()
            self._migration.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_support = pytest.StashKey[SubprocessSupport]()


def pytest_collection_finish(session) -> None:
    support = session.config.stash[_support] = SubprocessSupport()
    if any(item.path.name in PREFECT_HOME_USERS for item in session.items):
        support.start_prefect_migration()


def pytest_unconfigure(config) -> None:
    if _support in config.stash:
        config.stash[_support].close()


@pytest.fixture(scope="session")
def subprocess_env(request) -> dict[str, str]:
    """Environment for healthcoop subprocesses: the repo importable, bytecode cached."""
    return request.config.stash[_support].env


@pytest.fixture(scope="session")
def prefect_home_template(request) -> Path:
    return request.config.stash[_support].migrated_prefect_home()
