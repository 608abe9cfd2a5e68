"""Is an article about a cooperation agreement between two or more institutions?

A transparent weighted sum (``lexicons/relevance.yaml``): agreement words count for,
meeting/visit/plan/notice words count against, a title match counts more than a body
match, and the article must name at least two institutions that sign or join. Every rule
that fired is returned as evidence, so a researcher can see why a document was kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from analysis.coding.resources import WeightedRule, read_lexicon, weighted_rules


@dataclass(frozen=True)
class Relevance:
    is_cooperation: bool
    score: float
    threshold: float
    evidence: tuple[tuple[str, float, str], ...]  # (rule, points, title|body|parties)

    @property
    def margin(self) -> float:
        return self.score - self.threshold


class RelevanceRules:
    def __init__(self, lexicon: dict):
        self.threshold = float(lexicon["threshold"])
        self.title_factor = float(lexicon["title_factor"])
        self.min_parties = int(lexicon["min_parties"])
        self.parties_bonus = float(lexicon["parties_bonus"])
        self.mask = tuple(sorted(lexicon.get("mask") or (), key=len, reverse=True))
        self.rules: tuple[WeightedRule, ...] = (
            weighted_rules(lexicon.get("positive"), "relevance.yaml positive")
            + weighted_rules(lexicon.get("negative"), "relevance.yaml negative"))

    def judge(self, title: str, body: str, n_parties: int) -> Relevance:
        """Score a document; ``n_parties`` = institutions found as signatory or participant."""
        title, body = self._masked(title), self._masked(body)
        evidence = []
        for rule in self.rules:
            if rule.find(title) >= 0:
                evidence.append((rule.label, rule.weight * self.title_factor, "title"))
            elif rule.find(body) >= 0:
                evidence.append((rule.label, rule.weight, "body"))
        enough = n_parties >= self.min_parties
        evidence.append((f"{n_parties} signing/joining institutions",
                         self.parties_bonus if enough else -self.parties_bonus, "parties"))
        score = round(sum(points for _, points, _ in evidence), 3)
        return Relevance(score >= self.threshold, score, self.threshold, tuple(evidence))

    def _masked(self, text: str) -> str:
        for phrase in self.mask:
            text = text.replace(phrase, "□")
        return text


@lru_cache(maxsize=1)
def relevance_rules() -> RelevanceRules:
    return RelevanceRules(read_lexicon("relevance"))
