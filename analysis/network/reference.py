"""Literal, loop-by-loop implementations of every measure, used only by the tests.

Each function transcribes a definition of network-metrics.md as directly as possible, on a
dense symmetric weight matrix (a list of lists or a 2-D array) with a zero diagonal. They are
slow on purpose: nothing here is shared with the vectorised code in measures.py and kernels.py,
so agreement between the two is evidence that both are right.

Burt's formulas are written with Burt's directed form z_ij + z_ji; for symmetric W this is 2·w_ij
and the factor cancels. The ego model literally restricts the network to {i} ∪ N(i) before
applying the same formulas.
"""
from __future__ import annotations

import math
from collections import deque

NAN = float("nan")


def neighbours(w, i, within=None) -> list[int]:
    nodes = range(len(w)) if within is None else within
    return [j for j in nodes if j != i and w[i][j] > 0]


def ego_network(w, i) -> list[int]:
    return [i] + neighbours(w, i)


def proportional_tie(w, i, j, within=None) -> float:
    """p_ij = (z_ij + z_ji) / Σ_k (z_ik + z_ki), over the nodes `within` (default: all)."""
    nodes = range(len(w)) if within is None else within
    total = sum(w[i][k] + w[k][i] for k in nodes if k != i)
    return (w[i][j] + w[j][i]) / total if total else 0.0


def _scope(w, i, model):
    if model == "ego":
        return ego_network(w, i)
    if model == "whole":
        return list(range(len(w)))
    raise ValueError(model)


def dyadic_constraint(w, i, j, model="whole") -> float:
    nodes = _scope(w, i, model)
    indirect = sum(proportional_tie(w, i, q, nodes) * proportional_tie(w, q, j, nodes)
                   for q in nodes if q not in (i, j))
    return (proportional_tie(w, i, j, nodes) + indirect) ** 2


def constraint(w, i, model="whole") -> float:
    alters = neighbours(w, i)
    if not alters:
        return NAN
    return sum(dyadic_constraint(w, i, j, model) for j in alters)


def effective_size(w, i, model="whole") -> float:
    alters = neighbours(w, i)
    if not alters:
        return NAN
    nodes = _scope(w, i, model)
    total = 0.0
    for j in alters:
        strongest = max(w[j][k] + w[k][j] for k in nodes if k != j)
        redundancy = sum(proportional_tie(w, i, q, nodes) * (w[j][q] + w[q][j]) / strongest
                         for q in nodes if q not in (i, j))
        total += 1 - redundancy
    return total


def efficiency(w, i, model="whole") -> float:
    alters = neighbours(w, i)
    return effective_size(w, i, model) / len(alters) if alters else NAN


def hierarchy(w, i, model="whole") -> float:
    alters = neighbours(w, i)
    n = len(alters)
    if n < 2:
        return NAN
    dyads = [dyadic_constraint(w, i, j, model) for j in alters]
    mean = sum(dyads) / n
    return sum((c / mean) * math.log(c / mean) for c in dyads) / (n * math.log(n))


def degree(w, i) -> float:
    return sum(w[i][j] for j in range(len(w)) if j != i)


def n_alters(w, i) -> int:
    return len(neighbours(w, i))


def _bfs(w, source):
    """Distances and numbers of shortest paths from `source`, ignoring tie values."""
    distance = {source: 0}
    paths = {source: 1}
    queue = deque([source])
    while queue:
        v = queue.popleft()
        for u in neighbours(w, v):
            if u not in distance:
                distance[u] = distance[v] + 1
                paths[u] = 0
                queue.append(u)
            if distance[u] == distance[v] + 1:
                paths[u] += paths[v]
    return distance, paths


def betweenness(w) -> list[float]:
    """Σ over unordered pairs s, t (≠ v) of σ_st(v) / σ_st, on binary ties."""
    n = len(w)
    searches = [_bfs(w, s) for s in range(n)]
    scores = [0.0] * n
    for s in range(n):
        for t in range(s + 1, n):
            dist_s, paths_s = searches[s]
            if t not in dist_s:
                continue
            dist_t, paths_t = searches[t]
            for v in range(n):
                if v in (s, t) or v not in dist_s or v not in dist_t:
                    continue
                if dist_s[v] + dist_t[v] == dist_s[t]:
                    scores[v] += paths_s[v] * paths_t[v] / paths_s[t]
    return scores


def density_valued(w) -> float:
    n = len(w)
    return sum(w[i][j] for i in range(n) for j in range(n) if i != j) / (n * (n - 1)) if n > 1 else NAN


def density_binary(w) -> float:
    n = len(w)
    ties = sum(1 for i in range(n) for j in range(i + 1, n) if w[i][j] > 0)
    return ties / (n * (n - 1) / 2) if n > 1 else NAN


def components(w) -> list[set[int]]:
    seen: set[int] = set()
    found = []
    for start in range(len(w)):
        if start in seen:
            continue
        distance, _ = _bfs(w, start)
        seen.update(distance)
        found.append(set(distance))
    return found


def centralization(scores) -> float:
    n = len(scores)
    if n < 3:
        return NAN
    top = max(scores)
    return sum(top - s for s in scores) / ((n - 1) * (n - 2))


def projection(memberships: dict[str, set[str]]) -> tuple[list[str], list[list[float]], dict[str, int]]:
    """Co-participation from {project: set of nodes}: nodes (sorted), W with zero diagonal, projects per node."""
    nodes = sorted({node for members in memberships.values() for node in members})
    index = {node: k for k, node in enumerate(nodes)}
    w = [[0.0] * len(nodes) for _ in nodes]
    counts = {node: 0 for node in nodes}
    for members in memberships.values():
        for a in members:
            counts[a] += 1
            for b in members:
                if a != b:
                    w[index[a]][index[b]] += 1
    return nodes, w, counts
