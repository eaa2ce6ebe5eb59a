"""Paths a clerk gets wrong, and names Excel counts differently (cause 5 and the Messages paragraph)."""

from __future__ import annotations

import pytest

from tests.cli import run_cli
from tests.faults.workbooks import fill_complete, month_of
from xlkpi.base.errors import FileFault, explain, file_fault
from xlkpi.forms.definitions import get_form
from xlkpi.month.monthly import close_month
from xlkpi.workbook.layout import safe_sheet_title, utf16_length


def test_roster_path_that_is_a_folder_or_missing(tmp_path):
    (tmp_path / "名单").mkdir()
    folder = run_cli("generate", "--month", "2026-11", "--roster", tmp_path / "名单", "--out", tmp_path / "out")
    missing = run_cli("generate", "--month", "2026-11", "--roster", tmp_path / "无.csv", "--out", tmp_path / "out")
    assert folder.exit_code == 2 and "是一个文件夹" in folder.output and "名单" in folder.output
    assert missing.exit_code == 2 and "不存在" in missing.output and "无.csv" in missing.output
    for result in (folder, missing):
        assert "Invalid value" not in result.output and "does not exist" not in result.output


def test_collect_path_that_is_a_file_or_missing(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    for path, words in ((tmp_path / "f.txt", "是一个文件"), (tmp_path / "nothing", "不存在")):
        result = run_cli("collect", path)
        assert result.exit_code == 2 and words in result.output and "Invalid value" not in result.output


@pytest.mark.parametrize("department", ["客" * 30 + "😀", "部" * 30 + "'门", "'" + "部" * 40, "😀" * 20])
def test_sheet_titles_count_as_excel_counts(tmp_path, department):
    title = safe_sheet_title(department)
    assert 0 < utf16_length(title) <= 31 and not title.startswith("'") and not title.endswith("'")
    assert utf16_length(safe_sheet_title(department, "(2)")) <= 31
    folder, report = month_of(tmp_path, [f"E1,张三,{department},电话专员,李四", f"E2,李四,{department}x,电话专员,李四"])
    assert not report.problems
    fill_complete(report.written[0], get_form("dianhua_zhuanyuan"))
    result = close_month(folder)
    assert result.summary.exists() and len(result.frame) == 2


def test_os_errors_are_told_in_chinese_with_the_file():
    error = OSError(28, "No space left on device")
    assert "磁盘已满" in explain(error) and "No space left on device" in explain(error)
    long_name = "/x/" + "很长的名字" * 60 + ".xlsx"
    fault = file_fault(OSError(36, "File name too long", long_name), long_name, "写入考核表")
    assert isinstance(fault, FileFault) and "过长" in str(fault) and "…" in str(fault) and len(str(fault)) < 500
    assert "Permission" in explain(PermissionError(13, "Permission denied")) and "权限" in explain(
        PermissionError(13, "Permission denied"))


@pytest.mark.parametrize(("text", "words"), [
    ("attempt to write a readonly database", "只读"), ("database or disk is full", "磁盘已满"),
    ("database is locked", "正被另一个程序使用"), ("file is not a database", "不是 SQLite 数据库"),
    ("disk I/O error", "磁盘出错")])
def test_ledger_errors_are_told_in_chinese(text, words):
    import sqlite3

    assert words in explain(sqlite3.OperationalError(text)) and text in explain(sqlite3.OperationalError(text))
