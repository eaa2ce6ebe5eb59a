"""`xlkpi generate`: a month's blank workbooks for everyone on the roster."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from xlkpi.base import safe_write
from xlkpi.month.batch import generate_month

from .cli import run_cli
from .filling import fill_workbook

DEMO_FILES = [
    "2026-11/呼叫中心/E2001_赵磊_电话专员.xlsx",
    "2026-11/呼叫中心/E2002_黄佳怡_电话专员.xlsx",
    "2026-11/呼叫中心/E2003_周子涵_电话专员.xlsx",
    "2026-11/呼叫中心/E2004_吴浩然_电话专员.xlsx",
    "2026-11/呼叫中心/E3001_孙志强_呼叫中心经理.xlsx",
    "2026-11/客服部&售后/E1004_刘洋_客服专员.xlsx",
    "2026-11/客服部&售后/E1005_陈思雨_客服专员.xlsx",
    "2026-11/客服部&售后/E2005_郑雪_电话专员.xlsx",
    "2026-11/客服部&售后/E3002_周敏_呼叫中心经理.xlsx",
    "2026-11/客服部/E1001_王丽娜_客服专员.xlsx",
    "2026-11/客服部/E1002_李晓明_客服专员.xlsx",
    "2026-11/客服部/E1003_张婷婷_客服专员.xlsx",
]
FILLED = "2026-11/客服部/E1001_王丽娜_客服专员.xlsx"


run = run_cli


def files(folder: Path) -> dict:
    """Every file under `folder`: relative path → bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")}


def closing_line(written, skipped, problems, out) -> re.Pattern:
    return re.compile(rf"完成：生成 {written} 份，跳过 {skipped} 份，问题 {problems} 个，用时 \d+\.\d 秒。"
                      rf"输出：{re.escape(str(Path(out).resolve()))}")


@pytest.fixture
def cwd(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_demo_roster(cwd):
    result = run("generate", "--month", "2026-11", "--out", "out")
    assert result.exit_code == 0
    assert sorted(files(cwd / "out")) == sorted(DEMO_FILES)
    assert closing_line(12, 0, 0, "out").fullmatch(result.stdout.rstrip("\n"))
    assert result.stderr == ""
    assert "\r" not in result.output  # no progress bar when not on a terminal


def test_rerun_keeps_filled_workbooks(cwd):
    assert run("generate", "--month", "2026-11", "--out", "out").exit_code == 0
    blank = files(cwd / "out")
    fill_workbook(cwd / "out" / FILLED, {"in_attendance": 1, "in_skill": 8})
    filled = (cwd / "out" / FILLED).read_bytes()
    untouched = cwd / "out" / DEMO_FILES[0]
    os.utime(untouched, ns=(0, 0))

    again = run("generate", "--month", "2026-11", "--out", "out")
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0] == f"已跳过（与生成时不同，可能已填写；未覆盖）：out/{FILLED}"
    assert closing_line(11, 1, 0, "out").fullmatch(again.stdout.splitlines()[1])
    assert len(again.stdout.splitlines()) == 2
    assert (cwd / "out" / FILLED).read_bytes() == filled
    assert untouched.stat().st_mtime_ns > 0  # regenerated
    assert files(cwd / "out") == {**blank, FILLED: filled}

    forced = run("generate", "--month", "2026-11", "--out", "out", "--force")
    assert forced.exit_code == 0
    backup = FILLED.replace(".xlsx", ".bak-1.xlsx")
    assert forced.stdout.splitlines()[0] == f"已备份：out/{backup}"
    assert closing_line(12, 0, 0, "out").fullmatch(forced.stdout.splitlines()[1])
    assert (cwd / "out" / backup).read_bytes() == filled
    assert files(cwd / "out") == {**blank, backup: filled}

    # the overwritten workbook is blank again: no second backup
    assert run("generate", "--month", "2026-11", "--out", "out", "--force").stdout.count("已备份") == 0


def test_existing_and_new_folders(cwd):
    """A department folder that exists takes its workbooks one by one; the others appear whole.
    Nothing else in the folders is touched and no hidden staging folder is left."""
    existing = cwd / "out" / "2026-11" / "客服部"
    existing.mkdir(parents=True)
    (existing / "说明.txt").write_text("别动", encoding="utf-8")
    result = run("generate", "--month", "2026-11", "--out", "out")
    assert result.exit_code == 0
    assert sorted(files(cwd / "out")) == sorted([*DEMO_FILES, "2026-11/客服部/说明.txt"])
    assert (existing / "说明.txt").read_text(encoding="utf-8") == "别动"
    assert not [path for path in (cwd / "out").rglob("*")
                if path.name.startswith(".") and path.name != ".xlkpi-generated.json"]


def test_udf_dialect_writes_xlsm(cwd):
    result = run("generate", "--month", "2026-11", "--out", "out", "--dialect", "udf")
    assert result.exit_code == 0
    assert sorted(files(cwd / "out")) == sorted(name.replace(".xlsx", ".xlsm") for name in DEMO_FILES)
    with zipfile.ZipFile(cwd / "out" / DEMO_FILES[0].replace(".xlsx", ".xlsm")) as package:
        assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in package.read("[Content_Types].xml")


def test_roster_problems(cwd):
    (cwd / "roster.csv").write_text(
        "工号,姓名,部门,岗位,考核人\n"
        "E1,甲,客服部,客服专员,陈\n"
        "E1,乙,客服部,客服专员,陈\n"
        "E2,,客服部,电话专员,陈\n"
        "E3,丙,客服部,客服专管,陈\n"
        "E4,丁,呼叫中心,呼叫中心经理,林\n", encoding="utf-8")
    result = run("generate", "--month", "2026-11", "--roster", "roster.csv", "--out", "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'roster.csv:3 [duplicate-employee]: 工号 "E1" 重复（第 2 行已出现）。',
        "roster.csv:4 [blank]: 姓名为空：每一行都应填写工号、姓名、部门和岗位。",
        'roster.csv:5 [unknown-form]: 岗位 "客服专管" 不是已知的表单，是否应为 "客服主管"？自己的表单定义请放在一个文件夹里，用 --forms 文件夹 指定。',
    ]
    assert closing_line(2, 0, 3, "out").fullmatch(result.stdout.rstrip("\n"))
    assert sorted(files(cwd / "out")) == ["2026-11/呼叫中心/E4_丁_呼叫中心经理.xlsx", "2026-11/客服部/E1_甲_客服专员.xlsx"]


ROSTER = "工号,姓名,部门,岗位,考核人\nE1,甲,客服部,客服专员,陈\nE2,乙,呼叫中心,电话专员,林\n"


def _failing_rename(source, target):
    raise OSError(28, "No space left on device")


def _half_write(real_write):
    """An `os.write` that writes half of what it is given, then fails like a full disk."""

    def write(handle, data):
        real_write(handle, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    return write


@pytest.mark.parametrize("crash", ["rename", "write"])
def test_a_crash_leaves_no_file(tmp_path, monkeypatch, crash):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    good = generate_month(roster, "2026-11", tmp_path / "good", jobs=1)
    assert len(good.written) == 2 and not good.problems
    before = files(tmp_path / "good")

    if crash == "rename":  # moving a new folder into place, or a file over an existing one
        monkeypatch.setattr(safe_write.os, "rename", _failing_rename)
        monkeypatch.setattr(safe_write.os, "replace", _failing_rename)
    else:
        monkeypatch.setattr(safe_write.os, "write", _half_write(os.write))

    fresh = generate_month(roster, "2026-11", tmp_path / "fresh", jobs=1)
    assert fresh.written == []
    assert [problem.code for problem in fresh.problems] == ["write-failed", "write-failed"]
    assert all("No space left on device" in problem.message for problem in fresh.problems)
    assert files(tmp_path / "fresh") == {}  # neither the workbooks nor a temporary file
    assert list((tmp_path / "fresh").rglob(".*")) == []  # nor a hidden staging folder

    # regenerating over existing workbooks: they stay as they were
    again = generate_month(roster, "2026-11", tmp_path / "good", jobs=1, force=True)
    assert again.written == [] and len(again.problems) == 2
    assert files(tmp_path / "good") == before


def test_parallel_jobs_write_the_same_files(tmp_path):
    forms = ["客服专员", "电话专员", "呼叫中心经理"]
    departments = ["客服部", "呼叫中心", "售后/退换"]
    lines = ["工号,姓名,部门,岗位,考核人"]
    for number in range(70):
        form = forms[number % 3 - number % 2]
        lines.append(f"E{number:03d},员工{number},{departments[number % 3]},{form},主管{number % 5}")
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = run("generate", "--month", "2026-11", "--roster", roster, "--out", tmp_path / "one", "--jobs", 1)
    two = run("generate", "--month", "2026-11", "--roster", roster, "--out", tmp_path / "two", "--jobs", 2)
    assert (one.exit_code, two.exit_code) == (0, 0)
    serial, parallel = files(tmp_path / "one"), files(tmp_path / "two")
    assert len(serial) == 70
    assert serial == parallel
    assert not [path for path in (tmp_path / "two").rglob("*")
                if path.name.startswith(".") and path.name != ".xlkpi-generated.json"]
    report = generate_month(roster, "2026-11", tmp_path / "three", jobs=2)
    assert [os.path.basename(path).split("_")[0] for path in report.written] == [f"E{number:03d}"
                                                                                 for number in range(70)]
    assert "2026-11/售后_退换/E002_员工2_呼叫中心经理.xlsx" in serial


def test_spawned_workers_write_the_same_workbooks(tmp_path, monkeypatch):
    """As on Windows, where workers cannot fork: they start afresh (given the month's templates)."""
    from xlkpi.month import batch

    lines = ["工号,姓名,部门,岗位,考核人"] + [f"E{number:03d},员工{number},客服部,电话专员,陈" for number in range(70)]
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    forked = generate_month(roster, "2026-11", tmp_path / "forked", jobs=2)
    monkeypatch.setattr(batch.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    spawned = generate_month(roster, "2026-11", tmp_path / "spawned", jobs=2)
    assert len(spawned.written) == 70 and not spawned.problems
    assert files(tmp_path / "spawned") == files(tmp_path / "forked")


def test_collect_ignores_a_staged_folder_left_by_a_crash(cwd):
    assert run("generate", "--month", "2026-11", "--out", "out").exit_code == 0
    left = cwd / "out" / "2026-11" / ".售后部.xlkpi-partial-4242"
    left.mkdir()
    (left / "E9_某_客服专员.xlsx").write_bytes((cwd / "out" / DEMO_FILES[-1]).read_bytes())
    from xlkpi.month.collect import find_workbooks

    assert len(find_workbooks(cwd / "out" / "2026-11")) == len(DEMO_FILES)
