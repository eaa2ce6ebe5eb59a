"""One form for one employee and month → one workbook.

The sheet reads like the paper form (title, header block, the table with its
item texts, subtotals, total, grade and pay, signature lines) and is made to be
filled in: every header, input and result cell carries its defined name, input
cells are unlocked and shaded, everything else is locked, and inputs have
dropdowns or range checks with Chinese messages. Text from outside (names,
departments) is always written as text, never as a formula.
"""

from __future__ import annotations

import datetime
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from .. import __version__
from ..base.errors import UsageError
from ..base.periods import parse_month
from ..base.safe_write import write_atomic
from ..excel.udf_workbook import add_udf_parts
from ..forms.definitions import get_form
from ..forms.model import Form
from ..rules.scoring import WRONG_ENTRY
from .formulas import FormulaWriter, entry_ok
from .layout import CONF_SHEET, META_SHEET, Layout, build_layout, col_letter
from .pagefit import Margins, fit, page_breaks
from .stamp import PLACEHOLDERS, Template

MAX_LINES = 10
LINE_HEIGHT = 14.4  # a line of 10 pt text: Noto Sans CJK (what LibreOffice prints 宋体 with) is 1.45 em
CELL_PADDING = 2  # points above and below the lines of a wrapped cell
DEFAULT_WIDTH = 12
DEFAULT_ROW_HEIGHT = 15
SPACER = 8  # points: a blank row between the blocks of the sheet
ROW_HEIGHT = 18  # a row of one line: section titles, subtotals, results
# The workbook's default font sets the unit of column widths. Excel measures it with Arial 10
# as with Calibri 11 (7 pixels a digit); LibreOffice with Liberation Sans, Arial's metric twin
# (5.56 pt a digit), where a Calibri it cannot find would make every column a third wider.
DEFAULT_FONT = {"font_name": "Arial", "font_size": 10}
FOOTER_SIZE = 10
SIGN_LINE = "_" * 24  # where a signature goes
DATE_LINE = "______年____月____日"
DATE_LABELS = ("日期：", "时间：")
MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@dataclass(frozen=True)
class Employee:
    """The header fields of one workbook."""

    name: str
    employee_id: str
    department: str
    month: str
    appraiser: str = ""


def render_workbook(form, *, name: str, employee_id: str, department: str, month: str,
                    appraiser: str = "", dialect: str = "native", password: str | None = None,
                    values: dict | None = None, out=None, force: bool = False):
    """Render `form` for one employee and month.

    Args:
        form: a form id, Chinese name or loaded `Form`.
        name, employee_id, department, appraiser: header texts, written as text.
        month: the period, `YYYY-MM`.
        dialect: `native` (formulas every spreadsheet computes) or `udf` (KPI_* calls; `.xlsm`).
        password: sheet-protection password (none by default).
        values: inputs to fill in (`in_...` → a number, a text or None for blank); the
            form's default targets stay where `values` says nothing.
        out: a path to write to (atomically), or None to return the bytes.
        force: overwrite an existing `out`.

    Returns:
        The workbook's bytes when `out` is None, else the path written.

    Raises:
        FormError: unknown form. UsageError: a bad month, or `out` exists without `force`.
    """
    form = get_form(form)
    employee = Employee(str(name), str(employee_id), str(department), parse_month(month), str(appraiser or ""))
    data = build_workbook(form, employee, dialect=dialect, password=password, values=values)
    if out is None:
        return data
    path = Path(out)
    if path.exists() and not force:
        raise UsageError(f"文件 {path} 已存在；如需覆盖，请加 --force。")
    write_atomic(path, data)
    return path


def build_workbook(form: Form, employee: Employee, *, dialect: str = "native", password: str | None = None,
                   values: dict | None = None) -> bytes:
    """The workbook's bytes (see `render_workbook`), made the way a month's batch makes them:
    the form rendered once with placeholders, then stamped with the employee's header texts."""
    template = form_template(form, employee.month, dialect=dialect, password=password, values=values)
    return template.stamp(name=employee.name, employee_id=employee.employee_id,
                          department=employee.department, appraiser=employee.appraiser)


def form_template(form: Form, month: str, *, dialect: str = "native", password: str | None = None,
                  values: dict | None = None) -> Template:
    """`form` rendered once for `month` with placeholders in the employee's header fields,
    ready to be stamped for each employee (`Template.stamp`)."""
    employee = Employee(PLACEHOLDERS["name"], PLACEHOLDERS["employee_id"], PLACEHOLDERS["department"],
                        month, PLACEHOLDERS["appraiser"])
    return Template(render_bytes(form, employee, dialect=dialect, password=password, values=values))


def render_bytes(form: Form, employee: Employee, *, dialect: str = "native", password: str | None = None,
                 values: dict | None = None) -> bytes:
    """Render the workbook directly with XlsxWriter (the template step of `build_workbook`)."""
    layout = build_layout(form)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False,
                                            "default_format_properties": dict(DEFAULT_FONT)})
    sheet = workbook.add_worksheet(layout.sheet)
    styles = _Styles(workbook)
    writer = _SheetWriter(workbook, sheet, layout, styles, values or {})
    writer.write(employee, FormulaWriter(form, dialect, lambda name: layout.cells[name]))
    writer.protect(password)
    writer.page_setup()
    _define_names(workbook, layout)
    _write_meta(workbook, form, employee, dialect)
    if dialect == "udf":
        add_udf_parts(workbook, CONF_SHEET)
    sheet.activate()
    workbook.close()
    return buffer.getvalue()


def _define_names(workbook, layout: Layout):
    quoted = "'" + layout.sheet.replace("'", "''") + "'"
    for name, (row, col) in layout.cells.items():
        workbook.define_name(name, f"={quoted}!${col_letter(col)}${row + 1}")


def _write_meta(workbook, form: Form, employee: Employee, dialect: str):
    """A hidden sheet and custom properties that let a file be recognised later."""
    meta = {
        "form_id": form.id, "form_version": str(form.version), "employee_id": employee.employee_id,
        "month": employee.month, "dialect": dialect, "xlkpi_version": __version__,
    }
    sheet = workbook.add_worksheet(META_SHEET)
    for row, (key, value) in enumerate(meta.items()):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.hide()
    sheet.protect()
    for key, value in meta.items():
        workbook.set_custom_property(f"xlkpi_{key}", value)
    year, month = map(int, employee.month.split("-"))
    workbook.set_properties({"title": form.title, "subject": f"{employee.month} {employee.name}",
                             "author": "xlkpi", "comments": f"xlkpi {__version__}",
                             "created": datetime.datetime(year, month, 1)})  # reproducible bytes


# ---------------------------------------------------------------- styles
class _Styles:
    def __init__(self, workbook):
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True}

        def add(**options):
            return workbook.add_format(options)

        self.title = add(**{**base, "font_size": 16}, bold=True, align="center")
        self.label = add(**base, bold=True)
        self.value = add(**base, bottom=1)
        self.value_input = add(**base, bottom=1, locked=False, bg_color="#FFF2CC")
        self.head = add(**cell, bold=True, align="center", bg_color="#D9E1F2")
        self.section = add(**cell, bold=True, bg_color="#EDEDED")
        self.text = add(**cell)
        self.center = add(**cell, align="center")
        self.points = add(**cell, align="center")  # General: 6 and 0.5 as typed, never "6."
        self.weight = add(**cell, align="center", num_format="0%")
        self.input = add(**cell, align="center", locked=False, bg_color="#FFF2CC")
        self.input_pct = add(**cell, align="center", locked=False, bg_color="#FFF2CC", num_format="0.0%")
        self.score = add(**cell, align="center", num_format="0.00")
        self.subtotal_label = add(**cell, bold=True, align="right")
        self.subtotal = add(**cell, bold=True, align="center", num_format="0.00")
        self.result_text = add(**cell, bold=True, align="center")
        self.status = add(**cell, bold=True, align="left")
        self.money = add(**cell, bold=True, align="center", num_format='#,##0" 元";-#,##0" 元"')
        self.money_cents = add(**cell, bold=True, align="center", num_format='#,##0.00" 元";-#,##0.00" 元"')
        self.rate_pct = add(**cell, align="center", num_format="0.0%")
        self.rate = add(**cell, align="center", num_format="0.00")
        self.blank = add(**cell)
        self.note = add(**{**base, "valign": "top"}, text_wrap=True)
        # conditional formats: a refused entry (Excel's "Bad" colours), and 填写有误 where it shows
        self.refused = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.wrong = workbook.add_format({"bold": True, "font_color": "#C00000"})
        self.sign = add(**{**base, "font_size": 11})


# ---------------------------------------------------------------- the sheet
class _SheetWriter:
    def __init__(self, workbook, sheet, layout: Layout, styles: _Styles, values: dict):
        self.values = values
        self.workbook = workbook
        self.sheet = sheet
        self.layout = layout
        self.form = layout.form
        self.s = styles
        self.widths = [column.width or DEFAULT_WIDTH for column in self.form.columns]
        self.heights = {}  # row → its height in points, for the page fit

    def write(self, employee: Employee, formulas: FormulaWriter):
        for col, width in enumerate(self.widths):
            self.sheet.set_column(col, col, width)
        self._title()
        self._header(employee)
        self._table_header()
        computed = formulas.formulas()
        self._items(computed)
        self._results(computed)
        self._notes()
        self._signatures()
        for row in range(self.layout.last_row + 1):  # the blank rows between the blocks
            if row not in self.heights:
                self._height(row, SPACER)

    def _height(self, row, points):
        """Set a row's height, and remember it."""
        self.sheet.set_row(row, points)
        self.heights[row] = points

    def _merge_text(self, row, first, last, text, style):
        if first == last:
            self.sheet.write_string(row, first, text, style)
        else:
            self.sheet.merge_range(row, first, row, last, "", style)
            self.sheet.write_string(row, first, text, style)

    def _title(self):
        row = self.layout.rows["title"]
        self._merge_text(row, 0, self.layout.ncols - 1, self.form.title, self.s.title)
        self._height(row, 26)

    def _header(self, employee: Employee):
        values = {"name": employee.name, "employee_id": employee.employee_id,
                  "department": employee.department, "position": self.form.position,
                  "month": employee.month, "appraiser": employee.appraiser}
        for row, (label_first, label_last), (value_first, value_last), header in self.layout.header_cells:
            self._merge_text(row, label_first, label_last, f"{header.label}：", self.s.label)
            text = values[header.field] if header.field else header.text
            style = self.s.value_input if header.field == "appraiser" else self.s.value
            self._merge_text(row, value_first, value_last, text, style)
            self._height(row, 18)

    def _table_header(self):
        row = self.layout.rows["table_header"]
        columns = self.form.columns
        grouped = any(column.group for column in columns)
        col = 0
        while col < len(columns):
            column = columns[col]
            if grouped and column.group:
                last = col
                while last + 1 < len(columns) and columns[last + 1].group == column.group:
                    last += 1
                self._merge_text(row, col, last, column.group, self.s.head)
                for sub in range(col, last + 1):
                    self.sheet.write_string(row + 1, sub, columns[sub].label, self.s.head)
                col = last + 1
                continue
            if grouped:
                self.sheet.merge_range(row, col, row + 1, col, "", self.s.head)
            self.sheet.write_string(row, col, column.label, self.s.head)
            col += 1
        self._height(row, 20)
        if grouped:  # the second row of a grouped header holds the group's column labels
            self._height(row + 1, 20)
        self.sheet.freeze_panes(self.layout.rows["table_start"], 0)

    def _items(self, computed):
        layout = self.layout
        for section in self.form.sections:
            title_row, subtotal_row = layout.section_rows[section.id]
            if title_row is not None:
                points = f"（{_num(section.points)}分）" if section.points is not None else ""
                self._merge_text(title_row, 0, layout.ncols - 1, f"{section.name}{points}", self.s.section)
                self._height(title_row, ROW_HEIGHT)
            for entry in (e for e in layout.item_rows if e.section is section):
                self._item_row(entry, computed)
            result_col = layout.result_col(section)
            label = f"{section.name}合计" if section.total == "sum" else f"{section.name}加权合计"
            self._merge_text(subtotal_row, 0, result_col - 1, label, self.s.subtotal_label)
            name = f"out_{section.id}"
            self.sheet.write_formula(subtotal_row, result_col, computed[name], self.s.subtotal, "")
            self._height(subtotal_row, ROW_HEIGHT)
            for col in range(result_col + 1, layout.ncols):
                self.sheet.write_blank(subtotal_row, col, None, self.s.blank)

    def _item_row(self, entry, computed):
        item, row, height = entry.item, entry.row, entry.height
        last = row + height - 1
        lines = 1
        stacked_lines = [1] * height
        for col, column in enumerate(self.form.columns):
            if column.input:
                role = "" if column.input == "value" else column.input
                if item.stacked and column.input == "value":
                    for offset, stacked_role in enumerate(item.roles):
                        self._input_cell(item, stacked_role, row + offset, col)
                    continue
                if item.stacked or role not in item.roles:
                    self._span(row, last, col, self.s.blank)
                    self.sheet.write_blank(row, col, None, self.s.blank)
                    continue
                self._input_cell(item, role, row, col)
                continue
            show = column.show
            if show == "prompt" and item.stacked:
                for offset, spec in enumerate(self._specs(item)):
                    stacked_lines[offset] = max(stacked_lines[offset],
                                                self._text_cell(row + offset, col, spec.label, self.s.text))
                continue
            style = self._column_style(show, item)
            self._span(row, last, col, style)
            if show == "seq":
                self.sheet.write_number(row, col, entry.seq, style)
            elif show == "name":
                lines = max(lines, self._text_cell(row, col, item.name, style))
            elif show == "points":
                self._number_or_blank(row, col, item.points, style)
            elif show == "weight":
                self._number_or_blank(row, col, item.weight, style)
            elif show == "text":
                lines = max(lines, self._text_cell(row, col, pack_clauses(item.text, self.widths[col]), style))
            elif show == "levels":
                lines = max(lines, self._text_cell(row, col, levels_text(item), style))
            elif show == "note":
                lines = max(lines, self._text_cell(row, col, item.note, style))
            elif show == "prompt":
                lines = max(lines, self._text_cell(row, col, item.prompt, style))
            elif show in ("score", "weighted", "rate"):
                name = {"score": f"out_{item.id}", "weighted": f"out_{item.id}_weighted",
                        "rate": f"out_{item.id}_rate"}[show]
                if name in computed:
                    self.sheet.write_formula(row, col, computed[name], style, "")
                    self._mark_wrong(row, col)
                else:
                    self.sheet.write_blank(row, col, None, self.s.blank)
        if height == 1:
            self._height(row, max(1, lines) * LINE_HEIGHT + CELL_PADDING)
            return
        shared = math.ceil(lines / height)
        for offset in range(height):
            self._height(row + offset, max(1, shared, stacked_lines[offset]) * LINE_HEIGHT + CELL_PADDING)

    def _mark_wrong(self, row, col):
        """Show 填写有误 (in a score cell or in 填写状态) in bold red."""
        self.sheet.conditional_format(row, col, row, col, {"type": "text", "criteria": "containing",
                                                           "value": WRONG_ENTRY, "format": self.s.wrong})

    def _column_style(self, show, item):
        """The style of an item's cell in a `show` column."""
        if show == "rate":
            if not item.ratio:
                return self.s.blank
            return self.s.rate_pct if item.percent else self.s.rate
        styles = {"seq": self.s.center, "points": self.s.points, "weight": self.s.weight,
                  "score": self.s.score, "weighted": self.s.score}
        return styles.get(show, self.s.text)

    def _span(self, row, last, col, style):
        """Merge a column's cells over the rows of an item whose inputs are stacked."""
        if last > row:
            self.sheet.merge_range(row, col, last, col, "", style)

    def _specs(self, item):
        """The input specs of an item, in the order of its roles."""
        names = [item.input_name(role) for role in item.roles]
        specs = {spec.name: spec for spec in self.form.input_specs() if spec.item == item.id}
        return [specs[name] for name in names]

    def _number_or_blank(self, row, col, value, style):
        if value is None:
            self.sheet.write_blank(row, col, None, style)
        else:
            self.sheet.write_number(row, col, value, style)

    def _text_cell(self, row, col, text, style) -> int:
        """Write wrapped text; a text too long for the row also goes into a cell note. Returns its lines."""
        self.sheet.write_string(row, col, text, style)
        lines = text_lines(text, self.widths[col])
        if lines > MAX_LINES:
            self.sheet.write_comment(row, col, text, {"x_scale": 3, "y_scale": 2.5, "font_name": "宋体"})
            return MAX_LINES
        return lines

    def _input_cell(self, item, role, row, col):
        spec = next(s for s in self.form.input_specs() if s.name == item.input_name(role))
        style = self.s.input_pct if spec.percent else self.s.input
        value = self.values.get(spec.name, spec.default)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.sheet.write_number(row, col, value, style)
        elif isinstance(value, str) and value != "":
            self.sheet.write_string(row, col, value, style)
        else:
            self.sheet.write_blank(row, col, None, style)
        validation = input_validation(spec, item)
        if validation:
            self.sheet.data_validation(row, col, row, col, validation)
        # an entry the sheet refuses (its item shows 填写有误) is marked at the cell itself
        refused = f"NOT(OR(COUNTBLANK({spec.name}),{entry_ok(spec, spec.name)}))"
        self.sheet.conditional_format(row, col, row, col, {"type": "formula", "criteria": "=" + refused,
                                                           "format": self.s.refused})

    def _results(self, computed):
        layout = self.layout
        for row, label, name in layout.result_rows:
            col = layout.cells[name][1]
            self._merge_text(row, 0, col - 1, label, self.s.subtotal_label)
            outcome = next((o for o in self.form.outcomes if f"out_{o.id}" == name), None)
            if name == "out_total":
                style = self.s.subtotal
            elif outcome is not None and outcome.base is not None:
                style = self.s.money_cents if outcome.money else self.s.subtotal
            elif outcome is not None and outcome.money:
                style = self.s.money
            else:
                style = self.s.result_text
            if name == "out_status":  # wide enough for 未完成：N 项未填，M 项填写有误 on one line
                self.sheet.merge_range(row, col, row, layout.ncols - 1, "", self.s.status)
                self.sheet.write_formula(row, col, computed[name], self.s.status, "")
                self._mark_wrong(row, col)
                self._height(row, ROW_HEIGHT)
                continue
            self.sheet.write_formula(row, col, computed[name], style, "")
            for extra in range(col + 1, layout.ncols):
                self.sheet.write_blank(row, extra, None, self.s.blank)
            self._height(row, ROW_HEIGHT)

    def _notes(self):
        row = self.layout.rows["notes"]
        total_width = sum(self.widths)
        for offset, note in enumerate(self.form.notes):
            self._merge_text(row + offset, 0, self.layout.ncols - 1, note, self.s.note)
            self._height(row + offset, text_lines(note, total_width) * LINE_HEIGHT + 2)

    def _signatures(self):
        row = self.layout.rows["signatures"]
        for offset, line in enumerate(self.form.signatures):
            self._merge_text(row + offset, 0, self.layout.ncols - 1, signature_text(line), self.s.sign)
            self._height(row + offset, 20)

    def _kept_together(self) -> list:
        """The spans of rows a page break must not split: each item's rows, a section title with
        the first item below it, the results (总分 … 填写状态), and the notes with the signatures."""
        layout = self.layout
        keep = []
        for entry in layout.item_rows:
            title_row, _ = layout.section_rows[entry.section.id]
            first = title_row if title_row is not None and entry.row == title_row + 1 else entry.row
            keep.append((first, entry.row + entry.height - 1))
        results = [row for row, _, _ in layout.result_rows]
        keep.append((min(results), max(results)))
        if layout.rows["notes"] <= layout.last_row:
            keep.append((layout.rows["results_end"] + 1, layout.last_row))
        return keep

    def protect(self, password):
        self.sheet.protect(password or "", {"insert_rows": True, "format_cells": True,
                                            "format_columns": True, "format_rows": True,
                                            "select_locked_cells": True, "select_unlocked_cells": True})

    def page_setup(self):
        layout = self.layout
        sheet = self.sheet
        sheet.set_paper(9)  # A4
        if self.form.landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        margins = Margins()
        heights = [self.heights.get(row, DEFAULT_ROW_HEIGHT) for row in range(layout.last_row + 1)]
        self.fit = fit(self.widths, heights, self.form.landscape, margins)
        sheet.set_print_scale(self.fit.scale)  # one page, or the width on as many pages as it takes
        if not self.fit.one_page:
            head = range(layout.rows["table_header"], layout.rows["table_start"])
            sheet.set_h_pagebreaks(page_breaks(heights, self._kept_together(), self.fit.scale, self.form.landscape,
                                               sum(heights[row] for row in head), margins))
        sheet.center_horizontally()
        sheet.set_margins(left=margins.left, right=margins.right, top=margins.top, bottom=margins.bottom)
        sheet.print_area(0, 0, layout.last_row, layout.ncols - 1)
        sheet.repeat_rows(layout.rows["table_header"], layout.rows["table_start"] - 1)  # on every page
        sheet.set_footer(f"&C&{FOOTER_SIZE}第 &P 页，共 &N 页", {"scale_with_doc": False})
        sheet.hide_gridlines(2)


def levels_text(item) -> str:
    """The 评分等级 text of an item: its levels, rating levels or options, one a line."""
    rule = item.rule
    if rule.kind == "levels":
        lines = []
        for score, text in rule.levels:  # a level without text joins the line above it
            if text or not lines:
                lines.append([[_num(score)], text])
            else:
                lines[-1][0].append(_num(score))
        return "\n".join("、".join(scores) + "分" + (f"：{text}" if text else "") for scores, text in lines)
    if rule.kind == "rating":
        return "\n".join(f"{level}级{_num(level * rule.points_per_level)}分：{text}"
                         for level, text in enumerate(rule.texts, start=1))
    if rule.kind == "choice":
        return "\n".join(f"{label}：{_num(score)}分" for label, score in rule.options)
    return ""


def input_validation(spec, item) -> dict | None:
    """The data validation of one input cell: a dropdown or a range, with Chinese messages."""
    title = item.name[:32]
    unit = spec.unit or ""
    if spec.kind == "choice":
        return {"validate": "list", "source": list(spec.allowed), "input_title": title,
                "input_message": _clip("请从下拉列表中选择：" + "、".join(spec.allowed)),
                "error_title": "输入无效", "error_message": _clip("只能选择：" + "、".join(spec.allowed))}
    if spec.kind in ("level", "rating"):
        allowed = [_num(value) for value in spec.allowed]
        what = "等级" if spec.kind == "rating" else "分数"
        return {"validate": "list", "source": allowed, "input_title": title,
                "input_message": _clip(f"{spec.label}：请选择{what} " + " / ".join(allowed)),
                "error_title": "输入无效", "error_message": _clip(f"{what}只能是 " + "、".join(allowed))}
    low = 0 if spec.low is None else spec.low
    kind = "integer" if spec.integer else "decimal"
    shown_low = _shown(low, spec.percent)
    if spec.high is not None:
        rule = {"criteria": "between", "minimum": low, "maximum": spec.high}
        span = f"{shown_low} 到 {_shown(spec.high, spec.percent)}"
    else:
        rule = {"criteria": ">=", "value": low}
        span = f"不小于 {shown_low}"
    word = "整数" if spec.integer else "数字"
    prompt = spec.label if spec.role in ("", None) else f"{item.name}（{spec.label}）"
    hint = "，百分数可直接输入如 85%" if spec.percent else ""
    if spec.role == "den":
        hint += "；不能为 0（比率无法计算，得分显示填写有误）"
    return {"validate": kind, **rule, "input_title": title,
            "input_message": _clip(f"{prompt}：请输入{span}的{word}{unit}{hint}"),
            "error_title": "输入无效", "error_message": _clip(f"应为{span}的{word}{unit}。")}


def _shown(value, percent):
    return f"{_num(value * 100)}%" if percent else _num(value)


def _clip(text, limit=255):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def display_width(text: str) -> int:
    """Columns a text takes: 2 for a wide (CJK) character, 1 otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


LINE_START_BANNED = "，、；。：,;）)》”"  # never the first character of a line


def pack_clauses(text: str, width: float) -> str:
    """The clauses of `text` (its lines, as a definition writes them: `1、…6分；` a line) packed
    into as few lines as a column `width` characters wide shows without wrapping, in order; a
    line break falls between two clauses, so that no line begins with the end of a clause
    (`，0分。`). A clause wider than the column is broken after its punctuation (，、；。：
    and spaces); a piece still wider than the column fills its lines character by character,
    never starting a line with a closing mark (LINE_START_BANNED). Every line fits the column,
    so that no program wraps the cell on its own."""
    usable = _usable(width)
    lines = []
    for clause in text.split("\n"):
        fits = display_width(clause) <= usable
        pieces = [clause] if fits else re.findall(r"[^，、；。：,;\s]*[，、；。：,;\s]*", clause)
        for index, piece in enumerate(filter(None, pieces)):
            joins = lines and (index > 0 or fits)  # a long clause starts a line of its own
            if joins and display_width(lines[-1] + piece) <= usable:
                lines[-1] += piece
            elif display_width(piece) <= usable:
                lines.append(piece)
            else:
                _fill(lines, piece, usable, joins)
    return "\n".join(lines)


def _fill(lines: list, piece: str, usable: float, joins: bool) -> None:
    """Add `piece` to `lines` character by character, each line filled to `usable`."""
    if not joins:
        lines.append("")
    for char in piece:
        if display_width(lines[-1] + char) <= usable:
            lines[-1] += char
        elif char in LINE_START_BANNED and len(lines[-1]) > 1:
            lines.append(lines[-1][-1] + char)  # the mark goes down with the character before it
            lines[-2] = lines[-2][:-1]
        else:
            lines.append(char)


def _usable(width: float) -> float:
    """The display width (`display_width`) a line of a column `width` characters wide holds."""
    return max(2.0, (width * 7 + 5 - 4) / (40 / 6))


def text_lines(text: str, width: float) -> int:
    """How many lines a wrapped text needs in a column `width` characters wide.

    Counted for the narrower of the two programs, Excel (7 w + 5 pixels a column, less 4 of
    cell margins; a Chinese character of SimSun 10 pt is 13.3 pixels, 2 of `display_width`):
    LibreOffice's columns are a little wider, so its text never needs more lines."""
    usable = _usable(width)
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in text.split("\n"))


def signature_text(line: str) -> str:
    """A signature line as printed: each label followed by a line to write on, a date label
    (`日期：`, `时间：`) or a date (`年　月　日`) by `______年____月____日`.

    The parts of a definition's line are separated by three spaces or more:
    `考核者签字：　　　　日期：` → `考核者签字：________________________　　日期：______年____月____日`."""
    parts = [part for part in re.split(r"[\s\u3000]{3,}", line.strip()) if part]
    pieces = []
    for part in parts:
        if _is_date(part):
            pieces.append(DATE_LINE)
        elif part.endswith(DATE_LABELS):
            pieces.append(part + DATE_LINE)
        else:
            pieces.append(part + SIGN_LINE)
    return "\u3000\u3000".join(pieces)


def _is_date(part: str) -> bool:
    """`年　月　日` (with any spaces): where a date is written by hand."""
    return all(char in part for char in "年月日") and part.strip("年月日 \u3000") == "" and \
        all(char in "年月日 \u3000" for char in part)
