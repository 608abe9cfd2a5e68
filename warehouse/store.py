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
from collections import Counter
from datetime import date, datetime
from typing import Any, Iterable
from urllib.parse import urlsplit

import pandas as pd

from scrapers.records import Article, FetchResult, ListItem
from warehouse.db import Warehouse
from warehouse.snapshots import RANKING_COLUMNS


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

class WarehouseSink:
    """The crawl sink of ``scrapers.crawl`` backed by DuckDB (thread-safe through ``wh.lock``)."""

    def __init__(self, wh: Warehouse, run_id: int | None):
        self.wh = wh
        self.run_id = run_id

    def known_articles(self, source_id: str, urls: Iterable[str]) -> set[str]:
        by_path = {url_path(u): u for u in urls}
        if not by_path:
            return set()
        rows = self.wh.fetchall(
            "SELECT url_path FROM documents WHERE source_id = ? AND list_contains(?, url_path)",
            [source_id, list(by_path)],
        )
        return {by_path[r[0]] for r in rows}

    def list_validators(self, url: str) -> tuple[str | None, str | None] | None:
        rows = self.wh.fetchall("SELECT etag, last_modified FROM http_validators WHERE url = ?", [url])
        return rows[0] if rows else None

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self.wh.transaction() as con:
            con.execute("INSERT INTO http_validators VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                        "etag = excluded.etag, last_modified = excluded.last_modified, saved_at = excluded.saved_at",
                        [url, etag, last_modified, datetime.now()])

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
        return raw_page_id

    def store_article(self, source_id: str, column: str | None, article: Article, raw_page_id: int | None) -> str:
        """Insert a new document, add a version when its content changed, or just touch it.

        Returns ``new``, ``changed`` or ``unchanged`` (the crawl's health counts these)."""
        doc_id, path, now = doc_id_for(source_id, article.url), url_path(article.url), datetime.now()
        digest = content_hash(article)
        with self.wh.transaction() as con:
            row = con.execute("SELECT sha256, version FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
            if row and row[0] == digest:
                con.execute("UPDATE documents SET last_seen = ?, raw_page_id = ? WHERE doc_id = ?",
                            [now, raw_page_id, doc_id])
                return "unchanged"
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
        return "changed" if row else "new"

    def record_problem(self, source_id: str | None, url: str | None, kind: str, message: str) -> None:
        with self.wh.transaction() as con:
            con.execute("INSERT INTO problems VALUES (nextval('seq_problem'), ?, ?, ?, ?, ?, ?)",
                        [self.run_id, source_id, url, kind, message, datetime.now()])

    def record_unfetched(self, source_id: str, column: str, item: ListItem, message: str) -> None:
        with self.wh.transaction() as con:
            con.execute("INSERT INTO unfetched_articles VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) "
                        "ON CONFLICT (source_id, url_path) DO UPDATE SET message = excluded.message, "
                        "attempts = unfetched_articles.attempts + 1, last_at = excluded.last_at",
                        [source_id, url_path(item.url), item.url, column, item.title, item.published_date, message,
                         datetime.now()])

    def unfetched_articles(self, source_id: str) -> list[tuple[str, ListItem]]:
        rows = self.wh.fetchall(
            "SELECT u.column_path, u.url, u.title, u.published_date FROM unfetched_articles u "
            "WHERE u.source_id = ? AND NOT EXISTS (SELECT 1 FROM documents d "
            "WHERE d.source_id = u.source_id AND d.url_path = u.url_path) ORDER BY u.last_at, u.url", [source_id])
        return [(column, ListItem(url=url, title=title or "", published_date=day)) for column, url, title, day in rows]


def load_robots(wh: Warehouse) -> list[dict]:
    """Stored robots.txt verdicts, as ``scrapers.robots.RobotsCache.load`` takes them."""
    return [json.loads(r[0]) for r in wh.fetchall("SELECT entry FROM robots_cache ORDER BY origin")]


def save_robots(wh: Warehouse, rows: list[dict]) -> None:
    with wh.transaction() as con:
        for row in rows:
            con.execute("INSERT INTO robots_cache VALUES (?, ?, ?) ON CONFLICT (origin) DO UPDATE SET "
                        "entry = excluded.entry, fetched_at = excluded.fetched_at",
                        [row["origin"], _json(row), datetime.fromisoformat(row["fetched_at"])])


def record_source_health(wh: Warehouse, run_id: int, report: dict) -> None:
    """One row per source and run, from ``scrapers.health.SourceHealth.to_dict()``."""
    with wh.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO source_health VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, report["source_id"], report["status"], report.get("message"), report.get("pages_fetched", 0),
             report.get("not_modified", 0), report.get("items_found", 0), report["documents"]["new"],
             report["documents"]["changed"], report.get("parse_failures", 0),
             _json(report.get("field_pass_rates", {})), datetime.now()],
        )


def mark_chunk_done(wh: Warehouse, source_id: str, start: date, end: date, refetch: bool, run_id: int) -> None:
    with wh.transaction() as con:
        con.execute("INSERT OR REPLACE INTO backfill_chunks VALUES (?, ?, ?, ?, ?, ?)",
                    [source_id, start, end, refetch, run_id, datetime.now()])


def finished_chunks(wh: Warehouse, refetch: bool) -> set[tuple[str, date, date]]:
    rows = wh.fetchall("SELECT source_id, chunk_start, chunk_end FROM backfill_chunks WHERE refetch = ?", [refetch])
    return {(s, a, b) for s, a, b in rows}


# --- coding ---------------------------------------------------------------------------------

DOCUMENT_COLUMNS = ("doc_id", "source_id", "url", "title", "published_date", "body_text", "content_source", "column_name")


def load_documents(wh: Warehouse):
    """Every stored document as the coder's input frame, in a stable order."""
    return wh.fetchdf(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents ORDER BY doc_id")


def documents_needing_coding(wh: Warehouse, coder_version: str) -> int:
    """Documents never coded, changed since coded, or coded by another coder version."""
    return wh.fetchall(
        "SELECT count(*) FROM documents d LEFT JOIN document_coding c USING (doc_id) "
        "WHERE c.doc_id IS NULL OR c.coder_version <> ? OR c.coded_at < d.last_seen AND d.version > 1",
        [coder_version])[0][0]


def save_coding(wh: Warehouse, result, coder_version: str) -> dict[str, int]:
    """Replace the coding tables with a full coding pass, in one transaction.

    Project ids are stable across passes (the coder derives them from the earliest document),
    so ``first_coded_at`` is carried over and ``new_projects`` counts ids not seen before;
    ``new_projects_by_source`` counts them by the source of their earliest report.
    """
    now = datetime.now()
    docs, projects, participants, institutions = (result.documents, result.projects, result.participants,
                                                  result.institutions)
    with wh.transaction() as con:
        before = {r[0]: r[1] for r in con.execute("SELECT project_id, first_coded_at FROM projects").fetchall()}
        for table in ("document_coding", "project_documents", "participants", "projects"):
            con.execute(f"DELETE FROM {table}")
        _insert_many(
            con, "INSERT INTO document_coding VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[r.doc_id, bool(r.is_cooperation), _float(r.relevance_score), r.evidence,
              r.project_id if r.is_cooperation else None, coder_version, now] for r in docs.itertuples()])
        _insert_many(
            con, "INSERT INTO institutions VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (institution_id) DO UPDATE SET "
            "name = excluded.name, institution_type = excluded.institution_type, sector = excluded.sector, "
            "province = excluded.province, prefecture = excluded.prefecture, county = excluded.county, "
            "division_code = excluded.division_code",
            [[r.institution_id, r.name, r.institution_type, r.sector, r.province, r.prefecture, _none(r.county),
              _none(r.division_code)] for r in institutions.itertuples()])
        _insert_many(
            con, "INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[r.project_id, r.title, _none(r.signed_date), _int(r.year), list(r.themes), r.primary_theme, r.mode,
              r.agreement_type, _float(r.confidence), r.review_status, bool(r.in_scope), r.evidence, coder_version,
              before.get(r.project_id, now), now] for r in projects.itertuples()])
        _insert_many(con, "INSERT INTO project_documents VALUES (?, ?)",
                        [[doc_id, r.project_id] for r in projects.itertuples() for doc_id in r.doc_ids])
        _insert_many(con, "INSERT OR IGNORE INTO participants VALUES (?, ?, ?)",
                        [[r.project_id, r.institution_id, r.role] for r in participants.itertuples()])
        new = [r for r in projects.itertuples() if r.project_id not in before]
        first_source = dict(con.execute("SELECT doc_id, source_id FROM documents").fetchall())
    by_source = Counter(first_source.get(r.doc_ids[0], "unknown") for r in new)  # who reported it first
    return {"projects": len(projects), "new_projects": len(new),
            "new_projects_by_source": dict(sorted(by_source.items())),
            "cooperation_documents": int(docs["is_cooperation"].sum()) if len(docs) else 0}


def _none(value):
    """pandas' missing markers (NaN, NaT, None) as SQL NULL; lists and arrays pass through."""
    if isinstance(value, (list, tuple, dict)) or hasattr(value, "__array__") and getattr(value, "ndim", 0):
        return value
    return None if pd.isna(value) else value


def _float(value):
    value = _none(value)
    return None if value is None else float(value)


def _int(value):
    value = _none(value)
    return None if value is None else int(value)


def project_ids(wh: Warehouse) -> set[str]:
    return {row[0] for row in wh.fetchall("SELECT project_id FROM projects")}


def load_overrides(wh: Warehouse) -> list[dict]:
    frame = wh.fetchdf("SELECT override_id, target, target_id, field, value, note, author, created_at "
                       "FROM review_overrides WHERE active ORDER BY override_id")
    return [{"target": r.target, "id": r.target_id, "field": r.field, "value": json.loads(r.value),
             "note": r.note, "author": r.author, "at": r.created_at.isoformat(), "override_id": r.override_id}
            for r in frame.itertuples()]


def add_override(wh: Warehouse, target: str, target_id: str, field_name: str, value: Any, note: str | None,
                 author: str | None) -> int:
    with wh.transaction() as con:
        override_id = con.execute("SELECT nextval('seq_override')").fetchone()[0]
        con.execute("INSERT INTO review_overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE)",
                    [override_id, target, target_id, field_name, _json(value), note, author, datetime.now()])
    return override_id


# --- network snapshots ----------------------------------------------------------------------

#: The coded projects and participants as the network analysis wants them (readers use these too).
CODED_PROJECTS_SQL = ("SELECT project_id, title, signed_date, year, themes, primary_theme, mode, agreement_type, "
                      "in_scope FROM v_projects ORDER BY project_id")
CODED_PARTICIPANTS_SQL = "SELECT * FROM v_project_participants ORDER BY project_id, institution_id"


def load_coded(wh: Warehouse):
    return wh.fetchdf(CODED_PROJECTS_SQL), wh.fetchdf(CODED_PARTICIPANTS_SQL)


def current_snapshot(wh: Warehouse) -> dict | None:
    rows = wh.fetchall("SELECT snapshot_id, fingerprint, created_at, n_projects FROM network_snapshots "
                       "WHERE is_current")
    if not rows:
        return None
    snapshot_id, fingerprint, created_at, n_projects = rows[0]
    return {"snapshot_id": snapshot_id, "fingerprint": fingerprint, "created_at": created_at, "n_projects": n_projects}


def save_snapshot(wh: Warehouse, result, fingerprint: str, coder_version: str, run_id: int | None,
                  n_projects: int) -> int:
    """Store a recompute as the new current snapshot; older snapshots are kept for comparison."""
    rankings = result.rankings
    extra_columns = [c for c in rankings.columns if c not in RANKING_COLUMNS]
    with wh.transaction() as con:
        snapshot_id = con.execute("SELECT nextval('seq_snapshot')").fetchone()[0]
        con.execute("UPDATE network_snapshots SET is_current = FALSE WHERE is_current")
        con.execute("INSERT INTO network_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, TRUE)",
                    [snapshot_id, fingerprint, coder_version, _json(result.params), datetime.now(), run_id, n_projects])
        metrics = rankings.assign(extra=[_json({c: _none(v) for c, v in zip(extra_columns, row)})
                                         for row in rankings[extra_columns].itertuples(index=False)])
        _insert_frame(con, "node_metrics", snapshot_id, metrics, (*RANKING_COLUMNS, "extra"))
        _insert_frame(con, "network_nodes", snapshot_id, result.nodes,
                      ("period", "level", "node", "label", "node_type", "sector", "province", "prefecture", "county"))
        _insert_frame(con, "network_edges", snapshot_id, result.edges, ("period", "level", "source", "target", "weight"))
        _insert_frame(con, "snapshot_themes", snapshot_id, result.themes,
                      ("period", "theme", "n_projects", "share", "n_projects_any"))
        _insert_frame(con, "snapshot_modes", snapshot_id, result.modes, ("period", "mode", "n_projects", "share"))
        _insert_frame(con, "snapshot_yearly", snapshot_id, result.yearly,
                      ("year", "n_projects", "n_new_institutions", "n_edges"))
        summary = result.summary
        _insert_many(con, "INSERT INTO snapshot_summary VALUES (?, ?, ?, ?)",
                        [[snapshot_id, r["period"], r["level"],
                          _json({k: _none(v) for k, v in r.items() if k not in ("period", "level")})]
                         for r in summary.to_dict("records")])
    return snapshot_id


def _insert_many(con, sql: str, rows: list) -> None:
    """``executemany`` that accepts no rows (DuckDB refuses an empty parameter list)."""
    if rows:
        con.executemany(sql, rows)


def _insert_frame(con, table: str, snapshot_id: int, frame, columns: tuple[str, ...]) -> None:
    data = frame[list(columns)].copy()
    data.insert(0, "snapshot_id", snapshot_id)
    con.register("insert_frame", data)
    con.execute(f"INSERT INTO {table} SELECT * FROM insert_frame")
    con.unregister("insert_frame")
