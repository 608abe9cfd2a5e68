"""Opening the DuckDB warehouse: one writer at a time, migrations on open, a published copy.

DuckDB allows one read-write process *or* several read-only ones, and a reader is locked out
while a writer holds the file. So every writing command takes an exclusive ``flock`` on
``<db>.lock`` for its whole run (released by the kernel if the process dies, so a crash never
leaves a stale lock), and at the end of a run that changed data the file is copied to
``<db stem>-latest.duckdb`` with an atomic rename. Analysts and ``healthcoop query`` read
that published copy and are never blocked by the nightly run.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import duckdb

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_DUCKDB_LOCK_RE = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


class WarehouseError(Exception):
    """A warehouse problem the user can act on; the message is one line."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse for writing."""


def default_db_path() -> Path:
    return Path(os.environ.get("HEALTHCOOP_DB") or "data/healthcoop.duckdb")


def published_path(db_path: str | os.PathLike) -> Path:
    path = Path(db_path)
    return path.with_name(f"{path.stem}-latest{path.suffix or '.duckdb'}")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration file, in order; versions must be 1..N."""
    found = []
    for file in sorted(MIGRATIONS_DIR.iterdir()):
        match = _MIGRATION_RE.match(file.name)
        if match:
            found.append((int(match.group(1)), match.group(2), file.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration files must be numbered 001..{len(found):03d} without gaps: {versions}")
    return found


def current_schema_version() -> int:
    return len(migrations())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def check_not_newer(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    version, known = schema_version(con), current_schema_version()
    if version > known:
        raise WarehouseError(
            f"warehouse {path} has schema version {version}, newer than this healthcoop knows ({known}); "
            "upgrade healthcoop or use another --db"
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, path: Path) -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    version = check_not_newer(con, path)
    applied = []
    for number, name, sql in migrations():
        if number <= version:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [number, name, datetime.now()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


class WriterLock:
    """An exclusive, crash-safe lock on ``<db>.lock`` naming its holder (pid and start time).

    A lock taken with ``shared=True`` may be entered again by the same process: the CLI takes
    it before Prefect starts and holds it while the flow opens the same warehouse, so no
    other process can slip in between. Any other second writer is refused, here too.
    """

    _held: dict[Path, list] = {}  # resolved lock path -> [fd, depth, shared]
    _held_lock = threading.Lock()

    def __init__(self, db_path: Path, shared: bool = False):
        self.path = db_path.with_name(db_path.name + ".lock")
        self.shared = shared
        self._key: Path | None = None

    def acquire(self) -> None:
        key = self.path.resolve()
        with WriterLock._held_lock:
            if key in WriterLock._held and WriterLock._held[key][2]:
                WriterLock._held[key][1] += 1
                self._key = key
                return
            if key in WriterLock._held:
                raise WarehouseBusy(f"warehouse is busy (pid {os.getpid()}, this process): "
                                    f"{self.path.with_suffix('')} is already open for writing")
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "pid ?, since ?"
                os.close(fd)
                raise WarehouseBusy(
                    f"warehouse is busy ({holder}): another healthcoop run is writing {self.path.with_suffix('')}; "
                    "wait for it to finish, or query the published copy"
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, since {datetime.now().isoformat(timespec='seconds')}".encode())
            WriterLock._held[key] = [fd, 1, self.shared]
            self._key = key

    def release(self) -> None:
        if self._key is None:
            return
        with WriterLock._held_lock:
            entry = WriterLock._held[self._key]
            entry[1] -= 1
            if entry[1] == 0:
                fcntl.flock(entry[0], fcntl.LOCK_UN)
                os.close(entry[0])
                del WriterLock._held[self._key]
        self._key = None

    def __enter__(self) -> "WriterLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def _translate_duckdb_error(exc: Exception, path: Path) -> WarehouseError:
    message = str(exc)
    match = _DUCKDB_LOCK_RE.search(message)
    if match:
        return WarehouseBusy(f"warehouse is busy (pid {match.group(2)}): {path} is held by another process")
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return WarehouseError(f"warehouse {path}: cannot open ({first})")


class Warehouse:
    """The single writer. Use as a context manager; share one instance between threads.

    ``lock`` serialises statements from the crawl threads on the one DuckDB connection.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_db_path()
        self.lock = threading.RLock()
        self._writer_lock = WriterLock(self.path)
        self.con: duckdb.DuckDBPyConnection | None = None
        self.changed = False

    def open(self) -> "Warehouse":
        parent = self.path.parent
        if not parent.exists():
            if self.path == default_db_path():
                parent.mkdir(parents=True, exist_ok=True)
            else:
                raise WarehouseError(f"warehouse {self.path}: directory {parent} does not exist")
        self._writer_lock.acquire()
        try:
            self.con = duckdb.connect(str(self.path))
            if migrate(self.con, self.path):
                self.changed = True
        except WarehouseError:
            self.close(publish=False)
            raise
        except duckdb.Error as exc:
            self.close(publish=False)
            raise _translate_duckdb_error(exc, self.path) from None
        return self

    def close(self, publish: bool | None = None) -> None:
        """Close; publish the read-only copy when asked, or by default when data changed."""
        if self.con is not None:
            self.con.execute("CHECKPOINT")
            self.con.close()
            self.con = None
            if publish if publish is not None else self.changed:
                publish_copy(self.path)
        self._writer_lock.release()

    def __enter__(self) -> "Warehouse":
        return self.open()

    def __exit__(self, exc_type, exc, tb) -> None:
        # A failed run still publishes what it committed: partial data is kept, never hidden.
        self.close()

    def execute(self, sql: str, params=None):
        with self.lock:
            return self.con.execute(sql, params or [])

    def fetchall(self, sql: str, params=None) -> list[tuple]:
        with self.lock:
            return self.con.execute(sql, params or []).fetchall()

    def fetchdf(self, sql: str, params=None):
        with self.lock:
            return self.con.execute(sql, params or []).df()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing writes: readers of the views never see half of a unit of work."""
        with self.lock:
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            self.con.execute("COMMIT")
            self.changed = True


def publish_copy(db_path: Path) -> Path:
    """Copy a closed, checkpointed warehouse to its published path with an atomic rename."""
    target = published_path(db_path)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.copyfile(db_path, tmp)
    os.replace(tmp, target)
    return target


def open_reader(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A read-only connection with no access to other files (for queries and reports)."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist; run `healthcoop init` (or a crawl) first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise _translate_duckdb_error(exc, path) from None
    check_not_newer(con, path)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
