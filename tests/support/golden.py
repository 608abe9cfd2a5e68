"""Golden-file checks for the CMS family parsers (tests/fixtures/sites/<family>/).

Each fixture page ``<name>.html`` (or ``.json`` for API answers) has ``<name>.expected.json``
beside it with the inputs the test needs and the record it must produce:

    {"url": "...", "kind": "list" | "article", "content_type": "text/html",   # inputs
     "note": "what the page exercises",
     "encoding": "utf-8", "record": {...}}                                    # expected output

A normal run fails on any difference. ``UPDATE_GOLDEN=1 pytest tests/golden`` rewrites only
``encoding`` and ``record`` (review the diff before keeping it).
"""
from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scrapers.cms import family as family_module
from scrapers.encoding import decode_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
EXPECTED_SUFFIX = ".expected.json"


def fixture_pages(family: str) -> list[Path]:
    """The fixture pages of a family (every file that is not an expectation)."""
    folder = FIXTURES / family
    return sorted(page for page in folder.iterdir()
                  if page.suffix in (".html", ".json") and not page.name.endswith(EXPECTED_SUFFIX))


def expected_path(page: Path) -> Path:
    return page.with_name(page.stem + EXPECTED_SUFFIX)


def plain(value: Any) -> Any:
    """A record as JSON-ready built-ins (dates as ISO strings, tuples as lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_fixture(family: str, page: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Decode the page bytes as the fetch layer would, parse them, return encoding + record."""
    decoded = decode_html(page.read_bytes(), spec.get("content_type"))
    module = family_module(family)
    parse = module.parse_list if spec["kind"] == "list" else module.parse_article
    return {"encoding": decoded.encoding, "record": plain(parse(decoded.text, spec["url"]))}


def check_golden(family: str, page: Path) -> None:
    path = expected_path(page)
    spec = json.loads(path.read_text(encoding="utf-8"))
    actual = parse_fixture(family, page, spec)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps({**spec, **actual}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    assert actual["encoding"] == spec.get("encoding"), f"{page.name}: decoded as {actual['encoding']}"
    assert actual["record"] == spec.get("record"), f"{page.name}: parsed record differs from {path.name}"


def golden_tests(family: str):
    """The two tests every family's golden module runs: the fixture set is complete, and each
    page parses to its stored record. A module binds them to test names of its own."""
    pages = fixture_pages(family)

    def test_fixture_set_covers_lists_and_articles():
        names = [page.name for page in pages]
        assert sum(name.startswith("list_") for name in names) >= 2
        assert sum(name.startswith("article_") for name in names) >= 3

    @pytest.mark.parametrize("page", pages, ids=[page.name for page in pages])
    def test_page_matches_golden_record(page):
        check_golden(family, page)

    return test_fixture_set_covers_lists_and_articles, test_page_matches_golden_record
