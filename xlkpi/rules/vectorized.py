"""The engine's rules over whole columns (numpy/pandas), for scoring many filled forms at once.

`score_frame` computes, for a table with one row per filled form, exactly what
`xlkpi.score` computes row by row — the same operations in the same order, so
the same doubles — at millions of rows a second. Rounding goes through numpy
where the result cannot be a tie, and through `scoring.excel_round` for the
rare values that sit on a half, so it rounds exactly as Excel does.
The rules themselves are the engine's (`scoring.py`); this module only
applies them to arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.errors import ScoringError
from ..forms.definitions import get_form
from .scoring import SNAP_DECIMALS, excel_round, ordered_bands, status_text

TIE_TOLERANCE = 1e-6


def round_array(values: np.ndarray, digits: int) -> np.ndarray:
    """`excel_round` over an array (NaN stays NaN)."""
    scaled = values * 10.0 ** digits
    with np.errstate(invalid="ignore"):
        fraction = np.abs(scaled - np.trunc(scaled))
        near_half = np.abs(fraction - 0.5) < TIE_TOLERANCE
    result = np.round(values, digits) + 0.0
    for index in np.flatnonzero(near_half):
        result[index] = excel_round(float(values[index]), digits)
    return result


def _numbers(frame: pd.DataFrame, name: str, default=None) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), np.nan if default is None else float(default))
    column = pd.to_numeric(frame[name], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    return column


def _band(x, band):
    pairs = ordered_bands(band.thresholds, band.values, band.lower_is_better)
    results = [value for _, value in pairs] + [band.else_value]
    codes = np.full(len(x), len(pairs), dtype=np.intp)
    with np.errstate(invalid="ignore"):
        for index in range(len(pairs) - 1, -1, -1):
            threshold = pairs[index][0]
            reached = x <= threshold if band.lower_is_better else x >= threshold
            codes[reached] = index
    blank = np.isnan(x)
    if all(isinstance(v, (int, float)) for v in results):
        table = np.array(results + [np.nan], dtype=float)
    else:
        table = np.array(results + [None], dtype=object)
    codes[blank] = len(results)
    return table[codes]


def _steps(x, rule):
    """`scoring.steps_score` over an array: the same operations in the same order."""
    below = np.maximum(0.0, rule.target - x)
    above = np.maximum(0.0, x - rule.target)
    worse, better = (above, below) if rule.lower_is_better else (below, above)

    def count(distance):
        quotient = round_array(distance / rule.step, SNAP_DECIMALS)
        return np.ceil(quotient) if rule.partial else np.floor(quotient)

    score = rule.points - count(worse) * rule.deduct
    if rule.add:
        score = score + count(better) * rule.add
    if rule.floor is not None:
        score = np.maximum(rule.floor, score)
    if rule.cap is not None:
        score = np.minimum(rule.cap, score)
    return score


def _rate(frame, item):
    """A ratio item's rate, num ÷ den rounded to 9 decimals: NaN while either is blank, and for a den of 0."""
    num = _numbers(frame, item.input_name("num"))
    den = _numbers(frame, item.input_name("den"))
    if ((num < 0) | (den < 0)).any():
        raise ScoringError(f"{item.input_name('num')}：分子和分母不能为负数。", name=item.input_name("num"),
                           code="out-of-range")
    with np.errstate(divide="ignore", invalid="ignore"):
        return round_array(np.where(den == 0, np.nan, num / den), SNAP_DECIMALS)


def _counts(frame, item):
    """A deduct or bonus item with several counts, from the first count to the last."""
    rule = item.rule
    score = None
    for count in item.counts:
        term = _numbers(frame, item.input_name(count.id)) * count.each
        if rule.kind == "deduct":
            score = (rule.points if score is None else score) - term
        else:
            score = term if score is None else score + term
    if rule.kind == "deduct" and rule.floor is not None:
        score = np.maximum(rule.floor, score)
    if rule.kind == "bonus" and rule.cap is not None:
        score = np.minimum(rule.cap, score)
    return score


def _value_rule(rule, x, name):
    """A rule that scores one number (band, steps) applied to the array `x`."""
    if rule.kind == "band":
        return _band(x, rule.band)
    if rule.kind == "steps":
        return _steps(x, rule)
    raise ScoringError(f"{name}：规则 {rule.kind} 不能按比率计分。", name=name, code="bad-type")


def _rule(rule, frame, name, target_name=None):
    kind = rule.kind
    if kind == "choice":
        scores = dict(rule.options)
        if name not in frame:
            return np.full(len(frame), np.nan)
        codes, labels = pd.factorize(frame[name])  # blanks get code -1
        unknown = [label for label in labels if label not in scores]
        if unknown:
            raise ScoringError(f"{name}：应为 {'、'.join(scores)} 之一，实际为 {unknown[0]!r}。",
                               name=name, code="not-a-choice")
        table = np.array([scores[label] for label in labels] + [np.nan], dtype=float)
        return table[codes]
    x = _numbers(frame, name)
    if kind == "band":
        return _band(x, rule.band)
    if kind == "levels":
        allowed = [score for score, _ in rule.levels]
        bad = ~np.isnan(x) & ~np.isin(x, allowed)
        if bad.any():
            raise ScoringError(f"{name}：值不在等级 {allowed} 中。", name=name, code="not-a-level")
        return x
    if kind == "range":
        bad = ~np.isnan(x) & ((x < rule.low) | (x > rule.high))
        if bad.any():
            raise ScoringError(f"{name}：值超出 {rule.low}–{rule.high}。", name=name, code="out-of-range")
        return x
    if kind == "rating":
        _check_levels(x, len(rule.texts), name)
        return x * rule.points_per_level
    if kind == "deduct":
        if rule.floor is None:
            return rule.points - x * rule.each
        return np.where(np.isnan(x), np.nan, np.maximum(rule.floor, rule.points - x * rule.each))
    if kind == "steps":
        return _steps(x, rule)
    if kind == "bonus":
        score = x * rule.each
        return score if rule.cap is None else np.where(np.isnan(x), np.nan, np.minimum(rule.cap, score))
    if kind == "achieve":
        target = _numbers(frame, target_name, rule.target if target_name not in frame else None)
        with np.errstate(divide="ignore", invalid="ignore"):
            if rule.lower_is_better:
                score = np.where(x == 0, rule.cap * 100, np.minimum(target / x, rule.cap) * 100)
            else:
                score = np.where(target == 0, np.nan, np.minimum(x / target, rule.cap) * 100)
        return np.where(np.isnan(x) | np.isnan(target), np.nan, score)
    raise ScoringError(f"未知的评分规则 {kind!r}。", code="bad-type")


def _check_levels(x, levels, name):
    bad = ~np.isnan(x) & ((x < 1) | (x > levels))
    if bad.any():
        raise ScoringError(f"{name}：等级应为 1 到 {levels}。", name=name, code="not-a-level")


def _item(form, item, frame):
    rule = item.rule
    if item.raters:
        numerator = np.zeros(len(frame))
        denominator = np.zeros(len(frame))
        filled_any = np.zeros(len(frame), dtype=bool)
        for rater in (form.rater(rater_id) for rater_id in item.raters):
            name = item.input_name(rater.id)
            if rule.kind == "rating":
                value = _numbers(frame, name)
                _check_levels(value, len(rule.texts), name)
            else:
                value = _rule(rule, frame, name)
            filled = ~np.isnan(value)
            filled_any |= filled
            numerator = numerator + np.where(filled, value * rater.weight, 0.0)
            denominator = denominator + np.where(filled, rater.weight, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            blended = np.where(filled_any, numerator / denominator, np.nan)
        return blended * rule.points_per_level if rule.kind == "rating" else blended
    if rule.kind == "achieve":
        return _rule(rule, frame, item.input_name("actual"), item.input_name("target"))
    if item.ratio:
        return _value_rule(rule, _rate(frame, item), item.input_name("num"))
    if item.counts:
        return _counts(frame, item)
    return _rule(rule, frame, item.input_name())


def _sum(parts):
    total = np.zeros(len(parts[0]))
    for part in parts:
        total = total + part
    return total


def score_frame(form, frame: pd.DataFrame) -> pd.DataFrame:
    """Score every row of `frame` (columns `in_...`, blanks as NaN/None) like `xlkpi.score`.

    Returns:
        A DataFrame with the form's `out_...` columns (NaN or None for blanks), same index.

    Raises:
        ScoringError: a value outside an item's levels, options or range.
    """
    form = get_form(form)
    out = {}
    blank = np.zeros(len(frame), dtype=int)
    wrong = np.zeros(len(frame), dtype=int)
    section_totals = {}
    for section in form.sections:
        parts = []
        for item in section.items:
            if item.ratio:
                out[f"out_{item.id}_rate"] = _rate(frame, item)
            value = _item(form, item, frame)
            out[f"out_{item.id}"] = value
            waiting = _waiting(frame, item)
            blank += np.isnan(value) & waiting
            wrong += np.isnan(value) & ~waiting
            if section.total == "weighted":
                weighted = value * item.weight
                out[f"out_{item.id}_weighted"] = weighted
                parts.append(weighted)
            else:
                parts.append(value)
        section_totals[section.id] = out[f"out_{section.id}"] = round_array(_sum(parts), form.decimals)
    totals = [section_totals[section_id] for section_id, _ in form.total.parts]
    if form.total.kind == "blend":
        raw = _sum([part * weight for part, (_, weight) in zip(totals, form.total.parts)])
    else:
        raw = _sum(totals)
    out["out_total"] = total = round_array(raw, form.decimals)
    for outcome in form.outcomes:
        if outcome.base is not None:
            out[f"out_{outcome.id}"] = round_array(total * outcome.base / 100, form.decimals)
        else:
            out[f"out_{outcome.id}"] = _band(total, outcome.band)
    count = len(list(form.items())) + 1
    labels = np.array([[status_text(b, w) for w in range(count)] for b in range(count)], dtype=object)
    out["out_status"] = labels[blank, wrong]
    return _frame(out, frame.index)


def _waiting(frame, item) -> np.ndarray:
    """`scoring.item_is_blank` over the rows: every rater's input blank, or any input of an item
    without raters (a target the frame lacks takes its default)."""
    filled = []
    for role in item.roles:
        name = item.input_name(role)
        if name not in frame:
            filled.append(np.full(len(frame), role == "target"))
        elif item.rule.kind == "choice":
            filled.append(frame[name].notna().to_numpy())
        else:
            filled.append(~np.isnan(_numbers(frame, name)))
    stacked = np.array(filled)
    return ~stacked.any(axis=0) if item.raters else ~stacked.all(axis=0)


def _frame(columns: dict, index) -> pd.DataFrame:
    """A DataFrame of the columns, the float ones in one block (built once, not consolidated later)."""
    numeric = [name for name, column in columns.items() if column.dtype == float]
    block = np.empty((len(index), len(numeric)), order="F")
    for position, name in enumerate(numeric):
        block[:, position] = columns[name]
    result = pd.DataFrame(block, columns=numeric, index=index, copy=False)
    for name, column in columns.items():
        if column.dtype != float:
            result[name] = column
    return result[list(columns)]
