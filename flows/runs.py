"""What every writing flow does around its work: hold the warehouse, record the run, report.

``warehouse_run`` opens the warehouse as the single writer (a second writer fails at once
with "warehouse is busy"), marks runs left 'running' by a killed process as crashed, writes
the ``runs`` row, and always finishes it — completed, partial (a source failed; the others'
data is kept) or failed — then publishes the read-only copy. ``flow_outcome`` makes a
partial run end as a Failed flow run in Prefect, and ``call_flow`` runs a flow ad hoc and
gives back its summary either way.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from prefect.states import Failed, State

from warehouse import store
from warehouse.db import Warehouse


@dataclass
class RunState:
    wh: Warehouse
    run_id: int
    flow: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("pages_fetched", "new_documents", "changed_documents", "new_projects", "errors"), 0))
    messages: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    partial: bool = False

    def add(self, **counts: int) -> None:
        for key, value in counts.items():
            self.counts[key] += int(value)

    def problem(self, message: str) -> None:
        """A failure the run survives: it ends as 'partial' and the message is shown."""
        self.partial = True
        self.counts["errors"] += 1
        self.messages.append(message)

    @property
    def status(self) -> str:
        return "partial" if self.partial else "completed"


@contextmanager
def warehouse_run(flow: str, db: str | Path | None, params: dict) -> Iterator[RunState]:
    with Warehouse(db) as wh:
        store.mark_crashed_runs(wh)
        state = RunState(wh, store.start_run(wh, flow, params), flow)
        try:
            yield state
        except BaseException as exc:
            state.summary["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            state.counts["errors"] += 1
            store.finish_run(wh, state.run_id, "failed", state.counts, state.summary)
            raise
        state.summary["messages"] = state.messages
        store.finish_run(wh, state.run_id, state.status, state.counts, state.summary)


def flow_outcome(run: RunState, result: dict) -> dict | State:
    """What a writing flow returns: its summary, or, when the run is partial, a Failed state
    carrying the summary, so the Prefect UI and ``prefect deployment run --watch`` show a
    run with a failed source as failed (its data is kept all the same)."""
    if not run.partial:
        return result
    return Failed(message=f"partial data, {run.counts['errors']} error(s): {'; '.join(run.messages)}"[:1000],
                  data=result)


def call_flow(flow_fn: Callable[..., Any], **params: Any) -> dict:
    """Run a flow in this process and return its summary, partial or not; exceptions propagate."""
    result = flow_fn(**params, return_state=True).result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return result
