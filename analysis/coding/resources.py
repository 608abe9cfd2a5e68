"""Read the coder's data tables (``analysis/data/``) once per process.

The rules live in data, not code, so researchers can read and extend them: CSV for tables
(divisions, institutions, aliases), YAML for weighted lexicons. Everything read here is
cached because the coder calls it for every document.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: Where a sentence ends, for the rules that read one sentence at a time (roles, themes).
SENTENCE_END = re.compile(r"[。！？!?；;\n]")


class DataError(ValueError):
    """A data table that cannot be used; the message names the file and the row."""


@lru_cache(maxsize=None)
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``analysis/data/<name>`` as dicts; empty cells become ``""``."""
    path = DATA_DIR / name
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if None in row:
                raise DataError(f"{name} line {len(rows) + 2}: more cells than columns (quote commas)")
            rows.append({k: (v or "").strip() for k, v in row.items()})
    return tuple(rows)


@lru_cache(maxsize=None)
def read_lexicon(name: str) -> dict[str, Any]:
    """``analysis/data/lexicons/<name>.yaml`` as a dict."""
    path = DATA_DIR / "lexicons" / f"{name}.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise DataError(f"{path.name}: expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class WeightedRule:
    """One lexicon entry: ``label`` as written in the YAML (kept as evidence), its weight,
    and either a plain ``phrase`` or a regular expression (entries written ``re:<regex>``).
    Plain phrases are matched with ``str`` methods, which is several times faster."""

    label: str
    weight: float
    phrase: str | None
    pattern: re.Pattern | None

    def find(self, text: str) -> int:
        """Position of the first match, -1 when none."""
        if self.phrase is not None:
            return text.find(self.phrase)
        m = self.pattern.search(text)
        return m.start() if m else -1

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every match, left to right (non-overlapping)."""
        if self.pattern is not None:
            return [m.span() for m in self.pattern.finditer(text)]
        found, pos = [], text.find(self.phrase)
        while pos >= 0:
            found.append((pos, pos + len(self.phrase)))
            pos = text.find(self.phrase, pos + len(self.phrase))
        return found


def weighted_rules(table: dict[str, Any] | None, where: str) -> tuple[WeightedRule, ...]:
    """A ``{phrase: weight}`` mapping from a lexicon, validated and compiled."""
    rules = []
    for label, weight in (table or {}).items():
        if not isinstance(label, str) or not label or isinstance(weight, bool) \
                or not isinstance(weight, (int, float)):
            raise DataError(f"{where}: bad entry {label!r}: {weight!r} (want phrase: number)")
        if not label.startswith("re:"):
            rules.append(WeightedRule(label, float(weight), label, None))
            continue
        try:
            rules.append(WeightedRule(label, float(weight), None, re.compile(label[3:])))
        except re.error as exc:
            raise DataError(f"{where}: bad regular expression {label!r}: {exc}") from None
    return tuple(rules)
