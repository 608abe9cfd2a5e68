"""A tiny scripted HTTP server on 127.0.0.1 for fetch and crawl tests.

Each path gets a script: one ``Reply`` served every time, a list of replies served in order
(the last one repeats), or a function of the request returning a reply (for conditional GET
or dynamic sites). Every request is logged with its headers and arrival time on the
monotonic clock, so tests can assert what was (and was not) asked for and how requests
were spaced. Everything is bounded: a request budget, capped delays and a capped endless
body, so a misbehaving client cannot make a test hang forever.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MAX_REQUESTS = 20_000
MAX_DELAY_S = 10.0
ENDLESS_CAP_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``delay`` sleeps before the status line (a read timeout for the client); ``endless``
    streams chunks of ``body`` until the client hangs up (or ``ENDLESS_CAP_BYTES``), to show
    that a size cap stops reading early; ``drip`` sends the body one byte every ``drip``
    seconds (a slow-loris server); ``content_length`` overrides the header (a lying or
    oversized declaration) and ``close`` hangs up after the body (with a short body: a
    truncated response).
    """

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    endless: bool = False
    drip: float = 0.0
    content_length: int | None = None
    close: bool = False

    @property
    def body_bytes(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


def html(body: str, status: int = 200, charset: str | None = "utf-8", **headers: str) -> Reply:
    """A text/html reply (``charset=None`` leaves the charset out of the header, as many sites do)."""
    ctype = "text/html" + (f"; charset={charset}" if charset else "")
    data = body.encode(charset or "utf-8")
    return Reply(status=status, body=data, headers={"Content-Type": ctype, **headers})


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location})


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    headers: dict[str, str]
    at: float


Script = Reply | Sequence[Reply] | Callable[[LoggedRequest], Reply]


class ScriptedServer:
    """``with ScriptedServer() as srv: srv.route("/a", html("hi")); get(srv.url("/a"))``.

    Unscripted paths go to ``fallback`` (a whole dynamic site) or answer 404. ``bytes_sent(path)`` reports how much body was written for
    a path, so a test can prove that a client stopped reading an endless response.
    """

    def __init__(self, fallback: Callable[[LoggedRequest], Reply] | None = None) -> None:
        self._fallback = fallback
        self._scripts: dict[str, Script] = {}
        self._served: dict[str, int] = {}
        self._bytes_sent: dict[str, int] = {}
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.origin + path

    # -- scripting -------------------------------------------------------------------------
    def route(self, path: str, script: Script) -> None:
        with self._lock:
            self._scripts[path] = script
            self._served[path] = 0

    def requests(self, path: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self._log if path is None or r.path == path]

    def paths(self) -> list[str]:
        return [r.path for r in self.requests()]

    def bytes_sent(self, path: str) -> int:
        with self._lock:
            return self._bytes_sent.get(path, 0)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- used by the handler ---------------------------------------------------------------
    def _next_reply(self, request: LoggedRequest) -> Reply:
        with self._lock:
            if len(self._log) >= MAX_REQUESTS:
                return Reply(status=503, body=b"test server request budget exhausted")
            self._log.append(request)
            key = request.path if request.path in self._scripts else urlsplit(request.path).path
            script = self._scripts.get(key)
            if script is None:
                return self._fallback(request) if self._fallback else Reply(status=404, body=b"not found")
            if isinstance(script, Reply):
                return script
            if callable(script):
                return script(request)
            index = min(self._served[key], len(script) - 1)
            self._served[key] += 1
            return script[index]

    def _count_sent(self, path: str, n: int) -> None:
        with self._lock:
            self._bytes_sent[path] = self._bytes_sent.get(path, 0) + n


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, *args: object) -> None:  # keep pytest output quiet
            pass

        def do_GET(self) -> None:
            request = LoggedRequest(path=self.path, headers={k.lower(): v for k, v in self.headers.items()},
                                    at=time.monotonic())
            reply = server._next_reply(request)
            if reply.delay:
                time.sleep(min(reply.delay, MAX_DELAY_S))
            try:
                self._send(reply, urlsplit(self.path).path)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send(self, reply: Reply, path: str) -> None:
            body = reply.body_bytes
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.endless:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._send_endless(body or b"x" * 65536, path)
                return
            length = reply.content_length if reply.content_length is not None else len(body)
            self.send_header("Content-Length", str(length))
            if reply.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if reply.status == 304 or not body:
                return
            pieces = [body[i:i + 1] for i in range(len(body))] if reply.drip else [body]
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
                server._count_sent(path, len(piece))
                time.sleep(min(reply.drip, MAX_DELAY_S))

        def _send_endless(self, chunk: bytes, path: str) -> None:
            sent = 0
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            while sent < ENDLESS_CAP_BYTES:
                self.wfile.write(frame)
                self.wfile.flush()
                sent += len(chunk)
                server._count_sent(path, len(chunk))
            self.wfile.write(b"0\r\n\r\n")

    return Handler
