"""Random fillings of a form, band boundaries included.

Used by the parity tests (sheet vs engine), the benchmark and the demo: each
input gets a value a clerk could type, chosen often at or next to a band
boundary, where rounding and `>=` / `<=` matter most.
"""

from __future__ import annotations

import random

from .model import Form


def boundary_candidates(form: Form, spec) -> list:
    """Values at and around the boundaries of one numeric input."""
    item = next(item for item in form.items() if item.id == spec.item)
    rule = item.rule
    step = 1 if spec.integer else 0.5
    values = set()
    if rule.kind == "band":
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
    return sorted(kept)


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
    low = spec.low if spec.low is not None else 0
    high = spec.high if spec.high is not None else _soft_high(form, spec)
    if spec.integer:
        return rng.randint(int(low), int(high))
    if spec.percent or spec.role == "actual":
        return round(rng.uniform(low, high), 4)
    return round(rng.uniform(low, high) * 2) / 2


def _soft_high(form: Form, spec) -> float:
    item = next(item for item in form.items() if item.id == spec.item)
    rule = item.rule
    if rule.kind == "band":
        return max(rule.band.thresholds) * 1.5 + 2
    if rule.kind == "achieve":
        return rule.target * 1.3
    if rule.kind == "deduct":
        return (rule.points / rule.each if rule.each else 5) + 2
    return 10


def random_filling(form: Form, rng: random.Random, *, blank_rate: float = 0.0) -> dict:
    """Every input of `form` → a value; each left blank (None) with probability `blank_rate`."""
    filling = {}
    for spec in form.input_specs():
        if blank_rate and rng.random() < blank_rate:
            filling[spec.name] = None
        else:
            filling[spec.name] = random_value(form, spec, rng)
    return filling
