"""The polite HTTP client every source of a run shares.

Government sites block crawlers that look like scripts and throttle ones that hurry, so all
politeness lives here, in one place: an identifying User-Agent, one request at a time per
origin paced from the registry's ``rate_per_s`` (raised by robots.txt ``Crawl-delay``),
robots.txt obeyed, timeouts, a streamed size cap, retries with backoff that honour
``Retry-After``, conditional GET, redirects followed by hand and only within the source's
origin (so no request ever reaches another host), and anti-bot challenges reported as such
instead of being parsed as content.

``PoliteClient.fetch`` never raises for HTTP or network trouble: it returns a
``FetchResult`` whose ``outcome`` says what happened (see ``scrapers.records``).
"""
from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin

import httpx

from scrapers.challenge import looks_like_challenge
from scrapers.encoding import decode_html, header_charset
from scrapers.records import FetchResult
from scrapers.robots import RobotsCache, RobotsEntry, verdict_from_fetch

DEFAULT_USER_AGENT = "healthcoop/0.1 (+https://github.com/healthcoop/healthcoop; research crawler)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
PEEK_BYTES = 256 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TEXT_TYPES = ("html", "text", "json", "javascript", "xml")
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_REFRESH = re.compile(rb"""http-equiv\s*=\s*["']?refresh""", re.IGNORECASE)
_REFRESH_URL = re.compile(rb"""content\s*=\s*["']?\s*\d*(?:\.\d+)?\s*[;,]\s*url\s*=\s*['"]?([^"'>\s]+)""",
                          re.IGNORECASE)


class Site(Protocol):
    """What the client needs to know about a source: its origin and its politeness."""

    @property
    def base_url(self) -> str: ...

    @property
    def rate_per_s(self) -> float: ...


@dataclass(frozen=True)
class ClientSettings:
    """Knobs of the polite client; the defaults suit the target sites (see research notes §9)."""

    #: Operators put their own contact in ``HEALTHCOOP_USER_AGENT`` (a URL or an e-mail address).
    user_agent: str = field(default_factory=lambda: os.environ.get("HEALTHCOOP_USER_AGENT") or DEFAULT_USER_AGENT)
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_duration: float = 60.0  # a whole response, so a server dripping bytes cannot hold us
    max_bytes: int = 5 * 1024 * 1024
    max_attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    max_retry_wait: float = 120.0  # a longer Retry-After is a refusal: give up, don't hammer
    max_redirects: int = 5
    meta_refresh_max_bytes: int = 8192
    obey_robots: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_bytes < 1 or self.max_redirects < 0:
            raise ValueError("ClientSettings: max_attempts and max_bytes must be >= 1, max_redirects >= 0")


@dataclass
class HostStats:
    """Requests actually sent to one origin, for health reports and the crawl benchmark."""

    requests: int = 0
    first_at: float | None = None
    last_at: float | None = None


@dataclass
class _HostSlot:
    """Per-origin state. ``lock`` is held for a whole fetch: one request at a time per host."""

    interval: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    robots: RobotsEntry | None = None
    stats: HostStats = field(default_factory=HostStats)


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` with default ports dropped, or None for a non-http(s) URL."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    port = f":{parsed.port}" if parsed.port not in (None, _DEFAULT_PORTS[parsed.scheme]) else ""
    return f"{parsed.scheme}://{parsed.host.lower()}{port}"


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110 §5.6.7) as an aware datetime, else None; a date without zone is GMT."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def meta_refresh_target(body: bytes) -> str | None:
    """The URL of a ``<meta http-equiv="Refresh" content="0;URL=…">`` tag, if any."""
    for tag in _META_TAG.finditer(body):
        if _REFRESH.search(tag.group(0)):
            found = _REFRESH_URL.search(tag.group(0))
            if found:
                return found.group(1).decode("ascii", errors="ignore") or None
    return None


class PoliteClient:
    """A thread-safe, polite fetcher; share one instance between all sources of a run.

    ``backoff_sleep`` is the only sleep a test needs to replace (retry waits); pacing between
    requests always uses the real monotonic clock. ``robots_cache`` may be loaded from and
    exported to the warehouse so robots.txt is asked for at most once a day per origin.
    """

    def __init__(self, settings: ClientSettings | None = None, *, robots_cache: RobotsCache | None = None,
                 backoff_sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.settings = settings or ClientSettings()
        self.robots_cache = robots_cache if robots_cache is not None else RobotsCache()
        self._backoff_sleep = backoff_sleep
        self._rng = rng or random.Random()
        self._slots: dict[str, _HostSlot] = {}
        self._slots_lock = threading.Lock()
        s = self.settings
        self._http = httpx.Client(
            headers={"User-Agent": s.user_agent, "Accept": "text/html,application/json;q=0.9,*/*;q=0.5"},
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def host_stats(self) -> dict[str, HostStats]:
        with self._slots_lock:
            return {origin: slot.stats for origin, slot in self._slots.items()}

    # -- the one public verb ---------------------------------------------------------------
    def fetch(self, site: Site, url: str, *, etag: str | None = None,
              last_modified: str | None = None) -> FetchResult:
        """GET ``url`` for ``site`` politely; pass stored validators to get ``not_modified``."""
        origin = origin_of(site.base_url)
        if origin is None or origin_of(url) != origin:
            return _result(url, "off_origin", error=f"{url} is not on the source's origin {site.base_url}")
        slot = self._slot(origin, site.rate_per_s)
        conditional = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
        with slot.lock:
            if self.settings.obey_robots:
                self._ensure_robots(slot, origin)
            return self._follow(slot, origin, url, conditional, check_robots=self.settings.obey_robots)

    # -- internals -------------------------------------------------------------------------
    def _slot(self, origin: str, rate_per_s: float) -> _HostSlot:
        interval = 1.0 / rate_per_s
        with self._slots_lock:
            slot = self._slots.get(origin)
            if slot is None:
                slot = self._slots[origin] = _HostSlot(interval=interval)
            else:  # two sources on one host: the stricter rate wins
                slot.interval = max(slot.interval, interval)
            return slot

    def _ensure_robots(self, slot: _HostSlot, origin: str) -> None:
        if slot.robots is None:
            entry = self.robots_cache.get(origin)
            if entry is None:
                fetched = self._follow(slot, origin, origin + "/robots.txt", {}, check_robots=False)
                entry = verdict_from_fetch(origin, fetched)
                self.robots_cache.put(entry)
            slot.robots = entry
            slot.interval = max(slot.interval, entry.min_interval())
            if slot.stats.last_at is not None:  # a Crawl-delay applies from the robots request on
                slot.next_at = max(slot.next_at, slot.stats.last_at + slot.interval)

    def _follow(self, slot: _HostSlot, origin: str, url: str, conditional: dict[str, str], *,
                check_robots: bool) -> FetchResult:
        """Fetch with retries, following same-origin redirects (HTTP and meta refresh) by hand."""
        current, attempts, visited = url, 0, {url}
        for hop in range(self.settings.max_redirects + 1):
            if check_robots and not slot.robots.can_fetch(current):
                return _result(url, "robots_disallowed", final_url=current, attempts=attempts,
                               error=f"robots.txt of {origin} disallows {current} ({slot.robots.reason})")
            outcome = self._get_with_retries(slot, url, current, conditional if hop == 0 else {}, attempts)
            if isinstance(outcome, FetchResult):
                return outcome
            response, attempts = outcome
            target = self._redirect_target(current, response)
            if target is None:
                return _final(url, current, response, attempts)
            if origin_of(target) != origin:
                return _result(url, "off_origin", status=response.status, final_url=current, attempts=attempts,
                               error=f"redirect from {current} to {target} leaves {origin}; not followed")
            if target in visited:
                return _result(url, "http_error", status=response.status, final_url=current, attempts=attempts,
                               error=f"redirect loop at {current} -> {target}")
            visited.add(target)
            current = target
        return _result(url, "http_error", final_url=current, attempts=attempts,
                       error=f"more than {self.settings.max_redirects} redirects from {url}")

    def _redirect_target(self, current: str, response: _Response) -> str | None:
        if response.status in REDIRECT_STATUSES:
            location = response.headers.get("location")
            return urljoin(current, location.strip()) if location else None
        small_html = (response.status == 200 and len(response.body) <= self.settings.meta_refresh_max_bytes
                      and "html" in response.headers.get("content-type", "text/html").lower())
        if small_html:
            target = meta_refresh_target(response.body)
            return urljoin(current, target) if target else None
        return None

    def _get_with_retries(self, slot: _HostSlot, url: str, current: str, headers: dict[str, str],
                          attempts: int) -> FetchResult | tuple[_Response, int]:
        """One URL, retried on timeouts, connection errors, 5xx and 429; final failures as results."""
        s = self.settings
        for attempt in range(1, s.max_attempts + 1):
            attempts += 1
            self._wait_turn(slot)
            try:
                response = self._get_once(current, headers)
            except _TooLarge as exc:
                return _result(url, "too_large", final_url=current, attempts=attempts, error=str(exc))
            except (httpx.TransportError, _TooSlow) as exc:
                failure = _result(url, "network_error", final_url=current, attempts=attempts,
                                  error=f"{type(exc).__name__} at {current}" + (f": {exc}" if str(exc) else ""))
                wait = self._backoff(attempt)
            else:
                challenge = looks_like_challenge(response.status, _peek(response))
                if challenge:
                    return _final(url, current, response, attempts, outcome="challenged",
                                  error=f"blocked by site protection ({challenge}) at {current}")
                if response.status not in RETRY_STATUSES:
                    return response, attempts
                failure = _final(url, current, response, attempts, outcome="http_error",
                                 error=f"HTTP {response.status} from {current}")
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if retry_after is not None and retry_after > s.max_retry_wait:
                    return _final(url, current, response, attempts, outcome="http_error",
                                  error=f"HTTP {response.status} from {current} asks to wait {retry_after:.0f} s "
                                        f"(more than {s.max_retry_wait:.0f} s); gave up")
                wait = retry_after if retry_after is not None else self._backoff(attempt)
            if attempt < s.max_attempts:
                self._backoff_sleep(wait)
        return failure

    def _get_once(self, url: str, headers: dict[str, str]) -> _Response:
        """One GET, reading at most ``max_bytes`` of body within ``max_duration`` seconds."""
        s = self.settings
        deadline = time.monotonic() + s.max_duration
        with self._http.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > s.max_bytes:
                raise _TooLarge(f"{url}: Content-Length {declared} exceeds the {s.max_bytes}-byte cap")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > s.max_bytes:
                    raise _TooLarge(f"{url}: body exceeds the {s.max_bytes}-byte cap; stopped reading")
                if time.monotonic() > deadline:
                    raise _TooSlow(f"body not complete within {s.max_duration:g} s")
            return _Response(response.status_code, dict(response.headers.items()), bytes(body))

    def _wait_turn(self, slot: _HostSlot) -> None:
        """Sleep until this origin's next slot, then book the one after (caller holds slot.lock)."""
        while (delay := slot.next_at - time.monotonic()) > 0:
            time.sleep(delay)
        now = time.monotonic()
        slot.next_at = now + slot.interval
        stats = slot.stats
        stats.requests += 1
        stats.first_at = now if stats.first_at is None else stats.first_at
        stats.last_at = now

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half the step fixed, half random."""
        step = min(self.settings.backoff_max, self.settings.backoff_initial * 2 ** (attempt - 1))
        return step / 2 + self._rng.uniform(0, step / 2)


def _peek(response: _Response) -> str:
    """The decoded head of a text body, enough to recognise a challenge page (markers come first).

    Binary bodies (a PDF, an image) are not decoded: a challenge is always a page of text.
    """
    ctype = response.headers.get("content-type")
    if ctype and not any(kind in ctype.lower() for kind in _TEXT_TYPES):
        return ""
    return decode_html(response.body[:PEEK_BYTES], ctype).text


def _result(url: str, outcome: str, **fields: object) -> FetchResult:
    return FetchResult(url=url, outcome=outcome, fetched_at=datetime.now(timezone.utc), **fields)


def _final(url: str, current: str, response: _Response, attempts: int, outcome: str | None = None,
           error: str | None = None) -> FetchResult:
    if outcome is None:
        if response.status == 304:
            outcome = "not_modified"
        elif 200 <= response.status < 300:
            outcome = "ok"
        else:
            outcome, error = "http_error", f"HTTP {response.status} from {current}"
    return _result(url, outcome, status=response.status, final_url=current, headers=response.headers,
                   body=response.body, encoding=header_charset(response.headers.get("content-type")),
                   attempts=attempts, error=error)
