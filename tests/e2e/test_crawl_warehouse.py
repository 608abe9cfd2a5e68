"""Crawling the replica sites into the warehouse: nothing lost, nothing doubled, nothing refetched.

Plain composition (flows.crawling) without Prefect; the Prefect flows wrap the same calls.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from flows.crawling import backfill_into, crawl_into, month_chunks, polite_client
from scrapers.crawl import CrawlPolicy
from scrapers.registry import load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, load_corpus, start_replicas
from warehouse import store
from warehouse.db import Warehouse

START, END = date(2019, 1, 1), date(2021, 12, 31)
FAST = 200.0  # requests/s per host: our own local servers


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(DEFAULT_CORPUS_DIR).articles


@pytest.fixture
def replicas():
    sources = [replace(s, rate_per_s=FAST) for s in load_sources()]
    with start_replicas(DEFAULT_CORPUS_DIR, sources) as running:
        yield running


def stored(wh: Warehouse) -> dict[str, str]:
    """doc_id -> title of every stored document."""
    return dict(wh.fetchall("SELECT doc_id, title FROM documents"))


def backfill(wh, replicas, **kwargs):
    run_id = store.start_run(wh, "test", {})
    with polite_client(wh) as client:
        return backfill_into(wh, run_id, replicas.sources_with_local_urls(), START, END, False, client, **kwargs)


def test_month_chunks_cover_the_window_newest_first():
    chunks = month_chunks(date(2019, 12, 15), date(2020, 2, 3))
    assert chunks == [(date(2020, 2, 1), date(2020, 2, 3)), (date(2020, 1, 1), date(2020, 1, 31)),
                      (date(2019, 12, 15), date(2019, 12, 31))]


def test_backfill_stores_exactly_the_window_once_and_a_rerun_changes_nothing(tmp_path, corpus, replicas):
    expected = {a.title for a in corpus if START <= a.published.date() <= END}
    with Warehouse(tmp_path / "w.duckdb") as wh:
        backfill(wh, replicas)
        docs = stored(wh)
        assert sorted(docs.values()) == sorted(expected)  # every in-window article, once, nothing else
        raw_before = wh.fetchall("SELECT count(*) FROM raw_pages")[0][0]
        versions_before = wh.fetchall("SELECT count(*) FROM document_versions")[0][0]

        replicas.reset_logs()
        backfill(wh, replicas)
        assert [r.path for r in replicas.log() if "robots" not in r.path] == []  # every month chunk was finished
        assert stored(wh) == docs
        assert wh.fetchall("SELECT count(*) FROM raw_pages")[0][0] == raw_before
        assert wh.fetchall("SELECT count(*) FROM document_versions")[0][0] == versions_before


def test_rerun_after_an_interrupted_backfill_fetches_only_what_is_missing(tmp_path, corpus, replicas):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        backfill(wh, replicas)
        all_docs = stored(wh)
        # forget the finished chunks and a few documents, as if the run had died half-way
        wh.execute("DELETE FROM backfill_chunks")
        forgotten = sorted(all_docs)[:3]
        for table in ("documents", "document_versions"):
            wh.execute(f"DELETE FROM {table} WHERE list_contains(?, doc_id)", [forgotten])
        replicas.reset_logs()
        backfill(wh, replicas)
        assert stored(wh) == all_docs
        fetched_articles = [r for r in replicas.log() if r.status == 200 and not _is_list(r.path)]
        assert len(fetched_articles) == len(forgotten)


def _is_list(path: str) -> bool:
    return path.endswith("/") or "index" in path or "tygl" in path or "list.shtml" in path or "es-search" in path \
        or path == "/robots.txt"


def test_incremental_after_one_new_article_fetches_list_page_one_per_column_and_that_article(tmp_path, replicas):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        run_id = store.start_run(wh, "test", {})
        sources = replicas.sources_with_local_urls()
        with polite_client(wh) as client:
            crawl_into(wh, run_id, sources, CrawlPolicy(mode="incremental"), client)
        before = stored(wh)
        server = replicas.servers["cq_wsjkw"]
        server.add_article({"id": "zz_new_article", "source": "cq_wsjkw", "column": "/zwxx_242/gzdt/",
                            "published": "2023-12-30 09:00", "title": "新增测试文章：两地医院签署合作协议",
                            "content_source": "重庆市卫生健康委员会",
                            "body": ["12月29日，两家医院签署合作协议。", "双方将开展远程会诊合作。"]})
        replicas.reset_logs()
        with polite_client(wh) as client:
            report = crawl_into(wh, run_id, sources, CrawlPolicy(mode="incremental"), client)
        requests = [r.path for r in replicas.log() if r.path != "/robots.txt"]
        n_columns = sum(len(s.columns) for s in sources)
        list_requests = [p for p in requests if _is_list(p)]
        assert len(list_requests) == n_columns, requests  # list page 1 of every column, nothing more
        assert len(requests) == n_columns + 1  # plus the new article
        after = stored(wh)
        assert set(after) - set(before) and len(after) == len(before) + 1
        assert report.source("cq_wsjkw").documents["new"] == 1
