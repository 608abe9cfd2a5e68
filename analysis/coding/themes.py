"""Themes of a cooperation: weighted lexicon scores -> several theme codes and a primary one.

Scores are kept per theme (with the phrases that produced them) so that the documents of
one project can be pooled before the decision: a project's themes come from everything
that was reported about it, not from whichever report came first.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from analysis.coding.resources import DataError, WeightedRule, read_lexicon, weighted_rules

THEMES = ("tcm", "modern_medicine", "prevention_care", "health_industry", "talent_research",
          "informatization", "other")


@dataclass(frozen=True)
class ThemeDecision:
    themes: tuple[str, ...]
    primary: str
    scores: dict[str, float]
    evidence: dict[str, tuple[str, ...]]


@dataclass
class ThemeScores:
    """Per-theme evidence of one or more documents: scores, the phrases behind them, and
    where each theme is first named (title before body), which decides the primary theme:
    reports list the main field of a cooperation first ("在公共卫生、医疗服务…方面")."""

    scores: Counter = field(default_factory=Counter)
    phrases: dict[str, list[str]] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)

    def pooled_with(self, other: "ThemeScores") -> "ThemeScores":
        """Scores of two reports together; first mentions stay those of ``self`` (the
        earlier report) where it has them."""
        phrases = {t: self.phrases.get(t, []) + other.phrases.get(t, [])
                   for t in set(self.phrases) | set(other.phrases)}
        first = {**{t: pos + 10**6 for t, pos in other.first.items()}, **self.first}
        return ThemeScores(self.scores + other.scores, phrases, first)


class ThemeRules:
    def __init__(self, lexicon: dict):
        unknown = set(lexicon["themes"]) - set(THEMES)
        if unknown:
            raise DataError(f"themes.yaml: unknown theme codes {sorted(unknown)}")
        self.title_factor = float(lexicon["title_factor"])
        self.max_count = int(lexicon["max_count"])
        self.min_score = float(lexicon["min_score"])
        self.min_share = float(lexicon["min_share"])
        self.min_scores = {t: float(lexicon.get("min_scores", {}).get(t, self.min_score)) for t in THEMES}
        self.subsumed = {t: tuple(v) for t, v in (lexicon.get("subsumed_by_primary") or {}).items()}
        self.subsumed_share = float(lexicon.get("subsumed_share", 1.0))
        self.rules: dict[str, tuple[WeightedRule, ...]] = {
            theme: weighted_rules(lexicon["themes"].get(theme), f"themes.yaml {theme}")
            for theme in THEMES}

    def score(self, title: str, body: str) -> ThemeScores:
        """Per-theme scores of one document (institution names should be blanked out first:
        a 妇幼保健院 joining an alliance does not make it about maternal care)."""
        out = ThemeScores()
        for theme, rules in self.rules.items():
            for rule in rules:
                in_title, in_body = rule.find(title), rule.find(body)
                if in_title < 0 and in_body < 0:
                    continue
                n_body = min(rule.count(body), self.max_count) if in_body >= 0 else 0
                out.scores[theme] += rule.weight * (n_body + (self.title_factor if in_title >= 0 else 0))
                out.phrases.setdefault(theme, []).append(rule.label)
                pos = in_title if in_title >= 0 else len(title) + 1 + in_body
                out.first[theme] = min(pos, out.first.get(theme, pos))
        return out

    def decide(self, s: ThemeScores) -> ThemeDecision:
        """Themes above the thresholds; the primary one is the kept theme named first.
        ``other`` when nothing qualifies."""
        best = max(s.scores.values(), default=0.0)
        kept = [t for t in THEMES if s.scores[t] >= self.min_scores[t] and s.scores[t] >= self.min_share * best]
        if not kept:
            kept = ["other"]
        kept.sort(key=lambda t: (s.first.get(t, 10**9), -s.scores[t], THEMES.index(t)))
        primary = kept[0]
        kept = [t for t in kept if t not in self.subsumed.get(primary, ())
                or s.scores[t] >= self.subsumed_share * s.scores[primary]]
        return ThemeDecision(tuple(kept), primary, {t: round(s.scores[t], 3) for t in THEMES if s.scores[t]},
                             {t: tuple(sorted(set(s.phrases[t]))) for t in kept if t in s.phrases})


@lru_cache(maxsize=1)
def theme_rules() -> ThemeRules:
    return ThemeRules(read_lexicon("themes"))
