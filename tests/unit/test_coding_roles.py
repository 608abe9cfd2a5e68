"""Roles: signatory / participant / witness from the verbs around each institution."""
from analysis.coding.institutions import finder
from analysis.coding.roles import role_rules, strongest

CHONGQING, SICHUAN = "500000", "510000"


def roles(text, home=None):
    calls = role_rules().assign(text, finder().find(text, home))
    out = {}
    for call in calls:
        out.setdefault(call.mention.institution.name, []).append(call.role)
    return {name: strongest(found) for name, found in out.items()}


def test_two_signatories_and_witnesses():
    text = ("9月3日，遂宁市中心医院与重庆市潼南区人民医院签订医疗合作协议，"
            "遂宁市卫生健康委员会、潼南区卫生健康委员会有关负责同志出席签约仪式。")
    assert roles(text) == {
        "遂宁市中心医院": "signatory", "重庆市潼南区人民医院": "signatory",
        "遂宁市卫生健康委员会": "witness", "重庆市潼南区卫生健康委员会": "witness"}


def test_witness_frame_before_the_signing():
    text = "在四川省卫生健康委员会的见证下，华西医院与重医附一院签署战略合作协议。"
    assert roles(text) == {"四川省卫生健康委员会": "witness", "四川大学华西医院": "signatory",
                           "重庆医科大学附属第一医院": "signatory"}


def test_officials_who_attend_are_not_signatories():
    text = "重庆市卫生健康委员会副主任出席并见证泸州市人民医院与江津区中心医院签约。"
    assert roles(text, CHONGQING) == {"重庆市卫生健康委员会": "witness", "泸州市人民医院": "signatory",
                                      "重庆市江津区中心医院": "signatory"}


def test_counterpart_support_receiver_is_a_participant():
    text = "重医附二院对口支援邻水县人民医院签约仪式举行，重医附二院将对邻水县人民医院开展帮扶。"
    assert roles(text) == {"重庆医科大学附属第二医院": "signatory", "邻水县人民医院": "participant"}


def test_multi_party_alliance_leader_and_members():
    text = ("11月6日，川渝肿瘤专科联盟在重庆成立。联盟由重庆大学附属肿瘤医院牵头发起，"
            "首批成员单位为宜宾市第一人民医院、达州市中心医院、重庆市万州区人民医院和广安市人民医院。")
    assert roles(text, CHONGQING) == {
        "重庆大学附属肿瘤医院": "signatory", "宜宾市第一人民医院": "participant",
        "达州市中心医院": "participant", "重庆市万州区人民医院": "participant",
        "广安市人民医院": "participant"}


def test_joining_an_existing_consortium():
    text = "重庆市涪陵中心医院正式加入华西医院牵头的专科医联体，涪陵区卫生健康委员会负责同志出席仪式。"
    assert roles(text, CHONGQING) == {"重庆市涪陵中心医院": "participant", "四川大学华西医院": "signatory",
                                      "重庆市涪陵区卫生健康委员会": "witness"}


def test_founders_listed_before_a_comma():
    text = "四川省人民医院、重庆市人民医院，共同发起成立川渝老年医学联盟。"
    assert roles(text) == {"四川省人民医院": "signatory", "重庆市人民医院": "signatory"}


def test_strongest_role_wins_over_mentions():
    text = ("四川省疾病预防控制中心与重庆市疾病预防控制中心签署框架协议。"
            "签约仪式由重庆市疾病预防控制中心主任主持。")
    assert roles(text)["重庆市疾病预防控制中心"] == "signatory"
    assert strongest([None, "witness", "participant"]) == "participant"
    assert strongest([None]) is None


def test_places_visited_get_no_role():
    text = "签约后，考察组参观了新都区人民医院。"
    assert roles(text, "510100") == {"成都市新都区人民医院": None}


def party_roles(title, body, home=None):
    from datetime import date

    from analysis.coding.document import Document, code_document
    coding = code_document(Document("t1", None, None, title, date(2022, 3, 10), body, None))
    return {p.institution.name: p.role for p in coding.parties}


def test_consortium_receiver_is_a_participant_though_both_sign():
    roles = party_roles("南充市中心医院与潼南区人民医院共建医联体",
                        "9月12日，南充市中心医院与重庆市潼南区人民医院医联体签约仪式举行。"
                        "南充市中心医院将向潼南区人民医院派驻专家。")
    assert roles == {"南充市中心医院": "signatory", "重庆市潼南区人民医院": "participant"}


def test_consortium_leader_keeps_signing_and_members_join():
    roles = party_roles("铜梁区人民医院牵头组建医共体",
                        "3月15日，重庆市铜梁区人民医院牵头的医共体签约仪式举行，区人民医院与安居镇卫生院、"
                        "围龙镇卫生院分别签订医共体协议。")
    assert roles == {"重庆市铜梁区人民医院": "signatory", "重庆市铜梁区安居镇卫生院": "participant",
                     "重庆市铜梁区围龙镇卫生院": "participant"}


def test_ordinary_agreement_keeps_both_signatories_even_with_support():
    roles = party_roles("省医院与大足区人民医院签署合作协议",
                        "四川省人民医院与重庆市大足区人民医院签署合作协议，省医院将对大足区人民医院给予支持。")
    assert roles == {"四川省人民医院": "signatory", "重庆市大足区人民医院": "signatory"}


def test_heads_who_sign_on_behalf_of_their_hospitals_make_them_signatories():
    text = "重庆市人民医院院长与广安市人民医院院长分别代表双方在协议上签字。"
    assert roles(text) == {"重庆市人民医院": "signatory", "广安市人民医院": "signatory"}
