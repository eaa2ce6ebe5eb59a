"""The forms of shared/spec/forms.md §4, and the concepts they brought to the format.

Boundary cases are taken from the seeds' own tables (询单转化率 X≥75% 100 …,
员工流失率≤15% 每增加5%扣2分, 选片顾客 50家 ±1 …) and worked out here, never copied
from the engine. Then: properties of the new primitives, the loader's problems for
the new keys, the stacked inputs on the sheet, the vectorised engine on every
built-in form, and a small form using every option of the new concepts, recalculated
by LibreOffice and by the udf-dialect engine.
"""

from __future__ import annotations

import io
import math
import random
import re
import shlex
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import xlkpi
from xlkpi.base.errors import ScoringError
from xlkpi.forms.definitions import check_form_text, load_form
from xlkpi.rules.sampling import random_filling
from xlkpi.rules.scoring import (
    bonuses_score,
    deductions_score,
    proportional_value,
    ratio_value,
    score,
    step_count,
    steps_score,
)
from xlkpi.rules.vectorized import score_frame
from xlkpi.workbook.layout import build_layout
from xlkpi.workbook.render import Employee, build_workbook

from .sheetvalues import layout_cells, mismatches, read_values

WANGDIAN = "wangdian_kefu"
MENSHI = "kefu_zhuanyuan_menshi"
RENYUAN = "kefu_renyuan"
JINGLI = "kefubu_jingli"
ZHUGUAN = "kefu_zhuguan"
CONCEPTS = Path(__file__).resolve().parent / "forms" / "valid" / "concepts.yaml"


def one(form_id, item, **inputs):
    """The score of one item given its inputs by role (`num=3`) or alone (`value=3`)."""
    values = {(f"in_{item}" if role == "value" else f"in_{item}_{role}"): value for role, value in inputs.items()}
    return score(form_id, values)[f"out_{item}"]


# ================================================================= 网店客服
# (item, numerator, denominator, score): the seed's bands, each boundary and just below it.
WANGDIAN_RATIOS = [
    ("inquiry_conversion", 75, 100, 100), ("inquiry_conversion", 3, 4, 100), ("inquiry_conversion", 74, 100, 80),
    ("inquiry_conversion", 65, 100, 80), ("inquiry_conversion", 13, 20, 80), ("inquiry_conversion", 649, 1000, 60),
    ("inquiry_conversion", 50, 100, 60), ("inquiry_conversion", 1, 2, 60), ("inquiry_conversion", 49, 100, 0),
    ("inquiry_conversion", 0, 30, 0), ("inquiry_conversion", 120, 100, 100),
    ("payment_rate", 92, 100, 100), ("payment_rate", 23, 25, 100), ("payment_rate", 91, 100, 80),
    ("payment_rate", 85, 100, 80), ("payment_rate", 17, 20, 80), ("payment_rate", 84, 100, 60),
    ("payment_rate", 72, 100, 60), ("payment_rate", 18, 25, 60), ("payment_rate", 71, 100, 0),
    ("unit_price", 112, 100, 100), ("unit_price", 280, 250, 100), ("unit_price", 414.4, 370, 100),
    ("unit_price", 111.99, 100, 80), ("unit_price", 399.6, 370, 80),
    ("unit_price", 108, 100, 80), ("unit_price", 270, 250, 80), ("unit_price", 106, 100, 60),
    ("unit_price", 265, 250, 60), ("unit_price", 105.99, 100, 0), ("unit_price", 80.5, 100, 0),
    ("reply_rate", 99, 100, 100), ("reply_rate", 98, 100, 80), ("reply_rate", 97, 100, 80),
    ("reply_rate", 96, 100, 60), ("reply_rate", 95, 100, 60), ("reply_rate", 19, 20, 60),
    ("reply_rate", 94, 100, 0),
]


@pytest.mark.parametrize("item, num, den, expected", WANGDIAN_RATIOS)
def test_wangdian_rates_are_computed_from_the_two_numbers(item, num, den, expected):
    out = score(WANGDIAN, {f"in_{item}_num": num, f"in_{item}_den": den})
    assert out[f"out_{item}_rate"] == float(f"{num / den:.9f}")
    assert out[f"out_{item}"] == expected


@pytest.mark.parametrize("num, den", [(0, 0), (5, 0), (None, 100), (30, None), (None, None)])
def test_wangdian_rate_of_a_zero_or_blank_denominator_is_blank(num, den):
    out = score(WANGDIAN, {"in_inquiry_conversion_num": num, "in_inquiry_conversion_den": den})
    assert out["out_inquiry_conversion_rate"] is None
    assert out["out_inquiry_conversion"] is None
    assert out["out_inquiry_conversion_weighted"] is None


def test_wangdian_negative_count_is_refused():
    with pytest.raises(ScoringError) as raised:
        score(WANGDIAN, {"in_inquiry_conversion_num": -1, "in_inquiry_conversion_den": 10})
    assert raised.value.name == "in_inquiry_conversion_num"


@pytest.mark.parametrize("seconds, expected", [(0, 100), (30, 100), (30.5, 80), (45, 80), (45.5, 60), (55, 60),
                                               (55.5, 0), (300, 0)])
def test_wangdian_response_time(seconds, expected):
    assert one(WANGDIAN, "response_time", value=seconds) == expected


@pytest.mark.parametrize("late, leave, expected", [
    (0, 0, 10), (1, 0, 8), (0, 1, 9), (0, 1.5, 8.5), (1, 1, 7), (2, 3, 3), (5, 0, 0), (4, 3, 0), (9, 9, 0),
])
def test_wangdian_attendance_deducts_per_late_and_per_day_to_zero(late, leave, expected):
    assert one(WANGDIAN, "attendance", late=late, leave=leave) == expected


def test_wangdian_attendance_is_blank_until_both_counts_are_filled():
    assert one(WANGDIAN, "attendance", late=0) is None
    assert one(WANGDIAN, "attendance", leave=0) is None


def test_wangdian_leave_days_take_halves_but_lates_are_whole():
    with pytest.raises(ScoringError) as raised:
        one(WANGDIAN, "attendance", late=1.5, leave=0)
    assert raised.value.code == "not-an-integer"


def wangdian_filling(rates=(75, 92, 112, 99), seconds=30, task=10, attitude=5, late=0, leave=0):
    items = ("inquiry_conversion", "payment_rate", "unit_price", "reply_rate")
    filling = {}
    for item, num in zip(items, rates):
        filling[f"in_{item}_num"], filling[f"in_{item}_den"] = num, 100
    filling.update({"in_response_time": seconds, "in_work_task": task, "in_attitude": attitude,
                    "in_attendance_late": late, "in_attendance_leave": leave})
    return filling


@pytest.mark.parametrize("filling, kpi, routine, total, grade, pay", [
    (wangdian_filling(), 75, 25, 100, "金牌客服", 750),
    # 询单 80×35% = 28, 支付 100×20%, 客单价 60×10%, 回复 80×5%, 响应 80×5%: 62; 8 + 4 + 7.5 = 19.5
    (wangdian_filling((70, 92, 106, 98), 40, 8, 4, 1, 0.5), 62, 19.5, 81.5, "银牌客服", 611.25),
    # 750 × 90% = 675: the boundary of 金牌
    (wangdian_filling((70, 92, 112, 99), 30, 10, 5, 1, 1), 68, 22, 90, "金牌客服", 675),
    # 60×35% + 80×20% + 60×10% + 60×5% + 80×5% = 50; 5 + 3 + (10 − 2×2) = 14
    (wangdian_filling((60, 85, 106, 95), 45, 5, 3, 2, 0), 50, 14, 64, "未定级", 480),
    # 50 分 → 375 元, the seed's own example
    (wangdian_filling((49, 71, 105, 94), 56, 10, 5, 0, 0), 0, 25, 25, "未定级", 187.5),
])
def test_wangdian_totals_grade_and_pay(filling, kpi, routine, total, grade, pay):
    out = score(WANGDIAN, filling)
    assert (out["out_kpi"], out["out_routine"], out["out_total"]) == (kpi, routine, total)
    assert (out["out_grade"], out["out_pay"]) == (grade, pay)
    assert out["out_status"] == "已完成"


@pytest.mark.parametrize("total, pay", [(50, 375), (100, 750), (0, 0), (92.35, 692.63), (81.01, 607.58),
                                        (33.33, 249.98), (None, None)])
def test_pay_is_750_times_the_total_percent(total, pay):
    # 92.35 × 750 ÷ 100 = 692.625 → 692.63 (half away from zero); 81.01 → 607.575 → 607.58
    assert proportional_value(total, 750) == pay


@pytest.mark.parametrize("total, grade", [(100, "金牌客服"), (90, "金牌客服"), (89.99, "银牌客服"), (80, "银牌客服"),
                                          (79.99, "铜牌客服"), (70, "铜牌客服"), (69.99, "未定级"), (0, "未定级")])
def test_wangdian_grade_bands(total, grade):
    outcome = xlkpi.get_form(WANGDIAN).outcomes[0]
    assert xlkpi.rules.scoring.outcome_value(xlkpi.get_form(WANGDIAN), outcome, total) == grade


def test_wangdian_a_zero_denominator_is_a_wrong_entry_not_a_blank():
    out = score(WANGDIAN, {**wangdian_filling(), "in_reply_rate_den": 0})
    assert out["out_reply_rate_rate"] is out["out_reply_rate"] is None
    assert out["out_kpi"] is out["out_total"] is out["out_pay"] is None
    assert out["out_status"] == "未完成：1 项填写有误"
    out = score(WANGDIAN, {**wangdian_filling(), "in_reply_rate_den": 0, "in_reply_rate_num": None})
    assert out["out_status"] == "未完成：1 项未填"


# ================================================================= 客服专员（门市）
@pytest.mark.parametrize("customers, expected", [(50, 10), (49, 9), (51, 11), (45, 5), (40, 0), (35, -5), (0, -40),
                                                 (60, 20), (80, 40)])
def test_menshi_photo_customers_plus_or_minus_one_per_customer(customers, expected):
    assert one(MENSHI, "photo_customers", value=customers) == expected


@pytest.mark.parametrize("label, expected", [("按规范填写使用", 3), ("未按规范填写使用", -6)])
def test_menshi_attendance_forms_reward_or_penalty(label, expected):
    assert one(MENSHI, "attendance_forms", value=label) == expected


@pytest.mark.parametrize("item, counts, expected", [
    ("work_log", {"missed": 0, "errors": 0}, 5), ("work_log", {"missed": 1, "errors": 0}, 3),
    ("work_log", {"missed": 0, "errors": 1}, 1), ("work_log", {"missed": 1, "errors": 1}, 0),
    ("work_log", {"missed": 3, "errors": 2}, 0),
    ("sales_entry", {"late": 1, "errors": 1}, 1), ("sales_entry", {"late": 2, "errors": 0}, 1),
    ("sales_entry", {"late": 2, "errors": 1}, 0),
])
def test_menshi_several_counts_in_one_item(item, counts, expected):
    assert one(MENSHI, item, **counts) == expected


@pytest.mark.parametrize("item, count, expected", [
    ("order_process", 0, 5), ("order_process", 2, 1), ("order_process", 3, 0), ("hygiene", 1, 1), ("hygiene", 3, 0),
    ("weekly_report", 1, 1), ("weekly_report", 2, 0), ("suggestion", 0, 0), ("suggestion", 3, 15),
])
def test_menshi_points_per_occurrence(item, count, expected):
    assert one(MENSHI, item, value=count) == expected


def test_menshi_total_is_what_the_form_lists():
    perfect = {"in_order_process": 0, "in_hygiene": 0, "in_attendance_forms": "按规范填写使用",
               "in_product_knowledge": 0, "in_reception": 0, "in_sales_entry_late": 0, "in_sales_entry_errors": 0,
               "in_suggestion": 0, "in_photo_customers": 50, "in_work_log_missed": 0, "in_work_log_errors": 0,
               "in_weekly_report": 0}
    out = score(MENSHI, perfect)
    # 50 points listed, of which 合理化建议's 5 come only with adopted suggestions
    assert (out["out_work"], out["out_management"], out["out_total"]) == (35, 10, 45)
    out = score(MENSHI, {**perfect, "in_attendance_forms": "未按规范填写使用", "in_photo_customers": 20,
                         "in_suggestion": 1})
    assert out["out_total"] == 45 - 9 - 30 + 5


# ================================================================= 客户服务人员
@pytest.mark.parametrize("item, value, expected", [
    ("complaint_resolution", 0, 20), ("complaint_resolution", 0.001, 18), ("complaint_resolution", "0.4%", 18),
    ("complaint_resolution", "0.5%", 16), ("complaint_resolution", "1%", 16), ("complaint_resolution", "1.2%", 10),
    ("complaint_resolution", "1.5%", 10), ("complaint_resolution", "3%", 10),
    ("revisit_completion", "100%", 10), ("revisit_completion", "99%", 9), ("revisit_completion", "95%", 9),
    ("revisit_completion", "94.9%", 8), ("revisit_completion", "80%", 8), ("revisit_completion", "79.9%", 7),
    ("revisit_completion", "75%", 7), ("revisit_completion", "74.9%", 5), ("revisit_completion", 0, 5),
    ("satisfaction", "100%", 10), ("satisfaction", "95%", 9), ("satisfaction", "80%", 8), ("satisfaction", "75%", 7),
    ("satisfaction", "70%", 5),
    ("revisit_truth", 0, 10), ("revisit_truth", 1, 9), ("revisit_truth", 2, 8), ("revisit_truth", 3, 7),
    ("revisit_truth", 5, 7), ("revisit_truth", 6, 5),
    ("skill_quality", 0, 30), ("skill_quality", 14, 2), ("skill_quality", 15, 0), ("skill_quality", 20, 0),
    ("report_truth", 2, 6), ("report_truth", 6, 0), ("audit", 0, 10), ("audit", 4, 6), ("audit", 12, 0),
])
def test_renyuan_deduction_bands_and_spot_checks(item, value, expected):
    assert one(RENYUAN, item, value=value) == expected


def test_renyuan_rewards_and_penalties_per_event():
    assert one(RENYUAN, "rewards", letter=1, department=1, company=1, media=1) == 11
    assert one(RENYUAN, "rewards", letter=3, department=0, company=0, media=2) == 13
    assert one(RENYUAN, "penalties", department=1, company=1, media=1) == -10
    assert one(RENYUAN, "penalties", department=0, company=0, media=0) == 0
    assert one(RENYUAN, "penalties", department=4, company=0, media=0) == -8


def test_renyuan_total_blends_the_three_raters_60_15_25():
    filling = {"in_skill_quality": 1, "in_complaint_resolution": 0, "in_revisit_completion": 1,
               "in_revisit_truth": 0, "in_satisfaction": 0.96, "in_report_truth": 0, "in_audit": 2,
               "in_rewards_letter": 2, "in_rewards_department": 0, "in_rewards_company": 0, "in_rewards_media": 0,
               "in_penalties_department": 1, "in_penalties_company": 0, "in_penalties_media": 0,
               "in_task_completion": 80, "in_cooperation": 90}
    out = score(RENYUAN, filling)
    # 28 + 20 + 10 + 10 + 9 + 10 + 8 + 2 − 2 = 95; 95 × 60% + 80 × 15% + 90 × 25% = 57 + 12 + 22.5
    assert out["out_indicators"] == 95
    assert out["out_total"] == 91.5


# ================================================================= 客服部经理
@pytest.mark.parametrize("item, actual, expected", [
    ("key_account_loss", 0, 100), ("key_account_loss", 1, 100), ("key_account_loss", 2, 50),
    ("key_account_loss", 4, 25),
    ("cost_saving", "5%", 100), ("cost_saving", "2.5%", 50), ("cost_saving", 0, 0), ("cost_saving", "8%", 100),
    ("satisfaction", 90, 100), ("satisfaction", 81, 90), ("staff_mgmt", 60, 75),
])
def test_jingli_achievement_against_the_default_targets(item, actual, expected):
    assert one(JINGLI, item, actual=actual) == pytest.approx(expected, abs=1e-12)


def test_jingli_on_target_is_100_and_excellent():
    form = xlkpi.get_form(JINGLI)
    filling = {spec.name.replace("_target", "_actual"): spec.default for spec in form.input_specs()
               if spec.role == "target"}
    out = score(form, filling)
    assert (out["out_total"], out["out_grade"], out["out_coefficient"]) == (100, "优", 1.3)


# ================================================================= 客服主管
@pytest.mark.parametrize("rate, expected", [
    (0, 6), ("15%", 6), ("17%", 6), ("19.99%", 6), ("20%", 4), ("24.9%", 4), ("25%", 2), ("29.99%", 2),
    ("30%", 0), ("35%", 0), ("100%", 0),
])
def test_zhuguan_turnover_deducts_2_per_whole_5_percent_over_15(rate, expected):
    assert one(ZHUGUAN, "turnover", value=rate) == expected


@pytest.mark.parametrize("calls, expected", [(600, 4), (650, 4), (599, 3), (597, 1), (596, 0), (0, 0)])
def test_zhuguan_revisit_deducts_1_per_call_short_of_600(calls, expected):
    assert one(ZHUGUAN, "revisit", value=calls) == expected


@pytest.mark.parametrize("missed, escalated, expected", [(0, 0, 10), (1, 0, 7), (3, 0, 1), (4, 0, 0), (0, 1, 1),
                                                         (1, 1, 0)])
def test_zhuguan_complaints_deduct_3_per_miss_and_9_per_escalation(missed, escalated, expected):
    assert one(ZHUGUAN, "complaint", missed=missed, escalated=escalated) == expected


def test_zhuguan_sections_are_80_and_20():
    form = xlkpi.get_form(ZHUGUAN)
    assert [(section.id, section.points, sum(item.points for item in section.items)) for section in form.sections] == [
        ("performance", 80, 80), ("attitude", 20, 20)]


# ================================================================= the new primitives
@pytest.mark.parametrize("distance, step, whole, started", [
    (0.2 - 0.15, 0.05, 1, 1), (0.35 - 0.15, 0.05, 4, 4), (0.3 - 0.15, 0.05, 3, 3), (0.45 - 0.15, 0.05, 6, 6),
    (0.17 - 0.15, 0.05, 0, 1), (0, 0.05, 0, 0), (7, 2, 3, 4), (1e-12, 1, 0, 0), (2.0000001, 1, 2, 3),
])
def test_step_count_snaps_the_quotient_before_counting(distance, step, whole, started):
    # (0.35 − 0.15) / 0.05 is 3.9999999999999996 in binary; rounded to 9 decimals it is 4
    assert step_count(distance, step) == whole
    assert step_count(distance, step, partial=True) == started


@given(st.floats(0, 200), st.floats(0, 200), st.sampled_from([0.5, 1, 2, 5]), st.booleans(), st.booleans())
def test_steps_never_reward_a_worse_value(a, b, step, lower, partial):
    low, high = sorted((a, b))
    best, worse = (low, high) if lower else (high, low)
    options = dict(lower_is_better=lower, points=10, deduct=1.5, add=0.5, partial=partial, floor=None)
    assert steps_score(best, 100, step, **options) >= steps_score(worse, 100, step, **options)


@given(st.floats(0, 50), st.sampled_from([0.05, 1, 3]))
def test_a_started_step_deducts_at_least_as_much_as_a_whole_one(value, step):
    whole = steps_score(value, 10, step, points=20, deduct=2, floor=None)
    started = steps_score(value, 10, step, points=20, deduct=2, partial=True, floor=None)
    assert started <= whole


@given(st.lists(st.integers(0, 50), min_size=1, max_size=4), st.data())
def test_several_counts_score_as_the_sum_of_their_parts(counts, data):
    eaches = data.draw(st.lists(st.sampled_from([0.5, 1, 2, 3, 9]), min_size=len(counts), max_size=len(counts)))
    deducted = sum(count * each for count, each in zip(counts, eaches))
    assert deductions_score(counts, eaches, 100, None) == pytest.approx(100 - deducted)
    assert deductions_score(counts, eaches, 10, 0) == pytest.approx(max(0, 10 - deducted))
    assert bonuses_score(counts, eaches) == pytest.approx(deducted)
    assert bonuses_score(counts, eaches, 5) == pytest.approx(min(5, deducted))


def test_blank_counts_and_ratios_stay_blank():
    assert deductions_score([1, None], [2, 4], 5) is None
    assert bonuses_score([None], [1]) is None
    assert ratio_value(None, 3) is None
    assert ratio_value(3, 0) is None
    assert steps_score(None, 50) is None
    assert proportional_value(None, 750) is None


def test_negative_counts_are_refused():
    with pytest.raises(ScoringError, match="次数不能为负数"):
        deductions_score([1, -1], [2, 4], 5)
    with pytest.raises(ScoringError, match="分子和分母不能为负数"):
        ratio_value(1, -3)


# ================================================================= the loader
BASE = """\
id: shiyan
name: 试验
version: 1
title: 试验表
columns:
  - {show: name, label: 项目}
  - {show: prompt, label: 数据项}
  - {input: value, label: 数据}
  - {show: rate, label: 比率}
  - {show: score, label: 得分}
sections:
  - id: work
    name: 工作
    items:
      - id: item
        name: 项目
%s
total:
  sum: [work]
"""


def problems_of(rule: str, text: str = BASE):
    indented = "\n".join(" " * 8 + line for line in rule.strip("\n").splitlines())
    form, problems = check_form_text(text % indented, "t.yaml")
    return [(p.path, p.code, p.message) for p in problems]


@pytest.mark.parametrize("rule, expected", [
    ("deduct: {points: 5}",
     ("sections.work.items.item.deduct.each", "missing-key", "缺少必填的键 \"each\"（或用 counts 列出多种次数）。")),
    ("deduct: {points: 5, each: 2, counts: [{id: a, label: A, each: 1}]}",
     ("sections.work.items.item.deduct", "rule-count", "应写 each（一种次数）或 counts（多种次数）之一，不能同时写。")),
    ("bonus: {counts: []}", ("sections.work.items.item.bonus.counts", "empty-levels", "次数列表不能为空。")),
    ("deduct: {points: 5, counts: [{id: target, label: A, each: 1}]}",
     ("sections.work.items.item.deduct.counts[0].id", "bad-value",
      "次数的 id 不能用保留的输入角色名 \"target\"（self、sup、peer、actual、target、num、den、value、rate）。")),
    ("deduct: {points: 5, counts: [{id: a, label: A, each: 1}, {id: a, label: B, each: 2}]}",
     ("sections.work.items.item.deduct.counts[1].id", "duplicate-id", "id \"a\" 重复（第 17 行已使用）。")),
    ("deduct: {points: 5, counts: [{id: a, label: A, each: 0}]}",
     ("sections.work.items.item.deduct.counts[0].each", "bad-value", "每次分值应大于 0，实际为 0。")),
    ("deduct: {points: 5, counts: [{id: 迟到, label: A, each: 1}]}",
     ("sections.work.items.item.deduct.counts[0].id", "bad-id",
      "id \"迟到\" 无效：只能用小写英文字母、数字和下划线，并以字母开头。")),
    ("deduct: {points: 5, counts: [{id: a, each: 1}]}",
     ("sections.work.items.item.deduct.counts[0].label", "missing-key", "缺少必填的键 \"label\"。")),
    ("steps: {points: 6, target: 15%, direction: lower, step: 0, deduct: 2}",
     ("sections.work.items.item.steps.step", "bad-value", "步长应大于 0，实际为 0。")),
    ("steps: {points: 6, target: 15%, direction: lower}",
     ("sections.work.items.item.steps.deduct", "missing-key",
      "应写 deduct（每差一步扣的分）或 add（每超一步加的分），或两者都写。")),
    ("steps: {points: 6, target: 15%, direction: down, deduct: 2}",
     ("sections.work.items.item.steps.direction", "bad-value",
      "方向应为 higher（越高越好）或 lower（越低越好），实际为 \"down\"。")),
    ("steps: {points: 6, target: 15%, direction: lower, deduct: -2}",
     ("sections.work.items.item.steps.deduct", "bad-value", "每步分值不能为负数，实际为 -2。")),
    ("steps: {points: 6, target: 50, direction: higher, deduct: 1, floor: 8, cap: 8}",
     ("sections.work.items.item.steps.cap", "bad-value", "上限 8 应大于下限 8。")),
    ("steps: {points: 6, direction: higher, deduct: 1}",
     ("sections.work.items.item.steps.target", "missing-key", "缺少必填的键 \"target\"。")),
    ("steps: {points: 6, target: 50, direction: higher, deduct: 1, partial: yes please}",
     ("sections.work.items.item.steps.partial", "bad-type", "应为 true 或 false，实际为 'yes please'。")),
    ("input: {ratio: {num: A, den: B}}\ndeduct: {points: 5, each: 1}",
     ("sections.work.items.item.input.ratio", "bad-value", "比率（ratio）只能用于 band、steps 规则，不能用于 deduct。")),
    ("input: {ratio: {num: A}}\nband: {thresholds: [1], scores: [1]}",
     ("sections.work.items.item.input.ratio.den", "missing-key", "缺少必填的键 \"den\"。")),
    ("input: {ratio: {num: A, den: B, base: C}}\nband: {thresholds: [1], scores: [1]}",
     ("sections.work.items.item.input.ratio.base", "unknown-key", "未知的键 \"base\"。")),
])
def test_new_keys_are_checked(rule, expected):
    assert expected in problems_of(rule)


def test_a_ratio_needs_a_rate_column():
    text = BASE.replace("  - {show: rate, label: 比率}\n", "")
    assert problems_of("input: {ratio: {num: A, den: B}}\nband: {thresholds: [1], scores: [1]}", text) == [
        ("columns", "unknown-ref", "项目 item 按比率（ratio）计分，比率没有对应的列：请在 columns 中加入 show: rate。")]


def test_floor_none_and_counts_load():
    assert problems_of("deduct: {points: 0, floor: none, counts: [{id: a, label: A, each: 2}]}") == []
    form, _ = check_form_text(BASE % "        deduct: {points: 0, floor: none, counts: [{id: a, label: A, each: 2}]}")
    (item,) = form.items()
    assert item.rule.floor is None and item.roles == ("a",) and item.stacked


OUTCOMES = BASE.replace("total:\n  sum: [work]\n", "total:\n  sum: [work]\noutcomes:\n%s\n")


@pytest.mark.parametrize("outcome, expected", [
    ("  - {id: pay, label: 工资, base: 750, thresholds: [90], values: [1]}",
     ("outcomes.pay", "rule-count", "结果应写 thresholds 和 values（按总分分档）或 base（按总分比例）之一，不能同时写。")),
    ("  - {id: pay, label: 工资, base: 0}", ("outcomes.pay.base", "bad-value", "基数应大于 0，实际为 0。")),
    ("  - {id: pay, label: 工资, base: 七百}", ("outcomes.pay.base", "bad-type", "应为数字或百分数（如 75%），实际为 '七百'。")),
    ("  - {id: pay, label: 工资, values: [1]}",
     ("outcomes.pay.thresholds", "missing-key", "缺少必填的键 \"thresholds\"（或用 base 按总分比例计算）。")),
])
def test_outcome_base_is_checked(outcome, expected):
    text = OUTCOMES.replace("%s\n\noutcomes", "%s\noutcomes")
    text = text.replace("outcomes:\n%s", "outcomes:\n" + outcome)
    assert expected in problems_of("range: {min: 0, max: 10}", text)


WEIGHTED = """\
id: shiyan
name: 试验
version: 1
title: 试验表
columns:
  - {show: name, label: 项目}
  - {input: value, label: 数据}
  - {show: score, label: 得分}
  - {show: weighted, label: 加权得分}
sections:
  - id: kpi
    name: 指标
    total: weighted
    points: %s
    items:
      - {id: a, name: A, weight: 35%%, range: {min: 0, max: 100}}
      - {id: b, name: B, weight: 40%%, range: {min: 0, max: 100}}
total:
  sum: [kpi]
"""


def test_a_weighted_section_worth_75_points_has_weights_summing_to_75_percent():
    assert check_form_text(WEIGHTED % 75)[1] == []
    (problem,) = check_form_text(WEIGHTED % 80, "t.yaml")[1]
    assert (problem.code, problem.path, problem.message) == (
        "weight-sum", "sections.kpi.items", "指标的权重合计为 75%，应为 80%（分组 80 分，各项按 100 分计）（35% + 40%）。")


# ================================================================= the sheet
@pytest.fixture(scope="module")
def wangdian_sheet():
    form = xlkpi.get_form(WANGDIAN)
    data = xlkpi.render_workbook(form, name="张三", employee_id="E001", department="客服部", month="2026-11")
    layout = build_layout(form)
    return openpyxl.load_workbook(io.BytesIO(data))[layout.sheet], layout


def test_stacked_inputs_sit_one_below_the_other_in_the_value_column(wangdian_sheet):
    sheet, layout = wangdian_sheet
    num, den = layout.cells["in_inquiry_conversion_num"], layout.cells["in_inquiry_conversion_den"]
    assert den == (num[0] + 1, num[1])
    prompt = layout.col_of_show["prompt"]
    assert sheet.cell(num[0] + 1, prompt + 1).value == "最终付款人数"
    assert sheet.cell(den[0] + 1, prompt + 1).value == "询单人数"
    late, leave = layout.cells["in_attendance_late"], layout.cells["in_attendance_leave"]
    assert leave == (late[0] + 1, late[1])
    assert sheet.cell(leave[0] + 1, prompt + 1).value == "有效请假天数"


def test_the_other_cells_of_a_stacked_item_are_merged(wangdian_sheet):
    sheet, layout = wangdian_sheet
    row, _ = layout.cells["out_inquiry_conversion"]
    merged = {str(cells) for cells in sheet.merged_cells.ranges}
    for show in ("seq", "name", "note", "text", "points", "rate", "score", "weighted"):
        col = layout.col_of_show[show]
        letter = openpyxl.utils.get_column_letter(col + 1)
        assert f"{letter}{row + 1}:{letter}{row + 2}" in merged, show
    rate = sheet[layout.cell("out_inquiry_conversion_rate")].value
    assert rate.startswith("=IF(AND(OR(COUNTBLANK(in_inquiry_conversion_num),")  # a wrong entry: 填写有误
    assert ',IF(COUNTBLANK(in_inquiry_conversion_num)+COUNTBLANK(in_inquiry_conversion_den),"",' in rate
    assert 'IF(in_inquiry_conversion_den=0,"填写有误",ROUND(in_inquiry_conversion_num/in_inquiry_conversion_den,9))' \
        in rate
    assert sheet[layout.cell("out_inquiry_conversion_rate")].number_format == "0.0%"
    assert sheet[layout.cell("out_unit_price_rate")].number_format == "0.00"
    assert sheet[layout.cell("out_pay")].number_format == '#,##0.00" 元";-#,##0.00" 元"'


def test_a_denominator_cell_says_that_0_cannot_be_divided_by(wangdian_sheet):
    sheet, layout = wangdian_sheet
    coordinate = layout.cell("in_payment_rate_den")
    (validation,) = [dv for dv in sheet.data_validations.dataValidation if coordinate in dv.sqref]
    assert validation.prompt == "支付率（F）（拍下笔数）：请输入0 到 10000的整数笔；不能为 0（比率无法计算，得分显示填写有误）"
    assert validation.type == "whole"


def test_steps_formula_counts_whole_steps_after_rounding():
    layout = build_layout(xlkpi.get_form(ZHUGUAN))
    data = xlkpi.render_workbook(ZHUGUAN, name="张三", employee_id="E001", department="客服部", month="2026-11")
    sheet = openpyxl.load_workbook(io.BytesIO(data))[layout.sheet]
    assert sheet[layout.cell("out_turnover")].value == (
        '=IF(COUNTBLANK(in_turnover),"",IF(IF(ISNUMBER(in_turnover),AND(NOT(ISLOGICAL(in_turnover)),'
        'in_turnover>=0,in_turnover<=1),FALSE),MAX(0,6-INT(ROUND(MAX(0,in_turnover-0.15)/0.05,9))*2),"填写有误"))')


# ================================================================= the vectorised engine, every form
@pytest.mark.parametrize("form_id", sorted(xlkpi.builtin_forms()) + ["concepts"])
def test_vectorized_gives_the_engines_digits(form_id):
    form = load_form(CONCEPTS) if form_id == "concepts" else xlkpi.get_form(form_id)
    rng = random.Random(7)
    rows = [random_filling(form, rng, blank_rate=rng.choice([0, 0, 0.2])) for _ in range(300)]
    frame = score_frame(form, pd.DataFrame(rows))
    for index, row in enumerate(rows):
        for name, expected in score(form, row).items():
            got = frame[name].iloc[index]
            if expected is None:
                assert got is None or (isinstance(got, float) and math.isnan(got)), (name, row)
            else:
                assert got == expected, (name, got, expected, row)


# ================================================================= every option, recalculated
def concept_fillings(form, count=80):
    rng = random.Random(29)
    cases = [random_filling(form, rng, blank_rate=0.0 if index % 3 else 0.3) for index in range(count)]
    cases.append({"in_conversion_num": 4, "in_conversion_den": 0, "in_refund_num": 0, "in_refund_den": 0})
    # 退款率 2.5%: half a step started → deducts 15; 5%: three whole steps; 2%: none
    for num in (5, 10, 4, 7):
        cases.append({"in_refund_num": num, "in_refund_den": 200})
    return cases


def test_concepts_form_boundaries():
    form = load_form(CONCEPTS)
    refund = {num: score(form, {"in_refund_num": num, "in_refund_den": 200})["out_refund"] for num in (4, 5, 10, 7)}
    assert refund == {4: 100, 5: 85, 10: 55, 7: 70}
    quota = {n: score(form, {"in_quota": n})["out_quota"] for n in (40, 39, 38, 34, 20, 41, 42, 47, 60)}
    assert quota == {40: 8, 39: 8, 38: 7, 34: 5, 20: 2, 41: 8, 42: 9, 47: 11, 60: 12}
    delay = {d: score(form, {"in_delay": d})["out_delay"] for d in (1.5, 1.9, 2, 4)}
    assert delay == {1.5: 6, 1.9: 6, 2: 3, 4: -9}
    assert score(form, {"in_fine": 3})["out_fine"] == -6
    assert score(form, {"in_praise_spoken": 1, "in_praise_written": 1})["out_praise"] == 3.5
    assert score(form, {"in_praise_spoken": 3, "in_praise_written": 1})["out_praise"] == 5


@pytest.mark.libreoffice
def test_concepts_form_recalculated_by_libreoffice(soffice, tmp_path):
    from xlkpi.office.libreoffice import convert

    form = load_form(CONCEPTS)
    cases = concept_fillings(form)
    paths = []
    for index, filling in enumerate(cases):
        path = tmp_path / f"concepts_{index:03d}.xlsx"
        path.write_bytes(build_workbook(form, Employee("测试员", "T1", "客服部", "2026-11"), values=filling))
        paths.append(path)
    converted = convert(paths, tmp_path / "out", "xlsx", processes=2)
    cells = {name: cell for name, cell in layout_cells(form).items() if name.startswith("out_")}
    failures = []
    for filling, path in zip(cases, converted):
        wrong = mismatches(form, read_values(path, cells), score(form, filling))
        if wrong:
            failures.append((filling, wrong))
    assert not failures, f"{len(failures)} of {len(cases)} differ; first: {failures[0]}"
    zero = read_values(converted[len(cases) - 5], cells)
    assert zero["out_conversion_rate"] == zero["out_refund_rate"] == "填写有误"  # not #DIV/0!, nor a blank


def test_concepts_form_in_the_udf_dialect(tmp_path):
    from . import udf_engine

    form = load_form(CONCEPTS)
    path = tmp_path / "concepts.xlsm"
    path.write_bytes(build_workbook(form, Employee("测试员", "T1", "客服部", "2026-11"), dialect="udf"))
    layout = build_layout(form)
    book = udf_engine.UdfWorkbook(path, layout.sheet, layout.cells)
    failures = []
    for filling in concept_fillings(form, 60):
        wrong = mismatches(form, book.calculate(filling), score(form, filling))
        if wrong:
            failures.append((filling, wrong))
    assert not failures, f"{len(failures)} differ; first: {failures[0]}"


# ================================================================= the guide's worked example
GUIDE = Path(__file__).resolve().parents[1] / "docs" / "adding-a-form.md"


def guide_form_text() -> str:
    """The guide's definition, assembled from its yaml blocks in order."""
    blocks = re.findall(r"^```yaml\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), flags=re.M | re.S)
    return "\n".join(blocks)


def test_the_guides_form_passes_the_check():
    form, problems = check_form_text(guide_form_text(), "shouhou_zhuanyuan.yaml")
    assert problems == []
    assert form.id == "shouhou_zhuanyuan"
    assert [item.id for item in form.items()] == ["solve_rate", "callbacks", "attendance", "attitude"]


def test_the_guides_score_example_is_what_score_prints(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from xlkpi.app.cli import main

    folder = tmp_path / "my_forms"
    folder.mkdir()
    (folder / "shouhou_zhuanyuan.yaml").write_text(guide_form_text(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"^```text\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), flags=re.M | re.S)
    (block,) = [block for block in blocks if block.startswith("$ xlkpi score ") and "in_solve_rate_num" in block]
    command, *expected = block.splitlines()
    result = CliRunner().invoke(main, shlex.split(command)[2:])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == expected


@pytest.mark.parametrize("callbacks, partial, expected", [(120, False, 30), (119, False, 30), (115, False, 27),
                                                          (112, False, 27), (110, False, 24), (119, True, 27),
                                                          (100, False, 18), (60, False, 0)])
def test_the_guides_callbacks_arithmetic(callbacks, partial, expected):
    assert steps_score(callbacks, 120, 5, points=30, deduct=3, partial=partial) == expected
