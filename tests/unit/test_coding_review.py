"""Confidence, review status and manual overrides that survive recoding."""
from datetime import date

import pandas as pd
import pytest

from analysis.coding import code_corpus
from analysis.coding.review import OverrideError, confidence, review_status, validate_override

from test_coding_corpus import DOCS, HOSPITALS, PROVINCES, PROVINCES_AGAIN


def test_confidence_parts_and_threshold():
    high, parts = confidence(10.0, 2, 2, 2, 1.0)
    assert high == 1.0 and parts == {"relevance": 1.0, "participants": 1.0, "places": 1.0, "dedup": 1.0}
    low, _ = confidence(0.5, 1, 0, 0, 1.0)
    assert review_status(high) == "auto" and review_status(low) == "needs_review"


@pytest.mark.parametrize("raw, message", [
    ({"target": "project", "id": "p_1", "field": "colour", "value": 1}, "field 'colour' cannot be overridden"),
    ({"target": "project", "id": "p_1", "field": "mode", "value": "mixed"}, "is not one of"),
    ({"target": "thing", "id": "p_1", "field": "mode", "value": "social"}, "target 'thing'"),
    ({"target": "project", "id": "p_1", "field": "signed_date", "value": "2020-13-01"}, "YYYY-MM-DD"),
    ({"target": "project", "id": "p_1", "field": "themes", "value": ["tcm", "tcm"]}, "distinct theme codes"),
    ({"target": "document", "id": "d", "field": "is_cooperation", "value": "yes"}, "true or false"),
    ({"target": "project", "id": "p_1", "field": "mode"}, "missing value"),
    ({"target": "project", "id": "p_1", "field": "mode", "value": "social", "by": "x"}, "unknown keys by"),
])
def test_bad_overrides_get_one_line_errors(raw, message):
    with pytest.raises(OverrideError, match=message) as err:
        validate_override(raw, 0)
    assert "\n" not in str(err.value)


def override(target, id_, field, value, at="2024-01-01T00:00:00"):
    return {"target": target, "id": id_, "field": field, "value": value, "note": "checked the PDF",
            "author": "li", "at": at}


def test_project_overrides_apply_and_mark_the_project_reviewed():
    out = code_corpus(DOCS, [
        override("project", "p_cq_0422", "primary_theme", "tcm"),
        override("project", "p_cq_0422", "signed_date", "2021-04-21"),
        override("project", "p_lz_0910", "participants",
                 [{"institution": "合江县人民医院", "role": "participant"},
                  {"institution": "江津区中心医院", "role": "signatory"},
                  {"institution": "泸州市卫生健康委员会", "role": "signatory"}]),
    ])
    projects = out.projects.set_index("project_id")
    assert projects.loc["p_cq_0422", "primary_theme"] == "tcm" and "tcm" in projects.loc["p_cq_0422", "themes"]
    assert projects.loc["p_cq_0422", "signed_date"] == date(2021, 4, 21)
    assert projects.loc["p_cq_0422", "review_status"] == "reviewed"
    assert projects.loc["p_lz_0910", "mode"] == "government_society"
    parts = out.participants[out.participants.project_id == "p_lz_0910"].set_index("institution").role.to_dict()
    assert parts == {"重庆市江津区中心医院": "signatory", "泸州市卫生健康委员会": "signatory",
                     "合江县人民医院": "participant"}
    assert '"author": "li"' in projects.loc["p_cq_0422", "evidence"]


def test_later_overrides_win():
    out = code_corpus(DOCS, [override("project", "p_cq_0422", "mode", "social", at="2024-02-01"),
                             override("project", "p_cq_0422", "mode", "government_society", at="2024-01-01")])
    assert out.projects.set_index("project_id").loc["p_cq_0422", "mode"] == "social"


def test_document_overrides_split_and_reject():
    out = code_corpus(DOCS, [override("document", "sc_0424", "project_id", None),
                             override("document", "cd_0601", "is_cooperation", False)])
    docs = out.documents.set_index("doc_id")
    assert docs.loc["sc_0424", "project_id"] == "p_sc_0424" and docs.loc["cq_0422", "project_id"] == "p_cq_0422"
    assert not docs.loc["cd_0601", "is_cooperation"] and pd.isna(docs.loc["cd_0601", "project_id"])


def test_document_override_merges_into_a_named_project():
    out = code_corpus(DOCS, [override("document", "lz_0910", "project_id", "p_cq_0422")])
    assert out.documents.set_index("doc_id").loc["lz_0910", "project_id"] == "p_cq_0422"


def test_override_follows_its_document_when_an_earlier_report_appears():
    earlier = dict(PROVINCES_AGAIN, doc_id="aa_0423", published_date=date(2021, 4, 22))
    out = code_corpus([PROVINCES, PROVINCES_AGAIN, earlier, HOSPITALS],
                      [override("project", "p_cq_0422", "agreement_type", "备忘录")])
    projects = out.projects.set_index("project_id")
    assert "p_cq_0422" not in projects.index
    assert projects.loc["p_aa_0423", "agreement_type"] == "备忘录" and out.rejected_overrides == []


def test_a_kept_project_id_stays_when_an_earlier_report_appears():
    earlier = dict(PROVINCES_AGAIN, doc_id="aa_0423", published_date=date(2021, 4, 22))
    out = code_corpus([PROVINCES, PROVINCES_AGAIN, earlier, HOSPITALS],
                      [override("project", "p_cq_0422", "agreement_type", "备忘录")], keep_project_ids={"p_cq_0422"})
    projects = out.projects.set_index("project_id")
    assert "p_aa_0423" not in projects.index and projects.loc["p_cq_0422", "agreement_type"] == "备忘录"


def test_unknown_targets_and_bad_overrides_do_not_stop_the_run():
    out = code_corpus(DOCS, [override("project", "p_nope", "mode", "social"),
                             {"target": "project", "id": "p_cq_0422", "field": "mode", "value": 3},
                             override("project", "p_cq_0422", "in_scope", False)])
    assert len(out.rejected_overrides) == 2 and out.problems == []
    assert not out.projects.set_index("project_id").loc["p_cq_0422", "in_scope"]
