"""Render one source's replica site from corpus articles: a pure mapping path -> response.

The site follows the real platform's URL scheme and HTML skeleton (``shared/research/sites.md``
and ``scrapers/replica/families.py``), so the crawler and the parsers meet the same shapes as on
the live sites: relative or absolute links, page-count scripts, GBK bytes, missing meta tags.
Everything is a deterministic function of the corpus, so a page keeps its URL, body and
validators (ETag, Last-Modified) across runs; only :func:`carry_validators` looks at a clock.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

from scrapers.registry import Source
from scrapers.replica.corpus import CorpusArticle
from scrapers.replica.families import layout_for

BEIJING = timezone(timedelta(hours=8))
DEFAULT_PAGE_SIZE = 5
ROBOTS_TXT = "User-agent: *\nDisallow: /search/\n"


@dataclass(frozen=True)
class Response:
    """One resource of a replica site, with the validators a real web server would send.

    ``content_type`` carries no charset on purpose: the real sites omit it, and the crawler
    must find the encoding in the bytes.
    """

    status: int
    content_type: str
    body: bytes
    last_modified: datetime
    etag: str

    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "Last-Modified": http_date(self.last_modified),
                "ETag": self.etag}


@dataclass(frozen=True)
class RenderedSite:
    """A replica site: ``pages`` maps a path (or, for the JSON API, ``path?page=N``) to a response."""

    source: Source
    pages: Mapping[str, Response]
    api_paths: frozenset[str]
    errors: tuple[str, ...] = ()

    def resolve(self, target: str) -> Response | None:
        """The response for a request target, or None (404).

        Query strings are ignored like a static web server does, except on the JSON list API,
        where only ``page`` (1-based) selects the response.
        """
        parts = urlsplit(target)
        path = parts.path or "/"
        if path in self.api_paths:
            page = parse_qs(parts.query).get("page", ["1"])[-1]
            return self.pages.get(f"{path}?page={page}")
        return self.pages.get(path)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def make_response(body: bytes, content_type: str, last_modified: datetime) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Response(200, content_type, body, last_modified.astimezone(timezone.utc).replace(microsecond=0), etag)


def render_site(source: Source, articles: Iterable[CorpusArticle], page_size: int = DEFAULT_PAGE_SIZE) -> RenderedSite:
    """Render every page of ``source`` from the articles that belong to it.

    Articles of other sources are ignored; articles naming a column the source does not have
    are left out and named in ``errors`` (one line each).
    """
    if page_size < 1:
        raise ValueError(f"page_size must be >= 1 (got {page_size})")
    layout = layout_for(source, page_size)
    by_column: dict[str, list[CorpusArticle]] = {c.path: [] for c in source.columns}
    errors: list[str] = []
    for article in articles:
        if article.source != source.id:
            continue
        if article.column not in by_column:
            errors.append(f"article {article.id}: column {article.column!r} is not a column of source {source.id}")
            continue
        by_column[article.column].append(article)

    pages: dict[str, Response] = {}
    all_articles = [a for column_articles in by_column.values() for a in column_articles]
    site_time = _latest(all_articles)

    def put(path: str, response: Response, owner: str) -> None:
        if path in pages:
            errors.append(f"{owner}: path {path} is already taken; left out")
        else:
            pages[path] = response

    put("/robots.txt", make_response(ROBOTS_TXT.encode("ascii"), "text/plain", site_time), "robots.txt")
    put("/", make_response(layout.home_page(), "text/html", site_time), "home page")
    for column in source.columns:
        newest_first = sorted(by_column[column.path], key=lambda a: (a.published, a.id), reverse=True)
        column_time = _latest(newest_first)
        for path, body, content_type in layout.list_pages(column, newest_first):
            put(path, make_response(body, content_type, column_time), f"column {column.path}")
        for article in newest_first:
            published = article.published.replace(tzinfo=BEIJING)
            for path, body, content_type in layout.article_files(column, article):
                put(path, make_response(body, content_type, published), f"article {article.id}")
    return RenderedSite(source, pages, layout.api_paths(), tuple(errors))


def _latest(articles: list[CorpusArticle]) -> datetime:
    """The newest publication time: when a real CMS would last have regenerated the page."""
    newest = max((a.published for a in articles), default=datetime(2018, 1, 1))
    return newest.replace(tzinfo=BEIJING)


def carry_validators(old: RenderedSite, new: RenderedSite, now: datetime) -> RenderedSite:
    """Give ``new`` the validators a live server would have after re-rendering ``old``.

    Unchanged pages keep their ETag and Last-Modified (so conditional requests still get 304);
    changed pages get a Last-Modified strictly later than before, even within one second,
    so a client's If-Modified-Since never hides a change.
    """
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    pages: dict[str, Response] = {}
    for path, response in new.pages.items():
        previous = old.pages.get(path)
        if previous is None:
            pages[path] = response
        elif previous.body == response.body:
            pages[path] = previous
        else:
            pages[path] = replace(response, last_modified=max(now, previous.last_modified + timedelta(seconds=1)))
    return replace(new, pages=pages)
