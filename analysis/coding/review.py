"""Confidence, the review queue, and manual overrides that survive every recode.

**Confidence** of a project (0–1) is a weighted mean of four parts, all kept in its
evidence: how far relevance cleared its threshold, how well its parties were resolved
(at least two, and known to ``institutions.csv``), how well they were placed (by the
table or their own name rather than the article's context), and how sure deduplication
was. Below ``REVIEW_THRESHOLD`` a project is ``needs_review``; a project a person
corrected is ``reviewed``.

**Overrides** are plain dicts, stored by whoever keeps them (a versioned file or the
warehouse), and applied after every coding run, so a correction is never lost::

    {"target": "project", "id": "p_y20_cq_001", "field": "primary_theme",
     "value": "prevention_care", "note": "...", "author": "li", "at": "2024-05-01T10:00:00"}

``target`` is ``document`` (fields ``is_cooperation``, ``project_id``) or ``project``
(fields in ``PROJECT_FIELDS``). A project override names the project id; if that id
disappeared because an earlier report of the same agreement turned up, the override
follows the document it was named after (``p_<doc_id>``). Overrides apply in ``at`` order
(list order for ties), later ones winning. A bad override is reported in one line and
skipped; the others still apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Mapping

from analysis.coding.agreement import AGREEMENT_TYPES
from analysis.coding.mode import MODES
from analysis.coding.roles import ROLES
from analysis.coding.themes import THEMES

REVIEW_THRESHOLD = 0.8  # flags parties unknown to the tables together with thin evidence
REVIEW_STATUSES = ("auto", "needs_review", "reviewed")
CONFIDENCE_WEIGHTS = {"relevance": 0.35, "participants": 0.25, "places": 0.2, "dedup": 0.2}
RELEVANCE_FULL_MARGIN = 8.0  # a relevance margin this large counts as fully certain
#: ``override_id`` is the warehouse's number for an override; problems name it when present.
OVERRIDE_KEYS = ("target", "id", "field", "value", "note", "author", "at", "override_id")


class OverrideError(ValueError):
    """An override that cannot be applied; the message is one line naming it."""


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _is_iso_date(v: Any) -> bool:
    try:
        date.fromisoformat(v)
        return isinstance(v, str)
    except (TypeError, ValueError):
        return False


def _is_theme_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(t in THEMES for t in v) and len(set(v)) == len(v)


def _is_participant_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(
        isinstance(p, dict) and _is_text(p.get("institution")) and p.get("role") in ROLES for p in v)


DOCUMENT_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "is_cooperation": (_is_bool, "true or false"),
    "project_id": (lambda v: v is None or (_is_text(v) and v.startswith("p_")),
                   "a project id p_<doc_id>, or null for a project of its own"),
}
PROJECT_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "title": (_is_text, "a non-empty string"),
    "signed_date": (_is_iso_date, "a date YYYY-MM-DD"),
    "themes": (_is_theme_list, f"a list of distinct theme codes from {', '.join(THEMES)}"),
    "primary_theme": (lambda v: v in THEMES, f"one of {', '.join(THEMES)}"),
    "mode": (lambda v: v in MODES, f"one of {', '.join(MODES)}"),
    "agreement_type": (lambda v: v in AGREEMENT_TYPES, f"one of {', '.join(AGREEMENT_TYPES)}"),
    "in_scope": (_is_bool, "true or false"),
    "review_status": (lambda v: v in REVIEW_STATUSES, f"one of {', '.join(REVIEW_STATUSES)}"),
    "participants": (_is_participant_list,
                     "a list of {institution: name, role: signatory|participant|witness}"),
}
FIELDS = {"document": DOCUMENT_FIELDS, "project": PROJECT_FIELDS}


@dataclass(frozen=True)
class Override:
    target: str
    id: str
    field: str
    value: Any
    note: str
    author: str
    at: str
    position: int  # index in the list given, for ties
    label: str = ""  # how problems name it: "override <warehouse id>", else "override <position>"


def validate_override(raw: Any, position: int) -> Override:
    """Check one override dict; raises ``OverrideError`` with a one-line reason."""
    where = f"override {raw.get('override_id', position) if isinstance(raw, Mapping) else position}"
    if not isinstance(raw, Mapping):
        raise OverrideError(f"{where}: expected a mapping, got {type(raw).__name__}")
    missing = [k for k in ("target", "id", "field", "value") if k not in raw]
    if missing:
        raise OverrideError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(raw) - set(OVERRIDE_KEYS))
    if unknown:
        raise OverrideError(f"{where}: unknown keys {', '.join(unknown)} (allowed: {', '.join(OVERRIDE_KEYS)})")
    target, field = raw["target"], raw["field"]
    if target not in FIELDS:
        raise OverrideError(f"{where}: target {target!r} is not document or project")
    if not _is_text(raw["id"]):
        raise OverrideError(f"{where}: id must be a non-empty string")
    if field not in FIELDS[target]:
        raise OverrideError(f"{where}: {target} field {field!r} cannot be overridden "
                            f"(allowed: {', '.join(FIELDS[target])})")
    check, wanted = FIELDS[target][field]
    if not check(raw["value"]):
        raise OverrideError(f"{where}: {target} {raw['id']} {field} = {raw['value']!r} is not {wanted}")
    at = raw.get("at") or ""
    if isinstance(at, datetime):
        at = at.isoformat()
    if not isinstance(at, str):
        raise OverrideError(f"{where}: at must be an ISO timestamp string")
    return Override(target, raw["id"], field, raw["value"], str(raw.get("note") or ""),
                    str(raw.get("author") or ""), at, position, where)


def validate_overrides(raws) -> tuple[list[Override], list[str]]:
    """Valid overrides in application order, and one problem line per rejected one."""
    valid, problems = [], []
    for position, raw in enumerate(raws or ()):
        try:
            valid.append(validate_override(raw, position))
        except OverrideError as exc:
            problems.append(str(exc))
    valid.sort(key=lambda o: (o.at, o.position))
    return valid, problems


def confidence(relevance_margin: float, n_parties: int, n_known: int, n_placed: int,
               dedup_certainty: float) -> tuple[float, dict[str, float]]:
    """The project's confidence and its parts (each 0–1)."""
    parts = {
        "relevance": max(0.0, min(1.0, relevance_margin / RELEVANCE_FULL_MARGIN)),
        "participants": (0.5 if n_parties >= 2 else 0.0) + 0.5 * (n_known / n_parties if n_parties else 0.0),
        "places": n_placed / n_parties if n_parties else 0.0,
        "dedup": dedup_certainty,
    }
    parts = {k: round(v, 3) for k, v in parts.items()}
    value = round(sum(CONFIDENCE_WEIGHTS[k] * v for k, v in parts.items()), 3)
    return value, parts


def review_status(value: float) -> str:
    return "auto" if value >= REVIEW_THRESHOLD else "needs_review"
