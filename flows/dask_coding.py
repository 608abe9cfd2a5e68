"""Coding on a Dask cluster (``--task-runner dask``): documents are coded in batches on the
workers, while grouping into projects and every warehouse write stay in the flow process.

By default a LocalCluster of worker processes is started for the run; set
``HEALTHCOOP_DASK_ADDRESS=tcp://scheduler:8786`` to use a running cluster whose workers have
healthcoop installed (that is all it takes to spread the work over several machines).
"""
from __future__ import annotations

import os
from collections.abc import Sequence

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from analysis.coding.document import DocumentError, as_document, code_document

BATCH_SIZE = 100


def task_runner() -> DaskTaskRunner:
    address = os.environ.get("HEALTHCOOP_DASK_ADDRESS")
    if address:
        return DaskTaskRunner(address=address)
    workers = int(os.environ.get("HEALTHCOOP_DASK_WORKERS", "2"))
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": ":0"})


@task(name="code-documents", cache_policy=NO_CACHE, persist_result=False, retries=1)
def code_batch(records: Sequence[dict]) -> list:
    """Code a batch of document records on a worker (invalid records are left to the caller,
    which reports them)."""
    codings = []
    for record in records:
        try:
            codings.append(code_document(as_document(record)))
        except DocumentError:
            continue
    return codings


@flow(name="code-on-dask", task_runner=task_runner(), persist_result=False, log_prints=False)
def code_records_on_dask(records: list[dict]) -> list:
    batches = [records[i:i + BATCH_SIZE] for i in range(0, len(records), BATCH_SIZE)]
    futures = [code_batch.submit(batch) for batch in batches]
    return [coding for future in futures for coding in future.result()]
