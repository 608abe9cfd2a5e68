"""Serve replica sites on 127.0.0.1: one threaded HTTP server (one origin) per source.

One origin per source because the crawler's politeness is per host. Each server answers
from a :class:`~scrapers.replica.render.RenderedSite`, honours conditional requests (304),
keeps a thread-safe request log for tests and benchmarks, and can publish a new article while
running (``add_article``), as a real CMS does between two nightly crawls.

Every request goes through :meth:`ReplicaServer.respond`, which first offers it to an optional
``intercept`` hook. A fault-injection layer (resets, hangs, 5xx, 429, challenge pages,
truncated or huge bodies, redirects) plugs in there: the hook gets the request and the normal
pipeline, and may return any :class:`Reply`, which writes to the socket as it likes.
"""
from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol

from scrapers.http import parse_http_date
from scrapers.registry import Source, dump_sources, with_base_urls
from scrapers.replica.corpus import CorpusArticle, CorpusError, article_from_dict, load_corpus
from scrapers.replica.families import layout_for
from scrapers.replica.render import DEFAULT_PAGE_SIZE, RenderedSite, Response, carry_validators, render_site

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReplicaRequest:
    method: str
    target: str  # path and query, as sent
    headers: Mapping[str, str]
    received_at: float  # time.monotonic()


@dataclass(frozen=True)
class RequestRecord:
    """One line of a server's request log; ``status`` is what the reply sends (0: no status line).

    ``time`` is ``time.monotonic()`` at arrival, so benchmarks can measure request spacing.
    """

    method: str
    path: str
    status: int
    time: float


class Reply(Protocol):
    """Anything that can answer a request on the handler's socket (fault replies included)."""

    status: int

    def send(self, handler: BaseHTTPRequestHandler, head_only: bool) -> None: ...


Pipeline = Callable[[ReplicaRequest], Reply]
Intercept = Callable[[ReplicaRequest, Pipeline], "Reply | None"]


@dataclass(frozen=True)
class StaticReply:
    """A complete, well-formed HTTP response."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def of(cls, response: Response) -> StaticReply:
        return cls(response.status, tuple(response.headers().items()), response.body)

    @classmethod
    def not_modified(cls, response: Response) -> StaticReply:
        return cls(304, (("ETag", response.etag), ("Last-Modified", response.headers()["Last-Modified"])))

    @classmethod
    def text(cls, status: int, message: str) -> StaticReply:
        return cls(status, (("Content-Type", "text/plain"),), message.encode("utf-8"))

    def send(self, handler: BaseHTTPRequestHandler, head_only: bool) -> None:
        handler.send_response(self.status)
        for name, value in self.headers:
            handler.send_header(name, value)
        if self.status != 304:
            handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        if self.body and not head_only and self.status != 304:
            handler.wfile.write(self.body)


def is_not_modified(headers: Mapping[str, str], response: Response) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present; otherwise If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or response.etag in tags
    since = parse_http_date(headers.get("If-Modified-Since") or "")
    return since is not None and response.last_modified <= since


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ReplicaSite/1.0"
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would add ~40 ms

    def do_GET(self) -> None:
        self._answer(head_only=False)

    def do_HEAD(self) -> None:
        self._answer(head_only=True)

    def _answer(self, head_only: bool) -> None:
        replica: ReplicaServer = self.server.replica  # type: ignore[attr-defined]
        request = ReplicaRequest(self.command, self.path, self.headers, time.monotonic())
        # Recorded before the reply goes out: a client holding its response always finds its
        # request in the log (recording after send raced with the client reading the log).
        status = 0
        try:
            reply = replica.respond(request)
            status = reply.status
        finally:
            replica.record(RequestRecord(request.method, request.target, status, request.received_at))
        reply.send(self, head_only)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests and benchmarks make thousands of requests."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive handler threads must not delay stop()

    def __init__(self, address: tuple[str, int], replica: ReplicaServer):
        self.replica = replica
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request, client_address) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        """Clients that hang up mid-response are normal; anything else is a bug worth a traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """One source's replica site on its own 127.0.0.1 port; a context manager."""

    def __init__(self, source: Source, articles: Iterable[CorpusArticle] = (), *, page_size: int = DEFAULT_PAGE_SIZE,
                 latency_s: float = 0.0, port: int = 0, intercept: Intercept | None = None):
        self.source = source
        self.page_size = page_size
        self.latency_s = latency_s
        self.intercept = intercept
        self._port = port
        self._articles = [a for a in articles if a.source == source.id]
        self._site = render_site(source, self._articles, page_size)
        self._update_lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            raise RuntimeError(f"replica {self.source.id} is already running")
        self._httpd = _HTTPServer((HOST, self._port), self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"replica-{self.source.id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplicaServer:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"replica {self.source.id} is not running")
        return f"http://{HOST}:{self._httpd.server_address[1]}"

    # --- content ---
    @property
    def site(self) -> RenderedSite:
        return self._site

    def add_article(self, article: Mapping | CorpusArticle) -> str:
        """Publish (or replace, by id) one article and re-render the site; return its URL path.

        Pages whose bytes change get a newer Last-Modified and a new ETag; the others keep
        theirs, exactly what a nightly crawl's conditional requests should see.
        """
        if not isinstance(article, CorpusArticle):
            article = article_from_dict(article)
        if article.source != self.source.id:
            raise CorpusError(f"article {article.id}: source {article.source!r} is not served here ({self.source.id})")
        column = next((c for c in self.source.columns if c.path == article.column), None)
        if column is None:
            raise CorpusError(f"article {article.id}: column {article.column!r} is not a column of source {self.source.id}")
        with self._update_lock:
            articles = [a for a in self._articles if a.id != article.id] + [article]
            fresh = render_site(self.source, articles, self.page_size)
            self._site = carry_validators(self._site, fresh, datetime.now(timezone.utc))
            self._articles = articles
        return layout_for(self.source, self.page_size).article_path(column, article)

    # --- requests ---
    def respond(self, request: ReplicaRequest) -> Reply:
        if self.latency_s:
            time.sleep(self.latency_s)
        if self.intercept is not None:
            reply = self.intercept(request, self.serve)
            if reply is not None:
                return reply
        return self.serve(request)

    def serve(self, request: ReplicaRequest) -> Reply:
        """The normal pipeline (GET and HEAD): site lookup, then conditional-request handling."""
        response = self._site.resolve(request.target)
        if response is None:
            return StaticReply.text(404, "not found\n")
        if is_not_modified(request.headers, response):
            return StaticReply.not_modified(response)
        return StaticReply.of(response)

    def record(self, entry: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(entry)

    def log(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._log_lock:
            self._log.clear()


class ReplicaSet:
    """The running replicas of a registry: one server per source that has corpus articles."""

    def __init__(self, sources: list[Source], servers: dict[str, ReplicaServer], errors: tuple[str, ...] = ()):
        self.sources = sources
        self.servers = servers
        self.errors = errors

    @property
    def base_urls(self) -> dict[str, str]:
        return {sid: server.base_url for sid, server in self.servers.items()}

    def sources_with_local_urls(self) -> list[Source]:
        """The served sources pointed at their replicas; unserved sources are left out so that
        nothing run against a ReplicaSet can reach the real sites."""
        return with_base_urls([s for s in self.sources if s.id in self.servers], self.base_urls)

    def write_sources_file(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(dump_sources(self.sources_with_local_urls()), encoding="utf-8")
        return path

    def log(self) -> list[RequestRecord]:
        return sorted((entry for server in self.servers.values() for entry in server.log()), key=lambda e: e.time)

    def reset_logs(self) -> None:
        for server in self.servers.values():
            server.reset_log()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> ReplicaSet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_replicas(corpus_dir: str | Path, sources: list[Source], *, page_size: int = DEFAULT_PAGE_SIZE,
                   latency_s: float = 0.0, port_base: int | None = None,
                   intercept: Intercept | None = None) -> ReplicaSet:
    """Start one replica per source of ``sources`` that has articles in ``corpus_dir``.

    Bad corpus files, articles of unknown sources or columns are named in ``errors``; the rest
    is served. With ``port_base``, the n-th served source listens on ``port_base + n``;
    ``intercept`` (e.g. fault injection) sees every request of every server first.
    """
    corpus = load_corpus(corpus_dir)
    known = {s.id for s in sources}
    errors = list(corpus.errors)
    errors += [f"article {a.id}: source {a.source!r} is not in the registry" for a in corpus.articles if a.source not in known]
    servers: dict[str, ReplicaServer] = {}
    try:
        for source in sources:
            articles = [a for a in corpus.articles if a.source == source.id]
            if not articles:
                continue
            port = 0 if port_base is None else port_base + len(servers)
            server = ReplicaServer(source, articles, page_size=page_size, latency_s=latency_s, port=port,
                                   intercept=intercept)
            errors += server.site.errors
            servers[source.id] = server.start()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return ReplicaSet(sources, servers, tuple(errors))
