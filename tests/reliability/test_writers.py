"""Two operators start ``healthcoop nightly`` on the same warehouse at the same moment.

Exactly one may run; the other must say "warehouse is busy" and exit 2. While the winner
writes, analysts reading the published copy (``healthcoop query``) must not be blocked, and
afterwards the warehouse must be whole.

Two processes started together usually collide in the CLI's quick check before Prefect
starts; a third operator starts one a moment later, while the winner is still starting
Prefect (so the quick check passes), and collides inside the flow. The replicas hold every
request of the winner's crawl at a gate (bounded) until both losers have exited and the
reader has been served, so the overlaps do not depend on how long each process takes to
start Prefect's ephemeral server (each has its own PREFECT_HOME, a copy of one migrated in
the background since collection; see conftest).

The scenario runs once (a module fixture, ~30 s) and the tests read its outcome. The module
runs last in the suite (by name) so that the Prefect home is migrated by then.
"""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

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


#: The copied home is already migrated, and the flows use no blocks: skip both at server start.
QUICK_PREFECT_START = {"PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false",
                       "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false"}


def start_nightly(tmp_path, env, prefect_home: Path, sources_file, db, name: str) -> subprocess.Popen:
    """``healthcoop nightly`` in its own process with its own copy of the Prefect home."""
    home = shutil.copytree(prefect_home, tmp_path / f"prefect-{name}")
    with open(tmp_path / f"{name}.log", "w", encoding="utf-8") as log:
        return subprocess.Popen([HEALTHCOOP, "nightly", "--sources", str(sources_file), "--db", str(db)],
                                env={**env, **QUICK_PREFECT_START, "PREFECT_HOME": str(home)},
                                stdout=log, stderr=subprocess.STDOUT, text=True)


def wait_for_exits(processes: dict[str, subprocess.Popen], count: int) -> None:
    """Until ``count`` of the processes have ended (bounded wait)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        if sum(process.poll() is not None for process in processes.values()) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} nightly processes ended")


@dataclass
class Outcome:
    db: Path
    exits: dict[str, int]  # process name -> exit status
    outputs: dict[str, str]
    reader: subprocess.CompletedProcess
    reader_seconds: float

    @property
    def losers(self) -> list[str]:
        return [name for name, code in self.exits.items() if code != 0]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, subprocess_env, prefect_home_template) -> Outcome:
    tmp_path = tmp_path_factory.mktemp("concurrency")
    sources = [replace(s, rate_per_s=100.0, columns=s.columns[:1]) for s in load_sources()
               if s.id in ("cq_wsjkw", "sc_wsjkw")]
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:  # `healthcoop init`: the published copy exists before the run
        wh.changed = True
    gate = Gate()
    with start_replicas(DEFAULT_CORPUS_DIR, sources, intercept=gate) as replicas:
        sources_file = replicas.write_sources_file(tmp_path / "sources.yaml")
        processes = {name: start_nightly(tmp_path, subprocess_env, prefect_home_template, sources_file, db, name)
                     for name in ("a", "b")}
        try:
            wait_for_exits(processes, 1)
            processes["late"] = start_nightly(tmp_path, subprocess_env, prefect_home_template, sources_file, db, "late")
            wait_for_exits(processes, 2)
            assert gate.reached.wait(GATE_MAX_S), "no nightly started crawling"
            started = time.monotonic()
            reader = subprocess.run([HEALTHCOOP, "query", "SELECT count(*) AS n FROM v_runs", "--format", "csv",
                                     "--db", str(db)], env=subprocess_env, capture_output=True, text=True,
                                    timeout=READER_MAX_S)
            reader_seconds = time.monotonic() - started
        finally:
            gate.release()
            for process in processes.values():
                try:
                    process.wait(timeout=RUN_TIMEOUT_S)
                finally:
                    process.kill()
    outputs = {name: (tmp_path / f"{name}.log").read_text(encoding="utf-8") for name in processes}
    return Outcome(db, {name: p.returncode for name, p in processes.items()}, outputs, reader, reader_seconds)


@pytest.mark.slow
@pytest.mark.flow
def test_one_nightly_runs_and_the_others_are_told_the_warehouse_is_busy(outcome):
    assert sorted(outcome.exits.values()) == [0, 2, 2], outcome.outputs
    for name in outcome.losers:
        last_line = outcome.outputs[name].strip().splitlines()[-1]
        assert last_line.startswith("error: warehouse is busy"), outcome.outputs[name]
    winner = next(name for name, code in outcome.exits.items() if code == 0)
    assert "completed" in outcome.outputs[winner]


@pytest.mark.slow
@pytest.mark.flow
def test_a_reader_of_the_published_copy_is_not_blocked_by_the_writer(outcome):
    assert outcome.reader.returncode == 0 and outcome.reader.stdout.splitlines() == ["n", "0"], outcome.reader
    assert outcome.reader_seconds < READER_MAX_S


@pytest.mark.slow
@pytest.mark.flow
def test_the_warehouse_is_whole_and_holds_exactly_one_run(outcome):
    with Warehouse(outcome.db) as wh:
        assert wh.fetchall("SELECT flow, status FROM runs") == [("nightly", "completed")]
        documents = wh.fetchall("SELECT count(*) FROM documents")[0][0]
        assert documents > 0
        assert wh.fetchall("SELECT count(*) FROM documents d LEFT JOIN document_versions v USING (doc_id) "
                           "WHERE v.doc_id IS NULL") == [(0,)]
    reader = open_reader(published_path(outcome.db))
    try:
        assert reader.execute("SELECT count(*) FROM v_documents").fetchone()[0] == documents
    finally:
        reader.close()


@pytest.mark.slow
@pytest.mark.flow
def test_every_busy_nightly_says_so_in_one_line(outcome):
    for name in outcome.losers:
        assert outcome.outputs[name].strip().count("\n") == 0, outcome.outputs[name]
