"""``healthcoop export`` of the view tables: every view, readable back with pandas."""
from __future__ import annotations

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
