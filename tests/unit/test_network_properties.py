"""Property tests: the vectorised measures equal the literal reference loops on random graphs,
and agree with igraph (whole-model constraint) and networkx (betweenness)."""
import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.network import reference as ref
from analysis.network.kernels import Pattern, TwoSteps
from analysis.network.measures import node_measures
from analysis.network.projection import affiliation, co_participation

TOLERANCE = 1e-9
tie_value = st.one_of(st.just(0.0), st.just(0.0), st.integers(1, 4).map(float), st.floats(0.05, 9.0))


@st.composite
def weighted_graphs(draw, max_nodes=9):
    n = draw(st.integers(1, max_nodes))
    upper = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            upper[i, j] = draw(tie_value)
    return upper + upper.T


@st.composite
def memberships(draw):
    """{project: set of node names}, from a random 0/1 affiliation matrix."""
    n_nodes = draw(st.integers(1, 8))
    n_projects = draw(st.integers(1, 8))
    return {f"P{p}": {f"N{k}" for k in range(n_nodes) if draw(st.booleans())} for p in range(n_projects)}


def assert_close(fast, slow):
    assert np.asarray(fast, dtype=float) == pytest.approx(np.asarray(slow, dtype=float), abs=TOLERANCE, nan_ok=True)


def assert_matches_reference(matrix):
    frame, summary = node_measures(sp.csr_array(matrix))
    n = len(matrix)
    w = matrix.tolist()
    for model in ("ego", "whole"):
        assert_close(frame[f"constraint_{model}"], [ref.constraint(w, i, model) for i in range(n)])
        assert_close(frame[f"effective_size_{model}"], [ref.effective_size(w, i, model) for i in range(n)])
        assert_close(frame[f"efficiency_{model}"], [ref.efficiency(w, i, model) for i in range(n)])
        assert_close(frame[f"hierarchy_{model}"], [ref.hierarchy(w, i, model) for i in range(n)])
    assert_close(frame["degree"], [ref.degree(w, i) for i in range(n)])
    assert_close(frame["n_alters"], [ref.n_alters(w, i) for i in range(n)])
    assert_close(frame["betweenness"], ref.betweenness(w))
    assert_close([summary["density_valued"], summary["density_binary"]], [ref.density_valued(w), ref.density_binary(w)])
    parts = ref.components(w)
    assert summary["n_components"] == len(parts)
    assert summary["largest_component"] == max(len(p) for p in parts)
    assert_close([summary["centralization_valued"], summary["centralization_binary"]],
                 [ref.centralization([ref.degree(w, i) for i in range(n)]),
                  ref.centralization([ref.n_alters(w, i) for i in range(n)])])


@settings(max_examples=60, deadline=None)
@given(weighted_graphs())
def test_fast_measures_equal_reference_on_random_weighted_graphs(matrix):
    assert_matches_reference(matrix)


@settings(max_examples=40, deadline=None)
@given(memberships())
def test_projection_and_measures_equal_reference_on_random_affiliations(groups):
    pairs = pd.DataFrame([(node, project) for project, nodes in groups.items() for node in nodes],
                         columns=["node", "project"])
    nodes, w, counts = ref.projection(groups)
    aff = affiliation(pairs["node"], pairs["project"])
    assert list(aff.nodes) == nodes
    assert aff.n_projects.tolist() == [counts[node] for node in nodes]
    weights = co_participation(aff).toarray() if nodes else np.zeros((0, 0))
    assert_close(weights, np.array(w).reshape(len(nodes), len(nodes)))
    if nodes:
        assert_matches_reference(weights)


@settings(max_examples=40, deadline=None)
@given(weighted_graphs(max_nodes=12), st.sampled_from([0, 2, None, 10_000]))
def test_two_step_sums_and_maxima_equal_dense_loops_with_and_without_hubs(matrix, threshold):
    pattern = Pattern.from_matrix(sp.csr_array(matrix))
    steps = TwoSteps.build(pattern, threshold)
    left = (np.arange(pattern.nnz) % 7 + 1.0)              # arbitrary values on the ties
    left_dense = np.zeros_like(matrix)
    left_dense[pattern.rows, pattern.cols] = left
    assert_close(steps.product(left, pattern.weights), (left_dense @ matrix)[pattern.rows, pattern.cols])
    common_max = [max([matrix[q, j] for q in range(len(matrix)) if matrix[i, q] and matrix[q, j]], default=0.0)
                  for i, j in zip(pattern.rows, pattern.cols)]
    assert_close(steps.strongest(pattern.weights), common_max)


@settings(max_examples=25, deadline=None)
@given(weighted_graphs(max_nodes=10))
def test_constraint_agrees_with_igraph_whole_and_on_ego_subgraphs(matrix):
    frame, _ = node_measures(sp.csr_array(matrix))
    graph = ig.Graph.Weighted_Adjacency(matrix.tolist(), mode="upper")
    assert_close(frame["constraint_whole"], graph.constraint(weights="weight"))
    for i in range(len(matrix)):
        members = sorted([i] + list(np.flatnonzero(matrix[i])))
        ego = graph.induced_subgraph(members)            # keeps the original vertex order
        assert_close(frame.at[i, "constraint_ego"], ego.constraint([members.index(i)], weights="weight")[0])


@settings(max_examples=25, deadline=None)
@given(weighted_graphs(max_nodes=10))
def test_betweenness_agrees_with_networkx_unweighted(matrix):
    frame, _ = node_measures(sp.csr_array(matrix))
    graph = nx.from_numpy_array(matrix)
    expected = nx.betweenness_centrality(graph, normalized=False, weight=None)
    assert_close(frame["betweenness"], [expected[i] for i in range(len(matrix))])


def test_sampled_betweenness_is_reported_and_close_to_exact():
    graph = nx.barabasi_albert_graph(400, 3, seed=5)
    matrix = sp.csr_array(nx.to_scipy_sparse_array(graph, weight=None, dtype=float))
    exact, _ = node_measures(matrix)
    sampled, summary = node_measures(matrix, exact_max=100, samples=200, seed=1)
    assert summary["betweenness_sources"] == 200 and not summary["betweenness_exact"]
    top = exact["betweenness"].nlargest(5).index
    relative = (sampled.loc[top, "betweenness"] - exact.loc[top, "betweenness"]).abs() / exact.loc[top, "betweenness"]
    assert relative.max() < 0.25
    again, _ = node_measures(matrix, exact_max=100, samples=200, seed=1)
    assert again["betweenness"].equals(sampled["betweenness"])
