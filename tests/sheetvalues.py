"""Reading computed values back from a recalculated workbook, by defined name."""

from __future__ import annotations

import openpyxl
import python_calamine

from xlkpi.rules.scoring import WRONG_ENTRY, excel_round
from xlkpi.workbook.layout import build_layout


def defined_cells(path) -> dict:
    """Every workbook-level defined name of `path` → (sheet, row, col), 0-based."""
    workbook = openpyxl.load_workbook(path, read_only=False)
    cells = {}
    for name, definition in workbook.defined_names.items():
        for sheet, ref in definition.destinations:
            cell = workbook[sheet][ref.replace("$", "")]
            cells[name] = (sheet, cell.row - 1, cell.column - 1)
    return cells


def read_values(path, cells: dict) -> dict:
    """The values of the named cells of `path` ('' for an empty cell)."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    grids = {}
    values = {}
    for name, (sheet, row, col) in cells.items():
        if sheet not in grids:
            grids[sheet] = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        grid = grids[sheet]
        values[name] = grid[row][col] if row < len(grid) and col < len(grid[row]) else ""
    return values


def mismatches(form, sheet: dict, engine: dict) -> list:
    """The `out_...` names whose sheet value differs from the engine's, after the form's rounding."""
    wrong = []
    for name, expected in engine.items():
        got = sheet.get(name, "<missing>")
        if not same_value(got, expected, form.decimals):
            wrong.append((name, got, expected))
    return wrong


def same_value(got, expected, decimals: int) -> bool:
    """Blank (or 填写有误, where a wrong entry leaves the result blank) for None, equal text, or
    equal numbers once both are rounded as Excel rounds. Which items are blank and which wrong
    is compared through 填写状态, which counts them apart."""
    if expected is None:
        return got in ("", None, WRONG_ENTRY)
    if isinstance(expected, str):
        return got == expected
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return excel_round(got, decimals) == excel_round(expected, decimals)


def layout_cells(form) -> dict:
    """The defined names the layout places, as (sheet, row, col)."""
    layout = build_layout(form)
    return {name: (layout.sheet, row, col) for name, (row, col) in layout.cells.items()}
