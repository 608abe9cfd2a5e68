"""The pipeline's steps as plain functions over an open Warehouse.

Prefect flows (``flows/nightly.py`` …) wrap these as tasks; tests call them directly, which
is fast and needs no Prefect server. Each step returns a small dict for run summaries.
"""
from __future__ import annotations

from analysis.coding import CODER_VERSION, code_corpus
from analysis.network import compute_all, fingerprint
from warehouse import store
from warehouse.db import Warehouse

def documents_to_code(wh: Warehouse, force: bool = False) -> list[dict] | None:
    """Every stored document when any is new, changed, or coded by another coder version."""
    if not force and not store.documents_needing_coding(wh, CODER_VERSION):
        return None
    return store.load_documents(wh).to_dict("records")


def code_documents(wh: Warehouse, documents: list[dict], map_documents=map) -> dict:
    """Code ``documents`` as one deterministic pass and replace the stored coding with it.

    Deduplication needs every document, and project ids derive from the earliest report, so
    a later report joins its project instead of making one; ids already stored are kept even
    when an earlier report turns up. ``map_documents`` may spread the per-document step over
    workers (see flows/dask_coding.py); the rest runs here.
    """
    result = code_corpus(documents, overrides=store.load_overrides(wh), map_documents=map_documents,
                         keep_project_ids=store.project_ids(wh))
    stats = store.save_coding(wh, result, CODER_VERSION)
    return {"status": "coded", "documents": len(documents), "coder_version": CODER_VERSION,
            "problems": result.problems, "rejected_overrides": result.rejected_overrides, **stats}


def code_step(wh: Warehouse, force: bool = False) -> dict:
    documents = documents_to_code(wh, force)
    if documents is None:
        return {"status": "skipped", "new_projects": 0}
    return code_documents(wh, documents)


def recompute_step(wh: Warehouse, run_id: int | None, force: bool = False) -> dict:
    """Rebuild the network snapshot unless the coded input's fingerprint is unchanged.

    Periods are the analysis defaults: every year with data, the paper's 2019-2021 and the
    whole range; the model is UCINET's ego-network model (both models are stored)."""
    projects, participants = store.load_coded(wh)
    digest = fingerprint(projects, participants, CODER_VERSION)
    current = store.current_snapshot(wh)
    if current and current["fingerprint"] == digest and not force:
        return {"status": "skipped", "fingerprint": digest, "snapshot_id": current["snapshot_id"]}
    result = compute_all(projects, participants)
    snapshot_id = store.save_snapshot(wh, result, digest, CODER_VERSION, run_id,
                                      n_projects=int(projects["in_scope"].sum()) if len(projects) else 0)
    return {"status": "computed", "fingerprint": digest, "snapshot_id": snapshot_id, "result": result}
