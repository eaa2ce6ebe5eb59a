"""The KPI_* functions called through classic xlwings' own call path, in the shapes Excel passes.

`tests/xlwings_classic.py` runs xlwings 0.37.8's `xlwings.udfs.call_udf` with the
metadata its Windows decorators attach to `xlkpi.excel.udfs`: xlwings' conversion reads
each argument with the declared options (ndim, err_to_str) and xlwings' own cleaning
of the "excel" engine, and writes the result back. Emulated, as said there: pywin32,
the COM Range object (its `Value`), and the final unwrapping of `XLPython.CallUDF`.
What Excel and COM do before and after (VBA's wrapper, marshalling) is not here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .kpi_cases import all_cases, classic_arguments
from .xlwings_classic import MISSING, ComRange, classic_xlwings

CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
ATTENDANCE = (ComRange(((0.0, 1.0, 2.0),)), ((6.0,), (4.0,), (3.0,)))


@pytest.fixture(scope="module")
def call():
    with classic_xlwings() as function:
        yield function


def shown(result, expected):
    """`result` is what classic xlwings puts in the cell for the engine's `expected`."""
    if isinstance(expected, tuple):
        return isinstance(result, str) and result.startswith(expected[1] + " ")
    if expected is None:
        return result == ""  # xlwings writes None as an empty text
    if isinstance(expected, str):
        return result == expected
    return isinstance(result, float) and result == expected


def test_every_argument_reads_errors_as_text_and_ranges_as_rows(call):
    for name in ("KPI_ACHIEVE", "KPI_BAND", "KPI_BLEND", "KPI_DEDUCT", "KPI_GRADE", "KPI_LEVEL", "KPI_RATERS",
                 "KPI_WEIGHTED"):
        meta = getattr(call.module, name).__xlfunc__
        assert all(arg["options"].get("err_to_str") is True for arg in meta["args"]), name
    ranges = {arg["name"] for arg in call.module.KPI_BAND.__xlfunc__["args"] if arg["options"].get("ndim") == 2}
    assert ranges == {"value", "thresholds", "scores"}


def test_every_function_equals_the_engine_in_excels_shapes(call):
    cases = all_cases()
    assert len({case.function for case in cases}) == 8 and len(cases) > 500
    wrong = []
    for index, case in enumerate(cases):
        for variant in range(3):  # cell references and array constants, rows and columns
            result = call(case.function, *classic_arguments(case, variant))
            if not shown(result, case.expected):
                wrong.append((case, variant, result))
    assert not wrong, f"{len(wrong)} calls differ from the engine; first: {wrong[0]}"


@pytest.mark.parametrize("code, number", [("#N/A", -2146826246), ("#DIV/0!", -2146826281),
                                          ("#VALUE!", -2146826273), ("#REF!", -2146826265)])
def test_an_error_cell_is_an_error_never_a_blank(call, code, number):
    # COM hands an error cell over as an int; err_to_str makes xlwings pass its text on
    assert call("KPI_BAND", ComRange(number), *ATTENDANCE, MISSING, MISSING) == f"{code} value: 输入是错误值 {code}"
    assert call("KPI_BAND", number, *ATTENDANCE, MISSING, MISSING).startswith(code + " value: ")  # =KPI_BAND(NA(),…)
    assert call("KPI_WEIGHTED", ComRange(((80.0, number),)), ((0.5, 0.5),)).startswith(code + " scores: ")
    assert call("KPI_GRADE", ComRange(number), MISSING, MISSING).startswith(code + " total: ")


def test_a_newer_error_code_is_a_value_error_naming_it(call):
    # #SPILL! (xlErr 2045): xlwings' cell_errors does not know it, so it arrives as an int
    assert call("KPI_BAND", ComRange(-2146826243), *ATTENDANCE, MISSING, MISSING) == (
        "#VALUE! value: 输入是错误值 #SPILL!")


def test_blank_cells_and_left_out_arguments(call):
    assert call("KPI_BAND", ComRange(None), *ATTENDANCE, MISSING, MISSING) == ""
    assert call("KPI_BAND", ComRange(1.0), *ATTENDANCE, ComRange(None), ComRange(None)) == 4.0
    assert call("KPI_BAND", ComRange(5.0), *ATTENDANCE, True, MISSING) == 0.0  # else_score's default
    assert call("KPI_GRADE", ComRange(85.0), MISSING, MISSING) == "B"
    assert call("KPI_BLEND", 100.0, 50.0, MISSING) == 90.0


def test_a_scored_column_comes_back_as_a_column(call):
    column = ComRange(((0.0,), (None,), ("abc",), (-2146826246,), (2.0,)))
    assert call("KPI_BAND", column, *ATTENDANCE, True, MISSING) == [
        [6.0], [""], ["#VALUE! value: 文本 'abc' 不是数字"], ["#N/A value: 输入是错误值 #N/A"], [3.0]]
    assert call("KPI_BAND", ComRange(((0.0, 1.0, 2.0),)), *ATTENDANCE, True, MISSING) == [6.0, 4.0, 3.0]


def test_text_numbers_currency_and_dates(call):
    assert call("KPI_BAND", "85%", ComRange(((0.75, 0.65),)), ((100.0, 80.0),), MISSING, MISSING) == 100.0
    assert call("KPI_BAND", ComRange(Decimal("85.5")), ComRange(((90.0, 80.0),)), ((2.0, 1.0),), MISSING,
                MISSING) == 1.0  # a currency-formatted cell: COM hands over a Decimal
    assert call("KPI_BAND", ComRange(dt.datetime(2026, 11, 1)), *ATTENDANCE, MISSING, MISSING) == (
        "#VALUE! value: 不支持的类型 datetime")
    assert call("KPI_BAND", "85%", ComRange(((90.0, 80.0),)), ((2.0, 1.0),), MISSING, MISSING).startswith(
        "#VALUE! value, thresholds: '85%' 是百分数")


def test_a_fault_is_text_in_classic_xlwings(call):
    # classic xlwings cannot return a real error: the cell holds the text (ISERROR is FALSE)
    for result in (call("KPI_LEVEL", 6.0, MISSING), call("KPI_DEDUCT", -1.0, 2.0, 10.0, MISSING),
                   call("KPI_BAND", "abc", *ATTENDANCE, MISSING, MISSING)):
        assert isinstance(result, str) and result.split(" ", 1)[0] in CODES
