"""Writes into the warehouse: runs, raw pages and documents (the crawl sink), codings, snapshots.

Every write that a view can see happens inside one transaction per unit of work (one page,
one coding pass, one snapshot), so a crash leaves either the whole unit or none of it.
Identity rules live here, in one place:

- a raw page is (source, URL path, body sha256): fetching the same bytes again reuses the row,
  so reruns and resumed backfills never double a page;
- a document is (source, URL path), independent of the host, so a replica and the real site
  give the same ``doc_id``; a changed page adds a ``document_versions`` row.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable
from urllib.parse import urlsplit

from scrapers.records import Article, FetchResult
from warehouse.db import Warehouse


def url_path(url: str) -> str:
    """The host-independent part of a URL that identifies a page (path plus sorted query)."""
    parts = urlsplit(url)
    query = "&".join(sorted(q for q in parts.query.split("&") if q))
    return parts.path + (f"?{query}" if query else "")


def doc_id_for(source_id: str, url: str) -> str:
    digest = hashlib.sha1(url_path(url).encode("utf-8")).hexdigest()[:12]
    return f"{source_id}-{digest}"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def content_hash(article: Article) -> str:
    """Hash of what we parsed, not of the raw bytes: view counters and ads must not make versions."""
    fields = [article.title, article.published_date, article.body_text, article.content_source,
              [a.url for a in article.attachments]]
    return hashlib.sha256(_json(fields).encode("utf-8")).hexdigest()


# --- runs -----------------------------------------------------------------------------------

def start_run(wh: Warehouse, flow: str, params: dict | None = None) -> int:
    with wh.transaction() as con:
        run_id = con.execute("SELECT nextval('seq_run')").fetchone()[0]
        con.execute("INSERT INTO runs (run_id, flow, started_at, status, params) VALUES (?, ?, ?, 'running', ?)",
                    [run_id, flow, datetime.now(), _json(params or {})])
    return run_id


def finish_run(wh: Warehouse, run_id: int, status: str, counts: dict[str, int], summary: dict | None = None) -> None:
    columns = ("pages_fetched", "new_documents", "changed_documents", "new_projects", "errors")
    with wh.transaction() as con:
        con.execute(
            f"UPDATE runs SET finished_at = ?, status = ?, summary = ?, "
            f"{', '.join(f'{c} = ?' for c in columns)} WHERE run_id = ?",
            [datetime.now(), status, _json(summary or {}), *[int(counts.get(c, 0)) for c in columns], run_id],
        )


def mark_crashed_runs(wh: Warehouse) -> int:
    """Runs left 'running' by a killed process (we hold the writer lock, so none is alive)."""
    with wh.transaction() as con:
        n = con.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0]
        con.execute("UPDATE runs SET status = 'crashed' WHERE status = 'running'")
    return n


# --- the crawl sink -------------------------------------------------------------------------

@dataclass
class CrawlCounts:
    new_documents: int = 0
    changed_documents: int = 0
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)

    def bump(self, source_id: str, key: str) -> None:
        setattr(self, key, getattr(self, key) + 1)
        bucket = self.per_source.setdefault(source_id, {"new_documents": 0, "changed_documents": 0})
        bucket[key] += 1


class WarehouseSink:
    """The crawl sink of ``scrapers.crawl`` backed by DuckDB (thread-safe through ``wh.lock``)."""

    def __init__(self, wh: Warehouse, run_id: int | None):
        self.wh = wh
        self.run_id = run_id
        self.counts = CrawlCounts()

    def known_articles(self, source_id: str, urls: Iterable[str]) -> set[str]:
        by_path = {url_path(u): u for u in urls}
        if not by_path:
            return set()
        rows = self.wh.fetchall(
            "SELECT url_path FROM documents WHERE source_id = ? AND list_contains(?, url_path)",
            [source_id, list(by_path)],
        )
        return {by_path[r[0]] for r in rows}

    def list_validators(self, source_id: str, url: str) -> tuple[str | None, str | None] | None:
        rows = self.wh.fetchall(
            "SELECT etag, last_modified FROM http_validators WHERE source_id = ? AND url_path = ?",
            [source_id, url_path(url)],
        )
        return rows[0] if rows else None

    def store_raw(self, source_id: str, page_kind: str, column: str | None, fetch: FetchResult) -> int | None:
        """Keep the bytes before anything parses them; the same bytes again reuse their row."""
        if fetch.outcome == "not_modified" or (not fetch.body and fetch.status is None):
            return None
        path, sha = url_path(fetch.url), fetch.sha256
        with self.wh.transaction() as con:
            row = con.execute(
                "SELECT raw_page_id FROM raw_pages WHERE source_id = ? AND url_path = ? AND sha256 = ? AND outcome = ?",
                [source_id, path, sha, fetch.outcome],
            ).fetchone()
            if row:
                raw_page_id = row[0]
            else:
                raw_page_id = con.execute("SELECT nextval('seq_raw_page')").fetchone()[0]
                con.execute(
                    "INSERT INTO raw_pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [raw_page_id, self.run_id, source_id, page_kind, column, fetch.url, path, fetch.final_url,
                     fetch.fetched_at or datetime.now(), fetch.outcome, fetch.status, _json(fetch.headers),
                     fetch.headers.get("content-type"), fetch.encoding, sha, fetch.body, fetch.error],
                )
            if page_kind == "list" and fetch.ok:
                con.execute(
                    "INSERT INTO http_validators VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, url_path) "
                    "DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
                    "sha256 = excluded.sha256, fetched_at = excluded.fetched_at",
                    [source_id, path, fetch.headers.get("etag"), fetch.headers.get("last-modified"), sha,
                     fetch.fetched_at or datetime.now()],
                )
        return raw_page_id

    def store_article(self, source_id: str, column: str | None, article: Article, raw_page_id: int | None) -> str:
        """Insert a new document, add a version when its content changed, or just touch it."""
        doc_id, path, now = doc_id_for(source_id, article.url), url_path(article.url), datetime.now()
        digest = content_hash(article)
        with self.wh.transaction() as con:
            row = con.execute("SELECT sha256, version FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
            if row and row[0] == digest:
                con.execute("UPDATE documents SET last_seen = ?, raw_page_id = ? WHERE doc_id = ?",
                            [now, raw_page_id, doc_id])
                return doc_id
            version = row[1] + 1 if row else 1
            values = [article.url, column or article.column_name, article.title, article.published_date,
                      article.signed_date, article.content_source, article.body_text,
                      _json([{"name": a.name, "url": a.url} for a in article.attachments]),
                      _json(article.meta), _json(list(article.problems)), digest, raw_page_id, version]
            if row:
                con.execute(
                    "UPDATE documents SET url = ?, column_name = ?, title = ?, published_date = ?, signed_date = ?, "
                    "content_source = ?, body_text = ?, attachments = ?, meta = ?, problems = ?, sha256 = ?, "
                    "raw_page_id = ?, version = ?, last_seen = ? WHERE doc_id = ?", [*values, now, doc_id])
            else:
                con.execute(
                    "INSERT INTO documents (url, column_name, title, published_date, signed_date, content_source, "
                    "body_text, attachments, meta, problems, sha256, raw_page_id, version, doc_id, source_id, url_path, "
                    "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [*values, doc_id, source_id, path, now, now])
            con.execute("INSERT INTO document_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc_id, version, raw_page_id, digest, article.title, article.published_date,
                         article.body_text, now])
        self.counts.bump(source_id, "changed_documents" if row else "new_documents")
        return doc_id

    def record_problem(self, source_id: str | None, url: str | None, kind: str, message: str) -> None:
        with self.wh.transaction() as con:
            con.execute("INSERT INTO problems VALUES (nextval('seq_problem'), ?, ?, ?, ?, ?, ?)",
                        [self.run_id, source_id, url, kind, message, datetime.now()])

    def robots_get(self, host: str, max_age_s: float) -> tuple[int | None, str] | None:
        rows = self.wh.fetchall(
            "SELECT status, body FROM robots_cache WHERE host = ? AND fetched_at > now()::TIMESTAMP - to_seconds(?)",
            [host, max_age_s],
        )
        return rows[0] if rows else None

    def robots_put(self, host: str, status: int | None, body: str) -> None:
        with self.wh.transaction() as con:
            con.execute("INSERT INTO robots_cache VALUES (?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET "
                        "status = excluded.status, body = excluded.body, fetched_at = excluded.fetched_at",
                        [host, status, body, datetime.now()])


def record_source_health(wh: Warehouse, run_id: int, report: dict) -> None:
    with wh.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO source_health VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, report["source_id"], report["status"], report.get("message"), report.get("pages_fetched", 0),
             report.get("not_modified", 0), report.get("items_found", 0), report.get("new_documents", 0),
             report.get("changed_documents", 0), report.get("parse_failures", 0),
             _json(report.get("field_pass_rates", {})), datetime.now()],
        )


def mark_chunk_done(wh: Warehouse, source_id: str, start: date, end: date, refetch: bool, run_id: int) -> None:
    with wh.transaction() as con:
        con.execute("INSERT OR REPLACE INTO backfill_chunks VALUES (?, ?, ?, ?, ?, ?)",
                    [source_id, start, end, refetch, run_id, datetime.now()])


def finished_chunks(wh: Warehouse, refetch: bool) -> set[tuple[str, date, date]]:
    rows = wh.fetchall("SELECT source_id, chunk_start, chunk_end FROM backfill_chunks WHERE refetch = ?", [refetch])
    return {(s, a, b) for s, a, b in rows}
