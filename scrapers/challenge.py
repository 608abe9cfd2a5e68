"""Recognise anti-bot challenge pages so they are reported as "blocked", never parsed as content.

Chengdu's portals answer plain HTTP with 412 and an obfuscated ``$_ts`` script (瑞数 /
River Security); some Chongqing attachment hosts answer 521 with a ``__jsl_clearance``
cookie loop (加速乐 / Knownsec); sibling subsites show a captcha (sites.md §3.4, §8). Such
a page has no article in it, and treating it as one would record an empty column as
"healthy". The checks are plain string tests, cheap enough to run on every response.
"""
from __future__ import annotations

import re

#: Statuses that these WAFs use for their challenge; never a real "precondition failed".
CHALLENGE_STATUSES = {412: "HTTP 412 (JavaScript cookie challenge, 瑞数 style)",
                      521: "HTTP 521 (JavaScript cookie loop, 加速乐 style)"}
_MARKERS = (
    (re.compile(r"\$_ts\s*=|\$_ts\s*\["), "瑞数 ($_ts) JavaScript challenge"),
    (re.compile(r"__jsl_clearance"), "加速乐 (__jsl_clearance) cookie challenge"),
    (re.compile(r"请输入验证码|请完成安全验证|滑动验证"), "captcha page (请输入验证码)"),
)
#: Statuses whose own pages may legitimately be a bare script (a JS redirect to the homepage).
_NOT_FOUND = {404, 410}
#: Scan this much of a page for markers; challenge pages are small and put them up front.
SCAN_CHARS = 200_000
#: A page with scripts and less visible text than this is a script-only shell.
MIN_VISIBLE_CHARS = 20

_INVISIBLE_START = re.compile(r"<(script|style|noscript)\b|<!--", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)


def looks_like_challenge(status: int | None, text: str) -> str | None:
    """Why this response is an anti-bot challenge rather than content, or None if it is not one.

    ``status`` may be None when only the body is known (e.g. a parser re-checking a stored page).
    """
    head = text[:SCAN_CHARS] if text else ""
    for pattern, reason in _MARKERS:
        if pattern.search(head):
            return f"{reason}" + (f", HTTP {status}" if status else "")
    if status in CHALLENGE_STATUSES:
        return CHALLENGE_STATUSES[status]
    if status not in _NOT_FOUND and _SCRIPT.search(head) and len(visible_text(head)) < MIN_VISIBLE_CHARS:
        return f"page is only <script> ({len(text)} characters, no visible text)"
    return None


def visible_text(html: str) -> str:
    """The text a reader would see: scripts, styles, comments and tags removed, spaces collapsed.

    A linear scan (an unclosed ``<script`` hides the rest of the page, as in a browser), so a
    hostile page cannot make the check slow.
    """
    lower = html.lower()
    kept, pos = [], 0
    while (start := _INVISIBLE_START.search(html, pos)) is not None:
        kept.append(html[pos:start.start()])
        closer = "-->" if start.group(0) == "<!--" else f"</{start.group(1).lower()}"
        end = lower.find(closer, start.end())
        if end < 0:
            pos = len(html)
            break
        pos = lower.find(">", end)
        pos = len(html) if pos < 0 else pos + 1
    kept.append(html[pos:])
    return " ".join(_TAG.sub(" ", " ".join(kept)).split())
