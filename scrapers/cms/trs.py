"""Chongqing government intensive platform (TRS WCM): wsjkw.cq.gov.cn and the district portals.

Lists are ``<col>/index.html``, ``index_1.html``, … with the total in an inline
``createPage(N, …)``; rows are ``li`` (or ``tr`` on some district skins) holding a relative
``./YYYYMM/tYYYYMMDD_ID.html`` link whose ``title`` has the full title. Articles carry the
meta-tag standard, a ``zwxl-title``/``zwxl-bar`` header whose source is written by
``document.write``, an optional ``zwxl-table`` of 信息公开 metadata, and a UEditor body
(sites.md §1, §4.1).
"""
from __future__ import annotations

import re

from scrapers.cms import check_page_index
from scrapers.cms.assembly import ArticleRecipe, ListRecipe, build_article, build_list
from scrapers.records import Article, ListPage
from scrapers.registry import Column, Source

ARTICLE_LINK = re.compile(r"(?:^|/)t\d{8}_\d+\.s?html?(?:$|[?#])")
LIST_RECIPE = ListRecipe(row_selectors=("li", "tr"), link_pattern=ARTICLE_LINK)
ARTICLE_RECIPE = ArticleRecipe(
    family="trs",
    title_selectors=(".zwxl-title p.tit", ".zwxl-title .tit", "div.zwxl-main h1", ".zwxl-title"),
    info_selectors=(".zwxl-bar",),
    body_selectors=(".zwxl-article [class*=TRS_UEDITOR]", ".zwxl-article [class*=trs_editor_view]"),
    attachment_selectors=(".zwxl-article", "div.zwxl-main"),
    breadcrumb_selectors=(".content.content-o",),
    source_patterns=(re.compile(r"来源[:：]\s*</span>\s*<span[^>]*class=[\"']?con[\"']?[^>]*>(.*?)</span>", re.DOTALL),),
    info_table_selector="table.zwxl-table",
)


def list_page_url(source: Source, column: Column, page_index: int) -> str:
    """Page 0 is the column URL itself; page i is ``index_i.html`` in the column directory."""
    check_page_index(source.id, page_index)
    url = source.column_url(column)
    if page_index == 0:
        return url
    return f"{url.rsplit('/', 1)[0]}/index_{page_index}.html"


def parse_list(text: str, url: str) -> ListPage:
    return build_list(text, url, LIST_RECIPE)


def parse_article(text: str, url: str) -> Article:
    return build_article(text, url, ARTICLE_RECIPE)
