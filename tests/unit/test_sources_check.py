"""``healthcoop sources check`` against the replica sites: every column answers, the sources
are checked side by side, and a column that lost its list is loud."""
from __future__ import annotations

import time
from dataclasses import replace

from flows.checks import check_sources
from scrapers.registry import load_sources
from scrapers.replica import DEFAULT_CORPUS_DIR, start_replicas


def test_every_bundled_column_checks_ok_and_sources_run_side_by_side():
    sources = [replace(s, rate_per_s=4.0) for s in load_sources()]
    with start_replicas(DEFAULT_CORPUS_DIR, sources) as replicas:
        local = replicas.sources_with_local_urls()
        broken = replace(local[0], id="gone", columns=(replace(local[0].columns[0], path="/gone/"),))
        started = time.monotonic()
        rows = check_sources([*local, broken])
        elapsed = time.monotonic() - started
    by_column = {(r["source_id"], r["column"].split()[0]): r for r in rows}
    assert len(rows) == sum(len(s.columns) for s in local) + 1
    assert all(r["status"] == "ok" and r["items"] >= 5 for key, r in by_column.items() if key[0] != "gone")
    assert by_column[("gone", "/gone/")]["status"] != "ok" and "gone" in by_column[("gone", "/gone/")]["message"]
    # at 4 requests/s a column costs ~0.5 s (list page, article); in a row the 8 columns would take ~4 s
    assert elapsed < sum(r["seconds"] for r in rows) * 0.75
