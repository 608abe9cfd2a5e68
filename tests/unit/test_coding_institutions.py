"""Institution names: known aliases, pattern names, canonical form, type, place, ids."""
import pytest

from analysis.coding.institutions import finder, institution_id
from analysis.coding.resources import read_csv

SICHUAN, CHONGQING, LUZHOU, YONGCHUAN, CHENGDU = "510000", "500000", "510500", "500118", "510100"


def names(text, home=None):
    return [m.institution.name for m in finder().find(text, home)]


def one(text, home=None):
    found = finder().find(text, home)
    assert len(found) == 1, [m.institution.name for m in found]
    return found[0].institution


@pytest.mark.parametrize("short, full", [
    ("重医附一院", "重庆医科大学附属第一医院"),
    ("华西医院", "四川大学华西医院"),
    ("川大华西", "四川大学华西医院"),
    ("西南医院", "陆军军医大学第一附属医院"),
    ("新桥医院", "陆军军医大学第二附属医院"),
    ("重庆市卫健委", "重庆市卫生健康委员会"),
])
def test_short_names_become_the_official_name(short, full):
    assert names(f"近日，{short}与遂宁市中心医院签署合作协议") == [full, "遂宁市中心医院"]


@pytest.mark.parametrize("written, official", [
    ("泸州人民医院", "泸州市人民医院"),
    ("合江人民医院", "合江县人民医院"),
    ("永川中医院", "重庆市永川区中医院"),
    ("内江第二人民医院", "内江市第二人民医院"),
    ("遂宁疾控中心", "遂宁市疾病预防控制中心"),
    ("泸州医学院附属医院", "西南医科大学附属医院"),  # the former name of the university
])
def test_a_body_named_after_its_unit_is_one_institution_with_or_without_the_suffix(written, official):
    assert names(f"近日，{written}与遂宁市中心医院签署合作协议") == [official, "遂宁市中心医院"]
    assert finder().institution(written, None).institution_id == finder().institution(official, None).institution_id


@pytest.mark.parametrize("proper_name", ["重庆医科大学", "成都中医药大学", "泸州老窖集团"])
def test_a_proper_name_keeps_its_short_place(proper_name):
    assert finder().institution(proper_name, None).name == proper_name


def test_province_hospital_means_sichuan_only_in_a_sichuan_article():
    assert names("省医院专家团队赴大足开展义诊", SICHUAN) == ["四川省人民医院"]
    assert names("省医院专家团队赴大足开展义诊", CHONGQING) == []


def test_relative_commission_takes_the_article_city():
    assert names("市卫健委主要负责同志出席", LUZHOU) == ["泸州市卫生健康委员会"]
    assert names("市卫健委主要负责同志出席", CHONGQING) == ["重庆市卫生健康委员会"]
    assert names("区卫生健康委员会负责同志陪同", YONGCHUAN) == ["重庆市永川区卫生健康委员会"]
    assert names("市卫健委主要负责同志出席", None) == []


def test_both_commissions_of_two_places():
    assert names("川渝两地卫健委共同主办") == ["四川省卫生健康委员会", "重庆市卫生健康委员会"]
    assert names("泸州、永川两地卫健委签署协议") == ["泸州市卫生健康委员会", "重庆市永川区卫生健康委员会"]


def test_one_suffix_shared_by_listed_places():
    text = "达州市卫生健康委员会与重庆市万州区、开州区卫生健康委员会签署框架协议"
    assert names(text) == ["达州市卫生健康委员会", "重庆市万州区卫生健康委员会", "重庆市开州区卫生健康委员会"]


def test_connectors_end_a_name():
    assert names("日前，泸州市人民医院与永川区中医院签订协议") == ["泸州市人民医院", "重庆市永川区中医院"]


def test_unknown_county_hospital_is_placed_by_its_name():
    inst = one("泸州市合江县人民医院加入联盟")
    assert (inst.name, inst.institution_type, inst.known, inst.place_source) == \
        ("合江县人民医院", "hospital", False, "name")
    assert (inst.place.prefecture, inst.place.county, inst.place.division_code) == ("泸州市", "合江县", "510522")


def test_chongqing_district_bodies_carry_the_municipality():
    assert names("永川区人民政府与成都中医药大学") == ["重庆市永川区人民政府", "成都中医药大学"]
    inst = finder().institution("铜梁区卫生健康委员会", None)
    assert inst.name == "重庆市铜梁区卫生健康委员会" and inst.place.county == "铜梁区"


def test_renamed_county_gives_the_current_name():
    assert finder().institution("开县人民医院", None).name == "重庆市开州区人民医院"


def test_sichuan_district_bodies_carry_their_city():
    inst = finder().institution("新都区卫生健康局", CHENGDU)
    assert (inst.name, inst.institution_type, inst.place.division_code) == \
        ("成都市新都区卫生健康局", "government", "510114")


def test_province_level_bodies_sit_in_the_capital():
    commission = finder().institution("四川省卫生健康委员会", None)
    assert (commission.place.prefecture, commission.place.division_code) == ("成都市", "510000")
    hospital = finder().institution("四川省肿瘤医院", None)
    assert (hospital.place.prefecture, hospital.place.division_code) == ("成都市", "510100")
    assert finder().institution("重庆市卫生健康委员会", None).place.division_code == "500000"


@pytest.mark.parametrize("name, itype", [
    ("泸州市疾病预防控制中心", "government"),
    ("合江县卫生健康局", "government"),
    ("遂宁市中医院", "hospital"),
    ("宜宾市妇幼保健院", "hospital"),
    ("重庆医科大学附属第一医院", "hospital"),
    ("川北医学院", "university"),
    ("重庆市中药研究院", "research_institute"),
    ("四川省预防医学会", "social_organization"),
    ("泸州老窖健康产业有限公司", "enterprise"),
])
def test_types_follow_the_last_word(name, itype):
    inst = finder().institution(name, None)
    assert inst.institution_type == itype
    assert inst.sector == ("government" if itype == "government" else "society")


def test_descriptions_are_not_names():
    assert names("推动各级医院、基层医疗卫生机构和互联网医院协同发展，三甲医院下沉", CHONGQING) == []


def test_unknown_enterprise_without_place_uses_the_article_context():
    inst = one("华康医药有限公司参与项目建设", LUZHOU)
    assert (inst.name, inst.place_source, inst.place.prefecture) == ("华康医药有限公司", "context", "泸州市")


def test_ids_are_stable_and_known_ids_come_from_the_table():
    unknown = finder().institution("合江县人民医院", None)
    assert unknown.institution_id == institution_id("合江县人民医院") == finder().institution(
        "泸州市合江县人民医院", None).institution_id
    row = next(r for r in read_csv("institutions.csv") if r["name"] == "四川大学华西医院")
    assert finder().institution("华西医院", None).institution_id == row["institution_id"]


def test_alias_table_points_only_to_known_institutions():
    known = {r["name"] for r in read_csv("institutions.csv")}
    assert all(r["name"] in known for r in read_csv("aliases.csv"))
    assert len(known) == len(read_csv("institutions.csv"))


def test_relative_district_follows_the_district_named_before():
    text = "重庆市铜梁区人民医院医共体签约，区人民医院与安居镇卫生院签约。"
    assert names(text, CHONGQING) == ["重庆市铜梁区人民医院", "重庆市铜梁区人民医院", "重庆市铜梁区安居镇卫生院"]
    assert names("区级医院和区属公立医院", CHONGQING) == []


def test_hospital_attached_to_a_university_keeps_the_university_in_its_name():
    assert names("与首都医科大学附属北京朝阳医院签约") == ["首都医科大学附属北京朝阳医院"]


def test_every_prefecture_and_chongqing_district_has_its_commission_and_cdc():
    rows = {r["name"]: r for r in read_csv("institutions.csv")}
    units = [d for d in read_csv("divisions.csv")
             if (d["parent_code"] == "510000" and d["level"] == "prefecture") or d["parent_code"] == "500000"]
    assert len(units) == 21 + 38
    for d in units:
        prefix = d["name"] if d["code"].startswith("51") else "重庆市" + d["name"]
        for body in ("卫生健康委员会", "疾病预防控制中心"):
            row = rows[prefix + body]
            assert (row["institution_type"], row["division_code"]) == ("government", d["code"])


def test_table_ids_are_the_hash_of_the_name():
    assert all(r["institution_id"] == institution_id(r["name"]) for r in read_csv("institutions.csv"))


def test_commission_short_forms_resolve_to_the_table_entry():
    inst = finder().institution("凉山州卫健委", None)
    assert (inst.name, inst.known, inst.place.division_code) == ("凉山彝族自治州卫生健康委员会", True, "513400")
    assert finder().institution("綦江区疾控中心", None).name == "重庆市綦江区疾病预防控制中心"
