"""Hostile bytes through the whole path: decode → parse for every family, the crawl, the coder.

The seeds are the replica sites' own pages (what the crawler really meets: TRS, Sichuan,
UCAP JSON and GBK generic pages) served at their real URLs. Whatever arrives, decoding must
give text and the parsers may only raise the documented ``ParseError``; the crawl must record
a failure as a parse problem of that kind, and the coder must report a bad document in
``problems`` instead of raising.
"""
from __future__ import annotations

from datetime import date
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.coding import code_corpus
from scrapers.cms import ParseError, family
from scrapers.encoding import decode_html
from scrapers.replica.corpus import DEFAULT_CORPUS_DIR, article_from_dict, load_corpus
from scrapers.replica.families import layout_for
from scrapers.replica.render import render_site
from tests.reliability.harness import PAGE_SIZE, corpus_for, fast_sources
from tests.support.fault_server import Rule, target_of

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTENT_TYPES = [None, "text/html", "text/html; charset=utf-8", "text/html; charset=gbk", "application/json",
                 "text/html; charset=x-unknown", "application/octet-stream"]


@cache
def replica_pages() -> tuple[tuple[str, str, str, bytes, str], ...]:
    """(cms, kind, url, body, content type) of every list and article page of the replica sites."""
    pages = []
    sources = fast_sources()
    corpus = [article_from_dict(a) for a in corpus_for(sources)]
    for source in sources:
        site = render_site(source, corpus, PAGE_SIZE)
        column, parser = source.columns[0], family(source.cms)
        lists = [parser.list_page_url(source, column, i) for i in range(2)]
        articles = [source.base_url + layout_for(source, PAGE_SIZE).article_path(column, a)
                    for a in corpus if a.source == source.id]
        for kind, urls in (("list", lists), ("article", articles)):
            for url in urls:
                response = site.resolve(target_of(url))
                pages.append((source.cms, kind, url, response.body, response.content_type))
    return tuple(pages)


def decode_and_parse(cms: str, kind: str, url: str, body: bytes, content_type: str | None) -> None:
    """The crawler's path for one fetched page; only ParseError (one line) may come out."""
    text = decode_html(body, content_type).text
    assert isinstance(text, str)
    parser = family(cms)
    for parse in ((parser.parse_list, parser.parse_article) if kind == "list" else
                  (parser.parse_article, parser.parse_list)):
        try:
            parse(text, url)
        except ParseError as exc:
            assert "\n" not in str(exc), "a ParseError message is one line"


@st.composite
def mutated(draw, body: bytes) -> bytes:
    """Slices deleted, duplicated, swapped for random bytes or for markup; maybe truncated."""
    page = bytearray(body)
    for _ in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, len(page)))
        end = draw(st.integers(start, min(len(page), start + 300)))
        action = draw(st.sampled_from(["delete", "duplicate", "bytes", "markup"]))
        if action == "delete":
            del page[start:end]
        elif action == "duplicate":
            page[start:start] = page[start:end]
        elif action == "bytes":
            page[start:end] = draw(st.binary(max_size=48))
        else:
            page[start:start] = draw(st.sampled_from([b"<", b"</div>", b"<li><a href=", b"\"", b"<!--", b"<script>",
                                                      b"]]>", b"{", b"\x00", "\u2028".encode(), b"&#x;", b"\xff\xfe"]))
    if draw(st.booleans()):
        del page[draw(st.integers(0, len(page))):]
    return bytes(page)


@st.composite
def hostile_pages(draw):
    cms, kind, url, body, content_type = draw(st.sampled_from(replica_pages()))
    raw = draw(st.one_of(mutated(body), st.binary(max_size=1024)))
    return cms, kind, url, raw, draw(st.sampled_from([content_type, *CONTENT_TYPES]))


@FUZZ
@given(page=hostile_pages())
def test_mutated_replica_pages_only_raise_parse_error(page):
    decode_and_parse(*page)


def test_the_unmutated_replica_pages_parse():
    """The seeds themselves are good pages: list pages have items, articles have titles."""
    for cms, kind, url, body, content_type in replica_pages():
        text = decode_html(body, content_type).text
        if kind == "list":
            assert family(cms).parse_list(text, url).items, url
        else:
            assert family(cms).parse_article(text, url).title, url


# --------------------------------------------------------------------------- the crawl

def test_a_crawl_of_mutated_pages_records_parse_errors_and_never_crashes(faulty_crawl):
    crawl = faulty_crawl()
    articles = crawl.articles()
    crawl.injector.rules = ([Rule(a.target, "mutated") for a in articles] +
                            [Rule(crawl.list_target(s.id, 1), "mutated") for s in crawl.sources])
    report = crawl.backfill()

    crashes = [a.message for h in report.sources for a in h.all_alerts() if "crashed" in a.message]
    assert crashes == []
    parse_problems = crawl.problems("parse_error")
    assert all(": ParseError: " in message for _, _, _, message in parse_problems), parse_problems
    unparsed = {url for _, url, _, _ in parse_problems}
    stored = crawl.stored()
    for article in articles:
        if crawl.injector.seen(article.target) == 0:
            continue  # listed only on a mangled list page: never asked for
        recorded = any(url.endswith(article.target) for url in unparsed)
        assert (article.doc_id in stored) != recorded, f"{article.target}: stored {article.doc_id in stored}, " \
                                                       f"parse error recorded {recorded}"
    assert parse_problems and stored  # the seeded mutations break some pages and spare others
    assert crawl.duplicates() == 0
    assert {kind for _, _, kind, _ in crawl.problems()} <= {"parse_error", "encoding"}  # a lossy decode is named


# --------------------------------------------------------------------------- the coder

#: Titles and bodies of real sample articles, to be cut and spliced with junk.
CORPUS_TEXTS = tuple(text for article in load_corpus(DEFAULT_CORPUS_DIR).articles[:40]
                     for text in (article.title, "\n".join(article.body)))
TEXT = st.one_of(
    st.none(), st.text(max_size=200),
    st.builds(lambda text, cut, junk: text[:cut] + junk + text[cut:], st.sampled_from(CORPUS_TEXTS),
              st.integers(0, 400), st.text(max_size=30)),
)
DOCUMENT = st.fixed_dictionaries(
    {"doc_id": st.one_of(st.sampled_from(["d1", "d2", "d3", "d4"]), st.text(max_size=8), st.none(), st.integers()),
     "title": TEXT, "body_text": TEXT},
    optional={"source_id": st.sampled_from(["cq_wsjkw", "sc_wsjkw", "cd_wjw", None, "", "???"]),
              "url": st.one_of(st.none(), st.text(max_size=40)),
              "published_date": st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1)),
                                          st.sampled_from(["2021-02-30", "2021-04-22", "not a date", "", "二〇二一年"]),
                                          st.integers()),
              "content_source": TEXT, "column_name": TEXT})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents=st.lists(DOCUMENT, max_size=6))
def test_the_coder_reports_hostile_documents_instead_of_raising(documents):
    result = code_corpus(documents)
    coded = set(result.documents["doc_id"]) if len(result.documents) else set()
    usable = {d["doc_id"] for d in documents if isinstance(d["doc_id"], str) and d["doc_id"]
              and ((d["title"] or "").strip() or (d["body_text"] or "").strip())}
    assert coded <= usable
    assert len(coded) + len(result.problems) >= len({str(d["doc_id"]) for d in documents})
