"""Network files for Gephi, UCINET and networkx, built from the result frames.

- GraphML and GEXF (networkx writers; GEXF 1.2draft, which Gephi opens): one graph per period
  and level, node attributes level, label, type, sector, province, prefecture, county and every
  metric of the rankings; edge attribute weight. Missing values (NaN, None) are left out of a
  node rather than written as "nan", so Gephi shows them as empty.
- UCINET-style CSV matrix: a full labelled node x node matrix (first row and column are the
  labels), refused above `max_nodes` because it grows as n².

Exports only read frames (nodes, edges, rankings), so they work the same on a fresh result or
on frames read back from the warehouse. Every file goes through `safe_output_path`.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

if TYPE_CHECKING:  # networkx costs ~0.7 s to import; only the GraphML/GEXF writers need it
    import networkx as nx

ATTRIBUTE_COLUMNS = {"label": "label", "node_type": "type", "sector": "sector", "province": "province",
                     "prefecture": "prefecture", "county": "county"}
METRIC_SKIP = ("period", "level", "node", "node_label")
UCINET_MAX_NODES = 5000
FORMATS = ("graphml", "gexf", "csv")


def safe_output_path(out_dir: Path | str, name: str) -> Path:
    """out_dir/name, refusing any name that would land outside out_dir (absolute, '..', links)."""
    base = Path(out_dir).resolve()
    if not name or Path(name).is_absolute():
        raise ValueError(f"output name {name!r}: must be a relative file name")
    target = (base / name).resolve()
    if target == base or not target.is_relative_to(base):
        raise ValueError(f"output name {name!r}: resolves outside {base}")
    return target


def _plain(value):
    """A value networkx writers accept, or None when missing."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return str(value)


def _select(frame: pd.DataFrame, period: str, level: str) -> pd.DataFrame:
    return frame.loc[(frame["period"] == period) & (frame["level"] == level)]


def build_graph(nodes: pd.DataFrame, edges: pd.DataFrame, rankings: pd.DataFrame, period: str,
                level: str) -> nx.Graph:
    """An undirected networkx graph of one period and level, with attributes and weights."""
    node_rows = _select(nodes, period, level)
    if node_rows.empty:
        raise ValueError(f"period {period} at level {level}: no nodes to export")
    metrics = _select(rankings, period, level).set_index("node")
    metric_columns = [c for c in metrics.columns if c not in METRIC_SKIP]
    import networkx as nx

    graph = nx.Graph(period=period, level=level)
    for row in node_rows.itertuples(index=False):
        attributes = {"level": level}
        for column, name in ATTRIBUTE_COLUMNS.items():
            attributes[name] = _plain(getattr(row, column))
        if row.node in metrics.index:
            for column in metric_columns:
                attributes[column] = _plain(metrics.at[row.node, column])
        graph.add_node(str(row.node), **{k: v for k, v in attributes.items() if v is not None})
    for row in _select(edges, period, level).itertuples(index=False):
        graph.add_edge(str(row.source), str(row.target), weight=float(row.weight))
    return graph


def write_graphml(graph: nx.Graph, path: Path) -> Path:
    import networkx as nx

    nx.write_graphml(graph, path, named_key_ids=True)
    return path


def write_gexf(graph: nx.Graph, path: Path) -> Path:
    import networkx as nx

    nx.write_gexf(graph, path, version="1.2draft")
    return path


def write_ucinet_csv(nodes: pd.DataFrame, edges: pd.DataFrame, period: str, level: str, path: Path,
                     max_nodes: int = UCINET_MAX_NODES) -> Path:
    """Full valued matrix with labelled rows and columns (labels, or node ids when labels repeat)."""
    node_rows = _select(nodes, period, level).sort_values("node")
    n = len(node_rows)
    if n > max_nodes:
        raise ValueError(f"UCINET matrix for {period} {level}: {n} nodes exceeds the limit of {max_nodes}")
    keys = node_rows["node"].astype(str).tolist()
    labels = node_rows["label"].fillna(node_rows["node"]).astype(str).tolist()
    if len(set(labels)) < n:
        labels = keys
    index = {key: k for k, key in enumerate(keys)}
    edge_rows = _select(edges, period, level)
    rows = edge_rows["source"].astype(str).map(index).to_numpy()
    cols = edge_rows["target"].astype(str).map(index).to_numpy()
    upper = sp.coo_array((edge_rows["weight"].to_numpy(float), (rows, cols)), shape=(n, n))
    matrix = sp.csr_array(upper + upper.T)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([""] + labels)
        for k in range(n):
            values = matrix[[k], :].toarray().ravel()
            writer.writerow([labels[k]] + [f"{v:g}" for v in values])
    return path


def export_network(result, out_dir: Path | str, formats: tuple[str, ...] = FORMATS, periods=None, levels=None,
                   max_nodes: int = UCINET_MAX_NODES) -> tuple[list[Path], list[str]]:
    """Write network_<level>_<period>.<ext> files; returns (written paths, one-line skip notes)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"format {unknown[0]!r}: expected one of {', '.join(FORMATS)}")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    pairs = result.nodes[["period", "level"]].drop_duplicates()
    if periods is not None:
        pairs = pairs.loc[pairs["period"].isin(list(periods))]
    if levels is not None:
        pairs = pairs.loc[pairs["level"].isin(list(levels))]
    # every target is checked before the first file is written: a refused export writes nothing
    paths = {(period, level, fmt): safe_output_path(out_dir, f"network_{level}_{period}.{fmt}")
             for period, level in pairs.itertuples(index=False) for fmt in formats}
    written, skipped = [], []
    for period, level in pairs.itertuples(index=False):
        graph = None
        for fmt in formats:
            path = paths[(period, level, fmt)]
            if fmt == "csv":
                try:
                    written.append(write_ucinet_csv(result.nodes, result.edges, period, level, path, max_nodes))
                except ValueError as error:
                    skipped.append(str(error))
                continue
            if graph is None:
                graph = build_graph(result.nodes, result.edges, result.rankings, period, level)
            written.append(write_graphml(graph, path) if fmt == "graphml" else write_gexf(graph, path))
    return written, skipped
