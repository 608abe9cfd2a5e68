"""Institution names found by rule, not by the alias table: university-hospital and
numbered-hospital abbreviations, autonomous units, descriptions that are not names, short
names inside ordinary words, names in brackets, two names run together, placement."""
import pytest

from analysis.coding.institutions import finder

SICHUAN, CHONGQING, LUZHOU, YONGCHUAN, CHENGDU = "510000", "500000", "510500", "500118", "510100"


def names(text, home=None):
    return [m.institution.name for m in finder().find(text, home)]


@pytest.mark.parametrize("short, full", [
    ("成医一附院", "成都医学院第一附属医院"),  # the table spells this one 第一附属医院
    ("陆军军医大学附属第一医院", "陆军军医大学第一附属医院"),
    ("遵医附院", "遵义医科大学附属医院"),
    ("重医附属第二医院", "重庆医科大学附属第二医院"),
    ("昆医附二院", "昆明医科大学附属第二医院"),  # not in the table: the common form
])
def test_university_hospital_abbreviations_by_rule(short, full):
    assert names(f"日前，{short}与广安市人民医院签订合作协议。") == [full, "广安市人民医院"]


def test_a_derived_university_hospital_sits_with_its_university():
    inst = finder().find("西南医大附二院与江津区中心医院签约", CHONGQING)[0].institution
    assert (inst.name, inst.place.division_code, inst.place_source) == \
        ("西南医科大学附属第二医院", "510500", "name")


def test_numbered_hospitals_follow_the_article_city():
    text = "市五医院与市三院签署专科联盟协议，我市二院参加。"
    assert names(text, CHENGDU) == ["成都市第五人民医院", "成都市第三人民医院", "成都市第二人民医院"]
    assert names("市九院与荣昌区人民医院签约", CHONGQING) == ["重庆市第九人民医院", "重庆市荣昌区人民医院"]
    assert names("省四医院专家赴宜宾义诊", SICHUAN) == ["四川省第四人民医院"]


def test_relative_tcm_hospital_and_my_city():
    assert names("市中医医院与江津区中医院签订协议", LUZHOU) == ["泸州市中医医院", "重庆市江津区中医院"]
    assert names("我市第一人民医院与永川区人民医院签约", LUZHOU) == ["泸州市第一人民医院", "重庆市永川区人民医院"]


@pytest.mark.parametrize("text", [
    "重庆市三甲医院与四川省内三甲医院加强合作",
    "泸州市级医院与辖区医院、区内医院开展协作",
    "成都市各医院与重庆市内医院开展交流",
    "重庆方舱医院和成都互联网医院投入使用",
    "渝西地区医院与毗邻地区医院签订协议",
    "市县两级疾控中心负责人参加",
])
def test_descriptions_of_a_kind_of_institution_are_no_names(text):
    assert names(text, CHONGQING) == []


def test_collective_places_name_commissions_but_not_hospitals():
    text = "泸州市中医医院与江津区中医院签订协议，两地医院将共建专科，两地卫健委负责同志出席。"
    assert names(text, LUZHOU) == ["泸州市中医医院", "重庆市江津区中医院",
                                   "泸州市卫生健康委员会", "重庆市江津区卫生健康委员会"]
    assert names("永川、荣昌、大足三区卫生健康委签署协议") == [
        "重庆市永川区卫生健康委员会", "重庆市荣昌区卫生健康委员会", "重庆市大足区卫生健康委员会"]


def test_short_names_inside_ordinary_words_are_ignored():
    assert names("近年来，四川大力推进医联体建设，避免加重医疗负担。") == []
    assert names("据重医附一院消息，川大华西与重医签约。") == [
        "重庆医科大学附属第一医院", "四川大学华西医院", "重庆医科大学"]


def test_a_name_in_brackets_after_a_name_is_the_same_institution():
    assert names("四川省人民医院（四川省医学科学院）与重庆市人民医院签约") == ["四川省人民医院", "重庆市人民医院"]


def test_two_names_run_together_are_split_where_the_second_starts():
    assert names("重庆市人民医院同广安市人民医院签署合作协议") == ["重庆市人民医院", "广安市人民医院"]
    assert names("重庆医科大学附属第一医院金山医院与广安市人民医院签约") == [
        "重庆医科大学附属第一医院金山医院", "广安市人民医院"]
    group = finder().institution("四川省人民医院医疗集团", None)
    assert group.institution_type == "hospital"


def test_a_university_may_lead_a_longer_name():
    assert names("与首都医科大学附属北京朝阳医院、四川大学华西口腔医院签约") == [
        "首都医科大学附属北京朝阳医院", "四川大学华西口腔医院"]
    inst = finder().institution("首都医科大学附属北京朝阳医院", CHONGQING)
    assert inst.place.division_code == "110000"  # the place after 附属, not the article's


@pytest.mark.parametrize("short, full", [
    ("凉山州第二人民医院", "凉山彝族自治州第二人民医院"),
    ("阿坝州卫健委", "阿坝藏族羌族自治州卫生健康委员会"),
    ("秀山县人民医院", "重庆市秀山土家族苗族自治县人民医院"),
    ("北川县中医医院", "北川羌族自治县中医医院"),
])
def test_autonomous_units_are_spelled_out(short, full):
    assert finder().institution(short, None).name == full


def test_one_alias_read_by_the_article_place():
    assert names("市公卫中心专家组", CHENGDU) == ["成都市公共卫生临床医疗中心"]
    assert names("市公卫中心专家组", CHONGQING) == ["重庆市公共卫生医疗救治中心"]
    assert names("市公卫中心专家组", LUZHOU) == []


def test_newer_government_suffixes():
    assert names("重庆市经济和信息化委员会与四川省卫生计生委签订协议") == [
        "重庆市经济和信息化委员会", "四川省卫生健康委员会"]
