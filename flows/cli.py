"""The ``healthcoop`` command line (contract §1). Thin: it parses options, calls flows/ and
warehouse/, and turns their errors into one line on stderr with exit status 2 (bad usage or
input) or 1 (a run that finished with errors, partial data kept).
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from scrapers.registry import RegistryError, load_sources
from warehouse.db import (Warehouse, WarehouseError, WriterLock, default_db_path, published_path,
                          schema_version)


class _OneLineErrors(TyperGroup):
    """The warehouse's and the registry's own errors (a busy or newer warehouse, bad SQL, a bad
    sources file) and any OS error (an unwritable --out, a full disk) are one line, exit
    status 2, never a traceback; commands need not catch them one by one."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (WarehouseError, RegistryError) as exc:  # bad input or a busy/newer warehouse
            fail(str(exc).splitlines()[0])
        except BrokenPipeError:
            raise  # `healthcoop … | head`: click ends quietly
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            fail(f"{exc.strerror or exc}{where}")


app = typer.Typer(cls=_OneLineErrors, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="healthcoop: health cooperation agreements of the Chengdu–Chongqing region.")
review_app = typer.Typer(no_args_is_help=True, help="The review queue of low-confidence codings, and manual overrides.")
app.add_typer(review_app, name="review")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = typer.Option(None, "--db", help="Warehouse file (default: data/healthcoop.duckdb, or $HEALTHCOOP_DB).")
SourcesOption = typer.Option(None, "--sources",
                             help="Source registry replacing the bundled one (default: $HEALTHCOOP_SOURCES).")


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class StatusFormat(str, Enum):
    table = "table"
    json = "json"


class Model(str, Enum):
    ego = "ego"
    whole = "whole"


class Level(str, Enum):
    locality = "locality"
    prefecture = "prefecture"
    province = "province"
    institution = "institution"


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def db_path(db: Optional[Path]) -> Path:
    return Path(db) if db else default_db_path()


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r} is not a date in YYYY-MM-DD form")


def print_frame(frame, title: str | None = None) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    out.print(table)


def _cell(value) -> str:
    """A table cell: SQL NULL (None, NaN, NaT, pd.NA) shows as an empty cell, not as 'nan'."""
    import pandas as pd

    try:
        missing = value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays: never missing as a whole
        missing = False
    if missing:
        return ""
    return str(value.tolist() if hasattr(value, "tolist") and not isinstance(value, str) else value)


@app.command()
def init(db: Optional[Path] = DbOption) -> None:
    """Create the warehouse, or migrate it to the current schema."""
    with Warehouse(db_path(db)) as wh:
        version = schema_version(wh.con)
        wh.changed = True  # publish the read-only copy even for an existing, up-to-date warehouse
    out.print(f"warehouse {db_path(db)} at schema version {version}; published copy {published_path(db_path(db))}")


@app.command()
def query(sql: str = typer.Argument(..., help="SQL to run (read-only)."),
          format: QueryFormat = typer.Option(QueryFormat.table, "--format", help="Output format."),
          out_file: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout."),
          live: bool = typer.Option(False, "--live", help="Read the main file (only when no writer holds it)."),
          db: Optional[Path] = DbOption) -> None:
    """Read-only SQL on the warehouse (the published copy by default)."""
    from warehouse.query import render, run_query

    path = read_path(db, live)
    if not live and not path.exists() and db_path(db).exists():
        fail(f"no published copy {path} yet; run `healthcoop init --db {db_path(db)}` or use --live")
    frame = run_query(path, sql)
    if format is QueryFormat.table and out_file is None:
        print_frame(frame)
        return
    data = render(frame, "csv" if format is QueryFormat.table else format.value)
    if out_file is not None:
        out_file.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)


@app.command()
def sources(action: Optional[str] = typer.Argument(None, help="`check`: fetch one list page per column and report health."),
            sources_file: Optional[Path] = SourcesOption) -> None:
    """List the sources of the registry, or check each one."""
    registry = load_sources(sources_file)
    if action is None:
        table = Table("id", "name", "cms", "base_url", "rate/s", "columns", header_style="bold")
        for s in registry:
            table.add_row(s.id, s.name, s.cms, s.base_url, f"{s.rate_per_s:g}", "\n".join(f"{c.path} {c.name}" for c in s.columns))
        out.print(table)
        return
    if action != "check":
        fail(f"unknown action {action!r}; use `healthcoop sources` or `healthcoop sources check`")
    from flows.checks import check_sources

    results = check_sources(registry)
    table = Table("source", "column", "status", "items", "seconds", "message", header_style="bold")
    for r in results:
        table.add_row(r["source_id"], r["column"], r["status"], str(r["items"]), f"{r['seconds']:.2f}", r["message"] or "")
    out.print(table)
    if any(r["status"] != "ok" for r in results):
        raise typer.Exit(1)


def progress_showing():
    from flows.progress import showing

    return showing()


@contextmanager
def writer(db: Optional[Path]) -> Iterator[Path]:
    """Hold the warehouse's writer lock from before Prefect starts until the flow is done,
    so a concurrent writer is refused at once with one line, never inside the flow."""
    path = db_path(db)
    if not path.parent.exists() and path != default_db_path():
        fail(f"warehouse {path}: directory {path.parent} does not exist")
    path.parent.mkdir(parents=True, exist_ok=True)
    with WriterLock(path, shared=True):
        Warehouse(path).open().close(publish=False)  # migrate, or refuse a newer schema, now
        yield path


def finish(result: dict) -> None:
    """Print a run's outcome; exit 1 when it finished with errors (its data is kept)."""
    counts = ", ".join(f"{k.replace('_', ' ')} {result[k]}" for k in
                       ("pages_fetched", "new_documents", "changed_documents", "new_projects", "errors") if k in result)
    out.print(f"run {result['run_id']} {result['status']}: {counts}")
    for message in result.get("messages", []):
        err.print(message, markup=False, highlight=False)
    if result["status"] != "completed":
        raise typer.Exit(1)


def run_flow(flow_fn, **params) -> dict:
    """Run a flow ad hoc (Prefect's ephemeral mode) with progress bars for a watching person."""
    from flows.runs import call_flow  # imports Prefect: only commands that run a flow pay for it

    try:
        with progress_showing():
            return call_flow(flow_fn, **params)
    except ValueError as exc:  # a flow's own check of its parameters (warehouse errors: see _OneLineErrors)
        fail(str(exc).splitlines()[0])


@app.command()
def nightly(sources_file: Optional[Path] = SourcesOption, db: Optional[Path] = DbOption) -> None:
    """Incremental crawl of every source; code new documents; recompute if projects changed."""
    load_sources(sources_file)  # a bad registry stops here, before Prefect starts
    with writer(db) as path:
        from flows.nightly import nightly as nightly_flow

        finish(run_flow(nightly_flow, sources_file=str(sources_file) if sources_file else None, db=str(path)))


@app.command()
def backfill(start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD."),
             end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD."),
             source: Optional[list[str]] = typer.Option(None, "--source", help="Only this source id (repeatable)."),
             refetch: bool = typer.Option(False, "--refetch", help="Fetch stored articles again."),
             task_runner: str = typer.Option("threads", "--task-runner", help="threads, or dask (coding on a Dask cluster)."),
             sources_file: Optional[Path] = SourcesOption, db: Optional[Path] = DbOption) -> None:
    """Date-bounded, resumable crawl from --start to --end, in month chunks."""
    first, last = parse_day(start, "--start"), parse_day(end, "--end")
    if first > last:
        fail(f"--start {first} is after --end {last}")
    if task_runner not in ("threads", "dask"):
        fail(f"--task-runner {task_runner!r}: use threads or dask")
    registry = load_sources(sources_file)
    unknown = sorted(set(source or ()) - {s.id for s in registry})
    if unknown:
        fail(f"unknown --source {', '.join(unknown)}; known: {', '.join(s.id for s in registry)}")
    with writer(db) as path:
        from flows.backfill import backfill as backfill_flow

        finish(run_flow(backfill_flow, start=first, end=last, source_ids=list(source) if source else None,
                        refetch=refetch, sources_file=str(sources_file) if sources_file else None, db=str(path),
                        task_runner=task_runner))


@app.command()
def recode(db: Optional[Path] = DbOption) -> None:
    """Re-run content coding on every stored document (manual overrides are applied again)."""
    with writer(db) as path:
        from flows.recode import recode as recode_flow

        result = run_flow(recode_flow, db=str(path))
        coding = result["coding"]
        out.print(f"recoded {coding.get('documents', 0)} documents with coder {coding.get('coder_version')}: "
                  f"{coding.get('projects', 0)} projects ({coding.get('new_projects', 0)} new); "
                  f"network {result['recompute']['status']}")


@app.command()
def recompute(force: bool = typer.Option(False, "--force", help="Recompute even if the input is unchanged."),
              db: Optional[Path] = DbOption) -> None:
    """Rebuild network snapshots and rankings."""
    with writer(db) as path:
        from flows.recompute import recompute as recompute_flow

        result = run_flow(recompute_flow, force=force, db=str(path))
        verb = "recomputed" if result["status"] == "computed" else "unchanged input, skipped (use --force)"
        out.print(f"network {verb}: snapshot {result['snapshot_id']}, fingerprint {result['fingerprint'][:12]}")


def read_path(db: Optional[Path], live: bool) -> Path:
    """The published copy by default; the main file with --live."""
    return db_path(db) if live else published_path(db_path(db))


LiveOption = typer.Option(False, "--live", help="Read the main file instead of the published copy.")


@app.command()
def rankings(level: Level = typer.Option(Level.locality, "--level", help="Network level of the tables."),
             period: str = typer.Option("2019-2021", "--period", help="A year or a range such as 2019-2021."),
             format: TableFormat = typer.Option(TableFormat.table, "--format"),
             compare_paper: bool = typer.Option(False, "--compare-paper", help="Put the paper's published numbers beside ours."),
             model: Model = typer.Option(Model.ego, "--model",
                                         help="Burt constraint: UCINET's ego-network model, or the whole network."),
             with_witnesses: bool = typer.Option(False, "--with-witnesses",
                                                 help="Count witnesses (出席, 见证) as participants."),
             live: bool = LiveOption, db: Optional[Path] = DbOption) -> None:
    """The paper's Tables 1-4 (projects, themes, degree, structural holes) for a period.

    The stored snapshot answers its own periods with the defaults; any other period, --model
    whole or --with-witnesses is computed from the coded projects on the spot (not stored)."""
    from flows.outputs import ranking_tables
    from warehouse.query import render

    tables, on_the_spot = ranking_tables(read_path(db, live), period, level.value, compare_paper, model.value,
                                         with_witnesses)
    if on_the_spot and format is TableFormat.table:
        err.print("computed from the coded projects for this request (not a stored snapshot)", markup=False,
                  highlight=False)
    titles = {"table1": f"Table 1. Projects per {level.value}, {period}", "table2": f"Table 2. Top themes, {period}",
              "table3": f"Table 3. Degree centrality, {period}", "table4": f"Table 4. Lowest constraint (structural holes), {period}",
              "paper_comparison": "The paper's published 2019-2021 numbers beside ours"}
    if format is TableFormat.json:
        import json

        from warehouse.query import to_jsonable

        sys.stdout.write(json.dumps({k: to_jsonable(v) for k, v in tables.items()}, ensure_ascii=False, indent=2) + "\n")
        return
    for key, frame in tables.items():
        if format is TableFormat.csv:
            sys.stdout.write(f"# {titles[key]}\n" + render(frame, "csv"))
        else:
            print_frame((_narrow_comparison(frame) if key == "paper_comparison" else frame).round(3), titles[key])


def _narrow_comparison(frame):
    """The comparison in eight columns a terminal can show (csv and json keep every column)."""
    import pandas as pd

    def number(value, missing=""):
        return missing if pd.isna(value) else f"{round(float(value), 3):g}"

    return pd.DataFrame({
        "table": frame["table"].str.replace("table", "", regex=False), "node": frame["node"],
        "measure": frame["measure"],
        "paper": [f"{'' if r == '=' else r + ' '}{number(v)}" for r, v in zip(frame["relation"], frame["paper"])],
        "ours": frame["ours"].map(number),
        "rank paper/ours": [f"{number(a, '–')}/{number(b, '–')}" for a, b in zip(frame["paper_rank"], frame["our_rank"])],
        "agrees": frame["agrees"].map({True: "yes", False: "no"}).fillna(""),
        "other variant": [f"{k}: {number(v)}" if isinstance(k, str) and k else ""
                          for k, v in zip(frame["alternative"], frame["ours_alternative"])],
    })


class ExportWhat(str, Enum):
    network = "network"
    projects = "projects"
    rankings = "rankings"
    runs = "runs"


class ExportFormat(str, Enum):
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"
    parquet = "parquet"


@app.command()
def export(what: ExportWhat = typer.Option(..., "--what"), format: ExportFormat = typer.Option(..., "--format"),
           out_dir: Path = typer.Option(..., "--out", help="Directory to write into (created if missing)."),
           live: bool = LiveOption, db: Optional[Path] = DbOption) -> None:
    """Files for Gephi (graphml, gexf), UCINET (csv matrix), pandas and R (csv, parquet)."""
    from flows.outputs import export as do_export

    try:
        written, left_out = do_export(read_path(db, live), what.value, format.value, out_dir)
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    for path in written:
        out.print(str(path))
    for reason in left_out:
        err.print(f"not written: {reason}", markup=False, highlight=False)


@review_app.command("list")
def review_list(everything: bool = typer.Option(False, "--all", help="Every project, not only those needing review."),
                live: bool = LiveOption, db: Optional[Path] = DbOption) -> None:
    """Projects whose coding confidence is below the review threshold."""
    from flows.outputs import review_queue

    frame = review_queue(read_path(db, live), everything)
    print_frame(frame, f"{len(frame)} projects" + ("" if everything else " need review"))


@review_app.command("show")
def review_show(project_id: str = typer.Argument(...), live: bool = LiveOption, db: Optional[Path] = DbOption) -> None:
    """One project: its coding, participants, evidence, and the overrides applied to it."""
    from flows.outputs import review_detail

    detail = review_detail(read_path(db, live), project_id)
    for key, value in detail["project"].items():
        out.print(f"[bold]{key}[/]: {value}", highlight=False)
    print_frame(detail["participants"], "participants")
    out.print(f"[bold]evidence[/]: {detail['evidence']}", highlight=False)
    if len(detail["overrides"]):
        print_frame(detail["overrides"], "overrides")


@review_app.command("set")
def review_set(target_id: str = typer.Argument(..., help="A project id (p_...) or, with --document, a doc_id."),
               field: str = typer.Argument(..., help="The field to set, e.g. primary_theme, in_scope, is_cooperation."),
               value: str = typer.Argument(..., help="The value as JSON (e.g. true, \"tcm\", [\"tcm\"]) or plain text."),
               document: bool = typer.Option(False, "--document", help="The target is a document."),
               note: Optional[str] = typer.Option(None, "--note"), author: Optional[str] = typer.Option(None, "--author"),
               db: Optional[Path] = DbOption) -> None:
    """Record a manual override (kept in the warehouse, applied after every recode) and recode."""
    import json

    from analysis.coding.review import OverrideError, validate_override
    from warehouse.store import add_override

    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    target = "document" if document else "project"
    try:
        validate_override({"target": target, "id": target_id, "field": field, "value": parsed}, 1)
    except OverrideError as exc:
        fail(str(exc))
    with writer(db) as path:
        with Warehouse(path) as wh:
            override_id = add_override(wh, target, target_id, field, parsed, note, author)
        out.print(f"override {override_id} recorded; recoding to apply it")
        from flows.recode import recode as recode_flow

        run_flow(recode_flow, db=str(path))


@app.command()
def demo(directory: Path = typer.Option(Path("data/demo"), "--dir", help="Where the demo warehouse and report go "
                                                                          "(emptied of an earlier demo first).")) -> None:
    """Serve the bundled sample sites on 127.0.0.1, backfill 2019-2021 into data/demo/, write the report."""
    from analysis.network import NetworkResult, paper_tables
    from flows.demo import PERIOD, run_demo

    try:
        with progress_showing():
            result = run_demo(directory)
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    counts = result.data["quality"]["counts"]
    out.print(f"[bold]healthcoop demo[/]: run {result.run['run_id']} {result.run['status']}, "
              f"{result.run['pages_fetched']} pages fetched from the sample sites")
    out.print(", ".join(f"{int(counts[key])} {label}" for key, label in (
        ("documents", "documents"), ("cooperation_documents", "cooperation documents"), ("projects", "projects"),
        ("projects_in_scope", "in scope projects"), ("institutions", "institutions"))))
    table = paper_tables(NetworkResult.from_snapshot(result.data["network"]), PERIOD, "locality")["table3"]
    print_frame(table.round(3), f"Top localities by degree centrality, {PERIOD} (the paper's Table 3)")
    out.print(f"report:     {result.report.resolve()}")
    out.print(f"warehouse:  {result.published.resolve()} (published read-only copy)")
    out.print(f"sources:    {result.sources_file.resolve()}")
    out.print(f"try:        .venv/bin/healthcoop query --db {result.db} "
              "\"SELECT node, n_projects, degree FROM v_rankings WHERE period = '2019-2021' AND level = 'prefecture' "
              "ORDER BY rank_degree LIMIT 5\"", markup=False)


@app.command()
def report(out_dir: Path = typer.Option(Path("reports"), "--out", help="Directory for index.html and its stylesheet."),
           period: str = typer.Option("2019-2021", "--period", help="Period of the network and the paper tables."),
           live: bool = LiveOption, db: Optional[Path] = DbOption) -> None:
    """Write the static HTML report (works offline, no server needed)."""
    from analysis.report import build_report
    from warehouse.report_data import load_report_data

    try:
        index = build_report(load_report_data(read_path(db, live)), out_dir, period=period)
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    out.print(f"report written to {index.resolve()}")


@app.command()
def status(format: StatusFormat = typer.Option(StatusFormat.table, "--format", help="table or json."),
           live: bool = LiveOption, db: Optional[Path] = DbOption) -> None:
    """Last runs, per-source health, counts, warehouse size, snapshot, review queue."""
    from analysis.report.status_view import render_status
    from warehouse.report_data import gather_status

    facts = gather_status(db_path(db), live=live)
    if format is StatusFormat.json:
        import json

        sys.stdout.write(json.dumps(facts, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        out.print(render_status(facts))


@app.command()
def backup(out_file: Path = typer.Option(..., "--out", help="File to write the backup to."),
           db: Optional[Path] = DbOption) -> None:
    """Write a consistent copy of the warehouse."""
    from warehouse.backup import backup as do_backup

    counts = do_backup(db_path(db), out_file)
    out.print(f"backup written to {out_file} ({sum(counts.values())} rows in {len(counts)} tables)")


@app.command()
def restore(backup_file: Path = typer.Argument(..., help="A file written by `healthcoop backup`."),
            db: Optional[Path] = DbOption) -> None:
    """Verify a backup and restore the warehouse from it."""
    from warehouse.backup import restore as do_restore

    counts = do_restore(backup_file, db_path(db))
    out.print(f"restored {db_path(db)} from {backup_file} ({sum(counts.values())} rows verified)")
