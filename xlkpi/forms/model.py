"""The form model: what a loaded definition is, as frozen dataclasses.

A `Form` has sections, a section has items, an item has exactly one scoring
rule. The model holds no behaviour beyond naming: the rules are computed in
`scoring.py`, written as formulas in `formulas.py`, and loaded and checked in
`forms.py`. Pure standard library, so that `scoring.py` can use it anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

HEADER_FIELDS = ("name", "employee_id", "department", "position", "month", "appraiser")
HEADER_LABELS = {
    "name": "姓名",
    "employee_id": "工号",
    "department": "部门",
    "position": "岗位",
    "month": "考核月份",
    "appraiser": "考核人",
}
ROLE_LABELS = {"self": "自评", "sup": "上级", "peer": "小组", "actual": "实际值", "target": "目标值",
               "num": "分子", "den": "分母"}
# Input roles with a fixed meaning (and `value`, the column of an item's own inputs, and
# `rate`, the computed ratio): a count of a `deduct` or `bonus` item may not take these ids.
RESERVED_ROLES = ("self", "sup", "peer", "actual", "target", "num", "den", "value", "rate")


@dataclass(frozen=True)
class Band:
    """Bands on a value: the first threshold reached scores (`>=` or `<=`), else `else_value`.

    `thresholds` and `values` are kept in the order they are tried: descending
    for higher-is-better, ascending for lower-is-better.
    """

    thresholds: tuple
    values: tuple
    lower_is_better: bool = False
    else_value: object = 0


@dataclass(frozen=True)
class BandRule:
    """Score a number by bands."""

    band: Band
    kind = "band"


@dataclass(frozen=True)
class ChoiceRule:
    """Score a choice from labelled options: ((label, score), ...)."""

    options: tuple
    kind = "choice"


@dataclass(frozen=True)
class LevelsRule:
    """The rater picks a score from a set: ((score, text), ...), best first."""

    levels: tuple
    kind = "levels"


@dataclass(frozen=True)
class RangeRule:
    """A free score between `low` and `high`."""

    low: float
    high: float
    kind = "range"


@dataclass(frozen=True)
class RatingRule:
    """A level 1–5 worth `points_per_level` points a level; `texts` describe each level."""

    points_per_level: float
    texts: tuple
    kind = "rating"


@dataclass(frozen=True)
class Count:
    """One kind of occurrence of a `deduct` or `bonus` item with several (迟到早退 2 分/次,
    有效请假 1 分/天): its own input `in_<item>_<id>`, counted `each` points."""

    id: str
    label: str
    each: float
    unit: str = ""
    integer: bool = True


@dataclass(frozen=True)
class DeductRule:
    """`points` less `each` per occurrence, never below `floor` (扣完为止; None: no floor).

    With `counts`, several kinds of occurrence, each its own input and its own `each`:
    `points` less Σ count × each.
    """

    points: float
    each: float
    floor: float | None = 0.0
    counts: tuple = ()
    kind = "deduct"


@dataclass(frozen=True)
class BonusRule:
    """`each` per occurrence, at most `cap` when set; with `counts`, Σ count × each."""

    each: float
    cap: float | None = None
    counts: tuple = ()
    kind = "bonus"


@dataclass(frozen=True)
class StepsRule:
    """Points per whole step away from a target (每少一家扣1分, 每增加5%扣2分).

    The score is `points` less `deduct` per step on the wrong side of `target` plus
    `add` per step on the good side, then kept within `floor` and `cap` (None: no limit).
    A step counts once it is complete, or once started when `partial` is set.
    """

    points: float
    target: float
    lower_is_better: bool
    step: float = 1.0
    deduct: float = 0.0
    add: float = 0.0
    partial: bool = False
    floor: float | None = 0.0
    cap: float | None = None
    kind = "steps"


@dataclass(frozen=True)
class AchieveRule:
    """Proportional achievement of a target, capped: min(actual/target, cap) × 100."""

    lower_is_better: bool
    target: float
    cap: float = 1.0
    percent: bool = False
    unit: str = ""
    kind = "achieve"


Rule = Union[BandRule, ChoiceRule, LevelsRule, RangeRule, RatingRule, DeductRule, BonusRule, AchieveRule, StepsRule]


@dataclass(frozen=True)
class InputSpec:
    """What a clerk may type into one input cell.

    `kind` is `number`, `choice` (one of `allowed`, text), `level` (one of
    `allowed`, numbers) or `rating` (a whole number 1–5).
    """

    name: str
    item: str
    role: str
    label: str
    kind: str = "number"
    low: float | None = None
    high: float | None = None
    integer: bool = False
    percent: bool = False
    allowed: tuple = ()
    default: object = None
    unit: str = ""


@dataclass(frozen=True)
class Item:
    """One row of the form: an id, its texts, its weight or points, and its rule."""

    id: str
    name: str
    rule: Rule
    points: float | None = None
    weight: float | None = None
    text: str = ""
    note: str = ""
    raters: tuple = ()
    input_low: float | None = None
    input_high: float | None = None
    integer: bool = False
    percent: bool = False
    unit: str = ""
    prompt: str = ""
    ratio: tuple = ()

    @property
    def counts(self) -> tuple:
        """The kinds of occurrence of a `deduct` or `bonus` item with several; else ()."""
        return getattr(self.rule, "counts", ())

    @property
    def stacked(self) -> bool:
        """True when the item has several inputs of its own (a ratio's two numbers, several
        counts), stacked one below the other in the `value` column."""
        return bool(self.ratio or self.counts)

    @property
    def roles(self) -> tuple:
        """The input roles of this item: its raters, `target`/`actual`, `num`/`den` (a ratio),
        the ids of its counts, or `('',)`."""
        if self.raters:
            return self.raters
        if self.rule.kind == "achieve":
            return ("target", "actual")
        if self.ratio:
            return ("num", "den")
        if self.counts:
            return tuple(count.id for count in self.counts)
        return ("",)

    def input_name(self, role: str = "") -> str:
        """The defined name of an input: `in_<item>` or `in_<item>_<role>`."""
        return f"in_{self.id}_{role}" if role else f"in_{self.id}"


@dataclass(frozen=True)
class Section:
    """A group of items with a subtotal: `sum` of item scores or `weighted` (Σ score × weight)."""

    id: str
    name: str
    items: tuple
    total: str = "sum"
    points: float | None = None


@dataclass(frozen=True)
class Rater:
    """Someone who scores an item: `self`, `sup` or `peer`, with a blend weight."""

    id: str
    label: str
    weight: float


@dataclass(frozen=True)
class Total:
    """The form total: `sum` of section totals, or `blend` with weights ((section, weight), ...)."""

    kind: str
    parts: tuple


@dataclass(frozen=True)
class Outcome:
    """A result looked up on the rounded total, named `out_<id>`: a band (grade, pay,
    coefficient), or with `base`, the amount base × total ÷ 100 (绩效工资 = 750 × 总分%),
    rounded like the total. Exactly one of `band` and `base` is set."""

    id: str
    label: str
    band: Band | None
    money: bool = False
    base: float | None = None


@dataclass(frozen=True)
class HeaderField:
    """A header cell: a field (`hdr_<field>`) or a fixed text, with its label."""

    label: str
    field: str = ""
    text: str = ""


@dataclass(frozen=True)
class Column:
    """A table column: what it shows (`seq`, `name`, `points`, `weight`, `text`, `levels`,
    `score`, `weighted`) or which input role it holds (`input`)."""

    label: str
    show: str = ""
    input: str = ""
    width: float | None = None
    group: str = ""


@dataclass(frozen=True)
class Form:
    """A loaded, checked form definition."""

    id: str
    name: str
    version: int
    title: str
    position: str
    sections: tuple
    total: Total
    outcomes: tuple = ()
    raters: tuple = ()
    header: tuple = ()
    columns: tuple = ()
    signatures: tuple = ()
    notes: tuple = ()
    source: str = ""
    landscape: bool = False
    decimals: int = 2
    path: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def items(self):
        """Every item of the form, section by section."""
        for section in self.sections:
            yield from section.items

    def section_of(self, item_id: str) -> Section:
        """The section holding `item_id`."""
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def rater(self, rater_id: str) -> Rater:
        """The rater with this id."""
        for rater in self.raters:
            if rater.id == rater_id:
                return rater
        raise KeyError(rater_id)

    def input_specs(self) -> list:
        """Every input cell of the form, in table order."""
        specs = []
        for item in self.items():
            for role in item.roles:
                specs.append(_input_spec(self, item, role))
        return specs

    def output_names(self) -> list:
        """Every `out_...` name the form computes, in table order."""
        names = []
        for section in self.sections:
            for item in section.items:
                if item.ratio:
                    names.append(f"out_{item.id}_rate")
                names.append(f"out_{item.id}")
                if section.total == "weighted":
                    names.append(f"out_{item.id}_weighted")
            names.append(f"out_{section.id}")
        names.append("out_total")
        names.extend(f"out_{outcome.id}" for outcome in self.outcomes)
        names.append("out_status")
        return names


# Plausible bounds: a number input without `max` in its definition may not exceed these, so that an
# ID number pasted into a count, or 75 typed where 75% is meant, is refused at the cell (by the
# sheet's range check and by collect) instead of scoring. `max: none` in a definition lifts the bound.
PLAUSIBLE_COUNT = 1000  # occurrences of one kind in a month (a `deduct` or `bonus` count)
PLAUSIBLE_NUMBER = 10000  # any other number, unless its rule measures it on a larger scale:
PLAUSIBLE_SCALE = 100  # then this many times the largest threshold or target of the rule
UNBOUNDED = float("inf")  # `max: none`


def plausible_high(item: Item, role: str = "") -> float | None:
    """The largest value an input of `item` may take: the definition's `max`, else its plausible
    bound (a percentage 100%, or 10 × an `achieve` target when more; a count `PLAUSIBLE_COUNT`;
    another number `PLAUSIBLE_NUMBER` or `PLAUSIBLE_SCALE` × the rule's largest threshold or
    target); None for `max: none`."""
    if item.input_high is not None:
        return None if item.input_high == UNBOUNDED else item.input_high
    rule = item.rule
    if item.counts or rule.kind in ("deduct", "bonus"):
        return PLAUSIBLE_COUNT
    if rule.kind == "achieve":
        if rule.percent:  # 120% of a plan is plausible, 7500% (75 typed for 75%) is not
            return max(1.0, 10 * rule.target)
        return max(PLAUSIBLE_NUMBER, PLAUSIBLE_SCALE * rule.target)
    if item.percent and not item.ratio:
        return 1.0
    scale = 0.0
    if rule.kind == "band" and not item.ratio:
        scale = max(abs(value) for value in rule.band.thresholds)
    elif rule.kind == "steps" and not item.ratio:
        scale = abs(rule.target) + rule.step
    return max(PLAUSIBLE_NUMBER, PLAUSIBLE_SCALE * scale)


def _input_spec(form: Form, item: Item, role: str) -> InputSpec:
    rule = item.rule
    name = item.input_name(role)
    label = ROLE_LABELS.get(role, "") if role else (item.prompt or item.name)
    common = dict(name=name, item=item.id, role=role, label=label, unit=item.unit)
    if item.ratio:
        common["label"] = item.ratio[0] if role == "num" else item.ratio[1]
        low = 0 if item.input_low is None else item.input_low
        return InputSpec(low=low, high=plausible_high(item, role), integer=item.integer, **common)
    if item.counts:
        count = next(count for count in item.counts if count.id == role)
        return InputSpec(low=0, high=plausible_high(item, role), integer=count.integer,
                         **{**common, "label": count.label, "unit": count.unit})
    if rule.kind == "choice":
        return InputSpec(kind="choice", allowed=tuple(label for label, _ in rule.options), **common)
    if rule.kind == "levels":
        return InputSpec(kind="level", allowed=tuple(score for score, _ in rule.levels), **common)
    if rule.kind == "rating":
        return InputSpec(kind="rating", low=1, high=len(rule.texts), integer=True,
                         allowed=tuple(range(1, len(rule.texts) + 1)), **common)
    if rule.kind == "range":
        return InputSpec(low=rule.low, high=rule.high, integer=item.integer, **common)
    if rule.kind in ("deduct", "bonus"):
        return InputSpec(low=0, high=plausible_high(item, role), integer=True, **common)
    if rule.kind == "achieve":
        default = rule.target if role == "target" else None
        return InputSpec(low=0, high=plausible_high(item, role), percent=rule.percent, default=default,
                         **{**common, "unit": rule.unit})
    # the sheet's range check starts at 0 when the definition gives no `min`: collect does the same
    low = 0 if item.input_low is None else item.input_low
    return InputSpec(low=low, high=plausible_high(item, role), integer=item.integer,
                     percent=item.percent, **common)
