"""Filling generated workbooks the way a clerk does, for tests.

`fill_workbook` opens a workbook with openpyxl (formulas kept), types values
into the cells the workbook's defined names point at, and saves it. It can
first insert rows above the table or move the whole sheet content, shifting
the defined names, merged cells, validations and formula references with it,
as Excel does: the file's cells are then no longer where the layout put them,
and only the names say where they are. A file saved by openpyxl has formulas
without cached results, like any workbook Python writes.
"""

from __future__ import annotations

import re

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.cell import column_index_from_string

_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!'\s]+))!\$?([A-Z]{1,3})\$?(\d+)$")
# an A1 reference inside a formula: not part of a longer identifier or a function name
_FORMULA_REF = re.compile(r"(?<![A-Za-z0-9_.!'\"])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(])")


def _destination(text: str):
    """`'客服专员'!$D$8` → ('客服专员', 8, 4), 1-based."""
    match = _NAME_REF.match(text.strip())
    if not match:
        raise ValueError(f"not a single-cell reference: {text!r}")
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    return sheet, int(match.group(4)), column_index_from_string(match.group(3))


def _reference(sheet: str, row: int, col: int) -> str:
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!${get_column_letter(col)}${row}"


def named_cells(workbook) -> dict:
    """Every workbook-level defined name → (sheet, row, col), 1-based."""
    return {name: _destination(definition.attr_text) for name, definition in workbook.defined_names.items()}


def _shift_formula(formula: str, at_row: int, rows: int, cols: int) -> str:
    """Shift the A1 references of `formula` at or below `at_row` by (rows, cols); quoted text is kept."""
    parts = formula.split('"')
    for index in range(0, len(parts), 2):  # even parts are outside string literals
        def shift(match):
            row = int(match.group(4))
            col = column_index_from_string(match.group(2))
            if row >= at_row:
                row += rows
                col += cols
            return f"{match.group(1)}{get_column_letter(col)}{match.group(3)}{row}"

        parts[index] = _FORMULA_REF.sub(shift, parts[index])
    return '"'.join(parts)


def _shift_range(text: str, at_row: int, rows: int, cols: int) -> str:
    min_col, min_row, max_col, max_row = range_boundaries(text)
    if min_row >= at_row:
        min_row, max_row, min_col, max_col = min_row + rows, max_row + rows, min_col + cols, max_col + cols
    elif max_row >= at_row:
        max_row += rows
    first = f"{get_column_letter(min_col)}{min_row}"
    last = f"{get_column_letter(max_col)}{max_row}"
    return first if first == last else f"{first}:{last}"


def shift_sheet(workbook, sheet_name: str, at_row: int, *, rows: int = 0, cols: int = 0):
    """Move everything of `sheet_name` from `at_row` (1-based) down by `rows` and right by `cols`.

    With `cols == 0` this is inserting `rows` rows above `at_row`. Cells, merged
    ranges, validations, print titles, formula references and the defined names
    pointing into the sheet all follow.
    """
    sheet = workbook[sheet_name]
    merged = [str(cell_range) for cell_range in sheet.merged_cells.ranges]
    for text in merged:
        sheet.unmerge_cells(text)
    if cols == 0:
        sheet.insert_rows(at_row, rows)
    else:
        last = f"{get_column_letter(sheet.max_column)}{sheet.max_row}"
        sheet.move_range(f"A{at_row}:{last}", rows=rows, cols=cols)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = _shift_formula(cell.value, at_row, rows, cols)
    for text in merged:
        sheet.merge_cells(_shift_range(text, at_row, rows, cols))
    for validation in sheet.data_validations.dataValidation:
        validation.sqref = openpyxl.worksheet.cell_range.MultiCellRange(
            " ".join(_shift_range(str(part), at_row, rows, cols) for part in validation.sqref.ranges))
    if sheet.print_title_rows:
        first, last = (int(part.strip("$")) for part in sheet.print_title_rows.split(":"))
        if first >= at_row:
            sheet.print_title_rows = f"{first + rows}:{last + rows}"
    for definition in workbook.defined_names.values():
        if not _NAME_REF.match(definition.attr_text.strip()):
            continue
        target, row, col = _destination(definition.attr_text)
        if target == sheet_name and row >= at_row:
            definition.attr_text = _reference(target, row + rows, col + cols)


def fill_workbook(path, values: dict, *, insert_rows_above: int = 0, move_table=None, overwrite=None):
    """Type `values` into the workbook at `path` by defined names, and save it.

    Args:
        path: a generated workbook.
        values: defined name (`in_skill`) → what the clerk types (a number, text such as `'85%'`).
        insert_rows_above: rows to insert just above the table first (below the header fields).
        move_table: (rows, cols) to move the table and everything below it by, instead.
        overwrite: defined name (`out_total`) → a value typed over that cell's formula.

    Raises:
        KeyError: a name of `values` or `overwrite` is not defined in the workbook.
    """
    keep_vba = str(path).lower().endswith(".xlsm")
    workbook = openpyxl.load_workbook(path, keep_vba=keep_vba)
    names = named_cells(workbook)
    if insert_rows_above or move_table:
        sheet_name = names["out_total"][0]
        header_end = max(row for name, (sheet, row, _) in names.items()
                         if name.startswith("hdr_") and sheet == sheet_name)
        at_row = header_end + 1
        if insert_rows_above:
            shift_sheet(workbook, sheet_name, at_row, rows=insert_rows_above)
        if move_table:
            shift_sheet(workbook, sheet_name, at_row, rows=move_table[0], cols=move_table[1])
        names = named_cells(workbook)
    for name, value in {**values, **(overwrite or {})}.items():
        sheet, row, col = names[name]
        workbook[sheet].cell(row=row, column=col).value = value
    workbook.save(path)


def cell_of(path, name: str):
    """`Sheet!A1` of a defined name in the workbook at `path` (as problems show it)."""
    workbook = openpyxl.load_workbook(path, read_only=False)
    sheet, row, col = named_cells(workbook)[name]
    return f"{sheet}!{get_column_letter(col)}{row}"


__all__ = ["fill_workbook", "named_cells", "shift_sheet", "cell_of"]
