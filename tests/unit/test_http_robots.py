"""robots.txt verdicts (RFC 9309) and the persistable cache, as pure functions of fetch results."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scrapers.records import FetchResult
from scrapers.robots import RobotsCache, RobotsEntry, verdict_from_fetch

ORIGIN = "https://wsjkw.example.cn"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def fetched(outcome: str, status: int | None = 200, body: bytes = b"", ctype: str = "text/plain") -> FetchResult:
    return FetchResult(url=ORIGIN + "/robots.txt", outcome=outcome, status=status, body=body,
                       headers={"content-type": ctype}, fetched_at=NOW, error=f"{outcome} for test")


@pytest.mark.parametrize("fetch, verdict", [
    (fetched("ok", body=b"User-agent: *\nDisallow: /search/\n"), "rules"),
    (fetched("ok", body=b"<!DOCTYPE html><html>Disallow: /</html>", ctype="text/plain"), "allow_all"),
    (fetched("ok", body=b"User-agent: *\nDisallow: /\n", ctype="text/html; charset=utf-8"), "allow_all"),
    (fetched("http_error", status=404), "allow_all"),
    (fetched("http_error", status=403), "allow_all"),
    (fetched("challenged", status=412, body=b"<script>$_ts=1</script>"), "allow_all"),
    (fetched("off_origin", status=302), "allow_all"),
    (fetched("http_error", status=503), "disallow_all"),
    (fetched("network_error", status=None), "disallow_all"),
])
def test_verdicts_follow_rfc_9309(fetch, verdict):
    entry = verdict_from_fetch(ORIGIN, fetch)
    assert entry.verdict == verdict and entry.definitive == (verdict != "disallow_all")
    assert entry.can_fetch(ORIGIN + "/news/1.html") == (verdict != "disallow_all")


def test_rules_and_intervals_for_our_user_agent():
    text = b"User-agent: *\nDisallow: /\n\nUser-agent: healthcoop\nDisallow: /search/\nCrawl-delay: 2\nRequest-rate: 1/5s\n"
    entry = verdict_from_fetch(ORIGIN, fetched("ok", body=text))
    assert entry.can_fetch(ORIGIN + "/news/1.html") and not entry.can_fetch(ORIGIN + "/search/?q=1")
    assert entry.min_interval() == 5.0
    assert verdict_from_fetch(ORIGIN, fetched("http_error", status=404)).min_interval() == 0.0


def test_cache_round_trips_keeps_only_definitive_fresh_entries():
    fresh = RobotsEntry(ORIGIN, "rules", "HTTP 200", datetime.now(timezone.utc), "User-agent: *\nDisallow: /x/\n")
    failing = RobotsEntry("https://other.example.cn", "disallow_all", "HTTP 503", datetime.now(timezone.utc))
    cache = RobotsCache()
    cache.put(fresh)
    cache.put(failing)
    rows = cache.export()
    assert [r["origin"] for r in rows] == [ORIGIN]
    restored = RobotsCache.load(rows)
    assert not restored.get(ORIGIN).can_fetch(ORIGIN + "/x/1") and restored.get("https://other.example.cn") is None
    stale = dict(rows[0], fetched_at=(datetime.now(timezone.utc) - timedelta(days=2)).replace(tzinfo=None).isoformat())
    assert RobotsCache.load([stale]).get(ORIGIN) is None  # a naive timestamp is read as UTC, and is too old
