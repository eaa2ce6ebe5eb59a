"""Printing to PDF through LibreOffice: `xlkpi render --pdf` and `xlkpi generate --pdf`.

Each PDF is one A4 page beside its workbook. A udf workbook is printed from its native
twin, so no computed cell prints as #NAME? (LibreOffice cannot run KPI_*).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import xlkpi

from .cli import run_cli

pytestmark = pytest.mark.xdist_group("libreoffice")

A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)


def pages(data: bytes) -> tuple:
    """(page count, the set of page sizes in points, rounded) of a PDF LibreOffice wrote."""
    assert data.startswith(b"%PDF-")
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    sizes = {tuple(round(float(number)) for number in box.split()[2:])
             for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    return count, sizes


def a4_page(form_key: str) -> tuple:
    """One A4 page, turned as the form's definition asks."""
    return 1, {A4_LANDSCAPE if xlkpi.get_form(form_key).landscape else A4_PORTRAIT}


def text_of(path) -> str | None:
    """The PDF's text through pdftotext (poppler-utils); None on a developer machine without it.
    CI installs it (.ci/run): there, its absence is a failure."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is required in CI: .ci/run installs poppler-utils")
        return None
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


@pytest.mark.parametrize("dialect", ["native", "udf"])
def test_render_pdf(tmp_path, soffice, dialect):
    suffix = ".xlsm" if dialect == "udf" else ".xlsx"
    out = tmp_path / f"张三{suffix}"
    result = run_cli("render", "--form", "电话专员", "--name", "张三", "--employee-id", "E1", "--department",
                     "呼叫中心", "--month", "2026-11", "--dialect", dialect, "--out", out, "--pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "张三.pdf"
    assert result.stdout.splitlines() == [f"已生成 {out}", f"已生成 {pdf}"]
    assert pages(pdf.read_bytes()) == a4_page("电话专员")
    text = text_of(pdf)
    if text is not None:
        assert "张三" in text and "E1" in text and "#NAME?" not in text


def test_render_pdf_keeps_an_existing_pdf(tmp_path, soffice):
    (tmp_path / "a.pdf").write_bytes(b"mine")
    result = run_cli("render", "--form", "客服专员", "--name", "张三", "--employee-id", "E1", "--department",
                     "客服部", "--month", "2026-11", "--out", tmp_path / "a.xlsx", "--pdf")
    assert result.exit_code != 0
    assert "已存在" in result.stderr
    assert (tmp_path / "a.pdf").read_bytes() == b"mine"


@pytest.mark.parametrize("dialect", ["native", "udf"])
def test_generate_pdf(tmp_path, soffice, dialect):
    roster = tmp_path / "roster.csv"
    roster.write_text("工号,姓名,部门,岗位,考核人\nE1,甲,客服部,客服专员,陈\nE2,乙,呼叫中心,电话专员,林\n"
                      "E3,丙,呼叫中心,呼叫中心经理,林\n", encoding="utf-8")
    result = run_cli("generate", "--month", "2026-11", "--roster", roster, "--out", tmp_path / "out",
                     "--dialect", dialect, "--pdf")
    assert result.exit_code == 0, result.output
    assert "已打印 PDF：3 份" in result.stdout
    suffix = ".xlsm" if dialect == "udf" else ".xlsx"
    workbooks = sorted((tmp_path / "out").rglob(f"*{suffix}"))
    assert len(workbooks) == 3
    for workbook in workbooks:
        pdf = workbook.with_suffix(".pdf")
        assert pages(pdf.read_bytes()) == a4_page(workbook.stem.split("_")[2])
        text = text_of(pdf)
        if text is not None:
            assert workbook.stem.split("_")[1] in text  # the employee's name
            assert "#NAME?" not in text
    assert sorted(path.name for path in (tmp_path / "out").rglob("*")
                  if path.is_file() and path.suffix not in (suffix, ".pdf")
                  and path.name != ".xlkpi-generated.json") == []  # generate's record of what it wrote
