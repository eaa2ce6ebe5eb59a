"""Collect reads the month's workbooks and nothing else that lies beside them.

A month's folder holds more than the clerks' workbooks: the backups `generate --force` keeps
(`<name>.bak-1.xlsx`, `.bak-2`), a temporary file a crashed write left (`.~xlkpi-<pid>-<n>.tmp`),
a department folder a crashed generate was still filling (`.<部门>.xlkpi-partial-<pid>`), and the
lock files Excel, WPS and LibreOffice keep while a workbook is open. Each of them holds a
workbook of the month (a backup is a filled one), so reading any of them would record stale
values or reject the real workbook as a second one of the same employee.

The month below is made by the real commands: `generate`, fill, `generate --force` (twice), refill.
The expected totals are worked out by hand from the rules of ../shared/spec/forms.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import xlkpi
from xlkpi.month.collect import collect_compact, collect_month, find_workbooks
from xlkpi.month.ledger import Ledger
from xlkpi.month.monthly import drop_duplicates

from .cli import run_cli
from .filling import fill_workbook

MONTH = "2026-11"
ROSTER = """工号,姓名,部门,岗位,考核人
E101,王一,客服部,客服专员,陈主管
E102,王二,客服部,客服专员,陈主管
E201,赵一,客服部,电话专员,陈主管
E301,孙一,呼叫中心,呼叫中心经理,林总
"""
E101 = "客服部/E101_王一_客服专员.xlsx"
WORKBOOKS = [E101, "客服部/E102_王二_客服专员.xlsx", "客服部/E201_赵一_电话专员.xlsx", "呼叫中心/E301_孙一_呼叫中心经理.xlsx"]

# 客服专员 at every maximum: 6 + 6 + 5 + 3 (人事 20) + 10 + 10 + 5 + 5 + 20 + 20 + 10 = 100
KEFU_MAX = {"in_attendance": 0, "in_leave": 0, "in_discipline": 0, "in_duty": "按要求完成", "in_skill": 10,
            "in_feedback": 10, "in_reply_quality": 5, "in_teamwork": 5, "in_volume": 20, "in_service": 20,
            "in_conversion": 10}
# E101's first filling, kept in .bak-1: 考勤 3 次 → 0 (−6), 忘记值日 → 0 (−3), 接待 10 (−10): 81 → 200 元
FIRST = {**KEFU_MAX, "in_attendance": 3, "in_duty": "忘记值日", "in_volume": 10}
# E101's second filling, kept in .bak-2: 纪律 1 次 → 3 (−2): 98 → 300 元
SECOND = {**KEFU_MAX, "in_discipline": 1}
# what the clerk finally typed: 考勤 1 次 → 4 (−2), 请假 0.5 天 → 4 (−2), 专业技能 5 (−5): 91 → 300 元
FINAL = {**KEFU_MAX, "in_attendance": 1, "in_leave": 0.5, "in_skill": 5}

OTHERS = {
    "客服部/E102_王二_客服专员.xlsx": KEFU_MAX,  # 100 → 300 元
    # 业绩: 客户信息管理 20 × 20% + 10 × 80% = 12, the others 上级 20 alone: 92;
    # 行为: 4级 → 40, 5级 → 50: 90; 总分 92 × 80% + 90 × 20% = 91.6 → A
    "客服部/E201_赵一_电话专员.xlsx": {
        "in_info_mgmt_self": 20, "in_info_mgmt_sup": 10, "in_archive_mgmt_sup": 20, "in_revisit_sup": 20,
        "in_complaint_sup": 20, "in_call_quality_sup": 20, "in_service_knowledge_sup": 4, "in_customer_focus_sup": 5},
    # targets at their defaults (100%, 100%, 100%, 100%, 90%, 10000, 95%, 85, 75%, 80):
    # 85% → 85 × 20% = 17; 15 + 15 + 15 (120% capped); 72% of 90% → 80 × 10% = 8; 5 × 5: 95 → 优, 1.3
    "呼叫中心/E301_孙一_呼叫中心经理.xlsx": {
        "in_plan_completion_actual": 0.85, "in_cost_control_actual": 1, "in_survey_completion_actual": 1,
        "in_process_improvement_actual": 1.2, "in_satisfaction_actual": 0.72, "in_call_volume_actual": 12000,
        "in_feedback_timeliness_actual": 0.95, "in_collaboration_actual": 85, "in_fcr_actual": 0.75,
        "in_staff_mgmt_actual": 80},
}

# 工号 → (总分, 绩效金额 or 考核等级, rank within form and department, file)
EXPECTED = {
    "E101": (91, 300, 2, E101),
    "E102": (100, 300, 1, "客服部/E102_王二_客服专员.xlsx"),
    "E201": (91.6, "A", 1, "客服部/E201_赵一_电话专员.xlsx"),
    "E301": (95, "优", 1, "呼叫中心/E301_孙一_呼叫中心经理.xlsx"),
}


def generate(out: Path, *options):
    result = run_cli("generate", "--month", MONTH, "--roster", out.parent / "roster.csv", "--out", out, "--jobs", 1,
                     *options)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def month_dir(tmp_path_factory) -> Path:
    """out/2026-11 after two forced regenerations over a filled workbook, with every kind of file
    that is not a workbook of the month beside the real ones."""
    base = tmp_path_factory.mktemp("files")
    (base / "roster.csv").write_text(ROSTER, encoding="utf-8")
    out = base / "out"
    folder = out / MONTH
    generate(out)
    for filling in (FIRST, SECOND):
        fill_workbook(folder / E101, filling)
        forced = generate(out, "--force")
        assert "已备份" in forced.stdout
    for number, filling in ((1, FIRST), (2, SECOND)):  # the backups hold the earlier fillings
        backup = folder / E101.replace(".xlsx", f".bak-{number}.xlsx")
        assert collect_month_values(backup) == filling
    fill_workbook(folder / E101, FINAL)
    for name, filling in OTHERS.items():
        fill_workbook(folder / name, filling)

    department = folder / "客服部"
    stale = (department / "E101_王一_客服专员.bak-1.xlsx").read_bytes()
    # a temporary file left by a crashed atomic write (the workbook's bytes, under the name write_atomic uses)
    (department / ".~xlkpi-4242-1.tmp").write_bytes(stale)
    # a department folder a crashed generate was still filling, and one of a department that is new
    for staged in (".客服部.xlkpi-partial-4242", ".售后部.xlkpi-partial-4243"):
        (folder / staged).mkdir()
        (folder / staged / "E101_王一_客服专员.xlsx").write_bytes(stale)
    # lock files: Excel's (~$ + the name), WPS's (.~ + the name), LibreOffice's (.~lock.<name>#)
    (department / "~$E101_王一_客服专员.xlsx").write_bytes(b"\x05chen" + bytes(160))
    (department / "~$E101_王一_客服专员.bak-1.xlsx").write_bytes(b"\x05chen" + bytes(160))
    (department / ".~E102_王二_客服专员.xlsx").write_bytes(stale)
    (department / ".~lock.E201_赵一_电话专员.xlsx#").write_text(",chen,host,26.11.2026 10:00,file:///", encoding="utf-8")
    return folder


def collect_month_values(path: Path) -> dict:
    """The inputs typed into the workbook at `path` (read alone, in a folder of its own)."""
    from xlkpi.month.collect import read_appraisal

    appraisal, _ = read_appraisal(path, month=MONTH)
    return {name: value for name, value in appraisal.inputs.items() if value is not None}


def test_the_folder_holds_every_kind_of_file(month_dir):
    names = {path.relative_to(month_dir).as_posix() for path in month_dir.rglob("*")}
    assert {"客服部/E101_王一_客服专员.bak-1.xlsx", "客服部/E101_王一_客服专员.bak-2.xlsx", "客服部/.~xlkpi-4242-1.tmp",
            ".客服部.xlkpi-partial-4242/E101_王一_客服专员.xlsx", "客服部/~$E101_王一_客服专员.xlsx"} <= names


def test_only_the_workbooks_are_found(month_dir):
    assert [path.relative_to(month_dir).as_posix() for path in find_workbooks(month_dir)] == sorted(
        WORKBOOKS, key=lambda name: name.split("/"))


def test_the_frame_holds_the_refilled_workbook(month_dir):
    frame, problems = collect_month(month_dir, MONTH, jobs=1)
    assert [str(problem) for problem in problems] == []
    rows = {record["hdr_employee_id"]: record for record in frame.to_dict("records")}
    assert sorted(rows) == sorted(EXPECTED)
    for employee, (total, outcome, rank, file) in EXPECTED.items():
        row = rows[employee]
        got_outcome = row["out_pay"] if row["form"] == "kefu_zhuanyuan" else row["out_grade"]
        assert (row["out_total"], got_outcome, row["rank"], row["file"]) == (total, outcome, rank, file), employee
    typed = {name: rows["E101"][name] for name in FINAL}
    assert typed == {name: float(value) if not isinstance(value, str) else value for name, value in FINAL.items()}


def test_the_month_records_the_refilled_workbook(month_dir, tmp_path):
    month = tmp_path / "out" / MONTH
    shutil.copytree(month_dir, month)
    before = {path: path.read_bytes() for path in month.rglob("*") if path.is_file()}
    result = run_cli("collect", month.parent, "--month", MONTH)
    assert result.stderr == ""
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "2026-11：汇总 4 份（已完成 4 份），问题 0 个，预警 0 人。"
    with Ledger(month.parent / "xlkpi-ledger.sqlite") as ledger:
        rows = ledger.month_rows(MONTH)
    got = {row["employee_id"]: (row["total"], row["pay"] if row["form_id"] == "kefu_zhuanyuan" else row["grade"],
                                row["rank"], row["file"]) for row in rows}
    assert got == EXPECTED
    assert {path: path.read_bytes() for path in month.rglob("*") if path.is_file()} == before  # nothing touched


def test_read_all_gives_each_workbook_with_what_was_typed(month_dir):
    from xlkpi.month.collect import read_all

    appraisals, problems = read_all(month_dir, MONTH, jobs=1)
    assert problems == []
    assert sorted(appraisal.file for appraisal in appraisals) == sorted(WORKBOOKS)
    e101 = next(appraisal for appraisal in appraisals if appraisal.file == E101)
    assert {name: value for name, value in e101.inputs.items() if value is not None} == {
        name: float(value) if not isinstance(value, str) else value for name, value in FINAL.items()}
    assert e101.outputs["out_total"] == 91


def test_a_header_name_deleted_from_the_workbook(month_dir, tmp_path):
    """A clerk deleted the defined name of a header cell: its text is blank, nothing fails."""
    import io
    import zipfile

    from xlkpi.month.collect import read_appraisal

    source = zipfile.ZipFile(month_dir / E101)
    path = tmp_path / "no-name.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                start = content.index(b'<definedName name="hdr_appraiser"')
                content = content[:start] + content[content.index(b"</definedName>", start) + 14:]
            target.writestr(info.filename, content)
    assert b"hdr_appraiser" not in zipfile.ZipFile(io.BytesIO(path.read_bytes())).read("xl/workbook.xml")
    appraisal, problems = read_appraisal(path, month=MONTH)
    assert problems == []
    assert appraisal.header["hdr_appraiser"] == "" and appraisal.header["hdr_name"] == "王一"
    assert appraisal.outputs["out_total"] == 91


@pytest.mark.libreoffice
def test_a_workbook_saved_by_a_spreadsheet_keeps_its_results(soffice, month_dir, tmp_path):
    """Recalculated and saved by LibreOffice, the workbook holds cached results: they agree with the
    engine, so no problem; a cached result that does not is reported."""
    from xlkpi.month.collect import read_appraisal
    from xlkpi.office.libreoffice import convert

    (saved,) = convert([month_dir / E101], tmp_path / "saved", "xlsx")
    appraisal, problems = read_appraisal(saved, month=MONTH)
    assert [str(problem) for problem in problems] == []
    assert appraisal.outputs["out_total"] == 91
    import zipfile

    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if b"<v>91</v>" in content:
                content = content.replace(b"<v>91</v>", b"<v>92</v>")
            target.writestr(info.filename, content)
    _, problems = read_appraisal(edited, month=MONTH)
    assert "cached-mismatch" in {problem.code for problem in problems}


def test_a_hidden_folder_that_is_not_a_staging_folder_is_read(month_dir, tmp_path):
    """Only xlkpi's own staging folders are skipped: a department folder whose name starts with a
    dot (a roster's 部门 may) is the month's like any other."""
    month = tmp_path / MONTH
    shutil.copytree(month_dir, month)
    (month / "呼叫中心").rename(month / ".呼叫中心")
    found = [path.relative_to(month).as_posix() for path in find_workbooks(month)]
    assert ".呼叫中心/E301_孙一_呼叫中心经理.xlsx" in found
    assert not [name for name in found if "xlkpi-partial" in name]


def test_a_workbook_with_only_its_printed_targets_is_untouched(tmp_path):
    """呼叫中心经理's workbook comes with its targets printed in (呼叫业务量 10000, …): left so, it
    is one `blank` line for the whole workbook; one actual value typed makes it item by item."""
    form = xlkpi.get_form("呼叫中心经理")
    folder = tmp_path / "2026-11" / "呼叫中心"
    folder.mkdir(parents=True)
    untouched = folder / "E1_甲_呼叫中心经理.xlsx"
    started = folder / "E2_乙_呼叫中心经理.xlsx"
    xlkpi.render_workbook(form, name="甲", employee_id="E1", department="呼叫中心", month="2026-11", out=untouched)
    xlkpi.render_workbook(form, name="乙", employee_id="E2", department="呼叫中心", month="2026-11", out=started,
                          values={"in_call_volume_actual": 8970})
    _, problems = xlkpi.collect_month(tmp_path / "2026-11", "2026-11", jobs=1)
    blank = lambda path: [p.message for p in problems if p.code == "blank" and Path(p.file).name == path.name]  # noqa: E731
    assert len(blank(untouched)) == 1 and blank(untouched)[0].startswith("未填写：整张考核表都是空白")
    assert len(blank(started)) > 1 and not any("整张" in message for message in blank(started))


def test_a_blank_twin_with_printed_targets_gives_way_to_the_filled_workbook(tmp_path):
    """The filled workbook is recorded and its blank twin (targets printed in, nothing typed) left
    out, as for any blank twin; both are refused only when both were typed in."""
    form = xlkpi.get_form("呼叫中心经理")
    month = tmp_path / "2026-11"
    for department in ("呼叫中心", "客服部"):
        (month / department).mkdir(parents=True)
    filled = month / "呼叫中心" / "E2_乙_呼叫中心经理.xlsx"
    twin = month / "客服部" / "E2_乙_呼叫中心经理.xlsx"
    xlkpi.render_workbook(form, name="乙", employee_id="E2", department="呼叫中心", month="2026-11", out=filled,
                          values={"in_call_volume_actual": 8970})
    xlkpi.render_workbook(form, name="乙", employee_id="E2", department="客服部", month="2026-11", out=twin)
    frame, problems = collect_compact(month, "2026-11", jobs=1, inputs=False)
    frame = drop_duplicates(frame, problems)
    assert frame["file"].tolist() == ["呼叫中心/E2_乙_呼叫中心经理.xlsx"]
    assert [p.file for p in problems if p.code == "duplicate-employee"] == ["客服部/E2_乙_呼叫中心经理.xlsx"]
