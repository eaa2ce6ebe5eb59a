"""Evaluate a udf-dialect workbook with the `formulas` engine, the KPI_* functions registered.

The adapter emulates xlwings' argument conversion (classic xlwings, default
options): a blank cell arrives as None, a number as a float, TRUE/FALSE as a
bool, an error cell as its text (`'#N/A'`: every argument of `xlkpi.excel.udfs` is
declared `err_to_str=True`); a single cell as a scalar, a one-row or
one-column range or array constant (`{0,1,2}`) as a list, a larger one as a
list of rows; an argument declared `@xw.arg(..., ndim=2)` in `xlkpi.excel.udfs`
always as a list of rows. The result goes back as Excel shows it: None as ""
(an empty cell, as classic xlwings writes it), a text starting with `#` as the
engine's error value of that code, a list as an array.

ROUND is replaced too: `formulas` 1.3.4 rounds the binary product
`x * 10**d` half up, so ROUND(1.005, 2) gives 1.0 and ROUND(94.105, 2) (the
double 94.10499999999999, what a 呼叫中心经理 sheet computes for a 调研计划完成率
of 60.7% with every other KPI on target) gives 94.1. Excel rounds the
15-significant-digit value it shows, half away from zero: 1.01 and 94.11
(`scoring.excel_round`). The functions are registered in formulas' global
table only while a workbook compiles, then the table is restored.
"""

from __future__ import annotations

import inspect
import re

import formulas
import numpy as np
import schedula as sh
from formulas.functions import wrap_ranges_func, wrap_ufunc
from formulas.tokens.operand import Error, XlError

from xlkpi.excel import udfs
from xlkpi.rules.scoring import excel_round
from xlkpi.workbook.layout import a1

_NDIM2 = re.compile(r'@xw\.arg\("(\w+)",\s*ndim=2')


def ndim2_arguments(function) -> set:
    """The arguments `function` declares with `@xw.arg(..., ndim=2)` (read from its source:
    off Windows, xlwings' decorators keep no metadata)."""
    return set(_NDIM2.findall(inspect.getsource(function)))


def _cell(value):
    """One cell or array element as xlwings hands it over."""
    while isinstance(value, np.ndarray):  # `{...,-50}`: a negative constant arrives as a 0-d array
        value = value.item() if value.ndim == 0 else value.ravel()[0]
    if value is sh.EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)  # err_to_str=True
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


def to_xlwings(value, ndim2: bool = False):
    """One argument as xlwings passes it: a scalar, a list, or a list of rows."""
    if not isinstance(value, np.ndarray):
        return _cell(value)
    rows = [[_cell(cell) for cell in row] for row in np.atleast_2d(value)]
    if ndim2:
        return rows
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 else rows[0]
    if all(len(row) == 1 for row in rows):
        return [row[0] for row in rows]
    return rows


def from_xlwings(value):
    """A function's result as the sheet shows it."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("#"):
        return Error.errors.get(value.split(" ", 1)[0], Error.errors["#VALUE!"])
    if isinstance(value, list):
        return np.asarray([[from_xlwings(cell) for cell in (row if isinstance(row, list) else [row])]
                           for row in value], object)
    return value


def adapt(function):
    """`function` as a `formulas` function, with xlwings' argument and result conversion."""
    names = list(inspect.signature(function).parameters)
    ndim2 = ndim2_arguments(function)

    def call(*args):
        return from_xlwings(function(*(to_xlwings(arg, names[i] in ndim2) for i, arg in enumerate(args))))

    return wrap_ranges_func(call)  # Ranges → arrays; not called while formulas is still compiling


def excel_round_function(number, digits):
    """Excel's ROUND: half away from zero on the 15-significant-digit value."""
    return excel_round(float(number), int(digits))


def functions() -> dict:
    """The functions to register: every KPI_* of `xlkpi.excel.udfs`, and a ROUND that rounds as Excel does."""
    table = {name: adapt(getattr(udfs, name)) for name in udfs.__all__}
    # formulas' own ROUND rounds the binary double (ROUND(1.005, 2) = 1.0); Excel gives 1.01.
    table["ROUND"] = wrap_ufunc(excel_round_function)
    return table


class UdfWorkbook:
    """A workbook compiled once and recalculated for new input values.

    Args:
        path: the workbook file (its name names the book inside the engine).
        sheet: the sheet holding the named cells.
        cells: defined name → (row, col), 0-based (`Layout.cells`).
    """

    def __init__(self, path, sheet: str, cells: dict):
        table = formulas.get_functions()
        ours = functions()
        saved = {name: table.get(name) for name in ours}
        table.update(ours)
        try:
            self.model = formulas.ExcelModel().loads(str(path)).finish()
        finally:
            for name, previous in saved.items():
                if previous is None:
                    table.pop(name, None)
                else:
                    table[name] = previous
        prefix = f"'[{path.name}]{sheet.upper()}'!"  # how formulas names a cell
        self.ref = {name: prefix + a1(row, col) for name, (row, col) in cells.items()}

    def formula(self, name: str) -> str:
        """The formula of a named cell as the engine compiled it ("" for a plain value)."""
        cell = self.model.cells.get(self.ref[name])
        return cell.func.__name__ if cell is not None and cell.func is not None else ""

    def calculate(self, values: dict) -> dict:
        """Every named cell's value ("" when empty, "#N/A" for an error) once the inputs
        `values` (`in_...` → a number, a text, or None for blank) are typed in; inputs
        not in `values` keep what the workbook holds."""
        inputs = {self.ref[name]: [[_typed(value)]] for name, value in values.items()}
        solution = self.model.calculate(inputs=inputs, outputs=list(self.ref.values()))
        return {name: _shown(solution[ref]) for name, ref in self.ref.items() if ref in solution}


def _typed(value):
    if value is None:
        return sh.EMPTY
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # a cell holds a double
    return value


def _shown(ranges):
    value = np.asarray(ranges.value if hasattr(ranges, "value") else ranges, object).ravel()[0]
    if value is sh.EMPTY:
        return ""
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
