"""From coded projects to the frames behind the warehouse views, for every period and level.

`compute_all` is the entry point (see the package docstring). Conventions:

- `share` is a fraction 0..1 of ALL in-scope projects of the period (the paper's "Percentage"
  divided by 100), whether or not a project has counted participants.
- Ranks are competition ranks, 1 = most projects / highest degree; ties share the rank
  ("1, 2, 2, 4"), so a tied node is never ranked arbitrarily.
- Rows are ordered by period (as requested), level, rank_projects, node.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.network.inputs import CodedInput, prepare, theme_list
from analysis.network.measures import BETWEENNESS_EXACT_MAX, BETWEENNESS_SAMPLES, check_model, node_measures
from analysis.network.periods import Period, resolve_periods
from analysis.network.projection import LEVELS, affiliation, co_participation, node_attributes, node_keys

RANKING_COLUMNS = ("period", "level", "node", "n_projects", "share", "degree", "n_alters", "degree_norm",
                   "constraint", "effective_size", "efficiency", "betweenness", "rank_projects", "rank_degree")
RANKING_EXTRAS = ("node_label", "hierarchy", "betweenness_norm", "constraint_ego", "constraint_whole",
                  "effective_size_ego", "effective_size_whole", "efficiency_ego", "efficiency_whole",
                  "hierarchy_ego", "hierarchy_whole")
NODE_COLUMNS = ("period", "level", "node", "label", "node_type", "sector", "province", "prefecture", "county")
EDGE_COLUMNS = ("period", "level", "source", "target", "weight")
THEMES = ("tcm", "modern_medicine", "prevention_care", "health_industry", "talent_research", "informatization",
          "other")
MODES = ("inter_governmental", "government_society", "social")
UNKNOWN_MODE = "unknown"


@dataclass
class NetworkResult:
    """Everything one recompute produces, as pandas frames (see the package docstring)."""

    rankings: pd.DataFrame
    themes: pd.DataFrame
    modes: pd.DataFrame
    yearly: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    summary: pd.DataFrame
    timings: pd.DataFrame
    params: dict
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_snapshot(cls, frames: dict) -> NetworkResult:
        """A stored snapshot (``warehouse.snapshots.read_snapshot``) as a result; a snapshot keeps
        no timings or warnings."""
        return cls(timings=pd.DataFrame(), warnings=[], **{k: v for k, v in frames.items() if k != "snapshot_id"})


def _rank(values: pd.Series) -> pd.Series:
    return values.rank(method="min", ascending=False).astype("int64")


def level_rankings(period: str, level: str, nodes: pd.Index, n_projects: np.ndarray, total: int,
                   measures: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """One period/level block of v_rankings (plus the extra columns)."""
    frame = pd.DataFrame({"period": period, "level": level, "node": nodes.astype(str),
                          "n_projects": n_projects.astype(np.int64),
                          "share": n_projects / total if total else np.nan})
    frame = pd.concat([frame, measures.reset_index(drop=True)], axis=1)
    frame["n_alters"] = frame["n_alters"].astype(np.int64)
    frame["rank_projects"] = _rank(frame["n_projects"])
    frame["rank_degree"] = _rank(frame["degree"])
    frame["node_label"] = labels.reindex(nodes).to_numpy()
    frame = frame[list(RANKING_COLUMNS + RANKING_EXTRAS)]
    return frame.sort_values(["rank_projects", "node"], kind="stable").reset_index(drop=True)


def level_edges(period: str, level: str, nodes: pd.Index, weights: sp.sparray) -> pd.DataFrame:
    """Each undirected tie once, source < target in node order."""
    upper = sp.coo_array(sp.triu(weights, k=1))
    names = nodes.astype(str).to_numpy()
    return pd.DataFrame({"period": period, "level": level, "source": names[upper.row],
                         "target": names[upper.col], "weight": upper.data.astype(np.float64)})


def _counts_frame(period: str, key: str, counts: pd.Series, canonical: tuple[str, ...], total: int) -> pd.DataFrame:
    """Canonical categories always (zeros included), then any others met, by their count."""
    others = sorted((c for c in counts.index if c not in canonical), key=lambda c: (-counts[c], c))
    names = list(canonical) + others
    n = np.array([int(counts.get(name, 0)) for name in names], dtype=np.int64)
    return pd.DataFrame({"period": period, key: names, "n_projects": n, "share": n / total if total else np.nan})


def theme_counts(projects: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
    """v_themes: projects per theme.

    ``n_projects``/``share`` count each project once, by its primary theme, as the paper's
    Table 2 does (its shares add up to at most 100%); ``n_projects_any`` counts a project
    for every theme it touches (multi-label)."""
    primary = projects["primary_theme"].astype("string").fillna("other")
    labelled = projects[["project_id", "year"]].assign(theme=projects["themes"].map(theme_list))
    labelled = labelled.explode("theme").dropna(subset=["theme"]).drop_duplicates(["project_id", "theme"])
    blocks = []
    for period in periods:
        inside = period.contains(projects["year"])
        frame = _counts_frame(period.label, "theme", primary[inside].value_counts(), THEMES, int(inside.sum()))
        any_counts = labelled.loc[period.contains(labelled["year"]), "theme"].value_counts()
        blocks.append(frame.assign(n_projects_any=[int(any_counts.get(t, 0)) for t in frame["theme"]]))
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(
        columns=["period", "theme", "n_projects", "share", "n_projects_any"])


def mode_counts(projects: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
    """v_modes: projects per cooperation mode; a missing mode is counted as 'unknown'."""
    modes = projects["mode"].astype("string").fillna(UNKNOWN_MODE)
    blocks = []
    for period in periods:
        inside = period.contains(projects["year"])
        blocks.append(_counts_frame(period.label, "mode", modes[inside].value_counts(), MODES, int(inside.sum())))
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(
        columns=["period", "mode", "n_projects", "share"])


def yearly_growth(coded: CodedInput) -> pd.DataFrame:
    """v_yearly: per year (every year of the range, empty ones included) the in-scope projects,
    the institutions taking part for the first time, and the institution-level ties of that
    year's own network."""
    years = coded.projects["year"]
    if years.empty:
        return pd.DataFrame(columns=["year", "n_projects", "n_new_institutions", "n_edges"])
    span = np.arange(int(years.min()), int(years.max()) + 1)
    first_year = coded.participants.groupby("institution_id")["year"].min().value_counts()
    rows = []
    for year in span:
        members = coded.participants.loc[coded.participants["year"] == year]
        ties = co_participation(affiliation(members["institution_id"], members["project_id"])).nnz // 2
        rows.append({"year": int(year), "n_projects": int((years == year).sum()),
                     "n_new_institutions": int(first_year.get(year, 0)), "n_edges": int(ties)})
    return pd.DataFrame(rows)


def _unplaced_warnings(keys: dict[str, pd.Series]) -> list[str]:
    missing = {level: int(level_keys.isna().sum()) for level, level_keys in keys.items()}
    return [f"level {level}: {n} participant row(s) without a {level} node left out"
            for level, n in missing.items() if n]


def compute_all(projects: pd.DataFrame, participants: pd.DataFrame, periods=None, model: str = "ego",
                include_witnesses: bool = False, levels: tuple[str, ...] = LEVELS,
                betweenness_exact_max: int = BETWEENNESS_EXACT_MAX, betweenness_samples: int = BETWEENNESS_SAMPLES,
                seed: int = 0) -> NetworkResult:
    """Measure the co-participation network for every period and level (see the package docstring).

    Node labels and places come from all in-scope rows, so a node reads the same in every period.
    """
    check_model(model)
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise ValueError(f"level {unknown[0]!r}: expected one of {', '.join(LEVELS)}")
    coded = prepare(projects, participants, include_witnesses)
    resolved = resolve_periods(periods, coded.projects["year"])
    attributes = {level: node_attributes(coded.participants, level) for level in levels}
    keys = {level: node_keys(coded.participants, level) for level in levels}

    rankings, nodes, edges, summaries, timings = [], [], [], [], []
    for period in resolved:
        total = int(period.contains(coded.projects["year"]).sum())
        inside = period.contains(coded.participants["year"])
        rows = coded.participants.loc[inside]
        for level in levels:
            stages: dict[str, float] = {}
            start = time.perf_counter()
            aff = affiliation(keys[level][inside], rows["project_id"])
            weights = co_participation(aff)
            stages["projection"] = time.perf_counter() - start
            measures, summary = node_measures(weights, model, betweenness_exact_max, betweenness_samples, seed,
                                              timings=stages)
            start = time.perf_counter()
            rankings.append(level_rankings(period.label, level, aff.nodes, aff.n_projects, total, measures,
                                           attributes[level]["label"]))
            node_frame = attributes[level].reindex(aff.nodes).reset_index()
            nodes.append(node_frame.assign(period=period.label, level=level)[list(NODE_COLUMNS)])
            edges.append(level_edges(period.label, level, aff.nodes, weights))
            summaries.append({"period": period.label, "level": level, "n_projects": total,
                              "n_projects_placed": int(aff.projects.size), "model": model, **summary})
            stages["assemble"] = time.perf_counter() - start
            timings.extend({"period": period.label, "level": level, "stage": stage, "seconds": seconds}
                           for stage, seconds in stages.items())

    params = {"periods": [p.label for p in resolved], "levels": list(levels), "model": model,
              "include_witnesses": include_witnesses, "betweenness_exact_max": betweenness_exact_max,
              "betweenness_samples": betweenness_samples, "seed": seed}
    return NetworkResult(
        rankings=_concat(rankings, RANKING_COLUMNS + RANKING_EXTRAS),
        themes=theme_counts(coded.projects, resolved),
        modes=mode_counts(coded.projects, resolved),
        yearly=yearly_growth(coded),
        nodes=_concat(nodes, NODE_COLUMNS),
        edges=_concat(edges, EDGE_COLUMNS),
        summary=pd.DataFrame(summaries),
        timings=pd.DataFrame(timings, columns=["period", "level", "stage", "seconds"]),
        params=params,
        warnings=coded.warnings + _unplaced_warnings(keys),
    )


def _concat(frames: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(columns))
