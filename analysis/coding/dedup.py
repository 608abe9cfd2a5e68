"""Reports of the same agreement (on two sites, or twice on one) become one project.

Two cooperation documents are the same agreement when their signing dates are at most
``MAX_DAYS`` apart, they share most of their signing/joining parties, and the combined
similarity of parties, titles (character bigrams) and dates clears ``THRESHOLD``.
Clusters are the connected pairs. A cluster's project id is ``p_`` + the doc_id of its
earliest document (publication date, ties by doc_id), so recoding gives the same ids and a
later report joins the existing project instead of creating a second one. A report published
earlier but found later (a backfill of another site) must not rename a project analysts
already cite, so an id in ``keep_ids`` stays with the cluster holding its namesake document.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

MAX_DAYS = 7
THRESHOLD = 0.55
MIN_SHARED_FRACTION = 0.5  # of the smaller party set
WEIGHTS = {"parties": 0.5, "title": 0.3, "date": 0.2}


@dataclass(frozen=True)
class DedupItem:
    doc_id: str
    published_date: date | None
    signed_date: date | None
    title: str
    parties: frozenset[str]  # institution ids that sign or join


@dataclass(frozen=True)
class Cluster:
    project_id: str
    doc_ids: tuple[str, ...]  # earliest first
    certainty: float  # weakest link that joined the cluster (1.0 for a single report)
    links: tuple[tuple[str, str, float], ...]


def bigrams(text: str) -> frozenset[str]:
    chars = [c for c in text if not c.isspace()]
    return frozenset(a + b for a, b in zip(chars, chars[1:]))


def title_similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams: robust to reworded Chinese titles."""
    ga, gb = bigrams(a), bigrams(b)
    if not ga or not gb:
        return 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def similarity(a: DedupItem, b: DedupItem) -> float:
    """How surely ``a`` and ``b`` report the same agreement (0 = surely not)."""
    if a.signed_date is None or b.signed_date is None:
        return 0.0
    days = abs((a.signed_date - b.signed_date).days)
    shared = len(a.parties & b.parties)
    smaller = min(len(a.parties), len(b.parties))
    if days > MAX_DAYS or smaller == 0 or shared < max(1, MIN_SHARED_FRACTION * smaller):
        return 0.0
    parties = shared / len(a.parties | b.parties)
    score = (WEIGHTS["parties"] * parties + WEIGHTS["title"] * title_similarity(a.title, b.title)
             + WEIGHTS["date"] * (1 - days / (MAX_DAYS + 1)))
    return round(score, 3)


def earliest_key(item: DedupItem) -> tuple:
    return (item.published_date is None, item.published_date or date.max, item.doc_id)


def project_id_for(doc_ids: Sequence[str], keep_ids: Collection[str]) -> str:
    """``p_`` + the first of ``doc_ids`` (earliest first) whose id is kept, else the earliest's."""
    return "p_" + next((d for d in doc_ids if "p_" + d in keep_ids), doc_ids[0])


def cluster(items: list[DedupItem], keep_ids: Collection[str] = ()) -> list[Cluster]:
    """Group reports of the same agreement; output sorted by project id.

    ``keep_ids`` are project ids already given out: a cluster holding ``d`` with ``p_d`` among
    them keeps that id (the earliest such ``d`` when projects merged). Ids stay unique because
    ``p_d`` can only go to the one cluster that holds ``d``."""
    keep_ids = frozenset(keep_ids)
    ordered = sorted(items, key=lambda it: (it.signed_date or date.max, it.doc_id))
    parent = {it.doc_id: it.doc_id for it in ordered}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    links: list[tuple[str, str, float]] = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if a.signed_date and b.signed_date and (b.signed_date - a.signed_date).days > MAX_DAYS:
                break
            score = similarity(a, b)
            if score >= THRESHOLD:
                links.append((a.doc_id, b.doc_id, score))
                parent[root(b.doc_id)] = root(a.doc_id)
    groups: dict[str, list[DedupItem]] = {}
    for it in ordered:
        groups.setdefault(root(it.doc_id), []).append(it)
    clusters = []
    for members in groups.values():
        members.sort(key=earliest_key)
        ids = tuple(m.doc_id for m in members)
        own = tuple(link for link in links if link[0] in ids)
        clusters.append(Cluster(project_id_for(ids, keep_ids), ids, min((s for *_, s in own), default=1.0), own))
    return sorted(clusters, key=lambda c: c.project_id)
