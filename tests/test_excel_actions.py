"""What the add-in's buttons do (`xlkpi.app.actions`), and how a click is answered (`glue.respond`).

The actions are plain functions on paths; these tests run them on real files: the
demo roster, the workbooks they generate, those workbooks filled as a clerk would.
"""

from __future__ import annotations

import datetime
import random
import shutil
from pathlib import Path

import openpyxl
import pytest

import xlkpi
from xlkpi.app import actions, glue
from xlkpi.excel import udfs
from xlkpi.month.roster import demo_roster_path
from xlkpi.rules.sampling import random_filling

from .filling import fill_workbook

TODAY = datetime.date(2026, 11, 3)


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "名单.csv"
    shutil.copy(demo_roster_path(), path)
    return path


def month_files(folder: Path) -> list:
    return sorted(path for path in folder.rglob("*.xlsx") if ".bak-" not in path.name)


def test_generate_writes_this_month_beside_the_roster(roster):
    answer = actions.generate_this_month(roster, today=TODAY)
    written = month_files(roster.parent / "2026-11")
    assert len(written) == 12
    assert answer.splitlines()[0] == "2026-11：生成 12 份考核表，跳过 0 份（已填写，未覆盖）。"
    assert f"文件夹：{roster.parent / '2026-11'}" in answer
    again = actions.generate_this_month(roster, today=TODAY)
    assert again.splitlines()[0] == "2026-11：生成 12 份考核表，跳过 0 份（已填写，未覆盖）。"  # blank ones are rewritten


def test_generate_refuses_a_workbook_that_is_not_a_roster(tmp_path):
    book = tmp_path / "考核表.xlsm"
    book.write_bytes(b"")
    assert "不是名单" in actions.generate_this_month(book, today=TODAY)
    bad = tmp_path / "名单.csv"
    bad.write_text("姓名,部门\n张三,客服部\n", encoding="utf-8")
    answer = actions.generate_this_month(bad, today=TODAY)
    assert "工号" in answer and "Traceback" not in answer


def test_month_folder(tmp_path):
    for name in ("2026-09", "2026-10", "2026-12", "notes"):
        (tmp_path / name / "客服部").mkdir(parents=True)
    roster = tmp_path / "名单.xlsx"
    assert actions.month_folder(roster, today=TODAY) == tmp_path / "2026-10"  # not the future one
    inside = tmp_path / "2026-09" / "客服部" / "E1_张三_客服专员.xlsx"
    assert actions.month_folder(inside, today=TODAY) == tmp_path / "2026-09"
    assert actions.month_folder(tmp_path / "notes" / "a.xlsx", today=datetime.date(2026, 1, 1)) is None


def test_collect_summarises_and_keeps_the_old_summary(roster):
    actions.generate_this_month(roster, today=TODAY)
    rng = random.Random(3)
    for path in month_files(roster.parent / "2026-11")[:5]:
        form_id = xlkpi.get_form(path.stem.split("_")[-1]).id
        fill_workbook(path, random_filling(xlkpi.get_form(form_id), rng))
    answer = actions.collect_this_month(roster, today=TODAY)
    assert answer.splitlines()[0].startswith("2026-11：汇总 12 份（已完成 5 份），问题 ")
    summary = roster.parent / "2026-11_汇总.xlsx"
    assert summary.exists()
    before = summary.read_bytes()
    again = actions.collect_this_month(roster, today=TODAY)
    assert "原汇总表已备份为：2026-11_汇总.bak-1.xlsx" in again
    assert (roster.parent / "2026-11_汇总.bak-1.xlsx").read_bytes() == before


def test_collect_without_a_month_folder(roster):
    assert "没有月份文件夹" in actions.collect_this_month(roster, today=TODAY)


def test_check_lists_problems_or_the_result(roster):
    actions.generate_this_month(roster, today=TODAY)
    path = month_files(roster.parent / "2026-11")[0]
    form = xlkpi.get_form(path.stem.split("_")[-1])
    blank = actions.check_workbook(path)
    assert blank.startswith(f"{path.stem.split('_')[1]}（{path.stem.split('_')[0]}），2026-11：发现 ")
    assert "[blank]" in blank
    values = random_filling(form, random.Random(5))
    fill_workbook(path, values)
    inputs = {spec.name: values.get(spec.name, spec.default) for spec in form.input_specs()}
    total = xlkpi.score(form, inputs)["out_total"]
    assert actions.check_workbook(path).endswith(f"：没有发现问题。总分 {total:.15g}。")
    first = next(spec.name for spec in form.input_specs() if spec.kind not in ("choice",))
    fill_workbook(path, {first: "abc"})
    assert "abc" in actions.check_workbook(path)


def test_check_a_file_that_is_not_an_appraisal(tmp_path):
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    assert actions.check_workbook(other) == "不是 xlkpi 生成的考核表（缺少隐藏的 _xlkpi 记录）。"
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"not a workbook")
    answer = actions.check_workbook(damaged)
    assert answer and "Traceback" not in answer


def test_function_help_names_every_kpi_function():
    text = actions.function_help()
    names = sorted(name for name in dir(udfs) if name.startswith("KPI_"))
    assert [line.split("(")[0] for line in text.splitlines() if line.startswith("=")] == [f"={n}" for n in names]
    assert "=KPI_BAND(value, thresholds, scores, [lower_is_better], [else_score])" in text


# ----------------------------------------------------------------- glue.respond
def test_respond_needs_a_saved_workbook():
    assert "还没有保存过" in glue.respond("check", None)
    assert glue.respond("help", None) == actions.function_help()
    assert "未知的操作 'explode'" in glue.respond("explode", "C:/x.xlsx")


def test_respond_warns_about_unsaved_changes(roster):
    answer = glue.respond("collect", str(roster), saved=False)
    assert answer.startswith("注意：当前工作簿有未保存的修改")
    assert glue.respond("collect", str(roster)) == answer.split("\n", 1)[1]
