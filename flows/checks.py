"""`healthcoop sources check`: one list page per column and its newest article, in seconds.

Runs the real client and parsers with the crawl's ``check`` mode into an in-memory sink, so
nothing is written and a redesigned site shows up as an empty or broken column at once.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from scrapers.crawl import CrawlPolicy, MemorySink, crawl_source
from scrapers.http import PoliteClient
from scrapers.registry import Source


def check_sources(sources: list[Source]) -> list[dict]:
    """One row per column: status, items on list page 1, seconds, the one-line message.

    Sources are checked at once, one thread each (their hosts differ; the client paces each
    host), and the columns of a source one after another, so a check takes as long as the
    slowest source, not the sum of them."""
    with PoliteClient() as client, ThreadPoolExecutor(max_workers=max(1, len(sources))) as pool:
        per_source = pool.map(lambda source: _check_columns(source, client), sources)
        return [row for rows in per_source for row in rows]


def _check_columns(source: Source, client: PoliteClient) -> list[dict]:
    rows = []
    for column in source.columns:
        started = time.monotonic()
        health = crawl_source(replace(source, columns=(column,)), client, MemorySink(), CrawlPolicy(mode="check"))
        rows.append({"source_id": source.id, "column": f"{column.path} {column.name}", "status": health.status,
                     "items": health.items_found, "seconds": time.monotonic() - started,
                     "message": None if health.status == "ok" else health.message})
    return rows
