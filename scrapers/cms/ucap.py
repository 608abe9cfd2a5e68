"""Chengdu municipal intensive platform by 开普云 UCAP: cdwjw.chengdu.gov.cn.

Column pages (``/cdwjw/c<id>/list.shtml``) fill their rows by JavaScript from the JSON
search API ``/es-search/search/{channelId}?…&page=N``, so the API is what gets crawled;
``parse_list`` also reads the static skins (``.publicList li``, ``ul.artcleList li``).
Article URLs are ``/cdwjw/c<id>/YYYY-MM/DD/content_<32hex>.shtml``; the body is
``.detail_content`` (``#UCAP-CONTENT`` on older templates) and the fields come from the
meta tags (sites.md §3).
"""
from __future__ import annotations

import json
import math
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from scrapers.cms import ParseError, check_page_index
from scrapers.cms.assembly import ArticleRecipe, ListRecipe, build_article, build_list
from scrapers.cms.dom import clean, site_link
from scrapers.dates import date_from_url, parse_date
from scrapers.records import Article, ListItem, ListPage
from scrapers.registry import Column, Source

PAGE_SIZE = 20
API_QUERY = "_template=ucap/cdtf&_pageSize={size}&SORTED_TIME=DESC&IS_STICKY=DESC&SEQ_NUM=DESC&page={page}"
ARTICLE_LINK = re.compile(r"/content_\w+\.s?html?(?:$|[?#])")
LIST_RECIPE = ListRecipe(row_selectors=(".publicList li", "ul.artcleList li"), link_pattern=ARTICLE_LINK)
ARTICLE_RECIPE = ArticleRecipe(
    family="ucap",
    title_selectors=(".detail h1", ".detail_title", "#artcle h1", "h1"),
    info_selectors=(".detail_info", ".detail .info", "#artcle .info"),
    body_selectors=(".detail_content", "#UCAP-CONTENT", "#artcle .content"),
)
_CHANNEL_IN_PATH = re.compile(r"/c(\d+)/")
_TAG = re.compile(r"<[^>]*>")


def column_problem(column: Column) -> str | None:
    """Checked when the registry loads: a column whose search channel is unknown cannot be listed."""
    if column.channel_id or _CHANNEL_IN_PATH.search(column.path):
        return None
    return f"ucap column {column.path!r} needs a channel_id (the column page's <meta name=\"channelId\">)"


def channel_id(source: Source, column: Column) -> str:
    """The column's search channel: ``channel_id`` from the registry, else the ``c<digits>`` in its path."""
    if column.channel_id:
        return column.channel_id
    match = _CHANNEL_IN_PATH.search(column.path)
    if not match:
        raise ValueError(f"source {source.id}: column {column.path!r} has no channel_id and none in its path")
    return match.group(1)


def list_page_url(source: Source, column: Column, page_index: int) -> str:
    """The JSON search API URL of list page ``page_index`` (the API counts pages from 1)."""
    check_page_index(source.id, page_index)
    query = API_QUERY.format(size=PAGE_SIZE, page=page_index + 1)
    return f"{source.base_url}/es-search/search/{channel_id(source, column)}?{query}"


def parse_list(text: str, url: str) -> ListPage:
    """The JSON API answer, or a static list page (anything that does not start like JSON)."""
    if isinstance(text, str) and text.lstrip().startswith(("{", "[")):
        return parse_search_json(text, url)
    return build_list(text, url, LIST_RECIPE)


def parse_search_json(text: str, url: str) -> ListPage:
    """``{"results": [{"title", "url", "publishedTimeStr"}], "total": items, "pageSize": n}``."""
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"{url}: search API answer is not JSON ({exc.__class__.__name__}: {exc})") from None
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ParseError(f"{url}: search API answer has no 'results' list")
    items: dict[str, ListItem] = {}
    for result in results:
        item = _search_item(result, url)
        if item is not None and item.url not in items:
            items[item.url] = item
    return ListPage(url=url, items=tuple(items.values()), total_pages=_page_count(payload, url))


def _search_item(result: object, page_url: str) -> ListItem | None:
    if not isinstance(result, dict) or not isinstance(result.get("url"), str):
        return None
    url = site_link(page_url, result["url"])
    title = clean(unescape(_TAG.sub("", result.get("title") or ""))) if isinstance(result.get("title"), str) else ""
    if url is None or not title:
        return None
    shown = parse_date(result["publishedTimeStr"]) if isinstance(result.get("publishedTimeStr"), str) else None
    published = shown.value if shown is not None and shown.ok else date_from_url(url).value
    return ListItem(url=url, title=title, published_date=published)


def _page_count(payload: dict, url: str) -> int | None:
    """ceil(total / pageSize), with the page size from the answer or else the request URL."""
    total = _positive_int(payload.get("total"))
    size = _positive_int(payload.get("pageSize"))
    if size is None:
        size = _positive_int((parse_qs(urlsplit(url).query).get("_pageSize") or [None])[0])
    if total is None or size is None:
        return None
    return max(1, math.ceil(total / size))


def _positive_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def parse_article(text: str, url: str) -> Article:
    return build_article(text, url, ARTICLE_RECIPE)
