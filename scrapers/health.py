"""Per-source health of one crawl run: counts, field pass rates, and a loud status.

Scrapers of government sites rarely fail with an exception; they fail by quietly finding
nothing after a redesign (city-scrapers#265). So every run ends with a status per source —
``ok``, ``incomplete`` (an article could not be fetched; it is retried next run), ``empty``
(a list page with no items), ``broken`` (an assertion from the registry's
``expect`` failed, a page would not parse, or the source was stopped after repeated errors)
or ``challenged`` (blocked by site protection) — and a one-line message that names the
source and says what to do.

``expect`` keys: ``min_items_per_list_page`` (checked on every list page that is not the
last one) and ``min_field_pass_rate`` (a number for all of ``FIELDS``, or a mapping per field).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapers.records import Article, FetchResult

FIELDS = ("title", "published_date", "body_text", "content_source")
SEVERITY = ("ok", "incomplete", "empty", "broken", "challenged")  # worst last
DOCUMENT_STATUSES = ("new", "changed", "unchanged")


@dataclass(frozen=True)
class Alert:
    status: str
    message: str


@dataclass
class SourceHealth:
    """Counters one source's crawl thread updates as it goes (no locking needed)."""

    source_id: str
    expect: dict[str, Any] = field(default_factory=dict)
    list_pages: int = 0
    article_pages: int = 0
    not_modified: int = 0
    items_found: int = 0
    articles_parsed: int = 0
    parse_failures: int = 0
    fetch_errors: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DOCUMENT_STATUSES, 0))
    field_present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    alerts: list[Alert] = field(default_factory=list)

    # -- recording -------------------------------------------------------------------------
    def record_list_page(self, url: str, n_items: int, is_last: bool, end_probe: bool = False,
                         reused: bool = False) -> None:
        """``end_probe``: a page asked for only to find where an unnumbered list ends may be empty.
        ``reused``: a page an earlier walk of the run fetched (a backfill's other month) is judged
        again but not counted again, so a run's totals count each page and item once."""
        if not reused:
            self.list_pages += 1
            self.items_found += n_items
        minimum = self.expect.get("min_items_per_list_page")
        if n_items == 0 and not end_probe:
            self._alert("empty", f"list page {url} has 0 items (layout changed?); check the parser against a fresh page")
        elif minimum and not is_last and n_items < minimum:
            self._alert("broken", f"list page {url} has {n_items} items, expected at least {minimum} "
                                  "(layout changed?); check the parser against a fresh page")

    def record_article(self, article: Article) -> None:
        self.articles_parsed += 1
        for name in FIELDS:
            if getattr(article, name):
                self.field_present[name] += 1

    def record_parse_failure(self, page_kind: str, url: str, error: str) -> None:
        """An article that does not parse counts as missing every field; a list page is fatal."""
        self.parse_failures += 1
        if page_kind == "list":
            self._alert("broken", f"list page {url} does not parse ({error}); check the parser against a fresh page")
        else:
            self.articles_parsed += 1

    def record_document(self, status: str) -> None:
        if status not in self.documents:
            raise ValueError(f"sink returned document status {status!r}; expected one of {DOCUMENT_STATUSES}")
        self.documents[status] += 1

    def record_skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def record_fetch_failure(self, fetch: FetchResult, page_kind: str, first_list_page: bool) -> None:
        """A failed fetch; the first list page of a column failing means the column is unreadable."""
        if fetch.outcome == "challenged":
            self._alert("challenged", f"blocked by site protection (HTTP {fetch.status} challenge at {fetch.url}); "
                                      "lower the rate or run from an allowed network")
            return
        self.fetch_errors += 1
        if page_kind == "article":
            self._alert("incomplete", f"article {fetch.url} could not be fetched ({fetch.error or fetch.outcome}); "
                                      "it is kept and asked for again on the next run")
        elif first_list_page:
            self._alert("broken", f"first list page {fetch.url} failed ({fetch.error or fetch.outcome}); "
                                  "check the column path in the registry and that the site is up")

    def record_refused(self, fetch: FetchResult, first_list_page: bool) -> None:
        """A URL not fetched by choice (robots.txt, another origin): loud only for a column's first page."""
        self.record_skip(fetch.outcome)
        if first_list_page:
            self._alert("broken", f"first list page {fetch.url} was not fetched ({fetch.error}); "
                                  "check robots.txt and the column path in the registry")

    def record_stop(self, errors: int, last_error: str | None) -> None:
        self._alert("broken", f"stopped after {errors} consecutive errors (last: {last_error}); "
                              "check that the site is up, then rerun")

    def record_crash(self, exc: BaseException) -> None:
        self._alert("broken", f"crawl crashed ({type(exc).__name__}: {exc}); this is a bug in healthcoop, please report it")

    def _alert(self, status: str, message: str) -> None:
        self.alerts.append(Alert(status, f"source {self.source_id}: {message}"))

    def absorb(self, other: SourceHealth) -> None:
        """Add another walk of the same source in the same run (a backfill's month chunks)."""
        for name in ("list_pages", "article_pages", "not_modified", "items_found", "articles_parsed",
                     "parse_failures", "fetch_errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.skipped, other.skipped), (self.documents, other.documents),
                             (self.field_present, other.field_present)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.alerts.extend(a for a in other.alerts if a not in self.alerts)

    # -- verdict ---------------------------------------------------------------------------
    @property
    def pages_fetched(self) -> int:
        return self.list_pages + self.article_pages

    def pass_rates(self) -> dict[str, float | None]:
        if not self.articles_parsed:
            return dict.fromkeys(FIELDS)
        return {name: self.field_present[name] / self.articles_parsed for name in FIELDS}

    def _pass_rate_alerts(self) -> list[Alert]:
        wanted = self.expect.get("min_field_pass_rate")
        if wanted is None or not self.articles_parsed:
            return []
        minimums = wanted if isinstance(wanted, dict) else dict.fromkeys(FIELDS, wanted)
        rates = self.pass_rates()
        return [Alert("broken", f"source {self.source_id}: field {name} found in {rates[name]:.0%} of "
                                f"{self.articles_parsed} articles, expected at least {float(minimum):.0%}; "
                                "check the article parser against a fresh page")
                for name, minimum in minimums.items() if name in rates and rates[name] < float(minimum)]

    def all_alerts(self) -> list[Alert]:
        return self.alerts + self._pass_rate_alerts()

    @property
    def status(self) -> str:
        return max((a.status for a in self.all_alerts()), key=SEVERITY.index, default="ok")

    @property
    def message(self) -> str:
        """The one line to show: the first alert of the worst kind, or a short summary."""
        status = self.status
        if status != "ok":
            return next(a.message for a in self.all_alerts() if a.status == status)
        docs = self.documents
        return (f"source {self.source_id}: ok ({self.pages_fetched} pages, {self.not_modified} not modified, "
                f"{docs['new']} new and {docs['changed']} changed documents)")

    def to_dict(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "status": self.status, "message": self.message,
                "pages_fetched": self.pages_fetched, "list_pages": self.list_pages,
                "article_pages": self.article_pages, "not_modified": self.not_modified,
                "items_found": self.items_found, "articles_parsed": self.articles_parsed,
                "parse_failures": self.parse_failures, "fetch_errors": self.fetch_errors,
                "skipped": dict(self.skipped), "documents": dict(self.documents),
                "field_pass_rates": self.pass_rates(),
                "alerts": [{"status": a.status, "message": a.message} for a in self.all_alerts()]}


@dataclass
class RunReport:
    """The health of every source of one run; ``status`` is the worst source status."""

    mode: str
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[SourceHealth] = field(default_factory=list)

    @property
    def status(self) -> str:
        return max((s.status for s in self.sources), key=SEVERITY.index, default="ok")

    def loud_messages(self) -> list[str]:
        """One line per source that is not ok, for the CLI and ``healthcoop status``."""
        return [s.message for s in self.sources if s.status != "ok"]

    def source(self, source_id: str) -> SourceHealth:
        return next(s for s in self.sources if s.source_id == source_id)

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "status": self.status, "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "sources": [s.to_dict() for s in self.sources]}
