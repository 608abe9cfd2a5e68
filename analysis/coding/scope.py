"""The region filter: does a cooperation count for the Chengdu–Chongqing network?

In scope = at least one party in Sichuan or Chongqing, and the parties span two or more
units: prefecture-level cities (a Chongqing district or county is a unit of its own,
Chongqing municipal bodies are 重庆市, province-level bodies count as their capital) or
two provinces. Cooperation inside one city is kept in the warehouse, flagged out of scope.
"""
from __future__ import annotations

from analysis.coding.places import Gazetteer


def in_scope(division_codes: list[str], gz: Gazetteer) -> bool:
    """``division_codes``: where the signing and joining parties sit (unplaced ones left out)."""
    if not any(gz.in_home_region(code) for code in division_codes):
        return False
    units = {gz.scope_unit(code) for code in division_codes}
    provinces = {gz.province_of(code).code for code in division_codes}
    return len(units) >= 2 or len(provinces) >= 2
