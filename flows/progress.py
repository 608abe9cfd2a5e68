"""Terminal progress for crawls: rich bars per source when a person watches, silence otherwise.

The CLI installs a callback with ``showing()`` around an ad-hoc flow run; deployments run
without one, so the crawl gets ``None`` and stays quiet.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from scrapers.crawl import ProgressEvent

_callback = None


def callback():
    return _callback


@contextmanager
def showing(enabled: bool | None = None) -> Iterator[None]:
    """Draw one line per source (pages, articles, stored) while the block runs, if interactive."""
    global _callback
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield
        return
    bars = Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[source]:<10}"), BarColumn(bar_width=None),
                    TextColumn("{task.fields[pages]} list pages · {task.fields[articles]} articles · "
                               "{task.fields[stored]} stored {task.fields[status]}"),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    tasks: dict[str, int] = {}

    def on_event(event: ProgressEvent) -> None:
        if event.source_id not in tasks:
            tasks[event.source_id] = bars.add_task("", total=None, source=event.source_id, pages=0, articles=0,
                                                   stored=0, status="")
        task_id = tasks[event.source_id]
        bars.update(task_id, pages=event.list_pages, articles=event.articles, stored=event.stored,
                    status=f"[{'green' if event.status == 'ok' else 'red'}]{event.status}" if event.done else "")
        if event.done:
            bars.update(task_id, total=1, completed=1)

    _callback = on_event
    try:
        with bars:
            yield
    finally:
        _callback = None
