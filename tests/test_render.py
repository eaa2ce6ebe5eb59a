"""The structure of a rendered workbook, read back with openpyxl.

Defined names, cell protection, data validations, number formats, print
setup, the hidden `_xlkpi` sheet and document properties; header texts that
look like formulas stay text; bad months, unknown forms and existing files are
refused with messages that say what is expected.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.protection import hash_password

import xlkpi
from xlkpi.base.errors import FormError, UsageError
from xlkpi.workbook.layout import META_SHEET, a1, build_layout, col_letter, safe_sheet_title

from .sheetvalues import defined_cells, layout_cells

FORMS = sorted(xlkpi.builtin_forms())
DIALECTS = ("native", "udf")
BOOKS = pytest.mark.parametrize("key", [(f, d) for f in FORMS for d in DIALECTS], ids="-".join)
EMPLOYEE = {"name": "张三", "employee_id": "E001", "department": "客服部", "month": "2026-11",
            "appraiser": "李四"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def render(form_id, **options):
    return xlkpi.render_workbook(form_id, **{**EMPLOYEE, **options})


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def books():
    """{(form id, dialect): (workbook, layout)}."""
    return {(form_id, dialect): (load(render(form_id, dialect=dialect)), build_layout(xlkpi.get_form(form_id)))
            for form_id in FORMS for dialect in DIALECTS}


def validation_of(sheet, coordinate):
    found = [dv for dv in sheet.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) == 1, f"{coordinate}: {len(found)} data validations"
    return found[0]


def number(text) -> float:
    return float(str(text).strip('"'))


# ----------------------------------------------------------------- names and protection
@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_defined_name_points_at_its_cell(form_id, dialect):
    data = render(form_id, dialect=dialect)
    assert defined_cells(io.BytesIO(data)) == layout_cells(xlkpi.get_form(form_id))


@BOOKS
def test_only_inputs_are_unlocked_and_the_sheet_is_protected(books, key):
    workbook, layout = books[key]
    sheet = workbook[layout.sheet]
    inputs = {a1(*cell) for name, cell in layout.cells.items() if name.startswith("in_")}
    inputs.add(layout.cell("hdr_appraiser"))  # the clerk types the appraiser's name
    unlocked = {cell.coordinate for row in sheet.iter_rows() for cell in row
                if not isinstance(cell, MergedCell) and not cell.protection.locked}
    assert unlocked == inputs
    with_value = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert with_value and all(cell.protection.locked for cell in with_value if cell.coordinate not in inputs)
    assert sheet.protection.sheet
    assert sheet.protection.password is None


def test_a_password_protects_the_sheet():
    workbook = load(render("kefu_zhuanyuan", password="x"))
    protection = workbook["客服专员"].protection
    assert protection.sheet
    assert protection.password == hash_password("x")


# ----------------------------------------------------------------- validations and formats
@BOOKS
def test_every_input_has_a_dropdown_or_a_range(books, key):
    workbook, layout = books[key]
    sheet = workbook[layout.sheet]
    for spec in layout.form.input_specs():
        coordinate = layout.cell(spec.name)
        validation = validation_of(sheet, coordinate)
        assert validation.showInputMessage and CHINESE.search(validation.prompt), (coordinate, validation.prompt)
        assert validation.showErrorMessage and CHINESE.search(validation.error), coordinate
        if spec.kind in ("choice", "level", "rating"):
            assert validation.type == "list", coordinate
            offered = validation.formula1.strip('"').split(",")
            if spec.kind == "choice":
                assert offered == list(spec.allowed)
            else:
                assert [float(value) for value in offered] == [float(value) for value in spec.allowed]
            continue
        assert validation.type == ("whole" if spec.integer else "decimal"), coordinate
        low = 0 if spec.low is None else spec.low
        if spec.high is None:
            assert validation.operator == "greaterThanOrEqual", coordinate
            assert number(validation.formula1) == low
        else:
            assert validation.operator in (None, "between"), coordinate
            assert (number(validation.formula1), number(validation.formula2)) == (low, spec.high)


@pytest.mark.parametrize("form_id", FORMS)
def test_percentage_inputs_are_formatted_as_percentages(books, form_id):
    workbook, layout = books[(form_id, "native")]
    sheet = workbook[layout.sheet]
    for spec in layout.form.input_specs():
        shown = sheet[layout.cell(spec.name)].number_format
        assert (shown == "0.0%") == spec.percent, (spec.name, shown)


def test_some_inputs_are_percentages():
    assert any(spec.percent for spec in xlkpi.get_form("hujiao_jingli").input_specs())


# ----------------------------------------------------------------- printing
@pytest.mark.parametrize("form_id", FORMS)
def test_print_setup(books, form_id):
    workbook, layout = books[(form_id, "native")]
    sheet = workbook[layout.sheet]
    assert int(sheet.page_setup.paperSize) == 9  # A4
    # a print scale of its own (readable: 90 % or more), not the program's fit-to-page
    assert not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.scale or 100) >= 90  # 100 is the default and may be left out
    last = f"${col_letter(layout.ncols - 1)}${layout.last_row + 1}"
    assert sheet.print_area == f"'{layout.sheet}'!$A$1:{last}"
    first, end = layout.rows["table_header"] + 1, layout.rows["table_start"]
    assert sheet.print_title_rows == f"${first}:${end}"


# ----------------------------------------------------------------- what the workbook records
@pytest.mark.parametrize("form_id", FORMS)
def test_meta_sheet_and_custom_properties_record_the_workbook(books, form_id):
    workbook, layout = books[(form_id, "native")]
    expected = {"form_id": form_id, "form_version": str(layout.form.version), "employee_id": "E001",
                "month": "2026-11", "xlkpi_version": xlkpi.__version__}
    meta = workbook[META_SHEET]
    assert meta.sheet_state == "hidden"
    recorded = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert recorded.items() >= expected.items()
    properties = {prop.name: prop.value for prop in workbook.custom_doc_props.props}
    assert properties.items() >= {f"xlkpi_{key}": value for key, value in expected.items()}.items()


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+8613800000000", "-1", "@SUM(A1)"])
def test_header_texts_that_look_like_formulas_stay_text(text):
    fields = ("name", "employee_id", "department", "appraiser")
    for dialect in DIALECTS:
        workbook = load(render("kefu_zhuanyuan", dialect=dialect, **{field: text for field in fields}))
        layout = build_layout(xlkpi.get_form("kefu_zhuanyuan"))
        for field in fields:
            cell = workbook[layout.sheet][layout.cell(f"hdr_{field}")]
            assert (cell.value, cell.data_type) == (text, "s"), (dialect, field)


# ----------------------------------------------------------------- refusals
@pytest.mark.parametrize("month", ["2026-13", "2026/11"])
def test_a_bad_month_is_refused(month):
    with pytest.raises(UsageError, match="YYYY-MM"):
        render("kefu_zhuanyuan", month=month)


def test_an_unknown_form_lists_the_known_ones():
    with pytest.raises(FormError) as raised:
        render("no_such_form")
    for form_id in FORMS:
        assert form_id in str(raised.value)


@pytest.mark.parametrize("title, expected", [
    ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"),
    ("x" * 40, "x" * 31),
    ("客服" * 20, ("客服" * 20)[:31]),
    ("考核/2026[11]:*?\\" + "长" * 30, ("考核_2026_11_____" + "长" * 30)[:31]),
])
def test_safe_sheet_title(title, expected):
    assert safe_sheet_title(title) == expected
    assert len(safe_sheet_title(title)) <= 31


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    path = tmp_path / "张三.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(UsageError):
        render("kefu_zhuanyuan", out=path)
    assert path.read_bytes() == b"old"
    assert render("kefu_zhuanyuan", out=path, force=True) == path
    assert load(path.read_bytes())["客服专员"]["A1"].value == "客服部绩效考核表"
    assert [entry.name for entry in tmp_path.iterdir()] == ["张三.xlsx"]
