"""End to end: articles in, the contract's frames out, deterministic."""
from datetime import date

import pandas as pd
import pytest

from analysis.coding import CODER_VERSION, code_corpus
from analysis.coding.corpus import DOCUMENT_COLUMNS, INSTITUTION_COLUMNS, PARTICIPANT_COLUMNS, PROJECT_COLUMNS

PROVINCES = {
    "doc_id": "cq_0422", "source_id": "cq_wsjkw", "url": "http://x/cq/1.html",
    "title": "川渝卫生健康委签署一体化发展合作协议", "published_date": date(2021, 4, 23),
    "content_source": "重庆市卫生健康委员会",
    "body_text": "4月22日，重庆市卫生健康委员会与四川省卫生健康委员会在重庆签署合作协议，两地将在公共卫生、"
                 "医疗服务和中医药等方面合作。\n四川省中医药管理局有关负责同志出席签约仪式。",
}
PROVINCES_AGAIN = {
    "doc_id": "sc_0424", "source_id": "sc_wsjkw", "url": "http://x/sc/9.html",
    "title": "川渝签署卫生健康一体化发展合作协议", "published_date": "2021-04-24", "content_source": None,
    "body_text": "4月22日，四川省卫生健康委员会与重庆市卫生健康委员会签署合作协议，推动公共卫生联防联控。",
}
CHENGDU_ONLY = {
    "doc_id": "cd_0601", "source_id": "cd_wjw", "url": None,
    "title": "市三医院与市五医院签署专科联盟协议", "published_date": date(2021, 6, 2), "content_source": None,
    "body_text": "6月1日，成都市第三人民医院与成都市第五人民医院签署心血管专科联盟协议，开展双向转诊和进修培训。",
}
HOSPITALS = {
    "doc_id": "lz_0910", "source_id": "lz_wjw", "url": None,
    "title": "合江县人民医院与江津区中心医院签订对口帮扶协议", "published_date": date(2021, 9, 11),
    "content_source": None,
    "body_text": "9月10日，合江县人民医院与重庆市江津区中心医院签订医疗合作协议，江津区中心医院将对合江县人民医院"
                 "开展对口帮扶。合江县卫生健康局负责同志出席。\n二〇二一年九月九日",
}
NOTICE = {
    "doc_id": "cd_0302", "source_id": "cd_wjw", "url": None, "title": "关于开展爱国卫生月活动的通知",
    "published_date": date(2021, 3, 2), "content_source": None, "body_text": "各区（市）县：现将有关事项通知如下。",
}
DOCS = [PROVINCES, PROVINCES_AGAIN, CHENGDU_ONLY, HOSPITALS, NOTICE]


@pytest.fixture(scope="module")
def result():
    return code_corpus(DOCS)


def project(result, pid):
    return result.projects.set_index("project_id").loc[pid]


def participants(result, pid):
    frame = result.participants[result.participants.project_id == pid]
    return {row.institution: row.role for row in frame.itertuples()}


def test_frames_have_the_contract_columns(result):
    assert list(result.documents.columns) == DOCUMENT_COLUMNS
    assert list(result.projects.columns) == PROJECT_COLUMNS
    assert list(result.participants.columns) == PARTICIPANT_COLUMNS
    assert list(result.institutions.columns) == INSTITUTION_COLUMNS
    assert CODER_VERSION and result.problems == []


def test_same_agreement_on_two_sites_is_one_project(result):
    docs = result.documents.set_index("doc_id")
    assert docs.loc["cq_0422", "project_id"] == docs.loc["sc_0424", "project_id"] == "p_cq_0422"
    p = project(result, "p_cq_0422")
    assert p.doc_ids == ["cq_0422", "sc_0424"] and p.source_urls == ["http://x/cq/1.html", "http://x/sc/9.html"]


def test_province_level_signatories(result):
    p = project(result, "p_cq_0422")
    assert (p.signed_date, p.year, p["mode"], p.agreement_type, bool(p.in_scope)) == \
        (date(2021, 4, 22), 2021, "inter_governmental", "合作协议", True)
    assert participants(result, "p_cq_0422") == {
        "四川省卫生健康委员会": "signatory", "重庆市卫生健康委员会": "signatory", "四川省中医药管理局": "witness"}
    assert p.n_participants == 2 and p.primary_theme == "prevention_care"
    row = result.participants.query("institution == '四川省卫生健康委员会'").iloc[0]
    assert (row.province, row.prefecture, row.division_code) == ("四川省", "成都市", "510000")
    assert pd.isna(row.county)


def test_intra_city_cooperation_is_kept_but_out_of_scope(result):
    p = project(result, "p_cd_0601")
    assert not p.in_scope and p.agreement_type == "专科联盟" and p["mode"] == "social"
    assert participants(result, "p_cd_0601") == {"成都市第三人民医院": "signatory", "成都市第五人民医院": "signatory"}


def test_signoff_date_and_county_places(result):
    p = project(result, "p_lz_0910")
    assert p.signed_date == date(2021, 9, 9) and p.agreement_type == "对口支援协议" and p.in_scope
    counties = result.participants.set_index("institution").county
    assert counties["合江县人民医院"] == "合江县" and counties["重庆市江津区中心医院"] == "江津区"


def test_notice_is_not_a_project(result):
    doc = result.documents.set_index("doc_id").loc["cd_0302"]
    assert not doc.is_cooperation and pd.isna(doc.project_id)
    assert '"relevance"' in doc.evidence


def test_institutions_frame_lists_each_institution_once(result):
    assert result.institutions.institution_id.is_unique
    assert set(result.participants.institution_id) == set(result.institutions.institution_id)


def test_identical_input_gives_identical_output(result):
    again = code_corpus(list(reversed(DOCS)))
    for name in ("documents", "projects", "participants", "institutions"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(again, name))


def test_frames_accepted_as_input(result):
    from_frame = code_corpus(pd.DataFrame(DOCS))
    pd.testing.assert_frame_equal(result.projects, from_frame.projects)


def test_bad_documents_are_reported_in_one_line_and_skipped():
    out = code_corpus([NOTICE, {"title": "无编号"}, dict(NOTICE), {"doc_id": "x1", "title": "t", "body_text": "b",
                                                                 "published_date": "2021-02-30"}])
    assert len(out.documents) == 1
    assert len(out.problems) == 3 and all("\n" not in p for p in out.problems)
    assert any("x1" in p and "published_date" in p for p in out.problems)


def test_signing_date_from_the_paragraph_when_the_signing_sentence_has_none():
    from analysis.coding.signing import signing_date
    body = "7月14日，渝西卫生健康协同发展座谈会在永川召开。会上，三区卫生健康委签署合作协议。"
    assert signing_date(body, date(2022, 7, 15)) == (date(2022, 7, 14), "text")
    assert signing_date("双方签署协议。", date(2022, 7, 15)) == (date(2022, 7, 15), "published")
    assert signing_date("12月30日，双方签署协议。", date(2023, 1, 3)) == (date(2022, 12, 30), "text")
