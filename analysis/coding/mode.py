"""Cooperation mode from the sectors of the parties that sign.

The paper's three modes: every signing party is government -> ``inter_governmental``;
government and society together -> ``government_society``; no government party ->
``social``. When no party was found signing (an alliance reported only by its members),
the joining parties stand in for them.
"""
from __future__ import annotations

MODES = ("inter_governmental", "government_society", "social")


def mode_of(signatory_sectors: list[str], participant_sectors: list[str]) -> str | None:
    """The mode, or None when there is no party at all."""
    sectors = set(signatory_sectors or participant_sectors)
    if not sectors:
        return None
    if sectors == {"government"}:
        return "inter_governmental"
    return "government_society" if "government" in sectors else "social"
