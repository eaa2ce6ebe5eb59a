"""An employee with two workbooks in one month: the filled one is recorded, never the blank one made
after a move; two filled ones are both refused (cause 10, collect's side)."""

from __future__ import annotations

import shutil

from tests.faults.workbooks import fill, fill_complete, month_of
from xlkpi.forms.definitions import get_form
from xlkpi.month.monthly import close_month

PHONE = "dianhua_zhuanyuan"


def test_the_filled_workbook_wins_over_a_blank_twin(tmp_path):
    folder, report = month_of(tmp_path, ["E1,张三,客服部,电话专员,李四"])
    filled = report.written[0]
    fill_complete(filled, get_form(PHONE))
    (folder / "销售部").mkdir()
    blank = folder / "销售部" / "E1_张三_电话专员.xlsx"
    (tmp_path / "fresh").mkdir()
    _, fresh = month_of(tmp_path / "fresh", ["E1,张三,销售部,电话专员,李四"])
    shutil.copy(fresh.written[0], blank)
    result = close_month(folder)
    assert result.frame["file"].tolist() == ["客服部/E1_张三_电话专员.xlsx"]
    assert [(p.code, p.file) for p in result.problems if p.code == "duplicate-employee"] == [
        ("duplicate-employee", "销售部/E1_张三_电话专员.xlsx")]


def test_two_filled_workbooks_are_both_refused(tmp_path):
    folder, report = month_of(tmp_path, ["E1,张三,客服部,电话专员,李四"])
    first = report.written[0]
    fill_complete(first, get_form(PHONE))
    (folder / "销售部").mkdir()
    second = folder / "销售部" / "E1_张三_电话专员.xlsx"
    shutil.copy(first, second)
    spec = next(spec for spec in get_form(PHONE).input_specs() if spec.kind in ("level", "rating"))
    fill(second, {spec.name: spec.allowed[-1]})
    result = close_month(folder)
    assert len(result.frame) == 0
    found = sorted(p.file for p in result.problems if p.code == "duplicate-employee")
    assert found == ["客服部/E1_张三_电话专员.xlsx", "销售部/E1_张三_电话专员.xlsx"]
    assert all("均未汇总" in p.message for p in result.problems if p.code == "duplicate-employee")
