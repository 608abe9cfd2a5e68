"""The nightly flow: incremental crawl → store → code new documents → recompute if changed."""
from __future__ import annotations

from prefect import State, flow

from flows.pipeline import code_task, crawl_task, publish_summary_artifact, recompute_task
from flows.runs import flow_outcome, warehouse_run
from scrapers.crawl import CrawlPolicy
from scrapers.registry import load_sources


@flow(name="nightly", log_prints=False, persist_result=False)
def nightly(sources_file: str | None = None, db: str | None = None) -> dict | State:
    """Crawl every source incrementally (stops at known items); code and recompute only on change."""
    sources = load_sources(sources_file)
    with warehouse_run("nightly", db, {"sources_file": sources_file}) as run:
        crawl_task(run, sources, CrawlPolicy(mode="incremental"))
        coding = code_task(run)
        if coding["status"] == "coded":
            recompute_task(run)
        publish_summary_artifact(run)
    return flow_outcome(run, {"run_id": run.run_id, "status": run.status, **run.counts, "messages": run.messages})
