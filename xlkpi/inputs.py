"""Checking what a clerk typed into one input cell, the way the sheet's validation means it.

`check_value` reads `85%`, `８５` and ` 85 ` as the clerk meant them and refuses,
with a Chinese message, text where a number belongs, a value outside the
item's levels or options, and a number out of range or not whole.
"""

from __future__ import annotations

from .cellvalues import NotANumber, is_blank, normalize_text, to_number
from .errors import ScoringError


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bound(value, percent: bool) -> str:
    """A bound as the sheet's range check shows it: 1 as 100% for a percentage."""
    if percent:
        return f"{float(f'{value * 100:.13g}'):g}%"
    return _fmt(value)


def alternatives(values) -> str:
    """`20、10 或 0`."""
    shown = [_fmt(value) for value in values]
    if len(shown) <= 1:
        return "".join(shown)
    return "、".join(shown[:-1]) + " 或 " + shown[-1]


def shown(value) -> str:
    """A found value as a message quotes it: text in quotes, numbers bare."""
    if isinstance(value, str):
        return f"\"{value}\""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return _fmt(value)


def check_value(spec, raw):
    """The value of one input as the engine takes it; None for a blank.

    Raises:
        ScoringError: with code `not-a-number`, `not-a-choice`, `not-a-level`,
            `out-of-range` or `not-an-integer`, and a message naming what was expected.
    """
    if is_blank(raw):
        return None
    if spec.kind == "choice":
        text = normalize_text(str(raw)) if not isinstance(raw, bool) else None
        if text not in spec.allowed:
            raise ScoringError(f"应为 {alternatives(spec.allowed)}，实际为 {shown(raw)}。", name=spec.name,
                               code="not-a-choice")
        return text
    try:
        number = to_number(raw)
    except NotANumber:
        if spec.kind in ("level", "rating"):  # text in a level cell ("优"): say which levels it takes
            raise ScoringError(f"应为 {alternatives(spec.allowed)}，实际为 {shown(raw)}。", name=spec.name,
                               code="not-a-level") from None
        raise ScoringError(f"应为数字，实际为 {shown(raw)}。", name=spec.name, code="not-a-number") from None
    if spec.kind in ("level", "rating"):
        if number not in [float(value) for value in spec.allowed]:
            raise ScoringError(f"应为 {alternatives(spec.allowed)}，实际为 {shown(raw)}。", name=spec.name,
                               code="not-a-level")
        return number
    if spec.low is not None and number < spec.low or spec.high is not None and number > spec.high:
        low = "" if spec.low is None else _bound(spec.low, spec.percent)
        high = "" if spec.high is None else _bound(spec.high, spec.percent)
        span = f"{low} 到 {high}" if low and high else (f"不小于 {low}" if low else f"不大于 {high}")
        raise ScoringError(f"应在 {span} 之间，实际为 {shown(raw)}。" if low and high else f"应{span}，实际为 {shown(raw)}。",
                           name=spec.name, code="out-of-range")
    if spec.integer and not number.is_integer():
        raise ScoringError(f"应为整数，实际为 {shown(raw)}。", name=spec.name, code="not-an-integer")
    return number
