"""Plausible bounds from the definition: an ID number in a count or 75 typed for 75% is refused at
its cell, by the sheet's range check and by collect alike (cause 15)."""

from __future__ import annotations

import openpyxl
import pytest

from tests.cli import run_cli
from tests.faults.workbooks import MONTH, fill, fill_complete, month_of
from xlkpi.forms.definitions import check_form_file, get_form, load_form
from xlkpi.month.collect import read_appraisal
from xlkpi.workbook.render import render_workbook

EXAMPLE = "tests/forms/valid/example.yaml"


def _problem(path, name):
    _, problems = read_appraisal(path, month=MONTH)
    return next((p for p in problems if p.name == name), None)


@pytest.mark.parametrize(("line", "form", "name", "value", "words"), [
    ("E1,张三,门市,客服专员（门市）,李四", "kefu_zhuanyuan_menshi", "in_suggestion", 110101199001011234, "1000"),
    ("E1,张三,门市,客服专员（门市）,李四", "kefu_zhuanyuan_menshi", "in_photo_customers", 1e19, "10000"),
    ("E1,张三,客服,客户服务人员,李四", "kefu_renyuan", "in_satisfaction", 75, "100%"),
    ("E1,张三,客服,客户服务人员,李四", "kefu_renyuan", "in_rewards_letter", 1e26, "1000"),
    ("E1,张三,经理,呼叫中心经理,李四", "hujiao_jingli", "in_fcr_actual", 75, "%"),
])
def test_an_implausible_number_is_refused_at_its_cell(tmp_path, line, form, name, value, words):
    _, report = month_of(tmp_path, [line])
    path = report.written[0]
    fill_complete(path, get_form(form))
    fill(path, {name: value})
    problem = _problem(path, name)
    assert problem is not None and problem.code == "out-of-range" and problem.cell and words in problem.message
    appraisal, _ = read_appraisal(path, month=MONTH)
    assert appraisal.outputs["out_total"] is None  # never a total from it


def test_the_sheet_refuses_what_collect_refuses(tmp_path):
    data = render_workbook("客户服务人员", name="张三", employee_id="E1", department="客服", month=MONTH)
    path = tmp_path / "a.xlsx"
    path.write_bytes(data)
    book = openpyxl.load_workbook(path)
    form = get_form("kefu_renyuan")
    names = {name: definition.attr_text for name, definition in book.defined_names.items()}
    for spec in form.input_specs():
        if spec.kind != "number":
            continue
        cell = names[spec.name].split("!")[1].replace("$", "")
        sheet = book[names[spec.name].split("!")[0].strip("'")]
        (validation,) = [dv for dv in sheet.data_validations.dataValidation if cell in dv.sqref]
        assert float(validation.formula2) == spec.high and float(validation.formula1) == spec.low


def test_a_definition_states_its_own_bound_or_none(tmp_path):
    text = open(EXAMPLE, encoding="utf-8").read()
    bounded = tmp_path / "bounded.yaml"
    bounded.write_text(text.replace("input: {prompt: 违纪次数, unit: 次}", "input: {prompt: 违纪次数, unit: 次, max: 31}"),
                       encoding="utf-8")
    unbounded = tmp_path / "unbounded.yaml"
    unbounded.write_text(text.replace("input: {prompt: 违纪次数, unit: 次}", "input: {prompt: 违纪次数, unit: 次, max: none}"),
                         encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("input: {prompt: 违纪次数, unit: 次}", "input: {prompt: 违纪次数, unit: 次, max: 很多}"),
                     encoding="utf-8")
    specs = {path.name: {spec.name: spec for spec in load_form(path).input_specs()} for path in (bounded, unbounded)}
    assert specs["bounded.yaml"]["in_discipline"].high == 31
    assert specs["unbounded.yaml"]["in_discipline"].high is None
    assert not check_form_file(bounded)[1] and not check_form_file(unbounded)[1]
    assert [p.code for p in check_form_file(wrong)[1]] == ["bad-type"]
    result = run_cli("forms", "check", wrong)
    assert result.exit_code == 1 and "input.max" in result.output
