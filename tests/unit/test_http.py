"""The polite client against scripted 127.0.0.1 servers: pacing, robots, retries, caps, redirects."""
from __future__ import annotations

import random
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from scrapers.http import ClientSettings, PoliteClient, meta_refresh_target, origin_of, parse_retry_after
from scrapers.registry import Column, Source
from scrapers.robots import RobotsCache, RobotsEntry
from tests.support.http_server import Reply, ScriptedServer, html, redirect

FAST = ClientSettings(read_timeout=2.0, connect_timeout=1.0)


def site(origin: str, rate: float = 500.0) -> Source:
    return Source(id="t", name="test", cms="generic", base_url=origin, columns=(Column("/", "c"),), rate_per_s=rate)


class Sleeps(list):
    """An injected backoff sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps):
    with PoliteClient(FAST, backoff_sleep=sleeps, rng=random.Random(7)) as c:
        yield c


def test_sends_identifying_user_agent_and_asks_robots_once(server, client):
    server.route("/a", html("<p>a</p>"))
    server.route("/b", html("<p>b</p>"))
    assert client.fetch(site(server.origin), server.url("/a")).ok
    result = client.fetch(site(server.origin), server.url("/b"))
    assert result.ok and result.body == b"<p>b</p>" and result.encoding == "utf-8"
    assert server.paths() == ["/robots.txt", "/a", "/b"]
    ua = server.requests("/a")[0].headers["user-agent"]
    assert ua.startswith("healthcoop/") and "https://" in ua


def test_paces_requests_to_the_per_host_rate(server, client):
    server.route("/p", html("x"))
    src = site(server.origin, rate=20.0)
    for _ in range(9):
        client.fetch(src, server.url("/p"))
    times = [r.at for r in server.requests("/p")][1:]  # from the second on: no connection set-up in the gaps
    gaps = [b - a for a, b in zip(times, times[1:])]
    # Arrival times jitter by a few ms on a busy machine, so one gap can look short if the one
    # before it looked long; over the whole run the rate never exceeds the limit.
    assert min(gaps) >= 0.035 and times[-1] - times[0] >= 0.05 * len(gaps) - 0.005, gaps
    # Not much slower either (loose: a loaded CI box delays wake-ups; benchmarks/crawl.py measures precision).
    assert sorted(gaps)[len(gaps) // 2] < 0.065, gaps


def test_one_request_at_a_time_per_host_even_from_many_threads(server, client):
    server.route("/slow", Reply(body=b"x", delay=0.05))
    src = site(server.origin, rate=1000.0)
    client.fetch(src, server.url("/slow"))  # robots first
    threads = [threading.Thread(target=client.fetch, args=(src, server.url("/slow"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(r.at for r in server.requests("/slow"))
    assert len(times) == 5
    assert all(b - a >= 0.04 for a, b in zip(times, times[1:]))  # never overlapping (0.05 s each)


def test_different_hosts_are_paced_independently(client):
    with ScriptedServer() as one, ScriptedServer() as two:
        for srv in (one, two):
            srv.route("/p", html("x"))
        started = time.monotonic()
        workers = [threading.Thread(target=lambda s=s: [client.fetch(site(s.origin, 10.0), s.url("/p"))
                                                        for _ in range(3)]) for s in (one, two)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        assert 0.28 <= elapsed < 0.6  # 4 requests per host at 10/s ≈ 0.3 s, not 0.7 s in series
        assert client.host_stats()[one.origin].requests == 4


def test_robots_disallow_is_obeyed_without_a_request(server, client):
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n"))
    server.route("/private/x", html("secret"))
    result = client.fetch(site(server.origin), server.url("/private/x"))
    assert result.outcome == "robots_disallowed" and "/private/x" in result.error
    assert server.paths() == ["/robots.txt"]


def test_crawl_delay_raises_the_minimum_interval(server, client):
    server.route("/robots.txt", Reply(body=b"User-agent: healthcoop\nCrawl-delay: 0.2\n"))
    server.route("/p", html("x"))
    for _ in range(3):
        client.fetch(site(server.origin, rate=500.0), server.url("/p"))
    times = [r.at for r in server.requests("/p")]
    assert all(b - a >= 0.18 for a, b in zip(times, times[1:])), times


def test_robots_5xx_disallows_all_for_now_and_is_not_exported(server, client, sleeps):
    server.route("/robots.txt", Reply(status=500))
    server.route("/p", html("x"))
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.outcome == "robots_disallowed"
    assert "/p" not in server.paths()
    assert client.robots_cache.export() == []


def test_robots_html_page_is_not_parsed_as_rules(server, client):
    server.route("/robots.txt", html("<html><body><pre>User-agent: *\nDisallow: /\n</pre></body></html>"))
    server.route("/p", html("x"))
    assert client.fetch(site(server.origin), server.url("/p")).ok
    assert client.robots_cache.export()[0]["verdict"] == "allow_all"


def test_robots_cache_can_be_injected_and_exported(server, sleeps):
    server.route("/p", html("x"))
    fresh = RobotsEntry(origin=server.origin, verdict="rules", reason="HTTP 200",
                        fetched_at=datetime.now(timezone.utc), text="User-agent: *\nDisallow: /no/\n")
    cache = RobotsCache.load([fresh.to_dict()])
    with PoliteClient(FAST, robots_cache=cache, backoff_sleep=sleeps) as client:
        assert client.fetch(site(server.origin), server.url("/p")).ok
        assert client.fetch(site(server.origin), server.url("/no/1")).outcome == "robots_disallowed"
    assert server.paths() == ["/p"]
    stale = RobotsEntry(origin=server.origin, verdict="allow_all", reason="HTTP 404",
                        fetched_at=datetime.now(timezone.utc) - timedelta(days=2))
    with PoliteClient(FAST, robots_cache=RobotsCache.load([stale.to_dict()]), backoff_sleep=sleeps) as client:
        client.fetch(site(server.origin), server.url("/p"))
        assert client.robots_cache.export()[0]["reason"] == "no robots.txt (http_error, HTTP 404)"
    assert server.paths()[1:] == ["/robots.txt", "/p"]


def test_retries_503_honouring_retry_after_seconds(server, client, sleeps):
    server.route("/p", [Reply(status=503, headers={"Retry-After": "3"}), html("fine")])
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.ok and result.attempts == 2 and sleeps == [3.0]


def test_retry_after_http_date(server, client, sleeps):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    server.route("/p", [Reply(status=429, headers={"Retry-After": when}), html("fine")])
    assert client.fetch(site(server.origin), server.url("/p")).ok
    assert len(sleeps) == 1 and 27 <= sleeps[0] <= 30


def test_429_without_retry_after_backs_off_exponentially_with_jitter(server, client, sleeps):
    server.route("/p", Reply(status=429))
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.outcome == "http_error" and result.status == 429 and result.attempts == 4
    assert len(server.requests("/p")) == 4 and len(sleeps) == 3
    for attempt, wait in enumerate(sleeps, start=1):
        step = 2 ** (attempt - 1)
        assert step / 2 <= wait <= step


def test_retry_after_beyond_the_cap_gives_up_at_once(server, client, sleeps):
    server.route("/p", Reply(status=503, headers={"Retry-After": "3600"}))
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.outcome == "http_error" and "3600" in result.error
    assert len(server.requests("/p")) == 1 and sleeps == []


def test_read_timeout_is_retried(server, sleeps):
    server.route("/p", [Reply(body=b"late", delay=1.0), html("on time")])
    with PoliteClient(ClientSettings(read_timeout=0.2), backoff_sleep=sleeps) as client:
        result = client.fetch(site(server.origin), server.url("/p"))
    assert result.ok and result.attempts == 2 and len(sleeps) == 1


def test_truncated_body_is_retried(server, client, sleeps):
    server.route("/p", [Reply(body=b"<p>cut sh", content_length=5000, close=True), html("<p>whole</p>")])
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.ok and result.body == b"<p>whole</p>" and result.attempts == 2 and len(sleeps) == 1


def test_a_slowly_dripping_body_is_abandoned(server, sleeps):
    server.route("/p", Reply(body=b"x" * 100, drip=0.02))
    with PoliteClient(ClientSettings(max_duration=0.2, max_attempts=1), backoff_sleep=sleeps) as client:
        started = time.monotonic()
        result = client.fetch(site(server.origin), server.url("/p"))
    assert result.outcome == "network_error" and "not complete within" in result.error
    assert time.monotonic() - started < 1.0


def test_connection_refused_is_a_network_error_not_an_exception(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    origin = f"http://127.0.0.1:{port}"
    with PoliteClient(ClientSettings(obey_robots=False, max_attempts=2), backoff_sleep=sleeps) as client:
        result = client.fetch(site(origin), origin + "/p")
    assert result.outcome == "network_error" and "ConnectError" in result.error and result.attempts == 2


def test_size_cap_stops_an_endless_body_early(server, sleeps):
    server.route("/big", Reply(body=b"y" * 65536, endless=True))
    with PoliteClient(ClientSettings(max_bytes=200_000), backoff_sleep=sleeps) as client:
        result = client.fetch(site(server.origin), server.url("/big"))
        time.sleep(0.2)
    assert result.outcome == "too_large" and "200000" in result.error
    assert server.bytes_sent("/big") < 20 * 1024 * 1024  # far below the server's 200 MB
    assert len(server.requests("/big")) == 1


def test_declared_content_length_over_the_cap_is_refused_before_reading(server, sleeps):
    server.route("/big", Reply(body=b"z" * 1000, content_length=50 * 1024 * 1024))
    with PoliteClient(ClientSettings(max_bytes=100_000), backoff_sleep=sleeps) as client:
        result = client.fetch(site(server.origin), server.url("/big"))
    assert result.outcome == "too_large" and "Content-Length" in result.error


def test_redirect_within_origin_is_followed(server, client):
    server.route("/old", redirect("/new", 301))
    server.route("/new", html("moved here"))
    result = client.fetch(site(server.origin), server.url("/old"))
    assert result.ok and result.final_url == server.url("/new") and result.url == server.url("/old")


def test_off_origin_redirect_is_refused_without_touching_the_other_server(server, client):
    with ScriptedServer() as other:
        other.route("/x", html("elsewhere"))
        server.route("/go", redirect(other.url("/x")))
        result = client.fetch(site(server.origin), server.url("/go"))
        assert result.outcome == "off_origin" and other.origin in result.error
        assert other.requests() == []


def test_off_origin_url_is_refused_without_any_request(server, client):
    result = client.fetch(site(server.origin), "http://192.168.1.1/x")
    assert result.outcome == "off_origin"
    assert client.fetch(site(server.origin), "javascript:void(0)").outcome == "off_origin"
    assert server.requests() == []


def test_redirect_loop_and_too_many_redirects(server, client):
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    loop = client.fetch(site(server.origin), server.url("/a"))
    assert loop.outcome == "http_error" and "loop" in loop.error
    assert server.paths().count("/a") == 1 and server.paths().count("/b") == 1
    for i in range(8):
        server.route(f"/c{i}", redirect(f"/c{i + 1}"))
    chain = client.fetch(site(server.origin), server.url("/c0"))
    assert chain.outcome == "http_error" and "more than 5 redirects" in chain.error
    assert len([p for p in server.paths() if p.startswith("/c")]) == 6


def test_meta_refresh_is_followed_on_the_same_origin_only(server, client):
    server.route("/", html('<html><head><meta http-equiv="Refresh" content="0;URL=/index.html"></head></html>'))
    server.route("/index.html", html("<p>home</p>"))
    result = client.fetch(site(server.origin), server.url("/"))
    assert result.ok and result.final_url == server.url("/index.html")
    server.route("/away", html("<meta content='0; url=http://10.0.0.1/' http-equiv='refresh'>"))
    assert client.fetch(site(server.origin), server.url("/away")).outcome == "off_origin"


def test_conditional_get_gives_not_modified(server, client):
    def page(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return html("list", ETag='"v1"')

    server.route("/list", page)
    first = client.fetch(site(server.origin), server.url("/list"))
    assert first.ok and first.headers["etag"] == '"v1"'
    again = client.fetch(site(server.origin), server.url("/list"), etag='"v1"', last_modified="Wed, 01 Jan 2020 00:00:00 GMT")
    assert again.outcome == "not_modified" and again.status == 304 and again.body == b""
    assert server.requests("/list")[1].headers["if-modified-since"] == "Wed, 01 Jan 2020 00:00:00 GMT"


@pytest.mark.parametrize("status", [412, 521])
def test_challenge_statuses_are_reported_and_never_retried(server, client, sleeps, status):
    server.route("/p", html("<script>$_ts=window['$_ts'];</script>", status=status))
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.outcome == "challenged" and "site protection" in result.error
    assert len(server.requests("/p")) == 1 and sleeps == []


def test_client_errors_are_not_retried(server, client, sleeps):
    result = client.fetch(site(server.origin), server.url("/missing"))
    assert result.outcome == "http_error" and result.status == 404 and result.attempts == 1 and sleeps == []


def test_helpers():
    assert origin_of("HTTP://Example.COM:80/a") == "http://example.com"
    assert origin_of("https://x.cn:8443/a?b") == "https://x.cn:8443"
    assert origin_of("mailto:a@b.c") is None
    assert parse_retry_after("12") == 12.0 and parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("Wed, 01 Jan 2020 00:00:00 GMT") == 0.0
    assert meta_refresh_target(b'<META HTTP-EQUIV="refresh" CONTENT="0; URL=\'/a/b.html\'">') == "/a/b.html"
    assert meta_refresh_target(b'<meta http-equiv="refresh" content="30">') is None


def test_a_captcha_page_served_with_200_in_gbk_is_a_challenge(server, client, sleeps):
    page = "<html><body><p>请输入验证码后继续访问</p><img src='/code.jpg'></body></html>".encode("gbk")
    server.route("/p", Reply(body=page, headers={"Content-Type": "text/html"}))
    result = client.fetch(site(server.origin), server.url("/p"))
    assert result.outcome == "challenged" and "captcha" in result.error and sleeps == []


def test_binary_bodies_are_passed_through(server, client):
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    server.route("/f.pdf", Reply(body=pdf, headers={"Content-Type": "application/pdf"}))
    result = client.fetch(site(server.origin), server.url("/f.pdf"))
    assert result.ok and result.body == pdf and result.encoding is None
