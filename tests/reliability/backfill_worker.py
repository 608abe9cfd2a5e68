"""Backfill runs in processes of their own, for the crash-safety test to SIGKILL at any moment.

    python -m tests.reliability.backfill_worker

reads lines ``DB SOURCES_FILE START END`` on stdin; for each it forks a child that runs one
whole backfill (``backfill_warehouse``: the warehouse as the single writer, ``backfill_into``
against the sources file's base URLs, then coding) and prints the child's pid, then, once the child has
ended (or been killed), its exit status. Forking from this already-imported process makes a
fresh backfill process cost milliseconds instead of the ~1 s of Python start-up and imports,
so the test can afford many kill points. The server ends at end of input.
"""
from __future__ import annotations

import os
import sys
from datetime import date

from scrapers.registry import load_sources
from tests.reliability.harness import backfill_warehouse


def run_one(db: str, sources_file: str, start: str, end: str) -> None:
    backfill_warehouse(db, load_sources(sources_file), date.fromisoformat(start), date.fromisoformat(end))


def serve(lines, out) -> None:
    for line in lines:
        pid = os.fork()
        if pid == 0:  # the child: one backfill, then leave without running the parent's cleanup
            status = 1
            try:
                run_one(*line.split())
                status = 0
            finally:
                os._exit(status)
        print(pid, file=out, flush=True)
        _, wait_status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(wait_status), file=out, flush=True)


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
