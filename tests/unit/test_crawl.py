"""The crawl walk against toy sites on 127.0.0.1, with an in-memory sink and a toy parser family.

The toy family keeps these tests about the walk (stop rules, windows, resume, health) and
independent of the real CMS parsers, which have their own golden tests.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urljoin

import pytest

from scrapers.cms import ParseError
from scrapers.crawl import CrawlPolicy, MemorySink, RunPageCache, crawl_source, crawl_sources
from scrapers.http import ClientSettings, PoliteClient
from scrapers.records import Article, ListItem, ListPage
from scrapers.registry import Column, Source
from tests.support.http_server import LoggedRequest, Reply, ScriptedServer, html

PAGE_SIZE = 5


# -- a toy site and its parser family ----------------------------------------------------------
@dataclass
class ToySite:
    """Columns of dated articles, newest first, PAGE_SIZE per list page, with optional ETags."""

    columns: dict[str, list[tuple[str, date]]] = field(default_factory=dict)
    list_dates: bool = True
    etags: bool = True
    content_source: bool = True
    broken_articles: set[str] = field(default_factory=set)
    failing: dict[str, Reply] = field(default_factory=dict)

    def add(self, column: str, slug: str, day: date) -> None:
        self.columns.setdefault(column, []).insert(0, (slug, day))

    def serve(self, request: LoggedRequest) -> Reply:
        path = request.path
        if path in self.failing:
            return self.failing[path]
        match = re.fullmatch(r"(/\w+/)index(?:_(\d+))?\.html", path)
        if match and match.group(1) in self.columns:
            return self._list(request, match.group(1), int(match.group(2) or 0))
        match = re.fullmatch(r"(/\w+/)a/(\w+)\.html", path)
        if match:
            for slug, day in self.columns.get(match.group(1), []):
                if slug == match.group(2):
                    return self._article(slug, day)
        return Reply(status=404)

    def _list(self, request: LoggedRequest, column: str, index: int) -> Reply:
        entries = self.columns[column]
        pages = max(1, -(-len(entries) // PAGE_SIZE))
        if index >= pages:
            return Reply(status=404)
        rows = "".join(f'<li><a href="a/{slug}.html">{slug}</a>' + (f"<span>{day}</span>" if self.list_dates else "")
                       + "</li>" for slug, day in entries[index * PAGE_SIZE:(index + 1) * PAGE_SIZE])
        body = f'<ul>{rows}</ul><div data-total="{pages}"></div>'
        etag = f'"{hash(body) & 0xffffffff:x}"'
        if self.etags and request.headers.get("if-none-match") == etag:
            return Reply(status=304, headers={"ETag": etag})
        return html(body, **({"ETag": etag} if self.etags else {}))

    def _article(self, slug: str, day: date) -> Reply:
        if slug in self.broken_articles:
            return html("<p>no title here</p>")
        source = "<em>Toy Commission</em>" if self.content_source else ""
        return html(f"<h1>Article {slug}</h1><time>{day}</time>{source}<div>Body of {slug}.</div>")


class ToyFamily:
    """Parses ToySite pages; the same three functions as a ``scrapers.cms`` family module."""

    @staticmethod
    def list_page_url(source: Source, column: Column, page_index: int) -> str:
        return source.column_url(column) + ("index.html" if page_index == 0 else f"index_{page_index}.html")

    @staticmethod
    def parse_list(text: str, url: str) -> ListPage:
        items = tuple(ListItem(urljoin(url, href), title, date.fromisoformat(day) if day else None)
                      for href, title, day in re.findall(r'<li><a href="([^"]+)">([^<]*)</a>(?:<span>([\d-]+)</span>)?', text))
        total = re.search(r'data-total="(\d+)"', text)
        if total is None and "<ul>" not in text:
            raise ParseError(f"{url}: not a toy list page")
        return ListPage(url=url, items=items, total_pages=int(total.group(1)) if total else None)

    @staticmethod
    def parse_article(text: str, url: str) -> Article:
        title = re.search(r"<h1>([^<]+)</h1>", text)
        if title is None:
            raise ParseError(f"{url}: no title")
        day = re.search(r"<time>([\d-]+)</time>", text)
        source = re.search(r"<em>([^<]+)</em>", text)
        return Article(url=url, title=title.group(1), published_date=date.fromisoformat(day.group(1)) if day else None,
                       body_text=re.search(r"<div>([^<]*)</div>", text).group(1),
                       content_source=source.group(1) if source else None)


def toy_parsers(cms: str) -> ToyFamily:
    return ToyFamily()


def daily(site: ToySite, column: str, first: date, n: int, prefix: str = "n") -> None:
    for i in range(n):
        site.add(column, f"{prefix}{i:03d}", first + timedelta(days=i))


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def site():
    return ToySite()


@pytest.fixture
def server(site):
    with ScriptedServer(fallback=site.serve) as srv:
        srv.route("/robots.txt", Reply(status=404))
        yield srv


@pytest.fixture
def client():
    settings = ClientSettings(read_timeout=2.0, max_attempts=1)
    with PoliteClient(settings, backoff_sleep=lambda s: None, rng=random.Random(1)) as c:
        yield c


def source_for(server: ScriptedServer, columns=("/news/",), **expect) -> Source:
    return Source(id="toy", name="Toy", cms="generic", base_url=server.origin, rate_per_s=1000.0,
                  columns=tuple(Column(path, path.strip("/")) for path in columns), expect=expect)


def run(src, client, sink, policy, **kw):
    return crawl_source(src, client, sink, policy, parsers=toy_parsers, **kw)


def article_paths(server: ScriptedServer) -> list[str]:
    return [p for p in server.paths() if "/a/" in p]


def stored_slugs(sink: MemorySink) -> set[str]:
    return {url.rsplit("/", 1)[1].removesuffix(".html") for _, url in sink.articles}


JAN = date(2020, 1, 1)


# -- backfill ----------------------------------------------------------------------------------
def test_backfill_stores_the_window_and_stops_at_the_first_all_older_page(site, server, client):
    daily(site, "/news/", JAN, 23)  # n000 = Jan 1 … n022 = Jan 23; pages: 23-19, 18-14, 13-9, 8-4, 3-1
    sink = MemorySink()
    health = run(source_for(server), client, sink, CrawlPolicy.backfill(date(2020, 1, 15), date(2020, 1, 20)))
    assert stored_slugs(sink) == {f"n{i:03d}" for i in range(14, 20)}
    assert [p for p in server.paths() if "index" in p] == ["/news/index.html", "/news/index_1.html", "/news/index_2.html"]
    assert health.status == "ok" and health.documents["new"] == 6 and health.list_pages == 3


def test_second_identical_backfill_fetches_no_article(site, server, client):
    daily(site, "/news/", JAN, 12)
    sink, policy = MemorySink(), CrawlPolicy.backfill(JAN, date(2020, 12, 31))
    run(source_for(server), client, sink, policy)
    server.clear_log()
    health = run(source_for(server), client, sink, policy)
    assert article_paths(server) == [] and len(sink.articles) == 12
    assert health.documents == {"new": 0, "changed": 0, "unchanged": 0}


def test_backfill_resumes_after_a_crash_without_refetching_stored_articles(site, server, client):
    daily(site, "/news/", JAN, 17)

    class CrashingSink(MemorySink):
        def store_article(self, *args):
            if len(self.articles) == 7:
                raise RuntimeError("power cut")
            return super().store_article(*args)

    crashing = CrashingSink()
    first = run(source_for(server), client, crashing, CrawlPolicy.backfill(JAN, date(2020, 12, 31)))
    assert first.status == "broken" and "power cut" in first.message
    stored_before = {url for _, url in crashing.articles}
    server.clear_log()
    resumed = MemorySink()
    resumed.articles = dict(crashing.articles)
    run(source_for(server), client, resumed, CrawlPolicy.backfill(JAN, date(2020, 12, 31)))
    refetched = {server.url(p) for p in article_paths(server)} & stored_before
    assert refetched == set() and len(resumed.articles) == 17
    assert len(article_paths(server)) == 10  # the 10 never stored, each once


def test_undated_list_items_are_judged_by_their_article_date(site, server, client):
    site.list_dates = False
    daily(site, "/news/", JAN, 8)
    sink = MemorySink()
    health = run(source_for(server), client, sink, CrawlPolicy.backfill(date(2020, 1, 3), date(2020, 1, 5)))
    assert stored_slugs(sink) == {"n002", "n003", "n004"}
    assert health.skipped["outside_window"] == 5


def test_chunks_of_one_run_fetch_an_undated_article_once(site, server, client):
    """An undated item must be fetched to learn its month; the chunk it belongs to stores it
    from the run's cache (linked to the raw page already stored), not from a second request."""
    class LinkingSink(MemorySink):
        def __init__(self):
            super().__init__()
            self.raw_of: dict[str, int] = {}

        def store_article(self, source_id, column, article, raw_page_id):
            self.raw_of[article.url] = raw_page_id
            return super().store_article(source_id, column, article, raw_page_id)

    site.list_dates = False
    daily(site, "/news/", JAN, 6)
    sink, cache = LinkingSink(), RunPageCache()
    healths = [run(source_for(server), client, sink, CrawlPolicy.backfill(date(2020, 1, first_day),
                                                                          date(2020, 1, first_day + 2)),
                   page_cache=cache) for first_day in (1, 4)]
    assert stored_slugs(sink) == {f"n{i:03d}" for i in range(6)}
    assert len(article_paths(server)) == len(set(article_paths(server))) == 6  # each article fetched once
    # the run's totals count each page once: the second chunk reused every list page it judged
    list_requests = [p for p in server.paths() if "/a/" not in p and "robots" not in p]
    assert sum(h.list_pages for h in healths) == len(list_requests) and healths[1].list_pages == 0
    assert sum(h.article_pages for h in healths) == 6
    assert all(sink.raw[raw_id][3].url == url for url, raw_id in sink.raw_of.items())


def test_refetch_fetches_stored_articles_again(site, server, client):
    daily(site, "/news/", JAN, 4)
    sink, policy = MemorySink(), CrawlPolicy.backfill(JAN, date(2020, 1, 31), refetch=True)
    run(source_for(server), client, sink, CrawlPolicy.backfill(JAN, date(2020, 1, 31)))
    server.clear_log()
    health = run(source_for(server), client, sink, policy)
    assert len(article_paths(server)) == 4 and health.documents["unchanged"] == 4


# -- incremental -------------------------------------------------------------------------------
@pytest.mark.parametrize("etags", [True, False])
def test_no_change_incremental_costs_one_request_per_column(site, server, client, etags):
    site.etags = etags
    for column in ("/news/", "/notices/"):
        daily(site, column, JAN, 12, prefix=column.strip("/"))
    src, sink = source_for(server, ("/news/", "/notices/")), MemorySink()
    run(src, client, sink, CrawlPolicy())  # first run: an empty store walks everything
    assert len(sink.articles) == 24
    server.clear_log()
    health = run(src, client, sink, CrawlPolicy())
    assert server.paths() == ["/news/index.html", "/notices/index.html"]
    assert health.not_modified == (2 if etags else 0) and health.status == "ok"


def test_a_pinned_known_article_does_not_hide_new_ones_on_the_next_page(site, server, client):
    daily(site, "/news/", JAN, 12)
    src, sink = source_for(server), MemorySink()
    run(src, client, sink, CrawlPolicy())
    for n in range(PAGE_SIZE + 2):  # more new articles than fit on page 1 …
        site.add("/news/", f"new{n}", date(2020, 2, 1 + n))
    site.columns["/news/"].insert(0, site.columns["/news/"].pop(PAGE_SIZE + 2))  # … under a known, pinned one
    server.clear_log()
    run(src, client, sink, CrawlPolicy())
    assert {f"new{n}" for n in range(PAGE_SIZE + 2)} <= stored_slugs(sink)
    assert "/news/index_1.html" in server.paths() and "/news/index_2.html" not in server.paths()


def test_incremental_after_one_new_article_fetches_page_one_and_that_article(site, server, client):
    for column in ("/news/", "/notices/"):
        daily(site, column, JAN, 12, prefix=column.strip("/"))
    src, sink = source_for(server, ("/news/", "/notices/")), MemorySink()
    run(src, client, sink, CrawlPolicy())
    site.add("/news/", "fresh", date(2020, 2, 1))
    server.clear_log()
    health = run(src, client, sink, CrawlPolicy())
    assert server.paths() == ["/news/index.html", "/news/a/fresh.html", "/notices/index.html"]
    assert health.documents["new"] == 1


def test_incremental_stops_paginating_at_the_first_page_with_a_known_item(site, server, client):
    daily(site, "/news/", JAN, 20)
    src, sink = source_for(server), MemorySink()
    run(src, client, sink, CrawlPolicy.backfill(JAN, date(2020, 1, 12)))  # n000..n011 stored
    server.clear_log()
    run(src, client, sink, CrawlPolicy())
    # pages: n019-n015, n014-n010 (has known n010, n011) → stop before the third page
    assert [p for p in server.paths() if "index" in p] == ["/news/index.html", "/news/index_1.html"]
    assert len(article_paths(server)) == 8 and len(sink.articles) == 20


def test_validators_are_saved_only_after_a_complete_walk(site, server, client):
    daily(site, "/news/", JAN, 3)
    site.failing["/news/a/n001.html"] = Reply(status=500)
    src, sink = source_for(server), MemorySink()
    run(src, client, sink, CrawlPolicy())
    assert sink.validators == {}  # n001 failed: the next run must look again, not get a 304
    del site.failing["/news/a/n001.html"]
    server.clear_log()
    run(src, client, sink, CrawlPolicy())
    assert server.paths() == ["/news/index.html", "/news/a/n001.html"] and len(sink.validators) == 1


def test_off_origin_items_are_skipped_without_a_request(site, server, client):
    daily(site, "/news/", JAN, 2)
    original = site._list

    def with_foreign_link(request, column, index):
        reply = original(request, column, index)
        return Reply(status=reply.status, headers=reply.headers,
                     body=reply.body_bytes.replace(b"<ul>", b'<ul><li><a href="http://10.1.1.1/x.html">x</a></li>'))

    site._list = with_foreign_link
    sink = MemorySink()
    health = run(source_for(server), client, sink, CrawlPolicy())
    assert len(sink.articles) == 2 and health.skipped == {"off_origin": 1}


def test_check_mode_reads_one_list_page_and_the_newest_article_per_column(site, server, client):
    for column in ("/news/", "/notices/"):
        daily(site, column, JAN, 12, prefix=column.strip("/"))
    health = run(source_for(server, ("/news/", "/notices/")), client, MemorySink(), CrawlPolicy(mode="check"))
    assert server.paths() == ["/robots.txt", "/news/index.html", "/news/a/news011.html",
                              "/notices/index.html", "/notices/a/notices011.html"]
    assert health.status == "ok" and health.pass_rates()["title"] == 1.0


# -- raw pages, errors and health --------------------------------------------------------------
def test_every_fetch_is_stored_raw_before_parsing_and_parse_failures_are_recorded(site, server, client):
    daily(site, "/news/", JAN, 4)
    site.broken_articles.add("n002")
    sink = MemorySink()
    health = run(source_for(server), client, sink, CrawlPolicy())
    assert [(kind, fetch.url.rsplit("/", 1)[1]) for _, kind, _, fetch in sink.raw] == [
        ("list", "index.html"), ("article", "n003.html"), ("article", "n002.html"),
        ("article", "n001.html"), ("article", "n000.html")]
    assert stored_slugs(sink) == {"n000", "n001", "n003"}
    assert [(kind, "no title" in message) for _, _, kind, message in sink.problems] == [("parse_error", True)]
    assert health.parse_failures == 1 and health.pass_rates()["title"] == 0.75


def test_source_is_stopped_after_consecutive_errors(site, server, client):
    daily(site, "/news/", JAN, 12)
    for i in range(12):
        site.failing[f"/news/a/n{i:03d}.html"] = Reply(status=500)
    sink = MemorySink()
    health = run(source_for(server), client, sink, CrawlPolicy())
    assert len(article_paths(server)) == 5
    assert health.status == "broken" and "stopped after 5 consecutive errors" in health.message
    assert sink.problems[-1][2] == "stopped"


def test_challenge_stops_the_source_at_once_and_says_so(site, server, client):
    daily(site, "/news/", JAN, 3)
    site.failing["/news/index.html"] = html("<script>$_ts=1</script>", status=412)
    health = run(source_for(server, ("/news/", "/notices/")), client, MemorySink(), CrawlPolicy())
    assert server.paths() == ["/robots.txt", "/news/index.html"]
    assert health.status == "challenged"
    assert health.message.startswith("source toy: blocked by site protection (HTTP 412 challenge")
    assert health.message.endswith("lower the rate or run from an allowed network")


def test_a_list_page_with_no_items_is_loud(site, server, client):
    site.columns["/news/"] = []
    health = run(source_for(server), client, MemorySink(), CrawlPolicy())
    assert health.status == "empty"
    assert health.message == (f"source toy: list page {server.url('/news/index.html')} has 0 items "
                              "(layout changed?); check the parser against a fresh page")


def test_expectations_from_the_registry_are_checked(site, server, client):
    site.content_source = False
    daily(site, "/news/", JAN, 4)
    health = run(source_for(server, min_field_pass_rate=0.9), client, MemorySink(), CrawlPolicy())
    assert health.status == "broken" and "field content_source found in 0% of 4 articles" in health.message
    assert health.pass_rates() == {"title": 1.0, "published_date": 1.0, "body_text": 1.0, "content_source": 0.0}
    lenient = run(source_for(server, min_field_pass_rate={"title": 1.0}), client, MemorySink(), CrawlPolicy())
    assert lenient.status == "ok"


def test_a_thin_list_page_breaks_the_items_assertion(site, server, client):
    daily(site, "/news/", JAN, 12)
    health = run(source_for(server, min_items_per_list_page=6), client, MemorySink(), CrawlPolicy())
    assert health.status == "broken" and "has 5 items, expected at least 6" in health.message
    assert sum("expected at least 6" in a.message for a in health.all_alerts()) == 2  # the last page may be short


def test_first_list_page_missing_is_broken(server, client):
    health = run(source_for(server), client, MemorySink(), CrawlPolicy())
    assert health.status == "broken" and "check the column path" in health.message


# -- several sources at once -------------------------------------------------------------------
def test_crawl_sources_runs_sources_concurrently_and_reports_progress(client):
    sites = [ToySite() for _ in range(3)]
    for i, s in enumerate(sites):
        daily(s, "/news/", JAN, 6 + i)
    with ScriptedServer(fallback=sites[0].serve) as a, ScriptedServer(fallback=sites[1].serve) as b, \
            ScriptedServer(fallback=sites[2].serve) as c:
        sources = [Source(id=f"s{i}", name=f"S{i}", cms="generic", base_url=srv.origin, rate_per_s=200.0,
                          columns=(Column("/news/", "news"),)) for i, srv in enumerate((a, b, c))]
        events = []
        sink = MemorySink()
        report = crawl_sources(sources, client, sink, CrawlPolicy(), progress=events.append, parsers=toy_parsers)
    assert report.status == "ok" and [len(sink.known_articles(f"s{i}", [u for _, u in sink.articles]))
                                      for i in range(3)] == [6, 7, 8]
    done = {e.source_id: e for e in events if e.done}
    assert {sid: e.stored for sid, e in done.items()} == {"s0": 6, "s1": 7, "s2": 8}
    assert json.loads(json.dumps(report.to_dict()))["sources"][2]["documents"]["new"] == 8


def test_policy_validation():
    with pytest.raises(ValueError, match="start 2021-01-01 is after end 2020-01-01"):
        CrawlPolicy.backfill(date(2021, 1, 1), date(2020, 1, 1))
    with pytest.raises(ValueError, match="needs both"):
        CrawlPolicy(mode="backfill", start=JAN)
    with pytest.raises(ValueError, match="crawl mode 'nightly'"):
        CrawlPolicy(mode="nightly")


def test_a_list_page_refused_by_robots_is_loud(site, server, client):
    daily(site, "/news/", JAN, 3)
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /news/\n"))
    health = run(source_for(server), client, MemorySink(), CrawlPolicy())
    assert server.paths() == ["/robots.txt"]
    assert health.status == "broken" and "was not fetched (robots.txt of" in health.message


def test_failed_pages_do_not_stop_the_rest_of_a_backfill(site, server, client):
    daily(site, "/news/", JAN, 15)
    site.failing["/news/index_1.html"] = Reply(status=503)  # the middle list page: n009..n005
    site.failing["/news/a/n013.html"] = Reply(body=b"x" * 64, content_length=10 ** 9)
    sink = MemorySink()
    health = run(source_for(server), client, sink, CrawlPolicy.backfill(JAN, date(2020, 12, 31)))
    assert stored_slugs(sink) == {f"n{i:03d}" for i in (0, 1, 2, 3, 4, 10, 11, 12, 14)}
    assert sorted(kind for _, _, kind, _ in sink.problems) == ["http_error", "too_large"]
    assert health.fetch_errors == 2 and health.status == "incomplete"  # the lost article is owed, not ok
    server.clear_log()
    site.failing.clear()
    run(source_for(server), client, sink, CrawlPolicy.backfill(JAN, date(2020, 12, 31)))  # the rerun fills the gap
    assert len(sink.articles) == 15 and len(article_paths(server)) == 6
