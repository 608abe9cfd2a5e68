"""Gazetteer: codes, suffix-less names, renames, placement rules of the contract."""
import pytest

from analysis.coding.places import Place, gazetteer
from analysis.coding.resources import read_csv


@pytest.fixture(scope="module")
def gz():
    return gazetteer()


def test_every_sichuan_and_chongqing_county_is_listed(gz):
    counties = [d for d in gz.by_code.values() if d.level == "county"]
    assert sum(d.code.startswith("51") for d in counties) == 183
    assert sum(d.code.startswith("50") for d in counties) == 38
    assert {"500105", "500112"} <= set(gz.by_code)  # 江北区, 渝北区 (missing from the package data)
    assert "500157" not in gz.by_code  # 两江新区 is a new area, not a county


def test_every_division_has_a_valid_parent(gz):
    for d in gz.by_code.values():
        if d.level != "province":
            assert d.parent_code in gz.by_code, d
        else:
            assert gz.by_code[d.capital_code].level in ("prefecture", "province"), d


def test_names_with_and_without_suffix(gz):
    assert gz.leading_chain("泸州市合江县人民医院") == (("泸州市", "510500"), ("合江县", "510522"))
    assert gz.leading_chain("泸州合江县人民医院")[-1] == ("合江县", "510522")
    assert gz.leading_chain("永川中医院")[-1][1] == "500118"


@pytest.mark.parametrize("former, code", [
    ("梁平县", "500155"), ("武隆县", "500156"), ("开县", "500154"), ("铜梁县", "500151"),
    ("璧山县", "500120"), ("潼南县", "500152"), ("隆昌县", "511083"), ("射洪县", "510981"),
    ("会理县", "513402"), ("简阳市", "510185"),
])
def test_historical_renames_resolve_to_the_current_unit(gz, former, code):
    assert gz.leading_chain(former + "人民医院")[-1][1] == code


def test_jianyang_belongs_to_chengdu_now(gz):
    assert gz.place("510185").prefecture == "成都市"


def test_dongbu_xinqu_is_not_a_county(gz):
    (surface, code), = gz.leading_chain("东部新区人民医院")
    assert code == "510100" and gz.place(code).county is None


def test_contract_placement_rules(gz):
    assert gz.place("510000") == Place("四川省", "成都市", None, "510000")
    assert gz.place("500000") == Place("重庆市", "重庆市", None, "500000")
    assert gz.place("500118") == Place("重庆市", "重庆市", "永川区", "500118")
    assert gz.place("510522") == Place("四川省", "泸州市", "合江县", "510522")
    assert gz.place("520300") == Place("贵州省", "遵义市", None, "520300")


def test_official_prefixes(gz):
    assert gz.official_prefix("永川区", "500118") == "重庆市永川区"
    assert gz.official_prefix("开县", "500154") == "重庆市开州区"
    assert gz.official_prefix("双流区", "510116") == "成都市双流区"
    assert gz.official_prefix("合江县", "510522") == "合江县"
    assert gz.official_prefix("泸州", "510500") is None  # a short form is left as written


def test_ambiguous_names_need_their_city(gz):
    assert gz.leading_chain("市中区人民医院") == ()
    assert gz.leading_chain("内江市市中区人民医院")[-1][1] == "511002"


def test_common_words_are_not_places(gz):
    assert gz.mentions("祝愿长寿老人在嘉陵江边散步") == []
    assert [m.surface for m in gz.mentions("长寿区与阿坝州")] == ["长寿区", "阿坝州"]


def test_scope_units(gz):
    assert gz.scope_unit("510000") == "510100"  # a province-level body counts as its capital
    assert gz.scope_unit("510522") == "510500"  # a Sichuan county counts as its city
    assert gz.scope_unit("500118") == "500118"  # a Chongqing district is a unit of its own


def test_data_files_are_well_formed():
    codes = {row["code"] for row in read_csv("divisions.csv")}
    assert len(codes) == len(read_csv("divisions.csv"))
    for row in read_csv("division_aliases.csv"):
        assert row["code"] in codes and row["kind"] in ("renamed", "moved", "functional_area")


def test_autonomous_units_by_short_name_and_level_word(gz):
    assert gz.leading_chain("凉山州第一人民医院") == (("凉山州", "513400"),)
    assert gz.official_prefix("凉山州", "513400") == "凉山彝族自治州"
    assert gz.official_prefix("石柱县", "500240") == "重庆市石柱土家族自治县"
    assert gz.official_prefix("凉山", "513400") is None  # a bare short name stays as written
