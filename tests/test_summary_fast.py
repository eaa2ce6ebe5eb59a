"""The summary's fast path (`xlkpi.month.table_xml`) against XlsxWriter's public API.

The fast path writes the tables' rows as sheet XML into XlsxWriter's package, relying on how one
XlsxWriter release lays out that package. These tests fail on any other release, so that an
upgrade is checked here before a clerk meets it: compare the two outputs with the new release
(below) and add it to `table_xml.VERIFIED`, or leave it out (the summary is then written through
the public API only, several times slower; see the benchmark's summary workbook figure).
"""

from __future__ import annotations

import io
import math
import zipfile

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from xlkpi.base.errors import Problem
from xlkpi.month import table_xml
from xlkpi.month.summary import summary_bytes

# Not "_x0009_x000A_": the fast path keeps both overlapping escapes literal, XlsxWriter's own escaping
# (one regular-expression pass) only the first, so Excel would show its second half as a line break.
TEXTS = ["  leading spaces", "trailing spaces  ", "a & b < c > d", "_x0041_ stays literal", "_x0009_ and _x000A_",
         "两行\n文本", "tab\there", "control \x01\x1f chars", "\ufffe odd", "普通文本", " ", "x" * 40000,
         "名" * 20000, "😀" * 17000, "=1+2", "http://example.com", "007"]
NUMBERS = [74.72, 0.1 + 0.2, math.nan, 100, -0.0, 1e-20, 123456789.123456789, 3, None, 2 ** 53 + 1, True, False]


def _frame(count: int) -> pd.DataFrame:
    forms = [("dianhua_zhuanyuan", "电话专员"), ("kefu_zhuanyuan", "客服专员"), ("hujiao_jingli", "呼叫中心经理")]
    rows = []
    for number in range(count):
        form, form_name = forms[number % 3]
        rows.append({
            "hdr_employee_id": f"E{number:03d}", "hdr_name": TEXTS[number % len(TEXTS)],
            "hdr_department": ["客服部", "客服部&售后", "呼叫中心"][number % 4 % 3], "hdr_appraiser": "主管",
            "form": form, "form_name": form_name, "out_total": NUMBERS[number % len(NUMBERS)],
            "out_grade": ["C", None, "A", "优", "不合格"][number % 5], "out_pay": [200.0, None, -50.0][number % 3],
            "out_coefficient": [1.3, None, 0.4][number % 3], "out_status": ["已完成", "未完成（2 项未填）"][number % 2],
            "rank": [1, None, 2, 3][number % 4], "reward": [500, None, 300.0, 200][number % 4],
            "problems": number % 3, "file": f"客服部/E{number:03d}.xlsx",
            "out_call_volume": NUMBERS[(number + 3) % len(NUMBERS)],
        })
    return pd.DataFrame(rows)


def _both(monkeypatch, *args):
    made = []
    for fast in (True, False):
        monkeypatch.setattr(table_xml, "available", lambda fast=fast: fast)
        made.append(summary_bytes(*args))
    return made


def _inline_strings(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/")]
        return any(b'"inlineStr"' in package.read(name) for name in sheets)


def _style(cell):
    return (cell.data_type, cell.number_format, cell.font.name, cell.font.sz, cell.font.b, cell.border.left.style,
            cell.border.bottom.style, cell.fill.fgColor.rgb, cell.alignment.wrap_text, cell.alignment.vertical,
            cell.alignment.horizontal)


def test_installed_xlsxwriter_is_one_the_fast_path_was_checked_against():
    assert xlsxwriter.__version__ in table_xml.VERIFIED, (
        f"XlsxWriter {xlsxwriter.__version__} is not in table_xml.VERIFIED {table_xml.VERIFIED}: run "
        "tests/test_summary_fast.py with it and add it if the outputs agree")
    assert table_xml.available()


def test_fast_path_writes_what_the_public_api_writes(monkeypatch):
    frame = _frame(60)
    problems = [Problem(code, TEXTS[n % len(TEXTS)], file=f"f{n}.xlsx", sheet="电话专员" if n % 2 else None,
                        cell=f"F{n}" if n % 3 else None, name="in_x" if n % 4 else None)
                for n, code in enumerate(["blank", "out-of-range", "not-a-level"] * 15)]
    flags = {"E004": ["连续3个月低于70分", "连续两次低于35分"], "E010": [TEXTS[2]]}
    fast, public = _both(monkeypatch, frame, problems, "2026-11", flags)
    assert _inline_strings(public) and not _inline_strings(fast)  # the two ways really ran

    fast_values = CalamineWorkbook.from_filelike(io.BytesIO(fast))
    public_values = CalamineWorkbook.from_filelike(io.BytesIO(public))
    assert fast_values.sheet_names == public_values.sheet_names
    assert len(fast_values.sheet_names) == 1 + 3 + 3 + 1
    for name in fast_values.sheet_names:
        got = fast_values.get_sheet_by_name(name).to_python(skip_empty_area=False)
        expected = public_values.get_sheet_by_name(name).to_python(skip_empty_area=False)
        assert got == expected, name

    fast_book = openpyxl.load_workbook(io.BytesIO(fast))
    public_book = openpyxl.load_workbook(io.BytesIO(public))
    for fast_sheet, public_sheet in zip(fast_book.worksheets, public_book.worksheets):
        where = fast_sheet.title
        assert fast_sheet.dimensions == public_sheet.dimensions, where
        assert fast_sheet.freeze_panes == public_sheet.freeze_panes, where
        assert fast_sheet.auto_filter.ref == public_sheet.auto_filter.ref, where
        assert fast_sheet.print_title_rows == public_sheet.print_title_rows, where
        assert fast_sheet.page_setup.orientation == public_sheet.page_setup.orientation, where
        heights = [(r, fast_sheet.row_dimensions[r].height) for r in range(1, fast_sheet.max_row + 1)]
        assert heights == [(r, public_sheet.row_dimensions[r].height) for r in range(1, fast_sheet.max_row + 1)], where
        if where in ("汇总", "问题"):  # long texts in wrapped columns: rows taller than the default
            assert any(height for _, height in heights[2:]), where
        for fast_row, public_row in zip(fast_sheet.iter_rows(), public_sheet.iter_rows(), strict=True):
            for fast_cell, public_cell in zip(fast_row, public_row, strict=True):
                assert _style(fast_cell) == _style(public_cell), (where, fast_cell.coordinate)
                if fast_cell.data_type == "n":
                    assert repr(fast_cell.value) == repr(public_cell.value), (where, fast_cell.coordinate)


@pytest.mark.parametrize("count", [0, 1])
def test_small_months_agree_too(count, monkeypatch):
    fast, public = _both(monkeypatch, _frame(count), [], "2026-11")
    fast_values = CalamineWorkbook.from_filelike(io.BytesIO(fast))
    public_values = CalamineWorkbook.from_filelike(io.BytesIO(public))
    for name in fast_values.sheet_names:
        assert fast_values.get_sheet_by_name(name).to_python() == public_values.get_sheet_by_name(name).to_python()
