"""Two operators start ``healthcoop nightly`` on the same warehouse at the same moment.

Exactly one may run; the other must say "warehouse is busy" and exit 2. While the winner
writes, analysts reading the published copy (``healthcoop query``) must not be blocked, and
afterwards the warehouse must be whole.

The replicas hold every request of the winner's crawl at a gate (bounded) until the loser
has exited and the reader has been served, so the overlap does not depend on how long each
process takes to start Prefect's ephemeral server (each gets its own PREFECT_HOME).
"""
from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import replace

import pytest

from scrapers.registry import load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, start_replicas
from tests.reliability.conftest import REPO
from warehouse.db import Warehouse, open_reader, published_path

HEALTHCOOP = str(REPO / ".venv" / "bin" / "healthcoop")
GATE_MAX_S = 150.0
RUN_TIMEOUT_S = 240.0
READER_MAX_S = 15.0


class Gate:
    """An ``intercept`` that holds every request until ``release()`` (or ``GATE_MAX_S``)."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self._open = threading.Event()

    def __call__(self, request, serve):
        self.reached.set()
        self._open.wait(GATE_MAX_S)
        return None

    def release(self) -> None:
        self._open.set()


def start_nightly(tmp_path, env, sources_file, db, name: str) -> tuple[subprocess.Popen, object]:
    log = open(tmp_path / f"{name}.log", "w+", encoding="utf-8")
    process = subprocess.Popen([HEALTHCOOP, "nightly", "--sources", str(sources_file), "--db", str(db)],
                               env={**env, "PREFECT_HOME": str(tmp_path / f"prefect-{name}")},
                               stdout=log, stderr=subprocess.STDOUT, text=True)
    return process, log


def first_to_exit(processes: dict[str, subprocess.Popen]) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                return name
        time.sleep(0.1)
    raise AssertionError("neither nightly process ended")


@pytest.mark.slow
@pytest.mark.flow
def test_two_nightly_runs_started_together_one_runs_one_is_busy_readers_go_on(tmp_path, subprocess_env):
    sources = [replace(s, rate_per_s=100.0, columns=s.columns[:1]) for s in load_sources()
               if s.id in ("cq_wsjkw", "sc_wsjkw")]
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:  # `healthcoop init`: the published copy exists before the run
        wh.changed = True
    gate = Gate()
    with start_replicas(DEFAULT_CORPUS_DIR, sources, intercept=gate) as replicas:
        sources_file = replicas.write_sources_file(tmp_path / "sources.yaml")
        processes, logs = {}, {}
        for name in ("a", "b"):
            processes[name], logs[name] = start_nightly(tmp_path, subprocess_env, sources_file, db, name)
            time.sleep(3)
        try:
            t0 = time.monotonic(); loser = first_to_exit(processes); print("LOSER", time.monotonic() - t0)
            winner = "b" if loser == "a" else "a"
            logs[loser].seek(0)
            loser_output = logs[loser].read()
            assert processes[loser].returncode == 2, loser_output
            assert "warehouse is busy" in loser_output and "Traceback" not in loser_output, loser_output

            assert gate.reached.wait(GATE_MAX_S), "the winner never started crawling"
            assert processes[winner].poll() is None  # it holds the warehouse, waiting at the gate
            started = time.monotonic()
            reader = subprocess.run([HEALTHCOOP, "query", "SELECT count(*) AS n FROM v_runs", "--format", "csv",
                                     "--db", str(db)], env=subprocess_env, capture_output=True, text=True,
                                    timeout=READER_MAX_S)
            assert reader.returncode == 0 and reader.stdout.splitlines() == ["n", "0"], reader
            assert time.monotonic() - started < READER_MAX_S
        finally:
            gate.release()
            for process in processes.values():
                try:
                    process.wait(timeout=RUN_TIMEOUT_S)
                finally:
                    process.kill()
        logs[winner].seek(0)
        assert processes[winner].returncode == 0, logs[winner].read()

    with Warehouse(db) as wh:  # the file is whole and holds exactly one nightly run
        assert wh.fetchall("SELECT flow, status FROM runs") == [("nightly", "completed")]
        documents = wh.fetchall("SELECT count(*) FROM documents")[0][0]
        assert documents > 0
        assert wh.fetchall("SELECT count(*) FROM documents d LEFT JOIN document_versions v USING (doc_id) "
                           "WHERE v.doc_id IS NULL") == [(0,)]
    reader = open_reader(published_path(db))
    try:
        assert reader.execute("SELECT count(*) FROM v_documents").fetchone()[0] == documents
    finally:
        reader.close()
