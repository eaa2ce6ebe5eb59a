"""A clerk's month through `xlkpi collect`: the month collected again and again while it is filled,
a complete result corrected (refused without --reason, leaving ledger and summary untouched),
workbooks withdrawn, and `xlkpi history` telling it all. The workbooks are the filled month of
test_monthly_roundtrip (E104: 客服专员, total 80, 绩效金额 200, complete; E202: 电话专员, unfinished)."""

from __future__ import annotations

import sqlite3

from .cli import run_cli
from .filling import fill_workbook
from .test_monthly_roundtrip import FILES, FILLS, MONTH, PROBLEM_LINES, filled_month, month_dir  # noqa: F401

HOW = ("更正已完成的结果须说明原因（历史记录会保留更正前的结果、时间、文件和原因）：请加 --reason \"原因\" 重新汇总，"
       "例如 --reason \"申诉复核：张三第9项改为20分\"。这次汇总没有写入任何内容。")


def ledger_state(path):
    with sqlite3.connect(path) as db:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("results", "earlier_results", "runs")}


def test_a_corrected_result_needs_a_reason(month_dir):
    out = month_dir.parent
    summary, ledger = out / "2026-11_汇总.xlsx", out / "xlkpi-ledger.sqlite"
    assert run_cli("collect", out, "--month", MONTH).exit_code == 1
    # collected again, nothing changed: no reason needed, nothing to tell
    again = run_cli("collect", out, "--month", MONTH, "--force")
    assert again.exit_code == 1
    assert again.stdout.splitlines()[1] == f"汇总表：{summary}"

    # the appeal: E104's 接待 10 → 20, so 总分 80 → 90 and 绩效金额 200 → 300
    values, _ = FILLS["E104"]
    fill_workbook(month_dir / FILES["E104"], {**values, "in_volume": 20})
    before_summary, before_ledger = summary.read_bytes(), ledger_state(ledger)
    refused = run_cli("collect", out, "--month", MONTH, "--force")
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert refused.stderr == ("错误：2026-11 有 1 名员工已记录为“已完成”的结果与这次汇总的不同：\n"
                              "  E104 王四：总分 80 → 90；绩效金额 200 → 300\n" + HOW + "\n")
    assert summary.read_bytes() == before_summary
    assert ledger_state(ledger) == before_ledger

    done = run_cli("collect", out, "--month", MONTH, "--force", "--reason", "申诉复核：接待量应为20分")
    assert done.exit_code == 1
    assert done.stderr.splitlines() == PROBLEM_LINES
    assert done.stdout.splitlines()[1:3] == [
        "更正 1 人（原因：申诉复核：接待量应为20分），更正前的结果已保留在历史记录中：",
        "  E104 王四：总分 80 → 90；绩效金额 200 → 300",
    ]
    history = run_cli("history", "E104", "--ledger", ledger).stdout.splitlines()
    assert history[2] == "2026-11  客服专员  90          300       2     已完成"
    assert history[3] == "更正与撤回："
    assert history[4].startswith("  2026-11  更正：总分 80 → 90；绩效金额 200 → 300（")
    assert history[4].endswith(f"，文件：{FILES['E104']}，原因：申诉复核：接待量应为20分）")


def test_workbooks_gone_are_withdrawn(month_dir):
    out = month_dir.parent
    ledger = out / "xlkpi-ledger.sqlite"
    assert run_cli("collect", out, "--month", MONTH).exit_code == 1
    # an unfinished workbook taken out: withdrawn, no reason needed
    (month_dir / FILES["E202"]).unlink()
    run = run_cli("collect", out, "--month", MONTH, "--force")
    assert run.exit_code == 1
    assert "撤回 1 份（未完成的考核表这次没有找到或无法读取，已在历史记录中标记为撤回）：E202 赵二" in run.stdout.splitlines()
    with sqlite3.connect(ledger) as db:
        assert db.execute("SELECT count(*) FROM results WHERE employee_id = 'E202' AND withdrawn_run IS NOT NULL"
                          ).fetchone() == (1,)
    # a complete one taken out: refused, then recorded with the reason
    (month_dir / FILES["E101"]).unlink()
    refused = run_cli("collect", out, "--month", MONTH, "--force")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[1] == (
        "  E101 王一：考核表没有找到或无法读取（原为 客服部/E101_王一_客服专员.xlsx，总分 100），标记为撤回")
    done = run_cli("collect", out, "--month", MONTH, "--force", "--reason", "调岗，本月不考核")
    assert done.exit_code == 1
    assert "更正 1 人（原因：调岗，本月不考核），更正前的结果已保留在历史记录中：" in done.stdout.splitlines()
    history = run_cli("history", "E101", "--ledger", ledger)
    assert history.exit_code == 0
    assert history.stdout.splitlines()[:3] == ["王一（E101）  客服部", "没有有效的考核结果（已全部撤回）。", "更正与撤回："]
