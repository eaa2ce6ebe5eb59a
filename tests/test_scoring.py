"""The scoring engine against the rules of shared/spec/forms.md.

Expected values are worked out here from the spec's tables (bands, levels,
blends, weights, outcome bands), with exact decimal arithmetic where rounding
matters, never copied from the engine's output.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xlkpi.base.errors import FormError, ScoringError
from xlkpi.forms.definitions import builtin_dir, get_form, load_form
from xlkpi.rules import scoring
from xlkpi.rules.scoring import (
    achievement_score,
    band_score,
    blend,
    bonus_score,
    choice_score,
    deduct_score,
    excel_round,
    grade,
    level_points,
    level_score,
    range_score,
    rater_blend,
    score,
    sum_scores,
    weighted_sum,
)

KEFU = "kefu_zhuanyuan"
DIANHUA = "dianhua_zhuanyuan"
HUJIAO = "hujiao_jingli"


def round2(number) -> Decimal:
    """Excel's ROUND(x, 2) on an exact decimal."""
    return Decimal(number).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ================================================================= 1. 客服专员
# forms.md §1: the 人事考核 bands, lower is better.
ATTENDANCE = [(0, 6), (1, 4), (2, 3), (3, 0), (4, 0), (10, 0)]
LEAVE = [(0, 6), (0.5, 4), (1, 4), (1.5, 3), (2, 3), (2.5, 0), (3, 0), (7, 0)]
DISCIPLINE = [(0, 5), (1, 3), (2, 0), (3, 0)]
DUTY = [("按要求完成", 3), ("值日不达标", 2), ("忘记值日", 0)]
RANGES = {"skill": 10, "feedback": 10, "reply_quality": 5, "teamwork": 5, "volume": 20,
          "service": 20, "conversion": 10}


@pytest.mark.parametrize("count, points", ATTENDANCE)
def test_kefu_attendance(count, points):
    assert score(KEFU, {"in_attendance": count})["out_attendance"] == points
    assert score(KEFU, {"in_attendance": f" {count} "})["out_attendance"] == points


@pytest.mark.parametrize("days, points", LEAVE)
def test_kefu_leave(days, points):
    assert score(KEFU, {"in_leave": days})["out_leave"] == points
    assert score(KEFU, {"in_leave": float(days)})["out_leave"] == points


@pytest.mark.parametrize("count, points", DISCIPLINE)
def test_kefu_discipline(count, points):
    assert score(KEFU, {"in_discipline": count})["out_discipline"] == points


@pytest.mark.parametrize("label, points", DUTY)
def test_kefu_duty(label, points):
    assert score(KEFU, {"in_duty": label})["out_duty"] == points


@pytest.mark.parametrize("label", [" 忘记值日 ", "忘记值日\u3000", "按要求完成 "])
def test_a_choice_must_be_written_as_listed(label):
    # the sheet compares the label exactly (EXACT): a choice with spaces is refused there too
    with pytest.raises(ScoringError) as caught:
        score(KEFU, {"in_duty": label})
    assert caught.value.code == "not-a-choice"
    assert f'请从下拉列表中选择 "{label.strip().strip(chr(0x3000))}"' in str(caught.value)


@pytest.mark.parametrize("item, high", sorted(RANGES.items()))
def test_kefu_supervisor_scores_are_the_input(item, high):
    for value in (0, high / 2, high):
        assert score(KEFU, {f"in_{item}": value})[f"out_{item}"] == value
    with pytest.raises(ScoringError) as caught:
        score(KEFU, {f"in_{item}": high + 0.5})
    assert caught.value.name == f"in_{item}"
    assert caught.value.code == "out-of-range"


def kefu_inputs(total: str) -> dict:
    """Inputs that make the 客服专员 total `total`: full marks, less the deficit on the ranges."""
    inputs = {"in_attendance": 0, "in_leave": 0, "in_discipline": 0, "in_duty": "按要求完成"}
    deficit = Decimal(100) - Decimal(total)
    for item in ("volume", "service", "conversion", "skill", "feedback", "reply_quality", "teamwork"):
        take = min(deficit, Decimal(RANGES[item]))
        inputs[f"in_{item}"] = float(Decimal(RANGES[item]) - take)
        deficit -= take
    # what the ranges cannot take comes off 人事考核 (worth 20): whole bands only
    if deficit:
        assert deficit == 20, "kefu_inputs supports totals of 20 or 0..100 in range steps only"
        inputs.update({"in_attendance": 3, "in_leave": 3, "in_discipline": 2, "in_duty": "忘记值日"})
    return inputs


def kefu_pay(total: Decimal) -> int:
    """forms.md §1: ≥ 90 → 300, ≥ 80 → 200, ≥ 60 → 100, else −50."""
    return 300 if total >= 90 else 200 if total >= 80 else 100 if total >= 60 else -50


@pytest.mark.parametrize("total", ["100", "90", "89.99", "80", "79.99", "60", "59.99", "20.5", "0"])
def test_kefu_pay_bands(total):
    out = score(KEFU, kefu_inputs(total))
    assert out["out_total"] == float(total)
    assert out["out_pay"] == kefu_pay(Decimal(total))
    assert out["out_status"] == "已完成"


def test_kefu_section_totals():
    out = score(KEFU, kefu_inputs("100"))
    assert [out["out_personnel"], out["out_ability"], out["out_attitude"], out["out_results"]] == \
        [20, 20, 10, 50]
    out = score(KEFU, kefu_inputs("59.99"))  # 40.01 off 工作业绩 (50): 9.99
    assert out["out_results"] == 9.99


# ================================================================= 2. 电话专员
PERFORMANCE = ["info_mgmt", "archive_mgmt", "revisit", "complaint", "call_quality"]
BEHAVIOUR = ["service_knowledge", "customer_focus"]
LEVELS = {"info_mgmt": [20, 10, 0], "archive_mgmt": [20, 10, 0], "revisit": [20, 10, 0],
          "complaint": [20, 15, 10, 5], "call_quality": list(range(0, 21, 2))}


def dianhua_grade(total: Decimal) -> str:
    """forms.md §2: ≥ 90 A, ≥ 80 B, ≥ 70 C, else D."""
    return "A" if total >= 90 else "B" if total >= 80 else "C" if total >= 70 else "D"


def blended(self_score, sup_score) -> Decimal:
    """结果 = 自评 × 20% + 上级 × 80%; only 上级 filled → 上级."""
    if self_score is None:
        return Decimal(sup_score)
    return Decimal("0.2") * Decimal(self_score) + Decimal("0.8") * Decimal(sup_score)


@pytest.mark.parametrize("item", PERFORMANCE)
def test_dianhua_levels_are_accepted(item):
    # only 上级 filled: 结果 = 上级 (Σ s·w / Σ w: 6 × 0.8 / 0.8 is 6 to within one ulp, as in Excel)
    for level in LEVELS[item]:
        assert score(DIANHUA, {f"in_{item}_sup": level})[f"out_{item}"] == pytest.approx(level, abs=1e-12)


@pytest.mark.parametrize("item, bad", [("info_mgmt", 15), ("archive_mgmt", 5), ("complaint", 0),
                                       ("call_quality", 3), ("revisit", 25)])
def test_dianhua_level_outside_the_set(item, bad):
    with pytest.raises(ScoringError) as caught:
        score(DIANHUA, {f"in_{item}_self": bad})
    assert caught.value.name == f"in_{item}_self"
    assert caught.value.code == "not-a-level"


@pytest.mark.parametrize("self_score, sup_score", [(20, 10), (10, 20), (0, 20), (20, 0), (None, 10),
                                                   (None, 20)])
def test_dianhua_rater_blend(self_score, sup_score):
    inputs = {"in_revisit_sup": sup_score}
    if self_score is not None:
        inputs["in_revisit_self"] = self_score
    expected = blended(self_score, sup_score)
    assert score(DIANHUA, inputs)["out_revisit"] == pytest.approx(float(expected))


def test_dianhua_only_self_is_the_self_score():
    # renormalised over the raters who scored (forms.md: only 上级 → 上级; symmetric for 自评)
    assert score(DIANHUA, {"in_revisit_self": 10})["out_revisit"] == 10


@pytest.mark.parametrize("self_level", [None, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("sup_level", [1, 3, 5])
def test_dianhua_rating_points(self_level, sup_level):
    # 1级10分 … 5级50分, the levels blended 20/80
    inputs = {"in_customer_focus_sup": sup_level}
    if self_level is not None:
        inputs["in_customer_focus_self"] = self_level
    expected = blended(self_level, sup_level) * 10
    assert score(DIANHUA, inputs)["out_customer_focus"] == pytest.approx(float(expected))


@pytest.mark.parametrize("role", ["self", "sup"])
@pytest.mark.parametrize("bad", [0, 6, 0.5, -1, 50])
def test_dianhua_rating_outside_1_to_5(role, bad):
    with pytest.raises(ScoringError) as caught:
        score(DIANHUA, {f"in_service_knowledge_{role}": bad})
    assert caught.value.name == f"in_service_knowledge_{role}"
    assert caught.value.code == "not-a-level"


# Inputs reaching each side of the grade boundaries; every other 上级 score is 20 (full).
# (info_mgmt, complaint, call_quality sup, call_quality self, service_knowledge sup,
#  customer_focus sup, customer_focus self) and the total worked out by hand.
DIANHUA_CASES = [
    ((20, 20, 20, None, 1, 4, None), "90"),
    ((20, 20, 20, 12, 1, 5, 3), "89.92"),
    ((20, 20, 16, 6, 1, 1, 3), "80"),
    ((20, 20, 18, 0, 1, 1, 2), "79.92"),
    ((20, 20, 2, None, 1, 1, 2), "70"),
    ((20, 20, 2, 4, 1, 1, None), "69.92"),
    ((0, 5, 0, None, 1, 1, None), "40"),
]


@pytest.mark.parametrize("case, total", DIANHUA_CASES)
def test_dianhua_total_and_grade(case, total):
    info, complaint, cq_sup, cq_self, sk_sup, cf_sup, cf_self = case
    inputs = {"in_info_mgmt_sup": info, "in_archive_mgmt_sup": 20, "in_revisit_sup": 20,
              "in_complaint_sup": complaint, "in_call_quality_sup": cq_sup,
              "in_service_knowledge_sup": sk_sup, "in_customer_focus_sup": cf_sup}
    if cq_self is not None:
        inputs["in_call_quality_self"] = cq_self
    if cf_self is not None:
        inputs["in_customer_focus_self"] = cf_self
    performance = round2(Decimal(info) + 20 + 20 + complaint + blended(cq_self, cq_sup))
    behaviour = round2(Decimal(sk_sup) * 10 + blended(cf_self, cf_sup) * 10)
    expected = round2(Decimal("0.8") * performance + Decimal("0.2") * behaviour)

    out = score(DIANHUA, inputs)
    assert out["out_performance"] == float(performance)
    assert out["out_behaviour"] == float(behaviour)
    assert out["out_total"] == float(expected) == float(total)  # the rule in decimals, and the total worked out by hand
    assert out["out_grade"] == dianhua_grade(Decimal(total))
    assert out["out_status"] == "已完成"


# ================================================================= 3. 呼叫中心经理
# forms.md §3: (item, weight, direction, default target)
HUJIAO_KPIS = [
    ("plan_completion", "0.20", "higher", "1"), ("cost_control", "0.15", "lower", "1"),
    ("survey_completion", "0.15", "higher", "1"), ("process_improvement", "0.15", "higher", "1"),
    ("satisfaction", "0.10", "higher", "0.9"), ("call_volume", "0.05", "higher", "10000"),
    ("feedback_timeliness", "0.05", "higher", "0.95"), ("collaboration", "0.05", "higher", "85"),
    ("fcr", "0.05", "higher", "0.75"), ("staff_mgmt", "0.05", "higher", "80"),
]


def hujiao_outcome(total: Decimal):
    """forms.md §3: ≥ 91 优 1.3, ≥ 81 良 1.1, ≥ 71 中 1.0, ≥ 61 基本合格 0.8, else 不合格 0.4."""
    for threshold, label, coefficient in [(91, "优", 1.3), (81, "良", 1.1), (71, "中", 1.0),
                                          (61, "基本合格", 0.8)]:
        if total >= threshold:
            return label, coefficient
    return "不合格", 0.4


def at_default_targets() -> dict:
    return {f"in_{item}_actual": float(Decimal(target)) for item, _, _, target in HUJIAO_KPIS}


def test_hujiao_targets_are_defaulted():
    out = score(HUJIAO, at_default_targets())
    for item, _, _, _ in HUJIAO_KPIS:
        assert out[f"out_{item}"] == 100
    assert out["out_total"] == 100
    assert (out["out_grade"], out["out_coefficient"]) == ("优", 1.3)


@pytest.mark.parametrize("actual, target, expected", [
    (0.9, 1.0, 90), ("90%", "100%", 90), (1.2, 1.0, 100), (0, 1.0, 0), (0.6, 0.75, 80),
])
def test_hujiao_achievement_higher(actual, target, expected):
    out = score(HUJIAO, {"in_fcr_actual": actual, "in_fcr_target": target})
    assert out["out_fcr"] == pytest.approx(expected)
    assert out["out_fcr_weighted"] == pytest.approx(expected * 0.05)


@pytest.mark.parametrize("actual, expected", [(1.25, 80), (2.0, 50), (1.0, 100), (0.8, 100), (0, 100)])
def test_hujiao_achievement_lower(actual, expected):
    # 服务费用预算控制率: target ÷ actual × 100, at most 100; an actual of 0 scores 100
    assert score(HUJIAO, {"in_cost_control_actual": actual})["out_cost_control"] == \
        pytest.approx(expected)


def test_hujiao_edited_target():
    out = score(HUJIAO, {"in_call_volume_actual": 9000, "in_call_volume_target": 12000})
    assert out["out_call_volume"] == pytest.approx(75)


# (total, items scoring 0, plan_completion actual against its 100% target)
HUJIAO_CASES = [
    ("100", [], "1"), ("91", [], "0.55"), ("90.99", [], "0.5495"), ("81", [], "0.05"),
    ("80.99", [], "0.0495"), ("71", ["survey_completion"], "0.30"),
    ("70.99", ["survey_completion"], "0.2995"), ("61", ["survey_completion", "process_improvement"], "0.55"),
    ("60.99", ["survey_completion", "process_improvement"], "0.5495"),
    ("15", ["plan_completion", "survey_completion", "process_improvement", "satisfaction",
            "call_volume", "feedback_timeliness", "collaboration", "fcr", "staff_mgmt"], "0"),
]


@pytest.mark.parametrize("total, zeros, plan", HUJIAO_CASES)
def test_hujiao_grade_and_coefficient(total, zeros, plan):
    inputs = at_default_targets()
    for item in zeros:
        inputs[f"in_{item}_actual"] = 0
    inputs["in_plan_completion_actual"] = float(plan)
    expected = Decimal(0)
    for item, weight, _, _ in HUJIAO_KPIS:
        achieved = Decimal(plan) * 100 if item == "plan_completion" else 0 if item in zeros else 100
        expected += achieved * Decimal(weight)
    expected = round2(expected)

    out = score(HUJIAO, inputs)
    assert out["out_kpi"] == float(expected)
    assert out["out_total"] == float(expected) == float(total)
    assert (out["out_grade"], out["out_coefficient"]) == hujiao_outcome(Decimal(total))


def test_hujiao_99_49_where_python_round_gives_99_48():
    # every KPI at its default target except 呼叫业务量: 8970 of 10000 → 89.7 × 5% = 4.485
    inputs = at_default_targets()
    inputs["in_call_volume_actual"] = 8970
    raw = 0.0
    for item, weight, _, _ in HUJIAO_KPIS:
        raw += (89.7 if item == "call_volume" else 100.0) * float(weight)
    # the binary value is 99.48499…: rounding it (Python's `round`) would give 99.48
    assert excel_round(raw, 2) == 99.49  # Excel: half away from zero, on the 15 digits shown
    out = score(HUJIAO, inputs)
    assert out["out_total"] == 99.49
    assert out["out_grade"] == "优"


# ================================================================= excel_round
EXCEL_ROUND = [
    (0.15 * 94.5, 2, 14.18), (2.675, 2, 2.68), (1.005, 2, 1.01), (-2.5, 0, -3), (0.5, 0, 1),
    (2.5, 0, 3), (-1.005, 2, -1.01), (99.485, 2, 99.49),
]


@pytest.mark.parametrize("value, digits, expected", EXCEL_ROUND)
def test_excel_round_where_python_differs(value, digits, expected):
    """Values whose binary double lies just below the half (or is a tie Python rounds to even)."""
    assert excel_round(value, digits) == expected


@pytest.mark.parametrize("value, digits, expected", [
    (1.234, 2, 1.23), (1.236, 2, 1.24), (-0.4, 0, 0), (1234.5, -2, 1200), (1250, -2, 1300),
    (89.99, 2, 89.99), (0.1 + 0.2, 2, 0.3), (7, 0, 7),
])
def test_excel_round_ordinary(value, digits, expected):
    assert excel_round(value, digits) == expected


def test_excel_round_negative_zero_and_blank():
    assert str(excel_round(-0.004, 2)) == "0.0"
    assert excel_round(None, 2) is None


# ================================================================= properties
values = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def monotone_bands(draw, lower_is_better):
    """Bands whose better thresholds never score less; else no more than the worst band."""
    thresholds = sorted(draw(st.lists(values, min_size=1, max_size=6, unique=True)),
                        reverse=not lower_is_better)
    scores = sorted(draw(st.lists(values, min_size=len(thresholds), max_size=len(thresholds))),
                    reverse=True)
    otherwise = draw(st.floats(-1e6, min(scores), allow_nan=False))
    return thresholds, scores, otherwise


@given(monotone_bands(False), values, values)
def test_band_higher_is_better_never_falls(bands, a, b):
    thresholds, scores, otherwise = bands
    low, high = sorted((a, b))
    assert band_score(low, thresholds, scores, else_score=otherwise) <= \
        band_score(high, thresholds, scores, else_score=otherwise)


@given(monotone_bands(True), values, values)
def test_band_lower_is_better_never_rises(bands, a, b):
    thresholds, scores, otherwise = bands
    low, high = sorted((a, b))
    assert band_score(low, thresholds, scores, lower_is_better=True, else_score=otherwise) >= \
        band_score(high, thresholds, scores, lower_is_better=True, else_score=otherwise)


@given(st.data())
def test_band_order_given_does_not_matter(data):
    thresholds, scores, otherwise = data.draw(monotone_bands(data.draw(st.booleans())))
    lower = data.draw(st.booleans())
    value = data.draw(values)
    order = data.draw(st.permutations(range(len(thresholds))))
    assert band_score(value, [thresholds[i] for i in order], [scores[i] for i in order],
                      lower_is_better=lower, else_score=otherwise) == \
        band_score(value, thresholds, scores, lower_is_better=lower, else_score=otherwise)


BUILTIN_BANDS = [(form_id, item.id, item.rule.band) for form_id in (KEFU, DIANHUA, HUJIAO)
                 for item in get_form(form_id).items() if item.rule.kind == "band"]


@pytest.mark.parametrize("form_id, item, band", BUILTIN_BANDS, ids=[b[1] for b in BUILTIN_BANDS])
@given(a=st.floats(0, 100), b=st.floats(0, 100))
def test_builtin_bands_fewer_occurrences_never_score_lower(form_id, item, band, a, b):
    if get_form(form_id).input_specs()[0].integer or next(
            i for i in get_form(form_id).items() if i.id == item).integer:
        a, b = float(int(a)), float(int(b))  # counts are whole numbers; score() refuses fractions
    low, high = sorted((a, b))
    best, worse = (low, high) if band.lower_is_better else (high, low)
    out_best = score(form_id, {f"in_{item}": best})[f"out_{item}"]
    out_worse = score(form_id, {f"in_{item}": worse})[f"out_{item}"]
    assert out_best >= out_worse


@given(st.floats(0, 1e3), st.floats(0, 1e3), st.floats(0, 100), st.floats(0, 100), st.floats(-100, 0))
def test_deduct_more_occurrences_never_score_higher(a, b, each, full, floor):
    few, many = sorted((a, b))
    assert deduct_score(few, each, full, floor) >= deduct_score(many, each, full, floor)
    assert deduct_score(many, each, full, floor) >= floor


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(1e-3, 1e6), st.floats(0.5, 2))
def test_achievement_monotone(a, b, target, cap):
    low, high = sorted((a, b))
    assert achievement_score(low, target, cap=cap) <= achievement_score(high, target, cap=cap)
    assert achievement_score(low, target, lower_is_better=True, cap=cap) >= \
        achievement_score(high, target, lower_is_better=True, cap=cap)
    assert achievement_score(high, target, cap=cap) <= cap * 100


BLANK_CASES = {
    "band_score": lambda: band_score(None, [1, 0], [5, 3]),
    "choice_score": lambda: choice_score(None, [("按要求完成", 3)]),
    "choice_score text": lambda: choice_score("  ", [("按要求完成", 3)]),
    "level_score": lambda: level_score(None, [20, 10, 0]),
    "range_score": lambda: range_score(None, 0, 10),
    "level_points": lambda: level_points(None),
    "deduct_score": lambda: deduct_score(None, 2, 20),
    "bonus_score": lambda: bonus_score(None, 5, 10),
    "achievement actual": lambda: achievement_score(None, 1.0),
    "achievement target": lambda: achievement_score(0.9, None),
    "rater_blend": lambda: rater_blend([None, None], [0.2, 0.8]),
    "weighted_sum": lambda: weighted_sum([90, None], [0.5, 0.5]),
    "blend performance": lambda: blend(None, 80),
    "blend behaviour": lambda: blend(80, None),
    "sum_scores": lambda: sum_scores([1, None, 2]),
    "grade": lambda: grade(None),
    "excel_round": lambda: excel_round(None, 2),
}


@pytest.mark.parametrize("case", sorted(BLANK_CASES))
def test_blank_stays_blank(case):
    assert BLANK_CASES[case]() is None


ITEM_COUNTS = {KEFU: 11, DIANHUA: 7, HUJIAO: 10,  # the rows of forms.md's tables
               "wangdian_kefu": 8, "kefu_zhuanyuan_menshi": 10, "kefu_renyuan": 11, "kefubu_jingli": 10,
               "kefu_zhuguan": 14}


@pytest.mark.parametrize("form_id", sorted(ITEM_COUNTS))
def test_empty_form_is_all_blank(form_id):
    out = score(form_id, {})
    form = get_form(form_id)
    assert set(out) == set(form.output_names())
    assert len(list(form.items())) == ITEM_COUNTS[form_id]
    assert out.pop("out_status") == f"未完成：{ITEM_COUNTS[form_id]} 项未填"
    assert all(value is None for value in out.values()), out


@given(st.lists(st.sampled_from(sorted(RANGES)), unique=True))
def test_status_counts_unfilled_items(filled):
    out = score(KEFU, {f"in_{item}": 1 for item in filled})
    missing = ITEM_COUNTS[KEFU] - len(filled)
    assert out["out_status"] == f"未完成：{missing} 项未填"
    assert out["out_total"] is None and out["out_pay"] is None


def test_status_counts_empty_text_as_unfilled():
    inputs = kefu_inputs("100")
    inputs["in_duty"] = None
    inputs["in_skill"] = ""
    out = score(KEFU, inputs)
    assert out["out_status"] == "未完成：2 项未填"
    assert out["out_personnel"] is None and out["out_attitude"] == 10


def test_spaces_are_not_a_blank():
    # the sheet sees text in a cell holding only spaces (COUNTBLANK does not count it)
    with pytest.raises(ScoringError) as caught:
        score(KEFU, {**kefu_inputs("100"), "in_skill": "  "})
    assert caught.value.code == "not-a-number" and "按 Delete 键" in str(caught.value)


@pytest.mark.parametrize("wrong, blank, status", [
    ({"in_duty"}, (), "未完成：1 项填写有误"),
    ({"in_duty", "in_skill"}, ("in_volume", "in_service"), "未完成：2 项未填，2 项填写有误"),
    ((), ("in_volume",), "未完成：1 项未填"),
])
def test_status_counts_wrong_items_apart_from_blank_ones(wrong, blank, status):
    inputs = {**kefu_inputs("100"), **dict.fromkeys(blank)}
    inputs.update(dict.fromkeys(wrong, "不是数字"))  # what the caller found wrong is not read again
    out = score(KEFU, inputs, wrong=set(wrong))
    assert out["out_status"] == status
    for name in wrong:
        assert out[name.replace("in_", "out_")] is None
    assert out["out_total"] is None and out["out_pay"] is None


def test_status_text():
    assert scoring.status_text(0, 0) == "已完成"
    assert scoring.status_text(3) == "未完成：3 项未填"
    assert scoring.status_text(0, 1) == "未完成：1 项填写有误"
    assert scoring.status_text(2, 1) == "未完成：2 项未填，1 项填写有误"


@given(values, st.floats(0.01, 100), st.floats(0.01, 100))
def test_rater_blend_one_blank_is_the_other(present, w1, w2):
    assert rater_blend([present, None], [w1, w2]) == pytest.approx(present)
    assert rater_blend([None, present], [w1, w2]) == pytest.approx(present)


@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 100)), st.floats(0.01, 10)), min_size=1,
                max_size=4), st.floats(0.01, 1000))
def test_rater_blend_weights_scaled_give_the_same_blend(raters, factor):
    scores = [s for s, _ in raters]
    weights = [w for _, w in raters]
    assume(any(s is not None for s in scores))
    assert rater_blend(scores, [w * factor for w in weights]) == \
        pytest.approx(rater_blend(scores, weights), rel=1e-9, abs=1e-9)


@given(st.floats(0, 100), st.floats(0, 100))
def test_rater_blend_20_80(self_score, sup_score):
    assert rater_blend([self_score, sup_score], [0.2, 0.8]) == \
        pytest.approx(0.2 * self_score + 0.8 * sup_score)


# ================================================================= forms and errors
def test_score_accepts_id_name_and_form():
    inputs = kefu_inputs("89.99")
    by_id = score(KEFU, inputs)
    assert score("客服专员", inputs) == by_id
    assert score(get_form(KEFU), inputs) == by_id
    assert score(load_form(builtin_dir() / "kefu_zhuanyuan.yaml"), inputs) == by_id
    assert by_id["out_total"] == 89.99


def test_unknown_form():
    with pytest.raises(FormError):
        score("客服经理", {})


def test_text_where_a_number_belongs():
    with pytest.raises(ScoringError) as caught:
        score(KEFU, {"in_attendance": "abc"})
    assert caught.value.name == "in_attendance"
    assert caught.value.code == "not-a-number"
    assert "abc" in str(caught.value)


def test_boolean_where_a_number_belongs():
    with pytest.raises(ScoringError) as caught:
        score(HUJIAO, {"in_fcr_actual": True})
    assert caught.value.name == "in_fcr_actual"


def test_wrong_choice_label():
    with pytest.raises(ScoringError) as caught:
        score(KEFU, {"in_duty": "随便"})
    assert caught.value.name == "in_duty"
    assert caught.value.code == "not-a-choice"
    assert "按要求完成" in str(caught.value)


@pytest.mark.parametrize("rule", [lambda: deduct_score(-1, 2, 20), lambda: bonus_score(-1, 5),
                                  lambda: achievement_score(-0.1, 1.0)])
def test_negative_counts_and_values_are_refused(rule):
    with pytest.raises(ScoringError) as caught:
        rule()
    assert caught.value.code == "out-of-range"


def test_primitives_refuse_mismatched_lengths():
    with pytest.raises(ScoringError):
        band_score(1, [0, 1], [5])
    with pytest.raises(ScoringError):
        rater_blend([1, 2], [1])
    with pytest.raises(ScoringError):
        grade(85, [90, 80], ["A", "B"])


def test_grade_defaults():
    assert [grade(t) for t in (90, 89.99, 80, 79.99, 70, 69.99)] == ["A", "B", "B", "C", "C", "D"]
    assert scoring.DEFAULT_GRADE_THRESHOLDS == (90.0, 80.0, 70.0)


def test_level_score_takes_only_its_levels():
    """The primitive checks the level itself (KPI functions and item_score call it on unchecked values)."""
    assert level_score(10, [20, 10, 0]) == 10
    assert level_score(0.0, [20, 10, 0]) == 0.0
    with pytest.raises(ScoringError) as caught:
        level_score(15, [20, 10, 0])
    assert caught.value.code == "not-a-level"
    assert str(caught.value) == "应为 20、10、0 之一，实际为 15。"


def test_a_rater_error_names_that_rater_input():
    """An unchecked value given straight to item_score: the error names the input it came from."""
    form = get_form(DIANHUA)
    item = next(item for item in form.items() if item.id == "info_mgmt")
    with pytest.raises(ScoringError) as caught:
        scoring.item_score(form, item, {"in_info_mgmt_self": 20.0, "in_info_mgmt_sup": 15.0})
    assert (caught.value.name, caught.value.code) == ("in_info_mgmt_sup", "not-a-level")


def test_blend_takes_weights_from_0_to_1_inclusive():
    assert blend(80, 60, 1) == 80
    assert blend(80, 60, 0) == 60
    for weight in (-0.01, 1.01):
        with pytest.raises(ScoringError) as caught:
            blend(80, 60, weight)
        assert caught.value.code == "out-of-range"


def test_a_rating_out_of_its_levels_is_refused_by_item_score():
    form = get_form(DIANHUA)
    item = next(item for item in form.items() if item.id == "service_knowledge")
    with pytest.raises(ScoringError) as caught:
        scoring.item_score(form, item, {"in_service_knowledge_self": 7.0, "in_service_knowledge_sup": 3.0})
    assert (caught.value.name, caught.value.code) == ("in_service_knowledge_self", "not-a-level")
