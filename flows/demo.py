"""`healthcoop demo`: the whole pipeline on the bundled sample sites, in a fresh warehouse.

It runs the production code paths — the replica sites stand in for the real ones, so only
the sources file differs: the real backfill flow for 2019–2021 (crawl, store, code,
recompute), then the report. Each run starts from an empty ``data/demo/`` warehouse, so
running it twice gives the same result.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from analysis.report import build_report
from flows.backfill import backfill
from flows.runs import call_flow
from scrapers.registry import load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, start_replicas
from warehouse.db import published_path
from warehouse.report_data import load_report_data

DEMO_DIR = Path("data/demo")
START, END = date(2019, 1, 1), date(2021, 12, 31)
PERIOD = "2019-2021"
REPLICA_RATE = 50.0  # requests/s per host: the replicas are our own servers on 127.0.0.1


@dataclass
class DemoResult:
    run: dict
    db: Path
    published: Path
    sources_file: Path
    report: Path
    data: dict  # what the report was built from (warehouse.report_data.load_report_data)


def fresh_warehouse(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "healthcoop.duckdb"
    for stale in (db, published_path(db), db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    return db


def run_demo(directory: Path = DEMO_DIR) -> DemoResult:
    db = fresh_warehouse(directory)
    sources = [replace(s, rate_per_s=REPLICA_RATE) for s in load_sources()]
    with start_replicas(DEFAULT_CORPUS_DIR, sources) as replicas:
        if replicas.errors:
            raise ValueError(f"sample corpus: {replicas.errors[0]}")
        sources_file = replicas.write_sources_file(directory / "sources.yaml")
        run = call_flow(backfill, start=START, end=END, sources_file=str(sources_file), db=str(db))
    published = published_path(db)
    data = load_report_data(published)
    report = build_report(data, directory / "report", period=PERIOD)
    return DemoResult(run, db, published, sources_file, report, data)
