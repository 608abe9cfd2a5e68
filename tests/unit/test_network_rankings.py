"""compute_all and the view frames, the paper's tables and the comparison, the input fingerprint."""
import pandas as pd
import pytest

from analysis.network import compare_with_paper, compute_all, fingerprint, paper_tables
from analysis.network.rankings import RANKING_COLUMNS
from tests.unit.test_network_projection import ROWS, participants_frame, projects_frame

# p1 2019: 重庆市 / 成都市 / 武侯区 bodies; p2 2020: 渝中区 + two 江津区 bodies; p3 2021: 泸州市 + 合江县
# (重庆市 only as witness); p4 2022 out of scope; p5 2021 without participants; p6 2021: 重庆市 + 泸州市.
PARTICIPANTS = pd.concat([ROWS, participants_frame([("p4", "cq_wjw", "signatory"), ("p4", "hj_hosp", "signatory"),
                                                    ("p6", "cq_wjw", "signatory"), ("p6", "lz_wjw", "signatory")])],
                         ignore_index=True)
PROJECTS = projects_frame(["p1", "p2", "p3", "p4", "p5", "p6"], years=[2019, 2020, 2021, 2022, 2021, 2021],
                          in_scope=[True, True, True, False, True, True])
PROJECTS["themes"] = [["tcm", "modern_medicine"], ["tcm"], ["prevention_care"], ["tcm"], [], ["tcm"]]
PROJECTS["primary_theme"] = ["modern_medicine", "tcm", "prevention_care", "tcm", None, "tcm"]
PROJECTS["mode"] = ["inter_governmental", "social", "government_society", "social", None, "inter_governmental"]


@pytest.fixture(scope="module")
def result():
    return compute_all(PROJECTS, PARTICIPANTS)


def block(frame, period="2019-2021", level="locality"):
    return frame.loc[(frame["period"] == period) & (frame["level"] == level)].set_index("node")


def test_rankings_have_the_view_columns_first(result):
    assert tuple(result.rankings.columns[:len(RANKING_COLUMNS)]) == RANKING_COLUMNS
    assert {"hierarchy", "constraint_whole", "node_label"} <= set(result.rankings.columns)
    assert result.params["periods"] == ["2019", "2020", "2021", "2019-2021"]
    assert set(result.rankings["level"]) == {"institution", "locality", "prefecture", "province"}


def test_locality_rankings_for_the_period(result):
    ranks = block(result.rankings)
    assert ranks["n_projects"].to_dict() == {"重庆市": 2, "泸州市": 2, "合江县": 1, "成都市": 1, "武侯区": 1,
                                             "江津区": 1, "渝中区": 1}
    assert ranks.at["重庆市", "share"] == pytest.approx(2 / 5)         # 5 in-scope projects, p5 included
    assert ranks["degree"].to_dict() == {"重庆市": 3, "泸州市": 2, "合江县": 1, "成都市": 2, "武侯区": 2,
                                         "江津区": 1, "渝中区": 1}
    assert ranks.at["重庆市", "rank_degree"] == 1 and ranks.at["成都市", "rank_degree"] == 2
    assert ranks.at["江津区", "rank_degree"] == 5
    assert ranks.at["泸州市", "rank_projects"] == 1 and ranks.at["武侯区", "rank_projects"] == 3
    assert ranks.at["重庆市", "degree_norm"] == pytest.approx(3 / 6)
    # 重庆市: alters 成都市, 武侯区 (tied to each other) and 泸州市: 2·(1/3 + 1/3·1/2)² + (1/3)²
    assert ranks.at["重庆市", "constraint"] == pytest.approx(0.5 + 1 / 9)
    assert ranks.at["泸州市", "constraint"] == pytest.approx(0.5)
    assert ranks.at["合江县", "constraint"] == pytest.approx(1.0)
    # 成都市: the ego model ignores 重庆市's tie to 泸州市, the whole model does not
    assert ranks.at["成都市", "constraint_ego"] == pytest.approx(1.125)
    assert ranks.at["成都市", "constraint_whole"] == pytest.approx(0.75 ** 2 + (2 / 3) ** 2)
    assert ranks.at["重庆市", "betweenness"] == pytest.approx(4)     # 泸州市/合江县 to 成都市/武侯区


def test_whole_model_switches_the_main_columns():
    whole = compute_all(PROJECTS, PARTICIPANTS, periods=["2019-2021"], model="whole", levels=("locality",))
    assert block(whole.rankings).at["成都市", "constraint"] == pytest.approx(0.75 ** 2 + (2 / 3) ** 2)
    assert whole.summary["model"].tolist() == ["whole"]


def test_witnesses_can_be_included():
    with_witnesses = compute_all(PROJECTS, PARTICIPANTS, periods=["2021"], levels=("locality",),
                                 include_witnesses=True)
    assert block(with_witnesses.rankings, "2021").at["重庆市", "n_projects"] == 2


def test_edges_nodes_and_summary(result):
    edges = result.edges.loc[(result.edges["period"] == "2019-2021") & (result.edges["level"] == "prefecture")]
    assert sorted(zip(edges["source"], edges["target"], edges["weight"])) == [
        ("成都市", "重庆市", 1.0), ("泸州市", "重庆市", 1.0)]
    nodes = block(result.nodes, level="institution")
    assert nodes.at["hj_hosp", "label"] == "合江县人民医院" and nodes.at["hj_hosp", "county"] == "合江县"
    summary = result.summary.set_index(["period", "level"]).loc[("2019-2021", "locality")]
    assert summary["n_nodes"] == 7 and summary["n_ties"] == 6 and summary["n_components"] == 2
    assert summary["density_binary"] == pytest.approx(6 / 21)
    assert summary["n_projects"] == 5 and summary["n_projects_placed"] == 4
    assert set(result.timings["stage"]) >= {"projection", "structural_holes", "betweenness"}


def test_theme_mode_and_yearly_views(result):
    themes = result.themes.loc[result.themes["period"] == "2019-2021"].set_index("theme")
    # by primary theme (p5 has none: "other"), as the paper's Table 2; and multi-label
    assert themes["n_projects"].to_dict() == {"tcm": 2, "modern_medicine": 1, "prevention_care": 1,
                                              "health_industry": 0, "talent_research": 0, "informatization": 0,
                                              "other": 1}
    assert themes.at["tcm", "share"] == pytest.approx(0.4)
    assert themes["n_projects_any"].to_dict() == {"tcm": 3, "modern_medicine": 1, "prevention_care": 1,
                                                  "health_industry": 0, "talent_research": 0, "informatization": 0,
                                                  "other": 0}
    modes = result.modes.loc[result.modes["period"] == "2019-2021"].set_index("mode")
    assert modes["n_projects"].to_dict() == {"inter_governmental": 2, "government_society": 1, "social": 1,
                                             "unknown": 1}
    assert result.yearly.to_dict("records") == [
        {"year": 2019, "n_projects": 1, "n_new_institutions": 3, "n_edges": 3},
        {"year": 2020, "n_projects": 1, "n_new_institutions": 3, "n_edges": 3},
        {"year": 2021, "n_projects": 3, "n_new_institutions": 2, "n_edges": 2}]


def test_paper_tables_keep_ties_at_the_cut_off(result):
    tables = paper_tables(result, "2019-2021", top=1)
    assert tables["table1"]["node"].tolist() == ["泸州市", "重庆市"]
    assert tables["table1"]["percent"].tolist() == [40.0, 40.0]
    assert paper_tables(result, top=2)["table3"]["node"].tolist() == ["重庆市", "成都市", "武侯区", "泸州市"]
    table4 = paper_tables(result, top=2)["table4"]
    assert table4["node"].tolist() == ["泸州市", "重庆市"]
    assert list(table4.columns) == ["rank", "node", "node_label", "constraint", "constraint_whole"]
    # ties at the cut-off are kept: three themes share rank 2
    assert paper_tables(result)["table2"]["theme"].tolist() == ["tcm", "modern_medicine", "other", "prevention_care"]
    with pytest.raises(ValueError, match="period 2015 at level locality: not in this result"):
        paper_tables(result, "2015")


def paper_like_input():
    """87 projects of 2019-2021 whose locality counts, themes, modes and institutions match the paper."""
    counts = {"遂宁市": 6, "泸州市": 6, "资阳市": 5, "铜梁区": 4, "永川区": 4, "潼南区": 4, "江津区": 3, "合江县": 3,
              "达州市": 3, "宜宾市": 3}
    members = {p: [] for p in range(87)}
    for p in range(56):
        members[p].append("重庆市")
    for p in range(31, 85):
        members[p].append("成都市")
    small = [name for name, n in counts.items() for _ in range(n)]
    for k, name in enumerate(small):
        members[(85 + k) % 87].append(name)
    rows = []
    for p, places in members.items():
        for place in places + (["重庆市"] if p < 3 else []):          # 3 extra bodies: 154 institutions
            county = None if place.endswith("市") else place
            prefecture = place if county is None else "重庆市"
            rows.append({"project_id": f"x{p}", "institution_id": f"i{len(rows)}", "institution": f"机构{len(rows)}",
                         "role": "signatory", "institution_type": "hospital", "sector": "society",
                         "province": "重庆市" if prefecture == "重庆市" else "四川省", "prefecture": prefecture,
                         "county": county})
    projects = projects_frame([f"x{p}" for p in range(87)], years=[2019 + p % 3 for p in range(87)])
    projects["themes"] = [["tcm"]] * 18 + [["modern_medicine"]] * 17 + [["prevention_care"]] * 14 + [["other"]] * 38
    projects["primary_theme"] = [t[0] for t in projects["themes"]]
    projects["mode"] = ["inter_governmental"] * 24 + ["government_society"] * 10 + ["social"] * 53
    return projects, pd.DataFrame(rows)


def test_compare_with_paper_matches_english_names_to_our_nodes():
    projects, participants = paper_like_input()
    comparison = compare_with_paper(compute_all(projects, participants, periods=["2019-2021"]))
    assert comparison.groupby("table").size().to_dict() == {"table1": 24, "table2": 6, "table3": 10, "table4": 10,
                                                            "totals": 2, "modes": 3}
    agreeing = comparison.loc[comparison["table"].isin(["table1", "table2", "totals", "modes"]), "agrees"]
    assert agreeing.all(), comparison.loc[~comparison["agrees"]]
    hejiang = comparison.loc[(comparison["table"] == "table1") & (comparison["measure"] == "n_projects")]
    assert hejiang.set_index("node").at["合江县", "item"].startswith("Hejiang")
    degree = comparison.loc[comparison["table"] == "table3"].iloc[0]
    assert degree["node"] == "重庆市" and degree["alternative"] == "n_alters" and degree["ours"] > 0
    assert comparison.loc[comparison["table"] == "table4", "alternative"].eq("constraint_whole").all()


def test_fingerprint_ignores_order_and_dtypes_but_not_content():
    base = fingerprint(PROJECTS, PARTICIPANTS, "coder-1")
    reordered = PROJECTS.sample(frac=1, random_state=3).assign(year=lambda f: f["year"].astype(float))
    reordered["themes"] = [tuple(reversed(t)) for t in reordered["themes"]]
    assert fingerprint(reordered, PARTICIPANTS.iloc[::-1], "coder-1") == base
    assert len(base) == 64 and int(base, 16) >= 0
    assert fingerprint(PROJECTS, PARTICIPANTS, "coder-2") != base
    changed = PARTICIPANTS.copy()
    changed.loc[0, "role"] = "witness"
    assert fingerprint(PROJECTS, changed, "coder-1") != base
    assert fingerprint(PROJECTS.assign(mode="social"), PARTICIPANTS, "coder-1") != base


def test_empty_input_gives_empty_frames():
    empty = compute_all(PROJECTS.iloc[:0], PARTICIPANTS.iloc[:0])
    assert empty.rankings.empty and empty.yearly.empty and list(empty.rankings.columns[:3]) == [
        "period", "level", "node"]
    assert empty.summary.empty and empty.params["periods"] == []
