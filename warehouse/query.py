"""Read-only SQL for analysts (``healthcoop query``).

The connection is read-only *and* only statement types that cannot write are accepted:
a read-only DuckDB connection would still let ``COPY … TO`` or ``ATTACH`` write other files.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.db import WarehouseError, open_reader

_READ_TYPES = {"SELECT", "EXPLAIN"}


class QueryError(WarehouseError):
    """Bad or forbidden SQL; the message is DuckDB's first line or names the statement."""


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"bad SQL: {_first_line(exc)}") from None
    if not statements:
        raise QueryError("bad SQL: no statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in _READ_TYPES:
            raise QueryError(f"refused: {kind} statements are not allowed; `healthcoop query` is read-only")
    if len(statements) > 1:  # only the last result could be shown
        raise QueryError(f"bad SQL: one statement per query, got {len(statements)}; run them one at a time")


def run_query(db_path: str | Path, sql: str) -> pd.DataFrame:
    con = open_reader(db_path)
    try:
        check_read_only(con, sql)
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise QueryError(f"bad SQL: {_first_line(exc)}") from None
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def to_jsonable(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


def render(frame: pd.DataFrame, fmt: str) -> str | bytes:
    """The frame as text (table, csv, json) or bytes (parquet)."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return json.dumps(to_jsonable(frame), ensure_ascii=False, indent=2) + "\n"
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
