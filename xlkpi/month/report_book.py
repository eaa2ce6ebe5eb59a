"""The period report's workbook, in the monthly summary's look (`summary.py`'s styles, tables and
page setup).

Sheets: 期间汇总 (one row per employee: the months' totals, months counted and missing, average,
grade, pay summed, place, reward and why not, pay recommendation, flags), 奖励 (who is rewarded),
部门比较 (departments side by side with a chart, the best named; the departments compared form
by form; grades per department and form; pay recommendations per department), 更正记录 (corrections and withdrawals of the period's
months) and 规则 (the rules applied). Written atomically.
"""

from __future__ import annotations

from pathlib import Path

from ..base.errors import UsageError, file_fault
from ..base.safe_write import write_atomic
from .report import NO_RESULT, PeriodReport
from .summary import _Book, _Rows
from .summary import printed as _printed

EMPLOYEE_HEAD = [("employee_id", "工号", 10), ("name", "姓名", 10), ("department", "部门", 14), ("form_name", "岗位", 12)]


def _plain(value):
    """A value as a cell takes it: None for blanks (NaN, None)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def report_bytes(report: PeriodReport) -> bytes:
    """The report workbook's bytes (see the module's text)."""
    book = _Book()
    _summary_sheet(book, report)
    _rewards_sheet(book, report)
    _departments_sheet(book, report)
    _changes_sheet(book, report)
    _rules_sheet(book, report)
    return book.close()


def _period_line(report: PeriodReport) -> str:
    rules = report.rules
    parts = [f"计入月份：{'、'.join(report.months) or '无'}"]
    parts.extend(f"未计入（{why}）：{'、'.join(months)}" for why, months in report.not_counted_by_reason().items())
    parts.append("缺月不计入平均分" if rules.missing == "exclude" else "缺月按 0 分计入平均分")
    parts.append("中国式排名" if rules.ranking == "dense" else "竞争排名")
    return "；".join(parts) + "。"


def _summary_sheet(book: _Book, report: PeriodReport) -> None:
    frame = report.employees
    sheet = _printed(book.sheet("期间汇总"), header_row=2, landscape=True)
    period = report.period
    sheet.write_string(0, 0, f"{period.title}绩效考核汇总（{period.first} 至 {period.last}，共 {len(frame)} 人）",
                       book.title)
    sheet.write_string(1, 0, _period_line(report))
    columns = [(label, width) for _, label, width in EMPLOYEE_HEAD]
    columns += [(f"{month}总分", 9) for month in report.months]
    columns += [("计入月数", 8, book.integer), ("缺月", 22, book.wrap), ("平均分", 8), ("等级", 8),
                ("绩效金额合计（元）", 12, book.money), ("部门内排名", 8, book.integer), ("奖励（元）", 10, book.money),
                ("奖励说明", 28, book.wrap), ("调薪建议", 14), ("预警", 22, book.wrap)]
    sources = [key for key, _, _ in EMPLOYEE_HEAD] + list(report.months)
    sources += ["months_counted", "missing", "average", "grade", "pay_total", "rank", "reward", "reward_note",
                "pay_advice", "flags"]
    book.table(sheet, columns, _Rows(frame, sources), start_row=2)


def _rewards_sheet(book: _Book, report: PeriodReport) -> None:
    frame = report.employees
    rewarded = [position for position, reward in enumerate(frame["reward"].tolist()) if _plain(reward) is not None]
    total = sum(frame["reward"].iloc[rewarded].tolist()) if rewarded else 0
    sheet = _printed(book.sheet("奖励"), header_row=1, landscape=True)
    amounts = "、".join(f"{amount:g}" for amount in report.rules.period_rewards) or "不发奖励"
    sheet.write_string(0, 0, f"{report.period.title}评比奖励：{len(rewarded)} 人，合计 {total:g} 元"
                             f"（前三名 {amounts} 元，名次并列的同时奖励）", book.title)
    columns = [("部门", 14), ("岗位", 12), ("部门内排名", 8, book.integer), ("工号", 10), ("姓名", 10), ("平均分", 8),
               ("奖励（元）", 10, book.money), ("说明", 36, book.wrap)]
    sources = ["department", "form_name", "rank", "employee_id", "name", "average", "reward", "reward_note"]
    book.table(sheet, columns, _Rows(frame, sources, rewarded), start_row=1)


def _departments_sheet(book: _Book, report: PeriodReport) -> None:
    sheet = _printed(book.sheet("部门比较"), landscape=True)
    sheet.write_string(0, 0, f"{report.period.title}部门比较（年终评优）", book.title)
    if report.best:
        best = "、".join(report.best) + ("（并列）" if len(report.best) > 1 else "")
        average = report.departments.loc[report.departments["best"], "average"].iloc[0]
        sheet.write_string(1, 0, f"最佳部门：{best}，平均分 {average:.2f}。")
    else:
        sheet.write_string(1, 0, f"没有部门参与评比（每个部门至少 {report.rules.department_min_employees} 人有结果）。")
    # the columns as the tables below share them: 部门/岗位, 人数/部门, …, 说明 in G:H here and in H below
    for col, width in enumerate((16, 12, 10, 10, 9, 9, 10, 36)):
        sheet.set_column(col, col, width)
    row = 3
    for col, label in enumerate(("部门", "人数", "有结果人数", "平均分", "完成率", "名次")):
        sheet.write_string(row, col, label, book.head)
    sheet.merge_range(row, 6, row, 7, "说明", book.head)
    first = row + 1
    for record in report.departments.to_dict("records"):
        row += 1
        book.cell(sheet, row, 0, record["department"], book.text)
        book.cell(sheet, row, 1, record["employees"], book.integer)
        book.cell(sheet, row, 2, record["with_results"], book.integer)
        book.cell(sheet, row, 3, _plain(record["average"]), book.number)
        book.cell(sheet, row, 4, _plain(record["completion"]), book.percent)
        book.cell(sheet, row, 5, _plain(record["rank"]), book.integer)
        sheet.merge_range(row, 6, row, 7, record["note"], book.text)
    last = row
    compared = first + int(report.departments["rank"].notna().sum()) - 1  # the compared come first
    if compared >= first:  # the chart shows the departments compared, not those too small to be
        chart = book.workbook.add_chart({"type": "column"})
        quoted = "'" + sheet.get_name().replace("'", "''") + "'"
        shown = report.departments.head(compared - first + 1)
        # the cached data given: in constant-memory mode (XlsxWriter's public API, see summary.py)
        # no cells are kept to take it from, and the departments would show as numbers
        chart.add_series({"name": "平均分", "categories": f"={quoted}!$A${first + 1}:$A${compared + 1}",
                          "values": f"={quoted}!$D${first + 1}:$D${compared + 1}",
                          "categories_data": [str(name) for name in shown["department"]],
                          "values_data": [_plain(value) for value in shown["average"]],
                          "data_labels": {"value": True}})
        chart.set_title({"name": f"{report.period.title}各部门平均分"})
        chart.set_legend({"none": True})
        # from 0: an axis cut off near the averages would make a difference of 0.1 look large
        highest = report.departments["average"].max()
        axis = {"name": "平均分", "min": 0, "major_gridlines": {"visible": True}}
        chart.set_y_axis({**axis, "max": 100} if highest == highest and highest <= 100 else axis)
        chart.set_size({"width": 480, "height": 260})
        sheet.insert_chart(3, 9, chart)
    row = max(last + 3, 3 + 15)
    row = _forms_table(book, sheet, report, row)
    row = _grade_tables(book, sheet, report, row)
    _advice_table(book, sheet, report, row + 1)


def _subtitle(book: _Book):
    """The format of a small table's title on 部门比较: bold, on one line, without a border."""
    if not hasattr(book, "subtitle"):
        book.subtitle = book.workbook.add_format({"font_name": "宋体", "font_size": 10, "bold": True})
    return book.subtitle


def _forms_table(book: _Book, sheet, report: PeriodReport, row: int) -> int:
    """The departments compared form by form; returns the next free row."""
    sheet.write_string(row, 0, "分岗位比较（同一表单的部门之间）", _subtitle(book))
    row += 1
    for col, label in enumerate(["岗位", "部门", "人数", "有结果人数", "平均分", "完成率", "岗位内名次", "说明"]):
        sheet.write_string(row, col, label, book.head)
    styles = [book.text, book.text, book.integer, book.integer, book.number, book.percent, book.integer, book.text]
    sources = ["form_name", "department", "employees", "with_results", "average", "completion", "rank", "note"]
    for record in report.forms.to_dict("records"):
        row += 1
        for col, (source, style) in enumerate(zip(sources, styles)):
            book.cell(sheet, row, col, _plain(record[source]), style)
    return row + 2


def _grade_tables(book: _Book, sheet, report: PeriodReport, row: int) -> int:
    """The grades per department, one small table per form; returns the next free row."""
    grades = report.grades
    for form_name in dict.fromkeys(grades["form_name"].tolist()):
        part = grades[grades["form_name"] == form_name]
        labels = list(dict.fromkeys(part["grade"].tolist()))
        sheet.write_string(row, 0, f"{form_name}：期间等级分布（人数）", _subtitle(book))
        row += 1
        sheet.write_string(row, 0, "部门", book.head)
        for col, label in enumerate(labels, start=1):
            sheet.write_string(row, col, label, book.head)
        for department in dict.fromkeys(part["department"].tolist()):
            row += 1
            counts = dict(zip(part.loc[part["department"] == department, "grade"],
                              part.loc[part["department"] == department, "count"]))
            book.cell(sheet, row, 0, department, book.text)
            for col, label in enumerate(labels, start=1):
                book.cell(sheet, row, col, int(counts.get(label, 0)), book.integer)
        row += 2
    return row


def _advice_table(book: _Book, sheet, report: PeriodReport, row: int) -> None:
    advice = report.advice
    labels = [column for column in advice.columns if column != "department"]
    sheet.write_string(row, 0, "调薪建议（人数）", _subtitle(book))
    row += 1
    sheet.set_row(row, 27)  # a recommendation of two lines
    sheet.write_string(row, 0, "部门", book.head)
    for col, label in enumerate(labels, start=1):
        sheet.write_string(row, col, label, book.head)
    for record in advice.to_dict("records"):
        row += 1
        book.cell(sheet, row, 0, record["department"], book.text)
        for col, label in enumerate(labels, start=1):
            book.cell(sheet, row, col, int(record[label]), book.integer)


def _changes_sheet(book: _Book, report: PeriodReport) -> None:
    sheet = _printed(book.sheet("更正记录"), header_row=1, landscape=True)
    changes = report.changes
    sheet.write_string(0, 0, f"{report.period.title}考核结果的更正与撤回（共 {len(changes)} 条；报表按更正后的结果计算）",
                       book.title)
    columns = [("月份", 9), ("工号", 10), ("姓名", 10), ("类别", 8), ("原总分", 8), ("现总分", 8), ("变化", 36, book.wrap),
               ("原文件", 30, book.wrap), ("现文件", 30, book.wrap), ("时间", 18), ("操作人", 10), ("原因", 30, book.wrap)]
    sources = ["month", "employee_id", "name", "kind", "before_total", "after_total", "change", "before_file",
               "after_file", "when", "user", "reason"]
    book.table(sheet, columns, _Rows(changes, sources), start_row=1)


def _rules_sheet(book: _Book, report: PeriodReport) -> None:
    sheet = _printed(book.sheet("规则"))
    sheet.write_string(0, 0, "本报表使用的规则", book.title)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 70)
    sheet.write_string(2, 0, "规则", book.head)
    sheet.write_string(2, 1, "取值", book.head)
    for row, (name, value) in enumerate(report.rules.lines(), start=3):
        book.cell(sheet, row, 0, name, book.text)
        book.cell(sheet, row, 1, value, book.text)
    sheet.write_string(row + 2, 0, f"历史记录：{report.ledger}")
    sheet.write_string(row + 3, 0, f"“{NO_RESULT}”：期间内没有任何一个月有总分。")


def check_report_path(path, *, force: bool = False) -> Path:
    """`path` as the report's file, checked before the report is made.

    Raises:
        UsageError: `path` does not end in .xlsx, or exists and `force` is not given.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"报表文件名应以 .xlsx 结尾，实际为 {path.name}；例如 --out 2026-Q4_期间汇总.xlsx。")
    if path.exists() and not force:
        raise UsageError(f"报表文件 {path} 已存在；如需替换，请加 --force。")
    return path


def write_report(path, report: PeriodReport, *, force: bool = False) -> Path:
    """Write the report workbook to `path` atomically.

    Raises:
        UsageError: `path` does not end in .xlsx, or exists and `force` is not given.
        FileFault: the file cannot be written (the message names it and says why).
    """
    path = check_report_path(path, force=force)
    data = report_bytes(report)
    try:
        return write_atomic(path, data)
    except OSError as error:
        raise file_fault(error, path, "写入报表") from None


__all__ = ["report_bytes", "write_report", "check_report_path"]
