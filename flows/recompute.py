"""The recompute flow: rebuild network snapshots and rankings (skipped when nothing changed)."""
from __future__ import annotations

from prefect import State, flow

from flows.pipeline import publish_summary_artifact, recompute_task
from flows.runs import flow_outcome, warehouse_run


@flow(name="recompute", log_prints=False, persist_result=False)
def recompute(force: bool = False, db: str | None = None) -> dict | State:
    """Recompute unless the fingerprint of the coded projects is unchanged (``force`` overrides)."""
    with warehouse_run("recompute", db, {"force": force}) as run:
        result = recompute_task(run, force=force)
        publish_summary_artifact(run)
    return flow_outcome(run, {"run_id": run.run_id, "status": run.status, **result})
