"""``healthcoop backup`` / ``restore``: a consistent copy that comes back whole, and a corrupt
or foreign file that is refused without touching the warehouse."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.reliability.harness import FaultyCrawl, fast_sources
from tests.support.fault_server import FaultInjector
from warehouse.backup import table_counts
from warehouse.db import Warehouse

runner = CliRunner()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return table_counts(con)
    finally:
        con.close()


def cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def crawled_template(tmp_path_factory) -> Path:
    """A warehouse with a real crawl in it (documents, raw pages, runs, health), built once."""
    folder = tmp_path_factory.mktemp("crawled")
    with FaultyCrawl(folder, FaultInjector(), sources=fast_sources(("sc_wsjkw", "lz_wjw"))) as crawl:
        crawl.backfill()
        return crawl.wh.path


@pytest.fixture
def crawled(crawled_template, tmp_path) -> Path:
    """This test's own copy of the crawled warehouse, writer closed."""
    path = tmp_path / "crawled" / "w.duckdb"
    path.parent.mkdir()
    shutil.copyfile(crawled_template, path)
    return path


def test_backup_then_restore_gives_back_every_row(crawled, tmp_path):
    backup = tmp_path / "backup.duckdb"
    result = cli("backup", "--out", str(backup), "--db", str(crawled))
    assert result.exit_code == 0, result.output
    saved = counts(backup)
    assert saved == counts(crawled) and saved["documents"] == 14 and saved["raw_pages"] > 14
    assert Path(f"{backup}.sha256").read_text(encoding="utf-8").split()[0] == sha256(backup)

    with Warehouse(crawled) as wh:  # the warehouse moves on (or is damaged) after the backup
        wh.execute("DELETE FROM documents WHERE source_id = 'lz_wjw'")
        wh.execute("DELETE FROM document_versions")
    assert counts(crawled) != saved

    result = cli("restore", str(backup), "--db", str(crawled))
    assert result.exit_code == 0, result.output
    assert counts(crawled) == saved
    assert sha256(backup) == Path(f"{backup}.sha256").read_text(encoding="utf-8").split()[0]  # backup untouched


def _flip_bytes(path: Path, at: int, n: int = 64) -> None:
    data = bytearray(path.read_bytes())
    data[at:at + n] = bytes(b ^ 0xFF for b in data[at:at + n])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, named", [
    ("flipped", "corrupt"),  # the checksum beside it no longer matches
    ("truncated_no_checksum", "not a readable DuckDB file"),
    ("not_healthcoop", "not a healthcoop warehouse"),
    ("missing", "does not exist"),
])
def test_a_corrupt_or_foreign_backup_is_refused_and_the_warehouse_untouched(crawled, tmp_path, damage, named):
    backup = tmp_path / "backup.duckdb"
    assert cli("backup", "--out", str(backup), "--db", str(crawled)).exit_code == 0
    sidecar = Path(f"{backup}.sha256")
    if damage == "flipped":
        _flip_bytes(backup, at=backup.stat().st_size // 2)
    if damage == "truncated_no_checksum":
        backup.write_bytes(backup.read_bytes()[:backup.stat().st_size // 3])
    if damage == "not_healthcoop":
        backup.unlink()
        duckdb.connect(str(backup)).close()
    if damage == "missing":
        backup.unlink()
    if damage in ("truncated_no_checksum", "not_healthcoop"):
        sidecar.unlink()
    before = sha256(crawled)

    result = cli("restore", str(backup), "--db", str(crawled))
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message and named in message, message
    assert sha256(crawled) == before
    assert not list(tmp_path.rglob("*.restore-tmp"))


def test_backup_refuses_a_missing_directory_and_a_busy_warehouse(crawled, tmp_path):
    result = cli("backup", "--out", str(tmp_path / "nowhere" / "b.duckdb"), "--db", str(crawled))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    with Warehouse(crawled):  # a nightly run holds the writer lock
        result = cli("backup", "--out", str(tmp_path / "b.duckdb"), "--db", str(crawled))
    assert result.exit_code == 2 and "busy" in result.stderr
    assert not (tmp_path / "b.duckdb").exists() and not (tmp_path / "nowhere").exists()


def test_restore_keeps_a_backup_usable_by_the_next_run(crawled, tmp_path):
    """A restored warehouse is a normal one: it opens as the writer and takes new data."""
    backup = tmp_path / "backup.duckdb"
    assert cli("backup", "--out", str(backup), "--db", str(crawled)).exit_code == 0
    copy = tmp_path / "restored.duckdb"
    shutil.copyfile(crawled, copy)
    assert cli("restore", str(backup), "--db", str(copy)).exit_code == 0
    with Warehouse(copy) as wh:
        before = wh.fetchall("SELECT count(*) FROM runs")[0][0]
        wh.execute("INSERT INTO runs (run_id, flow, started_at, status) "
                   "VALUES (nextval('seq_run'), 'after-restore', now(), 'completed')")
        assert wh.fetchall("SELECT count(*) FROM runs")[0][0] == before + 1
