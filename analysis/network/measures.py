"""Network measures as UCINET defines them, vectorised (network-metrics.md §1-§5).

Input is a symmetric co-participation matrix W with a zero diagonal (projection.co_participation).

- degree: valued, Σ_j w_ij; `n_alters`: number of distinct partners; `degree_norm`: degree/(n−1)
  as a fraction (UCINET prints ×100; on valued data it can exceed 1).
- Burt's structural holes on valued ties, p_ij = w_ij / Σ_k w_ik, in two models:
  `ego` (UCINET's default: everything computed inside ego's own network {i} ∪ N(i)) and
  `whole` (igraph/networkx: alters' ties over the whole graph).
  constraint C_i = Σ_j (p_ij + Σ_q p_iq p_qj)², not capped; effective size
  Σ_j [1 − Σ_q p_iq m_jq] with m_jq = w_jq / (j's strongest tie); efficiency = ES / n_alters;
  hierarchy = Σ_j (c_ij/c̄)·ln(c_ij/c̄) / (N·ln N).
  Isolates: every Burt measure is NaN (UCINET "na"). Pendants: constraint 1, effective size 1,
  efficiency 1, hierarchy NaN (0/0).
- betweenness: binary (tie values ignored, as UCINET), each unordered pair counted once;
  exact up to `exact_max` nodes, above that an unbiased estimate from a seeded uniform sample
  of source nodes (Brandes–Pich), with the sample size reported.
- network level: valued and binary density, components, Freeman degree centralization
  (valued and binary, both over the binary maximum (n−1)(n−2), as UCINET; valued can exceed 1).
"""
from __future__ import annotations

import time
from contextlib import contextmanager

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analysis.network.kernels import Pattern, TwoSteps

MODELS = ("ego", "whole")
BETWEENNESS_EXACT_MAX = 5000
BETWEENNESS_SAMPLES = 1000


def check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model {model!r}: expected one of {', '.join(MODELS)}")


def degree_measures(pattern: Pattern) -> pd.DataFrame:
    degree = pattern.row_sum(pattern.weights)
    n_alters = pattern.n_alters
    norm = degree / (pattern.n - 1) if pattern.n > 1 else np.full(pattern.n, np.nan)
    return pd.DataFrame({"degree": degree, "n_alters": n_alters, "degree_norm": norm})


def proportional_ties(pattern: Pattern) -> np.ndarray:
    """p_ij = w_ij / s_i per tie (symmetric W, so Burt's factor 2 cancels)."""
    strength = pattern.row_sum(pattern.weights)
    return pattern.weights / strength[pattern.rows]


def dyadic_constraint(steps: TwoSteps, p: np.ndarray, model: str) -> np.ndarray:
    """c_ij = (p_ij + Σ_q p_iq p_qj)² per tie i→j, with p_qj taken in the given model."""
    check_model(model)
    pattern = steps.pattern
    if model == "whole":
        indirect = steps.product(p, p)
    else:
        # q's tie volume inside i's ego network: w_qi + Σ_{k∈N(i)} w_kq, per tie i→q
        inside = pattern.weights + steps.product(np.ones(pattern.nnz), pattern.weights)
        indirect = steps.product(p / inside, pattern.weights)
    return (p + indirect) ** 2


def _per_node(pattern: Pattern, values: np.ndarray) -> np.ndarray:
    """Row sums, NaN for isolates (no alters: the measure is undefined)."""
    out = pattern.row_sum(values)
    out[pattern.n_alters == 0] = np.nan
    return out


def hierarchy(pattern: Pattern, dyadic: np.ndarray, constraint: np.ndarray) -> np.ndarray:
    """Σ_j (c_ij/c̄) ln(c_ij/c̄) / (N ln N); NaN when N < 2 (0/0)."""
    n_alters = pattern.n_alters.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = constraint / n_alters
        ratio = dyadic / mean[pattern.rows]
        out = pattern.row_sum(ratio * np.log(ratio)) / (n_alters * np.log(n_alters))
    out[n_alters < 2] = np.nan
    return out


def effective_size(steps: TwoSteps, model: str, two_step: np.ndarray) -> np.ndarray:
    """Σ_j [1 − Σ_q p_iq m_jq]; m_jq = w_jq over j's strongest tie (inside ego's network for `ego`).

    `two_step` is Σ_q p_iq w_qj per tie i→j, computed once and shared by the two models.
    """
    check_model(model)
    pattern = steps.pattern
    if model == "ego":     # j's ties inside i's ego network: to i itself and to common neighbours
        strongest = np.maximum(pattern.weights, steps.strongest(pattern.weights))
    else:
        strongest = pattern.row_max(pattern.weights)[pattern.cols]
    redundancy = pattern.row_sum(two_step / strongest)
    out = pattern.n_alters - redundancy
    return np.where(pattern.n_alters == 0, np.nan, out)


def structural_holes(pattern: Pattern, models: tuple[str, ...] = MODELS) -> pd.DataFrame:
    """Columns constraint_<m>, effective_size_<m>, efficiency_<m>, hierarchy_<m> for each model m."""
    for model in models:
        check_model(model)
    steps = TwoSteps.build(pattern)
    p = proportional_ties(pattern)
    two_step = steps.product(p, pattern.weights)
    n_alters = pattern.n_alters.astype(np.float64)
    columns: dict[str, np.ndarray] = {}
    for model in models:
        dyadic = dyadic_constraint(steps, p, model)
        constraint = _per_node(pattern, dyadic)
        size = effective_size(steps, model, two_step)
        with np.errstate(invalid="ignore", divide="ignore"):
            efficiency = size / n_alters
        columns[f"constraint_{model}"] = constraint
        columns[f"effective_size_{model}"] = size
        columns[f"efficiency_{model}"] = efficiency
        columns[f"hierarchy_{model}"] = hierarchy(pattern, dyadic, constraint)
    return pd.DataFrame(columns)


def _igraph(pattern: Pattern) -> ig.Graph:
    upper = pattern.rows < pattern.cols
    edges = np.column_stack([pattern.rows[upper], pattern.cols[upper]])
    return ig.Graph(n=pattern.n, edges=edges.tolist(), directed=False)


def betweenness(pattern: Pattern, exact_max: int = BETWEENNESS_EXACT_MAX, samples: int = BETWEENNESS_SAMPLES,
                seed: int = 0) -> tuple[np.ndarray, int]:
    """Binary betweenness (each unordered pair once) and the number of source nodes used.

    Exact when n <= exact_max or samples >= n; otherwise the paths from `samples` uniformly
    drawn sources, scaled by n / samples (an unbiased estimate of the exact value).
    """
    n = pattern.n
    if n == 0:
        return np.zeros(0), 0
    graph = _igraph(pattern)
    if n <= exact_max or samples >= n:
        return np.asarray(graph.betweenness(directed=False), dtype=np.float64), n
    sources = np.sort(np.random.default_rng(seed).choice(n, size=samples, replace=False))
    partial = np.asarray(graph.betweenness(directed=False, sources=sources.tolist()), dtype=np.float64)
    return partial * (n / samples), samples


def normalized_betweenness(values: np.ndarray, n: int) -> np.ndarray:
    """b / ((n−1)(n−2)/2), as a fraction (UCINET prints a percentage)."""
    pairs = (n - 1) * (n - 2) / 2
    return values / pairs if pairs > 0 else np.full(values.shape, np.nan)


def centralization(scores: np.ndarray) -> float:
    """Freeman degree centralization Σ(max − c_i) / ((n−1)(n−2)); NaN for n < 3."""
    n = scores.size
    if n < 3:
        return float("nan")
    return float((scores.max() - scores).sum() / ((n - 1) * (n - 2)))


def network_summary(pattern: Pattern) -> dict[str, float | int]:
    """Whole-network measures of one period and level."""
    n = pattern.n
    n_ties = pattern.nnz // 2
    pairs = n * (n - 1)
    if n:
        n_components, labels = connected_components(sp.csr_array(pattern.matrix(pattern.weights)), directed=False)
        largest = int(np.bincount(labels).max())
    else:
        n_components, largest = 0, 0
    degree = pattern.row_sum(pattern.weights)
    return {
        "n_nodes": n,
        "n_ties": n_ties,
        "total_tie_value": float(pattern.weights.sum() / 2),
        "density_valued": float(pattern.weights.sum() / pairs) if pairs else float("nan"),
        "density_binary": float(n_ties / (pairs / 2)) if pairs else float("nan"),
        "n_components": int(n_components),
        "largest_component": largest,
        "centralization_valued": centralization(degree),
        "centralization_binary": centralization(pattern.n_alters.astype(np.float64)),
    }


@contextmanager
def _timed(timings: dict[str, float] | None, stage: str):
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def node_measures(weights: sp.sparray | sp.spmatrix, model: str = "ego", exact_max: int = BETWEENNESS_EXACT_MAX,
                  samples: int = BETWEENNESS_SAMPLES, seed: int = 0,
                  timings: dict[str, float] | None = None) -> tuple[pd.DataFrame, dict]:
    """Every node measure of W (one row per node, W's order) and the network summary.

    `constraint`, `effective_size`, `efficiency` and `hierarchy` follow `model`; the values of
    both models are also given with a suffix (`constraint_ego`, `constraint_whole`, ...).
    Seconds per stage are added to `timings` when a dict is given.
    """
    check_model(model)
    with _timed(timings, "degree"):
        pattern = Pattern.from_matrix(weights)
        frame = degree_measures(pattern)
        summary = network_summary(pattern)
    with _timed(timings, "structural_holes"):
        holes = structural_holes(pattern)
    for name in ("constraint", "effective_size", "efficiency", "hierarchy"):
        frame[name] = holes[f"{name}_{model}"]
    with _timed(timings, "betweenness"):
        values, n_sources = betweenness(pattern, exact_max, samples, seed)
    frame["betweenness"] = values
    frame["betweenness_norm"] = normalized_betweenness(values, pattern.n)
    frame = pd.concat([frame, holes], axis=1)
    summary.update(betweenness_sources=n_sources, betweenness_exact=n_sources == pattern.n)
    return frame, summary
