"""Themes of a cooperation: weighted lexicon scores -> several theme codes and a primary one.

Where a phrase stands matters as much as what it says. A report names the field of an
agreement in its title and in the sentence that reports the signing and its scope
("…签署合作协议，双方将在公共卫生、医疗服务…方面合作"); the closing remarks of officials
("负责人表示…", "签约后…") only colour it. So every phrase counts with the weight of its
zone (``lexicons/themes.yaml``): title, lead (a sentence with an agreement cue), body,
closing; and the primary theme is the kept theme named first by a weighty phrase, title
before lead before body before closing.

Scores are kept per theme (with the phrases that produced them) so that the documents of
one project can be pooled before the decision: a project's themes come from everything
that was reported about it, not from whichever report came first.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from analysis.coding.resources import SENTENCE_END, DataError, WeightedRule, read_lexicon, weighted_rules

THEMES = ("tcm", "modern_medicine", "prevention_care", "health_industry", "talent_research",
          "informatization", "other")
ZONES = ("title", "lead", "body", "closing")  # the order in which they name the primary theme
# rank of a mention = zone index x _ZONE_SPAN + report order x _LATER_REPORT + position, so
# that any report's title outranks every report's lead, and so on (texts are shorter than
# _LATER_REPORT characters; a project has fewer than 100 reports)
_ZONE_SPAN = 10**9
_LATER_REPORT = 10**7
_UNRANKED = 10**12


@dataclass(frozen=True)
class ThemeDecision:
    themes: tuple[str, ...]
    primary: str
    evidence: dict[str, tuple[str, ...]]


@dataclass
class ThemeScores:
    """Per-theme evidence of one or more documents: scores, the phrases behind them, the
    rank of each theme's first weighty mention (zone, then report, then position), which
    decides the primary theme, and how many reports were pooled."""

    scores: Counter = field(default_factory=Counter)
    phrases: dict[str, list[str]] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    reports: int = 1

    def pooled_with(self, other: "ThemeScores") -> "ThemeScores":
        """Scores of two reports together (``self`` the earlier). A theme's first mention
        is the better ranked of the two: a later report's title outranks the earlier
        report's body, and within one zone the earlier report comes first."""
        phrases = {t: self.phrases.get(t, []) + other.phrases.get(t, [])
                   for t in set(self.phrases) | set(other.phrases)}
        later = {t: rank + _LATER_REPORT * (1 + self.reports) for t, rank in other.first.items()}
        first = {t: min(self.first.get(t, _UNRANKED), later.get(t, _UNRANKED)) for t in set(self.first) | set(later)}
        return ThemeScores(self.scores + other.scores, phrases, first, self.reports + other.reports)


class ThemeRules:
    def __init__(self, lexicon: dict):
        unknown = set(lexicon["themes"]) - set(THEMES)
        if unknown:
            raise DataError(f"themes.yaml: unknown theme codes {sorted(unknown)}")
        factors = lexicon["zone_factors"]
        if set(factors) != set(ZONES):
            raise DataError(f"themes.yaml: zone_factors must give exactly {list(ZONES)}")
        self.zone_factors = {zone: float(factors[zone]) for zone in ZONES}
        cues = lexicon["zone_cues"]
        self.closing_cues = tuple(cues["closing"])
        self.lead_cues = tuple(cues["lead"])
        self.max_count = int(lexicon["max_count"])
        self.institution_kinds = tuple(sorted(lexicon.get("institution_kinds") or (), key=len, reverse=True))
        self.primary_min_weight = float(lexicon["primary_min_weight"])
        self.min_score = float(lexicon["min_score"])
        self.min_share = float(lexicon["min_share"])
        self.min_scores = {t: float(lexicon.get("min_scores", {}).get(t, self.min_score)) for t in THEMES}
        self.subsumed = {t: tuple(v) for t, v in (lexicon.get("subsumed_by_primary") or {}).items()}
        self.subsumed_share = float(lexicon.get("subsumed_share", 1.0))
        self.rules: dict[str, tuple[WeightedRule, ...]] = {
            theme: weighted_rules(lexicon["themes"].get(theme), f"themes.yaml {theme}")
            for theme in THEMES}

    def zones(self, body: str) -> tuple[list[int], list[str]]:
        """Sentence starts of ``body`` and the zone of each sentence: ``closing`` when it
        carries a closing cue (表示, 签约后 …), else ``lead`` when it carries an agreement cue
        (签署, 方面 …), else ``body``. Closing cues win: "此次签约标志着…" is a remark."""
        starts, zones = [], []
        begin = 0
        for end in [m.end() for m in SENTENCE_END.finditer(body)] + [len(body)]:
            if end > begin:
                sentence = body[begin:end]
                starts.append(begin)
                zones.append("closing" if any(c in sentence for c in self.closing_cues)
                             else "lead" if any(c in sentence for c in self.lead_cues) else "body")
            begin = end
        return starts, zones

    def score(self, title: str, body: str) -> ThemeScores:
        """Per-theme scores of one document. Institution names should be blanked out first
        (a 妇幼保健院 joining an alliance does not make it about maternal care); kinds of
        institution (中医医院, 疾控机构) are blanked here for the same reason. A phrase counts
        once in the title and at most ``max_count`` times in the body, its weightiest zones
        first; a phrase inside a longer phrase of another theme does not count (中医专科 is
        TCM care, not the 专科 of modern medicine)."""
        title, body = self._kinds_blanked(title), self._kinds_blanked(body)
        starts, zones = self.zones(body)
        hits: list[tuple[str, WeightedRule, str, int, int]] = []  # theme, rule, zone, start, end
        for theme, rules in self.rules.items():
            for rule in rules:
                in_title, in_body = rule.spans(title), rule.spans(body)
                if in_title:
                    hits.append((theme, rule, "title", *in_title[0]))
                for a, b in in_body:
                    hits.append((theme, rule, zones[bisect_right(starts, a) - 1], a, b))
        by_rule: dict[tuple[str, WeightedRule], list[tuple[str, int]]] = {}
        for theme, rule, zone, a, _ in _outermost(hits):
            by_rule.setdefault((theme, rule), []).append((zone, a))
        out = ThemeScores()
        for (theme, rule), found in by_rule.items():
            in_title = [a for zone, a in found if zone == "title"]
            body_factors = sorted((self.zone_factors[zone] for zone, _ in found if zone != "title"), reverse=True)
            points = sum(body_factors[:self.max_count]) + (self.zone_factors["title"] if in_title else 0)
            out.scores[theme] += rule.weight * points
            out.phrases.setdefault(theme, []).append(rule.label)
            if rule.weight >= self.primary_min_weight:
                rank = min(ZONES.index(zone) * _ZONE_SPAN + a for zone, a in found)
                out.first[theme] = min(rank, out.first.get(theme, _UNRANKED))
        return out

    def _kinds_blanked(self, text: str) -> str:
        """``text`` with every kind of institution replaced by □ (same length)."""
        for kind in self.institution_kinds:
            text = text.replace(kind, "□" * len(kind))
        return text

    def decide(self, s: ThemeScores) -> ThemeDecision:
        """Themes above the thresholds; the primary one is the kept theme named first by a
        weighty phrase (the strongest when none is). ``other`` when nothing qualifies."""
        best = max(s.scores.values(), default=0.0)
        kept = [t for t in THEMES if s.scores[t] >= self.min_scores[t] and s.scores[t] >= self.min_share * best]
        if not kept:
            kept = ["other"]
        kept.sort(key=lambda t: (s.first.get(t, _UNRANKED), -s.scores[t], THEMES.index(t)))
        primary = kept[0]
        kept = [t for t in kept if t not in self.subsumed.get(primary, ())
                or s.scores[t] >= self.subsumed_share * s.scores[primary]]
        return ThemeDecision(tuple(kept), primary,
                             {t: tuple(sorted(set(s.phrases[t]))) for t in kept if t in s.phrases})


def _outermost(hits: list[tuple[str, WeightedRule, str, int, int]]) -> list[tuple[str, WeightedRule, str, int, int]]:
    """The hits not strictly inside a longer hit of another theme in the same text (the
    title's positions and the body's are compared only among themselves)."""
    longer_first = sorted(hits, key=lambda h: h[3] - h[4])
    kept = []
    for h in hits:
        size, in_title = h[4] - h[3], h[2] == "title"
        inside = False
        for o in longer_first:
            if o[4] - o[3] <= size:
                break
            if o[0] != h[0] and (o[2] == "title") == in_title and o[3] <= h[3] and h[4] <= o[4]:
                inside = True
                break
        if not inside:
            kept.append(h)
    return kept


@lru_cache(maxsize=1)
def theme_rules() -> ThemeRules:
    return ThemeRules(read_lexicon("themes"))
