"""Deduplication: one project per agreement, stable ids from the earliest report."""
from datetime import date

from analysis.coding.dedup import DedupItem, cluster, title_similarity


def item(doc_id, published, signed, title, parties):
    return DedupItem(doc_id, date.fromisoformat(published), date.fromisoformat(signed), title, frozenset(parties))


CQ = item("cq_01", "2020-04-23", "2020-04-22", "川渝卫生健康部门签署一体化发展合作协议", {"a", "b"})
SC = item("sc_07", "2020-04-24", "2020-04-22", "川渝签署卫生健康一体化发展合作协议", {"a", "b"})


def test_same_agreement_on_two_sites_is_one_project_named_after_the_earliest_report():
    (c,) = cluster([SC, CQ])
    assert c.project_id == "p_cq_01" and c.doc_ids == ("cq_01", "sc_07")
    assert 0.55 <= c.certainty <= 1.0 and c.links


def test_a_later_report_joins_the_existing_project():
    later = item("yc_03", "2020-04-28", "2020-04-22", "川渝卫生健康一体化合作协议签署", {"a", "b"})
    assert [c.project_id for c in cluster([CQ, SC, later])] == ["p_cq_01"]


def test_ties_on_publication_date_are_broken_by_doc_id():
    twin = item("aa_01", "2020-04-23", "2020-04-22", CQ.title, {"a", "b"})
    assert cluster([CQ, twin])[0].project_id == "p_aa_01"


def test_different_parties_or_distant_dates_stay_apart():
    other_parties = item("sc_08", "2020-04-24", "2020-04-22", SC.title, {"c", "d"})
    next_month = item("sc_09", "2020-05-24", "2020-05-22", SC.title, {"a", "b"})
    assert len(cluster([CQ, other_parties, next_month])) == 3


def test_title_similarity_is_symmetric_and_bounded():
    assert title_similarity(CQ.title, SC.title) == title_similarity(SC.title, CQ.title)
    assert title_similarity("abc", "abc") == 1.0 and title_similarity("", "abc") == 0.0
