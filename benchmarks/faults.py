"""Fault benchmark: a backfill of a few hundred articles while 10% of the pages misbehave.

Generates a synthetic corpus (``scrapers/replica/synthetic.py``) for every source and column
of the registry, serves it from the replica sites, and backfills the whole window into a
fresh warehouse twice in the same run:

1. clean — no faults: the baseline for wall time and requests;
2. faults — the same replicas behind the fault server, a seeded 10% of the page URLs failing
   once with one of the transient kinds (reset, hang, 500, 502, 503, 429 with Retry-After,
   truncated body); the client retries with its real backoff (short settings, below). If
   anything is missing afterwards, one rerun of the backfill follows, and the table says so.

Prints articles stored / articles served (target 1.0), duplicates (target 0), requests per
stored article, and the wall time of the faulty backfill against the clean one.

``python benchmarks/faults.py [--per-column 45] [--rate 0.10] [--seed 7] [--write-results]``
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results import RESULTS, machine, write_section  # noqa: E402

from flows.crawling import backfill_into  # noqa: E402
from scrapers.http import ClientSettings, PoliteClient  # noqa: E402
from scrapers.registry import Source, load_sources  # noqa: E402
from scrapers.replica import start_replicas  # noqa: E402
from scrapers.replica.corpus import article_from_dict  # noqa: E402
from scrapers.replica.families import layout_for  # noqa: E402
from scrapers.replica.render import DEFAULT_PAGE_SIZE  # noqa: E402
from scrapers.replica.synthetic import synthetic_articles, write_corpus  # noqa: E402
from tests.support.fault_server import TRANSIENT_KINDS, FaultInjector, RandomFaults  # noqa: E402
from warehouse import store  # noqa: E402
from warehouse.db import Warehouse  # noqa: E402

START, END = date(2018, 1, 1), date(2023, 12, 31)  # the synthetic corpus's years
RATE_PER_S = 100.0  # per host: the registry's ceiling; the crawl benchmark measures politeness
#: Short but real: hangs cost a read timeout, retries really wait (backoff and Retry-After).
SETTINGS = ClientSettings(connect_timeout=1.0, read_timeout=1.0, max_duration=10.0, max_attempts=4,
                          backoff_initial=0.2, backoff_max=2.0)
HANG_S = 3.0
RETRY_AFTER_S = 1


@dataclass
class Run:
    name: str
    seconds: float
    slept: float  # summed over hosts, which retry in parallel
    requests: int
    stored: int
    duplicates: int
    injected: Counter

    def row(self, served: int) -> str:
        per_article = self.requests / self.stored if self.stored else float("nan")
        return (f"  {self.name:<30}{self.seconds:>8.1f}{self.slept:>8.1f}{self.requests:>10}{self.stored:>8}/"
                f"{served:<6}{self.stored / served:>8.3f}{self.duplicates:>12}{per_article:>11.2f}")


def backfill(db: Path, sources: list[Source]) -> tuple[float, float]:
    """Wall seconds of one backfill, and the seconds its retries slept (backoff, Retry-After)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    started = time.perf_counter()
    with Warehouse(db) as wh:
        run_id = store.start_run(wh, "benchmark", {})
        with PoliteClient(SETTINGS, backoff_sleep=sleep) as client:
            backfill_into(wh, run_id, sources, START, END, False, client)
        store.finish_run(wh, run_id, "completed", {})
    return time.perf_counter() - started, sum(waits)


def served_paths(sources: list[Source], articles: list[dict]) -> set[tuple[str, str]]:
    """(source id, URL path) of every article page the replica sites serve."""
    by_id = {s.id: s for s in sources}
    paths = set()
    for raw in articles:
        article = article_from_dict(raw)
        source = by_id[article.source]
        column = next(c for c in source.columns if c.path == article.column)
        paths.add((source.id, layout_for(source, DEFAULT_PAGE_SIZE).article_path(column, article)))
    return paths


def stored_and_duplicates(db: Path, served: set[tuple[str, str]]) -> tuple[int, int]:
    """Served articles stored, and duplicates: stored under an identity the sites do not serve
    (a doubled article), or stored again as a changed version."""
    with Warehouse(db) as wh:
        stored = set(wh.fetchall("SELECT source_id, url_path FROM documents"))
        rows, versions = wh.fetchall("SELECT count(*), (SELECT count(*) FROM document_versions) FROM documents")[0]
    return len(stored & served), len(stored - served) + (versions - rows)


def measure(name: str, corpus_dir: Path, served: set[tuple[str, str]], db: Path, sources: list[Source],
            injector: FaultInjector | None, reruns: int) -> list[Run]:
    """One backfill (plus up to ``reruns`` reruns while articles are missing), a Run per pass."""
    runs = []
    with start_replicas(corpus_dir, sources, intercept=injector) as replicas:
        local = replicas.sources_with_local_urls()
        for attempt in range(1 + reruns):
            replicas.reset_logs()
            seconds, slept = backfill(db, local)
            stored, duplicates = stored_and_duplicates(db, served)
            injected = injector.injected_kinds() if injector else Counter()
            runs.append(Run(name if attempt == 0 else f"{name}, rerun {attempt}", seconds, slept,
                            len(replicas.log()), stored, duplicates, injected))
            if stored == len(served):
                break
        if injector:
            injector.close()
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-column", type=int, default=45,
                        help="synthetic articles per column (default 45: 315 over the 7 bundled columns)")
    parser.add_argument("--rate", type=float, default=0.10, help="share of page URLs that fail once (default 0.10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write-results", action="store_true", help=f"update the '## Faults' section of {RESULTS}")
    args = parser.parse_args(argv)

    sources = [replace(s, rate_per_s=RATE_PER_S) for s in load_sources()]
    articles = synthetic_articles(sources, args.per_column)
    paths = served_paths(sources, articles)
    served = len(paths)
    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = write_corpus(Path(tmp) / "corpus", articles)
        clean = measure("no faults", corpus_dir, paths, Path(tmp) / "clean.duckdb", sources, None, reruns=0)
        injector = FaultInjector(random_faults=RandomFaults(args.rate, TRANSIENT_KINDS, args.seed, times=1),
                                 hang_s=HANG_S, retry_after_s=RETRY_AFTER_S, seed=args.seed)
        faulty = measure(f"{args.rate:.0%} transient faults", corpus_dir, paths, Path(tmp) / "faults.duckdb",
                         sources, injector, reruns=1)

    lines = report(clean, faulty, served, sources, args)
    print("\n".join(lines))
    if args.write_results:
        write_results(lines, clean, faulty, served)
    return 0 if faulty[-1].stored == served and faulty[-1].duplicates == 0 else 1


def report(clean: list[Run], faulty: list[Run], served: int, sources: list[Source], args) -> list[str]:
    columns = sum(len(s.columns) for s in sources)
    injected = faulty[-1].injected
    baseline, first = clean[0], faulty[0]
    recovered = ("after the automatic retries (no rerun needed)" if len(faulty) == 1 and first.stored == served
                 else f"after {len(faulty) - 1} rerun(s)" if faulty[-1].stored == served else "NOT recovered")
    return [
        f"backfill {START}..{END} of {served} synthetic articles ({len(sources)} sources, {columns} columns), "
        f"{RATE_PER_S:g} requests/s per host, read timeout {SETTINGS.read_timeout:g} s, "
        f"{SETTINGS.max_attempts} attempts, backoff {SETTINGS.backoff_initial:g}-{SETTINGS.backoff_max:g} s",
        f"  {'run':<30}{'wall s':>8}{'slept s':>8}{'requests':>10}{'stored/served':>14}{'ratio':>8}{'duplicates':>12}"
        f"{'req/stored':>11}",
        *[run.row(served) for run in clean + faulty],
        f"  faults injected: {sum(injected.values())} "
        f"({', '.join(f'{kind} {injected[kind]}' for kind in TRANSIENT_KINDS)}), seed {args.seed}",
        f"  complete {recovered}; wall time with faults / without: {first.seconds / baseline.seconds:.2f}x; "
        f"requests per stored article {first.requests / max(first.stored, 1):.2f} vs "
        f"{baseline.requests / max(baseline.stored, 1):.2f}",
    ]


def write_results(lines: list[str], clean: list[Run], faulty: list[Run], served: int) -> None:
    """Replace (or add) the ``## Faults`` section of RESULTS.md, leaving other sections alone."""
    first = faulty[-1]
    section = "\n".join([
        "## Faults", "",
        f"`python benchmarks/faults.py --write-results` on {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"{machine()}, load average {os.getloadavg()[0]:.1f} at the end. Replica sites in the benchmark's process "
        f"behind the fault server (`tests/support/fault_server.py`). Stored / served **{first.stored}/{served}"
        f" = {first.stored / served:.3f}** (target 1.0), duplicates **{first.duplicates}** (target 0); "
        f"wall time **{faulty[0].seconds / clean[0].seconds:.2f}×** the clean backfill measured in the same run. "
        f"The extra time is mostly waiting: each hang costs a {SETTINGS.read_timeout:g} s read timeout, each 429 its "
        f"Retry-After ({RETRY_AFTER_S} s), each other failure a backoff; `slept s` sums the retry sleeps over the "
        "hosts, which run in parallel but one request at a time per host. The ratio moves with the load of the "
        "machine (other jobs share its two cores), mostly through the clean run's wall time.",
        "", "```", *lines, "```", ""])
    write_section("Faults", section)


if __name__ == "__main__":
    sys.exit(main())
