"""The quarter's report printed through LibreOffice: every page A4, the wide sheets landscape,
no table split by columns (each page of a table carries its first and last column), the
header row of 期间汇总 repeated on every page, and a few pages in all."""

from __future__ import annotations

import re
import subprocess

import pytest

from xlkpi.month.report import period_report
from xlkpi.month.report_book import write_report
from xlkpi.office.libreoffice import convert

from .pdfcheck import poppler
from .test_report import ledger  # noqa: F401  (the twelve months' ledger)

pytestmark = pytest.mark.xdist_group("libreoffice")

A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)


@pytest.fixture(scope="module")
def printed(ledger, tmp_path_factory):  # noqa: F811
    """The quarter's report and its PDF's pages: [(width, height) in points, text]."""
    folder = tmp_path_factory.mktemp("report-print")
    workbook = write_report(folder / "2026-Q4_期间汇总.xlsx", period_report("2026-Q4", ledger))
    return pages(convert([workbook], folder / "pdf", "pdf")[0])


def pages(pdf) -> list:
    info = subprocess.run([poppler("pdfinfo"), "-l", "999", pdf], capture_output=True, text=True, check=True).stdout
    sizes = [tuple(round(float(number)) for number in found)
             for found in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    text = subprocess.run([poppler("pdftotext"), "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    texts = text.split("\f")[:len(sizes)]
    assert len(texts) == len(sizes)
    return list(zip(sizes, texts))


def test_every_page_is_a4(printed, soffice):
    assert {size for size, _ in printed} <= {A4_PORTRAIT, A4_LANDSCAPE}
    assert len(printed) <= 8  # five sheets, 14 people: a few pages, not dozens of column slices


def test_tables_are_not_split_by_columns(printed, soffice):
    summary = [text for _, text in printed if "计入月数" in text]  # a header of 期间汇总 alone
    assert summary, "期间汇总 was not printed"
    for text in summary:  # the first and the last column's headers on every page of the table
        assert "工号" in text and "预警" in text
    rewards = [text for _, text in printed if "评比奖励" in text]
    assert rewards and all("工号" in text and "说明" in text for text in rewards)
    changes = [text for _, text in printed if "更正与撤回" in text and "原因" in text]
    assert changes and all("月份" in text and "原因" in text for text in changes)


def test_the_wide_sheets_print_landscape(printed, soffice):
    summary = next(size for size, text in printed if "计入月数" in text)
    departments = next(size for size, text in printed if "部门比较（年终评优）" in text)
    rules = next(size for size, text in printed if "本报表使用的规则" in text)
    assert (summary, departments, rules) == (A4_LANDSCAPE, A4_LANDSCAPE, A4_PORTRAIT)
    # the department comparison's tables and the best department all on its page
    page = next(text for _, text in printed if "部门比较（年终评优）" in text)
    assert "最佳部门：呼叫中心、售后部（并列）" in page and "分岗位比较" in page
