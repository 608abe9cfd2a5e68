"""`healthcoop status` data (warehouse.report_data.gather_status) and its terminal view."""
from __future__ import annotations

import json
import shutil

import pytest
from rich.console import Console

from analysis.report.status_view import render_status
from tests.support.report_warehouse import MESSAGE_WITH_BRACKETS, items_found, run_time
from tests.support.report_warehouse import build_report_warehouse
from warehouse.db import WarehouseError, published_path
from warehouse.report_data import gather_status, load_report_data


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_report_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb")


@pytest.fixture(scope="module")
def status(db):
    return gather_status(db)


def test_status_is_json_ready(status):
    assert json.loads(json.dumps(status)) == status  # no datetimes, numpy numbers or NaN left


def test_runs_newest_first_with_their_problems(status):
    runs = status["runs"]
    assert [r["run_id"] for r in runs] == [3, 2, 1]
    assert [r["status"] for r in runs] == ["partial", "partial", "completed"]
    assert [r["problems"] for r in runs] == [2, 1, 0]
    assert runs[0]["started_at"].startswith(run_time(3).isoformat())
    assert status["last_run_problems"]["count"] == 2
    assert status["last_run_problems"]["by_kind"] == {"fetch": 1, "parse": 1}
    assert [p["kind"] for p in status["last_run_problems"]["samples"]] == ["parse", "fetch"]


def test_source_health_streaks_and_last_success(status):
    sources = {s["source_id"]: s for s in status["sources"]}
    ok, flaky, empty = sources["sc_wsjkw"], sources["cq_wsjkw"], sources["cd_wjw"]
    assert (ok["last_status"], ok["failure_streak"]) == ("ok", 0)
    assert (flaky["last_status"], flaky["failure_streak"]) == ("broken", 2)
    assert flaky["last_success"].startswith(run_time(1).date().isoformat())  # the one ok run
    assert (empty["last_status"], empty["failure_streak"], empty["last_success"]) == ("empty", 2, None)
    assert [ok["last_items"], flaky["last_items"], empty["last_items"]] == [
        items_found(3, 0), items_found(3, 1), items_found(3, 2)]  # from the newest run


def test_counts_queue_snapshot_and_files(db, status):
    assert status["counts"] == {"documents": 9, "uncoded_documents": 1, "cooperation_documents": 7, "projects": 6,
                                "projects_in_scope": 5, "institutions": 8}
    assert status["review_queue"] == 1
    assert status["coder_versions"] == ["test-1"]
    assert len(status["snapshot"]["fingerprint"]) == 64 and status["snapshot"]["n_projects"] == 5
    assert status["read_from"] == str(published_path(db))
    for key, path in (("warehouse", db), ("published", published_path(db))):
        assert status[key]["exists"] and status[key]["size_bytes"] == path.stat().st_size


def test_live_reads_the_warehouse_and_a_missing_copy_is_explained(db, tmp_path):
    lone = tmp_path / "lone.duckdb"
    shutil.copyfile(db, lone)
    with pytest.raises(WarehouseError, match="no published copy .*--live"):
        gather_status(lone)
    live = gather_status(lone, live=True)
    assert live["read_from"] == str(lone) and not live["published"]["exists"]
    assert live["runs"][0]["run_id"] == 3


def test_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(WarehouseError, match="does not exist"):
        gather_status(tmp_path / "nothing.duckdb", live=True)


def test_report_data_holds_the_snapshot_and_views(db):
    data = load_report_data(published_path(db))
    assert set(data) == {"network", "projects", "participants", "quality"}
    assert {"2019", "2020", "2021", "2019-2021"} <= set(data["network"]["rankings"]["period"])
    assert len(data["projects"]) == 6 and "source_urls" in data["projects"].columns
    assert data["quality"]["review_queue"] == 1


def test_terminal_view_shows_everything_and_prints_scraped_text_literally(status):
    console = Console(record=True, width=160, color_system=None)
    console.print(render_status(status))
    text = console.export_text()
    for expected in ("sc_wsjkw", "cq_wsjkw", "cd_wjw", "partial", "completed", status["snapshot"]["fingerprint"][:16],
                     "review queue", "1 to review", "fetch 1, parse 1", "read from"):
        assert expected in text, expected
    assert MESSAGE_WITH_BRACKETS in text  # "[layout changed?]" is not taken for rich markup
