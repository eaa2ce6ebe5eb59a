"""The summary workbook: every value read back as written (by calamine, which reads inline strings
as Excel does), in the format of what it is, each sheet set up to print on A4; on the fast path
(`table_xml`) and through XlsxWriter's public API alike."""

from __future__ import annotations

import io
import math
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from xlkpi.base.errors import Problem
from xlkpi.month import summary, table_xml
from xlkpi.month.summary import axis_step, summary_bytes

TEXTS = ["  leading spaces", "trailing spaces  ", "a & b < c > d", "_x0041_ stays literal", "两行\n文本", "普通文本"]


def _frame(count: int) -> pd.DataFrame:
    rows = []
    for number in range(count):
        rows.append({
            "hdr_employee_id": f"E{number:03d}", "hdr_name": TEXTS[number % len(TEXTS)], "hdr_department": "客服部",
            "hdr_appraiser": "主管", "form": "dianhua_zhuanyuan", "form_name": "电话专员",
            "out_total": [74.72, 0.1 + 0.2, math.nan, 100][number % 4], "out_grade": ["C", None, "A", "B"][number % 4],
            "out_status": "已完成", "rank": [1, None, 2, 3][number % 4], "reward": [500, None, 300.0, 200][number % 4],
            "problems": number % 3, "file": f"客服部/E{number:03d}.xlsx",
        })
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True, params=["fast path", "public API"])
def path(request, monkeypatch):
    """Every test on both ways of writing the tables' rows."""
    fast = request.param == "fast path"
    monkeypatch.setattr(table_xml, "available", lambda: fast)
    return request.param


def _values(data: bytes, sheet: str) -> list:
    """A sheet's rows as calamine reads them (blanks as None; whole floats as ints compare equal)."""
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [tuple(None if value == "" else value for value in row) for row in rows]


@pytest.mark.parametrize("block", [None, 4], ids=["one block", "blocks of 4 rows"])
def test_table_rows_read_back_as_written(block, monkeypatch):
    if block:  # rows made, deflated and their texts added a few at a time
        monkeypatch.setattr(summary, "ROWS_PER_BLOCK", block)
        monkeypatch.setattr(table_xml, "ROWS_PER_BLOCK", block)
        monkeypatch.setattr(table_xml, "TEXTS_PER_BLOCK", block)
    frame = _frame(13)
    problems = [Problem("blank", f"未填写：第 {n} 项。", file=f"f{n}.xlsx", sheet="电话专员", cell=f"F{n}",
                        name="in_x") for n in range(7)]
    flags = {"E004": ["连续3个月低于70分", "连续两次低于35分"]}
    data = summary_bytes(frame, problems, "2026-11", flags)

    rows = _values(data, "汇总")
    labels = rows[1]
    assert rows[0][0] == "2026-11 绩效考核汇总（共 13 人）"
    assert len(rows) == 2 + 13
    for number, row in enumerate(rows[2:]):
        record = dict(zip(labels, row))
        assert record["工号"] == f"E{number:03d}"
        assert record["姓名"] == TEXTS[number % len(TEXTS)]
        total = [74.72, 0.1 + 0.2, None, 100][number % 4]
        assert record["总分"] == (None if total is None else float(f"{total:.16G}"))
        assert record["部门内排名"] == [1, None, 2, 3][number % 4]
        assert record["奖励（元）"] == [500, None, 300, 200][number % 4]
        assert record["预警"] == ("连续3个月低于70分；连续两次低于35分" if number == 4 else None)
        assert record["问题数"] == number % 3

    detail = _values(data, "电话专员明细")
    assert len(detail) == 1 + 13 and detail[1][:3] == ("E000", TEXTS[0], "客服部")

    listed = _values(data, "问题")
    assert listed[0] == ("文件", "工作表", "单元格", "说明", "代码", "名称")
    assert listed[1:] == [(p.file, p.sheet, p.cell, p.message, p.code, p.name) for p in problems]


def test_formats_filter_and_frozen_header():
    frame = _frame(13)
    frame.loc[3, "form"], frame.loc[3, "form_name"], frame.loc[3, "out_pay"] = "kefu_zhuanyuan", "客服专员", 200.0
    book = openpyxl.load_workbook(io.BytesIO(summary_bytes(frame, [], "2026-11")))
    sheet = book["汇总"]
    labels = [cell.value for cell in sheet[2]]
    assert sheet.auto_filter.ref == f"A2:{sheet.cell(row=2, column=len(labels)).column_letter}15"
    assert sheet.freeze_panes == "C3"

    def shown(label, row=3):
        cell = sheet.cell(row=row, column=labels.index(label) + 1)
        assert cell.border.left.style == "thin", label
        return cell.number_format

    assert shown("总分") == "0.00"
    assert shown("部门内排名") == "0" and shown("问题数") == "0"
    assert "元" in shown("奖励（元）") and ".00" in shown("奖励（元）") and "元" in shown("绩效金额（元）", row=6)
    assert shown("姓名") == "General" and shown("考核等级") == "General"
    detail = book["电话专员明细"]
    detail_labels = [cell.value for cell in detail[1]]
    assert detail.cell(row=2, column=detail_labels.index("部门内排名") + 1).number_format == "0"
    assert detail.freeze_panes == "C2"


def test_every_sheet_prints_on_a4_fitted_to_width_with_its_header_repeated():
    frame = _frame(13)
    frame.loc[3, "hdr_department"] = "投诉组"
    book = openpyxl.load_workbook(io.BytesIO(summary_bytes(frame, [Problem("blank", "未填写。", file="f.xlsx")],
                                                           "2026-11")))
    assert book.sheetnames == ["汇总", "电话专员明细", "客服部", "投诉组", "问题"]
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0, sheet.title  # default 1
        assert "&P" in sheet.oddFooter.center.text, sheet.title
    orientation = {sheet.title: sheet.page_setup.orientation for sheet in book.worksheets}
    assert orientation == {"汇总": "landscape", "电话专员明细": "landscape", "客服部": "portrait", "投诉组": "portrait",
                           "问题": "landscape"}
    assert book["汇总"].print_title_rows == "$2:$2"
    assert book["电话专员明细"].print_title_rows == "$1:$1" and book["问题"].print_title_rows == "$1:$1"


def test_a_long_text_in_a_wrapped_column_makes_its_row_tall_enough():
    short, long = "未填写：考勤。", "计算公式被改成了数值 85；已按输入重新计算为 90。" * 3  # 75 characters: 3 lines of 28
    problems = [Problem("blank", message, file="f.xlsx") for message in (short, long, "第一行\n第二行")]
    book = openpyxl.load_workbook(io.BytesIO(summary_bytes(_frame(2), problems, "2026-11")))
    sheet = book["问题"]
    heights = [sheet.row_dimensions[row].height for row in (2, 3, 4)]
    assert heights[0] is None  # one line: the default height
    assert heights[1] >= 3 * 12 and heights[2] >= 2 * 12  # points: three lines, two lines
    assert sheet.cell(row=3, column=4).alignment.wrap_text


def test_department_chart_counts_whole_people_and_its_unfinished_row():
    frame = _frame(40)  # 30 with a grade, 10 without (未完成)
    data = summary_bytes(frame, [], "2026-11")
    rows = _values(data, "客服部")
    block = {row[0]: row[1] for row in rows[3:8]}
    assert block == {"A": 10, "B": 10, "C": 10, "D": 0, "未完成": 10}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        chart = package.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:strRef><c:f>'客服部'!$A$4:$A$8</c:f><c:strCache>" in chart  # text categories, cached
    assert "<c:v>未完成</c:v>" in chart and "<c:numCache>" in chart
    categories, values = re.findall(r"<c:f>'?客服部'?!\$([AB])\$(\d+):\$[AB]\$(\d+)</c:f>", chart)
    unfinished = 1 + next(index for index, row in enumerate(rows) if row[0] == "未完成")
    assert categories[1:] == values[1:] == (str(unfinished - 4), str(unfinished))
    step = float(re.search(r'<c:valAx>.*<c:majorUnit val="([^"]+)"/>', chart).group(1))
    assert step == int(step) >= 1
    axis = re.search(r"<c:valAx>.*</c:valAx>", chart).group()
    assert '<c:min val="0"/>' in axis and '<c:numFmt formatCode="0" sourceLinked="0"/>' in axis


@pytest.mark.parametrize("largest, step", [(0, 1), (1, 1), (7, 1), (10, 1), (11, 2), (20, 2), (21, 5), (50, 5),
                                            (51, 10), (101, 20), (400, 50), (1001, 200)])
def test_axis_step_is_whole_and_gives_at_most_ten_steps(largest, step, path):
    assert axis_step(largest) == step


def test_detail_sheets_take_their_form_rows_block_by_block(monkeypatch):
    monkeypatch.setattr(summary, "ROWS_PER_BLOCK", 2)
    frame = _frame(11)
    other = frame.index % 3 == 1
    frame.loc[other, "form"], frame.loc[other, "form_name"] = "hujiao_jingli", "呼叫中心经理"
    data = summary_bytes(frame, [], "2026-11")
    for form_id, title in (("dianhua_zhuanyuan", "电话专员明细"), ("hujiao_jingli", "呼叫中心经理明细")):
        rows = _values(data, title)[1:]
        expected = frame[frame["form"] == form_id]
        assert [row[:3] for row in rows] == list(zip(expected["hdr_employee_id"], expected["hdr_name"],
                                                     expected["hdr_department"]))
    listed = [row[0] for row in _values(data, "汇总")[2:]]
    assert listed == frame["hdr_employee_id"].tolist()


def test_a_header_row_is_as_tall_as_its_longest_label_wraps():
    frame = _frame(3)
    frame["form"], frame["form_name"] = "hujiao_jingli", "呼叫中心经理"
    book = openpyxl.load_workbook(io.BytesIO(summary_bytes(frame, [], "2026-11")))
    sheet = book["呼叫中心经理明细"]
    labels = [cell.value for cell in sheet[1]]
    assert "呼叫中心业务计划完成率" in labels  # 11 characters in a column 8 wide: three lines
    assert sheet.column_dimensions["D"].width < 10 and sheet.row_dimensions[1].height >= 3 * 12
