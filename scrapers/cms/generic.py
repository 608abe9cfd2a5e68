"""Any government site without a family of its own (e.g. 泸州市卫健委): standards and heuristics only.

List rows are ``li``/``tr``/``dd`` elements with an on-site article link that show a date
(that is what tells articles from navigation); pages are ``index.html``, ``index_1.html``, …
unless the page links a "下一页" (``ListPage.next_url``) or states ``共N页``. Articles are read
from the meta-tag standard, then title/date/source labels, then the known body containers
and finally the densest ``<p>`` block (sites.md §4.2, §9).
"""
from __future__ import annotations

import re

from scrapers.cms import check_page_index
from scrapers.cms.assembly import ArticleRecipe, ListRecipe, build_article, build_list
from scrapers.records import Article, ListPage
from scrapers.registry import Column, Source

LIST_RECIPE = ListRecipe(row_selectors=("li", "tr", "dd"), require_date=True)
ARTICLE_RECIPE = ArticleRecipe(
    family="generic",
    title_selectors=("h1", ".title h2", ".article-title", "#title", ".bt", "h2"),
    info_selectors=("[class*=info]", "[class*=source]", "[class*=time]", "[class*=date]", "[class*=laiyuan]",
                    "[class*=xinxi]"),
)
_LIST_FILE = re.compile(r"^(?P<stem>.*/[^/]+?)(?P<ext>\.[a-z]+)$", re.IGNORECASE)


def list_page_url(source: Source, column: Column, page_index: int) -> str:
    """Page 0 is the column URL; page i is ``index_i.html`` (or ``<name>_i.<ext>`` for a named list file)."""
    check_page_index(source.id, page_index)
    url = source.column_url(column)
    if page_index == 0:
        return url
    if url.endswith("/"):
        return f"{url}index_{page_index}.html"
    match = _LIST_FILE.match(url)
    if not match:
        return f"{url}/index_{page_index}.html"
    return f"{match['stem']}_{page_index}{match['ext']}"


def parse_list(text: str, url: str) -> ListPage:
    return build_list(text, url, LIST_RECIPE)


def parse_article(text: str, url: str) -> Article:
    return build_article(text, url, ARTICLE_RECIPE)
