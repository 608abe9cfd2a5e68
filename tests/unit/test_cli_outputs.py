"""``healthcoop export`` and ``rankings`` on a small warehouse: every view exports and reads
back; rankings come from the snapshot, or are computed on the spot for anything else."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.support.report_warehouse import build_report_warehouse

VIEWS = {"projects": ["v_projects", "v_project_participants", "v_documents"],
         "rankings": ["v_rankings", "v_themes", "v_modes", "v_yearly"], "runs": ["v_runs"]}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_report_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb")


@pytest.mark.parametrize("what", VIEWS)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_view_exports_and_reads_back(db, tmp_path, what, fmt):
    result = CliRunner().invoke(app, ["export", "--what", what, "--format", fmt, "--out", str(tmp_path),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    for view in VIEWS[what]:
        path = tmp_path / f"{view}.{fmt}"
        frame = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
        assert str(path) in result.stdout and len(frame) > 0


def rankings(db, *options):
    result = CliRunner().invoke(app, ["rankings", "--format", "json", "--db", str(db), *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_rankings_of_a_stored_period_equal_the_same_computed_on_the_spot(db):
    stored = rankings(db, "--period", "2019-2021")
    assert stored["table1"] and stored["table4"]
    spot = rankings(db, "--period", "2019-2020")  # not stored: computed from the coded projects
    assert spot["table1"] and {row["node"] for row in spot["table1"]} <= {row["node"] for row in stored["table1"]}


def test_the_whole_network_model_swaps_the_constraint_columns(db):
    ego = {row["node"]: row for row in rankings(db, "--period", "2019-2021")["table4"]}
    whole = {row["node"]: row for row in rankings(db, "--period", "2019-2021", "--model", "whole")["table4"]}
    shared = set(ego) & set(whole)
    assert shared and all(whole[n]["constraint"] == pytest.approx(ego[n]["constraint_whole"]) for n in shared)


def test_witnesses_count_only_when_asked(db):
    """The Chongqing commission only witnesses the Huaxi–Yongchuan alliance (report_warehouse p2)."""
    without = {row["node"]: row["n_projects"] for row in rankings(db)["table1"]}
    with_them = {row["node"]: row["n_projects"] for row in rankings(db, "--with-witnesses")["table1"]}
    assert with_them["重庆市"] == without["重庆市"] + 1


def test_the_comparison_with_the_paper_fits_a_terminal_and_csv_keeps_every_column(db):
    table = CliRunner().invoke(app, ["rankings", "--compare-paper", "--db", str(db)])
    assert table.exit_code == 0 and "agrees" in table.stdout and "Chongqing city" not in table.stdout
    csv = CliRunner().invoke(app, ["rankings", "--compare-paper", "--format", "csv", "--db", str(db)])
    assert "table,item,node,measure,relation,paper,ours,paper_rank,our_rank,agrees,alternative,ours_alternative" \
        in csv.stdout


def test_all_is_the_whole_range_of_the_snapshot(db):
    assert rankings(db, "--period", "all") == rankings(db, "--period", "2019-2021")  # the data span 2019-2021
