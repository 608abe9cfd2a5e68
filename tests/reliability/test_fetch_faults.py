"""Network and HTTP faults during a real backfill: retried where that helps, recorded where not.

Every test crawls two or more replica sources into a tmp warehouse while one of them
misbehaves, and checks the same things: no document lost once the fault is over, none
doubled, the failure recorded with a name a person understands, and the other pages and
sources of the run unaffected.
"""
from __future__ import annotations

import pytest

from tests.reliability.harness import FAMILY_SOURCES, SETTINGS, fast_sources
from tests.support.fault_server import HUGE_BYTES, PRIVATE_ORIGIN, RETRY_AFTER_S, Rule

#: kind -> (problem kind recorded after the last attempt, words naming the cause in its message)
RETRYABLE = {
    "reset": ("network_error", "Connection reset"),
    "hang": ("network_error", "ReadTimeout"),
    "http_500": ("http_error", "HTTP 500"),
    "http_502": ("http_error", "HTTP 502"),
    "http_503": ("http_error", "HTTP 503"),
    "http_429": ("http_error", "HTTP 429"),
    "truncated": ("network_error", "complete message body"),
}
ATTEMPTS = SETTINGS.max_attempts


@pytest.mark.parametrize("kind", RETRYABLE)
def test_transient_fault_is_retried_and_an_outage_is_recorded_then_recovered(faulty_crawl, kind):
    position = list(RETRYABLE).index(kind)  # rotate the faulted family across kinds
    faulted, other = FAMILY_SOURCES[position % 4], FAMILY_SOURCES[(position + 1) % 4]
    crawl = faulty_crawl(sources=fast_sources((faulted, other)))
    blip = crawl.article(faulted, 1)  # fails once: the retry gets it
    outage = crawl.article(faulted, 5)  # on list page 2; fails every attempt of the first run
    list_blip = crawl.list_target(other, 1)  # the other source's list page 2 fails once
    crawl.injector.rules = [Rule(blip.target, kind, times=1), Rule(outage.target, kind, times=ATTEMPTS),
                            Rule(list_blip, kind, times=1)]

    report = crawl.backfill()
    assert crawl.lost() == {outage.doc_id}
    assert crawl.duplicates() == 0
    assert (crawl.injector.seen(blip.target), crawl.injector.seen(list_blip)) == (2, 2)
    assert crawl.injector.seen(outage.target) == ATTEMPTS
    problem_kind, cause = RETRYABLE[kind]
    [(source_id, url, recorded_kind, message)] = crawl.problems()
    assert (source_id, recorded_kind) == (faulted, problem_kind) and url.endswith(outage.target)
    assert cause in message and outage.target in message
    assert report.source(faulted).fetch_errors == 1
    assert report.source(other).status == "ok"
    if kind == "http_429":
        assert float(RETRY_AFTER_S) in crawl.waits  # Retry-After honoured, not the default backoff

    crawl.backfill()  # the outage is over
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0
    assert crawl.injector.seen(outage.target) == ATTEMPTS + 1
    assert crawl.injector.seen(blip.target) == 2  # stored articles are never fetched again


def test_a_source_that_keeps_failing_is_stopped_and_the_others_complete(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("cq_wsjkw", "sc_wsjkw", "cd_wjw")))
    articles = crawl.articles("cq_wsjkw")
    article_dir = articles[0].target.rsplit("/", 1)[0] + "/"
    crawl.injector.rules = [Rule(article_dir + "*", "http_503"),  # every article of cq_wsjkw
                            Rule(crawl.list_target("sc_wsjkw"), "reset", times=ATTEMPTS)]  # sc's column, once

    report = crawl.backfill()
    stopped = report.source("cq_wsjkw")
    assert stopped.status == "broken" and "stopped after 5 consecutive errors" in stopped.message
    assert [crawl.injector.seen(a.target) for a in articles] == [ATTEMPTS] * 5 + [0, 0]  # no hammering
    unreadable = report.source("sc_wsjkw")
    assert unreadable.status == "broken" and "first list page" in unreadable.message
    assert "Connection reset" in unreadable.message
    kinds = [p[2] for p in crawl.problems()]
    assert kinds.count("http_error") == 5 and kinds.count("stopped") == 1 and kinds.count("network_error") == 1
    assert crawl.lost() == {a.doc_id for a in crawl.articles("cq_wsjkw") + crawl.articles("sc_wsjkw")}
    assert report.source("cd_wjw").status == "ok"

    crawl.injector.rules = []  # both sites are back
    crawl.backfill()
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0


def test_a_challenge_page_is_recorded_not_retried_not_parsed_and_stops_only_that_source(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("cd_wjw", "cq_wsjkw")))
    articles = crawl.articles("cd_wjw")
    challenged = articles[1]
    crawl.injector.rules = [Rule(challenged.target, "challenge", times=1)]

    report = crawl.backfill()
    health = report.source("cd_wjw")
    assert health.status == "challenged" and "blocked by site protection" in health.message
    assert crawl.injector.seen(challenged.target) == 1  # a challenge is never retried
    assert [crawl.injector.seen(a.target) for a in articles[2:]] == [0] * 5  # the source stopped at once
    [(_, url, kind, message)] = crawl.problems()
    assert kind == "challenged" and "$_ts" in message and url.endswith(challenged.target)
    assert crawl.raw_outcomes(challenged.target) == ["challenged"]  # the bytes are kept, not parsed
    assert crawl.lost() == {a.doc_id for a in articles[1:]}  # cq_wsjkw complete, nothing made of the challenge
    assert report.source("cq_wsjkw").status == "ok"

    crawl.backfill()  # the protection lets us through again
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0


@pytest.mark.parametrize("kind", ["redirect_offsite", "redirect_private"])
def test_a_redirect_off_the_origin_is_recorded_and_never_followed(faulty_crawl, offsite, connection_guard, kind):
    crawl = faulty_crawl(sources=fast_sources(("sc_wsjkw", "lz_wjw")))
    moved = crawl.article("sc_wsjkw", 2)
    crawl.injector.rules = [Rule(moved.target, kind)]

    crawl.backfill()
    assert offsite.connections == 0  # not even a TCP connection to the other origin
    assert connection_guard.outside() == []  # nor to 10.0.0.1
    [(_, url, problem_kind, message)] = crawl.problems()
    destination = offsite.origin if kind == "redirect_offsite" else PRIVATE_ORIGIN
    assert problem_kind == "off_origin" and f"to {destination}" in message and url.endswith(moved.target)
    assert crawl.injector.seen(moved.target) == 1
    assert crawl.lost() == {moved.doc_id}  # everything else of both sources is stored
    assert crawl.duplicates() == 0


def test_a_redirect_to_a_private_address_is_refused_in_the_fetch_result(faulty_crawl, connection_guard):
    crawl = faulty_crawl(sources=fast_sources(("sc_wsjkw",)))
    moved = crawl.article("sc_wsjkw", 0)
    crawl.injector.rules = [Rule(moved.target, "redirect_private")]
    site = crawl.source("sc_wsjkw")
    url = site.base_url + moved.target
    with crawl.client() as client:
        result = client.fetch(site, url)
    assert (result.outcome, result.status, result.final_url, result.attempts) == ("off_origin", 302, url, 1)
    assert f"{PRIVATE_ORIGIN}{moved.target}" in result.error and result.body == b""
    assert {host for host, _ in connection_guard.attempts} == {"127.0.0.1"}


@pytest.mark.parametrize("kind", ["huge", "huge_chunked"])
def test_a_50_mb_page_is_refused_at_the_size_cap_without_reading_it(faulty_crawl, kind):
    crawl = faulty_crawl(sources=fast_sources(("cq_wsjkw", "cd_wjw")))
    big = crawl.article("cq_wsjkw", 3)
    crawl.injector.rules = [Rule(big.target, kind, times=1)]

    crawl.backfill()
    [(_, url, problem_kind, message)] = crawl.problems()
    assert problem_kind == "too_large" and f"{SETTINGS.max_bytes}-byte cap" in message
    assert crawl.injector.seen(big.target) == 1  # not retried
    [written] = crawl.injector.finished_streams(1)
    assert written < HUGE_BYTES // 5  # the client hung up long before the end
    largest_kept = crawl.wh.fetchall("SELECT max(octet_length(body)) FROM raw_pages")[0][0]
    assert largest_kept < SETTINGS.max_bytes  # no part of the big page was stored
    assert crawl.lost() == {big.doc_id}

    crawl.backfill()  # a sane page now
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0


def test_an_endless_redirect_loop_is_cut_and_recorded(faulty_crawl):
    crawl = faulty_crawl(sources=fast_sources(("lz_wjw", "sc_wsjkw")))
    looping = crawl.article("lz_wjw", 4)
    crawl.injector.rules = [Rule(looping.target, "redirect_loop", times=1)]

    crawl.backfill()
    [(_, url, problem_kind, message)] = crawl.problems()
    assert problem_kind == "http_error" and "redirect" in message and url.endswith(looping.target)
    assert crawl.injector.injected_kinds()["redirect_loop"] <= SETTINGS.max_redirects + 1
    assert crawl.lost() == {looping.doc_id}

    crawl.backfill()
    assert crawl.lost() == set()
    assert crawl.duplicates() == 0
