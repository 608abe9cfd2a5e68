"""Pages that arrive fine but are not what the parser expects: redesigns, wrong encodings,
sloppy markup, impossible dates. Each must be stored correctly or reported loudly, never
turned into a silent "ok" with documents missing."""
from __future__ import annotations

import pytest

from tests.reliability.harness import FAMILY_SOURCES, fast_sources
from tests.support.fault_server import Rule


def _other(source_id: str) -> str:
    return next(s for s in FAMILY_SOURCES if s != source_id)


@pytest.mark.parametrize("source_id", FAMILY_SOURCES)
def test_a_list_page_with_zero_items_makes_the_source_loud(faulty_crawl, source_id):
    crawl = faulty_crawl(sources=fast_sources((source_id, _other(source_id))))
    redesigned = crawl.list_target(source_id)
    crawl.injector.rules = [Rule(redesigned, "layout_changed")]

    report = crawl.backfill()
    health = report.source(source_id)
    assert health.status in ("empty", "broken")
    assert health.message.startswith(f"source {source_id}: list page") and "check the parser" in health.message
    recorded = crawl.wh.fetchall("SELECT status, message FROM source_health WHERE source_id = ?", [source_id])
    assert [status for status, _ in recorded] == [health.status]
    assert crawl.lost() == {a.doc_id for a in crawl.articles(source_id)}  # nothing invented from the new page
    assert report.source(_other(source_id)).status == "ok"  # the other source is complete
    assert crawl.duplicates() == 0


def test_a_month_whose_list_page_was_empty_once_is_crawled_again(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("cq_wsjkw",)))
    crawl.injector.rules = [Rule(crawl.list_target("cq_wsjkw"), "layout_changed", times=1)]
    crawl.backfill()
    crawl.backfill()
    assert crawl.lost() == set()


def test_gbk_pages_declared_utf8_are_decoded_right_and_kept_as_received(faulty_crawl):
    crawl = faulty_crawl([Rule("/*", "gbk_as_utf8")])  # every page of every family

    crawl.backfill()
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0
    assert {d: title for d, (title, _) in crawl.stored().items()} == {a.doc_id: a.title for a in crawl.articles()}
    bodies = [b for (b,) in crawl.wh.fetchall("SELECT body_text FROM documents")]
    assert all("堃〇镕" in b and "\ufffd" not in b for b in bodies)  # outside GB2312, no replacement chars
    raw = crawl.wh.fetchall("SELECT body FROM raw_pages WHERE page_kind = 'article'")
    assert raw and all(not _is_utf8(body) for (body,) in raw)  # the original GBK bytes are what is kept
    assert crawl.problems() == []


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_sloppy_markup_on_every_page_still_parses(faulty_crawl):
    crawl = faulty_crawl([Rule("/*", "malformed_html")])

    report = crawl.backfill()
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0
    assert crawl.stored() == {a.doc_id: (a.title, a.published) for a in crawl.articles()}
    assert crawl.problems() == []
    assert {report.source(s).status for s in FAMILY_SOURCES} == {"ok"}


def test_unclosed_tags_never_pass_silently(faulty_crawl):
    """Whatever a parser makes of a page with missing end tags, it is all stored or the source is loud."""
    crawl = faulty_crawl([Rule("/*", "unclosed_tags")])

    report = crawl.backfill()
    lost = crawl.lost()
    for source_id in FAMILY_SOURCES:
        if any(a.doc_id in lost for a in crawl.articles(source_id)):
            assert report.source(source_id).status != "ok", f"{source_id} lost documents silently"
    assert crawl.duplicates() == 0


def test_unclosed_tags_in_list_rows_lose_no_documents(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("cq_wsjkw", "lz_wjw")))
    crawl.injector.rules = [Rule("/*", "unclosed_tags")]
    crawl.backfill()
    assert crawl.lost() == set()


def test_an_impossible_date_is_flagged_never_rolled_over(faulty_crawl):
    crawl = faulty_crawl()
    dated = [crawl.article(source_id, 1) for source_id in FAMILY_SOURCES]  # published 2021-02-23
    crawl.injector.rules = [Rule(a.target, "impossible_date") for a in dated]

    crawl.backfill()
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0
    stored = crawl.stored()
    for article in dated:
        title, published = stored[article.doc_id]
        assert title == article.title
        assert published in (None, article.published)  # from the URL at most, never 2021-03-02
        problems = crawl.document_problems(article.doc_id)
        assert any("impossible date" in p and "2021-02-30" in p for p in problems), problems
