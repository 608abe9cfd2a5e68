"""Golden tests: every sichuan fixture page parses to the record stored beside it."""
from __future__ import annotations

import pytest

from tests.support.golden import check_golden, fixture_pages

PAGES = fixture_pages("sichuan")


def test_fixture_set_covers_lists_and_articles():
    names = [page.name for page in PAGES]
    assert sum(name.startswith("list_") for name in names) >= 2
    assert sum(name.startswith("article_") for name in names) >= 3


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_matches_golden_record(page):
    check_golden("sichuan", page)
