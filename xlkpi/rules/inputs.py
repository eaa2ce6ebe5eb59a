"""Checking what a clerk typed into one input cell, exactly as the sheet's formulas judge it.

One truth for typed entries: an entry the sheet refuses (its item shows 填写有误)
is refused here, with a Chinese message that says what to type instead, and an
entry the sheet computes with is read here as the same value. So a number cell
takes numbers only: `'８５'`, `' 85 '`, `'85%'` or `'1,000'` stored as text are
refused (the message names the number they stand for); a level cell takes one
of its levels as a number; a choice cell takes one of its labels exactly as
listed; a cell holding only spaces is not blank. The sheet's formulas are
written from the same specs (`formulas.entry_ok`).

`cellvalues.to_number` still reads text numbers as meant: the KPI_* functions and
the roster use it; here it only finds the number a refused text stands for.
"""

from __future__ import annotations

from ..base.errors import ScoringError
from .cellvalues import NotANumber, normalize_text, to_number


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


def is_empty(raw) -> bool:
    """True for an empty cell (None) or empty text: what the sheet's COUNTBLANK counts as blank.

    Text made only of spaces is not empty: the sheet sees text there."""
    return raw is None or raw == ""


def as_typed(spec, number: float) -> str:
    """How to type `number` into the input cell: `85`, or `85%` in a percentage cell."""
    if spec.percent:
        return f"{float(f'{number * 100:.13g}'):g}%"
    return _fmt(float(f"{number:.15g}"))


def check_value(spec, raw):
    """The value of one input as the sheet computes with it; None for a blank.

    Raises:
        ScoringError: with code `not-a-number`, `number-as-text`, `not-a-choice`,
            `not-a-level`, `out-of-range` or `not-an-integer`, and a message naming what
            was expected and, where the entry stands for a valid one, what to type instead.
    """
    if is_empty(raw):
        return None
    if isinstance(raw, str) and normalize_text(raw) == "":
        code = {"choice": "not-a-choice", "level": "not-a-level", "rating": "not-a-level"}.get(spec.kind, "not-a-number")
        raise ScoringError(f"单元格中只有空格 {shown(raw)}：如要留空，请选中单元格后按 Delete 键清除。",
                           name=spec.name, code=code)
    if spec.kind == "choice":
        return _check_choice(spec, raw)
    if isinstance(raw, str):
        try:
            number = to_number(raw)
        except NotANumber:
            number = None
        if number is None:
            if spec.kind in ("level", "rating"):  # text in a level cell ("优"): say which levels it takes
                raise ScoringError(f"应为 {alternatives(spec.allowed)}，实际为 {shown(raw)}。", name=spec.name,
                                   code="not-a-level")
            raise ScoringError(f"应为数字，实际为 {shown(raw)}。", name=spec.name, code="not-a-number")
        check_number(spec, number, raw)  # a text that stands for a wrong number: say what is wrong with it
        raise ScoringError(f"应为数字，实际为文本 {shown(raw)}：请重新输入 {as_typed(spec, number)}"
                           f"（不加引号或空格，用半角数字）。", name=spec.name, code="number-as-text")
    try:
        number = to_number(raw)
    except NotANumber:
        raise ScoringError(f"应为数字，实际为 {shown(raw)}。", name=spec.name, code="not-a-number") from None
    return check_number(spec, number, raw)


def _check_choice(spec, raw):
    if isinstance(raw, str) and raw in spec.allowed:
        return raw
    expected = f"应为 {alternatives(spec.allowed)}"
    meant = normalize_text(raw) if isinstance(raw, str) else None
    if meant in spec.allowed:
        raise ScoringError(f"{expected}，实际为 {shown(raw)}（多了空格或用了全角字符）：请从下拉列表中选择 \"{meant}\"。",
                           name=spec.name, code="not-a-choice")
    raise ScoringError(f"{expected}，实际为 {shown(raw)}。", name=spec.name, code="not-a-choice")


def check_number(spec, number: float, raw=None) -> float:
    """`number` if the input cell takes it (its levels, range, whole numbers); `raw` is what
    the message quotes (default: the number).

    Raises:
        ScoringError: `not-a-level`, `out-of-range` or `not-an-integer`.
    """
    raw = number if raw is None else raw
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


def typed_entry(spec, text: str):
    """What typing `text` into the input cell stores, as Excel converts an entry: a number
    where it reads one (`85`, `85%`, `1,000`), else the text. For values given on the
    command line, which are all text."""
    if spec.kind == "choice" or text is None:
        return text
    try:
        number = to_number(text)
    except NotANumber:
        return text
    return text if number is None else number
