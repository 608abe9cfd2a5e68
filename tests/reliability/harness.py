"""A real crawl into a tmp warehouse against replicas that misbehave on purpose.

``FaultyCrawl`` serves a small synthetic corpus (every CMS family of the registry, one column
per source, two list pages each, dated inside ``START``..``END``) through a
``FaultInjector``, and runs the same composition as the Prefect flows (``backfill_into`` /
``crawl_into``) with a fast ``PoliteClient``: short timeouts and a backoff sleep that only
records what it was asked to wait. It answers the questions every reliability test asks:
which documents are lost, which are doubled, and which problems were recorded.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from flows.crawling import backfill_into, crawl_into
from flows.steps import code_step
from scrapers.cms import family
from scrapers.crawl import CrawlPolicy
from scrapers.health import RunReport
from scrapers.http import ClientSettings, PoliteClient
from scrapers.registry import Source, load_sources
from scrapers.replica import ReplicaSet, start_replicas
from scrapers.replica.corpus import article_from_dict
from scrapers.replica.families import layout_for
from scrapers.replica.synthetic import synthetic_article, write_corpus
from scrapers.robots import RobotsCache
from tests.support.fault_server import FaultInjector, target_of
from warehouse import store
from warehouse.db import Warehouse

START, END = date(2021, 2, 1), date(2021, 2, 28)  # one month chunk: fast
FAST = 200.0  # requests/s per host: our own local servers
PAGE_SIZE = 5
PER_SOURCE = 7  # two list pages per column: 5 + 2
#: Newest first, four days apart, all in February 2021.
DAYS = tuple(date(2021, 2, 27 - 4 * i) for i in range(PER_SOURCE))
#: Eight days apart from 2021-02-27 back to 2021-01-10: a backfill of two month chunks.
TWO_MONTHS = tuple(date.fromordinal(date(2021, 2, 27).toordinal() - 8 * i) for i in range(PER_SOURCE))
#: One source per CMS family (the second TRS site adds nothing but time).
FAMILY_SOURCES = ("cq_wsjkw", "sc_wsjkw", "cd_wjw", "lz_wjw")
SETTINGS = ClientSettings(connect_timeout=0.5, read_timeout=0.3, max_duration=3.0, max_bytes=1_000_000,
                          max_attempts=3)


def fast_sources(ids: Sequence[str] = FAMILY_SOURCES) -> list[Source]:
    """Sources of the bundled registry, fast, with their first column only."""
    return [replace(s, rate_per_s=FAST, columns=s.columns[:1]) for s in load_sources() if s.id in ids]


#: Partners of the synthetic agreements: one per article index, so each article codes to a project.
PARTNERS = ("泸州市卫生健康委员会", "重庆市永川区卫生健康委员会", "遂宁市卫生健康委员会", "重庆市江津区卫生健康委员会",
            "内江市卫生健康委员会", "重庆市荣昌区卫生健康委员会", "宜宾市卫生健康委员会", "达州市卫生健康委员会")


def corpus_for(sources: Sequence[Source], days: Sequence[date] = DAYS) -> list[dict]:
    """Synthetic articles of the first column of each source, one per day of ``days``; each
    reports the signing of an agreement, so coding has projects to make (and to double)."""
    articles = []
    for source in sources:
        for index, day in enumerate(days):
            article = synthetic_article(source, 0, index)
            article["published"] = f"{day.isoformat()} {9 + index % 8:02d}:{index % 60:02d}"
            article["body"].insert(0, f"{day.month}月{day.day}日，{source.name}与{PARTNERS[index % len(PARTNERS)]}"
                                      f"签署卫生健康合作协议（第{index}号），双方将在医疗服务、人才培养等方面开展合作。")
            articles.append(article)
    return articles


@dataclass(frozen=True)
class ServedArticle:
    source_id: str
    target: str  # the request target of its page
    doc_id: str
    title: str
    published: date


class FaultyCrawl:
    """``with FaultyCrawl(tmp_path, injector) as crawl: crawl.backfill(); assert not crawl.lost()``."""

    def __init__(self, tmp_path: Path, injector: FaultInjector, *, sources: Sequence[Source] | None = None,
                 days: Sequence[date] = DAYS):
        self.tmp_path = tmp_path
        self.injector = injector
        self.sources = list(sources or fast_sources())
        self.corpus = corpus_for(self.sources, days)
        self.waits: list[float] = []  # every backoff the client asked for
        self.replicas: ReplicaSet | None = None
        self.wh: Warehouse | None = None

    def __enter__(self) -> FaultyCrawl:
        corpus_dir = write_corpus(self.tmp_path / "corpus", self.corpus)
        self.replicas = start_replicas(corpus_dir, self.sources, page_size=PAGE_SIZE, intercept=self.injector)
        assert not self.replicas.errors, self.replicas.errors
        self.wh = Warehouse(self.tmp_path / "w.duckdb").open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.injector.close()  # end hangs and streams before the servers stop
        if self.wh is not None:
            self.wh.close()
        if self.replicas is not None:
            self.replicas.stop()

    # -- running ---------------------------------------------------------------------------
    @property
    def local_sources(self) -> list[Source]:
        return self.replicas.sources_with_local_urls()

    def client(self) -> PoliteClient:
        return PoliteClient(SETTINGS, robots_cache=RobotsCache.load(store.load_robots(self.wh)),
                            backoff_sleep=self.waits.append)

    def backfill(self, start: date = START, end: date = END) -> RunReport:
        run_id = store.start_run(self.wh, "reliability-test", {})
        with self.client() as client:
            return backfill_into(self.wh, run_id, self.local_sources, start, end, False, client)

    def crawl(self, policy: CrawlPolicy) -> RunReport:
        run_id = store.start_run(self.wh, "reliability-test", {})
        with self.client() as client:
            return crawl_into(self.wh, run_id, self.local_sources, policy, client)

    # -- what the site serves --------------------------------------------------------------
    def source(self, source_id: str) -> Source:
        return next(s for s in self.local_sources if s.id == source_id)

    def article(self, source_id: str, index: int) -> ServedArticle:
        """Article ``index`` (0 = newest) of a source: where it is served and its expected identity."""
        raw = next(a for a in self.corpus if a["id"] == f"syn_{source_id}_0_{index:04d}")
        parsed = article_from_dict(raw)
        source = self.source(source_id)
        path = layout_for(source, PAGE_SIZE).article_path(source.columns[0], parsed)
        return ServedArticle(source_id, path, store.doc_id_for(source_id, path), parsed.title,
                             parsed.published.date())

    def articles(self, source_id: str | None = None) -> list[ServedArticle]:
        ids = [s.id for s in self.sources] if source_id is None else [source_id]
        count = {sid: sum(a["source"] == sid for a in self.corpus) for sid in ids}
        return [self.article(sid, i) for sid in ids for i in range(count[sid])]

    def list_target(self, source_id: str, page_index: int = 0) -> str:
        source = self.source(source_id)
        return target_of(family(source.cms).list_page_url(source, source.columns[0], page_index))

    # -- what the warehouse holds ----------------------------------------------------------
    def stored(self) -> dict[str, tuple[str, date | None]]:
        """doc_id -> (title, published_date) of every stored document."""
        return {d: (t, p) for d, t, p in self.wh.fetchall("SELECT doc_id, title, published_date FROM documents")}

    def lost(self) -> set[str]:
        """Doc ids of articles the site serves that are not stored."""
        return {a.doc_id for a in self.articles()} - set(self.stored())

    def duplicates(self) -> int:
        """Documents stored under an identity the site does not serve (a doubled article), plus
        versions beyond one per document (the same article stored again as changed)."""
        served = {a.doc_id for a in self.articles()}
        rows, versions = self.wh.fetchall("SELECT count(*), (SELECT count(*) FROM document_versions) FROM documents")[0]
        return len(set(self.stored()) - served) + (versions - rows)

    def problems(self, kind: str | None = None) -> list[tuple[str, str, str, str]]:
        """(source_id, url, kind, message) of recorded problems, optionally of one kind."""
        rows = self.wh.fetchall("SELECT source_id, url, kind, message FROM problems ORDER BY problem_id")
        return [r for r in rows if kind is None or r[2] == kind]

    def raw_outcomes(self, target: str) -> list[str]:
        rows = self.wh.fetchall("SELECT outcome FROM raw_pages WHERE url_path = ? ORDER BY raw_page_id",
                                [store.url_path("http://x" + target)])
        return [r[0] for r in rows]

    def document_problems(self, doc_id: str) -> list[str]:
        row = self.wh.fetchall("SELECT problems FROM documents WHERE doc_id = ?", [doc_id])
        return json.loads(row[0][0]) if row and row[0][0] else []


def backfill_warehouse(db_path: str | Path, sources: Sequence[Source], start: date = START,
                       end: date = END) -> RunReport:
    """One whole backfill run as the flow does it: take the warehouse, close crashed runs,
    crawl, code the documents into projects."""
    with Warehouse(db_path) as wh:
        store.mark_crashed_runs(wh)
        run_id = store.start_run(wh, "reliability-test", {"start": start.isoformat(), "end": end.isoformat()})
        with PoliteClient(SETTINGS, robots_cache=RobotsCache.load(store.load_robots(wh))) as client:
            report = backfill_into(wh, run_id, sources, start, end, False, client)
        code_step(wh)
        store.finish_run(wh, run_id, "completed", {})
    return report
