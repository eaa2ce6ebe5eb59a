"""The udf dialect, evaluated by a Python formula engine, agrees with xlkpi.score on every cell.

Each built-in form is rendered once in the udf dialect and compiled once by the
`formulas` engine with the KPI_* functions of `xlkpi.excel.udfs` registered through
`tests/udf_engine.py` (xlwings' argument conversion, Excel's ROUND). The
compiled workbook is then recalculated for 150 seeded fillings per form (band
boundaries, blanks, partial fillings, the LibreOffice test's generator), every
input on target, and a rounding tie; every `out_...` cell is compared with the
engine: text exactly, numbers after the form's rounding.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import openpyxl
import pytest
import schedula as sh
from formulas.tokens.operand import XlError

import xlkpi
from xlkpi.excel.udfs import KPI_BAND, KPI_DEDUCT, KPI_GRADE, KPI_RATERS
from xlkpi.rules.scoring import WRONG_ENTRY, excel_round
from xlkpi.workbook.layout import CONF_SHEET, build_layout
from xlkpi.workbook.render import MACRO_CONTENT_TYPE, XLSX_CONTENT_TYPE, Employee, build_workbook

from . import udf_engine
from .sheetvalues import mismatches
from .test_parity_libreoffice import fillings

FILLINGS_PER_FORM = 150
FORMS = sorted(xlkpi.builtin_forms())
EMPLOYEE = Employee("测试员", "T001", "客服部", "2026-11")
# 呼叫中心经理: 调研计划完成率 60.7%, every other KPI on target: the KPI subtotal is the
# double 94.10499999999999, which Excel's ROUND takes to 94.11 (formulas' own ROUND: 94.1).
ROUND_TIE = ("hujiao_jingli", {"in_survey_completion_actual": 0.607}, 94.11)


class Books:
    """Each form's udf workbook, rendered and compiled on first use (a pytest-xdist worker
    compiles only the forms its tests need)."""

    def __init__(self, folder):
        self.folder = folder
        self.data = {}
        self.compiled = {}

    def rendered(self, form_id) -> bytes:
        if form_id not in self.data:
            self.data[form_id] = build_workbook(xlkpi.get_form(form_id), EMPLOYEE, dialect="udf")
        return self.data[form_id]

    def __getitem__(self, form_id) -> udf_engine.UdfWorkbook:
        if form_id not in self.compiled:
            path = self.folder / f"{form_id}.xlsm"
            path.write_bytes(self.rendered(form_id))
            layout = build_layout(xlkpi.get_form(form_id))
            self.compiled[form_id] = udf_engine.UdfWorkbook(path, layout.sheet, layout.cells)
        return self.compiled[form_id]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    return Books(tmp_path_factory.mktemp("udf"))


def on_target(form):
    """Every actual equal to its target (each achievement 100)."""
    values = {spec.name: spec.default for spec in form.input_specs() if spec.role == "target"}
    values.update({spec.name: values[spec.name.replace("_actual", "_target")]
                   for spec in form.input_specs() if spec.role == "actual"})
    return values


# ----------------------------------------------------------------- the workbook really is the udf dialect
def test_out_cells_call_the_kpi_functions(books):
    sheet = openpyxl.load_workbook(io.BytesIO(books.rendered("kefu_zhuanyuan")))["客服专员"]
    layout = build_layout(xlkpi.get_form("kefu_zhuanyuan"))
    # each call inside the guard that leaves blanks blank and shows 填写有误 for a wrong entry
    assert ",KPI_BAND(in_attendance," in sheet[layout.cell("out_attendance")].value
    assert "KPI_BAND(" in books["kefu_zhuanyuan"].formula("out_attendance")
    assert books["kefu_zhuanyuan"].formula("out_pay").startswith("=KPI_GRADE(")
    assert "KPI_RATERS(" in books["dianhua_zhuanyuan"].formula("out_info_mgmt")
    assert "KPI_BLEND(" in books["dianhua_zhuanyuan"].formula("out_total")
    assert "KPI_ACHIEVE(" in books["hujiao_jingli"].formula("out_fcr")


@pytest.mark.parametrize("form_id", FORMS)
def test_package_is_macro_enabled(books, form_id):
    types = zipfile.ZipFile(io.BytesIO(books.rendered(form_id))).read("[Content_Types].xml").decode()
    assert MACRO_CONTENT_TYPE in types
    assert XLSX_CONTENT_TYPE not in types


@pytest.mark.parametrize("form_id", FORMS)
def test_xlwings_conf_sheet_names_the_udf_module_only(books, form_id):
    workbook = openpyxl.load_workbook(io.BytesIO(books.rendered(form_id)))
    filled = {cell.coordinate: cell.value for row in workbook[CONF_SHEET].iter_rows()
              for cell in row if cell.value is not None}
    assert filled == {"A1": "UDF Modules", "B1": "xlkpi.excel.udfs"}


# ----------------------------------------------------------------- the adapter
def test_arguments_arrive_as_xlwings_passes_them():
    assert udf_engine.to_xlwings(np.array([[sh.EMPTY]], object)) is None
    assert udf_engine.to_xlwings(np.array([[sh.EMPTY]], object), ndim2=True) == [[None]]
    assert udf_engine.to_xlwings(np.array([[3, sh.EMPTY]], object)) == [3.0, None]
    assert udf_engine.to_xlwings(np.array([[1], ["a"]], object)) == [1.0, "a"]
    assert udf_engine.to_xlwings(np.array([[0, np.array(-50.0)]], object), ndim2=True) == [[0.0, -50.0]]
    assert udf_engine.to_xlwings(np.array([[XlError("#N/A")]], object)) == "#N/A"
    assert udf_engine.to_xlwings(True) is True
    assert udf_engine.to_xlwings(0) == 0.0 and isinstance(udf_engine.to_xlwings(0), float)


def test_results_show_as_excel_shows_them():
    assert udf_engine.from_xlwings(None) == ""
    assert str(udf_engine.from_xlwings("#VALUE! value: 文本 'abc' 不是数字")) == "#VALUE!"
    assert udf_engine.from_xlwings(6.0) == 6.0
    assert udf_engine.from_xlwings([[1.0, None]]).tolist() == [[1.0, ""]]


def test_ndim2_arguments_are_read_from_the_decorators():
    assert udf_engine.ndim2_arguments(KPI_BAND) == {"value", "thresholds", "scores"}
    assert udf_engine.ndim2_arguments(KPI_RATERS) == {"scores", "weights"}
    assert udf_engine.ndim2_arguments(KPI_GRADE) == {"thresholds", "labels"}
    assert udf_engine.ndim2_arguments(KPI_DEDUCT) == set()


@pytest.mark.parametrize("value, digits, expected", [
    (1.005, 2, 1.01), (0.285, 2, 0.29), (94.10499999999999, 2, 94.11), (-1.005, 2, -1.01),
    (2.5, 0, 3.0), (-2.5, 0, -3.0), (1234.5678, 2, 1234.57),
])
def test_registered_round_is_excels(value, digits, expected):
    # formulas 1.3.4's own ROUND gives 1.0, 0.28, 94.1 and -1.0 for the first four.
    assert udf_engine.excel_round_function(value, digits) == expected == excel_round(value, digits)


def test_a_wrong_entry_shows_as_wrong_without_a_kpi_call(books):
    # the sheet refuses the entry before KPI_BAND sees it, as in the native dialect
    values = books["kefu_zhuanyuan"].calculate({"in_attendance": "abc"})
    assert values["out_attendance"] == "填写有误"
    assert values["out_personnel"] == ""
    assert values["out_status"] == "未完成：10 项未填，1 项填写有误"


def test_an_error_typed_into_an_input_is_shown_wrong_not_blanked(books):
    """An error in an input is an entry the sheet refuses (as collect does): 填写有误, never blank."""
    values = books["kefu_zhuanyuan"].calculate({"in_attendance": "#N/A"})
    assert values["out_attendance"] == WRONG_ENTRY


def test_round_tie_rounds_as_excel(books):
    form_id, values, expected = ROUND_TIE
    filling = {**on_target(xlkpi.get_form(form_id)), **values}
    assert xlkpi.score(form_id, filling)["out_kpi"] == expected
    assert books[form_id].calculate(filling)["out_kpi"] == expected


# ----------------------------------------------------------------- parity
@pytest.mark.parametrize("form_id", FORMS)
def test_every_computed_cell_equals_the_engine(books, form_id):
    form = xlkpi.get_form(form_id)
    cases = fillings(form, FILLINGS_PER_FORM, FORMS.index(form_id)) + [on_target(form)]
    if ROUND_TIE[0] == form_id:
        cases.append({**on_target(form), **ROUND_TIE[1]})
    failures = []
    sheets = []
    for index, filling in enumerate(cases):
        sheet = books[form_id].calculate(filling)
        sheets.append(sheet)
        wrong = mismatches(form, sheet, xlkpi.score(form, filling))
        if wrong:
            failures.append((index, filling, wrong))
    assert not failures, f"{len(failures)} of {len(cases)} fillings differ; first: {failures[0]}"
    # The fillings are not all alike: complete and partial ones, blank totals, several outcomes.
    assert {sheet["out_status"] == "已完成" for sheet in sheets} == {True, False}
    assert any(sheet["out_total"] == "" for sheet in sheets)
    for outcome in form.outcomes:
        reached = {sheet[f"out_{outcome.id}"] for sheet in sheets} - {""}
        assert len(reached) >= 2, (outcome.id, reached)
