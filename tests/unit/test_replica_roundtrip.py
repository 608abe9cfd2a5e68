"""Round trip: what the replica renders, the family parsers read back (title, date, body, attachments).

The list pages are walked with the family's own ``list_page_url`` and page count, as the
crawler does, so a drift between the replica's URL scheme and the parsers' shows up here.
Pure: pages come from the rendered mapping, no server.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from scrapers.cms import family
from scrapers.encoding import decode_html
from scrapers.registry import BUNDLED_SOURCES, load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, load_corpus, render_site
from scrapers.replica.families import layout_for
from scrapers.replica.synthetic import synthetic_articles, write_corpus

SOURCES = load_sources(BUNDLED_SOURCES)
MAX_LIST_PAGES = 100  # a parser that never reports the last page must not loop forever


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict:
    synthetic = write_corpus(tmp_path_factory.mktemp("corpus"), synthetic_articles(SOURCES, 12))
    return {"real": load_corpus(DEFAULT_CORPUS_DIR).articles, "synthetic": load_corpus(synthetic).articles}


def _fetch(site, url: str):
    parts = urlsplit(url)
    response = site.resolve(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response is not None, f"{url}: the parser asked for a page the replica does not have"
    return decode_html(response.body, response.content_type).text


def _walk_list(site, parser, column) -> dict:
    """All list items of a column, following the family's pagination; fails on duplicates."""
    items: dict = {}
    index, total = 0, 1
    while index < total:
        url = parser.list_page_url(site.source, column, index)
        page = parser.parse_list(_fetch(site, url), url)
        assert page.total_pages is not None, f"{url}: no page count"
        total = page.total_pages
        for item in page.items:
            assert item.url not in items, f"{item.url} listed twice"
            items[item.url] = item
        index += 1
        assert index <= MAX_LIST_PAGES
    return items


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("corpus", ["real", "synthetic"])
@pytest.mark.parametrize("source", SOURCES, ids=[s.id for s in SOURCES])
def test_parsers_read_back_what_the_replica_renders(source, corpus, corpora):
    articles = [a for a in corpora[corpus] if a.source == source.id]
    if not articles:
        pytest.skip(f"no {corpus} corpus articles for {source.id} yet")
    parser, layout = family(source.cms), layout_for(source, 5)
    site = render_site(source, articles)
    mismatches = []
    for column in source.columns:
        listed = _walk_list(site, parser, column)
        expected = {source.base_url + layout.article_path(column, a): a for a in articles if a.column == column.path}
        assert set(listed) == set(expected), f"{column.path}: list items differ from the corpus (off-site rows must be dropped)"
        for url, article in expected.items():
            item, parsed = listed[url], parser.parse_article(_fetch(site, url), url)
            body = _squash(parsed.body_text)
            positions = [body.find(_squash(p)) for p in article.body]
            checks = {
                "list title": (item.title, article.title),
                "list date": (item.published_date, article.published.date()),
                "title": (parsed.title, article.title),
                "published date": (parsed.published_date, article.published.date()),
                "body paragraphs in order": (-1 not in positions and positions == sorted(positions), True),
                "attachment count": (len(parsed.attachments), len(article.attachments)),
                "content source": (parsed.content_source or "", article.content_source),
            }
            mismatches += [f"{article.id} {field}: parsed {got!r}, corpus {want!r}"
                           for field, (got, want) in checks.items() if got != want]
    assert not mismatches, "\n".join(mismatches)
