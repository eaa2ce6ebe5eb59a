"""Fillings of a form that sit exactly on its boundaries, drawn from the definition.

Random fillings seldom land exactly on a threshold — a count of exactly 2, a rate of exactly
75%, a total of exactly 90 —, and only there does a `>=` written as `>` show. For any form,
`boundary_fillings` gives:

* for each item whose score turns at a threshold (a band, a ratio's band, steps, the floor of a
  deduction, the cap of a bonus or of an achievement, the ends of a free score): its inputs
  exactly at each threshold and just beside it (±1 for whole numbers, ±0.01, or ±0.01% for a
  percentage), every other input at full marks;
* for each outcome looked up on the total (grade, pay, coefficient) and each of its thresholds T:
  a filling whose rounded total is exactly T, one just below and one just above (T ∓ 0.01 with
  two decimals). Where the form cannot reach a total (its inputs are levels only, and the sums
  they make skip it), the nearest total it reaches on that side is taken, and the filling says so;
* for an amount proportional to the total (绩效工资 = 750 × 总分%): totals whose amount is a
  rounding tie (750 × 50.01% = 375.075).

How totals are found: every item's inputs take a finite set of values (all levels, choices and
ratings, the counts up to where the score stops changing, each band, a grid over free scores
and achievements); the subtotals they reach are combined section by section in the order
`scoring.score` adds them; then one free input (a score from 0 to 10, an achievement) is moved
in its smallest step to land on the total exactly. Every filling's total is checked with
`scoring.score`: the search only proposes.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from ..base.errors import ScoringError
from ..forms.model import Form
from .inputs import check_value
from .scoring import excel_round, item_score, score


class Boundary(NamedTuple):
    """One filling on a boundary: what it hits (`in_attendance = 2 (threshold 2)`,
    `grade: total 90 (threshold 90)`), and the filling (every input name → a value, None for blank)."""

    what: str
    filling: dict


def boundary_fillings(form) -> list[Boundary]:
    """Fillings of `form` that land exactly on each threshold of its items and outcomes, and just beside.

    Args:
        form: a loaded `Form`, or a form's id or Chinese name.

    Returns:
        `Boundary(what, filling)` pairs: first each outcome's thresholds from the top, then the
        items' thresholds, item by item. No two fillings are the same. Each filling gives every
        input of the form (targets at their defaults) and scores completely.
    """
    if isinstance(form, str):
        from ..forms.definitions import get_form

        form = get_form(form)
    search = _Search(form)
    found: list[Boundary] = []
    seen = set()

    def add(what, filling):
        key = tuple(sorted((name, repr(value)) for name, value in filling.items()))
        if key not in seen:
            seen.add(key)
            found.append(Boundary(what, filling))

    for what, filling in search.outcome_boundaries():
        add(what, filling)
    for item in form.items():
        for what, part in _item_boundaries(form, item, search.specs):
            add(what, {**search.best, **part})
    return found


# ------------------------------------------------------------------ inputs and their steps
def _step(spec) -> float:
    """The smallest step a clerk types in an input: 1, 0.01, or 0.01% for a percentage."""
    if spec.integer:
        return 1
    return 0.0001 if spec.percent else 0.01


def _tidy(value: float) -> float | int:
    """A value as a clerk types it: 0.2 rather than 0.19999999999999998; whole numbers as ints."""
    value = float(f"{value:.12g}")
    return int(value) if value.is_integer() else value


def _valid(spec, value) -> bool:
    """True when `value` may be typed into the input `spec` (its range, a whole number where one is due)."""
    if value is None:
        return True
    if spec.kind in ("choice", "level", "rating"):
        return value in spec.allowed
    low = 0 if spec.low is None else spec.low
    if value < low or spec.high is not None and value > spec.high:
        return False
    return not spec.integer or float(value).is_integer()


def _around(spec, value) -> list:
    """`value` and the values just beside it that may be typed into `spec`."""
    step = _step(spec)
    return [v for v in (_tidy(value - step), _tidy(value), _tidy(value + step)) if _valid(spec, v)]


def _grid(low: float, high: float, integer: bool) -> list:
    """About 40 evenly spaced values from `low` to `high`, both included."""
    step = next(s for s in (0.5, 1, 2, 2.5, 5, 10, 25, 50, 100, 1000) if (high - low) / s <= 40)
    if integer:
        step = max(1, math.ceil(step))
    values = [_tidy(low + k * step) for k in range(int((high - low) // step) + 1)]
    return sorted({*values, _tidy(high)})


def _counts_limit(rule, each: float) -> int:
    """A count past which a deduction or a capped bonus no longer changes."""
    if rule.kind == "deduct" and rule.floor is not None:
        return max(1, math.ceil((rule.points - rule.floor) / each))
    if rule.kind == "bonus" and rule.cap is not None:
        return max(1, math.ceil(rule.cap / each))
    return 3


def _steps_values(rule, *, every: bool = True) -> list:
    """A steps item's input at the target and at whole and half steps on either side: every one out
    to where the score stops changing, or (not `every`) the first two and the last ones."""
    reach = math.ceil(rule.points / rule.deduct) if rule.deduct else 2
    counts = range(reach + 2) if every else sorted({0, 1, 2, reach - 1, reach, reach + 1} - {-1})
    values = set()
    for steps in counts:
        for half in (0, 0.5):
            values.update({rule.target - (steps + half) * rule.step, rule.target + (steps + half) * rule.step})
    return sorted(_tidy(value) for value in values)


# ------------------------------------------------------------------ each item's values
def _input_values(form, item, spec) -> list:
    """Values of one input that, with the item's other inputs fixed, make every score it can get
    (levels, choices, bands, counts), or a grid over them (free scores)."""
    rule = item.rule
    if spec.kind in ("choice", "level", "rating"):
        return list(spec.allowed)
    if rule.kind == "range":
        return _grid(rule.low, rule.high, spec.integer)
    if rule.kind == "band":
        values = {spec.low or 0}
        for threshold in rule.band.thresholds:
            values.update(_around(spec, threshold))
        return sorted(v for v in values if _valid(spec, v))
    if rule.kind in ("deduct", "bonus"):
        return list(range(_counts_limit(rule, rule.each) + 2))
    if rule.kind == "steps":
        return [v for v in _steps_values(rule) if _valid(spec, v)]
    return []


def _achieve_values(rule, target) -> list:
    """Actual values scoring 0–100 in steps of 5 (and one past the cap) against `target`."""
    if not target:
        return [0]
    if rule.lower_is_better:
        values = [0, _tidy(target / rule.cap * 0.8)] + [_tidy(target * 100 / score) for score in range(5, 101, 5)]
    else:
        values = [_tidy(target * score / 100) for score in range(0, 101, 5)] + [_tidy(target * rule.cap * 1.2)]
    return values


def _ratio_marks(rule, *, every: bool = True) -> list:
    """The rates where a ratio item's score turns: its band's thresholds, or its steps."""
    if rule.kind == "band":
        return list(rule.band.thresholds)
    return [value for value in _steps_values(rule, every=every) if value >= 0]


def _exact_pair(rate, integer: bool):
    """(num, den) whose quotient is exactly `rate` in decimals: den a multiple of rate's own
    denominator, at least 20, for whole numbers; den 100 for typed decimals."""
    exact = Fraction(repr(rate))
    if not integer:
        return exact * 100, 100
    den = exact.denominator * max(1, math.ceil(20 / exact.denominator))
    return exact * den, den


def _number(value: Fraction):
    """A Fraction as a clerk types it: an int when whole."""
    return int(value) if value.denominator == 1 else _tidy(float(value))


def _ratio_pairs(item, integer: bool) -> list:
    """(num, den) pairs giving each score of a ratio item: the ratio exactly at each mark, and 0."""
    pairs = [(0, 100)]
    for mark in _ratio_marks(item.rule):
        num, den = _exact_pair(mark, integer)
        pairs.append((_number(num), den))
    return pairs


def _item_fillings(form, item, specs) -> list:
    """Partial fillings (the item's inputs only) that score the item in every way it can score,
    or on a grid over its free values."""
    rule = item.rule
    names = [item.input_name(role) for role in item.roles]
    if item.raters:
        choices = [[None, *_input_values(form, item, specs[name])] for name in names]
        return [dict(zip(names, combo)) for combo in itertools.product(*choices) if any(v is not None for v in combo)]
    if rule.kind == "achieve":
        target = specs[item.input_name("target")].default
        return [{item.input_name("target"): target, item.input_name("actual"): actual}
                for actual in _achieve_values(rule, target)]
    if item.ratio:
        return [dict(zip(names, pair)) for pair in _ratio_pairs(item, specs[names[0]].integer)]
    if item.counts:
        ranges = [range(_counts_limit(rule, count.each) + 2) for count in item.counts]
        return [dict(zip(names, combo)) for combo in itertools.product(*ranges)]
    return [{names[0]: value} for value in _input_values(form, item, specs[names[0]])]


# ------------------------------------------------------------------ an item's own boundaries
def _item_boundaries(form, item, specs):
    """(what, partial filling) at and beside each threshold of one item."""
    rule = item.rule
    kind = rule.kind
    if item.raters or kind in ("choice", "levels", "rating"):
        return
    names = [item.input_name(role) for role in item.roles]
    if kind == "achieve":
        actual, target_name = item.input_name("actual"), item.input_name("target")
        spec, target = specs[actual], specs[target_name].default
        edge = target / rule.cap if rule.lower_is_better else target * rule.cap
        for value in _around(spec, edge):
            yield f"{actual} = {value} (cap at {_tidy(edge)})", {actual: value}
        if rule.lower_is_better:
            yield f"{actual} = 0 (full marks)", {actual: 0}
        else:
            yield f"{target_name} = 0 (no target: blank)", {target_name: 0, actual: _tidy(target)}
        return
    if item.ratio:
        yield from _ratio_boundaries(item, specs[names[0]].integer)
        return
    if item.counts:
        if kind == "deduct" and rule.floor is None or kind == "bonus" and rule.cap is None:
            return
        for name, count in zip(names, item.counts):
            edge = _counts_limit(rule, count.each)
            for value in (edge - 1, edge, edge + 1):
                others = dict.fromkeys(names, 0)
                yield f"{name} = {value} ({'floor' if kind == 'deduct' else 'cap'} at {edge})", {**others, name: value}
        return
    name, spec = names[0], specs[names[0]]
    if kind == "band":
        for threshold in rule.band.thresholds:
            for value in _around(spec, threshold):
                yield f"{name} = {value} (threshold {_tidy(threshold)})", {name: value}
    elif kind == "steps":
        for value in _steps_values(rule, every=False):
            if _valid(spec, value):
                yield f"{name} = {value} (steps from {_tidy(rule.target)})", {name: value}
    elif kind in ("deduct", "bonus"):
        if kind == "deduct" and rule.floor is None or kind == "bonus" and rule.cap is None:
            return
        edge = _counts_limit(rule, rule.each)
        for value in (edge - 1, edge, edge + 1):
            yield f"{name} = {value} ({'floor' if kind == 'deduct' else 'cap'} at {edge})", {name: value}
    elif kind == "range":
        for value in (rule.low, rule.high):
            yield f"{name} = {_tidy(value)} (end of range)", {name: _tidy(value)}


def _ratio_boundaries(item, integer: bool):
    """A ratio exactly at each mark and one step of the numerator beside it; for typed decimals also
    a pair whose quotient in binary misses the mark by a hair (414.4 ÷ 370 is 1.1199999999999999)."""
    num_name, den_name = item.input_name("num"), item.input_name("den")
    for mark in _ratio_marks(item.rule, every=False):
        num, den = _exact_pair(mark, integer)
        step = 1 if integer else Fraction(1, 100)
        for offset in (-step, 0, step):
            if num + offset >= 0:
                value = _number(num + offset)
                yield f"{num_name}/{den_name} = {value}/{den} (threshold {_tidy(mark)})", {num_name: value, den_name: den}
        if not integer:
            pair = _binary_miss(Fraction(repr(mark)))
            if pair:
                yield f"{num_name}/{den_name} = {pair[0]}/{pair[1]} (threshold {_tidy(mark)}, in binary just off)", \
                    {num_name: pair[0], den_name: pair[1]}


def _binary_miss(exact: Fraction):
    """(num, den) with num of one decimal, den whole, num ÷ den exactly `exact` in decimals but not
    in binary floating point; None if no den up to 1000 gives one."""
    for den in range(101, 1001):
        num = exact * den
        if (num * 10).denominator == 1:
            typed = float(num)
            if typed / den != float(exact):
                return _tidy(typed), den
    return None


# ------------------------------------------------------------------ totals
class _Search:
    """The totals one form reaches, with a filling for each, and the outcome boundaries among them."""

    def __init__(self, form: Form):
        self.form = form
        self.specs = {spec.name: spec for spec in form.input_specs()}
        self.delta = Decimal(1).scaleb(-form.decimals)
        self.options = {item.id: self._options(item) for item in form.items()}
        self.best = {}  # full marks; an uncapped bonus at none, as most months have
        for item in form.items():
            options = self.options[item.id]
            if item.rule.kind == "bonus" and item.rule.cap is None:
                options = [option for option in options if option[0] == 0] or options
            self.best.update(max(options, key=lambda option: option[0])[1])
        self._reachable = None

    def _options(self, item) -> list:
        """(contribution to the section's sum, partial filling) for each distinct score of the item."""
        weighted = self.form.section_of(item.id).total == "weighted"
        options = {}
        for part in _item_fillings(self.form, item, self.specs):
            try:
                values = {name: check_value(self.specs[name], value) for name, value in part.items()}
                value = item_score(self.form, item, values)
            except ScoringError:
                continue
            if value is None:
                continue
            contribution = value * item.weight if weighted else value
            options.setdefault(round(contribution, 9), (contribution, part))
        return list(options.values())

    def reachable(self) -> dict:
        """Rounded total → a filling reaching it, for the combinations of the items' options."""
        if self._reachable is None:
            sections = {section.id: self._section_totals(section) for section in self.form.sections}
            blend = self.form.total.kind == "blend"
            states = {0.0: (0.0, ())}
            for section_id, weight in self.form.total.parts:
                merged = {}
                for total, chain in states.values():
                    for subtotal, parts in sections[section_id].items():
                        key = total + (subtotal * weight if blend else subtotal)
                        merged.setdefault(round(key, 9), (key, chain + parts))
                states = merged
            reached = {}
            for total, chain in states.values():
                rounded = excel_round(total, self.form.decimals)
                if rounded not in reached:
                    reached[rounded] = self._filling(chain)
            self._reachable = reached
        return self._reachable

    def _section_totals(self, section) -> dict:
        """Rounded section total → the partial fillings of its items reaching it."""
        states = {0.0: (0.0, ())}
        for item in section.items:
            merged = {}
            for total, chain in states.values():
                for contribution, part in self.options[item.id]:
                    key = total + contribution
                    merged.setdefault(round(key, 9), (key, chain + (part,)))
            states = merged
        totals = {}
        for total, chain in states.values():
            totals.setdefault(excel_round(total, self.form.decimals), chain)
        return totals

    def _filling(self, parts) -> dict:
        filling = dict(self.best)
        for part in parts:
            filling.update(part)
        return filling

    def total(self, filling):
        return score(self.form, filling)["out_total"]

    def outcome_boundaries(self):
        """(what, filling) on, below and above each threshold of the outcomes, and on the rounding
        ties of proportional amounts."""
        targets = {}
        for outcome in self.form.outcomes:
            if outcome.band is not None:
                for threshold in outcome.band.thresholds:
                    targets.setdefault(Decimal(repr(float(threshold))), f"{outcome.id} threshold")
            else:
                for tie in _ties(outcome.base, self.form.decimals):
                    targets.setdefault(tie, f"{outcome.id} = {_tidy(float(tie) * outcome.base / 100)} (a tie)")
        for target, why in sorted(targets.items(), key=lambda pair: -pair[0]):
            threshold = float(target)
            exact = self.land(threshold)
            if exact is not None:
                yield f"{why} {_tidy(threshold)}: total {_tidy(threshold)}", exact
            if why.endswith("(a tie)"):
                continue
            missing = "" if exact is not None else f"; {_tidy(threshold)} not reachable"
            for side, wanted in (("below", target - self.delta), ("above", target + self.delta)):
                filling = self.land(float(wanted))
                if filling is not None:
                    yield f"{why} {_tidy(threshold)}: total {_tidy(float(wanted))} (just {side}{missing})", filling
                    continue
                nearest = self._nearest(threshold, side)
                if nearest is not None:
                    total, filling = nearest
                    yield (f"{why} {_tidy(threshold)}: total {_tidy(total)} (nearest {side}; "
                           f"{_tidy(float(wanted))} not reachable{missing})"), filling

    def _nearest(self, threshold: float, side: str):
        reached = self.reachable()
        totals = [total for total in reached if (total < threshold if side == "below" else total > threshold)]
        if not totals:
            return None
        total = max(totals) if side == "below" else min(totals)
        return total, reached[total]

    def land(self, target: float):
        """A filling whose rounded total is exactly `target`, or None."""
        reached = self.reachable()
        if target in reached and self.total(reached[target]) == target:
            return reached[target]
        closest = sorted(reached, key=lambda total: abs(total - target))[:6]
        for total in closest:
            for name in self._free_inputs():
                filling = self._slide(reached[total], name, target)
                if filling is not None:
                    return filling
        return None

    def _free_inputs(self) -> list:
        """Inputs whose score follows them in small steps: free scores and achievements' actuals."""
        names = []
        for item in self.form.items():
            if item.raters or item.rule.kind not in ("range", "achieve"):
                continue
            name = item.input_name("actual" if item.rule.kind == "achieve" else "")
            if not self.specs[name].integer:
                names.append(name)
        return names

    def _slide(self, filling, name, target):
        """`filling` with the input `name` moved, in its smallest step, to where the total is
        `target`; None if no value of it lands there."""
        spec = self.specs[name]
        item = self.form.section_of(spec.item)
        item = next(i for i in item.items if i.id == spec.item)
        step = _step(spec)
        if item.rule.kind == "range":
            low, high = item.rule.low, item.rule.high
        else:
            target_value = filling[item.input_name("target")] or 0
            if item.rule.lower_is_better:
                low, high = target_value / item.rule.cap, target_value * 4
            else:
                low, high = 0, target_value * item.rule.cap
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        if last < first:
            return None

        def total_at(k):
            return self.total({**filling, name: _tidy(k * step)})

        lo, hi = first, last
        at_lo, at_hi = total_at(lo), total_at(hi)
        if at_lo is None or at_hi is None or not min(at_lo, at_hi) <= target <= max(at_lo, at_hi):
            return None
        for _ in range(60):  # regula falsi on the index k: the total is linear in k, but for a cap
            if at_lo == target:
                return {**filling, name: _tidy(lo * step)}
            if at_hi == target or hi - lo <= 1:
                break
            guess = lo + round((target - at_lo) * (hi - lo) / (at_hi - at_lo)) if at_hi != at_lo else lo
            mid = min(hi - 1, max(lo + 1, guess))
            if (hi - lo) > 8 and mid in (lo + 1, hi - 1):
                mid = (lo + hi) // 2  # the guess keeps to one end: halve instead
            at_mid = total_at(mid)
            if at_mid == target:
                lo, at_lo = mid, at_mid
                continue
            if (at_mid < target) == (at_lo < target):
                lo, at_lo = mid, at_mid
            else:
                hi, at_hi = mid, at_mid
        if at_hi == target:
            return {**filling, name: _tidy(hi * step)}
        return None


def _ties(base: float, decimals: int) -> list:
    """Totals near 50, 90 and 100 whose amount base × total ÷ 100 is a rounding tie at `decimals`."""
    delta = Decimal(1).scaleb(-decimals)
    ties = []
    for start in (Decimal(50), Decimal(90), Decimal(100) - 20 * delta):
        for k in range(1, 20):
            total = start + k * delta
            amount = total * Decimal(repr(float(base))) / 100
            if (amount.scaleb(decimals) % 1) == Decimal("0.5"):
                ties.append(total)
                break
    return ties
