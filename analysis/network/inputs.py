"""Check and prepare the coded input of the network analysis.

The coder hands over two frames (the shapes of the warehouse views `v_projects` and
`v_project_participants`). Only in-scope projects enter the network, and by default witnesses
do not: attending a signing is not co-participation. Bad rows are skipped with a one-line
warning naming them, so one odd record never stops a recompute.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from pandas.api.types import is_list_like

PROJECT_COLUMNS = ("project_id", "signed_date", "year", "themes", "primary_theme", "mode", "in_scope")
PARTICIPANT_COLUMNS = ("project_id", "institution_id", "institution", "role", "institution_type", "sector",
                       "province", "prefecture", "county")
ROLES = ("signatory", "participant", "witness")
COUNTED_ROLES = ("signatory", "participant")


@dataclass
class CodedInput:
    """In-scope projects (with a usable year) and the participant rows that count."""

    projects: pd.DataFrame
    participants: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def theme_list(value) -> list[str]:
    """A project's themes as a list, whether stored as a list, an array, one string or missing."""
    if is_list_like(value):
        return [str(v) for v in value if not pd.isna(v)]
    if pd.isna(value):
        return []
    return [str(value)]


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Fail with one line naming the frame and the missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame lacks column(s): {', '.join(missing)}")


def prepare(projects: pd.DataFrame, participants: pd.DataFrame, include_witnesses: bool = False) -> CodedInput:
    """Keep in-scope projects with a year and their counted participants (deduplicated).

    `year` falls back to the year of `signed_date`; a project with neither cannot be placed in
    any period and is skipped with a warning. Participant rows whose role is unknown, whose
    institution is missing, or whose project is not an in-scope project are dropped.
    """
    require_columns(projects, PROJECT_COLUMNS, "projects")
    require_columns(participants, PARTICIPANT_COLUMNS, "participants")
    warnings: list[str] = []

    duplicated = projects["project_id"].duplicated()
    if duplicated.any():
        warnings.append(f"projects: {int(duplicated.sum())} duplicate project_id row(s) skipped")
    scoped = projects.loc[~duplicated & projects["in_scope"].fillna(False).astype(bool)].copy()
    signed_year = pd.to_datetime(scoped["signed_date"], errors="coerce").dt.year
    scoped["year"] = pd.to_numeric(scoped["year"], errors="coerce").fillna(signed_year)
    undated = scoped["year"].isna()
    if undated.any():
        warnings.append(f"projects: {int(undated.sum())} in-scope project(s) without year or signed_date skipped: "
                        + ", ".join(map(str, scoped.loc[undated, "project_id"].head(5))))
    scoped = scoped.loc[~undated]
    scoped["year"] = scoped["year"].astype(int)
    scoped["project_id"] = scoped["project_id"].astype(str)

    rows = participants.copy()
    rows["project_id"] = rows["project_id"].astype(str)
    unknown_role = ~rows["role"].isin(ROLES)
    if unknown_role.any():
        roles = sorted(map(str, rows.loc[unknown_role, "role"].unique()))[:5]
        warnings.append(f"participants: {int(unknown_role.sum())} row(s) with unknown role skipped: {', '.join(roles)}")
    no_institution = rows["institution_id"].isna()
    if no_institution.any():
        warnings.append(f"participants: {int(no_institution.sum())} row(s) without institution_id skipped")
    counted = COUNTED_ROLES + (("witness",) if include_witnesses else ())
    keep = rows["role"].isin(counted) & ~no_institution & rows["project_id"].isin(scoped["project_id"])
    rows = rows.loc[keep].copy()
    rows["institution_id"] = rows["institution_id"].astype(str)
    rows = rows.drop_duplicates(["project_id", "institution_id"])
    rows = rows.merge(scoped[["project_id", "year"]], on="project_id", how="left")
    return CodedInput(projects=scoped.reset_index(drop=True), participants=rows.reset_index(drop=True),
                      warnings=warnings)
