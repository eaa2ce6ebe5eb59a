"""Calls of every KPI_* function with what the engine says they must give: band boundaries and random.

Each `Case` holds a function's arguments as plain numbers (None for a blank, a list
for a range argument) and the expected result from the scoring primitive the
function wraps: a value, None for a blank, or ("error", code) where the primitive
refuses (the code as the module docstring of `xlkpi.excel.udfs` assigns it). The
boundaries come from the built-in forms' definitions: every band threshold (at it and
just either side), every grade threshold, where a deduction reaches its floor, every
level, a target met exactly; the random cases are seeded. `classic_arguments` and
`lite_arguments` shape the arguments as each runtime hands them over.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import xlkpi
from xlkpi.base.errors import ScoringError
from xlkpi.rules import scoring

from .xlwings_classic import MISSING, ComRange

RANGE_ARGUMENTS = {"KPI_BAND": (1, 2), "KPI_RATERS": (0, 1), "KPI_WEIGHTED": (0, 1), "KPI_GRADE": (1, 2)}
RULE_ERRORS = {"out-of-range": "#NUM!", "not-a-level": "#NUM!", "weight-sum": "#DIV/0!"}


@dataclass(frozen=True)
class Case:
    function: str
    arguments: tuple
    expected: object
    origin: str = ""


def expect(rule, *args, **kwargs):
    """The primitive's result, or ("error", Excel's code) where it refuses."""
    try:
        return rule(*args, **kwargs)
    except ScoringError as error:
        return "error", RULE_ERRORS.get(error.code, "#VALUE!")


def _step(thresholds) -> float:
    return 0.01 if max(abs(t) for t in thresholds) <= 1 else 0.5


def boundary_cases() -> list:
    """Every band, grade, deduction, level and achievement boundary of the built-in forms."""
    cases = []
    for form in (xlkpi.get_form(form_id) for form_id in sorted(xlkpi.builtin_forms())):
        bands = [(f"{form.id}.{item.id}", item.rule.band) for item in form.items() if item.rule.kind == "band"]
        for origin, band in bands + [(f"{form.id}.{o.id}", o.band) for o in form.outcomes if o.band]:
            numeric = all(isinstance(v, (int, float)) for v in (*band.values, band.else_value))
            step = _step(band.thresholds)
            values = sorted({round(t + d, 9) for t in band.thresholds for d in (-step, 0, step)})
            for value in values:
                if numeric:
                    cases.append(Case("KPI_BAND", (value, list(band.thresholds), list(band.values),
                                                   band.lower_is_better, band.else_value),
                                      expect(scoring.band_score, value, band.thresholds, band.values,
                                             lower_is_better=band.lower_is_better, else_score=band.else_value),
                                      origin))
                if not band.lower_is_better:
                    labels = [*band.values, band.else_value]
                    cases.append(Case("KPI_GRADE", (value, list(band.thresholds), labels),
                                      expect(scoring.grade, value, band.thresholds, labels), origin))
        for item in form.items():
            rule = item.rule
            origin = f"{form.id}.{item.id}"
            if rule.kind == "deduct" and not item.counts and rule.floor is not None:
                for count in range(0, math.ceil(rule.points / rule.each) + 2):
                    cases.append(Case("KPI_DEDUCT", (count, rule.each, rule.points, rule.floor),
                                      expect(scoring.deduct_score, count, rule.each, rule.points, rule.floor),
                                      origin))
            elif rule.kind == "rating":
                for level in (1, 2, 3, 3.4, 4, 5, 0.99, 5.01):
                    cases.append(Case("KPI_LEVEL", (level, rule.points_per_level),
                                      expect(scoring.level_points, level, rule.points_per_level), origin))
            elif rule.kind == "achieve":
                target = rule.target
                for actual in (0, target, target * 0.897, target * 1.2, target * 0.5, target * 1.5):
                    actual = round(actual, 9)
                    cases.append(Case("KPI_ACHIEVE", (actual, target, rule.lower_is_better, rule.cap),
                                      expect(scoring.achievement_score, actual, target,
                                             lower_is_better=rule.lower_is_better, cap=rule.cap), origin))
    for total in (90, 89.99, 80, 79.99, 70, 69.99):  # KPI_GRADE's own defaults
        cases.append(Case("KPI_GRADE", (total, None, None), expect(scoring.grade, total), "defaults"))
    for weight in (0, 0.2, 0.8, 1, 1.0001, -0.0001):
        cases.append(Case("KPI_BLEND", (90, 40, weight), expect(scoring.blend, 90, 40, weight), "weights"))
    return cases


def random_cases(seed: int = 20261101, per_function: int = 40) -> list:
    """Seeded random calls of every function, blanks and refusals included."""
    rng = random.Random(seed)

    def number(low=-50.0, high=150.0):
        return rng.choice([None, round(rng.uniform(low, high), rng.choice([0, 1, 2, 4]))] + [
            round(rng.uniform(low, high), 2)] * 4)

    cases = []
    for _ in range(per_function):
        size = rng.randint(1, 5)
        thresholds = rng.sample(range(0, 100), size)
        scores = [round(rng.uniform(-10, 100), 1) for _ in range(size)]
        value = rng.choice([number(), rng.choice(thresholds)])
        lower, otherwise = rng.random() < 0.5, rng.choice([0, -50, 10])
        cases.append(Case("KPI_BAND", (value, thresholds, scores, lower, otherwise),
                          expect(scoring.band_score, value, thresholds, scores, lower_is_better=lower,
                                 else_score=otherwise), "random"))
        count, each, full = rng.choice([None, rng.randint(-1, 15)]), rng.choice([1, 2, 5]), rng.choice([10, 20])
        cases.append(Case("KPI_DEDUCT", (count, each, full, 0), expect(scoring.deduct_score, count, each, full, 0),
                          "random"))
        level = rng.choice([None, rng.randint(0, 6), round(rng.uniform(1, 5), 1)])
        cases.append(Case("KPI_LEVEL", (level, 10), expect(scoring.level_points, level, 10), "random"))
        actual, target = number(0, 2), rng.choice([None, 0, 1, 0.9, 100])
        lower = rng.random() < 0.3
        cases.append(Case("KPI_ACHIEVE", (actual, target, lower, 1),
                          expect(scoring.achievement_score, actual, target, lower_is_better=lower, cap=1),
                          "random"))
        raters = [number(0, 50) for _ in range(2)]
        weights = rng.choice([[0.2, 0.8], [0.5, 0.5], [0.3, 0.7], [0, 0]])
        cases.append(Case("KPI_RATERS", (raters, weights), expect(scoring.rater_blend, raters, weights), "random"))
        items = [number(0, 100) for _ in range(3)]
        shares = [0.5, 0.3, 0.2]
        cases.append(Case("KPI_WEIGHTED", (items, shares), expect(scoring.weighted_sum, items, shares), "random"))
        performance, behaviour = number(0, 100), number(0, 100)
        weight = rng.choice([0.8, 0.6, 1, 0])
        cases.append(Case("KPI_BLEND", (performance, behaviour, weight),
                          expect(scoring.blend, performance, behaviour, weight), "random"))
        total = number(50, 100)
        cases.append(Case("KPI_GRADE", (total, [90, 80, 70], ["A", "B", "C", "D"]),
                          expect(scoring.grade, total, [90, 80, 70], ["A", "B", "C", "D"]), "random"))
    return cases


def all_cases() -> list:
    return boundary_cases() + random_cases()


# ----------------------------------------------------------------- shapes
def classic_arguments(case: Case, variant: int) -> tuple:
    """The arguments as COM hands them to classic xlwings: floats, None, tuples of row tuples;
    `variant` picks a cell reference (a Range object) or an array constant, a row or a column."""
    ranges = RANGE_ARGUMENTS.get(case.function, ())
    shaped = []
    for position, argument in enumerate(case.arguments):
        if position in ranges:
            if argument is None:
                shaped.append(MISSING)
                continue
            cells = [_com(cell) for cell in argument]
            value = (tuple(cells),) if (variant + position) % 2 else tuple((cell,) for cell in cells)
            if len(cells) == 1:
                value = cells[0] if variant % 3 else value  # one cell: Range.Value is the bare value
        else:
            value = _com(argument)
        shaped.append(ComRange(value) if (variant + position) % 3 == 0 else value)
    return tuple(shaped)


def _com(cell):
    if isinstance(cell, bool) or cell is None or isinstance(cell, str):
        return cell
    return float(cell)  # COM hands every number over as a double


def lite_arguments(case: Case, variant: int) -> list:
    """The arguments as Office.js hands them to xlwings Lite: every one a matrix, whole
    numbers as ints, a blank cell as null; `variant` picks a row or a column."""
    ranges = RANGE_ARGUMENTS.get(case.function, ())
    shaped = []
    for position, argument in enumerate(case.arguments):
        if position in ranges:
            if argument is None:
                shaped.append(None)  # an optional argument left out
                continue
            cells = [_js(cell) for cell in argument]
            shaped.append([cells] if (variant + position) % 2 else [[cell] for cell in cells])
        else:
            shaped.append([[_js(argument)]])
    return shaped


def _js(cell):
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2 ** 53:
        return int(cell)  # Pyodide turns a whole JS number into an int
    return cell
