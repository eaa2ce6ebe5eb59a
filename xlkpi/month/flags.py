"""Flags across months: the seeds' rules on a person's history.

The seeds (forms.md §5) name four rules that look at several months at once:
连续3个月低于70分 (调岗或辞退), 连续两次低于35分, 连续3季度≥90分 (优先晋升) and
连续三次第一 (额外奖金). `flags_for` tells which of them stand for one person
as of one month.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from ..base.periods import parse_month, previous_month

LOW_THREE_MONTHS = "连续3个月低于70分"
VERY_LOW_TWICE = "连续两次低于35分"
HIGH_THREE_QUARTERS = "连续3个季度≥90分"
FIRST_THREE_TIMES = "连续三次第一"

FLAGS = (LOW_THREE_MONTHS, VERY_LOW_TWICE, HIGH_THREE_QUARTERS, FIRST_THREE_TIMES)


def flags_for(history, upto_month: str | None = None) -> list[str]:
    """The flags that stand for one person as of `upto_month`.

    A flag stands when the run it needs ends at `upto_month`: a summary for
    month M shows the flags as of M, and a flag earned earlier but broken
    since no longer shows. Months after `upto_month` are ignored. A month
    with no record (a gap) breaks the monthly runs, and so does a recorded
    month whose total is blank (None); the quarterly run is broken by a
    quarter with no record or with a blank total.

    * 连续3个月低于70分: `upto_month` and the two calendar months before it
      are all recorded, each with a total < 70 (69.99 counts, 70 does not).
    * 连续两次低于35分: `upto_month` and the calendar month before it are
      both recorded, each with a total < 35. Appraisals are monthly, so two
      consecutive appraisals are two calendar-consecutive months.
    * 连续3个季度≥90分: the quarter of `upto_month` and the two calendar
      quarters before it each have an average total ≥ 90. A quarter's average
      is the mean of its recorded months' totals (the quarter of `upto_month`
      as far as `upto_month`, so quarter to date); a quarter counts only if
      it has at least one recorded month, and not at all if one of its
      recorded months has a blank total. Totals are averaged as the decimals
      they show (89.7, 90.1 and 90.2 average exactly 90), without binary
      rounding error.
    * 连续三次第一: `upto_month` and the two calendar months before it are
      all recorded with rank 1 (ties share rank 1, and count).

    Args:
        history: the person's months, as dicts with at least `month`
            (`YYYY-MM`), `total` (number or None) and `rank` (int or None),
            in any order (`Ledger.history` gives them so).
        upto_month: the month the flags are wanted for; default the latest
            month in `history`.

    Returns:
        The standing flags, in the order of `FLAGS`; empty if there are none
        or `history` is empty.

    Raises:
        UsageError: a month is not `YYYY-MM`.
    """
    records = {parse_month(row["month"]): row for row in history}
    if upto_month is None:
        if not records:
            return []
        upto_month = max(records)
    upto_month = parse_month(upto_month)
    records = {month: row for month, row in records.items() if month <= upto_month}

    def months_back(count):
        months = [upto_month]
        while len(months) < count:
            months.append(previous_month(months[-1]))
        return months

    def totals(months):
        """The totals of `months`, or None if one is missing or blank."""
        values = [records[month].get("total") if month in records else None for month in months]
        return None if any(value is None for value in values) else values

    flags = []
    low = totals(months_back(3))
    if low is not None and all(value < 70 for value in low):
        flags.append(LOW_THREE_MONTHS)
    very_low = totals(months_back(2))
    if very_low is not None and all(value < 35 for value in very_low):
        flags.append(VERY_LOW_TWICE)
    if all(average is not None and average >= 90 for average in _quarter_averages(records, upto_month, 3)):
        flags.append(HIGH_THREE_QUARTERS)
    if all(month in records and records[month].get("rank") == 1 for month in months_back(3)):
        flags.append(FIRST_THREE_TIMES)
    return flags


@lru_cache(maxsize=1024)
def quarter_of(month: str) -> tuple[int, int]:
    """(year, quarter) of a month: 2026-05 → (2026, 2). Cached: a period's report asks it of the
    same few months for every employee.

    Raises:
        UsageError: `month` is not YYYY-MM."""
    year, mon = map(int, parse_month(month).split("-"))
    return year, (mon - 1) // 3 + 1


def _quarter_averages(records: dict, upto_month: str, count: int) -> list[Fraction | None]:
    """The average totals of the quarter of `upto_month` and the `count - 1` quarters before it.

    None for a quarter with no recorded month, or with a recorded month whose total is blank.
    """
    year, quarter = quarter_of(upto_month)
    averages = []
    for _ in range(count):
        totals = [row.get("total") for month, row in records.items() if quarter_of(month) == (year, quarter)]
        if not totals or any(total is None for total in totals):
            averages.append(None)
        else:
            averages.append(sum(Fraction(Decimal(str(total))) for total in totals) / len(totals))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return averages


__all__ = ["flags_for", "quarter_of", "FLAGS", "LOW_THREE_MONTHS", "VERY_LOW_TWICE",
           "HIGH_THREE_QUARTERS", "FIRST_THREE_TIMES"]
