"""Generate never replaces a workbook it cannot prove untouched, never lets two employees share a
file, and cleans up after a run that was stopped (causes 1, 2, 10, 14, 18)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.faults.workbooks import (
    MONTH,
    fill,
    fill_complete,
    month_of,
    read_member,
    replace_member,
    sheet_part,
    write_roster,
)
from xlkpi.forms.definitions import get_form
from xlkpi.month.batch import generate_month
from xlkpi.month.manifest import RECORD
from xlkpi.workbook.reader import WorkbookReader

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


def children(pid: int) -> list:
    """The child processes of `pid` (Linux)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as stream:
            found.extend(int(child) for child in stream.read().split())
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_when(run, ready, timeout: float = 30) -> list:
    """Fork a child that calls `run`; once `ready()` holds and the child has worker processes, kill
    it with SIGKILL. Returns the workers' process ids."""
    child = os.fork()
    if child == 0:
        try:
            run()
        finally:
            os._exit(0)
    workers, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [pid for pid in children(child) if alive(pid)]
        if len(workers) >= 2 and ready():
            break
        time.sleep(0.002)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    return workers


def ended(workers: list, within: float = 10) -> bool:
    """Whether the `workers` end within `within` seconds; those that do not are killed (by their ids:
    they are this test's own processes)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in workers):
            return True
        time.sleep(0.05)
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return False


def test_workers_die_with_a_killed_generate_and_its_leftovers_are_removed(tmp_path):
    lines = [f"E{n},员工{n},部门{n % 7},电话专员,李四" for n in range(3000)]
    roster = write_roster(tmp_path / "roster.csv", lines)
    folder = tmp_path / "out" / MONTH
    workers = kill_when(lambda: generate_month(roster, MONTH, tmp_path / "out", jobs=2),
                        lambda: any(".xlkpi-partial-" in name for name in _names(folder)))
    assert workers and any(".xlkpi-partial-" in name for name in _names(folder))
    assert ended(workers)  # the forked workers ended with their parent
    report = generate_month(roster, MONTH, tmp_path / "out", jobs=1)
    assert not report.problems and not report.skipped
    hidden = [name for name in _names(folder) if name.startswith(".") and name != RECORD]
    assert hidden == []


def test_workers_die_with_a_killed_collect(tmp_path):
    from xlkpi.month.collect import collect_month

    folder, _ = month_of(tmp_path, [f"E{n},员工{n},客服部,电话专员,李四" for n in range(600)])
    workers = kill_when(lambda: collect_month(folder, MONTH, jobs=2), lambda: True)
    assert workers and ended(workers)


def _names(folder: Path):
    try:
        return os.listdir(folder)
    except OSError:
        return []
