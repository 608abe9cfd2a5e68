"""Reading a stored network snapshot back as the frames ``analysis.network`` produced.

Rankings, paper tables and exports are computed from the *stored* snapshot, so what an
analyst exports is exactly what the views show, without recomputing anything.
"""
from __future__ import annotations

import json

import duckdb
import pandas as pd

from warehouse.db import WarehouseError

RANKING_COLUMNS = ("period", "level", "node", "n_projects", "share", "degree", "n_alters", "degree_norm",
                   "constraint", "effective_size", "efficiency", "betweenness", "rank_projects", "rank_degree")


def read_snapshot(con: duckdb.DuckDBPyConnection, snapshot_id: int | None = None) -> dict:
    """Frames of a snapshot (the current one by default): rankings, themes, modes, yearly,
    nodes, edges, summary, and its params. Raises WarehouseError when there is none."""
    if snapshot_id is None:
        row = con.execute("SELECT snapshot_id FROM network_snapshots WHERE is_current").fetchone()
        if row is None:
            raise WarehouseError("no network snapshot yet; run `healthcoop recompute` (or a crawl) first")
        snapshot_id = row[0]
    params = con.execute("SELECT params FROM network_snapshots WHERE snapshot_id = ?", [snapshot_id]).fetchone()
    if params is None:
        raise WarehouseError(f"network snapshot {snapshot_id} does not exist")

    def frame(sql: str) -> pd.DataFrame:
        return con.execute(sql, [snapshot_id]).df()

    columns = ", ".join(f'"{c}"' for c in RANKING_COLUMNS)
    metrics = frame(f"SELECT {columns}, extra FROM node_metrics "
                    "WHERE snapshot_id = ? ORDER BY period, level, rank_degree, node")
    extra = pd.DataFrame([json.loads(e) if e else {} for e in metrics.pop("extra")], index=metrics.index)
    summary = frame("SELECT period, level, metrics FROM snapshot_summary WHERE snapshot_id = ? ORDER BY period, level")
    summary = pd.concat([summary.drop(columns="metrics"),
                         pd.DataFrame([json.loads(m) for m in summary["metrics"]], index=summary.index)], axis=1)
    return {
        "snapshot_id": snapshot_id,
        "rankings": pd.concat([metrics, extra], axis=1),
        "themes": frame("SELECT period, theme, n_projects, share, n_projects_any FROM snapshot_themes WHERE snapshot_id = ? ORDER BY ALL"),
        "modes": frame("SELECT period, mode, n_projects, share FROM snapshot_modes WHERE snapshot_id = ? ORDER BY ALL"),
        "yearly": frame("SELECT year, n_projects, n_new_institutions, n_edges FROM snapshot_yearly "
                        "WHERE snapshot_id = ? ORDER BY year"),
        "nodes": frame("SELECT period, level, node, label, node_type, sector, province, prefecture, county "
                       "FROM network_nodes WHERE snapshot_id = ? ORDER BY period, level, node"),
        "edges": frame("SELECT period, level, source, target, weight FROM network_edges WHERE snapshot_id = ? "
                       "ORDER BY ALL"),
        "summary": summary,
        "params": json.loads(params[0]) if params[0] else {},
    }
