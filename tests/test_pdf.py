"""Printing to PDF through LibreOffice: every form readable on A4, with its Chinese.

Every form is printed blank and filled (one LibreOffice batch) and each PDF is read back: its
pages (one A4 page, turned as the definition asks), the size of its smallest text on paper
(9 pt or more: every `Tf` font size times the scale of the text and graphics matrices in force,
which is the font size times the print scale), its fonts (`pdffonts`: all embedded, one of them
a font that covers Chinese), and its title rendered to an image (`pdftoppm`): real
Chinese glyphs, not the empty boxes of a missing font. `xlkpi render --pdf` and `xlkpi generate
--pdf` write a PDF beside each workbook; a udf workbook is printed from its native twin, so no
computed cell prints as #NAME? (LibreOffice cannot run KPI_*). Without a font that covers
Chinese, LibreOffice prints boxes: printing then stops with a message naming the package.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

import xlkpi
from xlkpi.office.cjkfonts import FONT_PACKAGE, chinese_fonts
from xlkpi.office.libreoffice import convert
from xlkpi.rules.sampling import random_filling
from xlkpi.workbook.layout import build_layout
from xlkpi.workbook.pagefit import MIN_SCALE
from xlkpi.workbook.render import render_workbook

from .cli import run_cli
from .pdfcheck import chinese_font_names, fonts, pages, pgm, render_page, smallest_text, strokes_across, tool

pytestmark = pytest.mark.xdist_group("libreoffice")

A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)
FORMS = sorted(xlkpi.builtin_forms())
BEHAVIOUR_TARGET = "对照评分等级的行为描述评定1–5级，每级10分"
SMALLEST = 10 * MIN_SCALE - 0.01  # 10 pt text at 90 %, as the PDF writes it to two decimals


def a4(form_key: str) -> set:
    """The page size of the form's PDF: A4, turned as its definition asks."""
    return {A4_LANDSCAPE if xlkpi.get_form(form_key).landscape else A4_PORTRAIT}


def text_of(path, page: int | None = None, bbox: bool = False) -> str | None:
    """The PDF's text (or one page's) through pdftotext, laid out or (`bbox`) as words with their
    boxes; None on a developer machine without it."""
    program = tool("pdftotext")
    if program is None:
        return None
    pages_ = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run([program, "-bbox" if bbox else "-layout", *pages_, str(path), "-"], capture_output=True,
                          check=True, text=True).stdout


@pytest.fixture(scope="module")
def printed(soffice, tmp_path_factory):
    """(form id, blank or filled) → its PDF, every form printed in one LibreOffice batch."""
    folder = tmp_path_factory.mktemp("print")
    sources = {}
    for form_id in FORMS:
        form = xlkpi.get_form(form_id)
        for case, values in (("blank", None), ("filled", random_filling(form, random.Random(form_id))),
                             ("wrong", wrong_and_blank(form))):
            path = folder / f"{form_id}-{case}.xlsx"
            render_workbook(form_id, name="张三", employee_id="E001", department="客服部", month="2026-11",
                            appraiser="李四", values=values, out=path)
            sources[form_id, case] = path
    converted = convert(list(sources.values()), folder / "pdf", "pdf", processes=2)
    return Printed(zip(sources, converted), sources=sources)


def wrong_and_blank(form) -> dict:
    """A filling with one item typed wrong (`优` where a number or a label is expected) and the
    next item left blank: 填写状态 says 未完成：1 项未填，1 项填写有误, its longest words."""
    values = random_filling(form, random.Random(form.id))
    first, second = list(form.items())[:2]
    specs = form.input_specs()
    values[next(spec.name for spec in specs if spec.item == first.id)] = "优"
    for spec in specs:
        if spec.item == second.id:
            values.pop(spec.name, None)
    return values


class Printed(dict):
    """(form id, case) → the printed PDF; `sources` → the workbook it was printed from."""

    def __init__(self, items, *, sources):
        super().__init__(items)
        self.sources = sources


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("case", ["blank", "filled"])
def test_every_form_prints_on_one_a4_page_at_9_pt_or_more(printed, form_id, case):
    data = printed[form_id, case].read_bytes()
    assert pages(data) == (1, a4(form_id))
    assert smallest_text(data) >= SMALLEST


@pytest.mark.parametrize("form_id", FORMS)
def test_every_form_uses_the_page(printed, form_id):
    """The form is not a small island on its page: its text spans most of the printable width
    (`pdftotext -bbox`), or it is printed at full size (100 %)."""
    sheet = openpyxl.load_workbook(printed.sources[form_id, "blank"])[build_layout(
        xlkpi.get_form(form_id)).sheet]
    if int(sheet.page_setup.scale or 100) == 100:
        return
    html = text_of(printed[form_id, "blank"], bbox=True)
    if html is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    lefts = [float(x) for x in re.findall(r'xMin="([\d.]+)"', html)]
    rights = [float(x) for x in re.findall(r'xMax="([\d.]+)"', html)]
    page_width = next(iter(a4(form_id)))[0]
    assert (max(rights) - min(lefts)) / page_width > 0.75


@pytest.mark.parametrize("form_id", FORMS)
def test_the_sheet_asks_for_the_scale_it_prints_at(printed, form_id):
    """The workbook itself asks for a print scale of 90 % or more, and no page break: Excel and
    WPS print it as LibreOffice does, not at a fit-to-page scale of their own."""
    sheet = openpyxl.load_workbook(printed.sources[form_id, "blank"])[build_layout(
        xlkpi.get_form(form_id)).sheet]
    assert int(sheet.page_setup.scale or 100) >= MIN_SCALE * 100  # 100 % is written as no scale
    assert not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage
    assert len(sheet.row_breaks.brk) == 0


@pytest.mark.parametrize("form_id", FORMS)
def test_every_font_embedded_and_one_covers_chinese(printed, form_id):
    rows = fonts(printed[form_id, "filled"])
    if rows is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    assert rows and all(embedded for _, _, embedded in rows), rows
    assert chinese_font_names(rows, chinese_fonts() or []), rows


@pytest.mark.parametrize("form_id", FORMS)
def test_the_page_renders_with_chinese_glyphs(printed, form_id, tmp_path):
    """The page as `pdftoppm` draws it: ink on it, and the title drawn in real Chinese glyphs (a
    pixel column across the title crosses four strokes or more, as in 表 or 量), not as the empty
    boxes (two strokes at most) or blanks of a missing font."""
    image = render_page(printed[form_id, "filled"], 1, tmp_path)
    if image is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    width, height, pixels = pgm(image)
    assert (width > height) == xlkpi.get_form(form_id).landscape
    dark = sum(1 for value in pixels if value < 128)
    assert 0.01 < dark / len(pixels) < 0.5  # a printed form, neither blank nor black
    title = xlkpi.get_form(form_id).title
    assert strokes_across(printed[form_id, "filled"], title, tmp_path) >= 4


@pytest.mark.parametrize("form_id", FORMS)
def test_the_status_prints_on_one_line(printed, form_id):
    """填写状态 at its longest is printed whole on one line, not wrapped in the middle of a word."""
    text = text_of(printed[form_id, "wrong"])
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert any("未完成：1 项未填，1 项填写有误" in line for line in text.splitlines()), text


@pytest.mark.parametrize("form_id", FORMS)
def test_number_formats_excel_shows_cleanly(printed, form_id):
    """No format with optional decimals only (`#,##0.##`, `0.##`): Excel shows a whole number in
    it with a trailing dot ("10,000.", "6.")."""
    sheet = openpyxl.load_workbook(printed.sources[form_id, "filled"])[build_layout(xlkpi.get_form(form_id)).sheet]
    formats = {cell.number_format for row in sheet.iter_rows() for cell in row}
    assert [fmt for fmt in formats if re.search(r"\.#+(?![0#])", fmt)] == []


def test_paper_form_details(printed):
    texts = {form_id: text_of(printed[form_id, "blank"]) for form_id in ("kefu_zhuanyuan", "hujiao_jingli",
                                                                       "dianhua_zhuanyuan")}
    if texts["kefu_zhuanyuan"] is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    kefu = texts["kefu_zhuanyuan"]
    # the signature lines of the paper form: a line to sign on and a date
    assert "考核者签字：________" in kefu and "被考核人确认：________" in kefu
    assert kefu.count("日期：______年____月____日") == 2
    # one numbered clause a line: no line of 绩效标准 starts with the end of a clause
    assert not any(line.strip().startswith(("，0分", "，5分", "，6分")) for line in kefu.splitlines())
    # the manager's header as in forms.md; a count target shown as typed, not "10,000."
    manager = texts["hujiao_jingli"]
    for label in ("被考核人姓名", "职位", "部门", "考核人姓名", "考核人职位", "考核人部门", "考核期间"):
        assert label in manager
    assert "10000" in manager and "10,000." not in manager
    # 行为考核's rows say how the level is chosen and what it is worth (forms.md §2)
    form = xlkpi.get_form("dianhua_zhuanyuan")
    layout = build_layout(form)
    sheet = openpyxl.load_workbook(printed.sources["dianhua_zhuanyuan", "blank"])[layout.sheet]
    col = next(index for index, column in enumerate(form.columns) if column.label == "目标值要求")
    behaviour = [entry.row for entry in layout.item_rows if entry.section.id == "behaviour"]
    assert [sheet.cell(row + 1, col + 1).value.replace("\n", "") for row in behaviour] == [BEHAVIOUR_TARGET] * 2


# ----------------------------------------------------------------- no Chinese font: no boxes
def _no_chinese_fonts(folder: Path) -> Path:
    """A fontconfig configuration with the installed fonts that do not cover Chinese only."""
    program = tool("fc-list")
    if program is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    listed = subprocess.run([program, "--format", "%{file}\n"], capture_output=True, text=True, check=True).stdout
    chinese = subprocess.run([program, "--format", "%{file}\n", ":lang=zh"], capture_output=True, text=True,
                             check=True).stdout
    zh_dirs = {str(Path(line).parent) for line in chinese.splitlines() if line}
    dirs = sorted({str(Path(line).parent) for line in listed.splitlines() if line} - zh_dirs)
    config = folder / "fonts.conf"
    entries = "".join(f"<dir>{d}</dir>" for d in dirs)
    config.write_text(f'<?xml version="1.0"?><fontconfig>{entries}<cachedir>{folder}/cache</cachedir></fontconfig>',
                      encoding="utf-8")
    return config


def test_printing_stops_without_a_chinese_font(tmp_path, monkeypatch, soffice):
    monkeypatch.setenv("FONTCONFIG_FILE", str(_no_chinese_fonts(tmp_path)))
    assert chinese_fonts() == []
    out = tmp_path / "张三.xlsx"
    result = run_cli("render", "--form", "电话专员", "--name", "张三", "--employee-id", "E1", "--department",
                     "呼叫中心", "--month", "2026-11", "--out", out, "--pdf")
    assert result.exit_code == 1
    assert f"考核表已生成（{out}），但未打印 PDF：本机没有中文字体，打印出的汉字会全部变成方框。" in result.stderr
    assert f"apt-get install -y {FONT_PACKAGE}" in result.stderr
    assert "Windows" in result.stderr and "macOS" in result.stderr
    assert out.exists() and not out.with_suffix(".pdf").exists()


def test_without_a_chinese_font_libreoffice_prints_boxes(tmp_path, monkeypatch, soffice):
    """Why printing checks first: LibreOffice itself neither fails nor warns."""
    monkeypatch.setenv("FONTCONFIG_FILE", str(_no_chinese_fonts(tmp_path)))
    source = tmp_path / "form.xlsx"
    render_workbook("电话专员", name="张三", employee_id="E1", department="客服部", month="2026-11", out=source)
    pdf = convert([source], tmp_path / "out", "pdf")[0]
    rows = fonts(pdf)
    if rows is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    monkeypatch.delenv("FONTCONFIG_FILE")
    assert chinese_font_names(rows, chinese_fonts() or []) == [], rows
    assert "张三" in (text_of(pdf) or "张三")  # the text is there, its glyphs are not
    # the check of test_the_page_renders_with_chinese_glyphs sees the boxes
    assert strokes_across(pdf, xlkpi.get_form("电话专员").title, tmp_path) <= 2


# ----------------------------------------------------------------- the commands
@pytest.mark.parametrize("dialect", ["native", "udf"])
def test_render_pdf(tmp_path, soffice, dialect):
    suffix = ".xlsm" if dialect == "udf" else ".xlsx"
    out = tmp_path / f"张三{suffix}"
    result = run_cli("render", "--form", "电话专员", "--name", "张三", "--employee-id", "E1", "--department",
                     "呼叫中心", "--month", "2026-11", "--dialect", dialect, "--out", out, "--pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "张三.pdf"
    assert result.stdout.splitlines() == [f"已生成 {out}", f"已生成 {pdf}"]
    assert pages(pdf.read_bytes()) == (1, a4("电话专员"))
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
        assert pages(pdf.read_bytes()) == (1, a4(workbook.stem.split("_")[2]))
        text = text_of(pdf)
        if text is not None:
            assert workbook.stem.split("_")[1] in text  # the employee's name
            assert "#NAME?" not in text
    assert sorted(path.name for path in (tmp_path / "out").rglob("*")
                  if path.is_file() and path.suffix not in (suffix, ".pdf")
                  and path.name != ".xlkpi-generated.json") == []  # generate's record of what it wrote
