"""Read-only loading of what the HTML report and `healthcoop status` show.

Both read through ``open_reader`` (the published copy by default), so they never block or
wait for a nightly run. The network part is the *stored* current snapshot (what the
``v_rankings`` / ``v_themes`` / ``v_modes`` / ``v_yearly`` views show, plus the node labels and
per-model columns kept beside them), so the report draws exactly the numbers a query returns.

The data-quality facts (runs, per-source health, snapshot, review queue, coder version,
problems) come back JSON-ready — ISO strings for times, plain ints — because `status --format
json` prints them as they are and the report renders the same dict.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, open_reader, published_path
from warehouse.query import to_jsonable
from warehouse.snapshots import read_snapshot
from warehouse.store import CODED_PARTICIPANTS_SQL

DEFAULT_RUNS = 10
PROBLEM_SAMPLES = 5

# Health of each source over its runs, newest first: `age` 1 is the newest run that crawled it.
# The failure streak counts the newest runs without an `ok`, stopping at the last success.
_SOURCE_HEALTH_SQL = """
WITH h AS (
    SELECT *, row_number() OVER (PARTITION BY source_id ORDER BY run_id DESC, recorded_at DESC) AS age
    FROM source_health
)
SELECT source_id,
       any_value(status) FILTER (WHERE age = 1) AS last_status,
       any_value(message) FILTER (WHERE age = 1) AS last_message,
       any_value(run_id) FILTER (WHERE age = 1) AS last_run_id,
       any_value(recorded_at) FILTER (WHERE age = 1) AS last_checked,
       any_value(items_found) FILTER (WHERE age = 1) AS last_items,
       any_value(new_documents) FILTER (WHERE age = 1) AS last_new_documents,
       any_value(parse_failures) FILTER (WHERE age = 1) AS last_parse_failures,
       max(recorded_at) FILTER (WHERE status = 'ok') AS last_success,
       coalesce(min(age) FILTER (WHERE status = 'ok') - 1, count(*)) AS failure_streak,
       count(*) AS runs_seen
FROM h
GROUP BY source_id
ORDER BY source_id
"""

_RUNS_SQL = """
SELECT r.*, coalesce(p.n, 0) AS problems
FROM v_runs r
LEFT JOIN (SELECT run_id, count(*) AS n FROM problems GROUP BY run_id) p USING (run_id)
ORDER BY r.run_id DESC
LIMIT ?
"""

_COUNTS_SQL = """
SELECT (SELECT count(*) FROM v_documents) AS documents,
       (SELECT count(*) FROM v_documents WHERE is_cooperation IS NULL) AS uncoded_documents,
       (SELECT count(*) FROM v_documents WHERE is_cooperation) AS cooperation_documents,
       (SELECT count(*) FROM v_projects) AS projects,
       (SELECT count(*) FROM v_projects WHERE in_scope) AS projects_in_scope,
       (SELECT count(DISTINCT institution_id) FROM v_project_participants) AS institutions
"""


def _one_row(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> dict | None:
    rows = to_jsonable(con.execute(sql, params or []).df())
    return rows[0] if rows else None


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict | None:
    return _one_row(con, "SELECT snapshot_id, fingerprint, created_at, coder_version, n_projects, run_id "
                         "FROM network_snapshots WHERE is_current")


def _last_run_problems(con: duckdb.DuckDBPyConnection, run_id: int | None) -> dict:
    """How many problems the newest run recorded, by kind, with the first few messages."""
    if run_id is None:
        return {"run_id": None, "count": 0, "by_kind": {}, "samples": []}
    by_kind = dict(con.execute("SELECT kind, count(*) FROM problems WHERE run_id = ? GROUP BY kind ORDER BY kind",
                               [run_id]).fetchall())
    samples = to_jsonable(con.execute("SELECT kind, source_id, url, message FROM problems WHERE run_id = ? "
                                      "ORDER BY problem_id LIMIT ?", [run_id, PROBLEM_SAMPLES]).df())
    return {"run_id": run_id, "count": sum(by_kind.values()), "by_kind": by_kind, "samples": samples}


def quality(con: duckdb.DuckDBPyConnection, n_runs: int = DEFAULT_RUNS) -> dict:
    """Runs, per-source health, snapshot, counts and review queue: the report's data-quality
    section and the body of `healthcoop status`."""
    runs = to_jsonable(con.execute(_RUNS_SQL, [n_runs]).df())
    coder_versions = [r[0] for r in con.execute(
        "SELECT DISTINCT coder_version FROM document_coding ORDER BY coder_version").fetchall()]
    return {
        "runs": runs,
        "sources": to_jsonable(con.execute(_SOURCE_HEALTH_SQL).df()),
        "snapshot": _snapshot(con),
        "counts": _one_row(con, _COUNTS_SQL),
        "review_queue": con.execute(
            "SELECT count(*) FROM v_projects WHERE review_status = 'needs_review'").fetchone()[0],
        "coder_versions": coder_versions,
        "last_run_problems": _last_run_problems(con, runs[0]["run_id"] if runs else None),
    }


def load_report_data(path: str | os.PathLike, n_runs: int = DEFAULT_RUNS) -> dict:
    """Everything ``analysis.report.build_report`` renders, read from one warehouse file.

    Keys: ``network`` (the current snapshot's frames: rankings with labels, themes, modes,
    yearly, nodes, edges, summary, params, snapshot_id), ``projects`` (v_projects),
    ``participants`` (v_project_participants) and ``quality`` (see ``quality``).
    Raises WarehouseError when the file is missing or holds no network snapshot yet."""
    con = open_reader(path)
    try:
        return {
            "network": read_snapshot(con),
            "projects": con.execute("SELECT * FROM v_projects ORDER BY project_id").df(),
            "participants": con.execute(CODED_PARTICIPANTS_SQL).df(),
            "quality": quality(con, n_runs),
        }
    finally:
        con.close()


def _file_facts(path: Path) -> dict:
    if not path.exists():
        return {"path": str(path), "exists": False, "size_bytes": None, "modified_at": None}
    stat = path.stat()
    return {"path": str(path), "exists": True, "size_bytes": stat.st_size,
            "modified_at": datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds")}


def gather_status(db_path: str | os.PathLike, live: bool = False, n_runs: int = DEFAULT_RUNS) -> dict:
    """What `healthcoop status` shows, as a JSON-ready dict.

    Reads the published copy (so a running nightly is never blocked), or with ``live`` the
    warehouse itself; the sizes of both files are reported either way."""
    db_path = Path(db_path)
    published = published_path(db_path)
    source = db_path if live else published
    if not live and not published.exists() and db_path.exists():
        raise WarehouseError(f"no published copy {published} yet; run `healthcoop init --db {db_path}` "
                             "or read the warehouse itself with --live")
    con = open_reader(source)
    try:
        facts = quality(con, n_runs)
    finally:
        con.close()
    return {"read_from": str(source), "warehouse": _file_facts(db_path), "published": _file_facts(published),
            **facts}
