"""The crawl with the real parser families against the replica sites (scrapers/replica).

The toy-site tests pin down the walk; this one checks that it fits the real URL schemes,
page counts and validators of all four CMS families.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from scrapers.crawl import CrawlPolicy, MemorySink, crawl_sources
from scrapers.http import PoliteClient
from scrapers.registry import load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, load_corpus, start_replicas

START, END = date(2019, 1, 1), date(2021, 12, 31)


@pytest.fixture
def replicas():
    with start_replicas(DEFAULT_CORPUS_DIR, load_sources()) as running:
        yield running


@pytest.fixture
def sources(replicas):
    return [replace(s, rate_per_s=100.0) for s in replicas.sources_with_local_urls()]


def paths(replicas) -> list[str]:
    return [entry.path for entry in replicas.log()]


def test_backfill_stores_the_window_once_and_a_quiet_night_costs_one_request_per_column(replicas, sources):
    in_window = Counter((a.source, a.title) for a in load_corpus(DEFAULT_CORPUS_DIR).articles
                        if START <= a.published.date() <= END)
    sink = MemorySink()
    with PoliteClient() as client:
        report = crawl_sources(sources, client, sink, CrawlPolicy.backfill(START, END))
        assert report.status == "ok", report.loud_messages()
        assert Counter((sid, a.title) for (sid, _), a in sink.articles.items()) == in_window

        replicas.reset_logs()
        again = crawl_sources(sources, client, sink, CrawlPolicy.backfill(START, END))
        assert sum(s.article_pages for s in again.sources) == 0
        assert sum(s.documents["new"] + s.documents["changed"] for s in again.sources) == 0

        catch_up = crawl_sources(sources, client, sink, CrawlPolicy())  # articles newer than the window
        assert catch_up.status == "ok", catch_up.loud_messages()
        replicas.reset_logs()
        nightly = crawl_sources(sources, client, sink, CrawlPolicy())
        assert nightly.status == "ok", nightly.loud_messages()
        assert len(paths(replicas)) == sum(len(s.columns) for s in sources)
        assert sum(s.not_modified for s in nightly.sources) == len(paths(replicas))


def test_incremental_after_a_new_article_fetches_page_one_per_column_plus_that_article(replicas, sources):
    sink = MemorySink()
    with PoliteClient() as client:
        crawl_sources(sources, client, sink, CrawlPolicy())
        server = replicas.servers["sc_wsjkw"]
        column = server.source.columns[0].path
        new_path = server.add_article({"id": "zz_new_sc", "source": "sc_wsjkw", "column": column,
                                       "published": "2022-03-01 09:00", "title": "川渝两地签署新的医疗合作协议（测试）",
                                       "content_source": "四川省卫生健康委员会", "body": ["测试正文。"]})
        replicas.reset_logs()
        report = crawl_sources(sources, client, sink, CrawlPolicy())
    assert len(paths(replicas)) == sum(len(s.columns) for s in sources) + 1
    assert new_path in paths(replicas)
    assert report.source("sc_wsjkw").documents["new"] == 1
