"""The summary workbook's tables: rows written as sheet XML read back as the values written."""

from __future__ import annotations

import io
import math

import openpyxl
import pandas as pd
import pytest

from xlkpi import summary
from xlkpi.errors import Problem
from xlkpi.summary import summary_bytes

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


@pytest.mark.parametrize("block", [None, 4], ids=["one block", "blocks of 4 rows"])
def test_table_rows_read_back_as_written(block, monkeypatch):
    if block:  # rows and shared strings made and compressed a few at a time
        monkeypatch.setattr(summary, "ROWS_PER_BLOCK", block)
        monkeypatch.setattr(summary, "TEXTS_PER_BLOCK", block)
    frame = _frame(13)
    problems = [Problem("blank", f"未填写：第 {n} 项。", file=f"f{n}.xlsx", sheet="电话专员", cell=f"F{n}",
                        name="in_x") for n in range(7)]
    flags = {"E004": ["连续3个月低于70分", "连续两次低于35分"]}
    book = openpyxl.load_workbook(io.BytesIO(summary_bytes(frame, problems, "2026-11", flags)))

    sheet = book["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    labels = rows[1]
    assert rows[0][0] == "2026-11 绩效考核汇总（共 13 人）"
    assert len(rows) == 2 + 13
    assert sheet.auto_filter.ref == f"A2:{sheet.cell(row=2, column=len(labels)).column_letter}15"
    assert sheet.freeze_panes == "A3"
    for number, row in enumerate(rows[2:]):
        record = dict(zip(labels, row))
        assert record["工号"] == f"E{number:03d}"
        assert record["姓名"] == TEXTS[number % len(TEXTS)]
        total = [74.72, 0.1 + 0.2, None, 100][number % 4]
        assert record["总分"] == (None if total is None else float(f"{total:.16G}"))
        assert record["部门内排名"] == [1, None, 2, 3][number % 4]
        assert record["奖励（元）"] == [500, None, 300, 200][number % 4]
        assert record["预警"] == ("连续3个月低于70分；连续两次低于35分" if number == 4 else "")
    number_cell = sheet.cell(row=3, column=labels.index("总分") + 1)
    text_cell = sheet.cell(row=3, column=labels.index("姓名") + 1)
    assert number_cell.number_format == "0.00" and number_cell.border.left.style == "thin"
    assert text_cell.number_format == "General" and text_cell.border.left.style == "thin"

    detail = list(book["电话专员明细"].iter_rows(values_only=True))
    assert len(detail) == 1 + 13 and detail[1][:3] == ("E000", TEXTS[0], "客服部")

    listed = list(book["问题"].iter_rows(min_row=2, values_only=True))
    assert listed == [(p.file, p.sheet, p.cell, p.name, p.code, p.message) for p in problems]


def test_detail_sheets_take_their_form_rows_block_by_block(monkeypatch):
    monkeypatch.setattr(summary, "ROWS_PER_BLOCK", 2)
    frame = _frame(11)
    other = frame.index % 3 == 1
    frame.loc[other, "form"], frame.loc[other, "form_name"] = "hujiao_jingli", "呼叫中心经理"
    book = openpyxl.load_workbook(io.BytesIO(summary_bytes(frame, [], "2026-11")))
    for form_id, title in (("dianhua_zhuanyuan", "电话专员明细"), ("hujiao_jingli", "呼叫中心经理明细")):
        rows = list(book[title].iter_rows(min_row=2, values_only=True))
        expected = frame[frame["form"] == form_id]
        assert [row[:3] for row in rows] == list(zip(expected["hdr_employee_id"], expected["hdr_name"],
                                                     expected["hdr_department"]))
    listed = [row[0] for row in book["汇总"].iter_rows(min_row=3, values_only=True)]
    assert listed == frame["hdr_employee_id"].tolist()
