"""Named periods: a single year ("2020") or an inclusive range of years ("2019-2021").

The whole range of the data is labelled by its own years (e.g. "2019-2023"), the same way as
any other range, so a label always says what it covers; "all" is accepted as an input alias
for it. The default set is every year with data, the paper's period 2019-2021 and the whole
range.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

PAPER_PERIOD = "2019-2021"
WHOLE_RANGE_ALIAS = "all"
_LABEL = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    start: int
    end: int

    @property
    def label(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"

    def contains(self, years):
        """Boolean mask (or bool) of the years that fall in the period."""
        return (years >= self.start) & (years <= self.end)


def parse_period(text: str, years: Iterable[int] = ()) -> Period:
    """Read "2020", "2019-2021" or "all" (the whole range of `years`)."""
    if text.strip().lower() == WHOLE_RANGE_ALIAS:
        known = sorted(set(int(y) for y in years))
        if not known:
            raise ValueError("period 'all': there are no dated projects")
        return Period(known[0], known[-1])
    match = _LABEL.match(text)
    if not match:
        raise ValueError(f"period {text!r}: expected YYYY, YYYY-YYYY or 'all'")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if end < start:
        raise ValueError(f"period {text!r}: ends before it starts")
    return Period(start, end)


def default_periods(years: Iterable[int]) -> list[Period]:
    """Every year with data, the paper's period (when the data touch it) and the whole range."""
    known = sorted(set(int(y) for y in years))
    if not known:
        return []
    candidates = [Period(y, y) for y in known]
    paper = parse_period(PAPER_PERIOD)
    if any(paper.contains(y) for y in known):
        candidates.append(paper)
    candidates.append(Period(known[0], known[-1]))
    return sorted(set(candidates), key=lambda p: (p.end - p.start, p.start))


def resolve_periods(requested: Iterable[str | Period] | None, years: Iterable[int]) -> list[Period]:
    """Turn labels (or Period objects) into distinct periods, in the order given."""
    years = list(years)
    if requested is None:
        return default_periods(years)
    resolved: list[Period] = []
    for item in requested:
        period = item if isinstance(item, Period) else parse_period(str(item), years)
        if period not in resolved:
            resolved.append(period)
    return resolved
