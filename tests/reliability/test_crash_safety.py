"""SIGKILL a backfill anywhere, rerun it, and get exactly what an uninterrupted run gets.

Each backfill runs in a process of its own (forked by ``backfill_worker``) against replicas
served by this test process, slowed by a per-request latency so that the run lasts a couple
of seconds. It is killed right after the k-th request reaches the replicas (plus a seeded
jitter), for ten values of k spread over the run. After each kill the warehouse must open
cleanly and hold no partial unit of work (and no month marked done without its articles); a
rerun must then give the same documents, raw pages and coded projects as a run that was
never interrupted.
"""
from __future__ import annotations

import contextlib
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date

import pytest

from tests.reliability.harness import TWO_MONTHS, FaultyCrawl, backfill_warehouse, fast_sources
from tests.support.fault_server import FaultInjector
from warehouse.db import Warehouse

START, END = date(2021, 1, 1), date(2021, 2, 28)
KILL_POINTS = 10
LATENCY_S = 0.12
JITTER_S = 0.04
WORKER_TIMEOUT_S = 30


def contents(wh: Warehouse) -> dict[str, list]:
    """What must be identical to the uninterrupted run (as sorted lists: doubles would show)."""
    return {
        "documents": sorted(wh.fetchall("SELECT doc_id, title, published_date, body_text FROM documents")),
        "raw_pages": sorted(wh.fetchall("SELECT source_id, url_path, sha256 FROM raw_pages")),
        "projects": sorted(wh.fetchall("SELECT project_id, title, signed_date, primary_theme, mode, in_scope "
                                       "FROM v_projects")),
        "participants": sorted(wh.fetchall("SELECT project_id, institution_id, role FROM v_project_participants")),
    }


def assert_consistent(db_path, baseline_docs: list[tuple]) -> None:
    """The warehouse opens as the writer and shows only whole units of work."""
    with Warehouse(db_path) as wh:
        for (view,) in wh.fetchall("SELECT view_name FROM duckdb_views() WHERE NOT internal"):
            wh.fetchall(f'SELECT count(*) FROM "{view}"')  # every view still reads
        documents = wh.fetchall("SELECT count(*) FROM documents")[0][0]
        assert wh.fetchall("SELECT count(*) FROM v_documents")[0][0] == documents
        partial = wh.fetchall(
            "SELECT d.doc_id FROM documents d "
            "LEFT JOIN document_versions v ON v.doc_id = d.doc_id AND v.version = d.version "
            "LEFT JOIN raw_pages r ON r.raw_page_id = d.raw_page_id "
            "WHERE v.doc_id IS NULL OR r.raw_page_id IS NULL OR r.outcome <> 'ok' OR d.title IS NULL "
            "OR d.body_text IS NULL")
        assert partial == [], f"documents without their version or raw page: {partial}"
        stored = {doc_id for (doc_id,) in wh.fetchall("SELECT doc_id FROM documents")}
        for source_id, first, last in wh.fetchall("SELECT source_id, chunk_start, chunk_end FROM backfill_chunks"):
            due = {d for d, sid, day in baseline_docs if sid == source_id and first <= day <= last}
            assert due <= stored, f"month {first} of {source_id} is marked done without {due - stored}"


def kill_points(total_requests: int, seed: int = 9) -> list[tuple[int, float]]:
    """Ten (k, jitter) pairs: k requests seen, spread from the start to near the end of the run."""
    rng = random.Random(seed)
    first, last = 2, total_requests - 3
    return [(first + (last - first) * i // (KILL_POINTS - 1), rng.uniform(0, JITTER_S)) for i in range(KILL_POINTS)]


class ForkServer:
    """The ``backfill_worker`` process: ``start(db)`` forks a backfill child and returns its pid."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.reliability.backfill_worker"], env=env,
                                        cwd=env["PYTHONPATH"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def start(self, db, sources_file) -> int:
        self.process.stdin.write(f"{db} {sources_file} {START.isoformat()} {END.isoformat()}\n")
        self.process.stdin.flush()
        return int(self.lines.get(timeout=WORKER_TIMEOUT_S))

    def ended(self) -> int | None:
        """The exit status of the last child, if it has ended."""
        try:
            return int(self.lines.get_nowait())
        except queue.Empty:
            return None

    def close(self) -> None:
        """End of input ends the server once its last child is done (or killed after a timeout)."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def fork_server(subprocess_env):
    server = ForkServer(subprocess_env)
    yield server
    server.close()


@pytest.mark.slow
def test_sigkill_at_ten_points_then_a_rerun_equals_an_uninterrupted_backfill(tmp_path, fork_server):
    sources = [replace(s, rate_per_s=100.0) for s in fast_sources()]  # a valid registry rate
    with FaultyCrawl(tmp_path / "baseline", FaultInjector(), sources=sources, days=TWO_MONTHS) as baseline:
        uninterrupted = tmp_path / "uninterrupted.duckdb"
        backfill_warehouse(uninterrupted, baseline.local_sources, START, END)
        total_requests = len(baseline.replicas.log())
    with Warehouse(uninterrupted) as wh:
        expected = contents(wh)
        baseline_docs = wh.fetchall("SELECT doc_id, source_id, published_date FROM documents")
    assert len(expected["documents"]) == len(sources) * len(TWO_MONTHS)
    assert len(expected["projects"]) >= len(TWO_MONTHS) and expected["participants"]

    with FaultyCrawl(tmp_path / "killed", FaultInjector(), sources=sources, days=TWO_MONTHS) as crawl:
        sources_file = crawl.replicas.write_sources_file(tmp_path / "sources.yaml")
        for n, (k, jitter) in enumerate(kill_points(total_requests)):
            db = tmp_path / f"killed{n}.duckdb"
            _set_latency(crawl, LATENCY_S)
            crawl.replicas.reset_logs()
            pid = fork_server.start(db, sources_file)
            try:
                _wait_for_requests(crawl, fork_server, k)
                time.sleep(jitter)
            finally:
                with contextlib.suppress(ProcessLookupError):  # already ended: the assertion above says so
                    os.kill(pid, signal.SIGKILL)
            assert int(fork_server.lines.get(timeout=WORKER_TIMEOUT_S)) == -signal.SIGKILL

            assert_consistent(db, baseline_docs)
            _set_latency(crawl, 0.0)
            backfill_warehouse(db, crawl.local_sources, START, END)
            with Warehouse(db) as wh:
                assert contents(wh) == expected, f"after a kill at request {k}"
                assert wh.fetchall("SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]


def _set_latency(crawl: FaultyCrawl, seconds: float) -> None:
    for server in crawl.replicas.servers.values():
        server.latency_s = seconds


def _wait_for_requests(crawl: FaultyCrawl, fork_server: ForkServer, k: int) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT_S
    while len(crawl.replicas.log()) < k:
        status = fork_server.ended()
        assert status is None, f"the backfill ended (status {status}) before request {k}"
        assert time.monotonic() < deadline, f"request {k} never came"
        time.sleep(0.005)
