"""Display formats shared by the HTML report and the terminal status (no heavy imports, so
`healthcoop status` starts quickly)."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd


#: Run and source statuses shown as healthy, in the report and in the terminal status.
HEALTHY_STATUSES = frozenset({"ok", "completed"})


def problem_kinds(problems: dict) -> str:
    """A run's problems by kind, as ``parse_error 2, http_error 1``."""
    return ", ".join(f"{kind} {n}" for kind, n in (problems.get("by_kind") or {}).items())


def coder_versions(facts: dict) -> str:
    return ", ".join(facts.get("coder_versions") or []) or "not coded yet"


def missing(value) -> bool:
    """None, NaN, NaT or pd.NA; strings and containers (lists, arrays) never are."""
    if value is None:
        return True
    if isinstance(value, str) or hasattr(value, "__len__"):
        return False
    return bool(pd.isna(value))


def fmt_number(value, decimals: int = 0) -> str:
    """Whole numbers without decimals (counts, most degrees), others with `decimals`."""
    if missing(value):
        return "–"
    value = float(value)
    return f"{value:,.{0 if value.is_integer() else decimals}f}"


def fmt_percent(value) -> str:
    return "–" if missing(value) else f"{float(value):.2f} %"


def fmt_when(value) -> str:
    """An ISO time (as the quality dict holds it) or a datetime, to the minute."""
    if missing(value) or value == "":
        return "–"
    moment = value if isinstance(value, (datetime, date)) else datetime.fromisoformat(str(value))
    return moment.strftime("%Y-%m-%d %H:%M") if isinstance(moment, datetime) else moment.isoformat()


def fmt_duration(started, finished) -> str:
    """How long a run took ("–" while it runs): 42s, 3m 05s, 2h 10m."""
    if missing(started) or missing(finished):
        return "–"
    seconds = int((pd.Timestamp(finished) - pd.Timestamp(started)).total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def fmt_date(value) -> str:
    return "–" if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_bytes(size) -> str:
    if missing(size):
        return "–"
    size = float(size)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
