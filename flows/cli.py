"""The ``healthcoop`` command line (contract §1). Thin: it parses options, calls flows/ and
warehouse/, and turns their errors into one line on stderr with exit status 2 (bad usage or
input) or 1 (a run that finished with errors, partial data kept).
"""
from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from scrapers.registry import RegistryError, default_sources_path, load_sources
from warehouse.db import Warehouse, WarehouseError, default_db_path, published_path, schema_version

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="healthcoop: health cooperation agreements of the Chengdu–Chongqing region.")
review_app = typer.Typer(no_args_is_help=True, help="The review queue of low-confidence codings, and manual overrides.")
app.add_typer(review_app, name="review")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = typer.Option(None, "--db", help="Warehouse file [default: data/healthcoop.duckdb, env HEALTHCOOP_DB].")
SourcesOption = typer.Option(None, "--sources", help="Source registry replacing the bundled one [env HEALTHCOOP_SOURCES].")


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


def sources_or_fail(path: Optional[Path]):
    try:
        return load_sources(path or default_sources_path())
    except RegistryError as exc:
        fail(str(exc))


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
        table.add_row(*["" if v is None else str(v) for v in row])
    out.print(table)


@app.command()
def init(db: Optional[Path] = DbOption) -> None:
    """Create the warehouse, or migrate it to the current schema."""
    try:
        with Warehouse(db_path(db)) as wh:
            version = schema_version(wh.con)
            wh.changed = True  # publish the read-only copy even for an existing, up-to-date warehouse
    except WarehouseError as exc:
        fail(str(exc))
    out.print(f"warehouse {db_path(db)} at schema version {version}; published copy {published_path(db_path(db))}")


@app.command()
def query(sql: str = typer.Argument(..., help="SQL to run (read-only)."),
          format: QueryFormat = typer.Option(QueryFormat.table, "--format", help="Output format."),
          out_file: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout."),
          live: bool = typer.Option(False, "--live", help="Read the main file (only when no writer holds it)."),
          db: Optional[Path] = DbOption) -> None:
    """Read-only SQL on the warehouse (the published copy by default)."""
    from warehouse.query import render, run_query

    path = db_path(db) if live else published_path(db_path(db))
    if not live and not path.exists() and db_path(db).exists():
        fail(f"no published copy {path} yet; run `healthcoop init --db {db_path(db)}` or use --live")
    try:
        frame = run_query(path, sql)
    except WarehouseError as exc:
        fail(str(exc))
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
    registry = sources_or_fail(sources_file)
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


@app.command()
def backup(out_file: Path = typer.Option(..., "--out", help="File to write the backup to."),
           db: Optional[Path] = DbOption) -> None:
    """Write a consistent copy of the warehouse."""
    from warehouse.backup import backup as do_backup

    try:
        counts = do_backup(db_path(db), out_file)
    except WarehouseError as exc:
        fail(str(exc))
    out.print(f"backup written to {out_file} ({sum(counts.values())} rows in {len(counts)} tables)")


@app.command()
def restore(backup_file: Path = typer.Argument(..., help="A file written by `healthcoop backup`."),
            db: Optional[Path] = DbOption) -> None:
    """Verify a backup and restore the warehouse from it."""
    from warehouse.backup import restore as do_restore

    try:
        counts = do_restore(backup_file, db_path(db))
    except WarehouseError as exc:
        fail(str(exc))
    out.print(f"restored {db_path(db)} from {backup_file} ({sum(counts.values())} rows verified)")
