"""From coded documents to projects: deduplicate, pool, score confidence, apply overrides.

``code_corpus`` is the one entry point (re-exported by ``analysis.coding``). It is a pure
function: identical documents and overrides give identical frames, row order included.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Collection, Iterable, Mapping

import pandas as pd

from analysis.coding.agreement import agreement_rules
from analysis.coding.dedup import Cluster, DedupItem, cluster, earliest_key, project_id_for
from analysis.coding.document import (PARTY_ROLES, Document, DocumentCoding, DocumentError, Party, as_document,
                                      code_document)
from analysis.coding.institutions import Institution, finder
from analysis.coding.mode import mode_of
from analysis.coding.places import gazetteer
from analysis.coding.review import Override, confidence, review_status, validate_overrides
from analysis.coding.roles import ROLE_RANK, party_order
from analysis.coding.scope import in_scope
from analysis.coding.themes import theme_rules

DOCUMENT_COLUMNS = ["doc_id", "is_cooperation", "relevance_score", "evidence", "project_id"]
PROJECT_COLUMNS = ["project_id", "title", "signed_date", "year", "themes", "primary_theme", "mode",
                   "agreement_type", "confidence", "review_status", "n_participants", "in_scope",
                   "doc_ids", "source_urls", "evidence"]
PLACE_COLUMNS = ["province", "prefecture", "county", "division_code"]
PARTICIPANT_COLUMNS = ["project_id", "institution_id", "institution", "role", "institution_type",
                       "sector"] + PLACE_COLUMNS
INSTITUTION_COLUMNS = ["institution_id", "name", "institution_type", "sector"] + PLACE_COLUMNS


@dataclass
class CodingResult:
    """The coded corpus as frames shaped like the warehouse views, one line per document that
    could not be coded, and one per override that could not be applied."""

    documents: pd.DataFrame
    projects: pd.DataFrame
    participants: pd.DataFrame
    institutions: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    rejected_overrides: list[str] = field(default_factory=list)


@dataclass
class _Project:
    project_id: str
    codings: list[DocumentCoding]  # earliest report first
    certainty: float
    links: tuple
    title: str = ""
    signed_date: date | None = None
    date_source: str = "none"
    themes: list[str] = field(default_factory=list)
    primary_theme: str = "other"
    theme_evidence: dict = field(default_factory=dict)
    agreement_type: str = "其他"
    parties: list[Party] = field(default_factory=list)
    mode: str | None = None
    in_scope: bool = False
    confidence: float = 0.0
    confidence_parts: dict = field(default_factory=dict)
    review_status: str = "needs_review"
    overridden: dict = field(default_factory=dict)  # field -> the override applied last


def code_corpus(documents: Iterable[Mapping[str, Any]] | pd.DataFrame, overrides=(),
                map_documents: Callable[[Callable, list[Document]], Iterable[DocumentCoding]] = map,
                keep_project_ids: Collection[str] = ()) -> CodingResult:
    """Code every document, group reports of one agreement into projects, apply overrides.

    Each document is coded on its own (``code_document`` is pure), so ``map_documents`` may
    spread that step over workers (the backfill flow passes a Dask-backed map); grouping,
    scoring and overrides then run here on the collected codings. ``keep_project_ids`` are the
    ids of the previous coding, kept by the projects that still hold their namesake documents.
    """
    problems: list[str] = []
    codings = _code_all(documents, problems, map_documents)
    valid, rejected = validate_overrides(overrides)
    doc_overrides = [o for o in valid if o.target == "document"]
    flags = _cooperation_flags(codings, doc_overrides, rejected)
    clusters = _clusters(codings, flags, doc_overrides, rejected, keep_project_ids)
    projects = [_build_project(c, codings) for c in clusters]
    _apply_project_overrides(projects, [o for o in valid if o.target == "project"], rejected)
    project_of = {doc_id: p.project_id for p in projects for doc_id in (c.document.doc_id for c in p.codings)}
    return CodingResult(_documents_frame(codings, flags, project_of), _projects_frame(projects),
                        _participants_frame(projects), _institutions_frame(projects), problems, rejected)


def _code_all(documents, problems: list[str], map_documents) -> dict[str, DocumentCoding]:
    records = documents.to_dict("records") if isinstance(documents, pd.DataFrame) else list(documents)
    unique: dict[str, Document] = {}
    for record in records:
        try:
            doc = as_document(record)
        except DocumentError as exc:
            problems.append(str(exc))
            continue
        if doc.doc_id in unique:
            problems.append(f"document {doc.doc_id}: given twice, the first copy was coded")
            continue
        unique[doc.doc_id] = doc
    codings = {coding.document.doc_id: coding for coding in map_documents(code_document, list(unique.values()))}
    return dict(sorted(codings.items()))


def _cooperation_flags(codings, doc_overrides: list[Override], rejected) -> dict[str, bool]:
    flags = {doc_id: c.relevance.is_cooperation for doc_id, c in codings.items()}
    for o in doc_overrides:
        if o.field != "is_cooperation":
            continue
        if o.id not in flags:
            rejected.append(f"{o.label}: document {o.id!r} not found")
            continue
        flags[o.id] = o.value
    return flags


def _clusters(codings, flags, doc_overrides: list[Override], rejected, keep_ids: Collection[str]) -> list[Cluster]:
    """Deduplicated clusters, then documents moved by ``project_id`` overrides (a moved
    document's project keeps the id the override names)."""
    items = [DedupItem(d, c.document.published_date, c.signed_date, c.document.title, c.party_ids)
             for d, c in codings.items() if flags[d]]
    clusters = cluster(items, keep_ids)
    by_id = {item.doc_id: item for item in items}
    holder = {d: c.project_id for c in clusters for d in c.doc_ids}
    project_ids = set(holder.values())
    moves: dict[str, str] = {}
    for o in doc_overrides:
        if o.field != "project_id":
            continue
        if o.id not in holder:
            rejected.append(f"{o.label}: document {o.id!r} is not a coded cooperation document")
            continue
        target = o.value or "p_" + o.id
        if target == "p_" + o.id or target in project_ids:
            moves[o.id] = target
        elif target[2:] in holder:  # p_<doc>: the project that report is in now
            moves[o.id] = holder[target[2:]]
        else:
            rejected.append(f"{o.label}: project {target!r} not found")
    if not moves:
        return clusters
    groups: dict[str, list[str]] = {}
    for d, pid in holder.items():
        groups.setdefault(moves.get(d, pid), []).append(d)
    old = {c.project_id: c for c in clusters}
    regrouped = []
    for pid, doc_ids in groups.items():
        doc_ids.sort(key=lambda d: earliest_key(by_id[d]))
        named = pid in moves.values()
        links = tuple(link for link in (old[pid].links if pid in old else ())
                      if link[0] in doc_ids and link[1] in doc_ids)
        certainty = 1.0 if named else old[pid].certainty
        regrouped.append(Cluster(pid if named else project_id_for(doc_ids, keep_ids), tuple(doc_ids), certainty, links))
    return sorted(regrouped, key=lambda c: c.project_id)


def _build_project(c: Cluster, codings: dict[str, DocumentCoding]) -> _Project:
    docs = [codings[d] for d in c.doc_ids]
    p = _Project(c.project_id, docs, c.certainty, c.links, title=docs[0].document.title)
    dated = [d for d in docs if d.date_source in ("signoff", "text")] or docs
    p.signed_date, p.date_source = dated[0].signed_date, dated[0].date_source
    pooled = docs[0].themes
    for d in docs[1:]:
        pooled = pooled.pooled_with(d.themes)
    decision = theme_rules().decide(pooled)
    p.themes, p.primary_theme, p.theme_evidence = list(decision.themes), decision.primary, decision.evidence
    rank = agreement_rules().rank
    p.agreement_type = min((d.agreement_type for d in docs), key=lambda k: rank.get(k, len(rank)))
    p.parties = _merge_parties(docs)
    _derive(p)
    n_parties = [x for x in p.parties if x.role in PARTY_ROLES]
    p.confidence, p.confidence_parts = confidence(
        max(d.relevance.margin for d in docs), len(n_parties),
        sum(x.institution.known for x in n_parties),
        sum(x.institution.place_source in ("table", "name") for x in n_parties), c.certainty)
    p.review_status = review_status(p.confidence)
    return p


def _merge_parties(docs: list[DocumentCoding]) -> list[Party]:
    """One entry per institution over all reports, with its strongest role."""
    merged: dict[str, Party] = {}
    for d in docs:
        for party in d.parties:
            key = party.institution.institution_id
            old = merged.get(key)
            if old is None or ROLE_RANK[party.role] < ROLE_RANK[old.role]:
                merged[key] = party
            elif party.role == old.role:
                merged[key] = Party(old.institution, old.role, tuple(sorted(set(old.cues + party.cues))))
    return sorted(merged.values(), key=party_order)


def _derive(p: _Project) -> None:
    """Mode and scope follow from the parties unless a person set them."""
    sectors = {role: [x.institution.sector for x in p.parties if x.role == role] for role in PARTY_ROLES}
    if "mode" not in p.overridden:
        p.mode = mode_of(sectors["signatory"], sectors["participant"])
    if "in_scope" not in p.overridden:
        codes = [x.institution.place.division_code for x in p.parties
                 if x.role in PARTY_ROLES and x.institution.place is not None]
        p.in_scope = in_scope(codes, gazetteer())


def _apply_project_overrides(projects: list[_Project], overrides: list[Override], rejected) -> None:
    by_id = {p.project_id: p for p in projects}
    holder = {c.document.doc_id: p for p in projects for c in p.codings}
    for o in overrides:
        p = by_id.get(o.id) or (holder.get(o.id[2:]) if o.id.startswith("p_") else None)
        if p is None:
            rejected.append(f"{o.label}: project {o.id!r} not found")
            continue
        _apply_one(p, o)
    for p in projects:
        if p.overridden and "review_status" not in p.overridden:
            p.review_status = "reviewed"


def _apply_one(p: _Project, o: Override) -> None:
    p.overridden[o.field] = {"value": o.value, "note": o.note, "author": o.author, "at": o.at}
    if o.field == "participants":
        home = p.codings[0].home
        p.parties = sorted((Party(finder().institution(x["institution"], home), x["role"], ("override",))
                            for x in o.value), key=party_order)
        _derive(p)
    elif o.field == "signed_date":
        p.signed_date, p.date_source = date.fromisoformat(o.value), "override"
    elif o.field == "themes":
        p.themes = list(o.value)
        if p.primary_theme not in p.themes:
            p.primary_theme = p.themes[0]
    elif o.field == "primary_theme":
        p.primary_theme = o.value
        if o.value not in p.themes:
            p.themes.insert(0, o.value)
    else:
        setattr(p, o.field, o.value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _documents_frame(codings, flags, project_of) -> pd.DataFrame:
    rows = []
    for doc_id, c in codings.items():
        evidence = {
            "relevance": [list(e) for e in c.relevance.evidence],
            "threshold": c.relevance.threshold,
            "home": c.home,
            "institutions": [{"name": x.institution.name, "role": x.role, "cues": list(x.cues),
                              "place_source": x.institution.place_source} for x in c.parties],
            "signed_date": {"value": c.signed_date, "source": c.date_source},
            "agreement_type": {"value": c.agreement_type, "cue": c.agreement_cue},
        }
        if flags[doc_id] != c.relevance.is_cooperation:
            evidence["is_cooperation_override"] = flags[doc_id]
        rows.append([doc_id, flags[doc_id], c.relevance.score, _json(evidence), project_of.get(doc_id)])
    return pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)


def _projects_frame(projects: list[_Project]) -> pd.DataFrame:
    rows = []
    for p in projects:
        parties = [x for x in p.parties if x.role in PARTY_ROLES]
        evidence = {
            "relevance": {c.document.doc_id: c.relevance.score for c in p.codings},
            "themes": p.theme_evidence,
            "signed_date_source": p.date_source,
            "agreement_type": {c.document.doc_id: [c.agreement_type, c.agreement_cue] for c in p.codings},
            "participants": {x.institution.name: {"role": x.role, "cues": list(x.cues),
                                                  "place_source": x.institution.place_source}
                             for x in p.parties},
            "dedup": {"certainty": p.certainty, "links": [list(link) for link in p.links]},
            "confidence": p.confidence_parts,
            "overrides": p.overridden,
        }
        rows.append([p.project_id, p.title, p.signed_date, p.signed_date.year if p.signed_date else None,
                     list(p.themes), p.primary_theme, p.mode, p.agreement_type, p.confidence,
                     p.review_status, len(parties), p.in_scope,
                     [c.document.doc_id for c in p.codings],
                     [c.document.url for c in p.codings if c.document.url], _json(evidence)])
    frame = pd.DataFrame(rows, columns=PROJECT_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _place_cells(inst: Institution) -> list:
    if inst.place is None:
        return [None, None, None, None]
    return [inst.place.province, inst.place.prefecture, inst.place.county, inst.place.division_code]


def _participants_frame(projects: list[_Project]) -> pd.DataFrame:
    rows = [[p.project_id, x.institution.institution_id, x.institution.name, x.role,
             x.institution.institution_type, x.institution.sector] + _place_cells(x.institution)
            for p in projects for x in p.parties]
    return pd.DataFrame(rows, columns=PARTICIPANT_COLUMNS)


def _institutions_frame(projects: list[_Project]) -> pd.DataFrame:
    seen: dict[str, Institution] = {}
    for p in projects:
        for x in p.parties:
            seen.setdefault(x.institution.institution_id, x.institution)
    rows = [[i.institution_id, i.name, i.institution_type, i.sector] + _place_cells(i)
            for _, i in sorted(seen.items())]
    return pd.DataFrame(rows, columns=INSTITUTION_COLUMNS)

