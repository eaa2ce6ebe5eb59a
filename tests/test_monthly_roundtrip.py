"""A month end to end: generate, fill as clerks do, collect, summarise, keep the history.

The expected totals, pay, grades and ranks below are worked out by hand from
the rules of ../shared/spec/forms.md, not computed with `xlkpi.score`.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xlkpi.base.errors import Problem
from xlkpi.month import monthly
from xlkpi.month.collect import ProblemList, _Table, collect_month
from xlkpi.month.monthly import close_month, drop_duplicates

from .cli import run_cli
from .filling import cell_of, fill_workbook

MONTH = "2026-11"

ROSTER = """工号,姓名,部门,岗位,考核人
E101,王一,客服部,客服专员,陈主管
E102,王二,客服部,客服专员,陈主管
E103,王三,客服部,客服专员,陈主管
E104,王四,客服部,客服专员,陈主管
E201,赵一,客服部,电话专员,陈主管
E202,赵二,呼叫中心,电话专员,孙主管
E301,孙一,呼叫中心,呼叫中心经理,林总
E302,孙二,呼叫中心,呼叫中心经理,林总
"""

FILES = {
    "E101": "客服部/E101_王一_客服专员.xlsx",
    "E102": "客服部/E102_王二_客服专员.xlsx",
    "E103": "客服部/E103_王三_客服专员.xlsx",
    "E104": "客服部/E104_王四_客服专员.xlsx",
    "E201": "客服部/E201_赵一_电话专员.xlsx",
    "E202": "呼叫中心/E202_赵二_电话专员.xlsx",
    "E301": "呼叫中心/E301_孙一_呼叫中心经理.xlsx",
    "E302": "呼叫中心/E302_孙二_呼叫中心经理.xlsx",
}

# 客服专员 at every maximum: 考勤 0 次 → 6, 请假 0 天 → 6, 纪律 0 次 → 5, 值日 按要求完成 → 3 (人事 20);
# 专业技能 10 + 反馈 10 (能力 20); 质量 5 + 合作 5 (态度 10); 接待 20 + 服务 20 + 转单 10 (业绩 50): 100
KEFU_MAX = {"in_attendance": 0, "in_leave": 0, "in_discipline": 0, "in_duty": "按要求完成", "in_skill": 10,
            "in_feedback": 10, "in_reply_quality": 5, "in_teamwork": 5, "in_volume": 20, "in_service": 20,
            "in_conversion": 10}

# 呼叫中心经理 actuals; the targets keep their defaults (100%, 100%, 100%, 100%, 90%, 10000, 95%, 85, 75%, 80)
MANAGER = {"in_plan_completion_actual": 0.85,       # 85% / 100% → 85 × 20% = 17
           "in_cost_control_actual": 1,             # lower is better, 100% / 100% → 100 × 15% = 15
           "in_survey_completion_actual": 1,        # 100 × 15% = 15
           "in_process_improvement_actual": 1.2,    # capped at 100 × 15% = 15
           "in_satisfaction_actual": 0.72,          # 72% / 90% → 80 × 10% = 8
           "in_call_volume_actual": 12000,          # capped, 5
           "in_feedback_timeliness_actual": 0.95,   # 5
           "in_collaboration_actual": 85,           # 5
           "in_fcr_actual": 0.75,                   # 5
           "in_staff_mgmt_actual": 80}              # 5 — total 95, 优, 1.3

FILLS = {
    # 100 → 300 元
    "E101": (KEFU_MAX, {}),
    # 考勤 1 次 → 4 (−2), 请假 0.5 天 → 4 (−2), 专业技能 8 (−2), 接待 16 (−4): 90 → 300 元
    "E102": ({**KEFU_MAX, "in_attendance": 1, "in_leave": 0.5, "in_skill": 8, "in_volume": 16}, {}),
    # 纪律 1 次 → 3 (−2), 值日不达标 → 2 (−1), 转单 8 (−2), 服务 15 (−5): 90 → 300 元; rows inserted above
    "E103": ({**KEFU_MAX, "in_discipline": 1, "in_duty": "值日不达标", "in_conversion": 8, "in_service": 15},
             {"insert_rows_above": 3}),
    # 考勤 2 → 3 (−3), 请假 2 → 3 (−3), 忘记值日 → 0 (−3), 合作 4 (−1), 接待 10 (−10): 80 → 200 元
    "E104": ({**KEFU_MAX, "in_attendance": 2, "in_leave": 2, "in_duty": "忘记值日", "in_teamwork": 4,
              "in_volume": 10}, {}),
    # 结果 = 自评 × 20% + 上级 × 80%, 上级 alone when 自评 is blank:
    # 20/20 → 20, 20/10 → 12, –/10 → 10, 15/15 → 15, 20/18 → 18.4: 业绩 75.4;
    # 5级/4级 → 50 × 20% + 40 × 80% = 42, –/3级 → 30: 行为 72; 75.4 × 80% + 72 × 20% = 74.72 → C.
    # 99 is typed over the total's formula.
    "E201": ({"in_info_mgmt_self": 20, "in_info_mgmt_sup": 20, "in_archive_mgmt_self": 20, "in_archive_mgmt_sup": 10,
              "in_revisit_sup": 10, "in_complaint_self": 15, "in_complaint_sup": 15, "in_call_quality_self": 20,
              "in_call_quality_sup": 18, "in_service_knowledge_self": 5, "in_service_knowledge_sup": 4,
              "in_customer_focus_sup": 3}, {"overwrite": {"out_total": 99}}),
    # '优' and 15 are not levels of 20 / 10 / 0, and full-width ２０ stored as text is refused as the sheet
    # refuses it: no total
    "E202": ({"in_info_mgmt_sup": "优", "in_archive_mgmt_sup": 15, "in_revisit_self": 20, "in_revisit_sup": 20,
              "in_complaint_self": 20, "in_complaint_sup": 20, "in_call_quality_self": 20, "in_call_quality_sup": "２０",
              "in_service_knowledge_self": 5, "in_service_knowledge_sup": 5, "in_customer_focus_self": 5,
              "in_customer_focus_sup": 5}, {}),
    # 95 → 优; the table moved 2 rows down and 3 columns right
    "E301": (MANAGER, {"move_table": (2, 3)}),
    # 'abc' as a call volume, and 85% stored as text: no total; 2 rows inserted above the table
    "E302": ({**MANAGER, "in_call_volume_actual": "abc", "in_plan_completion_actual": "85%"}, {"insert_rows_above": 2}),
}

# 工号 → (总分, 绩效金额 / 考核等级, dense rank, dense reward, competition rank, competition reward)
# The default rules reward only groups with at least 3 people ranked: E201 is alone among the 电话专员 of
# 客服部, E301 the only 呼叫中心经理 of 呼叫中心 with a total (E302 has none), so neither is rewarded.
EXPECTED = {
    "E101": (100, 300, 1, 500, 1, 500),
    "E102": (90, 300, 2, 300, 2, 300),
    "E103": (90, 300, 2, 300, 2, 300),
    "E104": (80, 200, 3, 200, 4, None),
    "E201": (74.72, "C", 1, None, 1, None),
    "E202": (None, None, None, None, None, None),
    "E301": (95, "优", 1, None, 1, None),
    "E302": (None, None, None, None, None, None),
}
ALONE = "同组（同部门、同岗位）仅 1 人有总分，少于 3 人"
REWARD_NOTES = {"E201": ALONE, "E301": ALONE}

# the exact lines on stderr, in file order; paths relative to the month's folder
PROBLEM_LINES = [
    "其他表格.xlsx [not-xlkpi]: 不是 xlkpi 生成的考核表（缺少隐藏的 _xlkpi 记录）。",
    '呼叫中心/E202_赵二_电话专员.xlsx: 电话专员!G9 (in_info_mgmt_sup) [not-a-level]: 应为 20、10 或 0，实际为 "优"。',
    "呼叫中心/E202_赵二_电话专员.xlsx: 电话专员!G10 (in_archive_mgmt_sup) [not-a-level]: 应为 20、10 或 0，实际为 15。",
    '呼叫中心/E202_赵二_电话专员.xlsx: 电话专员!G13 (in_call_quality_sup) [number-as-text]: '
    '应为数字，实际为文本 "２０"：请重新输入 20（不加引号或空格，用半角数字）。',
    '呼叫中心/E302_孙二_呼叫中心经理.xlsx: 呼叫中心经理!F10 (in_plan_completion_actual) [number-as-text]: '
    '应为数字，实际为文本 "85%"：请重新输入 85%（不加引号或空格，用半角数字）。',
    '呼叫中心/E302_孙二_呼叫中心经理.xlsx: 呼叫中心经理!F15 (in_call_volume_actual) [not-a-number]: '
    '应为数字，实际为 "abc"。',
    "呼叫中心/E999_钱旧_客服专员.xlsx [wrong-month]: 考核月份为 2026-10，不是要汇总的 2026-11。",
    "客服部/E201_赵一_电话专员.xlsx: 电话专员!H19 (out_total) [formula-overwritten]: "
    "计算公式被改成了数值 99；已按输入重新计算为 74.72。",
    "客服部/坏文件.xlsx [damaged-file]: 文件已损坏或不是 Excel 工作簿（不是完整的 zip 包；BadZipFile: File is not a zip file）"
    "：请用 Excel 打开并另存为 .xlsx。此文件未汇总。",
]


run = run_cli


def generate(out: Path, month: str, roster_text: str) -> Path:
    roster = out.parent / f"roster-{out.name}-{month}.csv"
    roster.write_text(roster_text, encoding="utf-8")
    result = run("generate", "--month", month, "--roster", roster, "--out", out, "--jobs", 1)
    assert result.exit_code == 0, result.output
    return out / month


def snapshot(folder: Path) -> dict:
    """Every file under `folder`: relative path → (bytes, mtime in ns)."""
    return {path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}


def summary_rows(path: Path) -> dict:
    """The 汇总 sheet: 工号 → {column label: value}."""
    sheet = openpyxl.load_workbook(path)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    labels = rows[1]
    return {row[0]: dict(zip(labels, row)) for row in rows[2:]}


@pytest.fixture(scope="module")
def filled_month(tmp_path_factory) -> Path:
    """out/2026-11 as clerks leave it: eight filled workbooks and four files that are not."""
    base = tmp_path_factory.mktemp("filled")
    folder = generate(base / "out", MONTH, ROSTER)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.xlsx")) == sorted(FILES.values())
    for employee, (values, options) in FILLS.items():
        fill_workbook(folder / FILES[employee], values, **options)
    # the workbook of another month
    old = generate(base / "old", "2026-10", "工号,姓名,部门,岗位,考核人\nE999,钱旧,呼叫中心,客服专员,孙主管\n")
    shutil.copy2(old / "呼叫中心" / "E999_钱旧_客服专员.xlsx", folder / "呼叫中心")
    # random bytes named .xlsx, an Excel lock file, a workbook xlkpi did not make
    (folder / "客服部" / "坏文件.xlsx").write_bytes(os.urandom(2000))
    (folder / "客服部" / "~$E101_王一_客服专员.xlsx").write_bytes(b"\x05chen" + bytes(160))
    other = openpyxl.Workbook()
    other.active["A1"] = "工号"
    other.save(folder / "其他表格.xlsx")
    return folder


@pytest.fixture
def month_dir(filled_month, tmp_path) -> Path:
    """A private copy of the filled month: `tmp/out/2026-11`."""
    target = tmp_path / "out" / MONTH
    shutil.copytree(filled_month, target)
    return target


def test_filled_files_moved_their_table(month_dir):
    # the collector must find these through the names, not where the layout put them
    assert cell_of(month_dir / FILES["E103"], "in_skill") == "客服专员!D17"
    assert cell_of(month_dir / FILES["E302"], "in_call_volume_actual") == "呼叫中心经理!F15"
    assert cell_of(month_dir / FILES["E301"], "out_total") == "呼叫中心经理!K21"


def test_collect_command(month_dir):
    out = month_dir.parent
    before = snapshot(month_dir)
    result = run("collect", out, "--month", MONTH)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == PROBLEM_LINES
    assert result.stdout.splitlines() == [
        "2026-11：汇总 8 份（已完成 6 份），问题 9 个，预警 0 人。",
        f"汇总表：{out / '2026-11_汇总.xlsx'}",
        f"历史记录：{out / 'xlkpi-ledger.sqlite'}",
    ]
    assert snapshot(month_dir) == before

    rows = summary_rows(out / "2026-11_汇总.xlsx")
    assert sorted(rows) == sorted(EXPECTED)
    for employee, (total, outcome, rank, reward, _, _) in EXPECTED.items():
        row = rows[employee]
        grade_or_pay = row["绩效金额（元）"] if row["岗位"] == "客服专员" else row["考核等级"]
        assert (row["总分"], grade_or_pay, row["部门内排名"], row["奖励（元）"]) == (total, outcome, rank, reward), \
            employee
        assert row["文件"] == FILES[employee]
    assert rows["E301"]["考核系数"] == 1.3
    assert {employee: row["奖励说明"] for employee, row in rows.items() if row["奖励说明"]} == REWARD_NOTES
    assert rows["E101"]["填写状态"] == "已完成"
    assert rows["E202"]["填写状态"] == "未完成：3 项填写有误"
    assert (rows["E201"]["问题数"], rows["E202"]["问题数"], rows["E101"]["问题数"]) == (1, 3, 0)

    problems = list(openpyxl.load_workbook(out / "2026-11_汇总.xlsx")["问题"].iter_rows(min_row=2, values_only=True))
    assert [(file, code) for file, _, _, _, code, _ in problems] == [
        (line.split(" [")[0].split(": ")[0], line.split("[")[1].split("]")[0]) for line in PROBLEM_LINES]


def test_collect_command_competition_ranking(month_dir, tmp_path):
    before = snapshot(month_dir)
    summary = tmp_path / "competition.xlsx"
    result = run("collect", month_dir, "--ranking", "competition", "--out", summary,
                 "--ledger", tmp_path / "competition.sqlite")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == PROBLEM_LINES
    rows = summary_rows(summary)
    for employee, (total, _, _, _, rank, reward) in EXPECTED.items():
        assert (rows[employee]["总分"], rows[employee]["部门内排名"], rows[employee]["奖励（元）"]) == (total, rank, reward)
    assert snapshot(month_dir) == before


def test_collect_command_with_rules(month_dir, tmp_path):
    """A rules file that rewards any group, however small, and follows the other seed's month rewards."""
    rules = tmp_path / "规则.yaml"
    rules.write_text("rewards:\n  month: [300, 200, 100]\n  eligible:\n    min_group: 1\n", encoding="utf-8")
    summary = tmp_path / "rules.xlsx"
    result = run("collect", month_dir, "--rules", rules, "--out", summary, "--ledger", tmp_path / "rules.sqlite")
    assert result.exit_code == 1
    rows = summary_rows(summary)
    assert {employee: row["奖励（元）"] for employee, row in rows.items()} == {
        "E101": 300, "E102": 200, "E103": 200, "E104": 100, "E201": 300, "E202": None, "E301": 300, "E302": None}
    assert not any(row["奖励说明"] for row in rows.values())
    # --rewards and --ranking replace the file's
    result = run("collect", month_dir, "--rules", rules, "--rewards", "9,8", "--ranking", "competition",
                 "--out", summary, "--ledger", tmp_path / "rules.sqlite", "--force")
    rows = summary_rows(summary)
    assert {employee: row["奖励（元）"] for employee, row in rows.items()} == {
        "E101": 9, "E102": 8, "E103": 8, "E104": None, "E201": 9, "E202": None, "E301": 9, "E302": None}
    bad = tmp_path / "bad.yaml"
    bad.write_text("rewards:\n  eligible:\n    min_group: many\n", encoding="utf-8")
    refused = run("collect", month_dir, "--rules", bad, "--out", tmp_path / "bad.xlsx")
    assert refused.exit_code == 1
    assert refused.output == f"错误：{bad}:3: rewards.eligible.min_group [bad-value]: 应为不小于 1 的整数（人数），实际为 \"many\"。\n"
    assert not (tmp_path / "bad.xlsx").exists()


def test_close_month(month_dir):
    before = snapshot(month_dir)
    report = close_month(month_dir)
    assert report.month == MONTH
    assert report.summary == month_dir.parent / "2026-11_汇总.xlsx"
    assert [str(problem) for problem in report.problems] == PROBLEM_LINES
    got = {}
    for record in report.frame.to_dict("records"):
        outcome = record["out_pay"] if record["form"] == "kefu_zhuanyuan" else record["out_grade"]
        total, rank, reward = (None if value != value else value
                               for value in (record["out_total"], record["rank"], record["reward"]))
        outcome = None if outcome != outcome else outcome
        got[record["hdr_employee_id"]] = (total, outcome, rank, reward)
    assert got == {employee: expected[:4] for employee, expected in EXPECTED.items()}
    assert report.flags == {}
    assert snapshot(month_dir) == before


def test_collect_twice(month_dir):
    out = month_dir.parent
    ledger = out / "xlkpi-ledger.sqlite"
    assert run("collect", out, "--month", MONTH).exit_code == 1

    def ledger_rows():
        with sqlite3.connect(ledger) as db:
            return db.execute("SELECT month, employee_id, total, rank FROM results ORDER BY employee_id").fetchall()

    first = ledger_rows()
    assert [employee for _, employee, _, _ in first] == sorted(EXPECTED)

    again = run("collect", out, "--month", MONTH)
    assert again.exit_code == 2
    assert again.stderr == f"错误：汇总文件 {out / '2026-11_汇总.xlsx'} 已存在；如需替换，请加 --force。\n"
    assert ledger_rows() == first

    forced = run("collect", out, "--month", MONTH, "--force")
    assert forced.exit_code == 1
    assert forced.stderr.splitlines() == PROBLEM_LINES
    assert ledger_rows() == first
    assert summary_rows(out / "2026-11_汇总.xlsx")["E104"]["部门内排名"] == 3


# ------------------------------------------------------------------- three months
SMALL_ROSTER = """工号,姓名,部门,岗位,考核人
E101,王一,客服部,客服专员,陈主管
E102,王二,客服部,客服专员,陈主管
E103,王三,客服部,客服专员,陈主管
"""

# E101 first every month (100); E103 under 70 every month: 65, 69.5, 60 (专业技能 0, 反馈 0, 接待 10, …)
THREE_MONTHS = {
    "2026-09": {"E101": KEFU_MAX, "E102": {**KEFU_MAX, "in_volume": 10},
                "E103": {**KEFU_MAX, "in_skill": 0, "in_feedback": 0, "in_volume": 10, "in_service": 15}},
    "2026-10": {"E101": KEFU_MAX, "E102": {**KEFU_MAX, "in_skill": 5},
                "E103": {**KEFU_MAX, "in_skill": 0, "in_feedback": 0, "in_volume": 10, "in_service": 19.5}},
    "2026-11": {"E101": KEFU_MAX, "E102": {**KEFU_MAX, "in_attendance": 1},
                "E103": {**KEFU_MAX, "in_skill": 0, "in_feedback": 0, "in_volume": 10, "in_service": 10}},
}


def test_three_months_history_and_flags(tmp_path):
    out = tmp_path / "out"
    names = {"E101": "王一", "E102": "王二", "E103": "王三"}
    for month, fills in THREE_MONTHS.items():
        folder = generate(out, month, SMALL_ROSTER)
        for employee, values in fills.items():
            fill_workbook(folder / "客服部" / f"{employee}_{names[employee]}_客服专员.xlsx", values)
        result = run("collect", out, "--month", month)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""

    ledger = out / "xlkpi-ledger.sqlite"
    low = run("history", "E103", "--ledger", ledger)
    assert low.exit_code == 0
    assert low.stdout.splitlines() == [
        "王三（E103）  客服部",
        "月份     表单      总分  等级  绩效金额  排名  状态",
        "2026-09  客服专员  65          100       3     已完成",
        "2026-10  客服专员  69.5        100       3     已完成",
        "2026-11  客服专员  60          100       3     已完成",
        # Q3: 65 (September only collected); Q4: (69.5 + 60) / 2; the year: 194.5 / 3 = 64.833…
        "调薪建议（按期间平均分）：",
        "  期间     计入月数  缺月  平均分  调薪建议",
        "  2026-Q3  1               65      降薪或培训",
        "  2026-Q4  2               64.75   降薪或培训",
        "  2026     3               64.83   降薪或培训",
        "预警（截至 2026-11）：连续3个月低于70分",
    ]
    first = run("history", "E101", "--ledger", ledger)
    assert first.stdout.splitlines()[2:] == [
        "2026-09  客服专员  100         300       1     已完成",
        "2026-10  客服专员  100         300       1     已完成",
        "2026-11  客服专员  100         300       1     已完成",
        "调薪建议（按期间平均分）：",
        "  期间     计入月数  缺月  平均分  调薪建议",
        "  2026-Q3  1               100     上调基础工资10%",
        "  2026-Q4  2               100     上调基础工资10%",
        "  2026     3               100     上调基础工资10%",
        "预警（截至 2026-11）：连续三次第一",
    ]
    assert run("history", "E102", "--ledger", ledger).stdout.splitlines()[-1] == "无预警（截至 2026-11）"

    rows = summary_rows(out / "2026-11_汇总.xlsx")
    assert {employee: row["预警"] or "" for employee, row in rows.items()} == {
        "E101": "连续三次第一", "E102": "", "E103": "连续3个月低于70分"}
    assert {employee: row["总分"] for employee, row in rows.items()} == {"E101": 100, "E102": 98, "E103": 60}

    # the quarter so far, from the ledger: October and November collected, December not yet
    report = run("report", "2026-Q4", "--ledger", ledger)
    assert report.exit_code == 0, report.output
    assert report.stdout.splitlines()[:2] == ["2026年第4季度（2026-10 至 2026-12）：3 人，计入月份：2026-10、2026-11。",
                                              "未计入（未汇总）：2026-12"]
    quarter = list(openpyxl.load_workbook(out / "2026-Q4_期间汇总.xlsx")["期间汇总"].iter_rows(min_row=4,
                                                                                              values_only=True))
    # E101 100, 100; E102 95 (专业技能 5), 98 (考勤 1 次): 96.5; E103 69.5, 60: 64.75, under 70, no reward;
    # 绩效金额 summed: 300 + 300, 300 + 300, 100 + 100
    assert [(found[0], found[4], found[5], found[8], found[10], found[11], found[12], found[14]) for found in quarter] == [
        ("E101", 100, 100, 100, 600, 1, 500, "上调基础工资10%"),
        ("E102", 95, 98, 96.5, 600, 2, 300, "上调基础工资10%"),
        ("E103", 69.5, 60, 64.75, 200, 3, None, "降薪或培训"),
    ]
    assert quarter[2][13] == "平均分 64.75 低于 70 分"


# ------------------------------------------------------------------- closing a month in little memory
def test_close_month_frame_is_collect_month_without_inputs(month_dir):
    frame, problems = collect_month(month_dir, MONTH)
    report = close_month(month_dir, out=month_dir.parent / "summary.xlsx", ledger=month_dir.parent / "ledger.sqlite")
    expected = frame[[name for name in frame.columns if not name.startswith("in_")]]
    pd.testing.assert_frame_equal(report.frame, expected)
    assert any(name.startswith("in_") for name in frame.columns)
    assert [str(problem) for problem in report.problems] == [str(problem) for problem in problems] == PROBLEM_LINES
    assert len(report.problems) == len(PROBLEM_LINES)


def _exactly(values) -> list:
    """Values with their types, NaN as a marker, for comparing columns exactly."""
    return [("nan", type(value)) if value != value else (value, type(value)) for value in values]


def test_table_makes_the_frame_pandas_makes_of_its_rows():
    """The frame is made a few columns at a time and put in order part by part: the same frame, dtypes and
    Python types of the values included, as `pd.DataFrame` of the rows, then sorted."""
    rng = random.Random(11)
    kinds = [lambda: rng.choice([1, 2, None]), lambda: rng.choice([0.5, None, 3]), lambda: rng.choice(["A", "B", None]),
             lambda: rng.choice(["x", 2.5]), lambda: rng.choice([True, False]), lambda: rng.randint(0, 9),
             lambda: rng.choice([-0.0, 1e300, 74.72]), lambda: rng.choice(["部门一", "部门二"])]
    names = [f"c{number}" for number in range(40)]
    rows = []
    for number in range(120):
        present = names[:20 + number % 21] if number % 2 else names[5:]  # columns missing from some rows
        rows.append({name: kinds[names.index(name) % len(kinds)]() for name in present})
    table = _Table()
    for row in rows:
        table.add(row)
    columns = list(dict.fromkeys(name for row in rows for name in row))
    whole = pd.DataFrame([tuple(row.get(name, math.nan) for name in columns) for row in rows], columns=columns)
    order = list(range(119, -1, -3)) + [number for number in range(120) if (119 - number) % 3]
    expected = whole.take(order).reset_index(drop=True)
    got = table.frame(pd, order=order, consume=True)
    pd.testing.assert_frame_equal(got, expected)
    for name in columns:
        assert _exactly(got[name].tolist()) == _exactly(expected[name].tolist()), name
    assert table.columns == {}


def test_problem_list_gives_back_every_problem_in_order():
    blank = {"code": "blank", "message": "未填写：考勤。", "sheet": "客服专员", "cell": "D5", "name": "in_attendance"}
    problems = [Problem(file="a.xlsx", **blank), Problem(file="a.xlsx", **{**blank, "cell": "D6"}),
                Problem(file="b.xlsx", **blank), Problem("not-xlkpi", "不是 xlkpi 生成的考核表。", file="c.xlsx"),
                Problem(file="a.xlsx", **blank), Problem("bad-type", "应为数字。", file="f.yaml", line=3, path="a.b")]
    kept = ProblemList(problems[:3])
    kept.append(problems[3])
    kept.append_fields([problems[4].__dict__[name] for name in ("code", "message", "file", "line", "path", "sheet",
                                                                  "cell", "name")])
    kept.append(problems[5])
    assert list(kept) == problems
    assert [str(problem) for problem in kept] == [str(problem) for problem in problems]
    assert len(kept) == 6 and kept and not ProblemList()
    assert problems[3] in kept and Problem("blank", "未填写：考勤。", file="z.xlsx") not in kept


def test_drop_duplicates_keeps_the_frame_when_every_employee_has_one_workbook():
    frame = pd.DataFrame({"hdr_employee_id": ["E1", "E2", "E1"], "file": ["a.xlsx", "b.xlsx", "c.xlsx"]})
    problems = ProblemList()
    assert drop_duplicates(frame.iloc[:2], problems).equals(frame.iloc[:2]) and not problems
    once = frame.iloc[:2].reset_index(drop=True)
    assert drop_duplicates(once, problems) is once
    kept = drop_duplicates(frame, problems)
    assert kept["file"].tolist() == ["a.xlsx", "b.xlsx"]
    assert [(problem.code, problem.file) for problem in problems] == [("duplicate-employee", "c.xlsx")]


def test_ledger_rows_are_made_a_block_at_a_time(monkeypatch):
    monkeypatch.setattr(monthly, "ROWS_PER_BLOCK", 2)
    frame = pd.DataFrame({
        "hdr_employee_id": ["E1", "E2", "E3", "E4", "E5"], "hdr_name": list("甲乙丙丁戊"),
        "hdr_department": ["客服部"] * 5, "form": ["kefu_zhuanyuan"] * 5, "form_version": [1] * 5,
        "out_total": [90.5, math.nan, 70, 80, math.nan], "out_grade": ["A", None, "B", "C", None],
        "out_status": ["已完成", "未完成：1 项未填", "已完成", "已完成", "未完成：2 项未填"],
        "rank": pd.Series([1, None, 2, 1, None], dtype=object), "file": [f"E{n}.xlsx" for n in range(1, 6)]})
    rows = monthly.ledger_rows(frame)
    expected = []
    for number, (total, grade, status, rank) in enumerate(zip([90.5, None, 70.0, 80.0, None], ["A", None, "B", "C", None],
                                                             frame["out_status"], [1, None, 2, 1, None]), start=1):
        expected.append({"employee_id": f"E{number}", "name": "甲乙丙丁戊"[number - 1], "department": "客服部",
                         "form_id": "kefu_zhuanyuan", "form_version": 1, "total": total, "grade": grade, "pay": None,
                         "status": status, "rank": rank, "file": f"E{number}.xlsx",
                         # a blank value of a name that is not the form's own (客服专员 has no grade) is left out
                         "outputs": {"out_total": total, **({"out_grade": grade} if grade else {}),
                                     "out_status": status}})
    assert len(rows) == 5
    assert [dict(row) for row in rows] == expected
    assert [dict(row) for row in rows] == expected  # a collection: iterated again, the same rows
    assert list(next(iter(rows))) == list(expected[0])


def test_workbooks_left_out_take_no_place(month_dir):
    """E101 (100) has a second filled workbook: neither is recorded, and the group is ranked without
    them — E102 and E103 (90) share first place and 500 元, E104 (80) is second with 300."""
    shutil.copy2(month_dir / FILES["E101"], month_dir / "客服部" / "E101_王一_客服专员 副本.xlsx")
    report = close_month(month_dir)
    rows = {record["hdr_employee_id"]: (record["rank"], record["reward"])
            for record in report.frame.to_dict("records") if record["form"] == "kefu_zhuanyuan"}
    assert rows == {"E102": (1, 500), "E103": (1, 500), "E104": (2, 300)}
    assert [problem.code for problem in report.problems].count("duplicate-employee") == 2


def test_a_month_is_parsed_once_through_a_close(month_dir, monkeypatch):
    """The month's text is checked where it enters (`close_month`'s argument) and passed on as a
    `Month`: collect, flags, the ledger and the summary do not parse it again."""
    from xlkpi.base import periods

    pattern = periods._MONTH
    parsed = []

    class Counting:
        def match(self, text):
            parsed.append(text)
            return pattern.match(text)

    monkeypatch.setattr(periods, "_MONTH", Counting())
    report = close_month(month_dir, "2026-11")
    assert report.month == "2026-11"
    assert parsed.count("2026-11") == 1, parsed


def test_a_month_is_a_text_that_knows_its_year_and_number():
    from xlkpi.base.periods import Month, parse_month

    month = parse_month(" 2026-01 ")
    assert type(month) is Month and month == "2026-01" and (month.year, month.number) == (2026, 1)
    assert parse_month(month) is month
    assert sorted([parse_month("2026-10"), parse_month("2025-12")]) == ["2025-12", "2026-10"]
