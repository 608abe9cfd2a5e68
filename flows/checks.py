"""`healthcoop sources check`: one list page per column and its newest article, in seconds.

Runs the real client and parsers with the crawl's ``check`` mode into an in-memory sink, so
nothing is written and a redesigned site shows up as an empty or broken column at once.
"""
from __future__ import annotations

import time
from dataclasses import replace

from scrapers.crawl import CrawlPolicy, MemorySink, crawl_source
from scrapers.http import ClientSettings, PoliteClient
from scrapers.registry import Source


def check_sources(sources: list[Source], settings: ClientSettings | None = None) -> list[dict]:
    """One row per column: status, items on list page 1, seconds, the one-line message."""
    rows = []
    with PoliteClient(settings) as client:
        for source in sources:
            for column in source.columns:
                started = time.monotonic()
                health = crawl_source(replace(source, columns=(column,)), client, MemorySink(), CrawlPolicy(mode="check"))
                rows.append({"source_id": source.id, "column": f"{column.path} {column.name}", "status": health.status,
                             "items": health.items_found, "seconds": time.monotonic() - started,
                             "message": None if health.status == "ok" else health.message})
    return rows
