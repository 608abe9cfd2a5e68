"""``healthcoop demo`` as a user runs it (twice): what it prints, and the same result both times."""
from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.flow, pytest.mark.slow]


def test_the_demo_prints_counts_rankings_paths_and_a_query_to_try(cli_demo):
    directory, (first, _) = cli_demo
    assert re.search(r"healthcoop demo: run 1 completed, \d+ pages fetched", first)
    counts = dict((k, int(v)) for v, k in re.findall(r"(\d+) (documents|projects|institutions)\b", first))
    assert counts["documents"] > 80 and counts["projects"] > 40 and counts["institutions"] > 50
    assert "Table 3" in first and "重庆市" in first and "成都市" in first
    for label, path in (("report", directory / "report" / "index.html"),
                        ("warehouse", directory / "healthcoop-latest.duckdb")):
        assert f"{label}:" in first and str(path.resolve()) in first.replace("\n", "") and path.exists()
    assert "try:        .venv/bin/healthcoop query" in first


def test_running_the_demo_twice_gives_the_same_result(cli_demo):
    _, (first, second) = cli_demo
    assert first == second
