"""The backfill flow: a date-bounded, resumable crawl in month chunks, then code and recompute."""
from __future__ import annotations

from datetime import date
from typing import Literal

from prefect import State, flow

from flows.pipeline import backfill_task, code_on_dask, code_task, publish_summary_artifact, recompute_task
from flows.runs import flow_outcome, warehouse_run
from scrapers.registry import load_sources


@flow(name="backfill", log_prints=False, persist_result=False)
def backfill(start: date, end: date, source_ids: list[str] | None = None, refetch: bool = False,
             sources_file: str | None = None, db: str | None = None,
             task_runner: Literal["threads", "dask"] = "threads") -> dict | State:
    """Crawl [start, end] month by month, newest first; finished months are skipped on a rerun.

    ``task_runner="dask"`` codes the documents on a Dask cluster (see flows/dask_coding.py);
    fetching stays polite and in this process, and so do all warehouse writes.
    """
    if start > end:
        raise ValueError(f"backfill start {start} is after end {end}")
    sources = load_sources(sources_file)
    if source_ids:
        unknown = sorted(set(source_ids) - {s.id for s in sources})
        if unknown:
            raise ValueError(f"unknown source id(s) {', '.join(unknown)}; see `healthcoop sources`")
        sources = [s for s in sources if s.id in source_ids]
    params = {"start": start.isoformat(), "end": end.isoformat(), "source_ids": source_ids, "refetch": refetch,
              "sources_file": sources_file, "task_runner": task_runner}
    with warehouse_run("backfill", db, params) as run:
        backfill_task(run, sources, start, end, refetch)
        coding = code_on_dask(run) if task_runner == "dask" else code_task(run)
        if coding["status"] == "coded":
            recompute_task(run)
        publish_summary_artifact(run)
    return flow_outcome(run, {"run_id": run.run_id, "status": run.status, **run.counts, "messages": run.messages})
