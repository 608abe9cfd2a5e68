"""Parser families, one module per CMS platform (``trs``, ``sichuan``, ``ucap``, ``generic``).

Every family module exposes the same three pure functions (no network, no database):

- ``list_page_url(source, column, page_index) -> str``: the URL of list page
  ``page_index`` (0-based: 0 is the newest page) of a column;
- ``parse_list(text, url) -> ListPage``: rows (url, title, date) and, when the page says
  so, the total number of pages;
- ``parse_article(text, url) -> Article``: title, dates, source, column, body text,
  attachments, and a list of ``problems`` for missing or implausible fields.

``text`` is already decoded (see ``scrapers.encoding``). Parsers raise ``ParseError`` with
a one-line message when a page is not what the family expects.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class ParseError(ValueError):
    """A page that does not parse as its family expects (message: one line, names the URL)."""


FAMILY_NAMES = ("trs", "sichuan", "ucap", "generic")


def check_page_index(source_id: str, page_index: int) -> None:
    """List pages are counted from 0 in every family, whatever the site's own numbering."""
    if page_index < 0:
        raise ValueError(f"source {source_id}: page_index must be >= 0 (got {page_index})")


def family(name: str) -> ModuleType:
    if name not in FAMILY_NAMES:
        raise KeyError(f"unknown CMS family {name!r}; known: {', '.join(FAMILY_NAMES)}")
    return importlib.import_module(f"scrapers.cms.{name}")
