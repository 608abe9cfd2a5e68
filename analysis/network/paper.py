"""The paper's Tables 1-4 shaped from our frames, and its published numbers set beside ours.

Table 1: top localities by projects; Table 2: top themes; Table 3: top by degree; Table 4:
lowest constraint. Like the paper's Table 1, a cut-off ("top 10") keeps every node tied with
the last one, so a table can be longer than its nominal size. Percentages are share × 100,
rounded to 2 decimals as printed in the paper.

The published values live in analysis/data/paper_tables.json (facts from the paper, with the
English city names mapped to our Chinese node names). `compare_with_paper` says per row
whether we agree: counts exactly, percentages within the paper's rounding (0.005),
constraint within 0.0005; "more than" statements as inequalities.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

PAPER_TABLES = Path(__file__).resolve().parents[1] / "data" / "paper_tables.json"
TOLERANCE = {"n_projects": 0.0, "percent": 0.005, "degree": 0.0, "constraint": 0.0005, "n_institutions": 0.0}
OTHER_MODEL = {"ego": "whole", "whole": "ego"}


def load_paper_tables(path: Path | str = PAPER_TABLES) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _block(result, period: str, level: str) -> pd.DataFrame:
    frame = result.rankings
    block = frame.loc[(frame["period"] == period) & (frame["level"] == level)]
    if block.empty:
        computed = result.params.get("periods", [])
        if period in computed:
            raise ValueError(f"period {period} at level {level}: no in-scope projects")
        raise ValueError(f"period {period} at level {level}: not in this result (computed: {', '.join(computed)})")
    return block


def _percent(share: pd.Series) -> pd.Series:
    return (share * 100).round(2)


def _top(frame: pd.DataFrame, rank: pd.Series, top: int, columns: list[str]) -> pd.DataFrame:
    """Rows ranked within `top` (ties at the cut-off kept), ordered by rank then the first column."""
    chosen = frame.assign(rank=rank).loc[lambda f: f["rank"] <= top]
    return chosen.sort_values(["rank", columns[0]], kind="stable")[["rank"] + columns].reset_index(drop=True)


def constraint_rank(block: pd.DataFrame) -> pd.Series:
    """1 = lowest constraint (most structural holes); undefined values are not ranked."""
    return block["constraint"].rank(method="min", ascending=True).astype("Int64")


def paper_tables(result, period: str = "2019-2021", level: str = "locality", top: int = 10,
                 top_themes: int = 3) -> dict[str, pd.DataFrame]:
    """Tables 1-4 of the paper for one period and level, computed from `result`."""
    block = _block(result, period, level).assign(percent=lambda f: _percent(f["share"]))
    model = result.params.get("model", "ego")
    themes = result.themes.loc[(result.themes["period"] == period) & (result.themes["n_projects"] > 0)]
    themes = themes.assign(percent=_percent(themes["share"]))
    ranked = block.dropna(subset=["constraint"])
    return {
        "table1": _top(block, block["rank_projects"], top, ["node", "node_label", "n_projects", "percent"]),
        "table2": _top(themes, themes["n_projects"].rank(method="min", ascending=False).astype(int), top_themes,
                       ["theme", "n_projects", "percent"]),
        "table3": _top(block, block["rank_degree"], top, ["node", "node_label", "degree", "n_alters"]),
        "table4": _top(ranked, constraint_rank(ranked), top,
                       ["node", "node_label", "constraint", f"constraint_{OTHER_MODEL[model]}"]),
    }


def _agrees(relation: str, paper: float, ours: float, tolerance: float) -> bool:
    if ours is None or np.isnan(ours):
        return False
    if relation == ">":
        return ours > paper
    return abs(ours - paper) <= tolerance + 1e-9


def _row(table, item, node, measure, relation, paper, ours, paper_rank=None, our_rank=None,
         alternative=None, ours_alternative=None) -> dict:
    ours = float(ours) if ours is not None and not pd.isna(ours) else np.nan
    return {"table": table, "item": item, "node": node, "measure": measure, "relation": relation,
            "paper": float(paper), "ours": ours,
            "paper_rank": paper_rank, "our_rank": None if our_rank is None or pd.isna(our_rank) else int(our_rank),
            "agrees": _agrees(relation, float(paper), ours, TOLERANCE.get(measure, 0.0)),
            "alternative": alternative,
            "ours_alternative": np.nan if ours_alternative is None or pd.isna(ours_alternative)
            else float(ours_alternative)}


def compare_with_paper(result, paper: dict | None = None) -> pd.DataFrame:
    """One row per published number: the paper's value, ours, ranks, and whether they agree.

    Table 3 also shows our binary degree (`n_alters`) and Table 4 the other Burt model as
    `ours_alternative`, since which variant the paper used is an open question
    (network-metrics.md §10).
    """
    paper = paper or load_paper_tables()
    period, level, cities = paper["period"], paper["level"], paper["cities"]
    block = _block(result, period, level).set_index("node")
    block = block.assign(percent=_percent(block["share"]), constraint_rank=constraint_rank(block))
    model = result.params.get("model", "ego")

    def node_value(node, column):
        return block.at[node, column] if node in block.index else np.nan

    rows = []
    for entry in paper["table1"]:
        node = cities[entry["city"]]
        for measure in ("n_projects", "percent"):
            rows.append(_row("table1", entry["city"], node, measure, "=", entry[measure], node_value(node, measure),
                             our_rank=node_value(node, "rank_projects")))
    themes = result.themes.loc[result.themes["period"] == period].set_index("theme")
    themes = themes.assign(percent=themes["share"] * 100)
    for entry in paper["table2"]:
        theme = paper["themes"][entry["theme"]]
        for measure in ("n_projects", "percent"):
            ours = themes.at[theme, measure] if theme in themes.index else np.nan
            rows.append(_row("table2", entry["theme"], theme, measure, "=", entry[measure], ours))
    for entry in paper["table3"]:
        node = cities[entry["city"]]
        rows.append(_row("table3", entry["city"], node, "degree", "=", entry["degree"], node_value(node, "degree"),
                         entry["rank"], node_value(node, "rank_degree"), "n_alters", node_value(node, "n_alters")))
    other = f"constraint_{OTHER_MODEL[model]}"
    for entry in paper["table4"]:
        node = cities[entry["city"]]
        rows.append(_row("table4", entry["city"], node, "constraint", "=", entry["constraint"],
                         node_value(node, "constraint"), entry["rank"], node_value(node, "constraint_rank"),
                         other, node_value(node, other)))
    rows.extend(_totals(result, paper))
    return pd.DataFrame(rows).astype({"paper_rank": "Int64", "our_rank": "Int64"})


def _totals(result, paper: dict) -> list[dict]:
    period = paper["period"]
    summary = result.summary.loc[result.summary["period"] == period]
    n_projects = summary["n_projects"].iloc[0] if not summary.empty else np.nan
    institutions = summary.loc[summary["level"] == "institution", "n_nodes"]
    rows = [_row("totals", "projects", None, "n_projects", "=", paper["n_projects"], n_projects),
            _row("totals", "institutions", None, "n_institutions", "=", paper["n_institutions"],
                 institutions.iloc[0] if not institutions.empty else np.nan)]
    modes = result.modes.loc[result.modes["period"] == period].set_index("mode")
    for entry in paper["modes"]:
        share = modes.at[entry["mode"], "share"] * 100 if entry["mode"] in modes.index else np.nan
        rows.append(_row("modes", entry["wording"], entry["mode"], "percent", entry["relation"], entry["percent"],
                         share))
    return rows
