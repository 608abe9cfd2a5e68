"""`healthcoop status` for a terminal: runs, per-source health, snapshot, queue, file sizes.

Takes the JSON-ready dict of ``warehouse.report_data.gather_status``. Every value goes into
a ``rich.text.Text``, never into markup, so a source message such as ``[bold]`` or a scraped
title prints as it is.
"""
from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from analysis.report.formatting import (HEALTHY_STATUSES, coder_versions, fmt_bytes, fmt_duration, fmt_number,
                                         fmt_when, problem_kinds)

BUSY = {"running"}


def _status(value) -> Text:
    text = str(value) if value else "–"
    return Text(text, style="green" if text in HEALTHY_STATUSES else "yellow" if text in BUSY else "bold red")


def _files(status: dict) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for name, key in (("warehouse", "warehouse"), ("published copy", "published")):
        facts = status[key]
        detail = (f"{fmt_bytes(facts['size_bytes'])}, modified {fmt_when(facts['modified_at'])}"
                  if facts["exists"] else "missing")
        grid.add_row(Text(name), Text(f"{facts['path']}  ({detail})"))
    grid.add_row(Text("read from"), Text(status["read_from"]))
    return grid


def _facts(status: dict) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    snapshot = status.get("snapshot")
    counts = status.get("counts") or {}
    problems = status.get("last_run_problems") or {}
    grid.add_row(Text("snapshot"), Text(f"{snapshot['fingerprint'][:16]}  computed {fmt_when(snapshot['created_at'])}"
                                        f", {fmt_number(snapshot['n_projects'])} projects"
                                        if snapshot else "none yet (run `healthcoop recompute`)"))
    grid.add_row(Text("coder version"), Text(coder_versions(status)))
    grid.add_row(Text("documents"), Text(f"{fmt_number(counts.get('documents'))} "
                                         f"({fmt_number(counts.get('uncoded_documents'))} not coded)"))
    grid.add_row(Text("projects"), Text(f"{fmt_number(counts.get('projects'))} "
                                        f"({fmt_number(counts.get('projects_in_scope'))} in the network)"))
    queue = status.get("review_queue") or 0
    grid.add_row(Text("review queue"), Text(f"{queue} to review (healthcoop review list)" if queue else "empty",
                                            style="yellow" if queue else ""))
    count = problems.get("count") or 0
    kinds = problem_kinds(problems)
    grid.add_row(Text("last run problems"), Text(f"{count}" + (f" ({kinds})" if kinds else ""),
                                                 style="bold red" if count else "green"))
    for sample in problems.get("samples") or []:
        grid.add_row(Text(""), Text(f"{sample['kind']}: {sample['message']}", style="dim"))
    return grid


def _runs(status: dict) -> Table:
    table = Table(title="Last runs", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  padding=0, pad_edge=False, show_edge=False, caption_justify="left",
                  caption="new, chg: documents new/changed · proj: new projects · err, prob: errors, problems")
    # Short headers and fixed widths for the words: the table fits an 80-column terminal whole.
    for name, width in (("run", None), ("flow", 9), ("status", 9), ("started", 16), ("took", None), ("pages", None),
                        ("new", None), ("chg", None), ("proj", None), ("err", None), ("prob", None)):
        table.add_column(name, justify="right" if width is None else "left", no_wrap=True,
                         min_width=width or len(name))
    for run in status["runs"]:
        table.add_row(Text(str(run["run_id"])), Text(run["flow"]), _status(run["status"]),
                      Text(fmt_when(run["started_at"])), Text(fmt_duration(run["started_at"], run["finished_at"])),
                      *(Text(fmt_number(run[k])) for k in ("pages_fetched", "new_documents", "changed_documents",
                                                            "new_projects", "errors", "problems")))
    return table


def _sources(status: dict) -> Table:
    table = Table(title="Sources", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  collapse_padding=True)
    for name, numeric in (("source", False), ("last status", False), ("last success", False), ("items", True),
                          ("failure streak", True), ("message", False)):
        table.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for source in status["sources"]:
        streak = source["failure_streak"] or 0
        table.add_row(Text(source["source_id"]), _status(source["last_status"]), Text(fmt_when(source["last_success"])),
                      Text(fmt_number(source["last_items"])), Text(str(streak), style="bold red" if streak else ""),
                      Text("" if source["last_status"] == "ok" else source["last_message"] or ""))
    return table


def render_status(status: dict) -> Group:
    """A renderable for ``Console.print``: files, facts, the runs table and the sources table."""
    parts = [_files(status), Text(""), _facts(status), Text("")]
    parts.append(_runs(status) if status["runs"] else Text("no runs yet", style="dim"))
    parts.append(_sources(status) if status["sources"] else Text("no source has been crawled yet", style="dim"))
    return Group(*parts)
