"""The period report from a ledger of twelve collected months: the quarter and the year, ties,
missing months (excluded or counted as 0), eligibility, pay recommendations at their band
boundaries, the department comparison with a tie for the best, corrections and withdrawals.

The ledger is built month by month through `Ledger.record_month`, as `xlkpi collect` records a
month. Every expected value below is worked out by hand in the comments.
"""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest

from xlkpi.base.errors import UsageError
from xlkpi.month.ledger import Ledger, LedgerError
from xlkpi.month.report import period_report, report_frame
from xlkpi.month.report_book import write_report
from xlkpi.month.settings import default_rules

from .cli import run_cli

RULES = default_rules()
MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]

# who works where: employee → (name, department, form)
PEOPLE = {
    "A1": ("甲一", "客服部", "kefu_zhuanyuan"), "A2": ("甲二", "客服部", "kefu_zhuanyuan"),
    "A3": ("甲三", "客服部", "kefu_zhuanyuan"), "A4": ("甲四", "客服部", "kefu_zhuanyuan"),
    "A5": ("甲五", "客服部", "kefu_zhuanyuan"), "A6": ("甲六", "客服部", "kefu_zhuanyuan"),
    "B1": ("乙一", "呼叫中心", "dianhua_zhuanyuan"), "B2": ("乙二", "呼叫中心", "dianhua_zhuanyuan"),
    "B3": ("乙三", "呼叫中心", "dianhua_zhuanyuan"), "M1": ("经理", "呼叫中心", "hujiao_jingli"),
    "C1": ("丙一", "售后部", "dianhua_zhuanyuan"), "C2": ("丙二", "售后部", "dianhua_zhuanyuan"),
    "C3": ("丙三", "售后部", "dianhua_zhuanyuan"), "D1": ("丁一", "质检部", "dianhua_zhuanyuan"),
}

# each person's total in 2026-01 … 2026-09, and in 2026-10, 11, 12 (None: a workbook not finished;
# absent: no workbook). A6 joins in July. B2's December result is withdrawn later, D1's November
# corrected to 97 (see `ledger`).
EARLY = {"A1": 80, "A2": 90, "A3": 89.99, "A4": 70, "A5": 69.99, "A6": 90, "B1": 85, "B2": 80, "B3": 75,
         "M1": 95, "C1": 88.25, "C2": 83.75, "C3": 79.25, "D1": 99}
LATE = {"A1": (95, 92, 89), "A2": (90, 90, 90), "A3": (89.99, 89.99, 89.99), "A4": (70, 70, None),
        "A5": (69.99, 69.99, 69.99), "A6": (90, 90, 90), "B1": (85, 85, 85), "B2": (80, 80, 80),
        "B3": (75, 75, 75), "M1": (95, 95, 95), "C1": (88.25,) * 3, "C2": (83.75,) * 3, "C3": (79.25,) * 3,
        "D1": (99, 99, 99)}


def pay_of(total):
    """客服专员's 绩效金额, by the form's bands: ≥ 90 → 300, ≥ 80 → 200, ≥ 60 → 100, else −50."""
    return None if total is None else 300 if total >= 90 else 200 if total >= 80 else 100 if total >= 60 else -50


def grade_of(form, total):
    if total is None:
        return None
    if form == "hujiao_jingli":
        return "优" if total >= 91 else "良" if total >= 81 else "中" if total >= 71 else "基本合格" if total >= 61 \
            else "不合格"
    return "A" if total >= 90 else "B" if total >= 80 else "C" if total >= 70 else "D"


def row(employee, month, total):
    name, department, form = PEOPLE[employee]
    grade = None if form == "kefu_zhuanyuan" else grade_of(form, total)
    pay = pay_of(total) if form == "kefu_zhuanyuan" else None
    status = "已完成" if total is not None else "未完成：1 项未填"
    rank = 1 if employee in ("M1", "D1") and total is not None else None  # alone in their groups
    return {"employee_id": employee, "name": name, "department": department, "form_id": form, "form_version": 1,
            "total": total, "grade": grade, "pay": pay, "status": status, "rank": rank,
            "file": f"{department}/{employee}_{name}.xlsx",
            "outputs": {"out_total": total, "out_status": status, **({"out_grade": grade} if grade else {}),
                        **({"out_pay": pay} if pay is not None else {})}}


def month_rows(month):
    number = int(month[5:])
    rows = []
    for employee in PEOPLE:
        if employee == "A6" and number < 7:
            continue
        rows.append(row(employee, month, EARLY[employee] if number <= 9 else LATE[employee][number - 10]))
    return rows


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    path = tmp_path_factory.mktemp("year") / "xlkpi-ledger.sqlite"
    with Ledger(path) as book:
        for month in MONTHS:
            book.record_month(month, month_rows(month), whole_month=True, kind="collect")
        # an appeal: D1's November 99 → 97
        november = [dict(found, total=97) if found["employee_id"] == "D1" else found
                    for found in month_rows("2026-11")]
        book.record_month("2026-11", november, whole_month=True, kind="collect", reason="申诉复核：抽查扣分")
        # B2 left: the December workbook taken out
        december = [found for found in month_rows("2026-12") if found["employee_id"] != "B2"]
        book.record_month("2026-12", december, whole_month=True, kind="collect", reason="离职，考核表作废")
    return path


def by_employee(frame, *columns):
    return {record["employee_id"]: tuple(None if value != value else value for value in
                                         (record[column] for column in columns))
            for record in frame.to_dict("records")}


# ------------------------------------------------------------------------------------------ the quarter
def test_quarter_per_employee(ledger):
    report = period_report("2026-Q4", ledger)
    assert report.months == ["2026-10", "2026-11", "2026-12"] and report.not_counted == {}
    frame = report.employees
    assert by_employee(frame, "months_counted", "missing", "average", "grade", "pay_total", "pay_advice") == {
        # 客服专员: (95 + 92 + 89) / 3 = 92; 300 + 300 + 200
        "A1": (3, "", 92.0, None, 800.0, "上调基础工资10%"),
        "A2": (3, "", 90.0, None, 900.0, "上调基础工资10%"),      # 90: the band's lower edge
        "A3": (3, "", 89.99, None, 600.0, "维持"),               # 89.99: just below
        "A4": (2, "2026-12（未完成）", 70.0, None, 200.0, "维持"),  # 70: the lower edge of 维持
        "A5": (3, "", 69.99, None, 300.0, "降薪或培训"),          # 69.99: just below
        "A6": (3, "", 90.0, None, 900.0, "上调基础工资10%"),
        "B1": (3, "", 85.0, "B", None, "维持"),
        "B2": (2, "2026-12（无考核表）", 80.0, "B", None, "维持"),  # December withdrawn
        "B3": (3, "", 75.0, "C", None, "维持"),
        "M1": (3, "", 95.0, "优", None, "上调基础工资10%"),
        "C1": (3, "", 88.25, "B", None, "维持"),
        "C2": (3, "", 83.75, "B", None, "维持"),
        "C3": (3, "", 79.25, "C", None, "维持"),
        "D1": (3, "", 98.33, "A", None, "上调基础工资10%"),       # (99 + 97 + 99) / 3 = 98.333…: the corrected value
    }
    assert by_employee(frame, "2026-10", "2026-11", "2026-12")["D1"] == (99.0, 97.0, 99.0)
    assert by_employee(frame, "2026-10", "2026-11", "2026-12")["A4"] == (70.0, 70.0, None)


ALONE = "同组（同部门、同岗位）仅 1 人有平均分，少于 3 人"


def test_quarter_ranks_and_rewards(ledger):
    frame = period_report("2026-Q4", ledger).employees
    assert by_employee(frame, "rank", "reward", "reward_note") == {
        # dense: 92 → 1; 90, 90 → 2 (tied, rewarded alike); 89.99 → 3; 70 (a month missing), 69.99 (< 70): none
        "A1": (1, 500, ""), "A2": (2, 300, ""), "A6": (2, 300, ""), "A3": (3, 200, ""),
        "A4": (4, None, "缺 1 个月（2026-12）"), "A5": (5, None, "平均分 69.99 低于 70 分"),
        # B2 is second but a month is missing; B3, third, takes the second reward
        "B1": (1, 500, ""), "B2": (2, None, "缺 1 个月（2026-12）"),
        "B3": (3, 300, "排名第 3，排在前面的人不符合得奖条件，按第 2 名奖励"),
        "M1": (1, None, ALONE), "D1": (1, None, ALONE),
        "C1": (1, 500, ""), "C2": (2, 300, ""), "C3": (3, 200, ""),
    }
    # the frame is in form, department and rank order
    assert frame["employee_id"].tolist() == ["B1", "B2", "B3", "C1", "C2", "C3", "D1", "M1",
                                             "A1", "A2", "A6", "A3", "A4", "A5"]


def test_quarter_with_competition_ranking(ledger):
    frame = period_report("2026-Q4", ledger, replace(RULES, ranking="competition")).employees
    ranks = by_employee(frame, "rank", "reward")
    # 92 → 1; 90, 90 → 2; 89.99 → 4 (no third place, so no 200); 70 → 5; 69.99 → 6
    assert {employee: ranks[employee] for employee in ("A1", "A2", "A6", "A3", "A4", "A5")} == {
        "A1": (1, 500), "A2": (2, 300), "A6": (2, 300), "A3": (4, None), "A4": (5, None), "A5": (6, None)}


def test_quarter_departments_tie_for_best(ledger):
    report = period_report("2026-Q4", ledger)
    departments = {record["department"]: tuple(None if value != value else value for value in (
        record["employees"], record["with_results"], record["average"], record["completion"], record["rank"],
        record["best"], record["note"])) for record in report.departments.to_dict("records")}
    assert departments == {
        # (85 + 80 + 75 + 95) / 4 = 83.75; 11 of 12 months (B2's December)
        "呼叫中心": (4, 4, 83.75, 11 / 12, 1, True, "并列最佳（2 个部门）"),
        # (88.25 + 83.75 + 79.25) / 3 = 83.75
        "售后部": (3, 3, 83.75, 1.0, 1, True, "并列最佳（2 个部门）"),
        # (92 + 90 + 89.99 + 70 + 69.99 + 90) / 6 = 83.663… → 83.66; 17 of 18 (A4's December)
        "客服部": (6, 6, 83.66, 17 / 18, 2, False, ""),
        # one person: not compared, however high
        "质检部": (1, 1, 98.33, 1.0, None, False, "有结果的仅 1 人，少于 3 人，不参与评比"),
    }
    assert report.best == ["呼叫中心", "售后部"]
    assert report.departments["department"].tolist() == ["呼叫中心", "售后部", "客服部", "质检部"]


def test_quarter_departments_form_by_form(ledger):
    forms = [tuple(None if value != value else value for value in (
        record["form_name"], record["department"], record["employees"], record["with_results"], record["average"],
        record["completion"], record["rank"], record["note"])) for record in period_report("2026-Q4", ledger).forms
        .to_dict("records")]
    assert forms == [
        # 电话专员 across three departments: 售后部 83.75 before 呼叫中心 (85 + 80 + 75) / 3 = 80 (8 of 9
        # months: B2's December); 质检部 has one 电话专员, so it is not compared here either
        ("电话专员", "售后部", 3, 3, 83.75, 1.0, 1, ""),
        ("电话专员", "呼叫中心", 3, 3, 80.0, 8 / 9, 2, ""),
        ("电话专员", "质检部", 1, 1, 98.33, 1.0, None, "有结果的仅 1 人，少于 3 人，不参与评比"),
        # the one manager: nothing to compare
        ("呼叫中心经理", "呼叫中心", 1, 1, 95.0, 1.0, None, "有结果的仅 1 人，少于 3 人，不参与评比"),
        ("客服专员", "客服部", 6, 6, 83.66, 17 / 18, 1, ""),
    ]


def test_departments_form_by_form_over_the_year(ledger):
    # with min_employees 1 even 质检部's one 电话专员 is compared
    report = period_report("2026", ledger, replace(RULES, department_min_employees=1, ranking="competition"))
    phone = [(record["department"], record["average"], record["rank"])
             for record in report.forms.to_dict("records") if record["form_name"] == "电话专员"]
    # 呼叫中心: B1 85, B2 80 (11 months), B3 75 → 80; 售后部 83.75; 质检部 (99 × 11 + 97) / 12 = 98.833… → 98.83
    assert phone == [("质检部", 98.83, 1), ("售后部", 83.75, 2), ("呼叫中心", 80.0, 3)]


def test_quarter_grades_and_advice(ledger):
    report = period_report("2026-Q4", ledger)
    grades = {(record["department"], record["form_name"], record["grade"]): record["count"]
              for record in report.grades.to_dict("records") if record["count"]}
    assert grades == {("呼叫中心", "电话专员", "B"): 2, ("呼叫中心", "电话专员", "C"): 1,
                      ("呼叫中心", "呼叫中心经理", "优"): 1, ("售后部", "电话专员", "B"): 2,
                      ("售后部", "电话专员", "C"): 1, ("质检部", "电话专员", "A"): 1}
    # every grade of the form is listed, zeros included: A–D and 无结果 for 电话专员
    assert report.grades[(report.grades["department"] == "售后部")]["grade"].tolist() == ["A", "B", "C", "D", "无结果"]
    advice = {record["department"]: (record["上调基础工资10%"], record["维持"], record["降薪或培训"], record["无结果"])
              for record in report.advice.to_dict("records")}
    assert advice == {"呼叫中心": (1, 3, 0, 0), "售后部": (0, 3, 0, 0), "客服部": (3, 2, 1, 0), "质检部": (1, 0, 0, 0)}


def test_quarter_lists_corrections_and_withdrawals(ledger):
    changes = period_report("2026-Q4", ledger).changes
    assert [(record["month"], record["employee_id"], record["kind"], record["before_total"],
             None if record["after_total"] != record["after_total"] else record["after_total"],
             record["change"], record["reason"]) for record in changes.to_dict("records")] == [
        ("2026-11", "D1", "更正", 99.0, 97.0, "总分 99 → 97", "申诉复核：抽查扣分"),
        ("2026-12", "B2", "更正", 80.0, None, "考核表没有找到或无法读取（原为 呼叫中心/B2_乙二.xlsx，总分 80），标记为撤回",
         "离职，考核表作废"),
    ]
    assert period_report("2026-Q3", ledger).changes.empty


# ------------------------------------------------------------------------------------------ the year
def test_year_missing_months_excluded(ledger):
    report = period_report("2026", ledger)
    assert report.months == MONTHS
    frame = report.employees
    assert by_employee(frame, "months_counted", "months_missing", "average", "pay_total", "rank", "reward",
                       "pay_advice") == {
        # (9 × 80 + 95 + 92 + 89) / 12 = 996 / 12 = 83; 9 × 200 + 800
        "A1": (12, 0, 83.0, 2600.0, 3, 200, "维持"),
        "A2": (12, 0, 90.0, 3600.0, 1, 500, "上调基础工资10%"),
        "A3": (12, 0, 89.99, 2400.0, 2, 300, "维持"),
        "A4": (11, 1, 70.0, 1100.0, 4, None, "维持"),
        "A5": (12, 0, 69.99, 1200.0, 5, None, "降薪或培训"),
        # joined in July: 6 months counted, averaged over those; tied first with A2 but not eligible
        "A6": (6, 6, 90.0, 1800.0, 1, None, "上调基础工资10%"),
        "B1": (12, 0, 85.0, None, 1, 500, "维持"),
        "B2": (11, 1, 80.0, None, 2, None, "维持"),
        "B3": (12, 0, 75.0, None, 3, 300, "维持"),
        "M1": (12, 0, 95.0, None, 1, None, "上调基础工资10%"),
        "C1": (12, 0, 88.25, None, 1, 500, "维持"),
        "C2": (12, 0, 83.75, None, 2, 300, "维持"),
        "C3": (12, 0, 79.25, None, 3, 200, "维持"),
        # (11 × 99 + 97) / 12 = 98.8333…
        "D1": (12, 0, 98.83, None, 1, None, "上调基础工资10%"),
    }
    assert by_employee(frame, "missing")["A6"] == (
        "2026-01（无考核表）、2026-02（无考核表）、2026-03（无考核表）、2026-04（无考核表）、2026-05（无考核表）、"
        "2026-06（无考核表）",)
    assert by_employee(frame, "reward_note")["A6"] == ("缺 6 个月（2026-01、2026-02、2026-03、2026-04、2026-05、2026-06）",)
    # the flags as of December
    assert {employee: flags for employee, (flags,) in by_employee(frame, "flags").items() if flags} == {
        "A2": "连续3个季度≥90分", "A5": "连续3个月低于70分", "M1": "连续3个季度≥90分；连续三次第一",
        "D1": "连续3个季度≥90分；连续三次第一"}
    departments = {record["department"]: (record["average"], record["completion"], record["best"])
                   for record in report.departments.to_dict("records")}
    assert departments == {
        # (83 + 90 + 89.99 + 70 + 69.99 + 90) / 6 = 82.163… ; 65 of 72 months (A4: 1, A6: 6)
        "客服部": (82.16, 65 / 72, False), "呼叫中心": (83.75, 47 / 48, True), "售后部": (83.75, 1.0, True),
        "质检部": (98.83, 1.0, False)}
    assert report.best == ["呼叫中心", "售后部"]


def test_year_missing_months_counted_as_zero(ledger):
    report = period_report("2026", ledger, replace(RULES, missing="zero"))
    frame = report.employees
    assert by_employee(frame, "average", "rank", "reward", "pay_advice") == {
        "A1": (83.0, 3, 200, "维持"), "A2": (90.0, 1, 500, "上调基础工资10%"), "A3": (89.99, 2, 300, "维持"),
        # 11 × 70 / 12 = 64.1666… ; 6 × 90 / 12 = 45
        "A4": (64.17, 5, None, "降薪或培训"), "A5": (69.99, 4, None, "降薪或培训"), "A6": (45.0, 6, None, "降薪或培训"),
        "B1": (85.0, 1, 500, "维持"),
        "B2": (73.33, 3, None, "维持"),  # 11 × 80 / 12 = 73.333…
        "B3": (75.0, 2, 300, "维持"),
        "M1": (95.0, 1, None, "上调基础工资10%"), "C1": (88.25, 1, 500, "维持"), "C2": (83.75, 2, 300, "维持"),
        "C3": (79.25, 3, 200, "维持"), "D1": (98.83, 1, None, "上调基础工资10%"),
    }
    # (83 + 90 + 89.99 + 64.17 + 69.99 + 45) / 6 = 73.69; (85 + 73.33 + 75 + 95) / 4 = 82.0825: no tie now
    assert {record["department"]: record["average"] for record in report.departments.to_dict("records")} == {
        "售后部": 83.75, "呼叫中心": 82.08, "客服部": 73.69, "质检部": 98.83}
    assert report.best == ["售后部"]


def test_eligibility_settings_change_the_rewards(ledger):
    loose = replace(RULES, complete=False, min_total=None, min_group=1)
    frame = period_report("2026-Q4", ledger, loose).employees
    rewards = by_employee(frame, "reward")
    # everyone competes: B2 second (300), B3 third (200); the lone manager and D1 are first
    assert {employee: reward for employee, (reward,) in rewards.items()} == {
        "A1": 500, "A2": 300, "A6": 300, "A3": 200, "A4": None, "A5": None, "B1": 500, "B2": 300, "B3": 200,
        "M1": 500, "D1": 500, "C1": 500, "C2": 300, "C3": 200}


def test_months_all_counts_months_not_collected(ledger):
    report = period_report("2026-11..2027-01", ledger, replace(RULES, months="all"))
    assert report.months == ["2026-11", "2026-12", "2027-01"]
    frame = report.employees
    assert by_employee(frame, "missing", "average")["C1"] == ("2027-01（未汇总）", 88.25)
    assert by_employee(frame, "reward")["C1"] == (None,)  # a month missing for everyone: no one is complete
    collected_only = period_report("2026-11..2027-01", ledger)
    assert collected_only.months == ["2026-11", "2026-12"] and collected_only.not_counted == {"2027-01": "未汇总"}
    assert by_employee(collected_only.employees, "missing", "reward")["C1"] == ("", 500)


def test_skipped_months_do_not_count(ledger):
    report = period_report("2026-Q4", ledger, replace(RULES, skip=("2026-10",)))
    assert report.months == ["2026-11", "2026-12"] and report.not_counted == {"2026-10": "规则不计"}
    assert by_employee(report.employees, "average")["A1"] == (90.5,)  # (92 + 89) / 2


def test_report_frame_is_the_employees(ledger):
    import xlkpi

    assert (xlkpi.period_report, xlkpi.report_frame) == (period_report, report_frame)
    frame = report_frame("2026-Q4", ledger)
    assert list(frame.columns[:6]) == ["employee_id", "name", "department", "form_id", "form_name", "months_counted"]
    assert list(frame.columns[-3:]) == ["2026-10", "2026-11", "2026-12"]
    assert len(frame) == 14


def test_no_results_in_the_period(ledger, tmp_path):
    with pytest.raises(LedgerError) as raised:
        period_report("2025", ledger)
    assert str(raised.value) == (f"历史记录 {ledger} 中没有 2025（2025-01 至 2025-12）计入的考核结果（计入的月份：无）。"
                                 "请先用 xlkpi collect 汇总这些月份。")
    with pytest.raises(LedgerError, match="不存在"):
        period_report("2026", tmp_path / "none.sqlite")
    with pytest.raises(UsageError):
        period_report("2026-Q5", ledger)


# ------------------------------------------------------------------------------------------ the workbook and the command
def sheet_rows(path, name):
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def test_the_chart_names_its_departments_on_the_public_api_path(ledger, tmp_path, monkeypatch):
    """With an XlsxWriter release the fast table writer was not checked with, the book is written
    through XlsxWriter's public API in constant-memory mode, which keeps no cells for the chart to
    take its categories from: the chart carries them itself."""
    from xlkpi.month import table_xml

    monkeypatch.setattr(table_xml, "available", lambda: False)
    path = write_report(tmp_path / "q4.xlsx", period_report("2026-Q4", ledger))
    (chart,) = openpyxl.load_workbook(path)["部门比较"]._charts
    categories = chart.series[0].cat.strRef
    assert categories is not None and categories.strCache is not None
    assert [point.v for point in categories.strCache.pt] == ["呼叫中心", "售后部", "客服部"]
    assert [float(point.v) for point in chart.series[0].val.numRef.numCache.pt] == [83.75, 83.75, 83.66]


def test_workbook(ledger, tmp_path):
    report = period_report("2026-Q4", ledger)
    path = write_report(tmp_path / "q4.xlsx", report)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["期间汇总", "奖励", "部门比较", "更正记录", "规则"]
    rows = sheet_rows(path, "期间汇总")
    assert rows[0][0] == "2026年第4季度绩效考核汇总（2026-10 至 2026-12，共 14 人）"
    assert rows[1][0] == "计入月份：2026-10、2026-11、2026-12；缺月不计入平均分；中国式排名。"
    assert rows[2] == ("工号", "姓名", "部门", "岗位", "2026-10总分", "2026-11总分", "2026-12总分", "计入月数", "缺月",
                       "平均分", "等级", "绩效金额合计（元）", "部门内排名", "奖励（元）", "奖励说明", "调薪建议", "预警")
    by_id = {found[0]: found for found in rows[3:]}
    assert by_id["A4"] == ("A4", "甲四", "客服部", "客服专员", 70, 70, None, 2, "2026-12（未完成）", 70, None, 200, 4,
                           None, "缺 1 个月（2026-12）", "维持", "")
    assert by_id["B3"][12:16] == (3, 300, "排名第 3，排在前面的人不符合得奖条件，按第 2 名奖励", "维持")
    # a place and a count print as whole numbers, amounts as money, averages with two decimals
    summary = book["期间汇总"]
    assert [summary.cell(4, column).number_format for column in (8, 10, 13, 14)] == ["0", "0.00", "0", '#,##0.00"元"']
    rewards = sheet_rows(path, "奖励")
    assert rewards[0][0] == "2026年第4季度评比奖励：9 人，合计 3100 元（前三名 500、300、200 元，名次并列的同时奖励）"
    assert [found[3] for found in rewards[2:]] == ["B1", "B3", "C1", "C2", "C3", "A1", "A2", "A6", "A3"]
    departments = sheet_rows(path, "部门比较")
    assert departments[1][0] == "最佳部门：呼叫中心、售后部（并列），平均分 83.75。"
    assert departments[3][:7] == ("部门", "人数", "有结果人数", "平均分", "完成率", "名次", "说明")
    assert [found[:6] for found in departments[4:8]] == [
        ("呼叫中心", 4, 4, 83.75, 11 / 12, 1), ("售后部", 3, 3, 83.75, 1, 1), ("客服部", 6, 6, 83.66, 17 / 18, 2),
        ("质检部", 1, 1, 98.33, 1, None)]
    (chart,) = book["部门比较"]._charts
    # the chart shows the three departments compared (rows 5–7), not 质检部, too small to be compared
    assert chart.series[0].val.numRef.f == "'部门比较'!$D$5:$D$7"
    assert chart.series[0].cat.strRef.f == "'部门比较'!$A$5:$A$7"
    start = next(number for number, found in enumerate(departments) if found[0] == "分岗位比较（同一表单的部门之间）")
    assert departments[start + 1][:8] == ("岗位", "部门", "人数", "有结果人数", "平均分", "完成率", "岗位内名次", "说明")
    assert [found[:7] for found in departments[start + 2:start + 7]] == [
        ("电话专员", "售后部", 3, 3, 83.75, 1, 1), ("电话专员", "呼叫中心", 3, 3, 80, 8 / 9, 2),
        ("电话专员", "质检部", 1, 1, 98.33, 1, None), ("呼叫中心经理", "呼叫中心", 1, 1, 95, 1, None),
        ("客服专员", "客服部", 6, 6, 83.66, 17 / 18, 1)]
    grades = next(number for number, found in enumerate(departments) if found[0] == "呼叫中心经理：期间等级分布（人数）")
    assert [found[:7] for found in departments[grades + 1:grades + 3]] == [
        ("部门", "优", "良", "中", "基本合格", "不合格", "无结果"), ("呼叫中心", 1, 0, 0, 0, 0, 0)]
    advice = next(number for number, found in enumerate(departments) if found[0] == "调薪建议（人数）")
    assert [found[:5] for found in departments[advice + 1:advice + 6]] == [
        ("部门", "上调基础工资10%", "维持", "降薪或培训", "无结果"), ("呼叫中心", 1, 3, 0, 0), ("售后部", 0, 3, 0, 0),
        ("客服部", 3, 2, 1, 0), ("质检部", 1, 0, 0, 0)]
    changes = sheet_rows(path, "更正记录")
    assert [found[:6] for found in changes[2:]] == [("2026-11", "D1", "丁一", "更正", 99, 97),
                                                     ("2026-12", "B2", "乙二", "更正", 80, None)]
    rules = dict(found[:2] for found in sheet_rows(path, "规则")[3:14])
    assert rules["调薪建议（按平均分）"] == "≥ 90：上调基础工资10%；≥ 70：维持；其余：降薪或培训"


def test_cli_report(ledger, tmp_path):
    out = tmp_path / "年度.xlsx"
    run = run_cli("report", "2026", "--ledger", ledger, "--out", out)
    assert run.exit_code == 0, run.output
    assert run.output.splitlines() == [
        "2026年度（2026-01 至 2026-12）：14 人，计入月份：2026-01、2026-02、2026-03、2026-04、2026-05、2026-06、"
        "2026-07、2026-08、2026-09、2026-10、2026-11、2026-12。",
        # 客服专员 500 + 300 + 200, 呼叫中心 500 + 300, 售后部 500 + 300 + 200
        "奖励 8 人，合计 2800 元；最佳部门：呼叫中心、售后部；更正与撤回 2 条。",
        "调薪建议：上调基础工资10% 4 人，维持 9 人，降薪或培训 1 人。",
        f"报表：{out}",
    ]
    again = run_cli("report", "2026", "--ledger", ledger, "--out", out)
    assert (again.exit_code, again.output) == (2, f"错误：报表文件 {out} 已存在；如需替换，请加 --force。\n")
    assert run_cli("report", "2026", "--ledger", ledger, "--out", out, "--force").exit_code == 0
    default = run_cli("report", "2026-07..2026-09", "--ledger", ledger)
    assert default.exit_code == 0
    assert (ledger.parent / "2026-07至2026-09_期间汇总.xlsx").is_file()
    bad = run_cli("report", "2026-13", "--ledger", ledger)
    assert bad.exit_code == 2
    assert bad.output == ('错误：考核期间 "2026-13" 无效：应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）'
                          "或月份（2026-11）。\n")
    text = run_cli("report", "2026", "--ledger", ledger, "--out", tmp_path / "年度.txt")
    assert (text.exit_code, text.output) == (
        2, "错误：报表文件名应以 .xlsx 结尾，实际为 年度.txt；例如 --out 2026-Q4_期间汇总.xlsx。\n")
    assert not (tmp_path / "年度.txt").exists()
    # a folder that cannot be made (a file is in its way): the file named, the reason in Chinese
    (tmp_path / "文件").write_text("")
    blocked = run_cli("report", "2026", "--ledger", ledger, "--out", tmp_path / "文件" / "年度.xlsx")
    assert blocked.exit_code == 1
    assert blocked.output.startswith(f"错误：写入报表失败：{tmp_path / '文件' / '年度.xlsx'}：")
    assert "FileExistsError" in blocked.output or "NotADirectoryError" in blocked.output


def test_cli_history_shows_corrections_and_pay_advice(ledger):
    run = run_cli("history", "D1", "--ledger", ledger)
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0] == "丁一（D1）  质检部"
    assert lines[13] == "2026-12  电话专员  99    A               1     已完成"
    assert lines[14] == "更正与撤回："
    assert lines[15].startswith("  2026-11  更正：总分 99 → 97（2026-")
    assert lines[15].endswith("，文件：质检部/D1_丁一.xlsx，原因：申诉复核：抽查扣分）")
    assert lines[16:] == [
        "调薪建议（按期间平均分）：",
        "  期间     计入月数  缺月  平均分  调薪建议",
        "  2026-Q1  3               99      上调基础工资10%",
        "  2026-Q2  3               99      上调基础工资10%",
        "  2026-Q3  3               99      上调基础工资10%",
        "  2026-Q4  3               98.33   上调基础工资10%",
        "  2026     12              98.83   上调基础工资10%",
        "预警（截至 2026-12）：连续3个季度≥90分、连续三次第一",
    ]
    withdrawn = run_cli("history", "B2", "--ledger", ledger).output.splitlines()
    assert withdrawn[-3:-1] == [
        "  2026-Q4  2         2026-12（无考核表）  80      维持",
        "  2026     11        2026-12（无考核表）  80      维持"]
    assert any(line.startswith("  2026-12  更正：考核表没有找到或无法读取（原为 呼叫中心/B2_乙二.xlsx，总分 80），标记为撤回（")
               for line in withdrawn)
