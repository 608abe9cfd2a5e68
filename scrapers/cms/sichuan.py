"""Sichuan provincial intensive platform: wsjkw.sc.gov.cn (``/scwsjkw/…shtml``, ``wy_*`` classes).

Lists are ``tygl.shtml``, ``tygl_2.shtml``, … (the second page is ``_2``); rows are
``div.wy_contMain.fontSt > ul > li`` with a date ``span`` and a site-absolute
``/scwsjkw/<col>/YYYY/M/D/<32hex>.shtml`` link. Articles have ``h1.blue.fontNb``, a
"发布时间：… 信息来源：…" line in ``div.time``, the body in ``.wy_contMain.fontSt`` and
attachments in ``.wy_wj_more``; meta tags may be absent (sites.md §2).
"""
from __future__ import annotations

import re

from scrapers.cms import check_page_index
from scrapers.cms.assembly import ArticleRecipe, ListRecipe, build_article, build_list
from scrapers.records import Article, ListPage
from scrapers.registry import Column, Source

ARTICLE_LINK = re.compile(r"/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]{32}\.s?html?(?:$|[?#])")
LIST_RECIPE = ListRecipe(
    row_selectors=("div.wy_contMain.fontSt > ul > li", "div.contMain.fontSt li", "div.wy_zt_ygzl > ul > li"),
    link_pattern=ARTICLE_LINK,
)
ARTICLE_RECIPE = ArticleRecipe(
    family="sichuan",
    title_selectors=(".wy_dis_main h1.blue.fontNb", ".wy_dis_main h1"),
    info_selectors=(".wy_dis_main div.time",),
    body_selectors=(".wy_dis_main .wy_contMain.fontSt",),
    attachment_selectors=(".wy_wj_more",),
    breadcrumb_selectors=(".wy_position",),
)
_LIST_FILE = re.compile(r"^(?P<stem>.*/[^/]+?)(?P<ext>\.s?html?)$")


def list_page_url(source: Source, column: Column, page_index: int) -> str:
    """Page 0 is ``tygl.shtml``; page i is ``tygl_{i+1}.shtml`` (the site numbers pages from 2)."""
    check_page_index(source.id, page_index)
    url = source.column_url(column)
    if page_index == 0:
        return url
    match = _LIST_FILE.match(url)
    if not match:
        raise ValueError(f"source {source.id}: column path {column.path!r} is not a list page like …/tygl.shtml")
    return f"{match['stem']}_{page_index + 1}{match['ext']}"


def parse_list(text: str, url: str) -> ListPage:
    return build_list(text, url, LIST_RECIPE)


def parse_article(text: str, url: str) -> Article:
    return build_article(text, url, ARTICLE_RECIPE)
