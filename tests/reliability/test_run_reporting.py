"""After a fault the operator must be told what happened, and the next run must finish the job.

These cover what the warehouse and the run report say after a failure (``source_health``,
source status) and the nightly (incremental) mode's recovery, next to the backfill's.
"""
from __future__ import annotations

from datetime import date

import pytest

from scrapers.crawl import CrawlPolicy
from tests.reliability.harness import SETTINGS, TWO_MONTHS, fast_sources
from tests.support.fault_server import Rule


def test_incremental_run_recovers_a_failed_article_of_list_page_one(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("sc_wsjkw", "cd_wjw")))
    failed = crawl.article("sc_wsjkw", 2)
    crawl.injector.rules = [Rule(failed.target, "http_502", times=SETTINGS.max_attempts)]
    crawl.crawl(CrawlPolicy(mode="incremental"))
    assert crawl.lost() == {failed.doc_id}
    crawl.crawl(CrawlPolicy(mode="incremental"))
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0


def test_incremental_run_recovers_a_failed_article_of_list_page_two(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("cq_wsjkw",)))
    failed = crawl.article("cq_wsjkw", 6)  # list page 2
    crawl.injector.rules = [Rule(failed.target, "http_503", times=SETTINGS.max_attempts)]
    crawl.crawl(CrawlPolicy(mode="incremental"))
    assert crawl.lost() == {failed.doc_id}
    crawl.crawl(CrawlPolicy(mode="incremental"))
    assert crawl.lost() == set()


def test_source_health_records_the_documents_a_run_stored(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("sc_wsjkw",)))
    crawl.backfill()
    recorded = crawl.wh.fetchall("SELECT status, pages_fetched, new_documents, changed_documents FROM source_health")
    assert recorded == [("ok", 9, 7, 0)]  # 2 list pages and 7 articles


def test_source_health_keeps_a_failure_of_an_earlier_month_of_the_run(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("lz_wjw",)), days=TWO_MONTHS)
    crawl.injector.rules = [Rule(crawl.list_target("lz_wjw"), "http_500", times=SETTINGS.max_attempts)]
    report = crawl.backfill(start=date(2021, 1, 1))
    assert report.source("lz_wjw").status == "broken"  # February: the column was unreadable
    [(status, message)] = crawl.wh.fetchall("SELECT status, message FROM source_health WHERE source_id = 'lz_wjw'")
    assert status == "broken" and "HTTP 500" in message


def test_an_article_lost_for_this_run_is_not_reported_as_ok(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("cd_wjw",)))
    failed = crawl.article("cd_wjw", 3)
    crawl.injector.rules = [Rule(failed.target, "hang", times=SETTINGS.max_attempts)]
    report = crawl.backfill()
    assert crawl.lost() == {failed.doc_id}
    health = report.source("cd_wjw")
    assert health.status == "incomplete" and failed.target in health.message and "ReadTimeout" in health.message
    recorded = crawl.wh.fetchall("SELECT status, message FROM source_health WHERE source_id = 'cd_wjw'")
    assert recorded == [(health.status, health.message)]


def test_a_run_whose_documents_hold_no_agreement_is_coded_without_error(faulty_crawl):
    from flows.steps import code_step

    crawl = faulty_crawl(sources=fast_sources(("sc_wsjkw",)))  # formulaic news, no institution named
    crawl.backfill()
    result = code_step(crawl.wh)
    assert result["status"] == "coded" and result["documents"] == len(crawl.articles())
