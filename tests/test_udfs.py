"""The KPI_* Excel functions, called with what Excel hands them.

Classic xlwings hands over floats, Lite ints; None for a blank cell; text for
a number typed as text; tuples of row tuples (classic) or lists of rows for a
range. Expected scores come from the rules in shared/spec/forms.md, and random
inputs must give what the scoring primitive gives.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlkpi.base.errors import ScoringError
from xlkpi.excel import udfs
from xlkpi.excel.udfs import (
    KPI_ACHIEVE,
    KPI_BAND,
    KPI_BLEND,
    KPI_DEDUCT,
    KPI_GRADE,
    KPI_LEVEL,
    KPI_RATERS,
    KPI_WEIGHTED,
)
from xlkpi.rules import scoring
from xlkpi.rules.cellvalues import is_blank

ROOT = Path(__file__).resolve().parents[1]
ALL = [KPI_ACHIEVE, KPI_BAND, KPI_BLEND, KPI_DEDUCT, KPI_GRADE, KPI_LEVEL, KPI_RATERS, KPI_WEIGHTED]

# forms.md §4 网店客服: 询单转化率 ≥75% 100, ≥65% 80, ≥50% 60, else 0 (fractions, as Excel stores %).
CONVERSION = ([[0.75, 0.65, 0.5]], [[100.0, 80.0, 60.0]])
# forms.md §4 网店客服: 平均响应时间 (秒) ≤30 100, ≤45 80, ≤55 60, else 0.
RESPONSE = ([[30.0, 45.0, 55.0]], [[100.0, 80.0, 60.0]])
# forms.md §1 客服专员 考勤: 0 → 6, 1 → 4, 2 → 3, else 0 (lower is better).
ATTENDANCE = ([[0.0, 1.0, 2.0]], [[6.0, 4.0, 3.0]])


CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def is_error(result, argument=None, code=None):
    """A fault as classic xlwings shows it: `<code> <argument>: <reason>`."""
    if not isinstance(result, str) or result.split(" ", 1)[0] not in CODES or " " not in result:
        return False
    found, rest = result.split(" ", 1)
    return (code is None or found == code) and (argument is None or rest.startswith(f"{argument}: "))


# ----------------------------------------------------------------- numbers as Excel hands them
@pytest.mark.parametrize("value", [85.0, 85, "85", " 85 ", "８５", "\u00a085\u00a0", "85.0"])
def test_band_reads_a_number_in_every_form(value):
    # 客服专员 pay band on a total: ≥90 300, ≥80 200, ≥60 100, else −50
    assert KPI_BAND(value, [[90.0, 80.0, 60.0]], [[300.0, 200.0, 100.0]], False, -50.0) == 200


@pytest.mark.parametrize("value, expected", [
    ("85%", 100), ("８５％", 100), (" 75% ", 100), (0.75, 100), ("74.99%", 80), (0.65, 80),
    ("64.9%", 60), ("50%", 60), (0.4999, 0), ("0%", 0),
])
def test_band_percentages_as_text(value, expected):
    assert KPI_BAND(value, *CONVERSION) == expected


@pytest.mark.parametrize("seconds, expected", [
    (0, 100), (30, 100), (30.01, 80), (45, 80), (45.5, 60), (55, 60), (55.01, 0), (600, 0),
])
def test_band_lower_is_better(seconds, expected):
    assert KPI_BAND(seconds, *RESPONSE, True) == expected
    assert KPI_BAND(float(seconds), *RESPONSE, lower_is_better=1) == expected


@pytest.mark.parametrize("shape", [
    lambda xs: xs,                          # 1-D list
    lambda xs: [xs],                        # one row
    lambda xs: [[x] for x in xs],           # one column
    lambda xs: tuple(xs),                   # 1-D tuple
    lambda xs: (tuple(xs),),                # classic: a row as a tuple of row tuples
    lambda xs: tuple((x,) for x in xs),     # classic: a column
])
def test_band_ranges_in_any_shape(shape):
    thresholds, scores = [0.75, 0.65, 0.5], [100.0, 80.0, 60.0]
    assert KPI_BAND(0.7, shape(thresholds), shape(scores)) == 80
    # thresholds as a row, scores as a column: only the order of the cells counts
    assert KPI_BAND(0.7, [thresholds], [[s] for s in scores]) == 80


def test_band_order_of_the_bands_does_not_matter():
    assert KPI_BAND(0.7, [[0.5, 0.75, 0.65]], [[60, 100, 80]]) == 80
    assert KPI_BAND(31, [[55, 30, 45]], [[60, 100, 80]], True) == 80


def test_band_scalar_threshold():
    assert KPI_BAND(3, 2, 10) == 10
    assert KPI_BAND(1, 2, 10) == 0


def test_band_else_score():
    assert KPI_BAND(5, *ATTENDANCE, True, -1) == -1
    assert KPI_BAND(5, *ATTENDANCE, True, "-1") == -1
    assert KPI_BAND(5, *ATTENDANCE, True) == 0


# ----------------------------------------------------------------- blank in, blank out
BLANKS = [None, "", "   ", "\u3000"]


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_value_gives_blank(blank):
    assert KPI_BAND(blank, *ATTENDANCE, True) is None
    assert KPI_DEDUCT(blank, 2, 10) is None
    assert KPI_LEVEL(blank) is None
    assert KPI_ACHIEVE(blank, 1.0) is None
    assert KPI_ACHIEVE(0.9, blank) is None
    assert KPI_RATERS([[blank, blank]], [[0.2, 0.8]]) is None
    assert KPI_WEIGHTED([[blank, 80]], [[0.5, 0.5]]) is None
    assert KPI_BLEND(blank, 80) is None
    assert KPI_BLEND(80, blank) is None
    assert KPI_GRADE(blank) is None


# ----------------------------------------------------------------- bad input: error text
def test_error_text_names_the_argument():
    assert KPI_BAND("abc", *ATTENDANCE) == "#VALUE! value: 文本 'abc' 不是数字"


@pytest.mark.parametrize("call, argument", [
    (lambda x: KPI_BAND([[x]] if isinstance(x, list) else x, *ATTENDANCE), "value"),
    (lambda x: KPI_BAND(1, [[0, x]], [[6, 4]]), "thresholds"),
    (lambda x: KPI_BAND(1, [[0, 1]], [[6, x]]), "scores"),
    (lambda x: KPI_BAND(1, *ATTENDANCE, True, x), "else_score"),
    (lambda x: KPI_DEDUCT(x, 2, 10), "count"),
    (lambda x: KPI_DEDUCT(1, x, 10), "points_each"),
    (lambda x: KPI_DEDUCT(1, 2, x), "max_points"),
    (lambda x: KPI_DEDUCT(1, 2, 10, x), "floor"),
    (lambda x: KPI_LEVEL(x), "level"),
    (lambda x: KPI_LEVEL(3, x), "points_per_level"),
    (lambda x: KPI_ACHIEVE(x, 1), "actual"),
    (lambda x: KPI_ACHIEVE(1, x), "target"),
    (lambda x: KPI_ACHIEVE(1, 1, False, x), "cap"),
    (lambda x: KPI_RATERS([[x, 10]], [[0.2, 0.8]]), "scores"),
    (lambda x: KPI_RATERS([[10, 10]], [[0.2, x]]), "weights"),
    (lambda x: KPI_WEIGHTED([[x, 10]], [[0.5, 0.5]]), "scores"),
    (lambda x: KPI_WEIGHTED([[10, 10]], [[x, 0.5]]), "weights"),
    (lambda x: KPI_BLEND(x, 80), "performance"),
    (lambda x: KPI_BLEND(80, x), "behaviour"),
    (lambda x: KPI_BLEND(80, 80, x), "performance_weight"),
    (lambda x: KPI_GRADE(x), "total"),
    (lambda x: KPI_GRADE(85, [[90, x, 70]]), "thresholds"),
])
@pytest.mark.parametrize("bad, code, says", [
    ("abc", "#VALUE!", "'abc'"), (True, "#VALUE!", "逻辑值"), (False, "#VALUE!", "逻辑值"),
    (float("nan"), "#NUM!", "有限"), (float("-inf"), "#NUM!", "有限"), (10 ** 400, "#NUM!", "有限"),
    ("1e400", "#VALUE!", "有限"), ([[1]], "#VALUE!", "list")])
def test_unreadable_or_boolean_input_gives_error_text(call, argument, bad, code, says):
    if isinstance(bad, list) and argument in ("thresholds", "scores", "weights"):
        bad = [1]  # a list nested one level too deep inside a range
    result = call(bad)
    assert is_error(result, argument, code), result
    assert says in result


@pytest.mark.parametrize("flag, expected", [
    (True, 80), (False, 100), (1, 80), (0, 100), (1.0, 80), (0.0, 100), (None, 100), ("", 100),
])
def test_lower_is_better_accepts_excel_booleans(flag, expected):
    # higher-is-better: 31 reaches the 30 band (100); lower-is-better: 31 ≤ 45 (80)
    assert KPI_BAND(31, *RESPONSE, flag) == expected
    achieve = KPI_ACHIEVE(0.8, 1.0, flag)
    assert achieve == pytest.approx(100 if expected == 80 else 80)


@pytest.mark.parametrize("flag", [2, -1, 0.5, "TRUE", "yes", [[True]]])
def test_lower_is_better_rejects_other_values(flag):
    assert is_error(KPI_BAND(31, *RESPONSE, flag), "lower_is_better", "#VALUE!")
    assert is_error(KPI_ACHIEVE(1, 1, flag), "lower_is_better", "#VALUE!")


def test_rule_errors_name_their_arguments_and_excel_error():
    # the wrong kind of argument: #VALUE!
    assert is_error(KPI_BAND(1, [[0, 1, 2]], [[6, 4]]), "thresholds, scores", "#VALUE!")
    assert is_error(KPI_RATERS([[1, 2]], [[1]]), "scores, weights", "#VALUE!")
    assert is_error(KPI_WEIGHTED([[1, 2]], [[1, None]]), "weights", "#VALUE!")
    assert is_error(KPI_GRADE(85, [[90, 80]]), "thresholds, labels", "#VALUE!")
    # a number the rule refuses: #NUM!
    assert KPI_DEDUCT(-1, 2, 10) == "#NUM! count: 次数不能为负数，实际为 -1"
    assert KPI_LEVEL(6) == "#NUM! level: 等级应为 1 到 5，实际为 6"
    assert is_error(KPI_LEVEL(0.5), "level", "#NUM!")
    assert is_error(KPI_ACHIEVE(-1, 1), "actual, target", "#NUM!")
    assert is_error(KPI_BLEND(80, 80, 1.5), "performance_weight", "#NUM!")
    # raters whose weights add up to 0: a division by zero
    assert KPI_RATERS([[10, None]], [[0, 1]]) == "#DIV/0! weights: 已评分者的权重合计为 0"


def test_required_rule_parameters_must_be_filled():
    assert KPI_DEDUCT(1, None, 10) == "#VALUE! points_each: 不能为空"
    assert is_error(KPI_DEDUCT(1, 2, ""), "max_points", "#VALUE!")


# ----------------------------------------------------------------- an error in an input
COM_ERRORS = {-2146826288: "#NULL!", -2146826281: "#DIV/0!", -2146826273: "#VALUE!", -2146826265: "#REF!",
              -2146826259: "#NAME?", -2146826252: "#NUM!", -2146826246: "#N/A"}  # xlErr 2000 … 2042


@pytest.mark.parametrize("code", CODES)
def test_an_error_in_an_input_is_that_error_never_a_blank(code):
    # err_to_str=True: both runtimes hand an error cell over as its text
    assert KPI_BAND(code, *ATTENDANCE) == f"{code} value: 输入是错误值 {code}"
    assert KPI_BAND(1, [[0, code]], [[6, 4]]) == f"{code} thresholds: 第 2 个值是错误值 {code}"
    assert is_error(KPI_DEDUCT(code, 2, 10), "count", code)
    assert is_error(KPI_DEDUCT(1, 2, 10, code), "floor", code)
    assert is_error(KPI_LEVEL(code), "level", code)
    assert is_error(KPI_ACHIEVE(0.9, code), "target", code)
    assert is_error(KPI_ACHIEVE(0.9, 1, code), "lower_is_better", code)
    assert is_error(KPI_RATERS([[code, 10]], [[0.2, 0.8]]), "scores", code)
    assert is_error(KPI_WEIGHTED([[10, 10]], [[0.5, code]]), "weights", code)
    assert is_error(KPI_BLEND(80, code), "behaviour", code)
    assert is_error(KPI_GRADE(code), "total", code)
    assert is_error(KPI_GRADE(85, None, [["A", code]]), "labels", code)


@pytest.mark.parametrize("number, code", sorted(COM_ERRORS.items()))
def test_com_error_codes_are_errors_not_numbers(number, code):
    # the int COM hands over for an error cell, as classic xlwings passes it without err_to_str
    assert KPI_BAND(number, *ATTENDANCE) == f"{code} value: 输入是错误值 {code}"
    assert is_error(KPI_WEIGHTED([[10, number]], [[0.5, 0.5]]), "scores", code)


@pytest.mark.parametrize("number, text", [(-2146826243, "#SPILL!"), (-2146826238, "#CALC!"),
                                          (-2146826245, "#GETTING_DATA")])
def test_newer_errors_become_value_errors_naming_them(number, text):
    # classic xlwings converts only the seven classic errors to text; newer ones arrive as ints
    assert KPI_BAND(number, *ATTENDANCE) == f"#VALUE! value: 输入是错误值 {text}"
    assert KPI_BAND(text, *ATTENDANCE) == f"#VALUE! value: 输入是错误值 {text}"


def test_a_kpi_fault_text_passed_on_keeps_its_code():
    # classic xlwings: an upstream KPI_* cell holds its fault as text
    upstream = KPI_DEDUCT(-1, 2, 10)
    assert KPI_WEIGHTED([[upstream, 80]], [[0.5, 0.5]]) == f"#NUM! scores: 第 1 个值是错误值 {upstream}"
    assert is_error(KPI_BLEND(KPI_LEVEL("abc"), 80), "performance", "#VALUE!")
    # text that merely starts with # is text, not an error
    assert KPI_BAND("#1", *ATTENDANCE) == "#VALUE! value: 文本 '#1' 不是数字"


def test_an_error_cell_in_a_scored_column_stays_in_its_cell():
    assert KPI_BAND([[0.0], ["#N/A"], [2.0]], *ATTENDANCE, True) == [
        [6.0], ["#N/A value: 输入是错误值 #N/A"], [3.0]]


# ----------------------------------------------------------------- percentages typed as text
def test_a_percentage_against_thresholds_not_in_percent_is_an_error_not_0():
    # 客服专员 pay band on a total: ≥90 300, ≥80 200, ≥60 100, else −50; '85%' is 0.85
    result = KPI_BAND("85%", [[90.0, 80.0, 60.0]], [[300.0, 200.0, 100.0]], False, -50.0)
    assert result == ("#VALUE! value, thresholds: '85%' 是百分数，而 90 不是：请统一写成百分数（如 85% 与 60%）"
                      "或小数（0.85 与 0.6）")
    assert is_error(KPI_BAND(" ８５％ ", [[90.0, 80.0, 60.0]], [[300.0, 200.0, 100.0]]), "value, thresholds",
                    "#VALUE!")


def test_a_plain_number_against_thresholds_in_percent_is_an_error():
    result = KPI_BAND(85, [["75%", "65%", "50%"]], [[100, 80, 60]])
    assert is_error(result, "value, thresholds", "#VALUE!") and "'75%' 是百分数，而 85 不是" in result


@pytest.mark.parametrize("value, thresholds, expected", [
    ("85%", [["75%", "65%", "50%"]], 100), ("70%", [[0.75, 0.65, 0.5]], 80), (0.7, [["75%", "65%", "50%"]], 80),
    ("0.7", [["75%", "65%", "50%"]], 80), (1, [["75%", "65%", "50%"]], 100), ("100%", [[0.75, 0.65]], 100),
])
def test_percentages_and_fractions_mix_freely(value, thresholds, expected):
    scores = [[100, 80, 60][:len(thresholds[0])]]
    assert KPI_BAND(value, thresholds, scores) == expected


def test_percent_scale_in_the_other_functions():
    assert is_error(KPI_GRADE("85%"), "total, thresholds", "#VALUE!")  # default thresholds 90, 80, 70
    assert KPI_GRADE("85%", [["90%", "80%"]], [["A", "B", "C"]]) == "B"
    assert is_error(KPI_GRADE(85, [["90%", "80%"]], [["A", "B", "C"]]), "total, thresholds", "#VALUE!")
    assert is_error(KPI_ACHIEVE("90%", 100), "actual, target", "#VALUE!")
    assert KPI_ACHIEVE("90%", 1) == pytest.approx(90)
    assert is_error(KPI_BLEND("85%", 80), "performance, behaviour", "#VALUE!")
    assert is_error(KPI_WEIGHTED([["85%", 80]], [[0.5, 0.5]]), "scores", "#VALUE!")
    assert is_error(KPI_RATERS([["85%", 80]], [[0.2, 0.8]]), "scores", "#VALUE!")
    assert KPI_DEDUCT("5%", 2, 10) == "#VALUE! count: 次数不能是百分数，实际为 '5%'"
    assert KPI_BAND([["85%"], [0.7]], [[90, 80]], [[2, 1]]) == [
        [KPI_BAND("85%", [[90, 80]], [[2, 1]])], [0]]


# ----------------------------------------------------------------- Office.js: real errors
@pytest.fixture
def office_js(monkeypatch):
    """The functions as xlwings Lite and xlwings Server run them (`OFFICE_JS`)."""
    monkeypatch.setattr(udfs, "OFFICE_JS", True)


def test_office_js_wrong_input_raises_a_value_error_with_its_reason(office_js):
    # Lite turns a raised exception into a real #VALUE!, the message on the error flag
    with pytest.raises(udfs.KpiError) as raised:
        KPI_BAND("abc", *ATTENDANCE)
    assert str(raised.value) == "value: 文本 'abc' 不是数字"
    assert raised.value.code == "#VALUE!"
    with pytest.raises(udfs.KpiError, match="'85%' 是百分数"):
        KPI_BAND("85%", [[90.0, 80.0]], [[2, 1]])


def test_office_js_other_faults_return_the_bare_error_code(office_js):
    # Lite turns exactly these texts into real errors
    assert KPI_LEVEL(6) == "#NUM!"
    assert KPI_DEDUCT(-1, 2, 10) == "#NUM!"
    assert KPI_RATERS([[10, None]], [[0, 1]]) == "#DIV/0!"
    for code in CODES:
        if code != "#VALUE!":
            assert KPI_BAND(code, *ATTENDANCE) == code
    with pytest.raises(udfs.KpiError):
        KPI_BAND("#VALUE!", *ATTENDANCE)


def test_office_js_a_scored_column_holds_bare_codes(office_js):
    assert KPI_BAND([[0.0], ["abc"], ["#N/A"], [None]], *ATTENDANCE, True) == [[6.0], ["#VALUE!"], ["#N/A"], [None]]


def test_office_js_values_and_blanks_are_unchanged(office_js):
    assert KPI_BAND(1, *ATTENDANCE, True) == 4
    assert KPI_BAND(None, *ATTENDANCE, True) is None
    assert KPI_GRADE(85) == "B"


# ----------------------------------------------------------------- band ranges with blanks
def test_band_pairs_with_a_blank_threshold_are_left_out():
    # a range longer than its bands: the trailing pairs are blank
    assert KPI_BAND(1, [[0, 1, 2, None, None]], [[6, 4, 3, None, None]], True) == 4
    assert KPI_BAND(5, [[0, None, 2]], [[6, 4, 3]], True) == 0
    assert KPI_BAND(1, [[0, None, 2]], [[6, 4, 3]], True) == 3


def test_band_blank_score_beside_a_threshold_is_an_error():
    assert is_error(KPI_BAND(1, [[0, 1, 2]], [[6, None, 3]], True), "scores")


def test_band_without_any_threshold_is_an_error():
    assert is_error(KPI_BAND(1, [[None, None]], [[None, None]]), "thresholds")


def test_band_lengths_must_match_before_blanks_are_dropped():
    assert is_error(KPI_BAND(1, [[0, 1, 2, None]], [[6, 4, 3]], True), "thresholds, scores")


# ----------------------------------------------------------------- optional arguments
def test_optional_none_takes_the_default():
    # higher-is-better by default: 5 reaches the highest threshold (2 → 3); −1 none (else 0)
    assert KPI_BAND(5, *ATTENDANCE, None, None) == 3
    assert KPI_BAND(-1, *ATTENDANCE, None, None) == 0
    assert KPI_BAND(-1, *ATTENDANCE) == 0
    assert KPI_DEDUCT(10, 2, 10, None) == 0  # floor 0: 扣完为止
    assert KPI_DEDUCT(10, 2, 10) == 0
    assert KPI_LEVEL(3, None) == 30  # 3级 30分
    assert KPI_LEVEL(3) == 30
    assert KPI_ACHIEVE(2, 1, None, None) == 100  # capped at 100
    assert KPI_ACHIEVE(2, 1) == 100
    assert KPI_BLEND(90, 40, None) == pytest.approx(90 * 0.8 + 40 * 0.2)
    assert KPI_GRADE(85, None, None) == "B"
    assert KPI_GRADE(85, [[None, None, None]], [[None]]) == "B"  # all-blank ranges: defaults


def test_optional_arguments_given():
    assert KPI_DEDUCT(10, 2, 10, 4) == 4
    assert KPI_DEDUCT(2, "2", "10", "-50") == 6
    assert KPI_LEVEL(3, 20) == 60
    assert KPI_ACHIEVE(1.2, 1, False, "120%") == pytest.approx(120)
    assert KPI_BLEND(90, 40, "50%") == pytest.approx(65)
    # 呼叫中心经理 grades (forms.md §3): ≥91 优, ≥81 良, ≥71 中, ≥61 基本合格, else 不合格
    thresholds = ((91.0, 81.0, 71.0, 61.0),)
    labels = (("优", "良", "中", "基本合格", "不合格"),)
    for total, label in [(91, "优"), (90.99, "良"), (81, "良"), (71, "中"), (61, "基本合格"), (60.99, "不合格")]:
        assert KPI_GRADE(total, thresholds, labels) == label
    # numeric labels: the 考核系数 of the same table
    coefficients = ((1.3, 1.1, 1.0, 0.8, 0.4),)
    assert KPI_GRADE(85, thresholds, coefficients) == 1.1
    assert KPI_GRADE(60, [[91], [81], [71], [61]], [[1.3], [1.1], [1.0], [0.8], [0.4]]) == 0.4


# ----------------------------------------------------------------- the other functions' rules
def test_level_points_forms_md():
    # 电话专员 行为考核: 1级10分 … 5级50分; a blended level 0.2×5 + 0.8×3 = 3.4 → 34
    for level in range(1, 6):
        assert KPI_LEVEL(level) == level * 10
        assert KPI_LEVEL(float(level)) == level * 10
    assert KPI_LEVEL(0.2 * 5 + 0.8 * 3) == pytest.approx(34)


def test_deduct_call_quality():
    # 电话专员 call_quality: 20 points, 抽查每次不合格扣2分，扣完为止
    for count in range(0, 15):
        assert KPI_DEDUCT(count, 2, 20) == max(0, 20 - 2 * count)


def test_achievement_forms_md():
    assert KPI_ACHIEVE(0.9, 1.0) == pytest.approx(90)
    assert KPI_ACHIEVE(8970, 10000) == pytest.approx(89.7)
    assert KPI_ACHIEVE("90%", "100%") == pytest.approx(90)
    assert KPI_ACHIEVE(1.25, 1.0, True) == pytest.approx(80)   # cost 125% of budget
    assert KPI_ACHIEVE(0, 1.0, True) == 100                     # an actual of 0 scores 100
    assert KPI_ACHIEVE(0.5, 1.0, True) == 100                   # capped


def test_raters_blend_20_80_and_only_sup():
    assert KPI_RATERS([[10, 20]], [[0.2, 0.8]]) == pytest.approx(18)
    assert KPI_RATERS(((10.0,), (20.0,)), (("20%",), ("80%",))) == pytest.approx(18)
    assert KPI_RATERS([[None, 15]], [[0.2, 0.8]]) == 15  # only 上级: 结果 = 上级
    assert KPI_RATERS([[15, None]], [[0.2, 0.8]]) == 15


def test_weighted_and_blend():
    assert KPI_WEIGHTED([[100, 89.7]], [[0.95, 0.05]]) == pytest.approx(99.485)
    assert KPI_BLEND(100, 50) == pytest.approx(90)  # 总分 = 业绩×80% + 行为×20%


# ----------------------------------------------------------------- a whole range in one call
def test_band_whole_column():
    counts = [[0.0], [1.0], [2.0], [3.0], [None], [7.0]]
    assert KPI_BAND(counts, *ATTENDANCE, True) == [[6], [4], [3], [0], [None], [0]]


def test_band_whole_block_keeps_its_shape():
    block = ((0.0, 1.0, 2.0), (3.0, None, "1"))
    result = KPI_BAND(block, *ATTENDANCE, True)
    assert result == [[6, 4, 3], [0, None, 4]]
    assert isinstance(result, list) and all(isinstance(row, list) for row in result)


def test_band_whole_row_and_flat_list():
    assert KPI_BAND([[0, 1, 2, 3]], *ATTENDANCE, True) == [[6, 4, 3, 0]]
    assert KPI_BAND([0, 1, 2, 3], *ATTENDANCE, True) == [6, 4, 3, 0]


def test_band_single_cell_range_gives_one_score():
    assert KPI_BAND([[1.0]], *ATTENDANCE, True) == 4
    assert KPI_BAND(((None,),), *ATTENDANCE, True) is None


def test_band_whole_range_bad_cell_keeps_its_own_error():
    result = KPI_BAND([[0], ["abc"], [True], [2]], *ATTENDANCE, True)
    assert result[0] == [6] and result[3] == [3]
    assert result[1] == ["#VALUE! value: 文本 'abc' 不是数字"]
    assert is_error(result[2][0], "value", "#VALUE!")


def test_band_whole_range_with_bad_bands_is_one_error():
    assert is_error(KPI_BAND([[0], [1]], [[0, 1]], [[6]], True), "thresholds, scores")


@given(st.lists(st.lists(st.one_of(st.none(), st.floats(-10, 10), st.integers(-10, 10)),
                         min_size=1, max_size=4), min_size=2, max_size=6))
def test_band_whole_range_equals_cell_by_cell(rows):
    width = len(rows[0])
    rows = [(row * width)[:width] for row in rows]
    result = KPI_BAND(rows, *ATTENDANCE, True)
    assert result == [[KPI_BAND(cell, *ATTENDANCE, True) for cell in row] for row in rows]


# ----------------------------------------------------------------- parity with the primitives
finite = st.floats(-1e6, 1e6, allow_nan=False)
maybe = st.one_of(st.none(), finite)


def primitive(rule, *args, **kwargs):
    """The primitive's result, or ("error", Excel's code for the refusal) where it refuses."""
    try:
        return rule(*args, **kwargs)
    except ScoringError as error:
        return "error", {"out-of-range": "#NUM!", "not-a-level": "#NUM!", "weight-sum": "#DIV/0!"}.get(
            error.code, "#VALUE!")


def same(udf_result, expected):
    """The UDF gives exactly the primitive's value (or an error text where it raises)."""
    if isinstance(expected, tuple):  # ("error", code)
        return is_error(udf_result, code=expected[1])
    if expected is None:
        return udf_result is None
    return udf_result == expected and not is_error(udf_result)


def excel_shaped(number):
    """A number as classic (float) or Lite (int, when whole) hands it over."""
    return int(number) if number is not None and number.is_integer() and abs(number) < 1e15 else number


# The parity tests below compare each function with the primitive it wraps, so a change of
# the rule moves both sides. These values are worked out by hand from the spec
# (shared/spec/forms.md) at every boundary: a changed rule fails them.
@pytest.mark.parametrize("value, expected", [
    # 客服专员 绩效金额 on the total: ≥90 300, ≥80 200, ≥60 100, else −50
    (100, 300), (90, 300), (89.99, 200), (80, 200), (79.99, 100), (60, 100), (59.99, -50), (0, -50),
])
def test_band_by_hand_higher_is_better(value, expected):
    assert KPI_BAND(value, [[90, 80, 60]], [[300, 200, 100]], False, -50) == expected


@pytest.mark.parametrize("seconds, expected", [
    # 网店客服 平均响应时间: ≤30 100, ≤45 80, ≤55 60, else 0
    (0, 100), (30, 100), (30.01, 80), (45, 80), (45.01, 60), (55, 60), (55.01, 0),
])
def test_band_by_hand_lower_is_better(seconds, expected):
    assert KPI_BAND(seconds, *RESPONSE, True) == expected


@pytest.mark.parametrize("rate, expected", [
    # 网店客服 询单转化率: ≥75% 100, ≥65% 80, ≥50% 60, else 0
    (0.75, 100), (0.7499, 80), (0.65, 80), (0.6499, 60), (0.5, 60), (0.4999, 0),
])
def test_band_by_hand_rates(rate, expected):
    assert KPI_BAND(rate, *CONVERSION) == expected


@pytest.mark.parametrize("count, floor, expected", [
    # 电话专员 通话质量: 20 points, 每次不合格扣2分，扣完为止
    (0, None, 20), (1, None, 18), (9, None, 2), (10, None, 0), (11, None, 0), (30, None, 0),
    # a floor below 0: 20 − 2 × 11 = −2; at 35 occurrences 20 − 70 = −50 reaches the floor −50
    (11, -50, -2), (35, -50, -50), (36, -50, -50), (-1, None, "#NUM!"),
])
def test_deduct_by_hand(count, floor, expected):
    result = KPI_DEDUCT(count, 2, 20, floor)
    assert result == expected if not isinstance(expected, str) else is_error(result, "count", expected)


@pytest.mark.parametrize("level, points, expected", [
    # 电话专员 行为考核: 1级10分 … 5级50分; a blended level 3.4 gives 34
    (1, None, 10), (2, None, 20), (5, None, 50), (3.4, None, 34), (5, 20, 100), (1, 20, 20),
    (0.99, None, "#NUM!"), (5.01, None, "#NUM!"), (0, None, "#NUM!"),
])
def test_level_by_hand(level, points, expected):
    result = KPI_LEVEL(level, points)
    if isinstance(expected, str):
        assert is_error(result, "level", expected)
    else:
        assert result == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("actual, target, lower, cap, expected", [
    # 呼叫中心经理: min(actual ÷ target, 100%) × 100; lower is better: target ÷ actual
    (1, 1, False, None, 100), (0.9, 1, False, None, 90), (8970, 10000, False, None, 89.7),
    (1.2, 1, False, None, 100), (1.2, 1, False, 1.2, 120), (1.3, 1, False, 1.2, 120),
    (1.25, 1, True, None, 80), (1, 1, True, None, 100), (0.8, 1, True, None, 100), (0, 1, True, None, 100),
    (0, 1, False, None, 0), (1, 0, False, None, None), (-1, 1, False, None, "#NUM!"),
])
def test_achieve_by_hand(actual, target, lower, cap, expected):
    result = KPI_ACHIEVE(actual, target, lower, cap)
    if isinstance(expected, str):
        assert is_error(result, "actual, target", expected)
    elif expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scores, weights, expected", [
    # 电话专员: 自评 20% + 上级 80%; a rater who has not scored is left out
    ([10, 20], [0.2, 0.8], 18), ([None, 15], [0.2, 0.8], 15), ([15, None], [0.2, 0.8], 15),
    ([None, None], [0.2, 0.8], None), ([0, 50], [0.2, 0.8], 40), ([10, None], [0, 1], "#DIV/0!"),
])
def test_raters_by_hand(scores, weights, expected):
    result = KPI_RATERS([scores], [weights])
    if isinstance(expected, str):
        assert is_error(result, "weights", expected)
    elif expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scores, weights, expected", [
    # 呼叫中心经理: Σ achievement × weight; blank until every score is filled
    ([100, 89.7], [0.95, 0.05], 99.485), ([100, 100], [0.5, 0.5], 100), ([0, 100], [0.3, 0.7], 70),
    ([100, None], [0.5, 0.5], None),
])
def test_weighted_by_hand(scores, weights, expected):
    result = KPI_WEIGHTED([scores], [weights])
    assert result is None if expected is None else result == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("performance, behaviour, weight, expected", [
    # 总分 = 业绩 × 80% + 行为 × 20%
    (100, 50, None, 90), (90, 40, None, 80), (100, 50, 1, 100), (100, 50, 0, 50), (100, 50, 0.5, 75),
    (100, 50, 1.0001, "#NUM!"), (100, 50, -0.0001, "#NUM!"),
])
def test_blend_by_hand(performance, behaviour, weight, expected):
    result = KPI_BLEND(performance, behaviour, weight)
    if isinstance(expected, str):
        assert is_error(result, "performance_weight", expected)
    else:
        assert result == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("total, expected", [
    # 电话专员 out_grade: ≥ 90 A, ≥ 80 B, ≥ 70 C, else D (the defaults)
    (100, "A"), (90, "A"), (89.99, "B"), (80, "B"), (79.99, "C"), (70, "C"), (69.99, "D"), (0, "D"),
])
def test_grade_by_hand(total, expected):
    assert KPI_GRADE(total) == expected


@pytest.mark.parametrize("total, label, coefficient", [
    # 呼叫中心经理: ≥ 91 优 (1.3), ≥ 81 良 (1.1), ≥ 71 中 (1.0), ≥ 61 基本合格 (0.8), else 不合格 (0.4)
    (91, "优", 1.3), (90.99, "良", 1.1), (81, "良", 1.1), (80.99, "中", 1.0), (71, "中", 1.0),
    (70.99, "基本合格", 0.8), (61, "基本合格", 0.8), (60.99, "不合格", 0.4),
])
def test_grade_by_hand_hujiao_jingli(total, label, coefficient):
    thresholds = [[91, 81, 71, 61]]
    assert KPI_GRADE(total, thresholds, [["优", "良", "中", "基本合格", "不合格"]]) == label
    assert KPI_GRADE(total, thresholds, [[1.3, 1.1, 1.0, 0.8, 0.4]]) == coefficient


@given(maybe, st.lists(st.tuples(finite, finite), min_size=1, max_size=6), st.booleans(), finite,
       st.booleans())
def test_band_parity(value, bands, lower, otherwise, lite):
    thresholds = [t for t, _ in bands]
    scores = [s for _, s in bands]
    expected = primitive(scoring.band_score, value, thresholds, scores, lower_is_better=lower,
                         else_score=otherwise)
    shaped = (lambda xs: [[excel_shaped(x) for x in xs]]) if lite else (lambda xs: tuple((x,) for x in xs))
    result = KPI_BAND(excel_shaped(value) if lite else value, shaped(thresholds), shaped(scores),
                      lower, otherwise)
    assert same(result, expected)


@given(maybe, finite, finite, st.one_of(st.none(), finite))
def test_deduct_parity(count, each, full, floor):
    expected = primitive(scoring.deduct_score, count, each, full, 0 if floor is None else floor)
    assert same(KPI_DEDUCT(count, each, full, floor), expected)


@given(maybe, st.one_of(st.none(), finite))
def test_level_parity(level, points):
    expected = primitive(scoring.level_points, level, 10 if points is None else points)
    assert same(KPI_LEVEL(level, points), expected)


@given(maybe, maybe, st.booleans(), st.one_of(st.none(), st.floats(0, 3)))
def test_achievement_parity(actual, target, lower, cap):
    expected = primitive(scoring.achievement_score, actual, target, lower_is_better=lower,
                         cap=1.0 if cap is None else cap)
    assert same(KPI_ACHIEVE(actual, target, lower, cap), expected)


@given(st.lists(maybe, min_size=1, max_size=4), st.lists(maybe, min_size=1, max_size=4))
def test_raters_parity(scores, weights):
    expected = primitive(scoring.rater_blend, scores, weights)
    assert same(KPI_RATERS([scores], [[w] for w in weights]), expected)


@given(st.lists(maybe, min_size=1, max_size=5), st.lists(maybe, min_size=1, max_size=5))
def test_weighted_parity(scores, weights):
    expected = primitive(scoring.weighted_sum, scores, weights)
    assert same(KPI_WEIGHTED([scores], [weights]), expected)


@given(maybe, maybe, st.one_of(st.none(), st.floats(-0.5, 1.5)))
def test_blend_parity(performance, behaviour, weight):
    expected = primitive(scoring.blend, performance, behaviour, 0.8 if weight is None else weight)
    assert same(KPI_BLEND(performance, behaviour, weight), expected)


label = st.one_of(st.text(min_size=1, max_size=4).filter(lambda s: not is_blank(s)), finite)


@given(maybe, st.lists(finite, min_size=1, max_size=5), st.lists(label, min_size=1, max_size=6))
def test_grade_parity(total, thresholds, labels):
    expected = primitive(scoring.grade, total, thresholds, labels)
    assert same(KPI_GRADE(total, [thresholds], [[x] for x in labels]), expected)


@given(maybe)
def test_grade_default_parity(total):
    assert KPI_GRADE(total) == scoring.grade(total)


# ----------------------------------------------------------------- nothing ever escapes
scalar_junk = st.one_of(st.none(), st.booleans(), st.text(max_size=8), st.floats(),
                        st.integers(min_value=-(10 ** 400), max_value=10 ** 400),
                        st.sampled_from(["85%", "８５％", " 85 ", "1e400", "1e9999999%", "nan", "-",
                                         "1,234.5", "TRUE", "#N/A"]))
junk = st.recursive(scalar_junk, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.tuples(inner, inner)), max_leaves=8)


def check_result(result, labels=False):
    if isinstance(result, list):
        for element in result:
            check_result(element, labels)
        return
    assert result is None or type(result) in (float, int, str), repr(result)
    if isinstance(result, str) and not labels:
        assert is_error(result), result


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(junk, min_size=5, max_size=5))
def test_no_exception_escapes(args):
    a, b, c, d, e = args
    check_result(KPI_BAND(a, b, c, d, e))
    check_result(KPI_DEDUCT(a, b, c, d))
    check_result(KPI_LEVEL(a, b))
    check_result(KPI_ACHIEVE(a, b, c, d))
    check_result(KPI_RATERS(a, b))
    check_result(KPI_WEIGHTED(a, b))
    check_result(KPI_BLEND(a, b, c))
    check_result(KPI_GRADE(a, b, c), labels=True)


# ----------------------------------------------------------------- what the module may import
def test_module_imports_stay_light():
    tree = ast.parse((ROOT / "xlkpi" / "excel" / "udfs.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {"__future__", "os", "sys", "xlwings", "..rules.scoring", "..rules.cellvalues", "..base.errors"}, imported


def test_works_without_xlwings():
    code = (
        "import sys\n"
        "sys.modules['xlwings'] = None  # as if not installed\n"
        "from xlkpi.excel.udfs import KPI_BAND, KPI_GRADE\n"
        "assert KPI_BAND('85%', [[0.75, 0.65]], [[100, 80]]) == 100\n"
        "assert KPI_GRADE(85) == 'B'\n"
        "assert not hasattr(KPI_BAND, '__xlfunc__')\n"
        "assert not {'numpy', 'pandas'} & set(sys.modules), sorted(sys.modules)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_every_function_has_a_short_docstring():
    for function in ALL:
        assert function.__doc__ and len(function.__doc__) <= 255, function.__name__


# ----------------------------------------------------------------- the worked examples of docs/excel.md
def doc_examples():
    """(formula, result) of every table row of docs/excel.md whose formula uses only constants."""
    text = (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.startswith("| "):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if re.fullmatch(r"`#[A-Z0-9/!?]+`", cells[0]):  # the table of errors: the code, then examples
            pairs = [(formula, cells[0].strip("`")) for formula in re.findall(r"`(=KPI_[^`]*)`", cells[-1])]
        else:
            formulas = [cell.strip("`") for cell in cells if cell.startswith("`=KPI_")]
            pairs = [(formulas[0], cells[-1].strip("`"))] if len(formulas) == 1 else []
        for formula, shown in pairs:
            if not (re.search(r"\b[A-Z]{1,3}[0-9]+\b", formula) or re.search(r"\b(?!KPI_)[A-Z]+\(", formula)):
                rows.append((formula, shown))  # no cell references, no Excel functions
    return rows


def evaluate(formula):
    """An Excel formula of constants and KPI_* calls, evaluated in Python."""
    python = formula[1:].replace("{", "[[").replace("}", "]]").replace("TRUE", "True").replace("FALSE", "False")
    python = re.sub(r"(\d+(?:\.\d+)?)%", r"(\1/100)", python)
    return eval(python, {name: getattr(udfs, name) for name in udfs.__all__})  # noqa: S307 - our own doc


def test_the_docs_worked_examples_give_what_they_say():
    examples = doc_examples()
    assert len(examples) >= 15, examples
    for formula, shown in examples:
        result = evaluate(formula)
        if shown.startswith("#"):
            assert is_error(result, code=shown), (formula, result)
        elif re.fullmatch(r"[−-]?\d+(\.\d+)?", shown):
            assert result == pytest.approx(float(shown.replace("−", "-")), rel=1e-12), (formula, result)
        else:
            assert result == shown, (formula, result)
