"""Parsing benchmark: decode + parse of the replica's list and article pages, per CMS family.

The pages are the ones a crawl fetches: every list page of every column (walked with the
family's own ``list_page_url`` and page count) and every article, rendered by
``scrapers.replica.render_site`` from ``sample_sites/corpus`` — no server, no network.
Each page is decoded with ``scrapers.encoding.decode_html`` and parsed with the family's
``parse_list`` / ``parse_article``. The baseline, timed in the same run on the same pages,
is the least any parser can do: decode and ``BeautifulSoup(text, "lxml")``, nothing else.
The UCAP list pages are JSON search answers, so their baseline ratio compares against a
parse that the family never needs. The ``unclosed`` rows are the HTML list pages again with
their row end tags removed: the parsers then build the tree a second time with html5lib.

``python benchmarks/parsing.py [--repeat 5] [--corpus DIR]``
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bs4 import BeautifulSoup  # noqa: E402

from scrapers.cms import family  # noqa: E402
from scrapers.encoding import decode_html  # noqa: E402
from scrapers.registry import BUNDLED_SOURCES, load_sources  # noqa: E402
from scrapers.replica import DEFAULT_CORPUS_DIR, RenderedSite, load_corpus, render_site  # noqa: E402
from scrapers.replica.families import layout_for  # noqa: E402

MAX_LIST_PAGES = 1000
#: End tags whose absence nests list rows in each other under libxml2 (ASCII, so safe in GBK bytes too).
_ROW_END_TAGS = re.compile(rb"</(?:span|div|li|p|dd|dt|tr|td)>")


@dataclass(frozen=True)
class Page:
    family: str
    kind: str  # "list" or "article"
    url: str
    body: bytes
    content_type: str


def _fetch(site: RenderedSite, url: str) -> tuple[bytes, str]:
    parts = urlsplit(url)
    response = site.resolve(parts.path + (f"?{parts.query}" if parts.query else ""))
    if response is None:
        raise SystemExit(f"benchmark: the replica has no page {url}")
    return response.body, response.content_type


def crawl_pages(corpus_dir: Path) -> list[Page]:
    """The list and article pages a full crawl of every bundled source would fetch from the replica."""
    articles = load_corpus(corpus_dir).articles
    pages = []
    for source in load_sources(BUNDLED_SOURCES):
        parser, layout = family(source.cms), layout_for(source, 5)
        site = render_site(source, [a for a in articles if a.source == source.id])
        for column in source.columns:
            index, total = 0, 1
            while index < min(total, MAX_LIST_PAGES):
                url = parser.list_page_url(source, column, index)
                body, content_type = _fetch(site, url)
                pages.append(Page(source.cms, "list", url, body, content_type))
                total = parser.parse_list(decode_html(body, content_type).text, url).total_pages or 1
                index += 1
            for article in articles:
                if article.source == source.id and article.column == column.path:
                    url = source.base_url + layout.article_path(column, article)
                    pages.append(Page(source.cms, "article", url, *_fetch(site, url)))
    return pages


def parse_page(page: Page) -> object:
    module = family(page.family)
    parse = module.parse_list if page.kind == "list" else module.parse_article
    return parse(decode_html(page.body, page.content_type).text, page.url)


def without_row_end_tags(pages: list[Page]) -> list[Page]:
    """The HTML list pages with their row end tags left out, as sloppy sites publish them."""
    return [replace(page, body=_ROW_END_TAGS.sub(b"", page.body)) for page in pages
            if page.kind == "list" and page.content_type.startswith("text/html")]


def soup_only(page: Page) -> object:
    return BeautifulSoup(decode_html(page.body, page.content_type).text, "lxml")


def seconds_per_page(pages: list[Page], work: Callable[[Page], object], repeat: int) -> float:
    """The best of ``repeat`` passes over ``pages``, per page (the best pass is the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for page in pages:
            work(page)
        best = min(best, time.perf_counter() - start)
    return best / len(pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the pages; the best one counts")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR, help="corpus folder to render")
    args = parser.parse_args(argv)

    pages = crawl_pages(args.corpus)
    groups: dict[tuple[str, str], list[Page]] = {}
    for page in pages:
        groups.setdefault((page.family, page.kind), []).append(page)
    groups[("all", "all")] = pages
    groups[("all", "unclosed")] = without_row_end_tags(pages)

    print(f"nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}, {len(pages)} pages, "
          f"best of {args.repeat} passes")
    print(f"{'family':<8} {'kind':<8} {'pages':>6} {'parse ms':>9} {'pages/s':>8} {'soup ms':>8} {'ratio':>6}")
    for (name, kind), group in groups.items():
        parse = seconds_per_page(group, parse_page, args.repeat)
        soup = seconds_per_page(group, soup_only, args.repeat)
        print(f"{name:<8} {kind:<8} {len(group):>6} {parse * 1000:>9.2f} {1 / parse:>8.0f} {soup * 1000:>8.2f} "
              f"{parse / soup:>6.2f}")
    print("parse ms: decode + family parser, per page; soup ms: decode + BeautifulSoup(text, 'lxml') alone, "
          "per page; ratio = parse ms / soup ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
