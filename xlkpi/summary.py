"""The summary workbook of a collected month.

Sheets: 汇总 (one row per employee: header fields, total, grade, pay, rank,
reward, flags, status), one 明细 sheet per form (every item's score and the
section totals), one sheet per department (its grade distribution and a
chart), and 问题 (every problem found). Written atomically.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import xlsxwriter

from .errors import UsageError
from .forms import builtin_forms
from .layout import safe_sheet_title
from .safe_write import write_atomic

HEADER_COLUMNS = [("hdr_employee_id", "工号", 10), ("hdr_name", "姓名", 10), ("hdr_department", "部门", 14),
                  ("form_name", "岗位", 12), ("hdr_appraiser", "考核人", 10)]


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class _Book:
    def __init__(self):
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_formulas": False,
                                                          "strings_to_numbers": False, "strings_to_urls": False})
        add = self.workbook.add_format
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.head = add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center", "text_wrap": True})
        self.text = add({**base, "border": 1})
        self.number = add({**base, "border": 1, "num_format": "0.00"})
        self.integer = add({**base, "border": 1, "num_format": "0"})
        self.title = add({**base, "bold": True, "font_size": 14})
        self.used = set()

    def sheet(self, title):
        name = safe_sheet_title(title)
        base, number = name, 2
        while name.lower() in self.used:
            suffix = f"({number})"
            name = base[: 31 - len(suffix)] + suffix
            number += 1
        self.used.add(name.lower())
        return self.workbook.add_worksheet(name)

    def cell(self, sheet, row, col, value, style=None):
        if _blank(value):
            sheet.write_blank(row, col, None, style or self.text)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否", style or self.text)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, style or self.number)
        else:
            sheet.write_string(row, col, str(value), style or self.text)

    def table(self, sheet, columns, rows, start_row=0):
        """columns: (label, width); rows: lists of values."""
        for col, (label, width) in enumerate(columns):
            sheet.write_string(start_row, col, label, self.head)
            sheet.set_column(col, col, width)
        for r, values in enumerate(rows, start=start_row + 1):
            for col, value in enumerate(values):
                self.cell(sheet, r, col, value)
        if rows:
            sheet.autofilter(start_row, 0, start_row + len(rows), len(columns) - 1)
        sheet.freeze_panes(start_row + 1, 0)

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


def outcome_columns(frame) -> list:
    """(out name, label) of every outcome of the forms present, in first-seen order."""
    forms = builtin_forms()
    seen = {}
    for form_id in frame["form"].unique() if len(frame) else []:
        for outcome in forms[form_id].outcomes:
            seen.setdefault(f"out_{outcome.id}", outcome.label)
    return list(seen.items())


def summary_bytes(frame, problems, month: str, flags: dict | None = None) -> bytes:
    """The summary workbook's bytes (see the module docstring)."""
    flags = flags or {}
    book = _Book()
    forms = builtin_forms()
    records = frame.to_dict("records") if len(frame) else []
    outcomes = outcome_columns(frame)

    sheet = book.sheet("汇总")
    sheet.write_string(0, 0, f"{month} 绩效考核汇总（共 {len(records)} 人）", book.title)
    columns = [(label, width) for _, label, width in HEADER_COLUMNS] + [("总分", 8)] + \
        [(label, 10) for _, label in outcomes] + [("部门内排名", 8), ("奖励（元）", 9), ("填写状态", 14),
                                                 ("预警", 24), ("问题数", 7), ("文件", 40)]
    rows = []
    for record in records:
        row = [record.get(key) for key, _, _ in HEADER_COLUMNS] + [record.get("out_total")]
        row += [record.get(name) for name, _ in outcomes]
        row += [record.get("rank"), record.get("reward"), record.get("out_status"),
                "；".join(flags.get(record.get("hdr_employee_id"), [])), record.get("problems"), record.get("file")]
        rows.append(row)
    book.table(sheet, columns, rows, start_row=1)

    for form_id in sorted(frame["form"].unique()) if records else []:
        form = forms[form_id]
        detail = book.sheet(f"{form.name}明细")
        names, cols = [], [(label, width) for _, label, width in HEADER_COLUMNS[:3]]
        for section in form.sections:
            for item in section.items:
                names.append(f"out_{item.id}")
                cols.append((item.name, 10))
            names.append(f"out_{section.id}")
            cols.append((f"{section.name}合计", 10))
        names += ["out_total"] + [f"out_{o.id}" for o in form.outcomes] + ["out_status", "rank"]
        cols += [("总分", 8)] + [(o.label, 10) for o in form.outcomes] + [("填写状态", 14), ("部门内排名", 8)]
        detail_rows = [[r.get(k) for k, _, _ in HEADER_COLUMNS[:3]] + [r.get(n) for n in names]
                       for r in records if r["form"] == form_id]
        book.table(detail, cols, detail_rows)

    for department in sorted({r["hdr_department"] for r in records}):
        _department_sheet(book, department, [r for r in records if r["hdr_department"] == department], forms)

    problem_sheet = book.sheet("问题")
    book.table(problem_sheet, [("文件", 40), ("工作表", 12), ("单元格", 8), ("名称", 24), ("代码", 18), ("说明", 60)],
               [[p.file, p.sheet, p.cell, p.name, p.code, p.message] for p in problems])
    return book.close()


def _department_sheet(book: _Book, department: str, records, forms):
    """A department's grade distribution per form, with a column chart each."""
    sheet = book.sheet(department)
    sheet.write_string(0, 0, f"{department}：考核结果分布", book.title)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 8)
    row = 2
    for form_id in sorted({r["form"] for r in records}):
        form = forms[form_id]
        if not form.outcomes:
            continue
        outcome = form.outcomes[0]
        band = outcome.band
        labels = list(band.values) + [band.else_value]
        values = [r.get(f"out_{outcome.id}") for r in records if r["form"] == form_id]
        counts = [sum(1 for v in values if not _blank(v) and v == label) for label in labels]
        pending = sum(1 for v in values if _blank(v))
        sheet.write_string(row, 0, f"{form.name}·{outcome.label}", book.head)
        sheet.write_string(row, 1, "人数", book.head)
        first = row + 1
        for offset, (label, count) in enumerate(zip(labels, counts), start=first):
            book.cell(sheet, offset, 0, label if isinstance(label, str) else f"{label:g}", book.text)
            sheet.write_number(offset, 1, count, book.integer)
        last = first + len(labels) - 1
        sheet.write_string(last + 1, 0, "未完成", book.text)
        sheet.write_number(last + 1, 1, pending, book.integer)
        chart = book.workbook.add_chart({"type": "column"})
        quoted = "'" + sheet.get_name().replace("'", "''") + "'"
        chart.add_series({"name": f"{form.name}·{outcome.label}",
                          "categories": f"={quoted}!$A${first + 1}:$A${last + 1}",
                          "values": f"={quoted}!$B${first + 1}:$B${last + 1}",
                          "data_labels": {"value": True}})
        chart.set_title({"name": f"{department} {form.name}{outcome.label}分布"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "人数", "major_gridlines": {"visible": True}})
        chart.set_size({"width": 420, "height": 240})
        sheet.insert_chart(row, 3, chart)
        row = max(last + 3, row + 13)


def write_summary(path, frame, problems, month: str, *, flags=None, force: bool = False) -> Path:
    """Write the summary workbook to `path` atomically.

    Raises:
        UsageError: `path` exists and `force` is not given.
    """
    path = Path(path)
    if path.exists() and not force:
        raise UsageError(f"汇总文件 {path} 已存在；如需替换，请加 --force。")
    return write_atomic(path, summary_bytes(frame, problems, month, flags))
