"""The recode flow: re-run content coding on every stored document, then recompute if changed."""
from __future__ import annotations

from prefect import State, flow

from flows.pipeline import code_task, publish_summary_artifact, recompute_task
from flows.runs import flow_outcome, warehouse_run


@flow(name="recode", log_prints=False, persist_result=False)
def recode(db: str | None = None) -> dict | State:
    """Recode everything (after a coder or override change); overrides are applied again."""
    with warehouse_run("recode", db, {}) as run:
        coding = code_task(run, force=True)
        recompute = recompute_task(run)
        publish_summary_artifact(run)
    return flow_outcome(run, {"run_id": run.run_id, "status": run.status, "coding": coding, "recompute": recompute})
