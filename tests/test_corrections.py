"""Recording a month again: updates while it is being filled, corrections of complete results
(refused without a reason), withdrawn and restored workbooks; nothing is ever deleted."""

from __future__ import annotations

import sqlite3

import pytest

from xlkpi.month.ledger import CORRECTION, RESTORATION, UPDATE, WITHDRAWAL, CorrectionRefused, Ledger

from .cli import run_cli
from .test_ledger import dump_all, result

HOW = ("更正已完成的结果须说明原因（历史记录会保留更正前的结果、时间、文件和原因）：请加 --reason \"原因\" 重新汇总，"
       "例如 --reason \"申诉复核：张三第9项改为20分\"。这次汇总没有写入任何内容。")


def incomplete(employee_id, **options):
    row = result(employee_id, None, **options)
    row["grade"] = None
    return row


def versions(path):
    """(month, employee, total, status, change, replaced_run) of every earlier version, in order."""
    with sqlite3.connect(path) as db:
        return db.execute("SELECT month, employee_id, total, status, change, replaced_run FROM earlier_results "
                          "ORDER BY version_id").fetchall()


def test_filling_in_is_an_update_without_a_reason(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        first = ledger.record_month("2026-11", [incomplete("E1"), incomplete("E2")], whole_month=True)
        assert (first.recorded, first.added, first.unchanged, first.changes) == (2, 2, 0, [])
        second = ledger.record_month("2026-11", [result("E1", 85, rank=1), incomplete("E2")], whole_month=True)
        assert (second.recorded, second.added, second.unchanged) == (2, 0, 1)
        (change,) = second.changes
        assert (change.kind, change.employee_id, change.before["total"], change.after["total"]) == (UPDATE, "E1", None,
                                                                                                     85.0)
        assert change.before["status"] == "未完成：1 项未填"
    # the unfinished version is kept
    assert versions(path) == [("2026-11", "E1", None, "未完成：1 项未填", UPDATE, second.run)]


def test_a_rank_that_moves_is_not_a_correction(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-11", [result("E1", 85, rank=1), incomplete("E2")])
        record = ledger.record_month("2026-11", [result("E1", 85, rank=2), result("E2", 90, rank=1)])
        assert sorted((change.kind, change.employee_id) for change in record.changes) == [(UPDATE, "E1"), (UPDATE, "E2")]


def test_a_correction_needs_a_reason(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-11", [result("E1042", 85, name="张三", grade="B", file="客服部/E1042.xlsx"),
                                        result("E2001", 70, name="李四")])
        before = dump_all(path)
        corrected = [result("E1042", 88, name="张三", grade="B", file="客服部/E1042 复核.xlsx"),
                     result("E2001", 70, name="李四")]
        with pytest.raises(CorrectionRefused) as refused:
            ledger.record_month("2026-11", corrected)
        assert str(refused.value) == (
            "2026-11 有 1 名员工已记录为“已完成”的结果与这次汇总的不同：\n"
            "  E1042 张三：总分 85 → 88；文件 客服部/E1042.xlsx → 客服部/E1042 复核.xlsx\n" + HOW)
        assert refused.value.exit_code == 2
        assert dump_all(path) == before  # not even the run is recorded
        with pytest.raises(CorrectionRefused):
            ledger.record_month("2026-11", corrected, reason="   ")  # blank is no reason

        record = ledger.record_month("2026-11", corrected, reason="申诉复核：第9项改为20分", folder="/data/2026-11")
        (change,) = record.changes
        assert (change.kind, change.employee_id, change.name) == (CORRECTION, "E1042", "张三")
        assert (change.before["total"], change.before["file"]) == (85.0, "客服部/E1042.xlsx")
        assert (change.after["total"], change.after["file"]) == (88.0, "客服部/E1042 复核.xlsx")
        assert (change.run.reason, change.run.folder, change.run.kind) == ("申诉复核：第9项改为20分", "/data/2026-11",
                                                                           "record")
        assert change.run.started_at == change.after["recorded_at"]
        assert [row["total"] for row in ledger.history("E1042")] == [88.0]
        # read back from the ledger: the same change
        (stored,) = ledger.changes(employee_id="E1042")
        assert stored == change
        assert ledger.changes(first="2026-11", last="2026-11") == [change]
        assert ledger.changes(first="2026-12", last="2026-12") == []
    # xlkpi history: the earlier value, the files, when, who and why
    shown = run_cli("history", "E1042", "--ledger", path).stdout.splitlines()
    assert shown[3] == "更正与撤回："
    assert shown[4].startswith("  2026-11  更正：总分 85 → 88；文件 客服部/E1042.xlsx → 客服部/E1042 复核.xlsx（2026-")
    assert shown[4].endswith("，原因：申诉复核：第9项改为20分）")


@pytest.mark.parametrize(("changed", "described"), [
    ({"grade": "A"}, "等级 B → A"),
    ({"status": "未完成：1 项未填", "total": None, "grade": None}, "总分 85 → 空白；等级 B → 空白；填写状态 已完成 → 未完成：1 项未填"),
    ({"outputs": {"out_total": 85, "out_grade": "B", "out_status": "已完成", "out_revisit": 20}},
     "分项得分有变化（总分仍为 85）"),
    ({"pay": 300}, "绩效金额 空白 → 300"),
])
def test_any_change_to_a_complete_result_is_a_correction(tmp_path, changed, described):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-11", [result("E1", 85, name="张三")])
        with pytest.raises(CorrectionRefused) as refused:
            ledger.record_month("2026-11", [{**result("E1", 85, name="张三"), **changed}])
        assert str(refused.value).splitlines()[1] == f"  E1 张三：{described}"


def test_outputs_of_other_forms_written_blank_are_no_change(tmp_path):
    """xlkpi 0.1 kept in each row the blank outputs of the month's other forms; a row recorded again
    without them is unchanged."""
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        old = result("E1", 85)
        old["outputs"] = {**old["outputs"], "out_pay": None, "out_skill": None}
        ledger.record_month("2026-11", [old])
        record = ledger.record_month("2026-11", [result("E1", 85)])
        assert (record.unchanged, record.changes) == (1, [])


def test_a_workbook_gone_is_withdrawn_never_deleted(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-10", [result("E1", 80), result("E2", 75)])
        ledger.record_month("2026-11", [result("E1", 85, rank=1), result("E2", 75, name="李四", file="b.xlsx"),
                                        incomplete("E3")], whole_month=True)
        # E3's unfinished workbook disappears: withdrawn without a word
        record = ledger.record_month("2026-11", [result("E1", 85, rank=1), result("E2", 75, name="李四",
                                                                                   file="b.xlsx")], whole_month=True)
        (change,) = record.changes
        assert (change.kind, change.employee_id, change.after) == (WITHDRAWAL, "E3", None)
        assert ledger.month_employees("2026-11") == ["E1", "E2"]
        assert [row["employee_id"] for row in ledger.month_rows("2026-11")] == ["E1", "E2"]
        # E2's complete workbook disappears: a correction, refused without a reason
        before = dump_all(path)
        with pytest.raises(CorrectionRefused) as refused:
            ledger.record_month("2026-11", [result("E1", 85, rank=1)], whole_month=True)
        assert str(refused.value) == (
            "2026-11 有 1 名员工已记录为“已完成”的结果与这次汇总的不同：\n"
            "  E2 李四：考核表没有找到或无法读取（原为 b.xlsx，总分 75），标记为撤回\n" + HOW)
        assert dump_all(path) == before
        record = ledger.record_month("2026-11", [result("E1", 85, rank=1)], whole_month=True, reason="离职，考核表作废")
        (change,) = record.changes
        assert (change.kind, change.employee_id, change.run.reason) == (CORRECTION, "E2", "离职，考核表作废")
        # withdrawn results are not read as results ...
        assert [row["month"] for row in ledger.history("E2")] == ["2026-10"]
        assert list(ledger.month_totals("2026-11")) == [("E1", 85.0, 1)]
        assert ledger.collected_months() == ["2026-10", "2026-11"]
        # ... but are all still there
        withdrawn_run = record.run
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT employee_id, total, withdrawn_run IS NOT NULL FROM results WHERE month = '2026-11' "
                          "ORDER BY employee_id").fetchall() == [("E1", 85.0, 0), ("E2", 75.0, 1), ("E3", None, 1)]
        assert db.execute("SELECT withdrawn_run FROM results WHERE employee_id = 'E2' AND month = '2026-11'"
                          ).fetchone() == (withdrawn_run,)


def test_without_whole_month_the_others_stay(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-11", [result("E1", 85), result("E2", 75)])
        record = ledger.record_month("2026-11", [result("E1", 85)])
        assert record.changes == [] and ledger.month_employees("2026-11") == ["E1", "E2"]


def test_a_withdrawn_workbook_that_comes_back_is_restored(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record_month("2026-11", [result("E1", 85), result("E2", 75, name="李四")], whole_month=True)
        ledger.record_month("2026-11", [result("E1", 85)], whole_month=True, reason="汇总了错误的文件夹")
        record = ledger.record_month("2026-11", [result("E1", 85), result("E2", 75, name="李四")], whole_month=True)
        (change,) = record.changes
        assert (change.kind, change.employee_id, change.after["total"]) == (RESTORATION, "E2", 75.0)
        assert ledger.month_employees("2026-11") == ["E1", "E2"]
        told = [(change.kind, change.employee_id, change.run.reason) for change in ledger.changes(employee_id="E2")]
        assert told == [(CORRECTION, "E2", "汇总了错误的文件夹"), (RESTORATION, "E2", None)]
        assert [change.kind for change in ledger.changes(employee_id="E2", kinds=[RESTORATION])] == [RESTORATION]


def test_the_refusal_names_at_most_twenty(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_month("2026-11", [result(f"E{number:02d}", 80) for number in range(25)])
        with pytest.raises(CorrectionRefused) as refused:
            ledger.record_month("2026-11", [result(f"E{number:02d}", 81) for number in range(25)])
    lines = str(refused.value).splitlines()
    assert lines[0] == "2026-11 有 25 名员工已记录为“已完成”的结果与这次汇总的不同："
    assert lines[1] == "  E00 员工E00：总分 80 → 81" and lines[20] == "  E19 员工E19：总分 80 → 81"
    assert lines[21] == "  ……等 25 人"
    assert len(refused.value.changes) == 25


def test_nothing_is_ever_deleted(tmp_path):
    """Every value ever recorded is still in the ledger after updates, corrections and withdrawals."""
    path = tmp_path / "ledger.sqlite"
    recorded = []
    with Ledger(path) as ledger:
        for step, totals in enumerate([(None, 70, None), (80, 70, 60), (81, 72, None), (81, 72)]):
            rows = [result(f"E{number}", total) if total is not None else incomplete(f"E{number}")
                    for number, total in enumerate(totals)]
            ledger.record_month("2026-11", rows, whole_month=True, reason=f"第 {step} 次")
            recorded.extend((row["employee_id"], row["total"]) for row in rows)
    with sqlite3.connect(path) as db:
        kept = db.execute("SELECT employee_id, total FROM results UNION ALL "
                          "SELECT employee_id, total FROM earlier_results").fetchall()
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (4,)
    assert set(recorded) <= set(kept)
