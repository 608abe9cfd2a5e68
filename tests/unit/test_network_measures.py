"""Network measures on small networks whose values are computed by hand (network-metrics.md §7)."""
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis.network.measures import node_measures

NODES = ["A", "B", "C", "D", "E"]
# Worked example: P1 = {A, B, C}, P2 = {A, B}, P3 = {A, D}, P4 = {C, E}; W = A·Aᵀ, diagonal zeroed.
WORKED = [[0, 2, 1, 1, 0],
          [2, 0, 1, 0, 0],
          [1, 1, 0, 0, 1],
          [1, 0, 0, 0, 0],
          [0, 0, 1, 0, 0]]


def measure(matrix, model="ego"):
    frame, summary = node_measures(sp.csr_array(np.array(matrix, dtype=float)), model=model)
    return frame, summary


def test_worked_example_degrees_and_density():
    frame, summary = measure(WORKED)
    assert frame["degree"].tolist() == [4, 3, 3, 1, 1]
    assert frame["n_alters"].tolist() == [3, 2, 3, 1, 1]
    assert frame["degree_norm"].tolist() == pytest.approx([1.0, 0.75, 0.75, 0.25, 0.25])
    assert summary["density_valued"] == pytest.approx(12 / 20)
    assert summary["density_binary"] == pytest.approx(5 / 10)
    assert summary["n_components"] == 1 and summary["largest_component"] == 5


@pytest.mark.parametrize("column, expected", [
    ("constraint_whole", [0.576389, 0.854938, 0.669753, 1, 1]),
    ("constraint_ego", [0.626736, 1.003086, 0.728395, 1, 1]),
    ("effective_size_whole", [2.375, 1.166667, 2.333333, 1, 1]),
    ("effective_size_ego", [2.375, 1.166667, 2.333333, 1, 1]),
    ("efficiency_whole", [0.791667, 0.583333, 0.777778, 1, 1]),
    ("efficiency_ego", [0.791667, 0.583333, 0.777778, 1, 1]),
    ("hierarchy_whole", [0.168528, 0.128175, 0.068940, math.nan, math.nan]),
    ("hierarchy_ego", [0.198842, 0.109508, 0.076556, math.nan, math.nan]),
])
def test_worked_example_structural_holes(column, expected):
    frame, _ = measure(WORKED)
    assert frame[column].to_numpy() == pytest.approx(np.array(expected), abs=5e-7, nan_ok=True)


def test_worked_example_constraint_of_a_term_by_term():
    whole_ab = (0.5 + 0.25 / 3) ** 2             # p_AB + p_AC·p_CB, with s_C = 3 over the whole graph
    whole_ac = (0.25 + 0.5 / 3) ** 2
    ego_ab = (0.5 + 0.25 * 0.5) ** 2              # inside A's ego network C's tie to E is absent
    ego_ac = (0.25 + 0.5 / 3) ** 2
    frame, _ = measure(WORKED)
    assert frame.at[0, "constraint_whole"] == pytest.approx(whole_ab + whole_ac + 0.0625, abs=1e-12)
    assert frame.at[0, "constraint_ego"] == pytest.approx(ego_ab + ego_ac + 0.0625, abs=1e-12)


def test_worked_example_binary_constraint_of_a():
    frame, _ = measure((np.array(WORKED) > 0).astype(float))
    assert frame.at[0, "constraint_whole"] == pytest.approx(0.558642, abs=5e-7)
    assert frame.at[0, "constraint_ego"] == pytest.approx(0.611111, abs=5e-7)


def test_model_choice_selects_the_main_columns():
    ego, _ = measure(WORKED, "ego")
    whole, _ = measure(WORKED, "whole")
    assert ego["constraint"].tolist() == ego["constraint_ego"].tolist()
    assert whole["constraint"].tolist() == whole["constraint_whole"].tolist()
    assert whole["hierarchy"].equals(whole["hierarchy_whole"])
    with pytest.raises(ValueError, match="model 'global'"):
        measure(WORKED, "global")


def test_worked_example_betweenness_is_binary_and_counts_pairs_once():
    frame, summary = measure(WORKED)
    assert frame["betweenness"].tolist() == pytest.approx([3, 0, 3, 0, 0])
    assert frame["betweenness_norm"].tolist() == pytest.approx([0.5, 0, 0.5, 0, 0])
    assert summary["betweenness_exact"] and summary["betweenness_sources"] == 5


def test_triangle_constraint_is_one_and_an_eighth():
    frame, _ = measure([[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    for model in ("ego", "whole"):
        assert frame[f"constraint_{model}"].tolist() == pytest.approx([1.125] * 3)
        assert frame[f"effective_size_{model}"].tolist() == pytest.approx([1.0] * 3)   # 2 − 2·1/2
        assert frame[f"efficiency_{model}"].tolist() == pytest.approx([0.5] * 3)
        assert frame[f"hierarchy_{model}"].tolist() == pytest.approx([0.0] * 3)
    assert frame["betweenness"].tolist() == [0, 0, 0]


def star(k, weight=1.0):
    matrix = np.zeros((k + 1, k + 1))
    matrix[0, 1:] = matrix[1:, 0] = weight
    return matrix


@pytest.mark.parametrize("k", [2, 4, 7])
def test_star_centre_has_constraint_one_over_k_and_no_hierarchy(k):
    frame, summary = measure(star(k))
    for model in ("ego", "whole"):
        assert frame.at[0, f"constraint_{model}"] == pytest.approx(1 / k)
        assert frame.at[0, f"hierarchy_{model}"] == pytest.approx(0.0, abs=1e-12)
        assert frame.at[0, f"effective_size_{model}"] == pytest.approx(k)
        assert frame.at[0, f"efficiency_{model}"] == pytest.approx(1.0)
    assert frame.at[0, "betweenness"] == pytest.approx(k * (k - 1) / 2)
    assert summary["centralization_binary"] == pytest.approx(1.0)


def test_pendant_has_constraint_one_and_undefined_hierarchy():
    frame, _ = measure(star(3, weight=2.0))
    leaves = frame.iloc[1:]
    for model in ("ego", "whole"):
        assert leaves[f"constraint_{model}"].tolist() == pytest.approx([1.0] * 3)
        assert leaves[f"effective_size_{model}"].tolist() == pytest.approx([1.0] * 3)
        assert leaves[f"efficiency_{model}"].tolist() == pytest.approx([1.0] * 3)
        assert leaves[f"hierarchy_{model}"].isna().all()


def test_isolate_has_every_burt_measure_undefined():
    matrix = np.zeros((4, 4))
    matrix[0, 1] = matrix[1, 0] = 1.0
    frame, summary = measure(matrix)
    isolates = frame.iloc[2:]
    burt = [c for c in frame.columns if c.split("_")[0] in ("constraint", "effective", "efficiency", "hierarchy")]
    assert isolates[burt].isna().all().all()
    assert isolates["degree"].tolist() == [0, 0] and isolates["n_alters"].tolist() == [0, 0]
    assert isolates["betweenness"].tolist() == [0, 0]
    assert summary["n_components"] == 3 and summary["largest_component"] == 2


def test_weighted_triangle_by_hand():
    # w_AB = 2, w_AC = 1, w_BC = 1. p_AB = 2/3, p_AC = 1/3, p_CA = p_CB = 1/2.
    frame, _ = measure([[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    c_ab, c_ac = (2 / 3 + 1 / 3 * 1 / 2) ** 2, (1 / 3 + 2 / 3 * 1 / 3) ** 2      # 25/36, 25/81
    c_c = 2 * (1 / 2 + 1 / 2 * 2 / 3) ** 2                                          # 50/36
    es_a = (1 - 1 / 3 * 1 / 2) + (1 - 2 / 3 * 1)                                    # m_BC = 1/2, m_CB = 1
    es_c = (1 - 1 / 2 * 1) + (1 - 1 / 2 * 1)
    mean = (c_ab + c_ac) / 2
    h_a = sum(c / mean * math.log(c / mean) for c in (c_ab, c_ac)) / (2 * math.log(2))
    for model in ("ego", "whole"):                 # a triangle is its own ego network
        assert frame[f"constraint_{model}"].tolist() == pytest.approx([c_ab + c_ac, c_ab + c_ac, c_c])
        assert frame[f"effective_size_{model}"].tolist() == pytest.approx([es_a, es_a, es_c])
        assert frame[f"hierarchy_{model}"].tolist() == pytest.approx([h_a, h_a, 0.0], abs=1e-12)
    assert c_ab + c_ac == pytest.approx(325 / 324)
    assert h_a == pytest.approx(0.109508, abs=5e-7)
    assert frame["degree"].tolist() == [3, 3, 2]


def test_valued_ego_effective_size_uses_the_strongest_tie_inside_the_ego_network():
    # Ego A tied to B and C; B–C tied with 1; B's strongest tie (5) goes to D, outside A's network.
    matrix = np.zeros((4, 4))
    for i, j, w in [(0, 1, 1), (0, 2, 1), (1, 2, 1), (1, 3, 5)]:
        matrix[i, j] = matrix[j, i] = w
    frame, _ = measure(matrix)
    # whole: m_BC = 1/5, m_CB = 1/1; ego: inside {A, B, C} B's strongest tie is 1, so m_BC = 1.
    assert frame.at[0, "effective_size_whole"] == pytest.approx((1 - 0.5 * 0.2) + (1 - 0.5 * 1))
    assert frame.at[0, "effective_size_ego"] == pytest.approx((1 - 0.5 * 1) + (1 - 0.5 * 1))


def test_burt_measures_are_invariant_to_scaling_all_weights():
    rng = np.random.default_rng(3)
    upper = np.triu(rng.integers(0, 4, size=(12, 12)), 1).astype(float)
    matrix = upper + upper.T
    base, _ = measure(matrix)
    scaled, _ = measure(matrix * 3.7)
    burt = [c for c in base.columns if c.startswith(("constraint", "effective", "efficiency", "hierarchy"))]
    pd.testing.assert_frame_equal(base[burt], scaled[burt], rtol=1e-12, atol=1e-12)
    assert scaled["degree"].to_numpy() == pytest.approx(base["degree"].to_numpy() * 3.7)
    assert scaled["betweenness"].tolist() == base["betweenness"].tolist()


def test_binary_effective_size_is_n_minus_2t_over_n():
    rng = np.random.default_rng(11)
    upper = np.triu(rng.random((15, 15)) < 0.35, 1).astype(float)
    matrix = upper + upper.T
    frame, _ = measure(matrix)
    for i in range(15):
        alters = np.flatnonzero(matrix[i])
        if alters.size == 0:
            continue
        ties_among = matrix[np.ix_(alters, alters)].sum() / 2
        expected = alters.size - 2 * ties_among / alters.size
        assert frame.at[i, "effective_size_ego"] == pytest.approx(expected)
        assert frame.at[i, "effective_size_whole"] == pytest.approx(expected)


def test_bad_matrices_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="not symmetric"):
        measure([[0, 1], [0, 0]])
    with pytest.raises(ValueError, match="diagonal"):
        measure([[1, 1], [1, 0]])
    with pytest.raises(ValueError, match="negative"):
        measure([[0, -1], [-1, 0]])


def test_empty_network_gives_empty_frames():
    frame, summary = node_measures(sp.csr_array((0, 0)))
    assert frame.empty and summary["n_nodes"] == 0 and summary["n_components"] == 0
