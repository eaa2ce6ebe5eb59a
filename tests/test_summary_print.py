"""The summary of a small month (the demo roster's 12 people) printed through LibreOffice: a few
A4 pages, none of its tables split by columns, every page of a table headed by the table's header;
and its 问题 sheet, where an untouched workbook is one line."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

import xlkpi
from xlkpi.month.batch import generate_month
from xlkpi.month.collect import collect_month
from xlkpi.month.summary import summary_bytes, write_summary
from xlkpi.office.libreoffice import convert
from xlkpi.rules.sampling import random_filling
from xlkpi.workbook.render import render_workbook

from .pdfcheck import poppler

MONTH = "2026-11"
UNTOUCHED, PART_FILLED = 3, 5  # positions among the month's workbooks, sorted by path


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The demo month: 12 workbooks, filled at random but one untouched and one partly blank; its
    summary. Returns (summary path, untouched workbook, partly filled workbook, problems)."""
    root = tmp_path_factory.mktemp("summary-month")
    report = generate_month(None, MONTH, root / "out", jobs=1)
    rng = random.Random(7)
    paths = sorted(Path(p) for p in report.written)
    assert len(paths) == 12
    for index, path in enumerate(paths):
        if index == UNTOUCHED:
            continue
        employee_id, name, position = path.stem.split("_")[:3]
        form = xlkpi.get_form(position)
        render_workbook(form, name=name, employee_id=employee_id, department=path.parent.name, month=MONTH,
                        appraiser="主管", values=random_filling(form, rng, blank_rate=0.3 if index == PART_FILLED else 0),
                        out=path, force=True)
    frame, problems = collect_month(root / "out" / MONTH, MONTH, jobs=1)
    summary = write_summary(root / "summary.xlsx", frame, problems, MONTH)
    return summary, paths[UNTOUCHED], paths[PART_FILLED], problems, frame


def test_an_untouched_workbook_is_one_problem_line(month):
    summary, untouched, part_filled, problems, _ = month
    of = lambda path: [p for p in problems if Path(p.file).name == path.name]  # noqa: E731
    lines = of(untouched)
    assert len(lines) == 1 and lines[0].code == "blank" and "整张考核表都是空白" in lines[0].message
    assert lines[0].sheet and lines[0].cell and not lines[0].name
    assert len(of(part_filled)) > 1 and not any("整张" in p.message for p in of(part_filled))  # item by item
    listed = CalamineWorkbook.from_path(str(summary)).get_sheet_by_name("问题").to_python()
    assert listed[0] == ["文件", "工作表", "单元格", "说明", "代码", "名称"]
    assert sum(1 for row in listed if row[0] and Path(row[0]).name == untouched.name) == 1


@pytest.mark.xdist_group("libreoffice")
@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "public API"])
def test_summary_prints_on_few_a4_pages_with_no_table_split_by_columns(month, soffice, tmp_path, fast):
    summary, problems, frame = month[0], month[3], month[4]
    if not fast:
        summary = tmp_path / "public" / summary.name
        summary.parent.mkdir()
        summary.write_bytes(summary_bytes(frame, problems, MONTH, fast=False))
    pdftotext, pdfinfo = poppler("pdftotext"), poppler("pdfinfo")
    pdf = convert([summary], tmp_path, "pdf")[0]
    info = subprocess.run([pdfinfo, "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    book = CalamineWorkbook.from_path(str(summary))
    sheets = book.sheet_names
    # before the page setup: 24 pages (the 汇总 table alone split over 4 by its columns)
    assert len(sizes) == len(sheets), "each sheet of a 12-person month on one page"
    texts = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    for number, (sheet, (width, height), text) in enumerate(zip(sheets, sizes, texts), start=1):
        assert {round(float(width)), round(float(height))} == {595, 842}, (number, "A4")
        rows = book.get_sheet_by_name(sheet).to_python()
        header = rows[1] if sheet == "汇总" else rows[0]
        if "人数" in rows[2]:  # a department: its blocks, each with its 未完成 row, in its table and its chart
            assert text.count("未完成") == 2 * sum(1 for row in rows if row[0] == "未完成"), sheet
            assert round(float(width)) == 595, (sheet, "portrait")
            continue
        assert header[0] in text and header[-1] in text, (sheet, "the first and last column on the page")
        assert round(float(width)) == 842, (sheet, "landscape")


@pytest.mark.xdist_group("libreoffice")
def test_a_long_table_repeats_its_header_on_every_page(soffice, tmp_path):
    import pandas as pd

    from xlkpi.base.errors import Problem

    pdftotext = poppler("pdftotext")
    frame = pd.DataFrame([{"hdr_employee_id": f"E{n:03d}", "hdr_name": f"员工{n}", "hdr_department": "客服部",
                           "hdr_appraiser": "主管", "form": "dianhua_zhuanyuan", "form_name": "电话专员",
                           "out_total": 80.5, "out_grade": "B", "out_status": "已完成", "rank": n + 1, "reward": None,
                           "problems": 0, "file": f"客服部/E{n:03d}.xlsx"} for n in range(150)])
    problems = [Problem("blank", "未填写：整张考核表都是空白（7 个考核项目均未填写）。", file=f"客服部/E{n:03d}.xlsx",
                        sheet="电话专员", cell="F5") for n in range(150)]
    summary = write_summary(tmp_path / "long.xlsx", frame, problems, MONTH)
    pdf = convert([summary], tmp_path / "pdf", "pdf")[0]
    pages = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    summary_pages = [page for page in pages if "部门内排名" in page and "预警" in page]
    problem_pages = [page for page in pages if "说明" in page and "代码" in page]
    assert len(summary_pages) >= 3 and len(problem_pages) >= 3  # 150 rows do not fit one page
    for page in summary_pages:
        assert "工号" in page and "文件" in page
    for page in problem_pages:
        assert "文件" in page and "名称" in page
