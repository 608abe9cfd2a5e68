"""The warehouse foundation: migrations, public views, the single writer, the published copy."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.db import (Warehouse, WarehouseBusy, WarehouseError, current_schema_version, open_reader,
                          published_path, schema_version)
from warehouse.query import QueryError, run_query

# shared/contract.md §3, column for column.
CONTRACT_VIEWS = {
    "v_documents": ["doc_id", "source_id", "url", "title", "published_date", "content_source", "column_name",
                    "fetched_at", "is_cooperation", "project_id"],
    "v_projects": ["project_id", "title", "signed_date", "year", "themes", "primary_theme", "mode", "agreement_type",
                   "confidence", "review_status", "n_participants", "source_urls", "in_scope"],
    "v_project_participants": ["project_id", "institution_id", "institution", "role", "institution_type", "sector",
                               "province", "prefecture", "county", "division_code"],
    "v_rankings": ["period", "level", "node", "n_projects", "share", "degree", "n_alters", "degree_norm", "constraint",
                   "effective_size", "efficiency", "betweenness", "rank_projects", "rank_degree"],
    "v_themes": ["period", "theme", "n_projects", "share", "n_projects_any"],  # the contract's four, then additions
    "v_modes": ["period", "mode", "n_projects", "share"],
    "v_yearly": ["year", "n_projects", "n_new_institutions", "n_edges"],
    "v_runs": ["run_id", "flow", "started_at", "finished_at", "status", "pages_fetched", "new_documents",
               "changed_documents", "new_projects", "errors"],
}
CONTRACT_TYPES = {("v_documents", "published_date"): "DATE", ("v_documents", "fetched_at"): "TIMESTAMP",
                  ("v_documents", "is_cooperation"): "BOOLEAN", ("v_projects", "signed_date"): "DATE",
                  ("v_projects", "year"): "INTEGER", ("v_projects", "themes"): "VARCHAR[]",
                  ("v_projects", "confidence"): "DOUBLE", ("v_projects", "n_participants"): "INTEGER",
                  ("v_projects", "source_urls"): "VARCHAR[]", ("v_projects", "in_scope"): "BOOLEAN"}


def test_migrates_from_empty_and_reopen_is_a_noop(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        assert schema_version(wh.con) == current_schema_version() >= 2
    with Warehouse(db) as wh:
        rows = wh.fetchall("SELECT count(*) FROM schema_version")[0][0]
        assert rows == current_schema_version()
        assert not wh.changed
    assert published_path(db).exists()


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        pass
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_version VALUES (99, 'future', now())")
    con.close()
    with pytest.raises(WarehouseError, match="schema version 99, newer"):
        Warehouse(db).open()
    with pytest.raises(WarehouseError, match="newer"):
        open_reader(db)


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(WarehouseError, match="does not exist"):
        Warehouse(tmp_path / "nope" / "w.duckdb").open()


def test_views_have_exactly_the_contract_columns(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        for view, columns in CONTRACT_VIEWS.items():
            rows = wh.fetchall("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = ? ORDER BY ordinal_position", [view])
            assert [r[0] for r in rows] == columns, view
            for name, kind in rows:
                if (view, name) in CONTRACT_TYPES:
                    assert kind == CONTRACT_TYPES[(view, name)], (view, name)


def test_query_is_read_only_and_reports_bad_sql(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        pass
    assert run_query(db, "SELECT 1 AS x")["x"].tolist() == [1]
    for sql in ("INSERT INTO runs (run_id, flow, started_at, status) VALUES (1, 'x', now(), 'x')",
                "DROP VIEW v_runs", "COPY (SELECT 1) TO 'x.csv'", "ATTACH 'other.duckdb'", "SELECT 1; DROP VIEW v_runs"):
        with pytest.raises(QueryError, match="refused"):
            run_query(db, sql)
    with pytest.raises(QueryError, match="bad SQL: Parser Error"):
        run_query(db, "SELEC 1")
    with pytest.raises(QueryError, match="one statement per query, got 2"):
        run_query(db, "SELECT 1; SELECT 2")
    with pytest.raises(QueryError, match="bad SQL"):
        run_query(db, "SELECT * FROM no_such_table")


HOLD_WRITER = """
import sys, time
from warehouse.db import Warehouse
with Warehouse(sys.argv[1]) as wh:
    wh.execute("INSERT INTO runs (run_id, flow, started_at, status) VALUES (nextval('seq_run'), 'hold', now(), 'running')")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def held_warehouse(tmp_path):
    """A warehouse held open for writing by another process."""
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        pass
    proc = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(db), "30"], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.readline().strip() == "holding"
    yield db
    proc.kill()
    proc.wait()


def test_second_writer_gets_busy_error_quickly(held_warehouse):
    started = time.monotonic()
    with pytest.raises(WarehouseBusy, match=r"warehouse is busy \(pid \d+, since \d{4}-"):
        Warehouse(held_warehouse).open()
    assert time.monotonic() - started < 1.0


def test_published_copy_is_readable_while_a_writer_holds_the_file(held_warehouse):
    assert run_query(published_path(held_warehouse), "SELECT count(*) AS n FROM v_runs")["n"].tolist() == [0]
    with pytest.raises(WarehouseBusy):
        open_reader(held_warehouse)


def test_killed_writer_leaves_a_valid_file_and_no_stale_lock(held_warehouse):
    # the fixture's teardown kills the holder; do it here and reopen
    subprocess.run(["pkill", "-9", "-f", str(held_warehouse)], check=False)
    deadline = time.monotonic() + 5
    while True:
        try:
            with Warehouse(held_warehouse) as wh:
                assert wh.fetchall("SELECT count(*) FROM schema_version")[0][0] == current_schema_version()
            break
        except WarehouseBusy:
            assert time.monotonic() < deadline
            time.sleep(0.05)
