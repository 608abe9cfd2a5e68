"""The crawl walk: list pages newest first, then the articles worth fetching, into a sink.

Plain functions over a ``Source``, a shared ``PoliteClient``, a ``CrawlPolicy`` and a
``CrawlSink`` (the warehouse implements it on DuckDB; ``MemorySink`` here is the reference
implementation used by tests and benchmarks). No database and no Prefect in this module.

Modes:

- ``incremental`` (nightly): list page 1 is asked for with the validators stored after the
  last complete walk, so an unchanged column costs one request that answers 304. Lists are
  newest first, so pagination stops at the first page whose oldest row is already stored
  (a known article pinned above new ones does not stop it); only unknown articles are
  fetched.
- ``backfill(start, end)``: walks until a page whose dated items are all older than
  ``start`` (pages past the page count are never asked for), keeps items dated within
  ``[start, end]`` (an undated item is fetched and judged by its article date), and skips
  stored articles unless ``refetch``. Stored articles are skipped, so a rerun after an
  interruption carries on where it stopped and never fetches an article twice.
- ``check`` (``healthcoop sources check``): list page 1 of each column and its newest
  article, enough to tell whether the parsers still fit the site.

Every fetched page goes to ``sink.store_raw`` before it is parsed, so a parse failure keeps
the bytes. Articles are parsed on a second thread per source while the next ones are
fetched, so a slow parser never wastes the host's request slots; their results are stored
in fetch order by the walking thread, which alone talks to the sink and the health record.
A source is stopped after ``max_consecutive_errors`` failed fetches in a row, and at once
when the site answers with an anti-bot challenge, instead of hammering it.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any, Literal, Protocol

from scrapers.cms import family
from scrapers.encoding import decode_html
from scrapers.health import RunReport, SourceHealth
from scrapers.http import PoliteClient, origin_of
from scrapers.records import Article, FetchResult, ListItem, ListPage
from scrapers.registry import Column, Source

Mode = Literal["incremental", "backfill", "check"]
END_OF_LIST_STATUSES = frozenset({404, 410})  # a probed page past the end of an unnumbered list
NOT_FOR_US = frozenset({"robots_disallowed", "off_origin"})  # skipped, not the site's fault
MAX_PENDING_PARSES = 32  # fetched articles waiting for the parser thread before fetching waits too


class ParserFamily(Protocol):
    """The three pure functions of a ``scrapers.cms`` family module (see its docstring)."""

    def list_page_url(self, source: Source, column: Column, page_index: int) -> str: ...

    def parse_list(self, text: str, url: str) -> ListPage: ...

    def parse_article(self, text: str, url: str) -> Article: ...


class CrawlSink(Protocol):
    """Where the crawl puts what it finds. ``column`` is always the registry's column path.

    ``crawl_sources`` calls the sink from one thread per source but serialises the calls
    with a lock, so an implementation need not be thread-safe itself.
    """

    def known_articles(self, source_id: str, urls: Sequence[str]) -> set[str]:
        """The subset of ``urls`` whose article is already stored for this source."""

    def list_validators(self, url: str) -> tuple[str | None, str | None] | None:
        """``(etag, last_modified)`` saved by ``save_validators`` for this list page, if any."""

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Called only after a complete, error-free incremental walk of the column whose first
        list page is ``url``, so a later 304 really means nothing new is left to fetch."""

    def store_raw(self, source_id: str, page_kind: str, column: str, fetch: FetchResult) -> Any:
        """Every fetch (``page_kind`` ``list`` or ``article``), failures and 304s included, before
        any parsing; returns an id passed back to ``store_article``."""

    def store_article(self, source_id: str, column: str, article: Article, raw_page_id: Any) -> str:
        """Upsert a parsed article; return ``new``, ``changed`` or ``unchanged``."""

    def record_problem(self, source_id: str, url: str, kind: str, message: str) -> None:
        """A one-line problem: ``kind`` is a fetch outcome, ``parse_error`` or ``stopped``."""

    def record_unfetched(self, source_id: str, column: str, item: ListItem, message: str) -> None:
        """An article listed but not fetched after every retry: keep it to ask for again."""

    def unfetched_articles(self, source_id: str) -> list[tuple[str, ListItem]]:
        """``(column, item)`` of every article still owed (stored ones drop out by themselves)."""


@dataclass(frozen=True)
class CrawlPolicy:
    mode: Mode = "incremental"
    start: date | None = None
    end: date | None = None
    refetch: bool = False
    max_consecutive_errors: int = 5

    def __post_init__(self) -> None:
        if self.mode not in ("incremental", "backfill", "check"):
            raise ValueError(f"crawl mode {self.mode!r}: expected incremental, backfill or check")
        if self.mode == "backfill" and (self.start is None or self.end is None):
            raise ValueError("backfill needs both a start and an end date")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"backfill start {self.start} is after end {self.end}")
        if self.max_consecutive_errors < 1:
            raise ValueError("max_consecutive_errors must be at least 1")

    @classmethod
    def backfill(cls, start: date, end: date, refetch: bool = False) -> CrawlPolicy:
        return cls(mode="backfill", start=start, end=end, refetch=refetch)

    def in_window(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ProgressEvent:
    """Sent after every page of a source, and once more with ``done=True`` and its status."""

    source_id: str
    list_pages: int
    articles: int
    stored: int
    done: bool = False
    status: str | None = None


Progress = Callable[[ProgressEvent], None]


class RunPageCache:
    """Pages fetched in this run that a later walk of the same run needs again (thread-safe).

    A backfill walks each month of its window as a separate, resumable chunk, and every
    chunk starts from list page 1; with the cache the site sees each list page once per run
    instead of once per month. An undated list item must be fetched to learn its month; when
    the article belongs to another chunk, its page is kept here with the id of its stored raw
    copy, and that chunk stores it without asking the site again.
    """

    def __init__(self) -> None:
        self._lists: dict[str, FetchResult] = {}
        self._articles: dict[str, tuple[FetchResult, Any]] = {}
        self._lock = threading.Lock()

    def list_page(self, url: str) -> FetchResult | None:
        with self._lock:
            fetch = self._lists.get(url)
        return replace(fetch, attempts=0) if fetch is not None else None

    def put_list_page(self, fetch: FetchResult) -> None:
        if fetch.ok:
            with self._lock:
                self._lists[fetch.url] = fetch

    def kept_article(self, item_url: str) -> tuple[FetchResult, Any] | None:
        """The fetch and raw-page id of an article another chunk fetched and left for its own chunk."""
        with self._lock:
            kept = self._articles.get(item_url)
        return (replace(kept[0], attempts=0), kept[1]) if kept is not None else None

    def keep_article(self, item_url: str, fetch: FetchResult, raw_id: Any) -> None:
        with self._lock:
            self._articles[item_url] = (fetch, raw_id)


def crawl_sources(sources: Sequence[Source], client: PoliteClient, sink: CrawlSink, policy: CrawlPolicy,
                  progress: Progress | None = None,
                  parsers: Callable[[str], ParserFamily] = family,
                  page_cache: RunPageCache | None = None) -> RunReport:
    """Crawl every source at once, one thread each; the client's per-host pacing keeps it polite.

    ``parsers`` maps a source's ``cms`` to its parser family (tests swap in a toy family);
    ``page_cache`` lets the walks of one run (backfill chunks) share the pages they fetched.
    """
    report = RunReport(mode=policy.mode, started_at=datetime.now(timezone.utc))
    serialized = _SerializedSink(sink)
    with ThreadPoolExecutor(max_workers=max(1, len(sources)), thread_name_prefix="crawl") as pool:
        report.sources = list(pool.map(
            lambda s: crawl_source(s, client, serialized, policy, progress, parsers, page_cache), sources))
    report.finished_at = datetime.now(timezone.utc)
    return report


def crawl_source(source: Source, client: PoliteClient, sink: CrawlSink, policy: CrawlPolicy,
                 progress: Progress | None = None,
                 parsers: Callable[[str], ParserFamily] = family,
                 page_cache: RunPageCache | None = None) -> SourceHealth:
    """Crawl one source; never raises for site trouble, and a bug ends only this source."""
    walk = _SourceWalk(source, client, sink, policy, progress, parsers(source.cms), page_cache)
    try:
        walk.run()
    except Exception as exc:  # keep the other sources of the run going
        walk.health.record_crash(exc)
    walk.emit(done=True)
    return walk.health


class _SourceWalk:
    def __init__(self, source: Source, client: PoliteClient, sink: CrawlSink, policy: CrawlPolicy,
                 progress: Progress | None, parsers: ParserFamily, page_cache: RunPageCache | None = None) -> None:
        self.source, self.client, self.sink, self.policy = source, client, sink, policy
        self.page_cache = page_cache
        self.progress = progress
        self.family = parsers
        self.origin = origin_of(source.base_url)
        self.health = SourceHealth(source.id, dict(source.expect))
        self.attempted: set[str] = set()
        self.consecutive_errors = 0
        self.stopped = False
        self.pending: deque[tuple[Future[_Parsed], Column, ListItem, Any]] = deque()

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"parse-{self.source.id}") as self.parser:
            for column in self.source.columns:
                if self.stopped:
                    break
                self.walk_column(column)
            if self.policy.mode == "incremental":
                self.retry_unfetched()

    def retry_unfetched(self) -> None:
        """Articles an earlier run listed but could not fetch: an incremental walk stops at the
        first known item, so without this an article lost on list page 2 would stay lost."""
        columns = {c.path: c for c in self.source.columns}
        for path, item in self.sink.unfetched_articles(self.source.id):
            if self.stopped:
                break
            if path in columns and item.url not in self.attempted:
                self.fetch_article(columns[path], item)
        self.collect_articles(keep=0)

    def emit(self, done: bool = False) -> None:
        if self.progress:
            h = self.health
            stored = h.documents["new"] + h.documents["changed"]
            self.progress(ProgressEvent(self.source.id, h.list_pages + h.not_modified, h.article_pages, stored,
                                        done, h.status if done else None))

    # -- list pages ------------------------------------------------------------------------
    def walk_column(self, column: Column) -> None:
        first_url = self.family.list_page_url(self.source, column, 0)
        validators = self.sink.list_validators(first_url) if self.policy.mode == "incremental" else None
        first_fetch: FetchResult | None = None
        complete, total, index = True, None, 0
        while not self.stopped and (total is None or index < total):
            url = first_url if index == 0 else self.family.list_page_url(self.source, column, index)
            probe = index > 0 and total is None
            fetch, _ = self.fetch(url, "list", column, validators if index == 0 else None,
                                  end_probe=probe, first_list_page=index == 0)
            if fetch.outcome == "not_modified":
                self.health.not_modified += 1
                self.emit()
                return
            if not fetch.ok:
                complete = complete and probe and fetch.status in END_OF_LIST_STATUSES
                if total is None:  # without a page count there is no safe next page to ask for
                    break
                index += 1
                continue
            parsed = _parse(self.family.parse_list, fetch)
            if parsed.error:
                self.record_parse_failure("list", fetch, parsed.error)
                complete = False
                break
            page = parsed.value
            if index == 0:
                first_fetch = fetch
            total = page.total_pages or total
            is_last = index + 1 >= total if total else page.next_url is None
            self.health.record_list_page(url, len(page.items), is_last, end_probe=probe, reused=fetch.reused)
            self.emit()
            if not page.items:
                break
            to_fetch, stop = self.select(page)
            for item in to_fetch:
                if self.stopped:
                    complete = False
                    break
                complete = self.fetch_article(column, item) and complete
            if stop:
                break
            index += 1
        self.collect_articles(keep=0)
        if self.policy.mode == "incremental" and complete and not self.stopped and first_fetch is not None:
            etag, modified = first_fetch.headers.get("etag"), first_fetch.headers.get("last-modified")
            if etag or modified:
                self.sink.save_validators(first_url, etag, modified)

    def select(self, page: ListPage) -> tuple[list[ListItem], bool]:
        """Which items of a list page to fetch, and whether this page is the last to walk."""
        items = []
        for item in page.items:
            if origin_of(item.url) != self.origin:
                self.health.record_skip("off_origin")
            elif item.url not in self.attempted:
                items.append(item)
        mode = self.policy.mode
        if mode == "check":
            return items[:1], True
        if mode == "incremental":
            known = self.sink.known_articles(self.source.id, [i.url for i in items])
            # Lists are newest first: once a page's oldest row is known, so is everything after
            # it. A known row above new ones is a pinned (置顶) article: keep walking.
            return [i for i in items if i.url not in known], not items or items[-1].url in known
        window = [i for i in items if i.published_date is None or self.policy.in_window(i.published_date)]
        self.health.record_skip("outside_window", len(items) - len(window))
        if not self.policy.refetch:
            known = self.sink.known_articles(self.source.id, [i.url for i in window])
            self.health.record_skip("already_stored", len(known))
            window = [i for i in window if i.url not in known]
        all_older = all(i.published_date is not None and i.published_date < self.policy.start for i in page.items)
        return window, all_older

    # -- articles --------------------------------------------------------------------------
    def fetch_article(self, column: Column, item: ListItem) -> bool:
        """Fetch one article and queue it for parsing; False when the fetch failed (retry next run)."""
        self.attempted.add(item.url)
        kept = self.page_cache.kept_article(item.url) if self.page_cache is not None else None
        fetch, raw_id = kept or self.fetch(item.url, "article", column)
        if not fetch.ok:
            if fetch.outcome not in NOT_FOR_US:
                self.sink.record_unfetched(self.source.id, column.path, item, fetch.error or fetch.outcome)
            return fetch.outcome in NOT_FOR_US
        if not fetch.reused:
            self.health.article_pages += 1
        self.pending.append((self.parser.submit(_parse, self.family.parse_article, fetch), column, item, raw_id))
        self.collect_articles(keep=MAX_PENDING_PARSES)
        return True

    def collect_articles(self, keep: int) -> None:
        """Store parsed articles in fetch order: all that are ready, and more until ``keep`` are left."""
        while self.pending and (len(self.pending) > keep or self.pending[0][0].done()):
            future, column, item, raw_id = self.pending.popleft()
            parsed = future.result()
            if parsed.error:
                self.record_parse_failure("article", parsed.fetch, parsed.error)
            else:
                self.store(column, item, parsed, raw_id)
            self.emit()

    def store(self, column: Column, item: ListItem, parsed: _Parsed, raw_id: Any) -> None:
        article: Article = parsed.value
        if article.url != item.url:  # a redirect must not change the document's identity
            article = replace(article, url=item.url)
        self.health.record_article(article)
        judged_by_article = self.policy.mode == "backfill" and item.published_date is None
        if judged_by_article and article.published_date and not self.policy.in_window(article.published_date):
            self.health.record_skip("outside_window")
            if self.page_cache is not None:
                self.page_cache.keep_article(item.url, parsed.fetch, raw_id)
            return
        status = self.sink.store_article(self.source.id, column.path, article, raw_id)
        self.health.record_document(status)

    # -- shared steps ----------------------------------------------------------------------
    def fetch(self, url: str, page_kind: str, column: Column, validators: tuple[str | None, str | None] | None = None,
              end_probe: bool = False, first_list_page: bool = False) -> tuple[FetchResult, Any]:
        """Fetch politely, hand the result to the sink before parsing, and judge failures."""
        cacheable = page_kind == "list" and validators is None and self.page_cache is not None
        cached = self.page_cache.list_page(url) if cacheable else None
        if cached is not None:
            return cached, None
        etag, modified = validators or (None, None)
        fetch = self.decoded(self.client.fetch(self.source, url, etag=etag, last_modified=modified))
        if cacheable:
            self.page_cache.put_list_page(fetch)
        raw_id = self.sink.store_raw(self.source.id, page_kind, column.path, fetch)
        if fetch.outcome in ("ok", "not_modified"):
            self.consecutive_errors = 0
        elif fetch.outcome in NOT_FOR_US:
            self.health.record_refused(fetch, first_list_page)
            self.sink.record_problem(self.source.id, url, fetch.outcome, fetch.error or fetch.outcome)
        elif not (end_probe and fetch.status in END_OF_LIST_STATUSES):
            self.failed(fetch, page_kind, first_list_page)
        return fetch, raw_id

    def decoded(self, fetch: FetchResult) -> FetchResult:
        """Settle the page's encoding before the bytes are stored, so the warehouse keeps the
        encoding actually used beside them; a lossy decode is recorded as a problem."""
        if not (fetch.ok and fetch.body):
            return fetch
        decoded = decode_html(fetch.body, fetch.headers.get("content-type"))
        if decoded.replacements:
            self.sink.record_problem(self.source.id, fetch.url, "encoding",
                                     f"{decoded.replacements} undecodable bytes replaced decoding as {decoded.encoding}"
                                     + (f" ({decoded.note})" if decoded.note else ""))
        return replace(fetch, encoding=decoded.encoding)

    def failed(self, fetch: FetchResult, page_kind: str, first_list_page: bool) -> None:
        self.sink.record_problem(self.source.id, fetch.url, fetch.outcome, fetch.error or fetch.outcome)
        self.health.record_fetch_failure(fetch, page_kind, first_list_page)
        self.consecutive_errors += 1
        if fetch.outcome == "challenged":
            self.stopped = True
        elif self.consecutive_errors >= self.policy.max_consecutive_errors:
            self.stopped = True
            self.health.record_stop(self.consecutive_errors, fetch.error)
            self.sink.record_problem(self.source.id, fetch.url, "stopped",
                                     f"stopped {self.source.id} after {self.consecutive_errors} consecutive errors")

    def record_parse_failure(self, page_kind: str, fetch: FetchResult, error: str) -> None:
        self.sink.record_problem(self.source.id, fetch.url, "parse_error", f"{page_kind} page {fetch.url}: {error}")
        self.health.record_parse_failure(page_kind, fetch.url, error)


@dataclass(frozen=True)
class _Parsed:
    fetch: FetchResult
    value: Any = None  # a ListPage or an Article
    error: str | None = None


def _parse(parser: Callable[[str, str], Any], fetch: FetchResult) -> _Parsed:
    """Decode (with the encoding settled at fetch time) and parse one page; runs on any
    thread and touches no shared state."""
    text = fetch.body.decode(fetch.encoding or "utf-8", errors="replace").lstrip("\ufeff")
    try:
        return _Parsed(fetch, value=parser(text, fetch.final_url or fetch.url))
    except Exception as exc:  # parsers read hostile bytes: a failure is data, not a crash
        return _Parsed(fetch, error=f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__)


class _SerializedSink:
    """Forwards every sink call under one lock, so sinks need not be thread-safe."""

    def __init__(self, sink: CrawlSink) -> None:
        self._sink = sink
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._sink, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return call


class MemorySink:
    """An in-memory ``CrawlSink`` for tests, benchmarks and dry ``sources check`` runs."""

    def __init__(self) -> None:
        self.raw: list[tuple[str, str, str, FetchResult]] = []
        self.articles: dict[tuple[str, str], Article] = {}
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.problems: list[tuple[str, str, str, str]] = []
        self.unfetched: dict[tuple[str, str], tuple[str, ListItem]] = {}

    def known_articles(self, source_id: str, urls: Sequence[str]) -> set[str]:
        return {u for u in urls if (source_id, u) in self.articles}

    def list_validators(self, url: str) -> tuple[str | None, str | None] | None:
        return self.validators.get(url)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.validators[url] = (etag, last_modified)

    def store_raw(self, source_id: str, page_kind: str, column: str, fetch: FetchResult) -> int:
        self.raw.append((source_id, page_kind, column, fetch))
        return len(self.raw) - 1

    def store_article(self, source_id: str, column: str, article: Article, raw_page_id: Any) -> str:
        previous = self.articles.get((source_id, article.url))
        self.articles[(source_id, article.url)] = article
        if previous is None:
            return "new"
        return "unchanged" if previous.to_dict() == article.to_dict() else "changed"

    def record_problem(self, source_id: str, url: str, kind: str, message: str) -> None:
        self.problems.append((source_id, url, kind, message))

    def record_unfetched(self, source_id: str, column: str, item: ListItem, message: str) -> None:
        self.unfetched[(source_id, item.url)] = (column, item)

    def unfetched_articles(self, source_id: str) -> list[tuple[str, ListItem]]:
        return [entry for (sid, url), entry in self.unfetched.items()
                if sid == source_id and (sid, url) not in self.articles]
