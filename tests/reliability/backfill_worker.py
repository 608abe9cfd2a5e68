"""One backfill run in its own process, for the crash-safety test to SIGKILL at any moment.

    python -m tests.reliability.backfill_worker DB SOURCES_FILE START END
"""
from __future__ import annotations

import sys
from datetime import date

from scrapers.registry import load_sources
from tests.reliability.harness import backfill_warehouse


def main(argv: list[str]) -> int:
    db, sources_file, start, end = argv
    backfill_warehouse(db, load_sources(sources_file), date.fromisoformat(start), date.fromisoformat(end))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
