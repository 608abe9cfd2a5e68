"""The Prefect flows under Prefect's test harness (one for the whole run, see conftest.py).

Everything the flows compose is tested as plain functions elsewhere; this module checks the
wiring: runs against the replica sites, the warehouse contents, the ``runs`` row, and the
Dask variant of coding.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from flows.runs import call_flow
from scrapers.registry import dump_sources, load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, load_corpus, start_replicas
from warehouse.query import run_query

pytestmark = [pytest.mark.flow, pytest.mark.slow]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    sources = [replace(s, rate_per_s=100.0) for s in load_sources()]
    with start_replicas(DEFAULT_CORPUS_DIR, sources) as running:
        path = tmp_path_factory.mktemp("sources") / "sources.yaml"
        path.write_text(dump_sources(running.sources_with_local_urls()), encoding="utf-8")
        yield running, path


def test_backfill_then_nightly(prefect_harness, replicas, tmp_path):
    from flows.backfill import backfill
    from flows.nightly import nightly

    running, sources_file = replicas
    db = tmp_path / "w.duckdb"
    months_before = len(task_runs_named("backfill 20"))  # the session's harness may hold other runs
    result = call_flow(backfill, start=date(2019, 1, 1), end=date(2021, 12, 31), sources_file=str(sources_file),
                       db=str(db))
    in_window = [a for a in load_corpus(DEFAULT_CORPUS_DIR).articles if date(2019, 1, 1) <= a.published.date() <= date(2021, 12, 31)]
    assert result["status"] == "completed" and result["new_documents"] == len(in_window)
    published = db.with_name("w-latest.duckdb")
    runs = run_query(published, "SELECT flow, status, new_documents, new_projects, errors FROM v_runs")
    assert runs.to_dict("records") == [{"flow": "backfill", "status": "completed", "new_documents": len(in_window),
                                        "new_projects": result["new_projects"], "errors": 0}]
    assert run_query(published, "SELECT count(*) AS n FROM v_projects")["n"][0] == result["new_projects"] > 0
    assert run_query(published, "SELECT count(*) AS n FROM v_rankings WHERE period = '2019-2021'")["n"][0] > 0
    assert len(task_runs_named("backfill 20")) - months_before == 36  # one task run per month of 2019-2021
    summary, top = latest_artifact("backfill-summary"), latest_artifact("top-rankings")
    assert "| new projects |" in summary.data and all(f"| {s.id} | ok |" in summary.data for s in running.sources)
    assert "Top localities by degree, 2019-2021" == top.description and len(json.loads(top.data)) == 10

    running.reset_logs()
    again = call_flow(nightly, sources_file=str(sources_file), db=str(db))
    assert again["status"] == "completed"
    # the nightly finds the articles newer than the backfill window; older ones sit behind
    # known items on the newest-first lists, where an incremental crawl rightly stops
    newer = [a for a in load_corpus(DEFAULT_CORPUS_DIR).articles if a.published.date() > date(2021, 12, 31)]
    assert again["new_documents"] == len(newer)
    runs = run_query(published, "SELECT flow, status FROM v_runs ORDER BY run_id")
    assert runs.to_dict("records") == [{"flow": "backfill", "status": "completed"},
                                       {"flow": "nightly", "status": "completed"}]


def task_runs_named(prefix: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_=prefix)))
    return [run for run in runs if run.name.startswith(prefix)]


def latest_artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                                      sort=ArtifactSort.CREATED_DESC, limit=1)
    assert found, f"no artifact {key!r}"
    return found[0]


def test_a_failed_source_ends_the_flow_run_failed_with_the_other_data_kept(prefect_harness, replicas, tmp_path):
    from flows.nightly import nightly

    running, _ = replicas
    good = next(s for s in running.sources_with_local_urls() if s.id == "yc_wsjkw")
    broken = replace(good, id="yc_missing", columns=(replace(good.columns[0], path="/missing/"),))
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(dump_sources([good, broken]), encoding="utf-8")
    state = nightly(sources_file=str(sources_file), db=str(tmp_path / "w.duckdb"), return_state=True)
    assert state.is_failed() and "yc_missing" in state.message and "partial data" in state.message
    summary = state.result(raise_on_failure=False)
    assert summary["status"] == "partial" and summary["errors"] >= 1 and summary["new_documents"] > 0


def test_a_backfill_coded_on_a_dask_local_cluster_equals_one_coded_in_threads(prefect_harness, replicas, tmp_path):
    from flows.backfill import backfill

    _, sources_file = replicas
    window = {"start": date(2020, 1, 1), "end": date(2020, 12, 31), "sources_file": str(sources_file),
              "source_ids": ["cq_wsjkw", "lz_wjw"]}
    projects = {}
    for runner in ("threads", "dask"):
        db = tmp_path / f"{runner}.duckdb"
        result = call_flow(backfill, **window, db=str(db), task_runner=runner)
        assert result["status"] == "completed" and result["new_projects"] > 0
        projects[runner] = run_query(db.with_name(f"{runner}-latest.duckdb"),
                                     "SELECT project_id, title, primary_theme, mode, n_participants "
                                     "FROM v_projects ORDER BY project_id").to_dict("records")
    assert projects["dask"] == projects["threads"]
