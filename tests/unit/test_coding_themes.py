"""Themes: weighted lexicon, multi-label, primary = the field named first."""
from analysis.coding.themes import THEMES, theme_rules


def decide(title, body):
    return theme_rules().decide(theme_rules().score(title, body))


def test_comprehensive_agreement_has_several_themes_and_names_the_first_as_primary():
    d = decide("签署卫生健康合作协议",
               "两地将在公共卫生、医疗服务、中医药和人才培养等方面合作，建立传染病联防联控机制，"
               "推进检查检验结果互认，共建远程医疗平台，联合培养人才。")
    assert d.primary == "prevention_care"
    assert {"prevention_care", "modern_medicine", "tcm", "talent_research", "informatization"} <= set(d.themes)
    assert "公共卫生" in d.evidence["prevention_care"]


def test_tcm_agreement_drops_the_clinical_words():
    d = decide("签署中医药合作协议", "双方将在中医药人才培养、中医临床诊疗和中药产业方面合作，开展手术示教。")
    assert d.primary == "tcm" and "modern_medicine" not in d.themes


def test_nothing_known_is_other():
    d = decide("签署合作协议", "双方将加强交流。")
    assert d.themes == ("other",) and d.primary == "other"


def test_pooling_two_reports_keeps_the_first_report_primary():
    rules = theme_rules()
    first = rules.score("", "在医疗服务和公共卫生方面合作")
    second = rules.score("", "公共卫生应急协作")
    pooled = first.pooled_with(second)
    assert rules.decide(pooled).primary == "modern_medicine"
    assert pooled.scores["prevention_care"] > first.scores["prevention_care"]


def test_theme_codes_are_the_contract_codes():
    assert THEMES == ("tcm", "modern_medicine", "prevention_care", "health_industry", "talent_research",
                      "informatization", "other")
