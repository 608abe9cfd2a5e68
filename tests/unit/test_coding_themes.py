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


def test_sentences_fall_into_zones():
    starts, zones = theme_rules().zones("5月8日，两院签署合作协议。两地山水相连。院长表示，此次签约意义重大。")
    assert zones == ["lead", "body", "closing"] and starts[0] == 0


def test_a_closing_remark_weighs_less_than_the_agreement():
    rules = theme_rules()
    lead = rules.score("签署合作协议", "双方签署协议，在人才培养方面合作。")
    closing = rules.score("签署合作协议", "双方签署协议。负责人表示，将加强人才培养。")
    assert closing.scores["talent_research"] == lead.scores["talent_research"] / 2


def test_a_passing_side_mention_in_a_closing_sentence_is_no_theme():
    d = decide("川渝心血管专科联盟成立", "联盟成员将开展心血管疑难病例会诊和双向转诊。负责人表示，今后还将加强培训。")
    assert d.primary == "modern_medicine" and "talent_research" not in d.themes


def test_primary_comes_from_the_agreement_not_from_the_background():
    d = decide("两院签署合作协议",
               "新冠肺炎疫情发生以来，两地往来频繁。5月8日，两院签署协议，将在医疗服务、急诊急救和公共卫生方面合作。")
    assert d.primary == "modern_medicine" and "prevention_care" in d.themes


def test_the_title_names_the_primary_theme():
    d = decide("川渝签署卫生健康人才交流合作协议", "双方将在医疗服务、公共卫生和人才培养等方面合作。")
    assert d.primary == "talent_research"


def test_weak_words_do_not_name_the_primary_theme():
    d = decide("两中心签署合作协议",
               "双方签署协议，将在护理和手术示教之外，重点推进公共卫生和疾病预防控制合作，共同建设胸痛中心。")
    assert d.primary == "prevention_care" and "modern_medicine" in d.themes


def test_kinds_of_institution_are_no_themes():
    d = decide("两区签订卫生健康合作协议", "两区将推动区级医院、中医医院和妇幼保健院结对交流，开展专科共建。")
    assert "tcm" not in d.themes and "prevention_care" not in d.themes


def test_a_clinical_word_inside_a_tcm_phrase_is_tcm():
    d = decide("两院签署中医专科合作协议", "两院将在中医肿瘤、中医骨伤方面合作，开展中医临床科研。")
    assert d.themes == ("tcm", "talent_research") and d.primary == "tcm"


def test_a_remote_consultation_inside_informatization_is_not_clinical():
    s = theme_rules().score("", "共建远程会诊中心")
    assert "会诊" not in s.phrases.get("modern_medicine", []) and "远程会诊" in s.phrases["informatization"]


def test_a_later_report_title_outranks_the_earlier_report_body():
    rules = theme_rules()
    earlier = rules.score("两院签署合作协议", "双方签署协议，将在医疗服务和中药制剂方面合作。")
    later = rules.score("两院签署中医药合作协议", "双方签署协议，共建名老中医工作室。")
    assert rules.decide(earlier).primary == "modern_medicine"
    assert rules.decide(earlier.pooled_with(later)).primary == "tcm"
