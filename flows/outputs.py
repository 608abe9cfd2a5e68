"""Read-side compositions for the CLI: paper tables, exports, review queue (no Prefect needed).

They read the published copy (or the live file), never the writer's connection, so they run
while a nightly crawl writes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.network import (NetworkResult, compare_with_paper, compute_all, export_network, paper_tables,
                              safe_output_path)
from analysis.network.periods import PAPER_PERIOD, parse_period
from warehouse.db import WarehouseError, open_reader
from warehouse.snapshots import read_snapshot
from warehouse.store import CODED_PARTICIPANTS_SQL, CODED_PROJECTS_SQL

VIEW_EXPORTS = {
    "projects": ("v_projects", "v_project_participants", "v_documents"),
    "rankings": ("v_rankings", "v_themes", "v_modes", "v_yearly"),
    "runs": ("v_runs",),
}


def load_network(path: Path) -> NetworkResult:
    """The current snapshot as a NetworkResult (exactly what the ranking views show)."""
    con = open_reader(path)
    try:
        return NetworkResult.from_snapshot(read_snapshot(con))
    finally:
        con.close()


def ranking_tables(path: Path, period: str, level: str, compare: bool, model: str = "ego",
                   include_witnesses: bool = False) -> tuple[dict[str, pd.DataFrame], bool]:
    """The paper's tables for ``period``, and whether they were computed on the spot.

    The stored snapshot answers the defaults (its periods, UCINET's ego model, witnesses left
    out); any other period, model or witness choice is computed from the coded projects of
    the same read-only copy, shown, and not stored."""
    result = load_network(path)
    stored = set(result.params.get("periods", []))
    try:
        period = parse_period(period, [int(p) for p in stored if p.isdigit()]).label  # "all" -> "2019-2023"
        on_the_spot = model != result.params.get("model", "ego") or include_witnesses or period not in stored
        if on_the_spot:
            result = _compute(path, period, model, include_witnesses)
        tables = paper_tables(result, period=period, level=level)
    except ValueError as exc:
        raise WarehouseError(str(exc).splitlines()[0]) from None
    if compare:
        tables["paper_comparison"] = compare_with_paper(result)
    return tables, on_the_spot


def _compute(path: Path, period: str, model: str, include_witnesses: bool) -> NetworkResult:
    con = open_reader(path)
    try:
        projects, participants = (con.execute(CODED_PROJECTS_SQL).df(), con.execute(CODED_PARTICIPANTS_SQL).df())
    finally:
        con.close()
    return compute_all(projects, participants, periods=[period, PAPER_PERIOD], model=model,  # the paper's, to compare
                       include_witnesses=include_witnesses)


def export(path: Path, what: str, fmt: str, out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write the network (graphml, gexf, UCINET csv) or view tables (csv, parquet) into out_dir.

    Returns the files written and one line per file left out (a UCINET matrix too large)."""
    out_dir = Path(out_dir)
    if what == "network":
        if fmt not in ("graphml", "gexf", "csv"):
            raise WarehouseError(f"--format {fmt} does not fit --what network; use graphml, gexf or csv")
        return export_network(load_network(path), out_dir, formats=(fmt,))
    if fmt not in ("csv", "parquet"):
        raise WarehouseError(f"--format {fmt} does not fit --what {what}; use csv or parquet")
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {view: safe_output_path(out_dir, f"{view}.{fmt}") for view in VIEW_EXPORTS[what]}  # all, first
    con = open_reader(path)
    written = []
    try:
        for view, target in targets.items():
            frame = con.execute(f"SELECT * FROM {view}").df()
            if fmt == "csv":
                frame.to_csv(target, index=False)
            else:
                frame.to_parquet(target, index=False)
            written.append(target)
    finally:
        con.close()
    return written, []


def review_queue(path: Path, everything: bool = False) -> pd.DataFrame:
    con = open_reader(path)
    try:
        where = "" if everything else "WHERE review_status = 'needs_review'"
        return con.execute(
            f"SELECT project_id, round(confidence, 2) AS confidence, review_status, signed_date, title "
            f"FROM v_projects {where} ORDER BY confidence, project_id").df()
    finally:
        con.close()


def review_detail(path: Path, project_id: str) -> dict:
    con = open_reader(path)
    try:
        project = con.execute("SELECT * FROM v_projects WHERE project_id = ?", [project_id]).df()
        if project.empty:
            raise WarehouseError(f"project {project_id} not found; see `healthcoop review list`")
        return {
            "project": project.iloc[0].to_dict(),
            "participants": con.execute("SELECT institution, role, institution_type, prefecture, county "
                                        "FROM v_project_participants WHERE project_id = ? ORDER BY role, institution",
                                        [project_id]).df(),
            "evidence": con.execute("SELECT evidence FROM projects WHERE project_id = ?", [project_id]).fetchone()[0],
            "overrides": con.execute("SELECT override_id, target, target_id, field, value, note, author, created_at "
                                     "FROM review_overrides WHERE active AND (target_id = ? OR target_id IN "
                                     "(SELECT doc_id FROM project_documents WHERE project_id = ?)) ORDER BY 1",
                                     [project_id, project_id]).df(),
        }
    finally:
        con.close()
