"""robots.txt verdicts per origin, following RFC 9309, and a cache a caller can persist.

Why a verdict and not just a parser: what to do depends on *how* robots.txt was obtained.
4xx (or a redirect we may not follow) means "no rules": allow everything. 5xx or an
unreachable host means "disallow everything for now" — such a verdict is kept for the
current run only and never exported, so the next run asks again. A 200 that is really an
HTML page (a soft 404, or an anti-bot challenge served in its place) is not parsed as rules.

``RobotsCache`` lets the warehouse keep definitive verdicts for a day, so a no-change nightly
costs one request per column instead of one more per host.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from protego import Protego

from scrapers.records import FetchResult

ROBOTS_TOKEN = "healthcoop"  # the product token our User-Agent starts with
DEFAULT_MAX_AGE = timedelta(days=1)

Verdict = Literal["rules", "allow_all", "disallow_all"]


@dataclass(frozen=True)
class RobotsEntry:
    """What robots.txt says for one origin (``scheme://host[:port]``)."""

    origin: str
    verdict: Verdict
    reason: str
    fetched_at: datetime
    text: str = ""
    _parser: Protego | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.verdict == "rules":
            object.__setattr__(self, "_parser", Protego.parse(self.text))

    @property
    def definitive(self) -> bool:
        """False for "disallow for now" verdicts (5xx, unreachable), which must be re-asked."""
        return self.verdict != "disallow_all"

    def can_fetch(self, url: str) -> bool:
        if self.verdict == "rules":
            return self._parser.can_fetch(url, ROBOTS_TOKEN)
        return self.verdict == "allow_all"

    def min_interval(self) -> float:
        """Seconds between requests demanded by ``Crawl-delay`` or ``Request-rate`` (0 if none)."""
        if self._parser is None:
            return 0.0
        delay = self._parser.crawl_delay(ROBOTS_TOKEN) or 0.0
        rate = self._parser.request_rate(ROBOTS_TOKEN)
        if rate is not None and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        return float(delay)

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "verdict": self.verdict, "reason": self.reason,
                "fetched_at": self.fetched_at.isoformat(), "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RobotsEntry:
        fetched_at = datetime.fromisoformat(d["fetched_at"])
        if fetched_at.tzinfo is None:  # a store that dropped the zone kept UTC
            fetched_at = fetched_at.replace(tzinfo=timezone.utc)
        return cls(origin=d["origin"], verdict=d["verdict"], reason=d["reason"],
                   fetched_at=fetched_at, text=d.get("text", ""))


def verdict_from_fetch(origin: str, fetch: FetchResult) -> RobotsEntry:
    """Turn the fetch of ``/robots.txt`` into a verdict (RFC 9309 §2.3.1)."""
    now = fetch.fetched_at or datetime.now(timezone.utc)

    def entry(verdict: Verdict, reason: str, text: str = "") -> RobotsEntry:
        return RobotsEntry(origin=origin, verdict=verdict, reason=reason, fetched_at=now, text=text)

    if fetch.outcome == "ok":
        if _looks_like_html(fetch):
            return entry("allow_all", "robots.txt is an HTML page, not rules")
        return entry("rules", f"HTTP {fetch.status}", fetch.body.decode("utf-8", errors="replace"))
    if fetch.outcome == "challenged":
        return entry("allow_all", f"robots.txt answered with a challenge page (HTTP {fetch.status})")
    if fetch.outcome == "http_error" and fetch.status is not None and fetch.status >= 500:
        return entry("disallow_all", f"robots.txt unavailable (HTTP {fetch.status}); disallowed for now")
    if fetch.outcome == "network_error":
        return entry("disallow_all", f"robots.txt unreachable ({fetch.error}); disallowed for now")
    return entry("allow_all", f"no robots.txt ({fetch.outcome}{f', HTTP {fetch.status}' if fetch.status else ''})")


def _looks_like_html(fetch: FetchResult) -> bool:
    ctype = fetch.headers.get("content-type", "").lower()
    head = fetch.body[:512].lstrip().lower()
    return "html" in ctype or head.startswith((b"<!doctype", b"<html", b"<head", b"<script", b"<body"))


class RobotsCache:
    """Thread-safe verdicts by origin; ``export()``/``load()`` round-trip through JSON-able dicts.

    Only definitive verdicts are stored, and ``get`` ignores entries older than ``max_age``.
    """

    def __init__(self, max_age: timedelta = DEFAULT_MAX_AGE) -> None:
        self.max_age = max_age
        self._entries: dict[str, RobotsEntry] = {}
        self._lock = threading.Lock()

    def get(self, origin: str) -> RobotsEntry | None:
        with self._lock:
            entry = self._entries.get(origin)
        if entry is None or datetime.now(timezone.utc) - entry.fetched_at > self.max_age:
            return None
        return entry

    def put(self, entry: RobotsEntry) -> None:
        if entry.definitive:
            with self._lock:
                self._entries[entry.origin] = entry

    def export(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e.to_dict() for e in self._entries.values()]

    @classmethod
    def load(cls, rows: list[dict[str, Any]], max_age: timedelta = DEFAULT_MAX_AGE) -> RobotsCache:
        cache = cls(max_age)
        for row in rows:
            cache.put(RobotsEntry.from_dict(row))
        return cache
