"""The summary workbook of a collected month.

Sheets: 汇总 (one row per employee: header fields, total, grade, pay, rank,
reward, flags, status), one 明细 sheet per form (every item's score and the
section totals), one sheet per department (its grade distribution and a
chart), and 问题 (every problem found). Written atomically.

XlsxWriter writes the workbook: styles, widths, filters, frozen panes, charts
and each table's header. The tables' rows — 10,000 employees and tens of
thousands of problems make a million cells — are written as sheet XML
directly (numbers, and texts added to XlsxWriter's shared strings, in the
table's styles) and streamed into the sheet's compressed part, a block of
rows at a time: the same workbook, several times faster than cell by cell.
"""

from __future__ import annotations

import io
import math
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import xlsxwriter

from .errors import UsageError
from .forms import known_forms
from .layout import col_letter, safe_sheet_title
from .reader import WorkbookReader
from .safe_write import write_atomic
from .stamp import package_members, zip_package

HEADER_COLUMNS = [("hdr_employee_id", "工号", 10), ("hdr_name", "姓名", 10), ("hdr_department", "部门", 14),
                  ("form_name", "岗位", 12), ("hdr_appraiser", "考核人", 10)]

ROWS_PER_BLOCK = 500
TEXTS_PER_BLOCK = 2000
MAX_STRING = 32767
_ESCAPED = re.compile(r"_(?=x[0-9a-fA-F]{4}_)")  # overlapping ones too: `_x0009_x000A_` has two
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_MARKUP = re.compile(r"[&<>\x00-\x1f\ufffe\uffff]|_x")
_COUNT = re.compile(rb'\bcount="(\d+)"')
_UNIQUE = re.compile(rb'\buniqueCount="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _si_xml(text: str) -> str:
    """A shared string's `<si>`, truncated and escaped as XlsxWriter writes it (control characters
    as `_xHHHH_`, a literal `_xHHHH_` kept by escaping its underscore)."""
    if len(text) > MAX_STRING // 2 and len(text.encode("utf-16-le")) // 2 > MAX_STRING:
        text = text.encode("utf-16-le")[:MAX_STRING * 2].decode("utf-16-le", "ignore")
    if _MARKUP.search(text):
        text = _ESCAPED.sub("_x005F_", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<si><t xml:space="preserve">{text}</t></si>'
    return f"<si><t>{text}</t></si>"


class _Strings:
    """The shared strings the tables' rows add after XlsxWriter's own."""

    def __init__(self):
        self.first = 0  # how many XlsxWriter wrote
        self.index = {}  # text → its index
        self.references = 0

    def __call__(self, text: str) -> int:
        self.references += 1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = self.first + len(self.index)
        return found


class _Body:
    """The rows of one table, written into its sheet's XML when the workbook is packed."""

    def __init__(self, first_row: int, columns: int, rows, styles):
        self.first_row = first_row  # 0-based
        self.columns = columns
        self.rows = rows
        self.count = len(rows)
        self.text, self.number = styles

    def xml_blocks(self, strings: _Strings):
        """The rows' XML, a block of rows at a time."""
        letters = [col_letter(col) for col in range(self.columns)]
        text, number = self.text, self.number
        block = []
        row = self.first_row + 1  # 1-based, the header's row
        for values in self.rows:
            row += 1
            cells = [f'<row r="{row}">']
            for letter, value in zip(letters, values):
                kind = value.__class__
                if kind is str:
                    cells.append(f'<c r="{letter}{row}" s="{text}" t="s"><v>{strings(value)}</v></c>')
                elif value is None or isinstance(value, float) and value != value:
                    cells.append(f'<c r="{letter}{row}" s="{text}"/>')
                elif kind is bool:
                    cells.append(f'<c r="{letter}{row}" s="{text}" t="s"><v>{strings("是" if value else "否")}</v></c>')
                elif isinstance(value, (int, float)):
                    if math.isinf(value):
                        raise TypeError("NAN/INF not supported in write_number()")
                    cells.append(f'<c r="{letter}{row}" s="{number}"><v>{value:.16G}</v></c>')
                else:
                    cells.append(f'<c r="{letter}{row}" s="{text}" t="s"><v>{strings(str(value))}</v></c>')
            cells.append("</row>")
            block.append("".join(cells))
            if len(block) >= ROWS_PER_BLOCK:
                yield "".join(block).encode("utf-8")
                block = []
        if block:
            yield "".join(block).encode("utf-8")


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
        self.percent = add({**base, "border": 1, "num_format": "0.0%"})
        self.title = add({**base, "bold": True, "font_size": 14})
        self.used = set()
        self.bodies = {}  # sheet name → _Body

    def sheet(self, title):
        name = safe_sheet_title(title)
        number = 2
        while name.lower() in self.used:
            name = safe_sheet_title(title, f"({number})")
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
        """columns: (label, width); rows: a sized iterable of rows of values, written below the
        header when the workbook is packed (the table is the last thing on its sheet)."""
        for col, (label, width) in enumerate(columns):
            sheet.write_string(start_row, col, label, self.head)
            sheet.set_column(col, col, width)
        if len(rows):
            sheet.autofilter(start_row, 0, start_row + len(rows), len(columns) - 1)
            # the styles of the rows, given their numbers in styles.xml now: XlsxWriter numbers a style
            # when a cell written through it uses it, and these cells are not written through it
            styles = (self.text._get_xf_index(), self.number._get_xf_index())
            self.bodies[sheet.get_name()] = _Body(start_row, len(columns), rows, styles)
        sheet.freeze_panes(start_row + 1, 0)

    def close(self) -> bytes:
        self.workbook.close()
        data = self.buffer.getvalue()
        if not self.bodies:
            return data
        parts = {part: name for name, part in WorkbookReader(io.BytesIO(data)).sheets.items()}
        members = package_members(data)
        shared = next((index for index, member in enumerate(members) if member[0] == b"xl/sharedStrings.xml"), None)
        if shared is None:  # every table has a header row of text, so XlsxWriter always writes them
            raise RuntimeError("the summary has no shared strings part")
        strings_xml = zlib.decompress(members[shared][1], -15)
        strings = _Strings()
        strings.first = int(_UNIQUE.search(strings_xml).group(1))
        for index, (name, raw, crc, size) in enumerate(members):
            sheet = parts.get(name.decode("utf-8"))
            if sheet in self.bodies:
                members[index] = (name, *_with_rows(zlib.decompress(raw, -15), self.bodies[sheet], strings))
        members[shared] = (members[shared][0], *_with_strings(strings_xml, strings))
        del strings, strings_xml  # not held while the package is made
        return zip_package(_handed_over(members))


def _with_strings(xml: bytes, strings: _Strings):
    """XlsxWriter's shared strings with the rows' strings appended: (deflated, CRC-32, size)."""
    total = int(_COUNT.search(xml).group(1)) + strings.references
    unique = strings.first + len(strings.index)
    xml = _COUNT.sub(f'count="{total}"'.encode(), xml, count=1)
    xml = _UNIQUE.sub(f'uniqueCount="{unique}"'.encode(), xml, count=1)
    split = xml.rindex(b"</sst>")
    return _deflated(_chain([xml[:split]], _si_blocks(strings.index), [xml[split:]]))


def _si_blocks(texts):
    """The `<si>` of each text, UTF-8, a block of texts at a time."""
    block = []
    for text in texts:
        block.append(_si_xml(text))
        if len(block) >= TEXTS_PER_BLOCK:
            yield "".join(block).encode("utf-8")
            block = []
    yield "".join(block).encode("utf-8")


def _with_rows(xml: bytes, body: _Body, strings: _Strings):
    """The sheet's XML with the body's rows before `</sheetData>` and its dimension widened:
    (deflated bytes, CRC-32, size)."""
    last_row = body.first_row + body.count + 1
    match = _DIMENSION.search(xml)
    if match:
        first_col, first_row = match.group(1).decode("ascii"), match.group(2).decode("ascii")
        end_col = (match.group(3) or match.group(1)).decode("ascii")
        end_row = int(match.group(4) or first_row)
        columns = max(_column_number(end_col), body.columns)
        dimension = f'<dimension ref="{first_col}{first_row}:{col_letter(columns - 1)}{max(end_row, last_row)}"/>'
        xml = xml[:match.start()] + dimension.encode("ascii") + xml[match.end():]
    split = xml.rindex(b"</sheetData>")
    return _deflated(_chain([xml[:split]], body.xml_blocks(strings), [xml[split:]]))


def _deflated(chunks):
    """Deflate the chunks as they come: (deflated bytes, CRC-32, size). zlib lets go of the
    interpreter while it compresses, so a thread compresses each chunk while the next is made;
    at level 1, which makes the file a third larger than level 6 in a third of the time."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    state = {"crc": 0, "size": 0}

    def compress(chunk: bytes) -> bytes:
        state["crc"] = zlib.crc32(chunk, state["crc"])
        state["size"] += len(chunk)
        return compressor.compress(chunk)

    out = []
    with ThreadPoolExecutor(1) as thread:
        pending = []
        for chunk in chunks:
            pending.append(thread.submit(compress, chunk))
            while len(pending) > 2:
                out.append(pending.pop(0).result())
        out.extend(future.result() for future in pending)
    out.append(compressor.flush())
    return b"".join(out), state["crc"], state["size"]


def _handed_over(members: list):
    """The members, each let go by the list as it is handed over: `zip_package` copies each one into
    the package, and does not copy one while the list holds every member too."""
    members.reverse()
    while members:
        yield members.pop()


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


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


def summary_bytes(frame, problems, month: str, flags: dict | None = None) -> bytes:
    """The summary workbook's bytes (see the module docstring)."""
    flags = flags or {}
    book = _Book()
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

    sheet = book.sheet("汇总")
    sheet.write_string(0, 0, f"{month} 绩效考核汇总（共 {count} 人）", book.title)
    columns = [(label, width) for _, label, width in HEADER_COLUMNS] + [("总分", 8)] + \
        [(label, 10) for _, label in outcomes] + [("部门内排名", 8), ("奖励（元）", 9), ("奖励说明", 24), ("填写状态", 14),
                                                 ("预警", 24), ("问题数", 7), ("文件", 40)]
    standing = ["；".join(flags.get(employee, [])) for employee in column("hdr_employee_id")]
    sources = [key for key, _, _ in HEADER_COLUMNS] + ["out_total"] + [name for name, _ in outcomes]
    sources += ["rank", "reward", "reward_note", "out_status", standing, "problems", "file"]
    book.table(sheet, columns, _Rows(frame, sources), start_row=1)

    for form_id in sorted(frame["form"].unique()) if count else []:
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
        positions = (frame["form"] == form_id).to_numpy().nonzero()[0]
        book.table(detail, cols, _Rows(frame, [k for k, _, _ in HEADER_COLUMNS[:3]] + names, positions))

    departments = column("hdr_department")
    for department in sorted(set(departments)) if count else []:
        rows = [index for index, value in enumerate(departments) if value == department]
        _department_sheet(book, department, rows, column, forms)

    problem_sheet = book.sheet("问题")
    book.table(problem_sheet, [("文件", 40), ("工作表", 12), ("单元格", 8), ("名称", 24), ("代码", 18), ("说明", 60)],
               _ProblemRows(problems))
    return book.close()


class _ProblemRows:
    def __init__(self, problems):
        self.problems = problems

    def __len__(self):
        return len(self.problems)

    def __iter__(self):
        return ((p.file, p.sheet, p.cell, p.name, p.code, p.message) for p in self.problems)


def _department_sheet(book: _Book, department: str, rows, column, forms):
    """A department's grade distribution per form, with a column chart each."""
    sheet = book.sheet(department)
    sheet.write_string(0, 0, f"{department}：考核结果分布", book.title)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 8)
    row = 2
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
