"""Relevance: agreement words for, meetings/plans/notices against, two parties needed."""
from analysis.coding.relevance import relevance_rules


def judge(title, body, parties=2):
    return relevance_rules().judge(title, body, parties)


def test_signed_agreement_is_relevant_with_evidence():
    r = judge("泸州市人民医院与江津区中心医院签订合作协议",
              "3月5日，泸州市人民医院与重庆市江津区中心医院签订医疗合作协议。")
    assert r.is_cooperation and r.margin > 0
    assert ("签订", 6.0, "title") in r.evidence and ("协议", 4.0, "title") in r.evidence


def test_alliance_founding_is_relevant():
    r = judge("川渝眼科专科联盟成立", "联盟由四川省人民医院牵头，首批成员单位12家。")
    assert r.is_cooperation


def test_visit_with_only_a_plan_to_sign_is_not():
    r = judge("市卫生健康委赴荣昌区考察交流",
              "双方在座谈中表示，将尽快起草合作协议，待条件成熟后正式签署。")
    assert not r.is_cooperation
    assert any(label.startswith("re:待") for label, _, _ in r.evidence)


def test_future_signing_is_not_a_signing():
    assert not judge("万达开卫生健康协同发展筹备会召开", "三方商定将于近期择机正式签署框架协议。").is_cooperation


def test_family_doctor_contracts_are_not_agreements():
    r = judge("玉林社区开展家庭医生签约服务", "签约居民可享受优先预约和上门随访。", parties=1)
    assert not r.is_cooperation
    assert all(label != "签约" for label, _, _ in r.evidence)


def test_epidemic_report_and_notice_are_not():
    assert not judge("2月9日重庆市新冠肺炎疫情情况", "新增确诊病例18例。", parties=0).is_cooperation
    assert not judge("关于举办2021年院感防控培训班的通知", "请各单位于5月10日前报名。", parties=0).is_cooperation


def test_one_institution_news_is_not_even_with_agreement_words():
    r = judge("某医院签约新院区建设项目", "医院与施工方签约。", parties=1)
    assert not r.is_cooperation
    assert ("1 signing/joining institutions", -3.0, "parties") in r.evidence
