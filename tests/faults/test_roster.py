"""Rosters as clerks save them: a stray quote, a line in another encoding, merged cells, formulas,
overlong texts, damaged files (causes 6, 12, 13, 14 and the Messages paragraph)."""

from __future__ import annotations

import io

import openpyxl
import pytest
import xlsxwriter

from tests.faults.workbooks import HEADER, write_roster
from xlkpi.base.errors import UsageError
from xlkpi.month.roster import read_roster

GOOD = "E{n},员工{n},客服部,电话专员,李四"


@pytest.mark.parametrize("count", [500, 5000])
def test_a_stray_quote_spoils_its_own_line_only(tmp_path, count):
    lines = [GOOD.format(n=n) for n in range(count)]
    lines[1] = 'E1,"员工1,客服部,电话专员,李四'
    entries, problems = read_roster(write_roster(tmp_path / "r.csv", lines))
    assert len(entries) == count - 1
    assert [(p.line, p.code) for p in problems] == [(3, "bad-quote")]
    assert "引号" in problems[0].message


def test_a_gbk_line_in_a_utf8_roster_is_reported_and_the_rest_read_as_utf8(tmp_path):
    path = tmp_path / "r.csv"
    text = "\n".join([HEADER, GOOD.format(n=1), GOOD.format(n=2)]) + "\n"
    path.write_bytes(text.encode("utf-8") + "E3,王五,客服部,电话专员,李四\n".encode("gbk"))
    entries, problems = read_roster(path)
    assert [entry.name for entry in entries] == ["员工1", "员工2"]
    assert [(p.line, p.code) for p in problems] == [(4, "bad-encoding")] and "UTF-8" in problems[0].message


def test_a_gbk_roster_is_read_as_gbk(tmp_path):
    path = write_roster(tmp_path / "r.csv", [GOOD.format(n=1)], encoding="gbk")
    entries, problems = read_roster(path)
    assert not problems and entries[0].name == "员工1" and entries[0].department == "客服部"


def test_merged_departments_and_appraisers_fill_every_row(tmp_path):
    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER.split(","))
    for row in range(1, 5):
        sheet.write_row(row, 0, [f"E{row}", f"员工{row}"])
        sheet.write(row, 3, "电话专员")
    sheet.merge_range(1, 2, 4, 2, "客服部")
    sheet.merge_range(1, 4, 4, 4, "李四")
    book.close()
    entries, problems = read_roster(path)
    assert not problems
    assert [(entry.department, entry.appraiser) for entry in entries] == [("客服部", "李四")] * 4


def test_a_blank_department_is_a_problem(tmp_path):
    entries, problems = read_roster(write_roster(tmp_path / "r.csv", ["E1,张三,,电话专员,李四"]))
    assert not entries and [(p.line, p.code) for p in problems] == [(2, "blank")] and "部门" in problems[0].message


def test_formulas_without_results_are_not_called_blank(tmp_path):
    path = tmp_path / "r.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(['="E"&1', "张三", "客服部", "电话专员", "李四"])
    book.save(path)  # openpyxl saves formulas without a result, as scripts do
    entries, problems = read_roster(path)
    assert not entries and [(p.line, p.code) for p in problems] == [(2, "uncalculated-formula")]


def test_a_text_longer_than_a_cell_can_hold_is_refused(tmp_path):
    entries, problems = read_roster(write_roster(tmp_path / "r.csv", ["E1,张三,客服部,电话专员," + "李" * 40000]))
    assert not entries and [(p.line, p.code) for p in problems] == [(2, "text-too-long")]


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04 truncated"])
def test_a_damaged_roster_workbook_is_told_in_chinese(tmp_path, content):
    path = tmp_path / "r.xlsx"
    path.write_bytes(content)
    with pytest.raises(UsageError) as raised:
        read_roster(path)
    assert "名册工作簿" in str(raised.value) and "r.xlsx" in str(raised.value) and "损坏" in str(raised.value)
