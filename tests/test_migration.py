"""Upgrading a ledger written by xlkpi 0.1 (schema 1, `tests/fixtures/ledger-v1/`): opened, upgraded
in one transaction, nothing lost — every row and every value as that release wrote it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from xlkpi.month import ledger_sql
from xlkpi.month.ledger import CORRECTION, CorrectionRefused, Ledger, LedgerError

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-v1" / "ledger-v1.sqlite"
V1_COLUMNS = ("month", "employee_id", "name", "department", "form_id", "form_version", "total", "grade", "pay",
              "status", "rank", "file", "outputs", "recorded_at")


def v1_rows(path) -> list:
    """Every row of the v1 table, every column, as stored (typeof included: 85 and 85.0 differ there)."""
    columns = ", ".join(f"{column}, typeof({column})" for column in V1_COLUMNS)
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT {columns} FROM results ORDER BY month, employee_id").fetchall()


@pytest.fixture
def old_ledger(tmp_path) -> Path:
    path = tmp_path / "xlkpi-ledger.sqlite"
    shutil.copyfile(FIXTURE, path)
    return path


def test_the_fixture_is_a_v1_ledger():
    with sqlite3.connect(FIXTURE) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        assert [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["results"]
        assert db.execute("SELECT count(*), count(DISTINCT month), count(total), count(rank) FROM results").fetchone() \
            == (47, 4, 37, 37)


def test_upgrade_keeps_every_row_and_value(old_ledger):
    before = v1_rows(old_ledger)
    original = old_ledger.read_bytes()
    with Ledger(old_ledger) as ledger:
        assert ledger.upgraded_from == 1
        assert ledger.backup == old_ledger.with_name("xlkpi-ledger.sqlite.schema-1.bak")
        assert ledger.months() == ["2026-09", "2026-10", "2026-11", "2026-12"]
        assert len(ledger.month_rows("2026-10")) == 11
        runs = ledger.runs()
    assert v1_rows(old_ledger) == before
    assert len(before) == 47
    # the copy kept beside it is the file as it was
    assert old_ledger.with_name("xlkpi-ledger.sqlite.schema-1.bak").read_bytes() == original
    with sqlite3.connect(old_ledger) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (2,)
        assert dict(db.execute("SELECT name, value FROM ledger_info")) == {"schema_version": "2", "upgraded_from": "1"}
        # every row now names the run that recorded it: one run per v1 recording (a month and its time)
        links = db.execute("SELECT results.month, results.recorded_at, runs.month, runs.started_at, runs.kind "
                           "FROM results JOIN runs ON runs.run_id = results.run_id").fetchall()
        assert db.execute("SELECT count(*) FROM results WHERE run_id IS NULL OR withdrawn_run IS NOT NULL"
                          ).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM earlier_results").fetchone() == (0,)
    assert len(links) == 47
    assert all(month == run_month and at == started and kind == "record"
               for month, at, run_month, started, kind in links)
    # 2026-11 was recorded twice by 0.1, which kept only the second: four recordings are left to tell
    assert [(run.month, run.kind) for run in runs] == [("2026-09", "record"), ("2026-10", "record"),
                                                       ("2026-11", "record"), ("2026-12", "record"),
                                                       (None, "migration")]
    assert runs[-1].reason == "格式版本 1 → 2" and runs[-1].program.startswith("xlkpi ")


def test_an_upgraded_ledger_opens_without_upgrading_again(old_ledger):
    Ledger(old_ledger).close()
    upgraded = old_ledger.read_bytes()
    with Ledger(old_ledger) as ledger:
        assert ledger.upgraded_from is None
    assert old_ledger.read_bytes() == upgraded


def test_a_failing_upgrade_leaves_the_file_as_it_was(old_ledger, monkeypatch):
    before = v1_rows(old_ledger)
    steps = [*ledger_sql.MIGRATIONS[1], "UPDATE no_such_table SET x = 1"]
    monkeypatch.setitem(ledger_sql.MIGRATIONS, 1, steps)
    with pytest.raises(LedgerError) as raised:
        Ledger(old_ledger)
    assert str(raised.value) == (f"历史记录文件 {old_ledger} 从格式版本 1 升级失败（no such table: no_such_table），"
                                 "文件保持原样。")
    with sqlite3.connect(old_ledger) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        assert [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["results"]
        assert [row[1] for row in db.execute("PRAGMA table_info(results)")] == list(V1_COLUMNS)
    assert v1_rows(old_ledger) == before
    monkeypatch.undo()
    with Ledger(old_ledger) as ledger:  # and the real upgrade still works
        assert ledger.upgraded_from == 1
    assert v1_rows(old_ledger) == before


def test_results_of_0_1_are_corrected_like_any_other(old_ledger):
    with Ledger(old_ledger) as ledger:
        rows = ledger.month_rows("2026-11")
        again = [{**row, "outputs": {name: value for name, value in row["outputs"].items() if value is not None}}
                 for row in rows]
        record = ledger.record_month("2026-11", again, whole_month=True)
        assert (record.unchanged, record.changes) == (12, [])  # the other forms' blank outputs are no change
        complete = next(row for row in again if row["status"] == "已完成")
        with pytest.raises(CorrectionRefused):
            ledger.record_month("2026-11", [{**complete, "total": complete["total"] + 1}])
        record = ledger.record_month("2026-11", [{**complete, "total": complete["total"] + 1}], reason="申诉复核")
        (change,) = record.changes
        assert (change.kind, change.before["total"], change.after["total"]) == (CORRECTION, complete["total"],
                                                                                complete["total"] + 1)
        assert change.before["recorded_at"] == complete["recorded_at"]


def test_collect_upgrades_the_ledger_and_says_so(old_ledger):
    """`xlkpi collect` into the folder of a 0.1 ledger: upgraded, told, the earlier months kept."""
    from .cli import run_cli

    out = old_ledger.parent
    before = v1_rows(old_ledger)
    assert run_cli("generate", "--month", "2027-01", "--out", out, "--jobs", 1).exit_code == 0
    run = run_cli("collect", out, "--month", "2027-01", "--jobs", 1)
    assert run.exit_code == 1  # the workbooks are blank: a problem for each item
    assert run.stdout.splitlines()[1] == (f"历史记录已从格式版本 1 升级到当前版本；升级前的文件备份为 "
                                          f"{out / 'xlkpi-ledger.sqlite.schema-1.bak'}。")
    assert v1_rows(old_ledger)[:len(before)] == before
    with Ledger(old_ledger) as ledger:
        assert ledger.months() == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
        assert [run.kind for run in ledger.runs()][-2:] == ["migration", "collect"]


def test_no_upgrade_without_its_backup(old_ledger):
    before = old_ledger.read_bytes()
    backup = old_ledger.with_name("xlkpi-ledger.sqlite.schema-1.bak")
    backup.mkdir()  # a folder where the copy should go: it cannot be written
    with pytest.raises(LedgerError) as raised:
        Ledger(old_ledger)
    assert str(raised.value).startswith(f"历史记录文件 {old_ledger} 需要从格式版本 1 升级，升级前无法在旁边保存备份 "
                                        "xlkpi-ledger.sqlite.schema-1.bak（")
    assert str(raised.value).endswith("），文件保持原样。")
    assert old_ledger.read_bytes() == before


def test_report_and_history_upgrade_and_say_so(old_ledger, tmp_path):
    from .cli import run_cli

    run = run_cli("report", "2026-Q4", "--ledger", old_ledger, "--out", tmp_path / "q4.xlsx")
    assert run.exit_code == 0
    told = f"历史记录已从格式版本 1 升级到当前版本；升级前的文件备份为 {old_ledger}.schema-1.bak。\n"
    assert run.stderr == told
    assert run.stdout.splitlines()[0] == "2026年第4季度（2026-10 至 2026-12）：12 人，计入月份：2026-10、2026-11、2026-12。"
    again = run_cli("history", "E1001", "--ledger", old_ledger)
    assert again.exit_code == 0 and again.stderr == ""  # upgraded once


def test_history_upgrades_and_says_so(old_ledger):
    from .cli import run_cli

    run = run_cli("history", "E1001", "--ledger", old_ledger)
    assert run.exit_code == 0
    assert run.stderr == f"历史记录已从格式版本 1 升级到当前版本；升级前的文件备份为 {old_ledger}.schema-1.bak。\n"
    assert run.stdout.splitlines()[0] == "王丽娜（E1001）  客服部"
