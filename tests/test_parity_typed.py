"""The sheet and collect agree on every entry a clerk can type.

Each case types values into a generated workbook as a clerk leaves them in the cells
(numbers, text digits, full-width digits, spaces, percent signs and thousands separators
stored as text, labels outside the levels, choices written otherwise than listed,
logical values, error values, empty text), has LibreOffice recalculate every workbook in
one batch, and then reads the recalculated workbook with collect:

* every computed cell the sheet shows equals what collect records (填写有误 on the sheet
  is a blank result in collect), 填写状态 word for word, and collect finds no saved
  result that differs from its own;
* every entry the sheet refuses is a problem at its cell whose message says what to type
  instead, and its item's score cell shows 填写有误;
* the status of each case is the one written here from the rule (blank and wrong items
  counted apart), so that the two cannot agree on a wrong answer.

The udf dialect is recalculated too: LibreOffice cannot run KPI_*, which is exactly the
case of functions that are not available (#NAME?), and 填写状态 must say so.
"""

from __future__ import annotations

import random

import openpyxl
import pytest

import xlkpi
from xlkpi.month.collect import read_appraisal
from xlkpi.office.libreoffice import convert
from xlkpi.rules.sampling import random_filling
from xlkpi.rules.scoring import WRONG_ENTRY
from xlkpi.workbook.formulas import UNAVAILABLE
from xlkpi.workbook.render import render_workbook

from .filling import fill_workbook, named_cells
from .sheetvalues import defined_cells, read_values, same_value

pytestmark = [pytest.mark.xdist_group("libreoffice"), pytest.mark.libreoffice]

WRONG = "未完成：{} 项填写有误"

# case id → (form, entries typed over a complete filling, the status the rule gives,
#            {input name: (problem code, a fragment of the message)})
CASES = {
    "full-width digit as text": ("kefu_zhuanyuan", {"in_skill": "８"}, WRONG.format(1),
                                 {"in_skill": ("number-as-text", "请重新输入 8（")}),
    "digits with spaces as text": ("kefu_zhuanyuan", {"in_conversion": " 8 ", "in_attendance": "1"}, WRONG.format(2),
                                   {"in_conversion": ("number-as-text", "请重新输入 8（"),
                                    "in_attendance": ("number-as-text", "请重新输入 1（")}),
    "decimal as text": ("kefu_zhuanyuan", {"in_leave": "0.5"}, WRONG.format(1),
                        {"in_leave": ("number-as-text", "请重新输入 0.5（")}),
    "text number out of range": ("kefu_zhuanyuan", {"in_skill": "12"}, WRONG.format(1),
                                 {"in_skill": ("out-of-range", '应在 0 到 10 之间，实际为 "12"')}),
    "choice with a space": ("kefu_zhuanyuan", {"in_duty": " 按要求完成"}, WRONG.format(1),
                            {"in_duty": ("not-a-choice", '请从下拉列表中选择 "按要求完成"')}),
    "choice not in the list": ("kefu_zhuanyuan", {"in_duty": "优"}, WRONG.format(1),
                               {"in_duty": ("not-a-choice", '实际为 "优"')}),
    "number out of range and a fraction": ("kefu_zhuanyuan", {"in_skill": 15, "in_attendance": 1.5}, WRONG.format(2),
                                           {"in_skill": ("out-of-range", "实际为 15"),
                                            "in_attendance": ("not-an-integer", "实际为 1.5")}),
    "only spaces beside a blank": ("kefu_zhuanyuan", {"in_skill": "  ", "in_volume": None},
                                   "未完成：1 项未填，1 项填写有误",
                                   {"in_skill": ("not-a-number", "按 Delete 键")}),
    "logical value": ("kefu_zhuanyuan", {"in_teamwork": True}, WRONG.format(1),
                      {"in_teamwork": ("not-a-number", "TRUE")}),
    "error value": ("kefu_zhuanyuan", {"in_service": "#N/A"}, WRONG.format(1),
                    {"in_service": ("not-a-number", '"#N/A"')}),
    "numbers typed as numbers": ("kefu_zhuanyuan", {"in_skill": 8, "in_leave": 0.5, "in_duty": "值日不达标"},
                                 "已完成", {}),
    "labels outside the levels": ("dianhua_zhuanyuan", {"in_info_mgmt_sup": "优", "in_archive_mgmt_self": "20",
                                                        "in_service_knowledge_sup": "５",
                                                        "in_customer_focus_self": 6},
                                  WRONG.format(4),
                                  {"in_info_mgmt_sup": ("not-a-level", "应为 20、10 或 0"),
                                   "in_archive_mgmt_self": ("number-as-text", "请重新输入 20（"),
                                   "in_service_knowledge_sup": ("number-as-text", "请重新输入 5（"),
                                   "in_customer_focus_self": ("not-a-level", "实际为 6")}),
    "a wrong rater beside a blank one": ("dianhua_zhuanyuan", {"in_revisit_self": "优", "in_revisit_sup": None},
                                         WRONG.format(1), {"in_revisit_self": ("not-a-level", '"优"')}),
    "percent sign and separators as text": ("hujiao_jingli", {"in_plan_completion_actual": "85%",
                                                              "in_call_volume_actual": "12,000",
                                                              "in_fcr_target": "８０％"},
                                            WRONG.format(3),
                                            {"in_plan_completion_actual": ("number-as-text", "请重新输入 85%（"),
                                             "in_call_volume_actual": ("number-as-text", "请重新输入 12000（"),
                                             "in_fcr_target": ("number-as-text", "请重新输入 80%（")}),
    "a target of 0": ("hujiao_jingli", {"in_satisfaction_target": 0}, WRONG.format(1), {}),
    "a ratio over 0": ("wangdian_kefu", {"in_inquiry_conversion_den": 0}, WRONG.format(1), {}),
    "a count as text": ("wangdian_kefu", {"in_payment_rate_num": "12"}, WRONG.format(1),
                        {"in_payment_rate_num": ("number-as-text", "请重新输入 12（")}),
    "a rate as text": ("kefu_renyuan", {"in_satisfaction": "95%"}, WRONG.format(1),
                       {"in_satisfaction": ("number-as-text", "请重新输入 95%（")}),
}


def saved_values(path, names) -> dict:
    """The values saved in the named cells, error values as their text (`#NAME?`)."""
    workbook = openpyxl.load_workbook(path, data_only=True)
    cells = named_cells(workbook)
    return {name: workbook[cells[name][0]].cell(cells[name][1], cells[name][2]).value for name in names}


def complete_filling(form_id: str) -> dict:
    """A complete, valid filling (numbers typed as numbers), the same on every run, with every
    denominator and target above 0."""
    form = xlkpi.get_form(form_id)
    rng = random.Random(form_id)
    while True:
        filling = random_filling(form, rng)
        if all(value not in (0, None) for name, value in filling.items() if name.endswith(("_den", "_target"))) \
                and xlkpi.score(form, filling)["out_status"] == "已完成":
            return filling


@pytest.fixture(scope="module")
def typed(soffice, tmp_path_factory):
    """{case id: (recalculated path, collect's appraisal, its problems, the sheet's values)}."""
    source = tmp_path_factory.mktemp("typed")
    target = tmp_path_factory.mktemp("typed-recalculated")
    paths = {}
    for index, (case, (form_id, entries, _, _)) in enumerate(CASES.items()):
        path = source / f"case{index:02d}.xlsx"
        render_workbook(form_id, name="测试员", employee_id=f"T{index:02d}", department="客服部", month="2026-11",
                        values=complete_filling(form_id), out=path)
        fill_workbook(path, entries)
        paths[case] = path
    converted = dict(zip(paths.values(), convert(list(paths.values()), target, "xlsx", processes=2)))
    results = {}
    for case, path in paths.items():
        recalculated = converted[path]
        appraisal, problems = read_appraisal(recalculated, month="2026-11")
        cells = {name: cell for name, cell in defined_cells(recalculated).items() if name.startswith("out_")}
        results[case] = (recalculated, appraisal, problems, read_values(recalculated, cells))
    return results


@pytest.mark.parametrize("case", list(CASES))
def test_collect_records_what_the_sheet_shows(typed, case):
    form_id, _, status, _ = CASES[case]
    _, appraisal, problems, sheet = typed[case]
    form = xlkpi.get_form(form_id)
    assert appraisal is not None, problems
    differ = [(name, got, appraisal.outputs[name]) for name, got in sheet.items()
              if not same_value(got, appraisal.outputs[name], form.decimals)]
    assert not differ
    assert sheet["out_status"] == appraisal.outputs["out_status"] == status
    assert [p for p in problems if p.code in ("cached-mismatch", "formula-overwritten")] == []


@pytest.mark.parametrize("case", list(CASES))
def test_every_refused_entry_is_a_located_problem_saying_what_to_type(typed, case):
    form_id, entries, status, expected = CASES[case]
    path, _, problems, sheet = typed[case]
    form = xlkpi.get_form(form_id)
    cells = named_cells(openpyxl.load_workbook(path))
    found = {p.name: p for p in problems if p.code != "blank"}
    for name, (code, fragment) in expected.items():
        problem = found[name]
        sheet_name, row, col = cells[name]
        assert (problem.sheet, problem.cell) == (sheet_name, f"{openpyxl.utils.get_column_letter(col)}{row}")
        assert problem.code == code and fragment in problem.message, problem
    items = {spec.name: spec.item for spec in form.input_specs()}
    for name in expected:  # the refused entry's item shows 填写有误, its totals stay blank
        assert sheet[f"out_{items[name]}"] == WRONG_ENTRY
    if status != "已完成":
        assert sheet["out_total"] == ""


def test_empty_text_is_a_blank_on_both_sides(soffice, tmp_path):
    # a cell holding empty text is blank for COUNTBLANK and for collect
    path = tmp_path / "empty.xlsx"
    render_workbook("kefu_zhuanyuan", name="测试员", employee_id="T1", department="客服部", month="2026-11",
                    values=complete_filling("kefu_zhuanyuan"), out=path)
    workbook = openpyxl.load_workbook(path)
    sheet, row, col = named_cells(workbook)["in_feedback"]
    workbook[sheet].cell(row=row, column=col).value = ""
    workbook[sheet].cell(row=row, column=col).data_type = "s"
    workbook.save(path)
    recalculated = convert([path], tmp_path / "out", "xlsx")[0]
    appraisal, problems = read_appraisal(recalculated)
    values = read_values(recalculated, {"out_status": defined_cells(recalculated)["out_status"]})
    assert values["out_status"] == appraisal.outputs["out_status"] == "未完成：1 项未填"
    assert [p.code for p in problems] == ["blank"]


# ----------------------------------------------------------------- the udf dialect in LibreOffice
def test_udf_status_says_the_functions_are_not_available(soffice, tmp_path):
    """LibreOffice cannot run KPI_*: it runs the workbook's VBA wrappers, which find no xlwings
    and give #VALUE! (Excel with macros disabled gives #NAME?). 填写状态 says so, blank or
    filled, never "N 项未填" or "N 项填写有误"."""
    blank = tmp_path / "blank.xlsm"
    filled = tmp_path / "filled.xlsm"
    for path, values in ((blank, None), (filled, complete_filling("dianhua_zhuanyuan"))):
        render_workbook("dianhua_zhuanyuan", name="测试员", employee_id="T1", department="客服部", month="2026-11",
                        dialect="udf", values=values, out=path)
    recalculated = convert([blank, filled], tmp_path / "out", "xlsx")
    for path in recalculated:
        values = saved_values(path, ("out_status", "out_grade", "out_info_mgmt"))
        assert values["out_status"] == UNAVAILABLE
        assert values["out_grade"] in ("#NAME?", "#VALUE!")
    assert values["out_info_mgmt"] in ("#NAME?", "#VALUE!")  # the filled workbook's item calls KPI_RATERS


def test_udf_status_counts_an_item_error_as_a_wrong_entry(soffice, tmp_path):
    """A KPI_* function that faults on an entry makes its item 填写有误: classic xlwings returns
    the fault as text ("#VALUE! value: …"); here the item's call is replaced by that text."""
    path = tmp_path / "error.xlsm"
    filling = complete_filling("kefu_zhuanyuan")
    render_workbook("kefu_zhuanyuan", name="测试员", employee_id="T1", department="客服部", month="2026-11",
                    dialect="udf", values=filling, out=path)
    workbook = openpyxl.load_workbook(path, keep_vba=True)
    cells = named_cells(workbook)
    for name, formula in (("out_attendance", '="#VALUE! value: x"'), ("out_leave", "=6"), ("out_discipline", "=5"),
                          ("out_pay", '=""')):  # no KPI_* call left: no #NAME? nor #VALUE!
        sheet, row, col = cells[name]
        workbook[sheet].cell(row=row, column=col).value = formula
    workbook.save(path)
    recalculated = convert([path], tmp_path / "out", "xlsx")[0]
    values = read_values(recalculated, {"out_status": defined_cells(recalculated)["out_status"]})
    assert values["out_status"] == "未完成：1 项填写有误"
