"""Fault injection over the replica sites, through their per-request ``intercept`` hook.

A government site misbehaves in a small number of ways, and each is a *kind* here:
``reset`` (TCP RST before any answer), ``hang`` (no answer until the client's read timeout
has long passed), ``http_500``/``http_502``/``http_503``, ``http_429`` (with ``Retry-After``),
``challenge`` (HTTP 412 with a ``$_ts`` script, the 瑞数 anti-bot page), ``truncated``
(Content-Length larger than what is sent), ``huge`` / ``huge_chunked`` (50 MB, streamed in
small chunks, never built in memory), ``redirect_loop`` (every answer redirects to a fresh
URL), ``redirect_offsite`` (to another local origin that records every TCP connection),
``redirect_private`` (to http://10.0.0.1/), ``layout_changed`` (a list page with zero
items), ``gbk_as_utf8`` (GBK bytes, header says UTF-8), ``malformed_html`` (sloppy markup a
browser renders), ``unclosed_tags`` (end tags missing), ``impossible_date`` (the article's
date becomes 2021-02-30) and ``mutated`` (random byte edits, seeded, for fuzzing the crawl).

Faults are chosen per request target by ``Rule``s (exact target, target without its query,
or a prefix ending in ``*``) or at random with a fixed seed (``RandomFaults``, decided per
target from a hash, so the choice does not depend on thread timing). ``times=N`` makes a
fault transient (the first N matching requests fail, then the page is served normally);
``times=None`` makes it permanent.

Everything is bounded and stops by itself: 127.0.0.1 only, a request budget, hangs capped at
``MAX_HANG_S`` and cut short by ``close()``, streams capped at ``HUGE_BYTES`` and stopped as
soon as the client hangs up, redirect loops capped at ``MAX_LOOP_HOPS``.
"""
from __future__ import annotations

import hashlib
import random
import re
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from scrapers.replica.server import Pipeline, Reply, ReplicaRequest, StaticReply

HOST = "127.0.0.1"
PRIVATE_ORIGIN = "http://10.0.0.1"
MAX_REQUESTS = 20_000
MAX_HANG_S = 5.0
HUGE_BYTES = 50 * 1024 * 1024
STREAM_CHUNK = 64 * 1024
MAX_LOOP_HOPS = 50
LOOP_PREFIX = "/__loop__/"
RETRY_AFTER_S = 7
IMPOSSIBLE_DATE = (2021, 2, 30)

CHALLENGE_PAGE = (b"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                  b"<script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=48291;$_ts.cd=\"qEwcrrAlq\";</script>"
                  b"<script src=\"/4QbVtADbnLVIc/c.FxJzG50F.js\" charset=\"utf-8\"></script>"
                  b"</head><body></body></html>")
REDESIGNED_LIST_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>工作动态 - 新版网站</title></head><body>"
    "<div class=\"v2-header\"><a href=\"/\">首页</a></div>"
    "<div id=\"app\" class=\"v2-list\" data-api=\"/api/v2/columns/list\"></div>"
    "<p class=\"v2-notice\">本栏目已改版，新闻列表由新版页面脚本加载，请使用新版网站浏览。</p>"
    "<div class=\"v2-footer\">主办单位：卫生健康委员会　技术支持：新版网站建设组</div></body></html>"
).encode("utf-8")
REDESIGNED_LIST_API = b'{"code": 200, "message": "interface upgraded", "data": {"rows": [], "count": 0}}'


# --------------------------------------------------------------------------- replies on the socket

def _end_connection(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True


@dataclass(frozen=True)
class ResetReply:
    """Close the connection with a TCP RST (SO_LINGER 0) before sending a status line.

    Closing the socket object only drops its reference; the kernel socket goes (with the RST)
    when the handler closes its read file, right after this returns.
    """

    status: int = 0

    def send(self, handler: BaseHTTPRequestHandler, head_only: bool) -> None:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        _end_connection(handler)


@dataclass(frozen=True)
class HangReply:
    """Say nothing for ``seconds`` (or until the injector closes), then hang up."""

    seconds: float
    stop: threading.Event
    status: int = 0

    def send(self, handler: BaseHTTPRequestHandler, head_only: bool) -> None:
        self.stop.wait(min(self.seconds, MAX_HANG_S))
        _end_connection(handler)


@dataclass(frozen=True)
class TruncatedReply:
    """The normal answer with its true Content-Length, cut off half-way through the body."""

    inner: StaticReply

    @property
    def status(self) -> int:
        return self.inner.status

    def send(self, handler: BaseHTTPRequestHandler, head_only: bool) -> None:
        body = self.inner.body or b"<html><body>truncated</body></html>"
        handler.send_response(self.inner.status)
        for name, value in self.inner.headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if not head_only:
            handler.wfile.write(body[:len(body) // 2])
        _end_connection(handler)


@dataclass(frozen=True)
class StreamedReply:
    """``total`` bytes of HTML-looking filler, written chunk by chunk until the client hangs up.

    ``declare_length`` sends ``Content-Length: total`` (a client can refuse from the header);
    otherwise the body is chunked and only counting what was read can stop it. ``sent`` gets
    the number of body bytes written, so a test can show the client stopped early.
    """

    total: int
    declare_length: bool
    stop: threading.Event
    sent: Callable[[int], None]
    status: int = 200

    def send(self, handler: BaseHTTPRequestHandler, head_only: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if self.declare_length:
            handler.send_header("Content-Length", str(self.total))
        else:
            handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        _end_connection(handler)
        if head_only:
            return
        chunk = (b"<p>" + "填充内容".encode("utf-8") * 16 + b"</p>\n") * (STREAM_CHUNK // 200)
        written = 0
        try:
            while written < self.total and not self.stop.is_set():
                piece = chunk[:self.total - written]
                frame = piece if self.declare_length else b"%x\r\n%s\r\n" % (len(piece), piece)
                handler.wfile.write(frame)
                written += len(piece)
            if not self.declare_length and not self.stop.is_set():
                handler.wfile.write(b"0\r\n\r\n")
        except (ConnectionError, OSError):
            pass  # the client stopped reading: exactly what a size cap should do
        finally:
            self.sent(written)


# --------------------------------------------------------------------------- page transforms (pure)

_META_CHARSET = re.compile(rb"""(<meta[^>]*charset\s*=\s*["']?)([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def page_text(body: bytes) -> str:
    """Replica pages are UTF-8, or GBK declared in a meta tag (the generic family)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def _content_type(reply: StaticReply) -> str:
    return next((v for k, v in reply.headers if k.lower() == "content-type"), "text/html")


def _with_header(reply: StaticReply, name: str, value: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in reply.headers if k.lower() != name.lower()) + ((name, value),)


def gbk_declared_utf8(reply: StaticReply) -> StaticReply:
    """The same page as GBK bytes, with ``Content-Type: text/html; charset=utf-8``."""
    media_type = _content_type(reply).split(";")[0].strip() or "text/html"
    body = page_text(reply.body).encode("gbk", errors="xmlcharrefreplace")
    return StaticReply(reply.status, _with_header(reply, "Content-Type", f"{media_type}; charset=utf-8"), body)


def malformed(reply: StaticReply) -> StaticReply:
    """Sloppy markup every browser renders: optional end tags left out (``</p>``, ``</li>``),
    tags in capitals, unquoted attributes, stray end tags and bare ``<`` / ``&`` in text."""
    text = page_text(reply.body)
    text = re.sub(r"</(p|li)>", "", text)
    text = text.replace("<html", "<HTML").replace("<body>", "<BODY></table></tr><b></b>")
    text = re.sub(r'class="([A-Za-z_\-]+)"', r"class=\1", text)
    text = text.replace("</head>", "</head><p>1 < 2 && 3 > 2 <<")
    return _same_encoding(reply, text)


def unclosed(reply: StaticReply) -> StaticReply:
    """No end tags for ``span``, ``div``, ``li`` or ``p``: browsers close them by the HTML5 rules
    (a new ``<li>`` ends the open row and whatever is open inside it); a tree builder without
    those rules nests every following row inside the previous one."""
    return _same_encoding(reply, re.sub(r"</(span|div|li|p)>", "", page_text(reply.body)))


def _same_encoding(reply: StaticReply, text: str) -> StaticReply:
    encoding = "utf-8" if _is_utf8(reply.body) else "gb18030"
    return StaticReply(reply.status, reply.headers, text.encode(encoding, errors="xmlcharrefreplace"))


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def impossible_date(reply: StaticReply, day: tuple[int, int, int] = IMPOSSIBLE_DATE) -> StaticReply:
    """Every rendering of the page's first date (ISO or 年月日) replaced by an impossible one."""
    text = page_text(reply.body)
    found = _ISO_DATE.search(text) or _CN_DATE.search(text)
    if found is None:
        return reply
    y, m, d = (int(g) for g in found.groups())
    fy, fm, fd = day
    text = text.replace(f"{y}-{m:02d}-{d:02d}", f"{fy}-{fm:02d}-{fd:02d}")
    text = text.replace(f"{y}年{m}月{d}日", f"{fy}年{fm}月{fd}日")
    return _same_encoding(reply, text)


def redesigned(reply: StaticReply) -> StaticReply:
    """A list page after a redesign: the column is still there, its items are not (HTML or JSON)."""
    content_type = _content_type(reply)
    body = REDESIGNED_LIST_API if "json" in content_type else REDESIGNED_LIST_PAGE
    return StaticReply(200, _with_header(reply, "Content-Type", content_type), body)


def mutate(body: bytes, rng: random.Random) -> bytes:
    """1–6 slices of the page deleted, duplicated or replaced by random bytes; maybe truncated."""
    page = bytearray(body)
    for _ in range(rng.randint(1, 6)):
        start = rng.randint(0, len(page))
        end = rng.randint(start, min(len(page), start + 400))
        action = rng.choice(("delete", "duplicate", "replace"))
        if action == "delete":
            del page[start:end]
        elif action == "duplicate":
            page[start:start] = page[start:end]
        else:
            page[start:end] = rng.randbytes(rng.randint(0, 64))
    if rng.random() < 0.3:
        del page[rng.randint(0, len(page)):]
    return bytes(page)


# --------------------------------------------------------------------------- choosing faults

@dataclass(frozen=True)
class FaultContext:
    request: ReplicaRequest
    serve: Pipeline
    injector: FaultInjector

    def normal(self) -> StaticReply:
        """What the replica would have answered, as a complete response to transform."""
        reply = self.serve(self.request)
        if not isinstance(reply, StaticReply):
            raise TypeError(f"the replica pipeline answered {type(reply).__name__}, expected StaticReply")
        return reply


def status_page(code: int, extra_headers: tuple[tuple[str, str], ...] = ()) -> StaticReply:
    body = f"<html><body><h1>{code}</h1><p>服务暂时不可用 (injected fault)</p></body></html>".encode("utf-8")
    return StaticReply(code, (("Content-Type", "text/html; charset=utf-8"),) + extra_headers, body)


def _redirect(location: str) -> StaticReply:
    return StaticReply(302, (("Location", location), ("Content-Type", "text/html")), b"")


def _mutated(ctx: FaultContext) -> Reply:
    normal = ctx.normal()
    rng = random.Random(_digest(ctx.injector.seed, ctx.request.target, ctx.injector.seen(ctx.request.target)))
    return StaticReply(normal.status, normal.headers, mutate(normal.body, rng))


FAULTS: dict[str, Callable[[FaultContext], Reply]] = {
    "reset": lambda ctx: ResetReply(),
    "hang": lambda ctx: HangReply(ctx.injector.hang_s, ctx.injector.stopped),
    "http_500": lambda ctx: status_page(500),
    "http_502": lambda ctx: status_page(502),
    "http_503": lambda ctx: status_page(503),
    "http_429": lambda ctx: status_page(429, (("Retry-After", str(ctx.injector.retry_after_s)),)),
    "challenge": lambda ctx: StaticReply(412, (("Content-Type", "text/html; charset=utf-8"),), CHALLENGE_PAGE),
    "truncated": lambda ctx: TruncatedReply(ctx.normal()),
    "huge": lambda ctx: StreamedReply(HUGE_BYTES, True, ctx.injector.stopped, ctx.injector.count_streamed),
    "huge_chunked": lambda ctx: StreamedReply(HUGE_BYTES, False, ctx.injector.stopped, ctx.injector.count_streamed),
    "redirect_loop": lambda ctx: _redirect(f"{LOOP_PREFIX}1"),
    "redirect_offsite": lambda ctx: _redirect(ctx.injector.offsite_origin() + ctx.request.target),
    "redirect_private": lambda ctx: _redirect(PRIVATE_ORIGIN + ctx.request.target),
    "layout_changed": lambda ctx: redesigned(ctx.normal()),
    "gbk_as_utf8": lambda ctx: gbk_declared_utf8(ctx.normal()),
    "malformed_html": lambda ctx: malformed(ctx.normal()),
    "unclosed_tags": lambda ctx: unclosed(ctx.normal()),
    "impossible_date": lambda ctx: impossible_date(ctx.normal()),
    "mutated": _mutated,
}
#: Faults a crawl should get past by retrying within the run (the benchmark's mix).
TRANSIENT_KINDS = ("reset", "hang", "http_500", "http_502", "http_503", "http_429", "truncated")


def target_of(url: str) -> str:
    """The request target (path and query) of a URL, as a replica server sees it."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Rule:
    """Serve ``kind`` for ``target``: exact, or its path when the request has a query string, or
    every target starting with it when it ends in ``*``.

    ``times``: the first N matching requests get the fault (transient); None: every one.
    """

    target: str
    kind: str
    times: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULTS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULTS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 (or None for a permanent fault)")

    def matches(self, target: str) -> bool:
        if self.target.endswith("*"):
            return target.startswith(self.target[:-1])
        return target == self.target or urlsplit(target).path == self.target


@dataclass(frozen=True)
class RandomFaults:
    """A seeded share of targets get one of ``kinds``, for their first ``times`` requests.

    The decision is a hash of (seed, target), so the same targets fail in every run whatever
    order the crawl threads ask in. ``/robots.txt`` is left alone: its failure has its own rules.
    """

    rate: float
    kinds: Sequence[str] = TRANSIENT_KINDS
    seed: int = 0
    times: int | None = 1

    def kind_for(self, target: str) -> str | None:
        if target == "/robots.txt":
            return None
        draw = int(_digest(self.seed, target, "rate")[:12], 16) / 16 ** 12
        if draw >= self.rate:
            return None
        return self.kinds[int(_digest(self.seed, target, "kind")[:12], 16) % len(self.kinds)]


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Injection:
    target: str
    kind: str


class FaultInjector:
    """The ``intercept`` hook: ``start_replicas(corpus, sources, intercept=FaultInjector([...]))``.

    ``injected`` lists every fault served (target, kind), ``seen(target)`` counts requests per
    target, ``finished_streams`` the body bytes written by ``huge`` faults. ``close()`` (or leaving the
    ``with`` block) cuts hangs and streams short; stop it before the replicas.
    """

    def __init__(self, rules: Sequence[Rule] = (), random_faults: RandomFaults | None = None, *,
                 hang_s: float = 2.0, retry_after_s: int = RETRY_AFTER_S, offsite: ConnectionRecorder | None = None,
                 seed: int = 0, max_requests: int = MAX_REQUESTS) -> None:
        self.rules = list(rules)
        self.random_faults = random_faults
        self.hang_s = min(hang_s, MAX_HANG_S)
        self.retry_after_s = retry_after_s
        self.offsite = offsite
        self.seed = seed
        self.max_requests = max_requests
        self.stopped = threading.Event()
        self.injected: list[Injection] = []
        self.streams: list[int] = []  # body bytes written by each finished ``huge`` reply
        self._streams_done = threading.Condition()
        self._seen: Counter[str] = Counter()
        self._faulted: Counter[tuple[int, str]] = Counter()
        self._lock = threading.Lock()

    def __enter__(self) -> FaultInjector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stopped.set()

    def __call__(self, request: ReplicaRequest, serve: Pipeline) -> Reply | None:
        if request.target.startswith(LOOP_PREFIX):
            return self._loop_hop(request.target)
        kind = self._choose(request.target)
        if kind is None:
            return None
        return FAULTS[kind](FaultContext(request, serve, self))

    def _choose(self, target: str) -> str | None:
        with self._lock:
            self._seen[target] += 1
            if sum(self._seen.values()) > self.max_requests:
                return "http_503"  # budget spent: fail loudly instead of serving forever
            kind = self._rule_kind(target)
            if kind is None and self.random_faults is not None:
                kind = self._random_kind(target)
            if kind is not None:
                self.injected.append(Injection(target, kind))
            return kind

    def _rule_kind(self, target: str) -> str | None:
        for index, rule in enumerate(self.rules):
            if rule.matches(target):
                key = (index, target)
                if rule.times is None or self._faulted[key] < rule.times:
                    self._faulted[key] += 1
                    return rule.kind
                return None
        return None

    def _random_kind(self, target: str) -> str | None:
        kind = self.random_faults.kind_for(target)
        key = (-1, target)
        if kind is None or (self.random_faults.times is not None and self._faulted[key] >= self.random_faults.times):
            return None
        self._faulted[key] += 1
        return kind

    def _loop_hop(self, target: str) -> Reply:
        """The next hop of a redirect loop; after ``MAX_LOOP_HOPS`` the server gives up (508)."""
        with self._lock:
            self._seen[target] += 1
            self.injected.append(Injection(target, "redirect_loop"))
        hop = int(target[len(LOOP_PREFIX):].split("?")[0] or 0)
        if hop >= MAX_LOOP_HOPS:
            return StaticReply.text(508, "loop detected by the fault server\n")
        return _redirect(f"{LOOP_PREFIX}{hop + 1}")

    def seen(self, target: str) -> int:
        with self._lock:
            return self._seen[target]

    def injected_kinds(self) -> Counter[str]:
        with self._lock:
            return Counter(i.kind for i in self.injected)

    def count_streamed(self, n: int) -> None:
        with self._streams_done:
            self.streams.append(n)
            self._streams_done.notify_all()

    def finished_streams(self, expected: int, timeout: float = 5.0) -> list[int]:
        """Bytes written by each ``huge`` reply, once ``expected`` of them have ended (or timeout)."""
        with self._streams_done:
            self._streams_done.wait_for(lambda: len(self.streams) >= expected, timeout=timeout)
            return list(self.streams)

    def offsite_origin(self) -> str:
        if self.offsite is None:
            raise RuntimeError("redirect_offsite needs FaultInjector(offsite=ConnectionRecorder())")
        return self.offsite.origin


# --------------------------------------------------------------------------- another origin

class ConnectionRecorder:
    """A 127.0.0.1 listener that records every TCP connection made to it, and answers nothing.

    The target of off-origin redirects: a polite client must never connect, so a test asserts
    ``connections == 0`` (an accepted connection counts even if no request line follows).
    """

    def __init__(self, max_connections: int = 100) -> None:
        self.connections = 0
        self.max_connections = max_connections
        self._socket = socket.create_server((HOST, 0))
        self._socket.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="connection-recorder", daemon=True)

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self._socket.getsockname()[1]}"

    def __enter__(self) -> ConnectionRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()

    def _accept(self) -> None:
        while not self._stop.is_set() and self.connections < self.max_connections:
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()
