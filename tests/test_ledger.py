"""The ledger: one row per employee and month, recorded in one transaction; every earlier version
kept, corrections refused without a reason, withdrawn workbooks marked, never deleted."""

from __future__ import annotations

import sqlite3
import weakref

import pytest

from xlkpi.base.errors import UsageError
from xlkpi.month.ledger import DEFAULT_LEDGER, SCHEMA_VERSION, CorrectionRefused, Ledger, LedgerError

from .cli import run_cli


def result(employee_id, total, *, name=None, rank=None, department="客服部", form_id="dianhua_zhuanyuan",
           grade="B", file=None):
    return {
        "employee_id": employee_id,
        "name": name or f"员工{employee_id}",
        "department": department,
        "form_id": form_id,
        "form_version": 1,
        "total": total,
        "grade": grade,
        "pay": None,
        "status": "已完成" if total is not None else "未完成：1 项未填",
        "rank": rank,
        "file": file or f"{employee_id}.xlsx",
        "outputs": {"out_total": total, "out_grade": grade, "out_status": "已完成"},
    }


def dump(path):
    """The current results, read through a fresh connection."""
    with sqlite3.connect(path) as db:
        return db.execute("SELECT * FROM results ORDER BY month, employee_id").fetchall()


def dump_all(path):
    """Every table of the ledger, read through a fresh connection."""
    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in tables}


def test_default_name():
    assert DEFAULT_LEDGER == "xlkpi-ledger.sqlite"


def test_schema_version(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert db.execute("SELECT value FROM ledger_info WHERE name = 'schema_version'").fetchone() == ("2",)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"results", "earlier_results", "runs", "ledger_info"}
    with Ledger(path) as ledger:  # opening again keeps what is there
        assert ledger.months() == []
        assert (ledger.upgraded_from, ledger.backup) == (None, None)


def test_record_and_read(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        assert ledger.record_month("2026-01", [result("E1", 85.5, rank=2), result("E2", 91, rank=1)]).recorded == 2
        (row,) = ledger.history("E1")
    assert row["month"] == "2026-01"
    assert row["total"] == 85.5
    assert row["rank"] == 2
    assert row["outputs"] == {"out_total": 85.5, "out_grade": "B", "out_status": "已完成"}
    assert {key: row[key] for key in ("employee_id", "name", "department", "form_id", "form_version",
                                      "grade", "pay", "status", "file")} == {
        "employee_id": "E1", "name": "员工E1", "department": "客服部", "form_id": "dianhua_zhuanyuan",
        "form_version": 1, "grade": "B", "pay": None, "status": "已完成", "file": "E1.xlsx"}


def test_re_recording_replaces_and_leaves_other_months(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-01", [result("E1", 80), result("E2", 70)])
        ledger.record_month("2026-02", [result("E1", None), result("E2", 71)])
        before_january = [row for row in dump(path) if row[0] == "2026-01"]
        ledger.record_month("2026-02", [result("E1", 95, name="张三")])
        ledger.record_month("2026-02", [result("E1", 96, name="张三")], reason="申诉复核")
        rows = ledger.month_rows("2026-02")
        assert [(row["employee_id"], row["name"], row["total"]) for row in rows] == [
            ("E1", "张三", 96.0), ("E2", "员工E2", 71.0)]
        assert ledger.months() == ["2026-01", "2026-02"]
    assert [row for row in dump(path) if row[0] == "2026-01"] == before_january
    assert len(dump(path)) == 4


def test_history_is_in_month_order(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-03", [result("E1", 73)])
        ledger.record_month("2026-01", [result("E1", 71), result("E2", 50)])
        ledger.record_month("2026-02", [result("E1", 72)])
        assert [(row["month"], row["total"]) for row in ledger.history("E1")] == [
            ("2026-01", 71.0), ("2026-02", 72.0), ("2026-03", 73.0)]
        assert ledger.history("E9") == []


def test_blank_total_and_rank(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-01", [result("E1", None)])
        (row,) = ledger.history("E1")
    assert row["total"] is None and row["rank"] is None


def test_failed_insert_leaves_the_ledger_as_it_was(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-01", [result("E1", 80), result("E2", 70)])
        before = dump_all(path)
        # E1 is changed and E2 too, then E1 comes again
        with pytest.raises(LedgerError, match='工号 "E1" 在 2026-01 的结果中出现了两次。'):
            ledger.record_month("2026-01", [result("E1", 10), result("E2", 20), result("E1", 30)], reason="复核")
        assert dump_all(path) == before
        # the connection is usable afterwards
        ledger.record_month("2026-01", [result("E2", 75)], reason="复核")
    with Ledger(path) as ledger:
        assert [(row["employee_id"], row["total"]) for row in ledger.month_rows("2026-01")] == [
            ("E1", 80.0), ("E2", 75.0)]


def test_failure_after_the_delete_leaves_the_ledger_as_it_was(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-01", [result("E1", 80)])
        ledger.record_month("2026-02", [result("E1", 81)])
        before = dump(path)
        before_all = dump_all(path)
        broken = result("E1", 90)
        broken["outputs"] = {"out_total": object()}  # cannot be stored as JSON
        with pytest.raises(TypeError):
            ledger.record_month("2026-02", [result("E2", 60), broken], reason="复核")
        assert dump(path) == before
        missing = result("E3", 90)
        del missing["rank"]
        with pytest.raises(KeyError):
            ledger.record_month("2026-02", [result("E1", 99), missing], reason="复核")
    assert dump(path) == before
    assert dump_all(path) == before_all


def test_an_iterator_of_rows_is_read_once(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.record_month("2026-01", iter([result("E1", 80), result("E2", 70)])).recorded == 2
        assert [(row["employee_id"], row["total"]) for row in ledger.month_rows("2026-01")] == [
            ("E1", 80.0), ("E2", 70.0)]


class _Row(dict):
    """A ledger row that a weak reference can watch."""


def test_a_collection_of_rows_is_written_as_it_is_made(tmp_path):
    """Rows that a collection makes as it is iterated are written one by one, never all held at once."""
    held = {"now": 0, "most": 0}

    def let_go():
        held["now"] -= 1

    class Rows:
        def __len__(self):
            return 300

        def __iter__(self):
            for number in range(300):
                row = _Row(result(f"E{number:03d}", number / 4, rank=number % 7 + 1))
                weakref.finalize(row, let_go)
                held["now"] += 1
                held["most"] = max(held["most"], held["now"])
                yield row
                del row

    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        assert ledger.record_month("2026-01", Rows()).recorded == 300
        rows = ledger.month_rows("2026-01")
    assert held["most"] <= 2
    assert [(row["employee_id"], row["total"], row["rank"]) for row in rows] == [
        (f"E{number:03d}", number / 4, number % 7 + 1) for number in range(300)]


def test_month_totals(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-01", [result("E2", 70.5, rank=2), result("E1", None)])
        ledger.record_month("2026-02", [result("E1", 99, rank=1)])
        assert list(ledger.month_totals("2026-01")) == [("E1", None, None), ("E2", 70.5, 2)]
        assert list(ledger.month_totals("2026-03")) == []
        with pytest.raises(UsageError):
            ledger.month_totals("2026-13")


def test_bad_month(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger, pytest.raises(UsageError):
        ledger.record_month("2026-13", [result("E1", 80)])


def test_not_a_ledger(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("这不是数据库" * 100, encoding="utf-8")
    with pytest.raises(LedgerError, match="不是 xlkpi 的历史记录文件"):
        Ledger(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(LedgerError, match="不是 xlkpi 的历史记录文件"):
        Ledger(other)


def test_newer_ledger_is_refused(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError, match="格式版本为 99"):
        Ledger(path)


# ---------------------------------------------------------------- xlkpi history
invoke = run_cli


def test_cli_history(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        for month, total, rank in [("2026-01", 68.5, 3), ("2026-02", 69.99, 2), ("2026-03", 55, 4)]:
            ledger.record_month(month, [result("E1042", total, name="张三", rank=rank, grade="D"),
                                        result("E2001", 90, rank=1)])
        ledger.record_month("2026-04", [result("E1042", None, name="张三", grade=None)])
        ledger.record_month("2026-04", [dict(result("E3001", 88.25, name="李四", form_id="kefu_zhuanyuan",
                                                    grade=None, rank=1), pay=200)])
    run = invoke("history", "E1042", "--ledger", path)
    assert run.exit_code == 0, run.output
    assert run.output == (
        "张三（E1042）  客服部\n"
        "月份     表单      总分   等级  绩效金额  排名  状态\n"
        "2026-01  电话专员  68.5   D               3     已完成\n"
        "2026-02  电话专员  69.99  D               2     已完成\n"
        "2026-03  电话专员  55     D               4     已完成\n"
        "2026-04  电话专员                               未完成：1 项未填\n"
        # (68.5 + 69.99 + 55) / 3 = 64.4966… → 64.50, below 70; April collected but unfinished
        "调薪建议（按期间平均分）：\n"
        "  期间     计入月数  缺月               平均分  调薪建议\n"
        "  2026-Q1  3                            64.5    降薪或培训\n"
        "  2026-Q2  0         2026-04（未完成）\n"
        "  2026     3         2026-04（未完成）  64.5    降薪或培训\n"
        "无预警（截至 2026-04）\n"
    )
    assert invoke("history", "E2001", "--ledger", path).output.splitlines()[-1] == (
        "预警（截至 2026-03）：连续三次第一")
    assert invoke("history", "E3001", "--ledger", path).output == (
        "李四（E3001）  客服部\n"
        "月份     表单      总分   等级  绩效金额  排名  状态\n"
        "2026-04  客服专员  88.25        200       1     已完成\n"
        # Q1 was collected, but without him: three months missing, none counted
        "调薪建议（按期间平均分）：\n"
        "  期间     计入月数  缺月                                                           平均分  调薪建议\n"
        "  2026-Q2  1                                                                        88.25   维持\n"
        "  2026     1         2026-01（无考核表）、2026-02（无考核表）、2026-03（无考核表）  88.25   维持\n"
        "无预警（截至 2026-04）\n"
    )


def test_cli_history_flags(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        for month, total in [("2026-01", 69.99), ("2026-02", 34), ("2026-03", 34.99)]:
            ledger.record_month(month, [result("E1042", total, name="张三", grade="D")])
    run = invoke("history", " E1042 ", "--ledger", path)
    assert run.exit_code == 0
    assert run.output.splitlines()[-1] == "预警（截至 2026-03）：连续3个月低于70分、连续两次低于35分"


def test_cli_history_default_ledger(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Ledger(DEFAULT_LEDGER) as ledger:
        ledger.record_month("2026-01", [result("E1", 80, name="王五")])
    run = invoke("history", "E1")
    assert run.exit_code == 0
    assert run.output.splitlines()[0] == "王五（E1）  客服部"


def test_cli_history_without_ledger(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = invoke("history", "E1")
    assert run.exit_code == 1
    assert run.output == ("错误：历史记录文件 xlkpi-ledger.sqlite 不存在。xlkpi collect 把它写在月份文件夹旁，"
                          "请用 --ledger 指定，例如 --ledger out/xlkpi-ledger.sqlite。\n")
    assert not (tmp_path / DEFAULT_LEDGER).exists()


def test_cli_history_unknown_employee(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-01", [result("E1", 80)])
    run = invoke("history", "E9", "--ledger", path)
    assert run.exit_code == 1
    assert run.output == f'错误：历史记录 {path} 中没有工号 "E9" 的考核记录。\n'


def test_cli_history_not_a_ledger(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("工号,姓名\n" * 50, encoding="utf-8")
    run = invoke("history", "E1", "--ledger", path)
    assert run.exit_code == 1
    assert run.output.startswith(f"错误：{path} 不是 xlkpi 的历史记录文件")
