"""Who signs, who joins, who only watches: a role for each institution of an article.

Chinese news reports put the acting institutions before the verb (A与B签署, A牵头成立,
A、B加入) and the receiving ones right after it (对口支援B, 成员单位为A、B). So each mention
takes the role of the nearest role verb in its clause (``lexicons/roles.yaml``): the verb
just before it if it governs an object there, else the first verb after it. Officials who
出席/见证/陪同 make their institution a witness, never a signatory. An institution's role
over the whole article is its strongest one: signatory > participant > witness.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.coding.institutions import InstitutionMention
from analysis.coding.resources import SENTENCE_END, DataError, read_lexicon

ROLES = ("signatory", "participant", "witness")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}  # lower = stronger


def party_order(party) -> tuple[int, str]:
    """How parties are listed everywhere: strongest role first, then by institution name."""
    return ROLE_RANK[party.role], party.institution.name
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")
_LIST_MARKS = re.compile(r"[、和与及以]")


@dataclass(frozen=True)
class RoleCall:
    """The role one mention got and the words that decided it (kept as evidence)."""

    mention: InstitutionMention
    role: str | None
    cue: str | None
    via: str | None = None  # subject | object | frame: how the cue governs the mention


@dataclass(frozen=True)
class _Verb:
    start: int
    end: int
    word: str
    subject: str | None
    object: str | None


class RoleRules:
    def __init__(self, lexicon: dict):
        self.verbs: dict[str, tuple[str | None, str | None]] = {}
        for word, spec in lexicon["verbs"].items():
            subject, obj = spec.get("subject"), spec.get("object")
            if not {subject, obj} <= set(ROLES) | {None}:
                raise DataError(f"roles.yaml: verb {word!r} has an unknown role")
            self.verbs[word] = (subject, obj)
        self._verb_re = re.compile("|".join(map(re.escape, sorted(self.verbs, key=len, reverse=True))))
        self.object_markers = tuple(lexicon["object_markers"])
        self._frames = [re.compile(p) for p in lexicon["witness_frames"]]
        self.max_object_gap = int(lexicon["max_object_gap"])
        self.leader_verbs = frozenset(lexicon["leader_verbs"])
        self.receiver_agreement_types = frozenset(lexicon["receiver_agreement_types"])

    def assign(self, text: str, mentions: list[InstitutionMention]) -> list[RoleCall]:
        """One role call per mention, in the order given."""
        spans = [(m.start, m.end) for m in mentions]
        verbs = [_Verb(v.start(), v.end(), v.group(), *self.verbs[v.group()])
                 for v in self._verb_re.finditer(text)
                 if not any(s < v.end() and v.start() < e for s, e in spans)]
        frames = [f.span() for rx in self._frames for f in rx.finditer(text)]
        return [self._call(text, m, verbs, frames, spans) for m in mentions]

    def _call(self, text, m, verbs, frames, spans) -> RoleCall:
        for a, b in frames:
            if a <= m.start and m.end <= b:
                return RoleCall(m, "witness", text[a:b], "frame")
        c_start, c_end = _bounds(text, m.start, m.end, _CLAUSE_END)
        in_clause = [v for v in verbs if c_start <= v.start and v.end <= c_end
                     and not any(a <= v.start < b for a, b in frames)]
        before = [v for v in in_clause if v.end <= m.start]
        after = [v for v in in_clause if v.start >= m.end]
        if before and before[-1].object and self._gap(text, before[-1].end, m.start, spans) <= self.max_object_gap:
            return RoleCall(m, before[-1].object, before[-1].word, "object")
        if text[:m.start].endswith(self.object_markers):
            if after and after[0].object:
                return RoleCall(m, after[0].object, after[0].word, "object")
            return RoleCall(m, None, None)
        for v in after:
            if v.subject:
                return RoleCall(m, v.subject, v.word, "subject")
        if not in_clause:  # "A、B、C，共同签署了…": the verb is in a later clause
            s_start, s_end = _bounds(text, m.start, m.end, SENTENCE_END)
            for v in verbs:
                if m.end <= v.start < s_end and v.subject:
                    return RoleCall(m, v.subject, v.word, "subject")
        return RoleCall(m, None, None)

    @staticmethod
    def _gap(text: str, start: int, end: int, spans) -> int:
        """Characters between ``start`` and ``end`` that are neither institution names nor
        list marks (、和与及) nor the copula 为."""
        between = list(text[start:end])
        for s, e in spans:
            for i in range(max(s, start), min(e, end)):
                between[i - start] = ""
        rest = "".join(between)
        return len(_LIST_MARKS.sub("", rest.replace("为", "", 1)))


def _bounds(text: str, start: int, end: int, boundary: re.Pattern) -> tuple[int, int]:
    """The clause or sentence around ``text[start:end]``."""
    left = 0
    for m in boundary.finditer(text, 0, start):
        left = m.end()
    right = boundary.search(text, end)
    return left, right.start() if right else len(text)


def settle_receivers(roles: dict[str, str], calls: list[RoleCall], agreement_type: str,
                     rules: RoleRules) -> dict[str, str]:
    """In a consortium, alliance or counterpart-support agreement both hospitals sign, but
    the one that receives (向B派驻专家, 对B开展帮扶) or does not lead (A牵头, B、C签约) is a
    participant, as long as someone is left signing. ``roles``: institution id -> role."""
    if agreement_type not in rules.receiver_agreement_types:
        return roles
    def ids(predicate):
        return {c.mention.institution.institution_id for c in calls if predicate(c)}
    receivers = ids(lambda c: c.role == "participant" and c.via == "object")
    leaders = ids(lambda c: c.role == "signatory" and c.cue in rules.leader_verbs)
    signing = {i for i, r in roles.items() if r == "signatory"}
    demote = signing & receivers if signing - receivers else set()
    if leaders & signing:
        demote |= signing - leaders
    return {i: "participant" if i in demote else r for i, r in roles.items()}


def strongest(roles: list[str | None]) -> str | None:
    """The strongest of several roles (None when no mention had one)."""
    known = [r for r in roles if r]
    return min(known, key=ROLE_RANK.__getitem__) if known else None


@lru_cache(maxsize=1)
def role_rules() -> RoleRules:
    return RoleRules(read_lexicon("roles"))
