"""Consistent backups and verified restores of the warehouse file.

A backup is taken under the writer lock after a CHECKPOINT, so it is a complete database
file; a ``.sha256`` file beside it lets ``restore`` prove the copy is the one written.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from warehouse.db import Warehouse, WarehouseError, check_not_newer


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table, read in full (a hash of every row), so a damaged block is found here
    rather than by the first analyst who queries it after a restore."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    return {t: con.execute(f'SELECT count(*), sum(hash("{t}")) FROM "{t}"').fetchone()[0] for t in tables}


def backup(db_path: Path, out: Path) -> dict[str, int]:
    """Copy the warehouse to ``out`` (atomically) and return its table row counts."""
    out = Path(out)
    if not out.parent.exists():
        raise WarehouseError(f"backup target directory {out.parent} does not exist")
    if out.resolve() == Path(db_path).resolve():
        raise WarehouseError("backup target is the warehouse itself")
    with Warehouse(db_path) as wh:
        with wh.lock:
            wh.con.execute("CHECKPOINT")
            counts = table_counts(wh.con)
            tmp = out.with_name(out.name + ".tmp")
            shutil.copyfile(wh.path, tmp)
    os.replace(tmp, out)
    Path(f"{out}.sha256").write_text(f"{_sha256(out)}  {out.name}\n", encoding="utf-8")
    return counts


def verify(path: Path) -> dict[str, int]:
    """Check a backup: checksum (when present), opens read-only, schema not newer; row counts."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"backup {path} does not exist")
    sidecar = Path(f"{path}.sha256")
    if sidecar.exists():
        expected = sidecar.read_text(encoding="utf-8").split()[0]
        if _sha256(path) != expected:
            raise WarehouseError(f"backup {path} is corrupt: its sha256 differs from {sidecar.name}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"backup {path} is not a readable DuckDB file ({str(exc).splitlines()[0]})") from None
    try:
        if check_not_newer(con, path) == 0:
            raise WarehouseError(f"backup {path} is not a healthcoop warehouse (no schema_version)")
        return table_counts(con)
    except duckdb.Error as exc:
        raise WarehouseError(f"backup {path} is not a readable DuckDB file ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()


def restore(backup_path: Path, db_path: Path) -> dict[str, int]:
    """Verify the backup, then replace the warehouse with it under the writer lock."""
    counts = verify(backup_path)
    with Warehouse(db_path) as wh:
        with wh.lock:
            wh.con.close()
            tmp = wh.path.with_name(wh.path.name + ".restore-tmp")
            shutil.copyfile(backup_path, tmp)
            os.replace(tmp, wh.path)
            wal = wh.path.with_name(wh.path.name + ".wal")
            if wal.exists():
                wal.unlink()
            wh.con = duckdb.connect(str(wh.path))
            restored = table_counts(wh.con)
            wh.changed = True
    if restored != counts:
        raise WarehouseError(f"restore of {backup_path} did not verify: row counts differ after copying")
    return restored
