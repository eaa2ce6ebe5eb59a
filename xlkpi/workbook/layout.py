"""Where every part of a form's sheet lives: rows, columns and defined names.

The renderer writes what the layout places, and the collector reads the cells
the layout names, so the two cannot drift. Coordinates are 0-based
`(row, col)`; `a1()` turns them into what a user sees. Pure standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..forms.model import Form

INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_TITLE = 31
META_SHEET = "_xlkpi"
CONF_SHEET = "xlwings.conf"


def safe_sheet_title(title: str, suffix: str = "") -> str:
    """A sheet title Excel accepts: `[]:*?/\\` replaced by `_`, no leading or trailing
    apostrophe, at most 31 characters as Excel counts them (UTF-16 units: an emoji counts 2),
    never empty; `suffix` (`(2)`) is kept whole at the end, the title shortened before it.
    A character is never cut in half."""
    cleaned = INVALID_SHEET_CHARS.sub("_", str(title)).strip().strip("'")
    room = MAX_SHEET_TITLE - utf16_length(suffix)
    while utf16_length(cleaned) > room:
        cleaned = cleaned[:-1]
    cleaned = cleaned.rstrip().rstrip("'")
    return (cleaned or "考核表") + suffix


def utf16_length(text: str) -> int:
    """The length of `text` as Excel counts it: UTF-16 code units (a character beyond U+FFFF counts 2)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def col_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1(row: int, col: int, *, absolute: bool = False) -> str:
    """The A1 reference of a 0-based cell: (0, 0) → A1, or $A$1 when absolute."""
    if absolute:
        return f"${col_letter(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


@dataclass
class ItemRow:
    """One item's rows: its section, its number in the table, and how many rows it takes
    (one, or one per input for an item whose inputs are stacked in the `value` column)."""

    row: int
    item: object
    section: object
    seq: int
    height: int = 1


@dataclass
class Layout:
    """Positions of a form's sheet.

    Attributes:
        cells: every defined name (`hdr_...`, `in_...`, `out_...`) → (row, col).
        columns: the form's columns; `col_of_show` and `col_of_input` index them.
        rows: the row of each labelled block (`title`, `table_header`, `notes`, ...).
    """

    form: Form
    sheet: str
    ncols: int
    cells: dict = field(default_factory=dict)
    header_cells: list = field(default_factory=list)  # (row, label cols, value cols, HeaderField)
    item_rows: list = field(default_factory=list)
    section_rows: dict = field(default_factory=dict)  # section id → (title_row, subtotal_row)
    result_rows: list = field(default_factory=list)  # (row, label, out name)
    rows: dict = field(default_factory=dict)
    col_of_show: dict = field(default_factory=dict)
    col_of_input: dict = field(default_factory=dict)
    last_row: int = 0

    def cell(self, name: str) -> str:
        """The A1 reference of a defined name's cell."""
        return a1(*self.cells[name])

    def result_col(self, section) -> int:
        """The column of a section's subtotal: `weighted` for weighted sections, else `score`."""
        if section.total == "weighted" and "weighted" in self.col_of_show:
            return self.col_of_show["weighted"]
        return self.col_of_show["score"]


LABEL_WIDTH = 9


def header_groups(widths):
    """Split the columns into two side-by-side header fields: ((label cols), (value cols)) each.

    The split balances the two halves' widths; a label takes as many leading
    columns as it needs to be about LABEL_WIDTH wide, leaving at least one for the value.
    """
    n = len(widths)
    if n < 4:
        return [((0, 0), (1, n - 1))]
    total = sum(widths)
    mid = min(range(2, n - 1), key=lambda m: abs(sum(widths[:m]) - total / 2))
    groups = []
    for first, last in ((0, mid - 1), (mid, n - 1)):
        label_last = first
        while label_last < last - 1 and sum(widths[first:label_last + 1]) < LABEL_WIDTH:
            label_last += 1
        groups.append(((first, label_last), (label_last + 1, last)))
    return groups


def build_layout(form: Form) -> Layout:
    """Place every part of `form` on its sheet."""
    columns = form.columns
    ncols = len(columns)
    layout = Layout(form, safe_sheet_title(form.name), ncols)
    for index, column in enumerate(columns):
        if column.show:
            layout.col_of_show[column.show] = index
        if column.input:
            layout.col_of_input[column.input] = index
    row = 0
    layout.rows["title"] = row
    row += 1
    groups = header_groups([column.width or 12 for column in columns])
    for index, header in enumerate(form.header):
        r = row + index // len(groups)
        label_cols, value_cols = groups[index % len(groups)]
        layout.header_cells.append((r, label_cols, value_cols, header))
        if header.field:
            layout.cells[f"hdr_{header.field}"] = (r, value_cols[0])
    row += -(-len(form.header) // len(groups))
    layout.rows["header_end"] = row
    row += 1  # a blank row before the table
    grouped = any(column.group for column in columns)
    layout.rows["table_header"] = row
    row += 2 if grouped else 1
    layout.rows["table_start"] = row
    single = len(form.sections) == 1
    seq = 0
    for section in form.sections:
        title_row = None
        if not single:
            title_row = row
            row += 1
        for item in section.items:
            seq += 1
            height = len(item.roles) if item.stacked else 1
            layout.item_rows.append(ItemRow(row, item, section, seq, height))
            for offset, role in enumerate(item.roles):
                if item.stacked:
                    layout.cells[item.input_name(role)] = (row + offset, layout.col_of_input["value"])
                else:
                    layout.cells[item.input_name(role)] = (row, layout.col_of_input[role or "value"])
            if item.ratio:
                layout.cells[f"out_{item.id}_rate"] = (row, layout.col_of_show["rate"])
            layout.cells[f"out_{item.id}"] = (row, layout.col_of_show["score"])
            if section.total == "weighted":
                layout.cells[f"out_{item.id}_weighted"] = (row, layout.col_of_show.get("weighted", ncols - 1))
            row += height
        layout.section_rows[section.id] = (title_row, row)
        layout.cells[f"out_{section.id}"] = (row, layout.result_col(section))
        row += 1
    layout.rows["table_end"] = row - 1
    result_col = layout.result_col(form.sections[-1])
    layout.result_rows.append((row, total_label(form), "out_total"))
    layout.cells["out_total"] = (row, result_col)
    row += 1
    for outcome in form.outcomes:
        layout.result_rows.append((row, outcome.label, f"out_{outcome.id}"))
        layout.cells[f"out_{outcome.id}"] = (row, result_col)
        row += 1
    layout.result_rows.append((row, "填写状态", "out_status"))
    layout.cells["out_status"] = (row, status_col([column.width or 12 for column in columns], result_col))
    row += 1
    layout.rows["results_end"] = row - 1
    row += 1
    layout.rows["notes"] = row
    row += len(form.notes)
    if form.notes:
        row += 1
    layout.rows["signatures"] = row
    row += len(form.signatures)
    layout.last_row = row - 1
    return layout


def total_label(form: Form) -> str:
    """The label of the total row: `总分`, with the blend written out for blended totals."""
    if form.total.kind != "blend":
        return "总分"
    names = {section.id: section.name for section in form.sections}
    parts = "＋".join(f"{names[section_id]}得分×{_percent(weight)}" for section_id, weight in form.total.parts)
    return f"总分（＝{parts}）"


def _percent(weight: float) -> str:
    value = round(weight * 100, 6)
    return f"{value:g}%"


STATUS_WIDTH = 30  # characters: 未完成：12 项未填，12 项填写有误 on one line


def status_col(widths, result_col: int) -> int:
    """The column where 填写状态 starts: it runs to the right edge, wide enough for its longest
    words (STATUS_WIDTH), from the result column leftwards, leaving the first column for its label."""
    col = result_col
    while col > 1 and sum(widths[col:]) < STATUS_WIDTH:
        col -= 1
    return col
