"""Co-participation network of the coded projects: measures, rankings, paper tables, exports.

Entry point::

    from analysis.network import compute_all
    result = compute_all(projects, participants, periods=None, model="ego", include_witnesses=False)

Inputs are the coder's frames (shapes of `v_projects` / `v_project_participants`):
projects(project_id, signed_date, year, themes, primary_theme, mode, in_scope, ...) and
participants(project_id, institution_id, institution, role, institution_type, sector, province,
prefecture, county, ...). Only in-scope projects count; roles signatory and participant count,
witnesses only with `include_witnesses=True`. `year` falls back to the year of `signed_date`.

`periods`: labels such as "2020", "2019-2021" or "all" (the whole range, labelled by its years,
e.g. "2019-2023"). Default: every year with data, 2019-2021 and the whole range.
`model`: "ego" (UCINET's default) or "whole" (igraph/networkx) for constraint, effective size,
efficiency and hierarchy; both models are always reported in the `*_ego` / `*_whole` columns.

`NetworkResult` (all pandas frames):
- `rankings`: the v_rankings columns (period, level, node, n_projects, share, degree, n_alters,
  degree_norm, constraint, effective_size, efficiency, betweenness, rank_projects, rank_degree)
  followed by node_label, hierarchy, betweenness_norm and the per-model columns.
  `share` is a fraction 0..1 of all in-scope projects of the period; `degree` is valued
  (Σ tie values), `n_alters` binary; `degree_norm` = degree/(n−1) as a fraction;
  `betweenness` is the raw binary value (estimated above 5,000 nodes, see `summary`);
  ranks are competition ranks (ties share a rank), 1 = highest.
- `themes` (period, theme, n_projects, share), `modes` (period, mode, n_projects, share),
  `yearly` (year, n_projects, n_new_institutions, n_edges): the v_themes / v_modes / v_yearly views.
- `nodes` (period, level, node, label, node_type, sector, province, prefecture, county) and
  `edges` (period, level, source, target, weight): for snapshots and exports.
- `summary`: per period and level, n_nodes, n_ties, density (valued and binary), components,
  degree centralization (valued and binary), betweenness_sources / betweenness_exact.
- `timings` (period, level, stage, seconds), `params` (what was computed), `warnings` (skipped rows).

Levels: institution, locality (the paper's "city": county where known, else prefecture),
prefecture, province; participants are mapped to the level's node before projecting, so a
project counts once per node and ties inside one node are dropped (projection.py).
Definitions: /work/shared/research/network-metrics.md; measures.py states the conventions.

Also here: `paper_tables` / `compare_with_paper` (the paper's Tables 1-4 and its published
2019-2021 numbers), `fingerprint` (skip a recompute when the coded input is unchanged), and the
exports `export_network`, `build_graph`, `write_ucinet_csv`, `safe_output_path`.
"""
from analysis.network.export import build_graph, export_network, safe_output_path, write_ucinet_csv
from analysis.network.fingerprint import fingerprint
from analysis.network.paper import compare_with_paper, load_paper_tables, paper_tables
from analysis.network.projection import LEVELS
from analysis.network.rankings import NetworkResult, compute_all

__all__ = ["LEVELS", "NetworkResult", "build_graph", "compare_with_paper", "compute_all", "export_network",
           "fingerprint", "load_paper_tables", "paper_tables", "safe_output_path", "write_ucinet_csv"]
