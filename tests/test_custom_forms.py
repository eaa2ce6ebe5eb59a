"""The user's own forms: `--forms DIR` (or XLKPI_FORMS) next to the built-in ones, through
the whole month: listed, named in the roster, generated, collected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xlkpi.forms.definitions import builtin_dir

from .cli import run_cli

VALID = Path(__file__).resolve().parent / "forms" / "valid"
ROSTER = "工号,姓名,部门,岗位,考核人\nE1,甲,售后部,示例专员,李\nE2,乙,客服部,客服专员,陈\n"
HINT = "自己的表单定义请放在一个文件夹里，用 --forms 文件夹 指定。"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A folder holding one definition of the user's (示例专员); XLKPI_FORMS restored afterwards."""
    monkeypatch.setenv("XLKPI_FORMS", "")
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "我的表单"
    mine.mkdir()
    shutil.copy(VALID / "example.yaml", mine / "shili_zhuanyuan.yaml")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return mine


def test_forms_lists_the_users_forms_after_the_built_in_ones(folder):
    plain = run_cli("forms")
    result = run_cli("forms", "--forms", folder)
    assert result.exit_code == 0
    assert result.stdout.startswith(plain.stdout)
    added = result.stdout[len(plain.stdout):].splitlines()
    assert len(added) == 1 and added[0].split()[:2] == ["shili_zhuanyuan", "示例专员"]


def test_a_month_on_the_users_form(folder, monkeypatch):
    without = run_cli("generate", "--month", "2026-11", "--roster", "roster.csv", "--out", "out")
    assert without.exit_code == 1
    assert without.stderr.splitlines() == [
        f'roster.csv:2 [unknown-form]: 岗位 "示例专员" 不是已知的表单，是否应为 "电话专员"？{HINT}']

    generated = run_cli("generate", "--forms", folder, "--month", "2026-11", "--roster", "roster.csv",
                        "--out", "mine")
    assert generated.exit_code == 0, generated.output
    assert sorted(path.relative_to("mine").as_posix() for path in Path("mine").rglob("*.xlsx")) == [
        "2026-11/售后部/E1_甲_示例专员.xlsx", "2026-11/客服部/E2_乙_客服专员.xlsx"]

    monkeypatch.setenv("XLKPI_FORMS", "")  # a new command, without --forms
    unknown = run_cli("collect", "mine/2026-11", "--month", "2026-11")
    assert "shili_zhuanyuan" in unknown.stderr and "[unknown-form]" in unknown.stderr

    collected = run_cli("collect", "--forms", folder, "mine/2026-11", "--month", "2026-11", "--force")
    assert "[unknown-form]" not in collected.stderr
    assert collected.stdout.startswith("2026-11：汇总 2 份")


def test_a_form_named_like_another_is_refused(folder):
    shutil.copy(builtin_dir() / "kefu_zhuanyuan.yaml", folder / "copy.yaml")
    result = run_cli("forms", "--forms", folder)
    assert result.exit_code == 1
    assert str(folder / "copy.yaml") in result.stderr
    assert str(builtin_dir() / "kefu_zhuanyuan.yaml") in result.stderr
    assert "重名" in result.stderr


def test_a_definition_with_problems_in_the_folder_stops_the_command(folder):
    (folder / "broken.yaml").write_text("id: broken\nname: 坏表单\n", encoding="utf-8")
    result = run_cli("forms", "--forms", folder)
    assert result.exit_code == 1
    assert str(folder / "broken.yaml") in result.stderr


def test_a_missing_folder_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("XLKPI_FORMS", str(tmp_path / "nowhere"))
    result = run_cli("forms")
    assert result.exit_code == 1
    assert f"表单文件夹 {tmp_path / 'nowhere'} 不存在" in result.stderr
