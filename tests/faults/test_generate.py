"""Generate never replaces a workbook it cannot prove untouched, never lets two employees share a
file, and cleans up after a run that was stopped (causes 1, 2, 10, 14, 18)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from xlkpi.batch import generate_month
from xlkpi.forms import get_form
from xlkpi.manifest import RECORD
from xlkpi.reader import WorkbookReader
from tests.cli import run_cli
from tests.faults.workbooks import MONTH, fill, fill_complete, month_of, read_member, replace_member, sheet_part, \
    write_roster

LINES = ["E1,张三,客服部,电话专员,李四", "E2,王五,客服部,客服专员（门市）,李四"]


def again(tmp_path, lines=LINES, **options):
    roster = write_roster(tmp_path / "roster.csv", lines)
    return generate_month(roster, MONTH, tmp_path / "out", jobs=1, **options)


def test_an_untouched_workbook_is_replaced(tmp_path):
    folder, first = month_of(tmp_path, LINES)
    report = again(tmp_path)
    assert sorted(report.written) == sorted(first.written) and not report.skipped and not report.backups


def test_a_remark_below_the_table_is_a_touch(tmp_path):
    folder, first = month_of(tmp_path, LINES)
    path = Path(first.written[0])
    part = sheet_part(path, "电话专员")
    xml = read_member(path, part).decode("utf-8")
    xml = xml.replace("</sheetData>", '<row r="60"><c r="B60" t="inlineStr"><is><t>备注：本月请假已补</t></is></c></row>'
                                      "</sheetData>")
    replace_member(path, part, xml.encode("utf-8"))
    before = path.read_bytes()
    report = again(tmp_path)
    assert str(path) in report.skipped and path.read_bytes() == before


def test_an_input_holding_a_formula_without_a_value_is_a_touch(tmp_path):
    folder, first = month_of(tmp_path, LINES)
    path = Path(first.written[1])
    fill(path, {}, formulas={"in_photo_customers": "0"})
    before = path.read_bytes()
    report = again(tmp_path)
    assert str(path) in report.skipped and path.read_bytes() == before
    forced = again(tmp_path, force=True)
    assert str(path) in forced.written and forced.backups and Path(forced.backups[0]).read_bytes() == before


@pytest.mark.parametrize("damage", ["missing", "damaged", "newer"])
def test_without_a_trustworthy_record_every_workbook_is_kept(tmp_path, damage):
    folder, first = month_of(tmp_path, LINES)
    record = folder / RECORD
    if damage == "missing":
        record.unlink()
    elif damage == "damaged":
        record.write_text('{"format": "xlkpi-gen')
    else:
        record.write_text(json.dumps({"format": "xlkpi-generated", "version": 99, "files": {}}))
    before = {path: Path(path).read_bytes() for path in first.written}
    report = again(tmp_path)
    assert sorted(report.skipped) == sorted(first.written) and not report.written
    assert all(Path(path).read_bytes() == data for path, data in before.items())
    if damage != "missing":
        assert report.notes and "生成记录" in report.notes[0]
    result = run_cli("generate", "--month", MONTH, "--roster", tmp_path / "roster.csv", "--out", tmp_path / "out")
    assert "已跳过" in result.output


def test_two_ids_with_one_file_name_are_refused_at_the_second_line(tmp_path):
    lines = ["A/1,张三,客服部,电话专员,李四", "A_1,张三,客服部,电话专员,李四", "e1,王五,客服部,电话专员,李四",
             "E1,王五,客服部,电话专员,李四"]
    for existing in (False, True):
        base = tmp_path / str(existing)
        (base / "out" / MONTH / "客服部").mkdir(parents=True) if existing else base.mkdir()
        folder, report = month_of(base, lines)
        assert len(report.written) == 2
        found = sorted((p.line, p.code) for p in report.problems)
        assert found == [(3, "duplicate-file"), (5, "duplicate-file")]
        assert all("xlkpi-partial" not in p.message for p in report.problems)


def test_a_name_too_long_for_the_disk_is_a_problem_at_its_line(tmp_path):
    folder, report = month_of(tmp_path, ["E1," + "很长" * 60 + ",客服部,电话专员,李四", "E2,王五,客服部,电话专员,李四"])
    assert len(report.written) == 1 and [(p.line, p.code) for p in report.problems] == [(2, "name-too-long")]


def test_a_name_holding_a_placeholder_is_kept_as_typed(tmp_path):
    folder, report = month_of(tmp_path, ["E1,@@XLKPI-DEPARTMENT@@,客服部,电话专员,@@XLKPI-NAME@@"])
    with WorkbookReader(report.written[0]) as reader:
        names = reader.defined_names()
        assert reader.cell(*names["hdr_name"]).value == "@@XLKPI-DEPARTMENT@@"
        assert reader.cell(*names["hdr_appraiser"]).value == "@@XLKPI-NAME@@"


def test_a_moved_employee_keeps_the_filled_workbook(tmp_path):
    folder, first = month_of(tmp_path, LINES)
    filled = Path(first.written[0])
    fill_complete(filled, get_form("dianhua_zhuanyuan"))
    report = again(tmp_path, ["E1,张三,销售部,电话专员,李四", "E2,王五,销售部,客服专员（门市）,李四"])
    assert filled.exists() and not (folder / "销售部" / filled.name).exists()
    assert [(p.code, p.line) for p in report.problems] == [("touched", 2)]
    untouched = Path(first.written[1])  # E2 never filled: moved
    assert not untouched.exists() and (folder / "销售部" / untouched.name).exists()


def _kill_during_generate(tmp_path, count: int, jobs: int) -> Path:
    lines = [f"E{n},员工{n},部门{n % 7},电话专员,李四" for n in range(count)]
    roster = write_roster(tmp_path / "roster.csv", lines)
    child = os.fork()
    if child == 0:
        try:
            os.setpgid(0, 0)
            generate_month(roster, MONTH, tmp_path / "out", jobs=jobs)
        finally:
            os._exit(0)
    folder = tmp_path / "out" / MONTH
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(".xlkpi-partial-" in name for name in _names(folder)):
        time.sleep(0.002)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    return folder


def _names(folder: Path):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def test_workers_die_with_a_killed_generate_and_its_leftovers_are_removed(tmp_path):
    folder = _kill_during_generate(tmp_path, 3000, 2)
    assert any(".xlkpi-partial-" in name for name in _names(folder))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _orphans(tmp_path):
        time.sleep(0.1)
    assert not _orphans(tmp_path)  # the forked workers ended with their parent
    report = generate_month(tmp_path / "roster.csv", MONTH, tmp_path / "out", jobs=1)
    assert not report.problems and not report.skipped
    hidden = [name for name in _names(folder) if name.startswith(".") and name != RECORD]
    assert hidden == []


def _orphans(tmp_path) -> list:
    """Processes still running whose command line or files point into this test's folder."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cwd_files = os.listdir(f"/proc/{pid}/fd")
            targets = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in cwd_files]
        except OSError:
            continue
        if any(str(tmp_path) in target for target in targets):
            found.append(pid)
    return found
