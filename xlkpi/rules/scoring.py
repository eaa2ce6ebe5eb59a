"""The scoring rules, each written once.

Every number a generated workbook computes is defined here: the formula
emitter (`formulas.py`) and the Excel functions (`udfs.py`) express these same
rules and are tested against them. Pure standard library, so it runs inside
xlwings Lite.

Blank in, blank out: a rule given a blank (None) input returns None. Section
totals and the form total are rounded as Excel's ROUND does (`excel_round`);
outcomes (grade, pay) are looked up on the rounded total.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from ..base.errors import ScoringError
from .cellvalues import is_blank, normalize_text
from .inputs import check_value, typed_entry

DEFAULT_GRADE_THRESHOLDS = (90.0, 80.0, 70.0)
DEFAULT_GRADE_LABELS = ("A", "B", "C", "D")
STATUS_DONE = "已完成"
STATUS_PENDING = "未完成："
# What an item's score cell shows for an entry the sheet refuses; its result stays blank.
WRONG_ENTRY = "填写有误"


# --------------------------------------------------------------------- rounding
def excel_round(value, digits: int = 0):
    """Round as Excel's ROUND does: half away from zero, on the value Excel shows.

    Excel rounds the 15-significant-digit decimal it displays, not the binary
    double: 99.485 (stored as 99.48499999…) rounds to 99.49, where Python's
    `round` gives 99.48.

    Returns:
        A float, or None for None.
    """
    if value is None:
        return None
    shown = Decimal(f"{value:.15g}")
    if digits >= 0 and shown.adjusted() >= 15:  # no decimals shown: nothing to round (and no overflow of
        return float(shown) + 0.0  # the 28-digit decimal context for 1e26)
    rounded = shown.scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-digits)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def snap15(value: float) -> float:
    """The double Excel shows for `value`: rounded to 15 significant digits (1 − 0.8 → 0.2)."""
    return float(f"{value:.15g}")


# --------------------------------------------------------------------- the rules
def ordered_bands(thresholds, scores, lower_is_better=False):
    """The (threshold, score) pairs in the order they are tried: from the best threshold.

    Raises:
        ScoringError: thresholds and scores differ in length.
    """
    if len(thresholds) != len(scores):
        raise ScoringError(f"阈值有 {len(thresholds)} 个，分数有 {len(scores)} 个，个数应相同。",
                           code="band-length")
    pairs = sorted(zip(thresholds, scores), key=lambda pair: pair[0], reverse=not lower_is_better)
    return pairs


def band_score(value, thresholds, scores, *, lower_is_better=False, else_score=0):
    """Score `value` by the first band it reaches.

    Higher-is-better bands are tried from the highest threshold down with `>=`;
    lower-is-better bands from the lowest up with `<=`. The order in which the
    bands are given does not matter.

    Returns:
        The band's score, `else_score` if no band is reached, or None if `value` is blank.

    Raises:
        ScoringError: thresholds and scores differ in length.
    """
    pairs = ordered_bands(thresholds, scores, lower_is_better)
    if value is None:
        return None
    for threshold, score in pairs:
        if (value <= threshold) if lower_is_better else (value >= threshold):
            return score
    return else_score


def choice_score(label, options):
    """The score of the option whose label is `label`; None for a blank.

    Raises:
        ScoringError: `label` is not one of the options.
    """
    if is_blank(label):
        return None
    text = normalize_text(str(label))
    for option, score in options:
        if option == text:
            return score
    allowed = "、".join(option for option, _ in options)
    raise ScoringError(f"应为 {allowed} 之一，实际为 \"{label}\"。", code="not-a-choice")


def level_score(score, levels):
    """A score picked from a level set, checked against it; None for a blank.

    Raises:
        ScoringError: `score` is not one of the levels.
    """
    if score is None:
        return None
    if any(score == level for level in levels):
        return score
    allowed = "、".join(_fmt(level) for level in levels)
    raise ScoringError(f"应为 {allowed} 之一，实际为 {_fmt(score)}。", code="not-a-level")


def range_score(score, low, high):
    """A free score, checked to lie within [low, high]; None for a blank.

    Raises:
        ScoringError: `score` is outside the range.
    """
    if score is None:
        return None
    if not low <= score <= high:
        raise ScoringError(f"应在 {_fmt(low)} 到 {_fmt(high)} 之间，实际为 {_fmt(score)}。",
                           code="out-of-range")
    return score


def level_points(level, points_per_level=10, levels=5):
    """Points of a 1–`levels` rating: level × points_per_level; None for a blank.

    A blended (fractional) level is accepted.

    Raises:
        ScoringError: the level is below 1 or above `levels`.
    """
    if level is None:
        return None
    if not 1 <= level <= levels:
        raise ScoringError(f"等级应为 1 到 {levels}，实际为 {_fmt(level)}。", code="not-a-level")
    return level * points_per_level


def deduct_score(count, points_each, max_points, floor=0):
    """`max_points` less `points_each` per occurrence, never below `floor` (扣完为止);
    a `floor` of None lets the score fall below 0.

    Raises:
        ScoringError: a negative count.
    """
    if count is None:
        return None
    if count < 0:
        raise ScoringError(f"次数不能为负数，实际为 {_fmt(count)}。", code="out-of-range")
    score = max_points - count * points_each
    return score if floor is None else max(floor, score)


def deductions_score(counts, points_each, max_points, floor=0):
    """`max_points` less Σ count × each over several kinds of occurrence, from the first
    to the last, never below `floor` (None: no floor).

    Returns:
        The score, or None while any count is blank.

    Raises:
        ScoringError: counts and points_each differ in length, or a negative count.
    """
    _check_counts(counts, points_each)
    if any(count is None for count in counts):
        return None
    score = max_points
    for count, each in zip(counts, points_each):
        score = score - count * each
    return score if floor is None else max(floor, score)


def bonuses_score(counts, points_each, cap=None):
    """Σ count × each over several kinds of occurrence, from the first to the last, at
    most `cap` when given.

    Returns:
        The score, or None while any count is blank.

    Raises:
        ScoringError: counts and points_each differ in length, or a negative count.
    """
    _check_counts(counts, points_each)
    if any(count is None for count in counts):
        return None
    score = None
    for count, each in zip(counts, points_each):
        score = count * each if score is None else score + count * each
    return score if cap is None else min(cap, score)


def _check_counts(counts, points_each):
    if len(counts) != len(points_each) or not counts:
        raise ScoringError(f"次数有 {len(counts)} 个，每次分值有 {len(points_each)} 个，个数应相同且不为 0。",
                           code="band-length")
    for count in counts:
        if count is not None and count < 0:
            raise ScoringError(f"次数不能为负数，实际为 {_fmt(count)}。", code="out-of-range")


SNAP_DECIMALS = 9


def ratio_value(numerator, denominator):
    """numerator ÷ denominator (询单转化率 = 最终付款人数 ÷ 询单人数), rounded to 9 decimals.

    The rounding (Excel's ROUND, on the sheet too) makes a ratio that is a band's threshold
    in decimal equal to it in binary: 414.4 ÷ 370 is 1.12, where the doubles give
    1.1199999999999999. Spreadsheets compare such near-equal doubles each in their own way
    (LibreOffice takes them as equal); rounded, every one of them and the engine agree.

    Returns:
        The ratio, or None when either is blank or the denominator is 0 (the sheet shows
        an empty cell, not #DIV/0!).

    Raises:
        ScoringError: a negative numerator or denominator.
    """
    if numerator is None or denominator is None:
        return None
    if numerator < 0 or denominator < 0:
        raise ScoringError("分子和分母不能为负数。", code="out-of-range")
    if denominator == 0:
        return None
    return excel_round(numerator / denominator, SNAP_DECIMALS)


def step_count(distance, step, *, partial=False):
    """How many `step`s a non-negative `distance` makes: whole steps only, or every
    started step when `partial` is set.

    The quotient is first rounded to 9 decimals as Excel's ROUND does, so that 20% − 15%
    is exactly one 5% step although the doubles give 1.0000000000000002, and 35% − 15%
    exactly four, not 3.9999999999999996.
    """
    quotient = excel_round(distance / step, SNAP_DECIMALS)
    return math.ceil(quotient) if partial else math.floor(quotient)


def steps_score(value, target, step=1, *, lower_is_better=False, points=0, deduct=0, add=0,
                partial=False, floor=0, cap=None):
    """`points` less `deduct` per step on the wrong side of `target`, plus `add` per step on
    the good side, kept within `floor` and `cap` (None: no limit).

    Higher-is-better (`选片顾客不少于50家，每少一家扣1分，每多一家加1分`): the wrong side is
    below the target; lower-is-better (`员工流失率≤15%，每增加5%扣2分`): above it.

    Returns:
        The score, or None if `value` is blank.

    Raises:
        ScoringError: a step that is not positive.
    """
    if value is None:
        return None
    if not step > 0:
        raise ScoringError(f"步长应大于 0，实际为 {_fmt(step)}。", code="out-of-range")
    below = max(0.0, target - value)
    above = max(0.0, value - target)
    worse, better = (above, below) if lower_is_better else (below, above)
    score = points - step_count(worse, step, partial=partial) * deduct
    if add:
        score = score + step_count(better, step, partial=partial) * add
    if floor is not None:
        score = max(floor, score)
    if cap is not None:
        score = min(cap, score)
    return score


def proportional_value(total, base, digits=2):
    """`base` × total ÷ 100, rounded as Excel rounds (绩效工资 = 750 × 总分%); None for a blank."""
    if total is None:
        return None
    return excel_round(total * base / 100, digits)


def bonus_score(count, points_each, cap=None):
    """`points_each` per occurrence, at most `cap` when given.

    Raises:
        ScoringError: a negative count.
    """
    if count is None:
        return None
    if count < 0:
        raise ScoringError(f"次数不能为负数，实际为 {_fmt(count)}。", code="out-of-range")
    score = count * points_each
    return score if cap is None else min(cap, score)


def achievement_score(actual, target, *, lower_is_better=False, cap=1.0):
    """Achievement of a target as a score: min(actual / target, cap) × 100.

    Lower-is-better uses target / actual, and an actual of 0 scores cap × 100.
    A higher-is-better target of 0 cannot be achieved proportionally: blank.

    Returns:
        The score, or None if either value is blank.

    Raises:
        ScoringError: a negative actual or target.
    """
    if actual is None or target is None:
        return None
    if actual < 0 or target < 0:
        raise ScoringError("实际值和目标值不能为负数。", code="out-of-range")
    if lower_is_better:
        if actual == 0:
            return cap * 100
        return min(target / actual, cap) * 100
    if target == 0:
        return None
    return min(actual / target, cap) * 100


def rater_blend(scores, weights):
    """Blend raters' scores by weight, over the raters who scored: Σ s·w / Σ w.

    Returns:
        The blend, or None when no rater has scored.

    Raises:
        ScoringError: scores and weights differ in length, or the filled weights sum to 0.
    """
    if len(scores) != len(weights):
        raise ScoringError(f"分数有 {len(scores)} 个，权重有 {len(weights)} 个，个数应相同。",
                           code="band-length")
    numerator = 0.0
    denominator = 0.0
    filled = False
    for score, weight in zip(scores, weights):
        if score is None or weight is None:
            continue
        filled = True
        numerator += score * weight
        denominator += weight
    if not filled:
        return None
    if denominator == 0:
        raise ScoringError("已评分者的权重合计为 0。", code="weight-sum")
    return numerator / denominator


def weighted_sum(scores, weights):
    """Σ score × weight; None if any score is blank.

    Raises:
        ScoringError: scores and weights differ in length, or a weight is blank.
    """
    if len(scores) != len(weights):
        raise ScoringError(f"分数有 {len(scores)} 个，权重有 {len(weights)} 个，个数应相同。",
                           code="band-length")
    if any(weight is None for weight in weights):
        raise ScoringError("权重不能为空。", code="blank")
    if any(score is None for score in scores):
        return None
    total = 0.0
    for score, weight in zip(scores, weights):
        total += score * weight
    return total


def blend(performance, behaviour, performance_weight=0.8):
    """performance × w + behaviour × (1 − w), with 1 − w as Excel shows it (0.2 for 0.8).

    Raises:
        ScoringError: the weight is outside 0–1.
    """
    if not 0 <= performance_weight <= 1:
        raise ScoringError(f"业绩权重应在 0 到 1 之间，实际为 {_fmt(performance_weight)}。",
                           code="out-of-range")
    return weighted_sum([performance, behaviour], [performance_weight, snap15(1 - performance_weight)])


def sum_scores(scores):
    """Σ scores from left to right; None if any is blank."""
    if any(score is None for score in scores):
        return None
    total = 0.0
    for score in scores:
        total += score
    return total


def grade(total, thresholds=DEFAULT_GRADE_THRESHOLDS, labels=DEFAULT_GRADE_LABELS):
    """The grade of a total: the label of the first threshold reached from the top,
    the last label if none is; None for a blank.

    Raises:
        ScoringError: labels are not one more than thresholds.
    """
    if len(labels) != len(thresholds) + 1:
        raise ScoringError(f"等级应比阈值多一个：阈值 {len(thresholds)} 个，等级 {len(labels)} 个。",
                           code="band-length")
    return band_score(total, thresholds, labels[:-1], else_score=labels[-1])


def _fmt(number) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


# --------------------------------------------------------------------- a whole form
def read_input(form, spec, value):
    """One entry as the engine uses it: a number (None for blank), or a choice label.

    `value` is what a clerk types: a text that reads as a number (`'85%'`, `'1,000'`) is
    that number, as Excel stores such an entry typed into a number cell (`inputs.typed_entry`);
    the entry is then checked as the sheet's formulas check a cell (`inputs.check_value`).

    Raises:
        ScoringError: text where a number belongs; a value outside the item's levels,
            options or range; a fraction where a whole number belongs; a choice not
            written exactly as listed.
    """
    return check_value(spec, typed_entry(spec, value))


def rater_value(rule, value):
    """What one rater's input contributes to the blend: the rule's score, or the level of a rating."""
    if rule.kind == "rating":
        if value is not None:
            level_points(value, 1, len(rule.texts))
        return value
    return rule_score(rule, value)


def finish_blend(rule, blended):
    """Turn a blend of rater values into the item score (a rating's level × points)."""
    if rule.kind == "rating":
        return level_points(blended, rule.points_per_level, len(rule.texts))
    return blended


def rule_score(rule, value, target=None):
    """The score of one input under `rule` (and `target`, for achievement)."""
    kind = rule.kind
    if kind == "band":
        band = rule.band
        return band_score(value, band.thresholds, band.values,
                          lower_is_better=band.lower_is_better, else_score=band.else_value)
    if kind == "choice":
        return choice_score(value, rule.options)
    if kind == "levels":
        return level_score(value, [score for score, _ in rule.levels])
    if kind == "range":
        return range_score(value, rule.low, rule.high)
    if kind == "rating":
        return level_points(value, rule.points_per_level, len(rule.texts))
    if kind == "deduct":
        return deduct_score(value, rule.each, rule.points, rule.floor)
    if kind == "bonus":
        return bonus_score(value, rule.each, rule.cap)
    if kind == "achieve":
        return achievement_score(value, target, lower_is_better=rule.lower_is_better, cap=rule.cap)
    if kind == "steps":
        return steps_score(value, rule.target, rule.step, lower_is_better=rule.lower_is_better,
                           points=rule.points, deduct=rule.deduct, add=rule.add, partial=rule.partial,
                           floor=rule.floor, cap=rule.cap)
    raise ScoringError(f"未知的评分规则 {kind!r}。", code="bad-type")


def counts_score(rule, counts):
    """The score of a `deduct` or `bonus` item with several counts (in the order of `rule.counts`)."""
    eaches = [count.each for count in rule.counts]
    if rule.kind == "deduct":
        return deductions_score(counts, eaches, rule.points, rule.floor)
    return bonuses_score(counts, eaches, rule.cap)


def item_rate(item, values):
    """The ratio of a `ratio` item (num ÷ den), None when blank or the denominator is 0."""
    try:
        return ratio_value(values.get(item.input_name("num")), values.get(item.input_name("den")))
    except ScoringError as error:
        error.name = error.name or item.input_name("num")
        raise


def item_score(form, item, values):
    """The score of one item from its read inputs (`values` maps input names to values)."""
    rule = item.rule
    try:
        if item.raters:
            raters = [form.rater(rater_id) for rater_id in item.raters]
            contributions = []
            for rater in raters:
                try:
                    contributions.append(rater_value(rule, values.get(item.input_name(rater.id))))
                except ScoringError as error:
                    error.name = error.name or item.input_name(rater.id)
                    raise
            blended = rater_blend(contributions, [r.weight for r in raters])
            return finish_blend(rule, blended)
        if rule.kind == "achieve":
            return rule_score(rule, values.get(item.input_name("actual")),
                              values.get(item.input_name("target")))
        if item.ratio:
            return rule_score(rule, item_rate(item, values))
        if item.counts:
            return counts_score(rule, [values.get(item.input_name(count.id)) for count in item.counts])
        return rule_score(rule, values.get(item.input_name()))
    except ScoringError as error:
        if error.name is None:
            error.name = item.input_name(item.roles[0])
        raise


def score(form, inputs, *, wrong=()) -> dict:
    """Score one filled form: every `out_...` name of the form mapped to its value.

    Args:
        form: a form id (`dianhua_zhuanyuan`), its Chinese name (`电话专员`) or a loaded `Form`.
        inputs: input names (`in_...`) to entries as a clerk types them (numbers, `'85%'`,
            choice labels, None); see `read_input`. A missing name is blank; a target left
            out takes the form's default. (What a saved cell holds is checked by
            `inputs.check_value`, which refuses a number stored as text, as the sheet does.)
        wrong: names of inputs the caller has already found wrong (and reported); their
            items count as 填写有误 and are not scored, whatever the other inputs hold.

    Returns:
        `out_<item>_rate` (ratio items), `out_<item>`, `out_<item>_weighted` (weighted sections), `out_<section>`,
        `out_total`, `out_<outcome>` and `out_status`. Blank and wrong items give None, and
        totals and outcomes stay None until every item is scored. An item whose inputs are
        all filled but cannot be scored (a ratio over 0, a higher-is-better target of 0)
        is wrong, not blank. `out_status` says how many items are blank and how many wrong.

    Raises:
        ScoringError: an input (not in `wrong`) is not what its cell takes.
        FormError: an unknown form.
    """
    if isinstance(form, str):
        from ..forms.definitions import get_form  # loading definitions needs YAML; scoring itself does not

        form = get_form(form)
    values = {}
    for spec in form.input_specs():
        raw = inputs.get(spec.name, spec.default)
        values[spec.name] = None if spec.name in wrong else read_input(form, spec, raw)
    out = {}
    blank = wrong_items = 0
    section_totals = {}
    for section in form.sections:
        parts = []
        for item in section.items:
            refused = bool(wrong) and any(item.input_name(role) in wrong for role in item.roles)
            if item.ratio:
                out[f"out_{item.id}_rate"] = None if refused else item_rate(item, values)
            item_value = None if refused else item_score(form, item, values)
            out[f"out_{item.id}"] = item_value
            if item_value is None:
                if refused or not item_is_blank(item, values):
                    wrong_items += 1
                else:
                    blank += 1
            if section.total == "weighted":
                weighted = None if item_value is None else item_value * item.weight
                out[f"out_{item.id}_weighted"] = weighted
                parts.append(weighted)
            else:
                parts.append(item_value)
        section_total = excel_round(sum_scores(parts), form.decimals) if parts else 0.0
        section_totals[section.id] = out[f"out_{section.id}"] = section_total
    out["out_total"] = total = form_total(form, section_totals)
    for outcome in form.outcomes:
        out[f"out_{outcome.id}"] = outcome_value(form, outcome, total)
    out["out_status"] = status_text(blank, wrong_items)
    return out


def item_is_blank(item, values) -> bool:
    """Whether an item waits for an input: every rater's left blank, or any input of an item
    without raters. An item that is not blank but scores None is wrong (填写有误)."""
    names = [item.input_name(role) for role in item.roles]
    if item.raters:
        return all(values.get(name) is None for name in names)
    return any(values.get(name) is None for name in names)


def outcome_value(form, outcome, total):
    """An outcome of the rounded total: its band's value, or base × total ÷ 100 rounded."""
    if outcome.base is not None:
        return proportional_value(total, outcome.base, form.decimals)
    band = outcome.band
    return band_score(total, band.thresholds, band.values, lower_is_better=band.lower_is_better,
                      else_score=band.else_value)


def form_total(form, section_totals):
    """The rounded form total from the rounded section totals; None if any is blank."""
    parts = [section_totals[section_id] for section_id, _ in form.total.parts]
    if form.total.kind == "blend":
        raw = weighted_sum(parts, [weight for _, weight in form.total.parts])
    else:
        raw = sum_scores(parts)
    return excel_round(raw, form.decimals)


def status_text(blank: int, wrong: int = 0) -> str:
    """`已完成`; or `未完成：` with how many items are blank and how many hold a wrong entry:
    `未完成：2 项未填`, `未完成：1 项填写有误`, `未完成：2 项未填，1 项填写有误`."""
    if not blank and not wrong:
        return STATUS_DONE
    parts = []
    if blank:
        parts.append(f"{blank} 项未填")
    if wrong:
        parts.append(f"{wrong} 项{WRONG_ENTRY}")
    return STATUS_PENDING + "，".join(parts)
