"""Writing one benchmark's section of benchmarks/RESULTS.md, leaving the other sections alone."""
from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """The machine line every section records: cores this process may use, Python, OS."""
    return f"nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}, {platform.system()}"


def write_section(heading: str, section: str, path: Path = RESULTS) -> None:
    """Replace (or append) the ``## {heading}`` section with ``section`` (which starts with it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    start = text.find(f"## {heading}\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    path.write_text(text, encoding="utf-8")
