"""Workbooks a clerk, a script or another program saved in ways xlkpi must read right or refuse
with a located Chinese problem — never a traceback, never a silently wrong value (causes 3, 8, 9,
11, 14, 16, 17 and the Messages paragraph)."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.faults.workbooks import (
    MONTH,
    fill,
    fill_complete,
    inflate_bomb,
    month_of,
    read_member,
    replace_member,
    sheet_part,
)
from xlkpi.forms.definitions import get_form
from xlkpi.month.collect import collect_month, read_appraisal
from xlkpi.month.monthly import close_month
from xlkpi.workbook.reader import MAX_PART, WorkbookReader

PHONE = "dianhua_zhuanyuan"
STUDIO = "kefu_zhuanyuan_menshi"
SHOP = "wangdian_kefu"


@pytest.fixture
def one(tmp_path):
    """A month with one 客服专员（门市） workbook and one 电话专员 workbook, both filled."""
    folder, report = month_of(tmp_path, ["E1,张三,客服部,客服专员（门市）,李四", "E2,王五,客服部,电话专员,李四"])
    studio, phone = (Path(path) for path in report.written)
    fill_complete(studio, get_form(STUDIO))
    fill_complete(phone, get_form(PHONE))
    return folder, studio, phone


def problems_of(path, **options):
    appraisal, problems = read_appraisal(path, month=MONTH, **options)
    return appraisal, [(problem.code, problem.cell, problem.name, problem.message) for problem in problems]


def test_a_huge_number_is_a_problem_at_its_cell_and_the_others_are_recorded(one):
    folder, studio, phone = one
    fill(studio, {"in_photo_customers": 1e19})
    frame, problems = collect_month(folder, MONTH, jobs=1)
    assert len(frame) == 2
    found = [p for p in problems if p.name == "in_photo_customers"]
    assert found and found[0].code == "out-of-range" and found[0].cell
    row = frame[frame["hdr_employee_id"] == "E1"].iloc[0]
    assert row["out_total"] != row["out_total"] or row["out_total"] is None  # not scored from a wrong input


def test_huge_text_number_is_refused_at_its_cell(one):
    folder, studio, _ = one
    fill(studio, {"in_photo_customers": "12345678901234567890"})
    _, problems = problems_of(studio)
    assert any(name == "in_photo_customers" and cell for _, cell, name, _ in problems)


def test_a_shared_string_index_that_is_no_number_is_a_problem_at_its_cell(one):
    _, studio, _ = one
    fill(studio, {}, raw={"in_photo_customers": '<c r="{ref}" s="{style}" t="s"><v>abc</v></c>'})
    appraisal, problems = problems_of(studio)
    assert appraisal is not None
    assert [(code, name) for code, _, name, _ in problems if name == "in_photo_customers"] == [
        ("damaged-file", "in_photo_customers")]


def test_a_shared_string_index_past_the_end_is_not_read_as_blank(one):
    _, studio, _ = one
    fill(studio, {}, raw={"in_photo_customers": '<c r="{ref}" s="{style}" t="s"><v>99999</v></c>'})
    _, problems = problems_of(studio)
    assert [code for code, _, name, _ in problems if name == "in_photo_customers"] == ["damaged-file"]


def test_a_formula_without_a_cached_value_is_not_called_blank(one):
    _, studio, _ = one
    fill(studio, {}, formulas={"in_photo_customers": "0"})
    _, problems = problems_of(studio)
    found = [(code, message) for code, _, name, message in problems if name == "in_photo_customers"]
    assert len(found) == 1 and found[0][0] == "uncalculated-formula" and "未填写" not in found[0][1]


def test_a_name_pointing_at_a_missing_sheet_names_the_name_and_keeps_the_workbook(one):
    _, studio, _ = one
    workbook = read_member(studio, "xl/workbook.xml").decode("utf-8")
    workbook = re.sub(r"(<definedName name=\"in_hygiene\">)[^<]*", r"\1'没有这张表'!$F$9", workbook)
    replace_member(studio, "xl/workbook.xml", workbook.encode("utf-8"))
    appraisal, problems = problems_of(studio)
    assert appraisal is not None
    found = [(code, message) for code, _, name, message in problems if name == "in_hygiene"]
    assert found and found[0][0] == "missing-name" and "in_hygiene" in found[0][1] and "没有这张表" in found[0][1]


def test_an_unreadable_file_says_so(one):
    _, studio, _ = one
    os.chmod(studio, 0)
    try:
        if os.access(studio, os.R_OK):  # root reads anything: make it unreadable another way
            os.chmod(studio, 0o644)
            studio.unlink()
            studio.mkdir()  # a folder named like a workbook: the OS refuses to read it as a file
        appraisal, problems = problems_of(studio)
    finally:
        if studio.is_file():
            os.chmod(studio, 0o644)
    assert appraisal is None and problems[0][0] == "unreadable-file"
    assert "不是有效的 Excel 工作簿" not in problems[0][3] and ("权限" in problems[0][3] or "文件夹" in problems[0][3])


STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
}


def test_a_strict_open_xml_workbook_is_read_as_the_transitional_one(one):
    _, studio, _ = one
    expected = problems_of(studio)[0].outputs
    with zipfile.ZipFile(studio) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    for name, content in parts.items():
        if name.endswith((".xml", ".rels")):
            for old, new in STRICT.items():
                content = content.replace(old, new)
            replace_member(studio, name, content)
    appraisal, problems = problems_of(studio)
    assert appraisal is not None and appraisal.outputs == expected


def test_escaped_text_is_read_as_typed(tmp_path):
    folder, report = month_of(tmp_path, ["E1,张_x0041_三,客服部,电话专员,李四"])
    fill_complete(report.written[0], get_form(PHONE))
    appraisal, _ = problems_of(report.written[0])
    assert appraisal.header["hdr_name"] == "张_x0041_三"


def test_an_empty_employee_id_in_the_record_is_refused(one):
    _, studio, _ = one
    part = sheet_part(studio, "_xlkpi")
    with WorkbookReader(studio) as reader:
        row = next(row for (row, col), cell in reader.cells("_xlkpi").items() if col == 0 and cell.value == "employee_id")
    xml = read_member(studio, part).decode("utf-8")
    xml, count = re.subn(rf'<c r="B{row + 1}"[^>]*?(?:/>|>.*?</c>)', f'<c r="B{row + 1}"/>', xml)
    assert count == 1
    replace_member(studio, part, xml.encode("utf-8"))
    appraisal, problems = problems_of(studio)
    assert appraisal is None and problems[0][0] == "bad-record" and "工号" in problems[0][3]


def test_zero_inquiries_is_a_problem_at_the_denominator(tmp_path):
    folder, report = month_of(tmp_path, ["E1,张三,网店,网店客服,李四"])
    path = report.written[0]
    form = get_form(SHOP)
    fill_complete(path, form)
    den = next(spec.name for spec in form.input_specs() if spec.role == "den")
    fill(path, {den: 0})
    appraisal, problems = problems_of(path)
    found = [(code, cell) for code, cell, name, _ in problems if name == den]
    assert found and found[0][0] == "zero-denominator" and found[0][1]
    assert not any(code == "blank" for code, _, _, _ in problems)


def test_other_spreadsheet_formats_are_named_and_the_blank_twin_is_not_recorded(tmp_path):
    folder, report = month_of(tmp_path, ["E1,张三,客服部,电话专员,李四", "E2,王五,客服部,电话专员,李四"])
    blank = Path(report.written[0])
    blank.with_suffix(".xls").write_bytes(b"\xd0\xcf\x11\xe0 an old Excel file")
    (folder / "客服部" / "统计.ods").write_bytes(b"PK an ods")
    (folder / "客服部" / "名单.csv").write_text("a,b")
    fill_complete(report.written[1], get_form(PHONE))
    frame, problems = collect_month(folder, MONTH, jobs=1)
    assert frame["hdr_employee_id"].tolist() == ["E2"]
    codes = {(Path(p.file).name, p.code) for p in problems}
    assert {(blank.with_suffix(".xls").name, "unsupported-format"), ("统计.ods", "unsupported-format"),
            ("名单.csv", "unsupported-format"), (blank.name, "unsupported-format")} <= codes
    result = run_cli("collect", folder, "--jobs", "1")
    assert result.exit_code == 1 and ".xls" in result.output


def test_a_part_that_inflates_past_the_bound_is_a_problem_at_that_file(one):
    folder, studio, phone = one
    inflate_bomb(studio, sheet_part(studio, "客服专员（门市）"), 3 * MAX_PART)
    assert studio.stat().st_size < MAX_PART // 100
    frame, problems = collect_month(folder, MONTH, jobs=1)
    assert frame["hdr_employee_id"].tolist() == ["E2"]
    found = [p for p in problems if Path(p.file).name == studio.name]
    assert [p.code for p in found] == ["too-large"] and "MB" in found[0].message


def test_collect_stays_small_whatever_the_workbooks_hold(one, tmp_path):
    """A 1.4 MB workbook whose sheet inflates to 1.5 GB drove collect to 2.9 GB: now it is refused
    unread, and the whole collect stays far below 500 MB."""
    import resource

    folder, studio, _ = one
    inflate_bomb(studio, sheet_part(studio, "客服专员（门市）"), 600 * 1048576)
    child = os.fork()
    if child == 0:
        try:
            frame, problems = collect_month(folder, MONTH, jobs=1)
            ok = frame["hdr_employee_id"].tolist() == ["E2"] and [p.code for p in problems] == ["too-large"]
        except BaseException:  # noqa: BLE001
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 500
