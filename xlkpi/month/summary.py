"""The summary workbook of a collected month.

Sheets: 汇总 (one row per employee: header fields, total, grade, pay, rank,
reward, flags, status), one 明细 sheet per form (every item's score and the
section totals), one sheet per department (its grade distribution and a
chart), and 问题 (every problem found). Written atomically.

Written through XlsxWriter's public API in its constant-memory mode: each row
goes to a temporary file as the next one begins, so 10,000 employees and their
problems never sit in memory as cells; a sheet's cells are written row by row,
top to bottom (a cell written above the last row written is lost: the tables
write their rows in order, and nothing is written on a sheet after its table).
With an XlsxWriter release it was checked against, the tables' rows take the
fast path instead (`table_xml`: the same workbook, about seven times faster).

Every sheet prints on A4: fitted to the page's width (a table never splits by
columns), portrait or landscape by the table's width, the header row repeated
on every page, page numbers in the footer; on screen the header is frozen and
filtered. Numbers carry the format of what they are: scores with two decimals,
ranks and counts as whole numbers, amounts in 元.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import xlsxwriter

from ..base.errors import UsageError
from ..base.safe_write import write_atomic
from ..forms.definitions import known_forms
from ..workbook.layout import safe_sheet_title
from . import table_xml

HEADER_COLUMNS = [("hdr_employee_id", "工号", 9), ("hdr_name", "姓名", 9), ("hdr_department", "部门", 12),
                  ("form_name", "岗位", 12), ("hdr_appraiser", "考核人", 9)]

ROWS_PER_BLOCK = 500
A4 = 9  # XlsxWriter's paper code
PORTRAIT_WIDTH = 100  # column widths (characters) an A4 portrait page holds at full size, margins taken off
ROWS_PER_PAGE = 48  # rows of the default height an A4 portrait page holds
LINE_PIXELS = 17  # a line of the summary's 10-point font, in a row's height
MAX_LINES = 24  # a row grows to at most this many lines (Excel's rows end at 409 points)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _lines(text: str, width: float) -> int:
    """The lines `text` takes wrapped in a column `width` characters wide, at most `MAX_LINES`:
    in pixels, a column is 7 a character and 5 more, of which the cell's margins take 6; at the
    summary's 10-point font a Chinese character takes at most 13, a space 3.5, another 6.5."""
    room = max(1.0, width * 7 - 1)
    lines = 0
    for part in text.split("\n"):
        pixels = sum(13.0 if ord(char) > 0x2E7F else 3.5 if char == " " else 6.5 for char in part)
        lines += max(1, math.ceil(pixels / room))
        if lines >= MAX_LINES:
            return MAX_LINES
    return lines


def _row_heights(columns, wrap):
    """A function of a row's values giving its height in pixels when a text in one of the `wrap`
    columns takes more than a line (None otherwise): LibreOffice does not grow such a row when it
    opens the file, so the row is written with its height. None when no column wraps."""
    wrapped = [(col, column[1]) for col, column in enumerate(columns) if len(column) > 2 and column[2] is wrap]
    if not wrapped:
        return None

    def height(values):
        lines = max((_lines(values[col], width) for col, width in wrapped if values[col].__class__ is str),
                    default=1)
        return LINE_PIXELS * lines + 3 if lines > 1 else None

    return height


def printed(sheet, *, header_row: int | None = None, landscape: bool = False):
    """Set `sheet` up to print as every workbook xlkpi writes for people to read: A4, fitted to
    the page's width (a table never splits by columns), page numbers in the footer, and the
    table's header row (`header_row`) repeated on every page."""
    sheet.set_paper(A4)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    if header_row is not None:
        sheet.repeat_rows(header_row)
    return sheet


class _Book:
    """A workbook for people to read: its formats, sheets set up for printing, and tables.

    Interface used by the summary and the period report: `sheet(name)`, `table(sheet, columns,
    rows, start_row=...)`, `cell(...)`, the formats `head/text/wrap/number/integer/money/percent/
    title`, `workbook` (XlsxWriter's, for charts) and `close()` (the bytes).

    fast: whether the tables' rows take `table_xml`'s fast path (default: when the installed
    XlsxWriter is one it was checked against); otherwise every cell goes through XlsxWriter's
    public API, in constant-memory mode."""

    def __init__(self, *, fast: bool | None = None):
        self.fast = table_xml.available() if fast is None else fast
        self.buffer = io.BytesIO()
        mode = {"in_memory": True} if self.fast else {"constant_memory": True}
        self.workbook = xlsxwriter.Workbook(self.buffer, {**mode, "strings_to_formulas": False,
                                                          "strings_to_numbers": False, "strings_to_urls": False})
        self.bodies = {}  # sheet name → table_xml.Body, on the fast path
        add = self.workbook.add_format
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.head = add({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center", "text_wrap": True})
        self.text = add({**base, "border": 1})
        self.wrap = add({**base, "border": 1, "text_wrap": True})
        self.number = add({**base, "border": 1, "num_format": "0.00"})
        self.integer = add({**base, "border": 1, "num_format": "0"})
        self.money = add({**base, "border": 1, "num_format": '#,##0.00"元"'})
        self.percent = add({**base, "border": 1, "num_format": "0.0%"})
        self.title = add({**base, "bold": True, "font_size": 14})
        self.used = set()

    def sheet(self, title, *, landscape: bool = False):
        """A new sheet named after `title` (made unique), set up to print on A4, fitted to the
        page's width, with page numbers in the footer."""
        name = safe_sheet_title(title)
        number = 2
        while name.lower() in self.used:
            name = safe_sheet_title(title, f"({number})")
            number += 1
        self.used.add(name.lower())
        return printed(self.workbook.add_worksheet(name), landscape=landscape)

    def cell(self, sheet, row, col, value, style=None):
        if _blank(value):
            sheet.write_blank(row, col, None, style or self.text)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否", style or self.text)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, style or self.number)
        else:
            sheet.write_string(row, col, str(value), style or self.text)

    def table(self, sheet, columns, rows, start_row=0, *, freeze_columns: int = 0):
        """Write a table: its header at `start_row`, then `rows` (a sized iterable of rows of
        values) below it; the last thing written on its sheet.

        columns: (label, width) or (label, width, format): a number in the column takes the
        column's format (default: two decimals), a text takes `wrap` in a `wrap` column and `text`
        otherwise; blanks (None, NaN) are empty bordered cells, True/False 是/否.

        The header is frozen (with the first `freeze_columns` columns), filtered and repeated on
        every printed page; a table wider than a portrait page turns its sheet to landscape."""
        lines = max((_lines(column[0], column[1]) for column in columns), default=1)
        if lines > 1:  # a header of several lines
            sheet.set_row_pixels(start_row, LINE_PIXELS * lines + 3)
        for col, (label, width, *_) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(start_row, col, label, self.head)
        numbers = [column[2] if len(column) > 2 else self.number for column in columns]
        texts = [self.wrap if style is self.wrap else self.text for style in numbers]
        numbers = [self.text if style is self.wrap else style for style in numbers]
        heights = _row_heights(columns, self.wrap)
        if self.fast:
            self._fast_table(sheet, columns, rows, start_row, texts, numbers, heights)
        else:
            self._public_table(sheet, columns, rows, start_row, texts, numbers, heights)
        sheet.freeze_panes(start_row + 1, freeze_columns)
        sheet.repeat_rows(start_row)
        if sum(column[1] for column in columns) > PORTRAIT_WIDTH:
            sheet.set_landscape()

    def _fast_table(self, sheet, columns, rows, start_row, texts, numbers, heights):
        """The rows kept for `table_xml.splice` when the workbook is closed (`rows` must be sized)."""
        if len(rows):
            sheet.autofilter(start_row, 0, start_row + len(rows), len(columns) - 1)
            # the styles' numbers in styles.xml now: XlsxWriter numbers a style when a cell written
            # through it uses it, and these cells are not written through it
            styles = [(text._get_xf_index(), number._get_xf_index()) for text, number in zip(texts, numbers)]
            self.bodies[sheet.get_name()] = table_xml.Body(start_row, rows, styles, heights)

    @staticmethod
    def _public_table(sheet, columns, rows, start_row, texts, numbers, heights):
        """The rows written cell by cell through XlsxWriter's public API."""
        write_string, write_number, write_blank = sheet.write_string, sheet.write_number, sheet.write_blank
        row = start_row
        for values in rows:
            row += 1
            if heights is not None:
                pixels = heights(values)
                if pixels:
                    sheet.set_row_pixels(row, pixels)
            for col, value in enumerate(values):
                kind = value.__class__
                if kind is str:
                    write_string(row, col, value, texts[col])
                elif value is None or isinstance(value, float) and value != value:
                    write_blank(row, col, None, texts[col])
                elif kind is bool:
                    write_string(row, col, "是" if value else "否", texts[col])
                elif isinstance(value, (int, float)):
                    write_number(row, col, value, numbers[col])
                else:
                    write_string(row, col, str(value), texts[col])
        if row > start_row:
            sheet.autofilter(start_row, 0, row, len(columns) - 1)

    def close(self) -> bytes:
        self.workbook.close()
        data = self.buffer.getvalue()
        return table_xml.splice(data, self.bodies) if self.bodies else data


class _Rows:
    """A table's rows, made a block of rows at a time as they are written, never all at once: each
    value from a column of `frame` (by name; None for a name the frame lacks) or from a list of one
    value per row of the frame. `positions`: the rows of the frame to take, by position (default:
    every row, in order; lists are only read with every row)."""

    def __init__(self, frame, sources, positions=None):
        self.frame = frame
        self.sources = sources
        self.positions = positions
        self.count = len(frame) if positions is None else len(positions)

    def __len__(self):
        return self.count

    def __iter__(self):
        for start in range(0, self.count, ROWS_PER_BLOCK):
            stop = min(start + ROWS_PER_BLOCK, self.count)
            rows = slice(start, stop) if self.positions is None else self.positions[start:stop]
            block = self.frame.iloc[rows]
            columns = []
            for source in self.sources:
                if not isinstance(source, str):
                    columns.append(source[start:stop])
                elif source in block.columns:
                    columns.append(block[source].tolist())
                else:
                    columns.append([None] * (stop - start))
            yield from zip(*columns)


def outcome_columns(frame) -> list:
    """(out name, label) of every outcome of the forms present, in first-seen order."""
    forms = known_forms()
    seen = {}
    for form_id in frame["form"].unique() if len(frame) else []:
        for outcome in forms[form_id].outcomes:
            seen.setdefault(f"out_{outcome.id}", outcome.label)
    return list(seen.items())


def _width(label: str) -> int:
    """An outcome column's width: its label on one line (a Chinese character takes about 1.6)."""
    return max(9, min(14, round(len(label) * 1.6) + 1))


def summary_bytes(frame, problems, month: str, flags: dict | None = None, *, fast: bool | None = None) -> bytes:
    """The summary workbook's bytes (see the module docstring). `fast`: as `_Book`'s."""
    flags = flags or {}
    book = _Book(fast=fast)
    forms = known_forms()
    count = len(frame)
    values = {}
    nothing = [None] * count

    def column(name):
        """The column's values as a list (converted once, and only the columns used)."""
        if name not in values:
            values[name] = frame[name].tolist() if name in frame.columns else nothing
        return values[name]

    outcomes = outcome_columns(frame)
    money = {f"out_{o.id}" for form in forms.values() for o in form.outcomes if o.money}

    sheet = book.sheet("汇总")
    sheet.write_string(0, 0, f"{month} 绩效考核汇总（共 {count} 人）", book.title)
    columns = [(label, width) for _, label, width in HEADER_COLUMNS] + [("总分", 7)] + \
        [(label, _width(label), book.money if name in money else book.number) for name, label in outcomes] + \
        [("部门内排名", 10, book.integer), ("奖励（元）", 9, book.money), ("奖励说明", 20, book.wrap),
         ("填写状态", 12), ("预警", 16, book.wrap),
         ("问题数", 6, book.integer), ("文件", 30)]
    standing = ["；".join(flags.get(employee, [])) for employee in column("hdr_employee_id")]
    sources = [key for key, _, _ in HEADER_COLUMNS] + ["out_total"] + [name for name, _ in outcomes]
    sources += ["rank", "reward", "reward_note", "out_status", standing, "problems", "file"]
    book.table(sheet, columns, _Rows(frame, sources), start_row=1, freeze_columns=2)

    for form_id in sorted(frame["form"].unique()) if count else []:
        form = forms[form_id]
        detail = book.sheet(f"{form.name}明细")
        names, cols = [], [(label, width) for _, label, width in HEADER_COLUMNS[:3]]
        for section in form.sections:
            for item in section.items:
                names.append(f"out_{item.id}")
                cols.append((item.name, 8))
            names.append(f"out_{section.id}")
            cols.append((f"{section.name}合计", 8))
        names += ["out_total"] + [f"out_{o.id}" for o in form.outcomes] + ["out_status", "rank"]
        cols += [("总分", 7)]
        cols += [(o.label, _width(o.label), book.money if o.money else book.number) for o in form.outcomes]
        cols += [("填写状态", 12), ("部门内排名", 10, book.integer)]
        positions = (frame["form"] == form_id).to_numpy().nonzero()[0]
        book.table(detail, cols, _Rows(frame, [k for k, _, _ in HEADER_COLUMNS[:3]] + names, positions),
                   freeze_columns=2)

    departments = column("hdr_department")
    for department in sorted(set(departments)) if count else []:
        rows = [index for index, value in enumerate(departments) if value == department]
        _department_sheet(book, department, rows, column, forms)

    problem_sheet = book.sheet("问题")
    book.table(problem_sheet, [("文件", 30), ("工作表", 10), ("单元格", 7), ("说明", 56, book.wrap), ("代码", 14),
                               ("名称", 14)], _ProblemRows(problems))
    return book.close()


class _ProblemRows:
    """The 问题 sheet's rows: where (file, sheet, cell), what (the message), then the codes
    (the problem's code and the defined name) that a clerk can leave aside."""

    def __init__(self, problems):
        self.problems = problems

    def __len__(self):
        return len(self.problems)

    def __iter__(self):
        return ((p.file, p.sheet, p.cell, p.message, p.code, p.name) for p in self.problems)


CHART_WIDTH, CHART_HEIGHT = 480, 260  # pixels: beside columns A to C, the block fits a portrait page's width
BLOCK_ROWS = 15  # rows a department's form block takes at least: the chart's height (260 px ≈ 13 rows) and a gap


def axis_step(largest: int) -> int:
    """A whole-number step for a value axis from 0 to `largest` people: 1, 2, 5, 10, 20, 50, …,
    the smallest that gives at most 10 steps."""
    step = 1
    while largest > step * 10:
        for factor in (2, 5, 10):
            if largest <= step * factor * 10:
                return step * factor
        step *= 10
    return step


def _department_sheet(book: _Book, department: str, rows, column, forms):
    """A department's grade distribution per form (the 未完成 row last), with a column chart each;
    a form's block never split by a page break."""
    sheet = book.sheet(department)
    sheet.write_string(0, 0, f"{department}：考核结果分布", book.title)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 2)
    row = 2
    breaks = []
    form_column = column("form")
    for form_id in sorted({form_column[index] for index in rows}):
        form = forms[form_id]
        banded = [outcome for outcome in form.outcomes if outcome.band is not None]
        if not banded:  # a form whose only outcome is an amount (base × total) has no grades to count
            continue
        outcome = banded[0]
        band = outcome.band
        labels = list(band.values) + [band.else_value]
        outcome_values = column(f"out_{outcome.id}")
        values = [outcome_values[index] for index in rows if form_column[index] == form_id]
        counts = [sum(1 for v in values if not _blank(v) and v == label) for label in labels]
        pending = sum(1 for v in values if _blank(v))
        if row > 2 and (row - 1) // ROWS_PER_PAGE != (row + BLOCK_ROWS - 2) // ROWS_PER_PAGE:
            breaks.append(row)
        sheet.write_string(row, 0, f"{form.name}·{outcome.label}", book.head)
        sheet.write_string(row, 1, "人数", book.head)
        first = row + 1
        for offset, (label, count) in enumerate(zip(labels, counts), start=first):
            book.cell(sheet, offset, 0, label if isinstance(label, str) else f"{label:g}", book.text)
            sheet.write_number(offset, 1, count, book.integer)
        last = first + len(labels)  # the 未完成 row
        sheet.write_string(last, 0, "未完成", book.text)
        sheet.write_number(last, 1, pending, book.integer)
        chart = book.workbook.add_chart({"type": "column"})
        quoted = "'" + sheet.get_name().replace("'", "''") + "'"
        # the cached data given: in constant-memory mode XlsxWriter keeps no cells to take it from,
        # and would write the categories as numbers
        chart.add_series({"name": f"{form.name}·{outcome.label}",
                          "categories": f"={quoted}!$A${first + 1}:$A${last + 1}",
                          "values": f"={quoted}!$B${first + 1}:$B${last + 1}",
                          "categories_data": [label if isinstance(label, str) else f"{label:g}" for label in labels]
                          + ["未完成"],
                          "values_data": counts + [pending], "data_labels": {"value": True}})
        chart.set_title({"name": f"{department} {form.name}{outcome.label}分布", "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "人数", "min": 0, "major_unit": axis_step(max(counts + [pending])),
                          "num_format": "0", "major_gridlines": {"visible": True}})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        sheet.insert_chart(row, 3, chart, {"object_position": 3})
        row = max(last + 3, row + BLOCK_ROWS)
    if breaks:
        sheet.set_h_pagebreaks(breaks)


def write_summary(path, frame, problems, month: str, *, flags=None, force: bool = False) -> Path:
    """Write the summary workbook to `path` atomically.

    Raises:
        UsageError: `path` exists and `force` is not given.
    """
    path = Path(path)
    if path.exists() and not force:
        raise UsageError(f"汇总文件 {path} 已存在；如需替换，请加 --force。")
    return write_atomic(path, summary_bytes(frame, problems, month, flags))
