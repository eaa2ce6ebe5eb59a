"""Fillings of a form for the parity tests (sheet vs engine), the benchmark and the demo.

`random_filling`: each input gets a value a clerk could type, chosen often at or
next to a band boundary, where rounding and `>=` / `<=` matter most.
`boundary_fillings` (from `boundaries.py`): fillings drawn from the definition that
land exactly on every threshold of the items and on every threshold of the outcomes
(a total of exactly 90), and just beside; see `xlkpi.rules.boundaries`.
"""

from __future__ import annotations

import math
import random

from ..forms.model import Form


def boundary_candidates(form: Form, spec) -> list:
    """Values at and around the boundaries of one numeric input."""
    item = next(item for item in form.items() if item.id == spec.item)
    rule = item.rule
    step = 1 if spec.integer else 0.5
    values = set()
    if item.counts:
        count = next(count for count in item.counts if count.id == spec.role)
        limit = math.ceil(rule.points / count.each) if rule.kind == "deduct" else 3
        values.update({0, 1, 2, limit, limit + 1})
    elif rule.kind == "steps":
        values.update(steps_boundaries(rule))
    elif rule.kind == "band":
        for threshold in rule.band.thresholds:
            values.update({threshold, threshold + step, threshold - step})
    elif rule.kind == "range":
        values.update({rule.low, rule.high, (rule.low + rule.high) / 2})
    elif rule.kind in ("deduct", "bonus"):
        limit = rule.points / rule.each if rule.kind == "deduct" and rule.each else 5
        values.update({0, 1, int(limit), int(limit) + 1})
    elif rule.kind == "achieve":
        target = rule.target
        values.update({0, target, target * 0.897, target * 1.2, target * 0.5})
    low = spec.low if spec.low is not None else 0
    high = spec.high
    kept = [v for v in values if v >= low and (high is None or v <= high)]
    if spec.integer:
        kept = [v for v in kept if float(v).is_integer()]
    return sorted(kept)


def steps_boundaries(rule) -> set:
    """Values of a steps item at, just inside and just past each step, and where the floor is reached."""
    sign = 1 if rule.lower_is_better else -1  # the wrong side of the target
    values = {rule.target}
    reach = max(3, math.ceil(rule.points / rule.deduct) + 1 if rule.deduct else 3)
    for steps in (1, 2, reach - 1, reach):
        values.update({rule.target + sign * steps * rule.step, rule.target - sign * steps * rule.step})
    for fraction in (0.5, 1.5):
        values.update({rule.target + sign * fraction * rule.step, rule.target - sign * fraction * rule.step})
    return {_tidy(value) for value in values}


def _tidy(value: float) -> float:
    """A value as a clerk would type it (0.2 rather than 0.19999999999999998)."""
    return float(f"{value:.12g}")


def ratio_pair(item, rng: random.Random, integer: bool) -> tuple:
    """(num, den) of a ratio item: often a denominator of 0, or a ratio exactly at a band
    boundary or a step (13 ÷ 20 = 65%), else any ratio around the bands."""
    rule = item.rule
    if rule.kind == "band":
        marks = list(rule.band.thresholds)
    else:
        marks = sorted(steps_boundaries(rule))
    if rng.random() < 0.08:
        return rng.choice([0, 5, 12]), 0
    den = rng.choice([20, 50, 100, 200, 400, rng.randint(1, 600)])
    if not integer and rng.random() < 0.5:
        den = round(den * rng.uniform(0.5, 3), 2)
    if rng.random() < 0.5:
        num = rng.choice(marks) * den
        if integer:
            num = round(num) + rng.choice([-1, 0, 0, 0, 1])
        else:
            num = round(num, 2) + rng.choice([-0.01, 0, 0, 0, 0.01])
    else:
        num = rng.uniform(0, max(marks) * 1.3) * den
    num = max(0, round(num) if integer else round(num, 2))
    return num, den


def random_value(form: Form, spec, rng: random.Random):
    """One value a clerk could type into the input `spec`."""
    if spec.kind in ("choice", "level", "rating"):
        return rng.choice(list(spec.allowed))
    if spec.role == "target":
        item = next(item for item in form.items() if item.id == spec.item)
        default = item.rule.target
        return rng.choice([default, default, round(default * rng.uniform(0.5, 1.5), 4)])
    if rng.random() < 0.4:
        candidates = boundary_candidates(form, spec)
        if candidates:
            return rng.choice(candidates)
    item = next(item for item in form.items() if item.id == spec.item)
    if (item.counts or item.rule.kind in ("deduct", "bonus")) and rng.random() < 0.5:
        return rng.choice([0, 0, 1])  # most months have few occurrences
    low = spec.low if spec.low is not None else 0
    high = spec.high if spec.high is not None else _soft_high(form, spec)
    if item.rule.kind == "steps":  # around the target, not from 0
        low = max(low, item.rule.target - (_steps_reach(item.rule) + 2) * item.rule.step)
        high = min(high, _soft_high(form, spec))
    if spec.integer:
        return rng.randint(int(math.ceil(low)), int(high))
    if spec.percent or spec.role == "actual":
        return round(rng.uniform(low, high), 4)
    return round(rng.uniform(low, high) * 2) / 2


def _soft_high(form: Form, spec) -> float:
    item = next(item for item in form.items() if item.id == spec.item)
    rule = item.rule
    if item.counts:
        count = next(count for count in item.counts if count.id == spec.role)
        return (rule.points / count.each if rule.kind == "deduct" else 3) + 2
    if rule.kind == "steps":
        return rule.target + (_steps_reach(rule) + 2) * rule.step
    if rule.kind == "band":
        return max(rule.band.thresholds) * 1.5 + 2
    if rule.kind == "achieve":
        return rule.target * 1.3
    if rule.kind == "deduct":
        return (rule.points / rule.each if rule.each else 5) + 2
    return 10


def _steps_reach(rule) -> float:
    """How many steps from the target the score of a steps item reaches its floor (3 without deduct)."""
    return rule.points / rule.deduct if rule.deduct else 3


def random_filling(form: Form, rng: random.Random, *, blank_rate: float = 0.0) -> dict:
    """Every input of `form` → a value; each left blank (None) with probability `blank_rate`."""
    filling = {}
    items = {item.id: item for item in form.items()}
    for spec in form.input_specs():
        if spec.name in filling:
            continue
        item = items[spec.item]
        if item.ratio:  # the two numbers of a ratio are drawn together
            pair = ratio_pair(item, rng, spec.integer)
            for role, value in zip(("num", "den"), pair):
                blank = blank_rate and rng.random() < blank_rate
                filling[item.input_name(role)] = None if blank else value
            continue
        if blank_rate and rng.random() < blank_rate:
            filling[spec.name] = None
        else:
            filling[spec.name] = random_value(form, spec, rng)
    return filling


from .boundaries import Boundary, boundary_fillings  # noqa: E402  (boundaries.py does not import this module)

__all__ = ["random_filling", "random_value", "boundary_candidates", "ratio_pair", "steps_boundaries",
           "boundary_fillings", "Boundary"]
