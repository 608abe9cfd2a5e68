"""A stable hash of the coded input, so a recompute can be skipped when nothing changed.

The hash covers exactly what the network analysis reads (the columns of inputs.PROJECT_COLUMNS
and inputs.PARTICIPANT_COLUMNS), in a canonical form: rows sorted, themes sorted, dates as ISO
text, missing values as null, whatever the frames' dtypes or row order. It also covers the
coder version given by the caller and MEASURES_VERSION, which is bumped whenever a change here
alters the numbers, so a new release recomputes even on unchanged data.
"""
from __future__ import annotations

import hashlib

import pandas as pd

from analysis.network.inputs import PARTICIPANT_COLUMNS, PROJECT_COLUMNS, require_columns, theme_list

MEASURES_VERSION = "network-1"


def _canonical_projects(projects: pd.DataFrame) -> pd.DataFrame:
    frame = projects[list(PROJECT_COLUMNS)].copy()
    frame["project_id"] = frame["project_id"].astype("string")
    frame["signed_date"] = pd.to_datetime(frame["signed_date"], errors="coerce").dt.strftime("%Y-%m-%d")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    frame["themes"] = frame["themes"].map(lambda value: "|".join(sorted(theme_list(value))))
    frame["in_scope"] = frame["in_scope"].astype("boolean")
    for column in ("primary_theme", "mode"):
        frame[column] = frame[column].astype("string")
    return frame.sort_values("project_id", kind="stable")


def _canonical_participants(participants: pd.DataFrame) -> pd.DataFrame:
    frame = participants[list(PARTICIPANT_COLUMNS)].astype("string")
    return frame.sort_values(["project_id", "institution_id", "role"], kind="stable")


def fingerprint(projects: pd.DataFrame, participants: pd.DataFrame, coder_version: str) -> str:
    """Hex SHA-256 of the canonical coded input, the coder version and MEASURES_VERSION."""
    require_columns(projects, PROJECT_COLUMNS, "projects")
    require_columns(participants, PARTICIPANT_COLUMNS, "participants")
    digest = hashlib.sha256()
    digest.update(f"{MEASURES_VERSION}\n{coder_version}\n".encode())
    for frame in (_canonical_projects(projects), _canonical_participants(participants)):
        digest.update(frame.to_json(orient="values", force_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()
