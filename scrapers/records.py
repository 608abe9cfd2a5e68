"""Plain records passed between the fetch layer, the parsers and the rest of healthcoop.

They are frozen dataclasses of built-in types so that flows can hand them to any worker
(threads, Dask) and the warehouse can store them without knowing about HTML.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class ListItem:
    """One row of a column's list page: an article link with the date shown beside it."""

    url: str
    title: str
    published_date: date | None = None


@dataclass(frozen=True)
class ListPage:
    """A parsed list page. ``total_pages`` comes from the page itself when it says so."""

    url: str
    items: tuple[ListItem, ...]
    total_pages: int | None = None
    next_url: str | None = None


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str


@dataclass(frozen=True)
class Article:
    """A parsed article page.

    ``published_date`` is the date the site published it; ``signed_date`` the 成文日期 /
    落款 date at the foot of the text when there is one. ``problems`` names every field that
    was missing or implausible (e.g. ``"published_date: impossible date 2020-02-30"``), so a
    bad page is recorded, never silently guessed.
    """

    url: str
    title: str
    published_date: date | None
    body_text: str
    content_source: str | None = None
    column_name: str | None = None
    signed_date: date | None = None
    attachments: tuple[Attachment, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("published_date", "signed_date"):
            if d[key] is not None:
                d[key] = d[key].isoformat()
        d["attachments"] = [dict(a) for a in d["attachments"]]
        d["problems"] = list(d["problems"])
        return d


@dataclass(frozen=True)
class FetchResult:
    """What the polite client got for one URL, before any parsing.

    ``outcome`` is one of ``ok``, ``not_modified`` (304), ``challenged`` (anti-bot page),
    ``http_error`` (4xx/5xx after retries), ``network_error``, ``too_large``,
    ``off_origin`` (a redirect left the source's origin), ``robots_disallowed``.
    """

    url: str
    outcome: str
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    encoding: str | None = None
    fetched_at: datetime | None = None
    error: str | None = None
    attempts: int = 1  # requests made for it; 0 when a walk reuses a page fetched earlier in its run

    @property
    def reused(self) -> bool:
        return self.attempts == 0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()
