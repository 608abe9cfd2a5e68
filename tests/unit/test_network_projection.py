"""Input preparation, periods, and projection at the four levels."""
import datetime as dt

import pandas as pd
import pytest

from analysis.network.inputs import prepare, theme_list
from analysis.network.periods import Period, default_periods, parse_period, resolve_periods
from analysis.network.projection import affiliation, co_participation, node_attributes, node_keys

# Institutions: where they sit (province, prefecture, county) and what they are.
PLACES = {
    "cq_wjw": ("重庆市卫生健康委员会", "government", "重庆市", "重庆市", None),
    "cq_hosp": ("重庆医科大学附属第一医院", "hospital", "重庆市", "重庆市", "渝中区"),
    "jj_hosp": ("江津区中心医院", "hospital", "重庆市", "重庆市", "江津区"),
    "jj_wjw": ("江津区卫生健康委员会", "government", "重庆市", "重庆市", "江津区"),
    "sc_wjw": ("四川省卫生健康委员会", "government", "四川省", "成都市", None),
    "cd_hosp": ("四川大学华西医院", "hospital", "四川省", "成都市", "武侯区"),
    "lz_wjw": ("泸州市卫生健康委员会", "government", "四川省", "泸州市", None),
    "hj_hosp": ("合江县人民医院", "hospital", "四川省", "泸州市", "合江县"),
}


def participants_frame(rows):
    """rows: (project_id, institution_id, role) -> the v_project_participants shape."""
    records = []
    for project_id, institution_id, role in rows:
        name, kind, province, prefecture, county = PLACES[institution_id]
        records.append({"project_id": project_id, "institution_id": institution_id, "institution": name,
                        "role": role, "institution_type": kind,
                        "sector": "government" if kind == "government" else "society", "province": province,
                        "prefecture": prefecture, "county": county, "division_code": None})
    return pd.DataFrame(records)


def projects_frame(ids, years=None, in_scope=None):
    years = years or [2020] * len(ids)
    return pd.DataFrame({"project_id": ids, "title": ids, "signed_date": [dt.date(y, 5, 1) for y in years],
                         "year": years, "themes": [["tcm"]] * len(ids), "primary_theme": "tcm", "mode": "social",
                         "in_scope": in_scope or [True] * len(ids)})


ROWS = participants_frame([
    ("p1", "cq_wjw", "signatory"), ("p1", "sc_wjw", "signatory"), ("p1", "cd_hosp", "participant"),
    ("p2", "cq_hosp", "signatory"), ("p2", "jj_hosp", "signatory"), ("p2", "jj_wjw", "participant"),
    ("p3", "lz_wjw", "signatory"), ("p3", "hj_hosp", "participant"), ("p3", "cq_wjw", "witness"),
])


def weights_by_name(keys, rows):
    aff = affiliation(keys, rows["project_id"])
    weights = co_participation(aff).toarray()
    names = list(aff.nodes)
    ties = {(names[i], names[j]): weights[i, j] for i in range(len(names)) for j in range(i + 1, len(names))
            if weights[i, j]}
    return dict(zip(names, aff.n_projects)), ties


def test_locality_is_county_where_known_else_prefecture():
    keys = node_keys(ROWS, "locality")
    assert keys.tolist() == ["重庆市", "成都市", "武侯区", "渝中区", "江津区", "江津区", "泸州市", "合江县", "重庆市"]


def test_locality_level_counts_a_project_once_per_node_and_drops_ties_inside_a_node():
    coded = prepare(projects_frame(["p1", "p2", "p3"]), ROWS)
    projects, ties = weights_by_name(node_keys(coded.participants, "locality"), coded.participants)
    assert projects == {"合江县": 1, "成都市": 1, "武侯区": 1, "江津区": 1, "泸州市": 1, "渝中区": 1, "重庆市": 1}
    # p2: two 江津区 bodies and one 渝中区 body -> one tie 江津区–渝中区 of weight 1 (not 2)
    assert ties[("江津区", "渝中区")] == 1
    assert ("合江县", "泸州市") in ties and ("重庆市", "泸州市") not in ties     # witness left out


def test_prefecture_and_province_levels_aggregate_first():
    coded = prepare(projects_frame(["p1", "p2", "p3"]), ROWS)
    projects, ties = weights_by_name(node_keys(coded.participants, "prefecture"), coded.participants)
    assert projects == {"成都市": 1, "泸州市": 1, "重庆市": 2}
    assert ties == {("成都市", "重庆市"): 1}            # p2 and p3 lie inside one prefecture each
    projects, ties = weights_by_name(node_keys(coded.participants, "province"), coded.participants)
    assert projects == {"四川省": 2, "重庆市": 2}
    assert ties == {("四川省", "重庆市"): 1}


def test_institution_level_uses_ids_and_repeated_pairs_count_once():
    rows = pd.concat([ROWS, ROWS.iloc[[0]]], ignore_index=True)
    projects, ties = weights_by_name(node_keys(rows, "institution"), rows)
    assert projects["cq_wjw"] == 2                        # p1 (twice listed) and p3
    assert ties[("cd_hosp", "cq_wjw")] == 1


def test_witnesses_count_only_when_asked():
    without = prepare(projects_frame(["p1", "p2", "p3"]), ROWS)
    with_witnesses = prepare(projects_frame(["p1", "p2", "p3"]), ROWS, include_witnesses=True)
    assert len(without.participants) == 8 and len(with_witnesses.participants) == 9


def test_out_of_scope_projects_and_bad_rows_are_left_out_with_warnings():
    rows = pd.concat([ROWS, participants_frame([("p1", "cd_hosp", "observer")])], ignore_index=True)
    rows.loc[len(rows)] = rows.iloc[0].to_dict() | {"institution_id": None}
    projects = projects_frame(["p1", "p2", "p3"], in_scope=[True, False, True])
    coded = prepare(projects, rows)
    assert set(coded.participants["project_id"]) == {"p1", "p3"}
    assert any("unknown role" in w and "observer" in w for w in coded.warnings)
    assert any("without institution_id" in w for w in coded.warnings)


def test_year_falls_back_to_signed_date_and_undated_projects_are_skipped():
    projects = projects_frame(["p1", "p2", "p3"], years=[2019, 2020, 2021])
    projects["year"] = [None, 2020, None]
    projects.loc[2, "signed_date"] = None
    coded = prepare(projects, ROWS)
    assert coded.projects.set_index("project_id")["year"].to_dict() == {"p1": 2019, "p2": 2020}
    assert any("p3" in w for w in coded.warnings)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="participants frame lacks column.*county"):
        prepare(projects_frame(["p1"]), ROWS.drop(columns=["county"]))


def test_node_attributes_per_level():
    coded = prepare(projects_frame(["p1", "p2", "p3"]), ROWS)
    institutions = node_attributes(coded.participants, "institution")
    assert institutions.loc["hj_hosp", ["label", "node_type", "province", "prefecture", "county"]].tolist() == [
        "合江县人民医院", "hospital", "四川省", "泸州市", "合江县"]
    localities = node_attributes(coded.participants, "locality")
    assert localities.loc["合江县", ["node_type", "province", "prefecture"]].tolist() == ["county", "四川省", "泸州市"]
    assert localities.loc["重庆市", "node_type"] == "prefecture"
    provinces = node_attributes(coded.participants, "province")
    assert provinces.loc["四川省", "node_type"] == "province" and pd.isna(provinces.loc["四川省", "prefecture"])


def test_theme_lists_from_any_storage():
    assert theme_list(["tcm", "other"]) == ["tcm", "other"]
    assert theme_list("tcm") == ["tcm"]
    assert theme_list(None) == [] and theme_list(float("nan")) == []
    assert theme_list(pd.array(["tcm", None])) == ["tcm"]


def test_periods_parse_resolve_and_default():
    assert parse_period("2019-2021") == Period(2019, 2021)
    assert parse_period("2020").label == "2020"
    assert parse_period("all", [2021, 2019, 2023]).label == "2019-2023"
    with pytest.raises(ValueError, match="expected YYYY"):
        parse_period("last year")
    with pytest.raises(ValueError, match="ends before"):
        parse_period("2021-2019")
    assert [p.label for p in default_periods([2019, 2020, 2021, 2022])] == [
        "2019", "2020", "2021", "2022", "2019-2021", "2019-2022"]
    assert [p.label for p in default_periods([2020])] == ["2020", "2019-2021"]
    assert [p.label for p in resolve_periods(["all", "2019-2021", "2019-2021"], [2019, 2021])] == ["2019-2021"]
