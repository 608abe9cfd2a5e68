"""Code one document: its institutions and their roles, relevance, themes, date, type.

Everything about a single article is decided here; what needs several articles at once
(deduplication, a project's pooled themes and parties, confidence, overrides) happens in
``analysis.coding.corpus``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Mapping

from analysis.coding.agreement import agreement_rules
from analysis.coding.institutions import Institution, finder
from analysis.coding.places import gazetteer
from analysis.coding.relevance import Relevance, relevance_rules
from analysis.coding.resources import read_csv
from analysis.coding.roles import RoleCall, party_order, role_rules, settle_receivers, strongest
from analysis.coding.signing import signing_date
from analysis.coding.themes import ThemeScores, theme_rules

PARTY_ROLES = ("signatory", "participant")  # the roles that make an institution a party


class DocumentError(ValueError):
    """A document that cannot be coded; the message is one line naming the document."""


@dataclass(frozen=True)
class Document:
    doc_id: str
    source_id: str | None
    url: str | None
    title: str
    published_date: date | None
    body_text: str
    content_source: str | None


@dataclass(frozen=True)
class Party:
    """An institution of a document with its strongest role and the cues behind it."""

    institution: Institution
    role: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class DocumentCoding:
    document: Document
    home: str | None  # division code of the article's own place (its publisher)
    relevance: Relevance
    parties: tuple[Party, ...]  # every institution with a role, witnesses included
    themes: ThemeScores
    signed_date: date | None
    date_source: str
    agreement_type: str
    agreement_cue: str | None

    @property
    def party_ids(self) -> frozenset[str]:
        return frozenset(p.institution.institution_id for p in self.parties if p.role in PARTY_ROLES)


def as_document(record: Mapping[str, Any]) -> Document:
    """A ``Document`` from a dict or a frame row; raises ``DocumentError`` when unusable."""
    doc_id = record.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise DocumentError(f"document without a doc_id: {str(dict(record))[:80]}")
    title, body = _text(record.get("title")), _text(record.get("body_text"))
    if not title and not body:
        raise DocumentError(f"document {doc_id}: no title and no body_text")
    return Document(doc_id, _text(record.get("source_id")) or None, _text(record.get("url")) or None,
                    title, _as_date(record.get("published_date"), doc_id), body,
                    _text(record.get("content_source")) or None)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _as_date(value: Any, doc_id: str) -> date | None:
    if value is None or (isinstance(value, float) and value != value) or str(value) in ("NaT", "nan", ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise DocumentError(f"document {doc_id}: published_date {value!r} is not a date") from None


@lru_cache(maxsize=1)
def _source_homes() -> dict[str, str]:
    return {row["source_id"]: row["division_code"] for row in read_csv("source_places.csv")}


def home_of(doc: Document) -> str | None:
    """Where the article's publisher sits: the source table, else its content_source name."""
    if doc.source_id in _source_homes():
        return _source_homes()[doc.source_id]
    steps = gazetteer().leading_chain(doc.content_source or "")
    return steps[-1][1] if steps else None


def code_document(doc: Document) -> DocumentCoding:
    home = home_of(doc)
    text = doc.title + "\n" + doc.body_text
    mentions = finder().find(text, home)
    kind, cue = agreement_rules().classify(doc.title, doc.body_text)
    parties = _parties(role_rules().assign(text, mentions), kind)
    n_parties = sum(p.role in PARTY_ROLES for p in parties)
    relevance = relevance_rules().judge(doc.title, doc.body_text, n_parties)
    blanked = _blank(text, [(m.start, m.end) for m in mentions])
    themes = theme_rules().score(blanked[:len(doc.title)], blanked[len(doc.title) + 1:])
    signed, date_source = signing_date(doc.body_text, doc.published_date)
    return DocumentCoding(doc, home, relevance, parties, themes, signed, date_source, kind, cue)


def _parties(calls: list[RoleCall], agreement_type: str) -> tuple[Party, ...]:
    """One party per institution: its strongest role, then the consortium rule."""
    by_id: dict[str, list[RoleCall]] = {}
    for call in calls:
        if call.role:
            by_id.setdefault(call.mention.institution.institution_id, []).append(call)
    roles = {i: strongest([c.role for c in found]) for i, found in by_id.items()}
    roles = settle_receivers(roles, calls, agreement_type, role_rules())
    parties = []
    for inst_id, found in by_id.items():
        cues = tuple(sorted({f"{c.mention.surface}:{c.cue}" for c in found if c.role == roles[inst_id]}))
        parties.append(Party(found[0].mention.institution, roles[inst_id], cues or ("consortium rule",)))
    return tuple(sorted(parties, key=party_order))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given spans replaced by □ (same length, so positions hold)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "□" * (end - start)
    return "".join(chars)
