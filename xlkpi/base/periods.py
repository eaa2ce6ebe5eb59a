"""Appraisal periods: a month, written `YYYY-MM`, and the runs of months a report covers
(a quarter `2026-Q4`, a year `2026`, any run `2026-07..2026-12`)."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from .errors import UsageError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Month(str):
    """A checked month, `YYYY-MM`, as a text (it compares, sorts and binds to SQL as one).

    Made once where a month enters — the command line, an API call's argument, a month folder's
    name — by `parse_month`, and passed on as it is: `parse_month` returns a `Month` unchanged,
    so the modules a month passes through (collect, flags, ledger, the summary) check it without
    parsing it again.
    """

    __slots__ = ()

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def number(self) -> int:
        """The month of the year, 1–12."""
        return int(self[5:])


def parse_month(text) -> Month:
    """Check a period and return it as a `Month` (`YYYY-MM`); a `Month` is returned as it is.

    Raises:
        UsageError: not of the form YYYY-MM, or a month outside 01–12 (`2026-13`, `2026/11`).
    """
    if type(text) is Month:
        return text
    value = str(text).strip()
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise UsageError(f"考核月份 \"{value}\" 无效：应为 YYYY-MM 格式，例如 2026-11。")
    return Month(value)


def current_month(today: _dt.date | None = None) -> Month:
    """The month of `today` (default: the system date) as `YYYY-MM`."""
    today = today or _dt.date.today()
    return Month(f"{today.year:04d}-{today.month:02d}")


def previous_month(month: str) -> Month:
    """The month before `month`: 2026-01 → 2025-12."""
    month = parse_month(month)
    year, mon = month.year, month.number
    return Month(f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}")


def next_month(month: str) -> Month:
    """The month after `month`: 2026-12 → 2027-01."""
    month = parse_month(month)
    year, mon = month.year, month.number
    return Month(f"{year + 1:04d}-01" if mon == 12 else f"{year:04d}-{mon + 1:02d}")


def months_between(first: str, last: str) -> list[Month]:
    """Every month from `first` to `last`, both included, oldest first (empty if `last` < `first`)."""
    months, month = [], parse_month(first)
    last = parse_month(last)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Period:
    """A run of months a report covers: a quarter (`2026-Q4`), a year (`2026`), a run of months
    (`2026-07..2026-12`) or one month (`2026-11`).

    Attributes:
        label: the period as written (`2026-Q4`, `2026`, `2026-07..2026-12`, `2026-11`).
        kind: `quarter`, `year`, `months` or `month`.
        months: every calendar month of the period, oldest first.
    """

    label: str
    kind: str
    months: tuple

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]

    @property
    def title(self) -> str:
        """The period in words: `2026年第4季度`, `2026年度`, `2026-07 至 2026-12`, `2026-11`."""
        if self.kind == "quarter":
            return f"{self.first[:4]}年第{(int(self.first[5:]) - 1) // 3 + 1}季度"
        if self.kind == "year":
            return f"{self.first[:4]}年度"
        if self.kind == "months":
            return f"{self.first} 至 {self.last}"
        return self.first


_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(.+?)\s*(?:\.\.|～|~|至)\s*(.+)$")


def parse_period(text) -> Period:
    """A period as a clerk writes it: `2026-Q4` (also `2026Q4`), `2026`, `2026-07..2026-12`, `2026-11`.

    Raises:
        UsageError: none of these forms, a quarter outside Q1–Q4, a year before 1900, or a run of
            months whose end is before its start.
    """
    value = str(text).strip()
    hint = "应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）或月份（2026-11）。"
    match = _QUARTER.match(value)
    if match:
        year, quarter = int(match.group(1)), int(match.group(2))
        if year < 1900:
            raise UsageError(f"考核期间 \"{value}\" 无效：{hint}")
        first = (quarter - 1) * 3 + 1
        months = tuple(f"{year:04d}-{month:02d}" for month in range(first, first + 3))
        return Period(f"{year:04d}-Q{quarter}", "quarter", months)
    match = _YEAR.match(value)
    if match:
        year = int(match.group(1))
        if year < 1900:
            raise UsageError(f"考核期间 \"{value}\" 无效：{hint}")
        return Period(f"{year:04d}", "year", tuple(f"{year:04d}-{month:02d}" for month in range(1, 13)))
    match = _RANGE.match(value)
    if match:
        try:
            first, last = parse_month(match.group(1)), parse_month(match.group(2))
        except UsageError:
            raise UsageError(f"考核期间 \"{value}\" 无效：{hint}") from None
        if last < first:
            raise UsageError(f"考核期间 \"{value}\" 无效：结束月份 {last} 早于开始月份 {first}。")
        return Period(f"{first}..{last}", "months", tuple(months_between(first, last)))
    try:
        month = parse_month(value)
    except UsageError:
        raise UsageError(f"考核期间 \"{value}\" 无效：{hint}") from None
    return Period(month, "month", (month,))
