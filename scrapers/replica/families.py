"""URL schemes and page skeletons of the four CMS families, as the replica sites publish them.

One layout class per family (``trs``, ``sichuan``, ``ucap``, ``generic``); the HTML lives in
``templates/`` and follows the skeletons of ``shared/research/sites.md`` (§1.6, §2.6, §3.5;
the generic family is an older GBK prefecture site). Ids in URLs are hashes of the corpus id,
so a page keeps its URL across runs and the warehouse's document identity stays stable.
"""
from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from scrapers.cms import ucap
from scrapers.registry import Column, Source
from scrapers.replica.corpus import CorpusArticle

ATTACHMENT_TYPES = {".pdf": "application/pdf", ".doc": "application/msword", ".wps": "application/vnd.ms-works",
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ".xls": "application/vnd.ms-excel", ".zip": "application/zip", ".rar": "application/x-rar-compressed",
                    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Which TRS list skin a source uses (sites.md §1.3); the municipal skin is the default.
TRS_LIST_SKINS = {"yc_wsjkw": "gl-list"}
LIST_TEXT_LIMIT = 30  # real list pages cut long anchor texts; the title attribute keeps the full title
PageFile = tuple[str, bytes, str]  # (path, body, content type)


def _js_string(value: str) -> str:
    """Escape text for a single-quoted JS literal inside an HTML attribute (autoescape then applies)."""
    return value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ")


def _js_html_string(value: str) -> Markup:
    """Escape text for a JS string literal that ``document.write`` turns into HTML (TRS source line)."""
    return Markup(str(escape(value)).replace("\\", "\\\\").replace("\n", " "))


_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_ENV.filters["js_html_string"] = _js_html_string
_ENV.filters["js_string"] = _js_string


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def hex_id(*parts: str) -> str:
    """32 lowercase hex digits, the id shape of the Sichuan and UCAP platforms."""
    return _digest(*parts)[:32]


def numeric_id(*parts: str) -> int:
    """An 8-digit number, the id shape of TRS ``tYYYYMMDD_<id>.html`` pages."""
    return 10_000_000 + int(_digest(*parts)[:15], 16) % 90_000_000


def file_digits(*parts: str) -> str:
    """12 digits for TRS file names (``P0`` + ``YYYYMMDD`` + digits)."""
    return f"{int(_digest(*parts)[:15], 16) % 10**12:012d}"


def attachment_suffix(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if suffix in ATTACHMENT_TYPES else ".pdf"


@dataclass(frozen=True)
class Row:
    href: str
    title: str
    date: str

    @property
    def text(self) -> str:
        return self.title if len(self.title) <= LIST_TEXT_LIMIT else self.title[:LIST_TEXT_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Link:
    name: str
    href: str


@dataclass(frozen=True)
class Pager:
    """Position of one list page; ``hrefs[i]`` is the link to page i (0-based)."""

    index: int
    hrefs: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.hrefs)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def prev_href(self) -> str | None:
        return self.hrefs[self.index - 1] if self.index > 0 else None

    @property
    def next_href(self) -> str | None:
        return self.hrefs[self.index + 1] if self.index + 1 < self.total else None


def chunk(items: list, size: int) -> list[list]:
    """Split newest-first items into list pages; an empty column still has one (empty) page."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


class Layout:
    """What every family shares: site metadata, attachments, article context, encoding."""

    family = ""
    encoding = "utf-8"

    def __init__(self, source: Source, page_size: int):
        self.source = source
        self.page_size = page_size
        self.site = {"name": source.name, "domain": urlsplit(source.base_url).hostname or "",
                     "columns": [{"name": c.name, "href": self.list_href(c)} for c in source.columns]}

    # --- URL scheme (per family) ---
    def column_dir(self, column: Column) -> str:
        """The folder of the column's list page (a directory path is its own folder)."""
        return column.path.rsplit("/", 1)[0] + "/"

    def list_href(self, column: Column) -> str:
        return column.path

    def article_path(self, column: Column, article: CorpusArticle) -> str:
        raise NotImplementedError

    def row_href(self, column: Column, article_path: str) -> str:
        return article_path

    def attachment_path(self, article: CorpusArticle, article_path: str, index: int, name: str) -> str:
        raise NotImplementedError

    def attachment_href(self, article_path: str, attachment_path: str) -> str:
        return attachment_path

    # --- pages ---
    def api_paths(self) -> frozenset[str]:
        return frozenset()

    def list_pages(self, column: Column, articles: list[CorpusArticle]) -> Iterator[PageFile]:
        raise NotImplementedError

    def home_page(self) -> bytes:
        return self.render("home.html", charset_meta=self.encoding == "gbk")

    def rows(self, column: Column, articles: list[CorpusArticle]) -> list[Row]:
        return [Row(self.row_href(column, self.article_path(column, a)), a.title, a.published.strftime("%Y-%m-%d"))
                for a in articles]

    def article_files(self, column: Column, article: CorpusArticle) -> Iterator[PageFile]:
        """The article page, then one small file per attachment (so attachment links resolve)."""
        path = self.article_path(column, article)
        links = []
        for index, name in enumerate(article.attachments):
            file_path = self.attachment_path(article, path, index, name)
            links.append(Link(name, self.attachment_href(path, file_path)))
            note = f"Replica attachment '{name}' of article {article.id} ({self.source.id}).\n"
            yield file_path, note.encode("utf-8"), ATTACHMENT_TYPES[attachment_suffix(name)]
        yield path, self.render(f"{self.family}_article.html", **self.article_context(column, article, links)), "text/html"

    def article_context(self, column: Column, article: CorpusArticle, links: list[Link]) -> dict:
        published = article.published
        if article.date_style == "cn":
            visible_date = f"{published.year}年{published.month}月{published.day}日"
        else:
            visible_date = published.strftime("%Y-%m-%d")
        return {"column": column, "article": article, "attachments": links, "visible_date": visible_date,
                "visible_time": published.strftime("%H:%M"), "pub_minutes": published.strftime("%Y-%m-%d %H:%M"),
                "pub_seconds": published.strftime("%Y-%m-%d %H:%M:%S"), "pub_day": published.strftime("%Y-%m-%d"),
                "column_href": self.list_href(column)}

    def render(self, template: str, **context) -> bytes:
        page = _ENV.get_template(template).render(site=self.site, **context)
        return page.encode(self.encoding, errors="xmlcharrefreplace")


class DirectoryPagedLayout(Layout):
    """Columns are directories: ``/<col>/`` = ``index.html``, then ``index_1.html``, ``index_2.html`` …"""

    def list_href(self, column: Column) -> str:
        return self.column_dir(column)

    def article_path(self, column: Column, article: CorpusArticle) -> str:
        day = article.published.strftime("%Y%m%d")
        return f"{self.column_dir(column)}{day[:6]}/t{day}_{numeric_id(self.source.id, article.id)}.html"

    def attachment_path(self, article: CorpusArticle, article_path: str, index: int, name: str) -> str:
        day = article.published.strftime("%Y%m%d")
        folder = article_path.rsplit("/", 1)[0]
        return f"{folder}/P0{day}{file_digits(article.id, str(index))}{attachment_suffix(name)}"

    def page_names(self, count: int) -> list[str]:
        return ["index.html"] + [f"index_{i}.html" for i in range(1, count)]

    def list_pages(self, column: Column, articles: list[CorpusArticle]) -> Iterator[PageFile]:
        pages = chunk(self.rows(column, articles), self.page_size)
        names = self.page_names(len(pages))
        directory = self.column_dir(column)
        for index, rows in enumerate(pages):
            body = self.render(f"{self.family}_list.html", column=column, pager=Pager(index, tuple(names)),
                               rows=self.decorate_rows(column, index, rows))
            if index == 0:
                yield directory, body, "text/html"
            yield directory + names[index], body, "text/html"

    def decorate_rows(self, column: Column, page_index: int, rows: list[Row]) -> list[Row]:
        return rows


class TrsLayout(DirectoryPagedLayout):
    """Chongqing's TRS WCM platform (sites.md §1): relative links, ``createPage(N, i, …)``."""

    family = "trs"

    def __init__(self, source: Source, page_size: int):
        super().__init__(source, page_size)
        self.site["list_skin"] = TRS_LIST_SKINS.get(source.id, "tab-item")

    def row_href(self, column: Column, article_path: str) -> str:
        return "./" + article_path[len(self.column_dir(column)):]

    def attachment_href(self, article_path: str, attachment_path: str) -> str:
        return "./" + attachment_path.rsplit("/", 1)[1]

    def decorate_rows(self, column: Column, page_index: int, rows: list[Row]) -> list[Row]:
        """Add one row pointing off-site (cq portals list other sites' news) to the first page."""
        if column != self.source.columns[0] or page_index != 0 or not rows:
            return rows
        position = min(2, len(rows))
        day = rows[position - 1].date.replace("-", "")
        off_site = Row(f"https://www.cq.gov.cn/ywdt/jrcq/{day[:6]}/t{day}_{numeric_id('offsite', self.source.id)}.html",
                       "市政府召开常务会议研究部署卫生健康重点工作（转载自重庆市人民政府网）", rows[position - 1].date)
        return rows[:position] + [off_site] + rows[position:]

    def article_context(self, column: Column, article: CorpusArticle, links: list[Link]) -> dict:
        """TRS puts in-body links for all attachments but the last, which gets a ``downloadFj`` button."""
        context = super().article_context(column, article, links)
        button = links[-1] if len(links) >= 2 else None
        context.update(body_links=links[:-1] if button else links, download_button=button)
        return context


class GenericLayout(DirectoryPagedLayout):
    """An older prefecture site: GBK bytes declared gb2312 in a meta tag, ``div#zoom`` body."""

    family = "generic"
    encoding = "gbk"


class SichuanLayout(Layout):
    """Sichuan's provincial platform (sites.md §2): ``tygl.shtml``, ``tygl_2.shtml`` …; unpadded dates."""

    family = "sichuan"

    def article_path(self, column: Column, article: CorpusArticle) -> str:
        p = article.published
        return f"{self.column_dir(column)}{p.year}/{p.month}/{p.day}/{hex_id(self.source.id, article.id)}.shtml"

    def attachment_path(self, article: CorpusArticle, article_path: str, index: int, name: str) -> str:
        return f"{article_path.removesuffix('.shtml')}/files/{hex_id(article.id, str(index))}{attachment_suffix(name)}"

    def list_pages(self, column: Column, articles: list[CorpusArticle]) -> Iterator[PageFile]:
        pages = chunk(self.rows(column, articles), self.page_size)
        stem, suffix = PurePosixPath(column.path).stem, PurePosixPath(column.path).suffix
        names = [column.path.rsplit("/", 1)[1]] + [f"{stem}_{n}{suffix}" for n in range(2, len(pages) + 1)]
        for index, rows in enumerate(pages):
            body = self.render("sichuan_list.html", column=column, rows=rows, pager=Pager(index, tuple(names)))
            yield self.column_dir(column) + names[index], body, "text/html"


class UcapLayout(Layout):
    """Chengdu's UCAP platform (sites.md §3): an empty JS-filled list page plus a JSON search API.

    The API's titles are HTML fragments (the search template may wrap hits in ``<em>``), so
    they are escaped like the titles of the HTML pages.
    """

    family = "ucap"

    def channel_id(self, column: Column) -> str:
        """The parser's own rule, so the replica answers where the crawler asks."""
        return ucap.channel_id(self.source, column)

    def api_path(self, column: Column) -> str:
        return f"/es-search/search/{self.channel_id(column)}"

    def api_paths(self) -> frozenset[str]:
        return frozenset(self.api_path(c) for c in self.source.columns)

    def article_path(self, column: Column, article: CorpusArticle) -> str:
        p = article.published
        return f"{self.column_dir(column)}{p:%Y-%m}/{p:%d}/content_{hex_id(self.source.id, article.id)}.shtml"

    def attachment_path(self, article: CorpusArticle, article_path: str, index: int, name: str) -> str:
        folder, page = article_path.rsplit("/", 1)
        article_hex = page.removeprefix("content_").removesuffix(".shtml")
        return f"{folder}/{article_hex}/files/{hex_id(article.id, str(index))}{attachment_suffix(name)}"

    def list_pages(self, column: Column, articles: list[CorpusArticle]) -> Iterator[PageFile]:
        channel = self.channel_id(column)
        yield column.path, self.render("ucap_list.html", column=column, channel_id=channel,
                                       page_size=self.page_size), "text/html"
        pages = chunk(articles, self.page_size)
        for number, page in enumerate(pages, start=1):
            results = [{"title": html.escape(a.title, quote=False), "url": self.article_path(column, a),
                        "publishedTimeStr": a.published.strftime("%Y-%m-%d %H:%M:%S")} for a in page]
            doc = {"results": results, "total": len(articles), "page": number, "pageSize": self.page_size}
            body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
            yield f"{self.api_path(column)}?page={number}", body, "application/json"


_LAYOUTS = {layout.family: layout for layout in (TrsLayout, SichuanLayout, UcapLayout, GenericLayout)}


def layout_for(source: Source, page_size: int) -> Layout:
    return _LAYOUTS[source.cms](source, page_size)
