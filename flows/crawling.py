"""Crawling into the warehouse: the composition of ``scrapers.crawl`` with the DuckDB sink.

Plain functions (no Prefect): the flows wrap them as tasks, tests call them directly.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone

from scrapers.crawl import CrawlPolicy, Progress, RunPageCache, crawl_sources
from scrapers.health import RunReport, SourceHealth
from scrapers.http import PoliteClient
from scrapers.registry import Source
from scrapers.robots import RobotsCache
from warehouse import store
from warehouse.db import Warehouse


def polite_client(wh: Warehouse) -> PoliteClient:
    """A client whose robots.txt verdicts come from (and go back to) the warehouse."""
    return PoliteClient(robots_cache=RobotsCache.load(store.load_robots(wh)))


def crawl_into(wh: Warehouse, run_id: int, sources: Sequence[Source], policy: CrawlPolicy,
               client: PoliteClient, progress: Progress | None = None,
               page_cache: RunPageCache | None = None, record_health: bool = True) -> RunReport:
    """Crawl ``sources`` with ``policy`` into the warehouse and record per-source health."""
    report = crawl_sources(sources, client, store.WarehouseSink(wh, run_id), policy, progress=progress,
                           page_cache=page_cache)
    store.save_robots(wh, client.robots_cache.export())
    if record_health:
        for health in report.sources:
            store.record_source_health(wh, run_id, health.to_dict())
    return report


def month_chunks(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar-month windows covering [start, end], newest first (lists are newest first)."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    chunks, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = max(start, date(year, month, 1))
        last = min(end, date(year, month, calendar.monthrange(year, month)[1]))
        chunks.append((first, last))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return chunks[::-1]


def run_directly(crawl: Callable[[], RunReport], first: date, last: date) -> RunReport:
    return crawl()


def backfill_into(wh: Warehouse, run_id: int, sources: Sequence[Source], start: date, end: date, refetch: bool,
                  client: PoliteClient, progress: Progress | None = None,
                  run_chunk: Callable[[Callable[[], RunReport], date, date], RunReport] = run_directly) -> RunReport:
    """Backfill [start, end] month by month; chunks finished by an earlier run are skipped.

    A chunk counts as finished only when its walk was clean (no failed fetch or parse, no
    empty or broken list page), so a rerun after a crash, an outage or a transient layout
    glitch redoes exactly the unfinished months (stored articles are never refetched).
    Returns one report whose per-source health adds up all the chunks, as recorded.
    ``run_chunk`` runs each month's crawl (the flow makes each one a Prefect task).
    """
    done = store.finished_chunks(wh, refetch)
    page_cache = RunPageCache()
    total = RunReport(mode="backfill", started_at=datetime.now(timezone.utc))
    by_source: dict[str, SourceHealth] = {}
    for chunk_start, chunk_end in month_chunks(start, end):
        todo = [s for s in sources if (s.id, chunk_start, chunk_end) not in done]
        if not todo:
            continue
        policy = CrawlPolicy.backfill(chunk_start, chunk_end, refetch)
        report = run_chunk(lambda: crawl_into(wh, run_id, todo, policy, client, progress, page_cache,
                                              record_health=False), chunk_start, chunk_end)
        for health in report.sources:
            if health.fetch_errors == 0 and health.parse_failures == 0 and health.status == "ok":
                store.mark_chunk_done(wh, health.source_id, chunk_start, chunk_end, refetch, run_id)
            if health.source_id in by_source:
                by_source[health.source_id].absorb(health)
            else:
                by_source[health.source_id] = health
    total.sources = list(by_source.values())
    total.finished_at = datetime.now(timezone.utc)
    for health in total.sources:
        store.record_source_health(wh, run_id, health.to_dict())
    return total
