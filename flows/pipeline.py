"""Prefect tasks shared by the flows, and the run summary they publish as artifacts.

Rules from the research notes (§6): no Prefect result caching on anything that touches the
warehouse (``NO_CACHE``), no persisted results, and the warehouse is written only from the
flow's own process (tasks run in its threads; the Warehouse serialises them).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from analysis.network.periods import PAPER_PERIOD
from flows import progress
from flows.crawling import backfill_into, crawl_into, polite_client
from flows.runs import RunState
from flows.steps import code_documents, code_step, documents_to_code, recompute_step
from scrapers.crawl import CrawlPolicy
from scrapers.health import RunReport
from scrapers.http import PoliteClient
from scrapers.registry import Source

TOP_N = 10


@task(name="crawl", cache_policy=NO_CACHE, persist_result=False)
def crawl_task(state: RunState, sources: Sequence[Source], policy: CrawlPolicy) -> RunReport:
    with polite_client(state.wh) as client:
        report = crawl_into(state.wh, state.run_id, sources, policy, client, progress.callback())
    absorb_crawl(state, report, client)
    return report


@task(name="backfill-month", task_run_name="backfill {first} to {last}", cache_policy=NO_CACHE,
      persist_result=False)
def month_task(crawl: Callable[[], RunReport], first: date, last: date) -> RunReport:
    """One month of a backfill, visible as its own task run (it writes through the flow's warehouse)."""
    return crawl()


@task(name="backfill-chunks", cache_policy=NO_CACHE, persist_result=False)
def backfill_task(state: RunState, sources: Sequence[Source], start, end, refetch: bool) -> RunReport:
    with polite_client(state.wh) as client:
        report = backfill_into(state.wh, state.run_id, sources, start, end, refetch, client, progress.callback(),
                               run_chunk=month_task)
    absorb_crawl(state, report, client)
    return report


@task(name="code", cache_policy=NO_CACHE, persist_result=False)
def code_task(state: RunState, force: bool = False) -> dict:
    return absorb_coding(state, code_step(state.wh, force=force))


@task(name="documents-to-code", cache_policy=NO_CACHE, persist_result=False)
def documents_task(state: RunState, force: bool = False) -> list[dict] | None:
    return documents_to_code(state.wh, force)


@task(name="save-coding", cache_policy=NO_CACHE, persist_result=False)
def save_coding_task(state: RunState, documents: list[dict], codings: list) -> dict:
    by_id = {coding.document.doc_id: coding for coding in codings}
    return absorb_coding(state, code_documents(state.wh, documents, lambda _f, docs: [by_id[d.doc_id] for d in docs]))


def code_on_dask(state: RunState, force: bool = False) -> dict:
    """Coding with the per-document step on Dask. Called from the flow body, not from a task:
    Dask must pickle the task's context, and a task holding the warehouse cannot be pickled."""
    from flows.dask_coding import code_records_on_dask

    documents = documents_task(state, force)
    if documents is None:
        return absorb_coding(state, {"status": "skipped", "new_projects": 0})
    return save_coding_task(state, documents, code_records_on_dask(documents))


def absorb_coding(state: RunState, result: dict) -> dict:
    """Fold a coding result into the run; an override that could not be applied is a run
    problem (an analyst's correction silently ignored would be worse than a failed run)."""
    state.add(new_projects=result.get("new_projects", 0))
    state.summary["coding"] = result
    for message in result.get("rejected_overrides", ()):
        state.problem(message)
    return result


@task(name="recompute", cache_policy=NO_CACHE, persist_result=False)
def recompute_task(state: RunState, force: bool = False) -> dict:
    result = recompute_step(state.wh, state.run_id, force=force)
    network = result.pop("result", None)
    state.summary["recompute"] = result
    if network is not None:
        publish_rankings_artifact(network.rankings)
    return result


def absorb_crawl(state: RunState, report: RunReport, client: PoliteClient) -> None:
    """Fold a crawl into the run: the requests the client made, counts, and every loud source
    as a run problem."""
    state.add(pages_fetched=sum(s.requests for s in client.host_stats().values()))
    sources = {}
    for health in report.sources:
        new, changed = health.documents["new"], health.documents["changed"]
        state.add(new_documents=new, changed_documents=changed)
        sources[health.source_id] = {"new": new, "changed": changed, "status": health.status,
                                     "message": "" if health.status == "ok" else health.message}
        if health.status != "ok":
            state.problem(health.message)
    state.summary["sources"] = sources


def publish_summary_artifact(state: RunState) -> str:
    lines = [f"# healthcoop {state.flow} run {state.run_id}: {state.status}", "",
             "| pages fetched | new documents | changed documents | new projects | errors |",
             "|---:|---:|---:|---:|---:|",
             "| {pages_fetched} | {new_documents} | {changed_documents} | {new_projects} | {errors} |".format(**state.counts)]
    sources = state.summary.get("sources", {})
    projects = state.summary.get("coding", {}).get("new_projects_by_source", {})
    if sources:
        lines += ["", "## Sources", "", "| source | status | new documents | changed documents | new projects | message |",
                  "|---|---|---:|---:|---:|---|"]
        lines += [f"| {sid} | {e['status']} | {e['new']} | {e['changed']} | {projects.get(sid, 0)} | {e['message']} |"
                  for sid, e in sources.items()]
    if state.messages:
        lines += ["", "## Problems", ""] + [f"- {m}" for m in state.messages]
    markdown = "\n".join(lines)
    create_markdown_artifact(key=f"{state.flow}-summary", markdown=markdown, description="healthcoop run summary")
    return markdown


def publish_rankings_artifact(rankings) -> None:
    """The top localities by degree for the paper's period, or the whole range when the data
    do not touch it (the last period computed is the widest)."""
    periods = list(dict.fromkeys(rankings["period"]))
    if not periods:
        return
    period = PAPER_PERIOD if PAPER_PERIOD in periods else periods[-1]
    top = rankings[(rankings["level"] == "locality") & (rankings["period"] == period)]
    top = top.sort_values("rank_degree").head(TOP_N)
    rows = [{"node": r.node, "n_projects": int(r.n_projects), "degree": float(r.degree),
             "constraint": None if r.constraint != r.constraint else round(float(r.constraint), 3)}
            for r in top.itertuples()]
    create_table_artifact(key="top-rankings", table=rows, description=f"Top localities by degree, {period}")
