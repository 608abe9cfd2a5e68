"""Bad input on the command line: one clear line on stderr, exit status 2, and nothing written.

Most cases run the typer app in-process (``CliRunner``: the imports are already paid for);
a few go through the real ``healthcoop`` executable to show the exit status and stderr a
shell sees. "Nothing written" is checked on the whole tmp directory: no file appears,
disappears or changes, the warehouse and its published copy included.
"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from tests.reliability.conftest import REPO
from tests.support.report_warehouse import build_report_warehouse
from warehouse.db import Warehouse, publish_copy, published_path

runner = CliRunner()
VALID_SOURCE = {"id": "cq_wsjkw", "name": "重庆市卫生健康委员会", "cms": "trs", "base_url": "https://wsjkw.cq.gov.cn",
                "columns": [{"path": "/zwxx_242/gzdt/", "name": "工作动态"}]}


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` -> sha256 of its bytes (a symlink: its target).

    The writer lock file only names its last holder, so only its existence counts.
    """
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path)] = "-> " + str(path.readlink())
        elif path.suffix == ".lock":
            found[str(path)] = "lock"
        elif path.is_file():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A tmp dir holding an initialised warehouse (w.duckdb) and its published copy."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.changed = True
    return tmp_path


def refused(args: list[str], folder: Path, *names: str) -> str:
    """Run the CLI, expect exit 2 with one 'error:' line naming ``names``, and no change in ``folder``."""
    before = tree(folder)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr, result.exception)
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, result.stderr
    assert "Traceback" not in result.output
    for name in names:
        assert name in message, f"{name!r} not named in: {message}"
    assert tree(folder) == before, "the refused command wrote something"
    return message


def sources_file(folder: Path, content: str | dict) -> Path:
    path = folder / "sources.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True),
                    encoding="utf-8")
    return path


BAD_REGISTRIES = {
    "bad_yaml": ("sources:\n  - id: cq\n    columns: [unclosed\n", ["sources.yaml", "not valid YAML"]),
    "unknown_cms": ({"sources": [{**VALID_SOURCE, "cms": "wordpress"}]}, ["cq_wsjkw", "cms", "wordpress"]),
    "missing_field": ({"sources": [{k: v for k, v in VALID_SOURCE.items() if k != "name"}]}, ["cq_wsjkw", "name"]),
    "bad_base_url": ({"sources": [{**VALID_SOURCE, "base_url": "wsjkw.cq.gov.cn/index"}]}, ["cq_wsjkw", "base_url"]),
    "bad_column_path": ({"sources": [{**VALID_SOURCE, "columns": [{"path": "gzdt", "name": "x"}]}]},
                        ["cq_wsjkw", "path"]),
    "misspelt_field": ({"sources": [{**VALID_SOURCE, "rate_per_sec": 2}]}, ["cq_wsjkw", "rate_per_sec"]),
    "misspelt_column_field": ({"sources": [{**VALID_SOURCE, "columns": [{"path": "/a/", "name": "x", "chanel": 1}]}]},
                              ["cq_wsjkw", "column #1", "chanel"]),
    "bad_expectation": ({"sources": [{**VALID_SOURCE, "expect": {"min_items_per_list_page": "ten"}}]},
                        ["cq_wsjkw", "min_items_per_list_page", "ten"]),
    "unknown_expectation": ({"sources": [{**VALID_SOURCE, "expect": {"min_items": 3}}]}, ["cq_wsjkw", "min_items"]),
    "bad_pass_rate_field": ({"sources": [{**VALID_SOURCE, "expect": {"min_field_pass_rate": {"titel": 0.9}}}]},
                            ["cq_wsjkw", "titel"]),
    "ucap_without_channel": ({"sources": [{**VALID_SOURCE, "id": "cd_wjw", "cms": "ucap", "columns": [
        {"path": "/cdwjw/gzdt/list.shtml", "name": "工作动态"}]}]}, ["cd_wjw", "column #1", "channel_id"]),
}


@pytest.mark.parametrize("case", BAD_REGISTRIES)
@pytest.mark.parametrize("command", [["sources"], ["nightly", "--db", "{db}"],
                                     ["backfill", "--start", "2021-01-01", "--end", "2021-01-31", "--db", "{db}"]])
def test_a_bad_sources_file_is_named_and_nothing_runs(workdir, case, command):
    content, names = BAD_REGISTRIES[case]
    registry = sources_file(workdir, content)
    args = [a.replace("{db}", str(workdir / "w.duckdb")) for a in command] + ["--sources", str(registry)]
    refused(args, workdir, *names)


@pytest.mark.parametrize("start, end, named", [
    ("2021-02-30", "2021-03-31", "--start"),
    ("2021-01-01", "yesterday", "--end"),
    ("2021/01/01", "2021-03-31", "--start"),
    ("2021-03-01", "2021-01-31", "after --end"),
])
def test_bad_dates_are_refused_before_anything_runs(workdir, start, end, named):
    refused(["backfill", "--start", start, "--end", end, "--db", str(workdir / "w.duckdb")], workdir, named)


@pytest.mark.parametrize("command", [["init"], ["nightly"], ["recompute"], ["query", "SELECT 1", "--live"],
                                     ["backup", "--out", "{tmp}/backup.duckdb"]])
def test_a_warehouse_in_a_missing_directory_is_refused(tmp_path, command):
    db = tmp_path / "no" / "such" / "dir" / "w.duckdb"
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--db", str(db)]
    message = refused(args, tmp_path, "w.duckdb")
    assert not (tmp_path / "no").exists()
    assert "does not exist" in message


@pytest.fixture
def newer_warehouse(workdir) -> Path:
    """A warehouse written by a future healthcoop (schema version 99), published."""
    db = workdir / "w.duckdb"
    with Warehouse(db) as wh:
        wh.execute("INSERT INTO schema_version VALUES (99, 'from_the_future', now())")
    publish_copy(db)
    return db


@pytest.mark.parametrize("command", [["init"], ["nightly"], ["recode"], ["query", "SELECT 1"],
                                     ["query", "SELECT 1", "--live"], ["backup", "--out", "{dir}/b.duckdb"]])
def test_a_warehouse_from_a_newer_schema_is_refused_untouched(newer_warehouse, command):
    args = [a.replace("{dir}", str(newer_warehouse.parent)) for a in command] + ["--db", str(newer_warehouse)]
    refused(args, newer_warehouse.parent, "schema version 99")


@pytest.mark.parametrize("sql, named", [
    ("SELEC count(*) FROM v_documents", "bad SQL"),
    ("SELECT nonexistent_column FROM v_documents", "bad SQL"),
    ("", "no statement"),
    ("DELETE FROM documents", "DELETE"),
    ("DROP TABLE documents", "DROP"),
    ("CREATE TABLE sneaky AS SELECT 1", "CREATE"),
    ("COPY documents TO '{dir}/stolen.csv'", "COPY"),
    ("ATTACH '{dir}/other.duckdb' AS other", "ATTACH"),
    ("SELECT 1; INSERT INTO problems VALUES (1, 1, 'x', 'x', 'x', 'x', now())", "INSERT"),
    ("INSTALL httpfs", "not allowed"),
    ("SET enable_external_access = true", "SET"),
])
@pytest.mark.parametrize("live", [False, True])
def test_bad_or_writing_sql_is_refused(workdir, sql, named, live):
    args = ["query", sql.replace("{dir}", str(workdir)), "--db", str(workdir / "w.duckdb")]
    args += ["--live"] if live else []
    refused(args, workdir, named)


def test_reading_sql_cannot_read_or_write_other_files(workdir):
    (workdir / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    refused(["query", f"SELECT * FROM read_csv('{workdir}/secret.csv')", "--db", str(workdir / "w.duckdb")],
            workdir, "bad SQL")


@pytest.fixture
def export_dir_with_a_trap(workdir) -> tuple[Path, Path]:
    """An output directory in which one expected file name is a symlink pointing outside it."""
    out, outside = workdir / "exports", workdir / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "v_documents.csv").symlink_to(outside / "v_documents.csv")
    return out, outside


def test_an_export_never_writes_through_a_link_out_of_its_directory(workdir, export_dir_with_a_trap):
    out, outside = export_dir_with_a_trap
    result = runner.invoke(app, ["export", "--what", "projects", "--format", "csv", "--out", str(out),
                                 "--db", str(workdir / "w.duckdb")])
    assert result.exit_code == 2 and "outside" in result.stderr
    assert list(outside.iterdir()) == []  # the file the link points at was never created


def test_a_refused_export_writes_nothing_at_all(workdir, export_dir_with_a_trap):
    out, _ = export_dir_with_a_trap
    refused(["export", "--what", "projects", "--format", "csv", "--out", str(out), "--db", str(workdir / "w.duckdb")],
            workdir, "outside")


@pytest.mark.parametrize("args, named", [
    (["sources", "--sources", "{dir}/missing.yaml"], "not found"),
    (["backfill", "--start", "2021-03-01", "--end", "2021-01-31", "--db", "{dir}/w.duckdb"], "after --end"),
    (["query", "DELETE FROM documents", "--db", "{dir}/w.duckdb"], "DELETE"),
])
def test_the_real_executable_exits_2_with_one_line(workdir, subprocess_env, args, named):
    before = tree(workdir)
    completed = subprocess.run([str(REPO / ".venv" / "bin" / "healthcoop"), *[a.replace("{dir}", str(workdir))
                                                                            for a in args]],
                               env=subprocess_env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2, completed
    assert completed.stderr.startswith("error: ") and completed.stderr.count("\n") == 1 and named in completed.stderr
    assert tree(workdir) == before


def test_the_published_copy_is_what_query_reads(workdir):
    """Sanity check of the fixture the SQL tests rely on: a clean query works on both files."""
    for extra in ([], ["--live"]):
        result = runner.invoke(app, ["query", "SELECT count(*) AS n FROM v_documents", "--format", "csv",
                                     "--db", str(workdir / "w.duckdb"), *extra])
        assert result.exit_code == 0 and result.stdout.splitlines() == ["n", "0"]
    assert published_path(workdir / "w.duckdb").exists()


@pytest.mark.parametrize("command", [
    ["report"], ["export", "--what", "network", "--format", "graphml"], ["backup"], ["query", "select 1"],
])
def test_an_unusable_output_path_is_one_line(tmp_path, command):
    """The OS refuses the path (its parent is a file): one line naming it, exit 2, not a traceback."""
    db = build_report_warehouse(tmp_path / "w.duckdb")
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder", encoding="utf-8")
    target = not_a_folder / ("b.duckdb" if command == ["backup"] else "out")
    refused([*command, "--out", str(target), "--db", str(db)], tmp_path, str(not_a_folder))
