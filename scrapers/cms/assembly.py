"""Turn a family's recipe (its selectors) into ``ListPage`` and ``Article`` records.

Families differ in where things are, not in what is done with them, so each family module
declares a ``ListRecipe`` and an ``ArticleRecipe`` and calls ``build_list`` / ``build_article``.
The order of evidence follows sites.md §9: government meta tags first (validated), then the
family's own markup, then label regexes, then the date in the URL. Whatever is missing or
implausible is named in ``Article.problems``; nothing is guessed.
"""
from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from scrapers.cms import ParseError
from scrapers.cms.dom import (ATTACHMENT_BLOCKS, FILE_EXTENSIONS, Element, body_lines, clean, context_of,
                              cut_trailing_furniture, descendants, file_extension, find_attachments, find_body,
                              is_inside, parse_html, raw_text, remove, remove_noise, select, site_link,
                              select_all, strings, text_of)
from scrapers.dates import (DateResult, date_from_url, find_signoff_date, parse_date, parse_labelled_date,
                            parse_row_date, year_from_url)
from scrapers.govmeta import GovMeta, read_govmeta, usable
from scrapers.records import Article, ListItem, ListPage

#: A publication date further than this from the date in the URL is not believed.
MAX_DAYS_FROM_URL_DATE = 31
#: Below this similarity the meta ``ArticleTitle`` is taken for a template leak and the visible title wins.
MIN_TITLE_SIMILARITY = 0.5
MIN_TITLE_CHARS = 4
MAX_TITLE_CHARS = 200
#: A date/source line longer than this is a container, not the line.
INFO_LINE_MAX_CHARS = 200
ROW_TAGS = ("li", "tr", "dd")
BREADCRUMBS = (".content.content-o", ".wy_position", "[class*=position]", "[class*=crumb]", "[class*=location]",
               "[class*=weizhi]", "[class*=dqwz]")
_HOME_LINKS = frozenset({"首页", "网站首页", "主页", "当前位置", "您的位置", "你的位置"})
_BREADCRUMB_SPLIT = re.compile(r"\s*[>›»＞/]\s*")
_PAGE_COUNT_SCRIPT = re.compile(r"createPage(?:HTML)?\s*\(\s*(\d+)|countPage\s*=\s*(\d+)")
_PAGE_COUNT_TEXT = re.compile(r"共\s*(\d+)\s*页")
MAX_PAGES = 100_000
_NEXT_PAGE_TEXTS = frozenset({"下一页", "下页", "后一页"})
_SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源)\s*[:：]\s*"
    r"([^\s|｜【\[<>]{2,40}?)(?=$|\s|[|｜【\[<>]|发布|时间|日期|作者|浏览|字号|字体|点击|阅读|责任编辑|编辑)")
_TITLE_SUFFIX_SEPARATOR = re.compile(r"\s+[-–—|｜]+\s+|\s*[_|｜]\s*|\s*——\s*|\s*--\s*")
_SITE_NAME_ENDINGS = ("委员会", "政府", "网站", "门户网", "卫健委", "卫生健康委", "卫生局", "人民政府网")


# ---------------------------------------------------------------------------- list pages


@dataclass(frozen=True)
class ListRecipe:
    """Where a family's list rows are.

    ``row_selectors`` are tried first; when they find nothing, rows are found from the links
    matching ``link_pattern`` (an article URL shape). ``require_date`` keeps only rows that
    show (or link to) a date, which is what separates articles from navigation on unknown sites.
    """

    row_selectors: tuple[str, ...] = ()
    link_pattern: re.Pattern[str] | None = None
    require_date: bool = False


def build_list(text: str, url: str, recipe: ListRecipe) -> ListPage:
    root = parse_html(text, url)
    return ListPage(url=url, items=list_items(root, url, recipe), total_pages=total_pages(text, root),
                    next_url=next_page_url(root, url))


def list_items(root: Element, page_url: str, recipe: ListRecipe) -> tuple[ListItem, ...]:
    """The page's article rows, on the page's own host, once per URL, in page order."""
    pairs = _rows_by_selectors(root, recipe) or _rows_by_links(root, recipe)
    items: dict[str, ListItem] = {}
    for row, anchor in pairs:
        item = _list_item(row, anchor, page_url, recipe)
        if item is not None and item.url not in items:
            items[item.url] = item
    return tuple(items.values())


def _rows_by_selectors(root: Element, recipe: ListRecipe) -> list[tuple[Element, Element]]:
    pairs = []
    for row in select_all(root, recipe.row_selectors):
        if next(descendants(row, *ROW_TAGS), None) is not None:  # a menu or wrapper, not a row
            continue
        anchor = _best_anchor(descendants(row, "a"), recipe.link_pattern)
        if anchor is not None:
            pairs.append((row, anchor))
    return pairs


def _rows_by_links(root: Element, recipe: ListRecipe) -> list[tuple[Element, Element]]:
    pairs = []
    for anchor in descendants(root, "a"):
        if _best_anchor([anchor], recipe.link_pattern) is not None:
            row = next(anchor.iterancestors(*ROW_TAGS), None)
            pairs.append((anchor.getparent() if row is None else row, anchor))
    return pairs


def _best_anchor(anchors: Iterable[Element], pattern: re.Pattern[str] | None) -> Element | None:
    """The row's title link: matching the family's URL shape, with the longest title."""
    candidates = [a for a in anchors if a.get("href") is not None
                  and (pattern.search(a.get("href")) if pattern else len(anchor_title(a)) >= MIN_TITLE_CHARS)]
    return max(candidates, key=lambda a: len(anchor_title(a)), default=None)


def anchor_title(anchor: Element) -> str:
    """The full title: the ``title`` attribute unless it is shorter than the (possibly truncated) text."""
    text = text_of(anchor)
    attribute = usable(anchor.get("title"))
    return attribute if attribute and len(attribute) >= len(text.rstrip(".…")) else text


def _list_item(row: Element, anchor: Element, page_url: str, recipe: ListRecipe) -> ListItem | None:
    url = site_link(page_url, anchor.get("href"))
    title = anchor_title(anchor)
    if url is None or url == page_url or file_extension(url) in FILE_EXTENSIONS or not title:
        return None
    shown = _date_near(anchor, row, year_from_url(url))
    published = shown.value if shown.ok else date_from_url(url).value
    if recipe.require_date and published is None:
        return None
    return ListItem(url=url, title=title, published_date=published)


def _date_near(anchor: Element, row: Element, year: int | None) -> DateResult:
    """The date shown beside a link: after it, else before it, else elsewhere in its row
    (a date without its year, such as ``04-22``, takes ``year`` from the article's URL)."""
    plain = context_of(anchor.getparent()) is None  # strings beside the link are text, not script
    for siblings in (_following(anchor), _preceding(anchor)):
        texts = []
        for sibling in siblings:
            if isinstance(sibling, str):
                texts.append(sibling if plain else "")
            elif not isinstance(sibling.tag, str):  # a comment
                texts.append("")
            elif sibling.tag == "a" or next(descendants(sibling, "a"), None) is not None:
                break
            else:
                texts.append(raw_text(sibling))
        result = parse_row_date(" ".join(texts), year)
        if result.ok:
            return result
    return parse_row_date(" ".join(strings(row, skip=anchor)), year)


def _following(node: Element) -> Iterator[Element | str]:
    """The nodes after ``node`` in its parent, nearest first: its tail, then each sibling and its tail."""
    if node.tail:
        yield node.tail
    for sibling in node.itersiblings():
        yield sibling
        if sibling.tail:
            yield sibling.tail


def _preceding(node: Element) -> Iterator[Element | str]:
    """The nodes before ``node`` in its parent, nearest first, ending with the parent's own text."""
    for sibling in node.itersiblings(preceding=True):
        if sibling.tail:
            yield sibling.tail
        yield sibling
    if node.getparent().text:
        yield node.getparent().text


def total_pages(text: str, root: Element) -> int | None:
    """The page count a list page states: TRS ``createPage(N`` / ``countPage = N``, or ``共N页``."""
    match = _PAGE_COUNT_SCRIPT.search(text) or _PAGE_COUNT_TEXT.search(raw_text(root))
    if not match:
        return None
    count = int(next(group for group in match.groups() if group is not None))
    return count if 1 <= count <= MAX_PAGES else None


def next_page_url(root: Element, page_url: str) -> str | None:
    """The target of a "下一页" link on the same host, if the page has a usable one."""
    for anchor in descendants(root, "a"):
        if text_of(anchor).strip("<>»›＞ ") in _NEXT_PAGE_TEXTS:
            url = site_link(page_url, anchor.get("href"))
            if url and url != page_url:
                return url
    return None


# ---------------------------------------------------------------------------- article pages


@dataclass(frozen=True)
class ArticleRecipe:
    """Where a family's article fields are.

    ``info_selectors``: the visible line(s) with the publication date and source;
    ``source_patterns``: regexes over the raw HTML whose first group is the source (for
    sources written by JavaScript); ``info_table_selector``: a label/value table of
    信息公开 metadata, kept in ``Article.meta`` and out of the body.
    """

    family: str
    title_selectors: tuple[str, ...] = ()
    info_selectors: tuple[str, ...] = ()
    body_selectors: tuple[str, ...] = ()
    attachment_selectors: tuple[str, ...] = ()
    breadcrumb_selectors: tuple[str, ...] = ()
    source_patterns: tuple[re.Pattern[str], ...] = ()
    info_table_selector: str | None = None


def build_article(text: str, url: str, recipe: ArticleRecipe) -> Article:
    root = parse_html(text, url)
    govmeta = read_govmeta(root)
    info_table = _take_label_tables(root, recipe.info_table_selector)
    info_text = " ".join(_short_texts(root, recipe.info_selectors))
    page_text = functools.cache(lambda: text_of(root))  # rarely needed, so read only when asked for
    problems: list[str] = []

    title = _title(root, govmeta, recipe, problems)
    # Dates and source are read before cleaning the body changes the tree (and the page's text).
    published = _published_date(govmeta, info_text, page_text, url, problems)
    source = _content_source(govmeta, text, info_text, page_text, info_table, recipe)
    body = find_body(root, recipe.body_selectors)
    containers = list(select_all(root, (*recipe.attachment_selectors, *ATTACHMENT_BLOCKS)))
    attachments = find_attachments([*([body] if body is not None else []), *containers], url)
    body_text = "\n".join(_clean_body(body)) if body is not None else ""
    if not title and not body_text and not attachments:
        raise ParseError(f"{url}: no article title, body or attachment found (not a {recipe.family} article page?)")

    signed = _signed_date(info_table, body_text, problems)
    if not title:
        problems.append("title: missing")
    if not body_text and not attachments:
        problems.append("body_text: empty")
    if not source:
        problems.append("content_source: missing")
    column = govmeta.column_name or _breadcrumb_column(root, recipe, title, body)
    return Article(url=url, title=title or "", published_date=published, body_text=body_text,
                   content_source=source, column_name=column,
                   signed_date=signed, attachments=attachments, meta={**govmeta.as_dict(), **info_table},
                   problems=tuple(problems))


def _short_texts(root: Element, selectors: tuple[str, ...]) -> list[str]:
    """Texts of the elements matched, skipping any too long to be a date/source line."""
    texts = (text_of(element) for element in select_all(root, selectors))
    return [text for text in texts if text and len(text) <= INFO_LINE_MAX_CHARS]


def _clean_body(body: Element) -> list[str]:
    remove_noise(body)
    cut_trailing_furniture(body)
    return body_lines(body)


def _title(root: Element, govmeta: GovMeta, recipe: ArticleRecipe, problems: list[str]) -> str | None:
    head = head_title(root, govmeta.site_name)
    visible = visible_title(root, recipe.title_selectors, head)
    if govmeta.article_title:
        if visible and difflib.SequenceMatcher(None, govmeta.article_title, visible).ratio() < MIN_TITLE_SIMILARITY:
            problems.append(f"title: meta ArticleTitle {govmeta.article_title!r} differs from the page's "
                            f"{visible!r}; the page's is used")
            return visible
        return govmeta.article_title
    return visible or head


def visible_title(root: Element, selectors: tuple[str, ...], head: str | None) -> str | None:
    """The first heading matched by ``selectors`` that agrees with ``<title>``, else the first heading.

    Loose selectors (``h1``, ``h2``) also match sidebar headings; the one that ``<title>``
    repeats is the article's.
    """
    headings = [text for element in select_all(root, selectors)
                if (text := text_of(element)) and len(text) <= MAX_TITLE_CHARS]
    agreeing = [text for text in headings if head and (text in head or head in text)]
    return (agreeing or headings or [None])[0]


def head_title(root: Element, site_name: str | None) -> str | None:
    """``<title>`` without its site suffix ("标题_重庆市卫生健康委员会", "标题 - 某某网站")."""
    title = text_of(next(descendants(root, "title"), None))
    while True:
        separators = list(_TITLE_SUFFIX_SEPARATOR.finditer(title))
        if not separators:
            break
        last = separators[-1]
        suffix = title[last.end():].strip()
        if not suffix or suffix == site_name or suffix.endswith(_SITE_NAME_ENDINGS):
            title = title[:last.start()].strip()
        else:
            break
    return title or None


def _published_date(govmeta: GovMeta, info_text: str, page_text: Callable[[], str], url: str,
                    problems: list[str]) -> date | None:
    """Meta PubDate → visible date line → labelled date anywhere → URL date, each checked against the URL.

    A date line without its year (``发布时间：4月22日``) takes the year the URL shows."""
    from_url, year = date_from_url(url), year_from_url(url)
    from_meta = parse_date(govmeta.pub_date) if govmeta.pub_date else DateResult(None)
    if govmeta.pub_date and not from_meta.ok and not from_meta.invalid:
        problems.append(f"published_date: meta PubDate {govmeta.pub_date!r} is not a date")
    candidates = (("meta PubDate", lambda: from_meta),
                  ("date line", lambda: _labelled_or_plain(info_text, year)),
                  ("labelled date", lambda: parse_labelled_date(page_text(), year)),
                  ("URL", lambda: from_url))
    for label, read in candidates:  # read lazily: the whole page's text is rarely needed
        result = read()
        if result.invalid:
            problems.append(f"published_date: {label}: {result.problem}")
        elif result.ok:
            if from_url.ok and abs((result.value - from_url.value).days) > MAX_DAYS_FROM_URL_DATE:
                problems.append(f"published_date: {label} {result.value} is far from the URL date "
                                f"{from_url.value}; not used")
                continue
            return result.value
    problems.append("published_date: missing")
    return None


def _labelled_or_plain(text: str, year: int | None) -> DateResult:
    labelled = parse_labelled_date(text, year)
    return labelled if labelled.ok or labelled.invalid else parse_date(text, year)


def _signed_date(info_table: dict[str, str], body_text: str, problems: list[str]) -> date | None:
    """成文日期 from the metadata table, else the sign-off date at the foot of the body."""
    result = parse_date(info_table["成文日期"]) if "成文日期" in info_table else find_signoff_date(body_text)
    if result is None:
        return None
    if result.invalid:
        problems.append(f"signed_date: {result.problem}")
    return result.value


def _content_source(govmeta: GovMeta, html: str, info_text: str, page_text: Callable[[], str],
                    info_table: dict[str, str], recipe: ArticleRecipe) -> str | None:
    """Meta ContentSource → family regexes over the raw HTML → "来源：" on the info line, then anywhere on
    the page → 发布机构 of the metadata table."""
    if govmeta.content_source:
        return govmeta.content_source
    for pattern in recipe.source_patterns:
        for match in pattern.finditer(html):
            if source := usable(match.group(1)):
                return source
    return _labelled_source(info_text) or _labelled_source(page_text()) or info_table.get("发布机构")


def _labelled_source(text: str) -> str | None:
    match = _SOURCE_LABEL.search(text)
    return usable(match.group(1)) if match else None


def _take_label_tables(root: Element, selector: str | None) -> dict[str, str]:
    """Label/value pairs ("成文日期：" | "2024-04-20") of metadata tables, which are then removed from the page."""
    found: dict[str, str] = {}
    for table in select(root, selector) if selector else ():
        if not is_inside(table, root):  # inside a table already taken
            continue
        cells = list(descendants(table, "td", "th"))
        for label_cell, value_cell in zip(cells, cells[1:]):
            label = text_of(label_cell)
            value = text_of(value_cell)
            if label.endswith((":", "：")) and value and not value.endswith((":", "：")):
                found.setdefault(label.rstrip(":：").replace(" ", ""), value)
        remove(table)
    return found


def _breadcrumb_column(root: Element, recipe: ArticleRecipe, title: str | None, body: Element | None) -> str | None:
    """The last breadcrumb step that is neither the home page nor the article itself.

    Read after the body is cleaned: a breadcrumb inside or around the body sees its line breaks.
    """
    for crumb in select_all(root, (*recipe.breadcrumb_selectors, *BREADCRUMBS)):
        steps = [s.split("：")[-1].split(":")[-1].strip() for s in _BREADCRUMB_SPLIT.split(text_of(crumb, body))]
        steps = [s for s in steps if s and s not in _HOME_LINKS and s != title]
        if steps and len(steps[-1]) <= 20:
            return steps[-1]
    return None
