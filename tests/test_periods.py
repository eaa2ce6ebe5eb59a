"""Periods as a clerk writes them: a quarter, a year, a run of months, a month."""

from __future__ import annotations

import pytest

from xlkpi.base.errors import UsageError
from xlkpi.base.periods import Period, months_between, next_month, parse_period


@pytest.mark.parametrize(("text", "label", "kind", "months", "title"), [
    ("2026-Q4", "2026-Q4", "quarter", ("2026-10", "2026-11", "2026-12"), "2026年第4季度"),
    (" 2026q1 ", "2026-Q1", "quarter", ("2026-01", "2026-02", "2026-03"), "2026年第1季度"),
    ("2026Q2", "2026-Q2", "quarter", ("2026-04", "2026-05", "2026-06"), "2026年第2季度"),
    ("2026", "2026", "year", tuple(f"2026-{m:02d}" for m in range(1, 13)), "2026年度"),
    ("2026-07..2026-09", "2026-07..2026-09", "months", ("2026-07", "2026-08", "2026-09"), "2026-07 至 2026-09"),
    ("2025-11 至 2026-01", "2025-11..2026-01", "months", ("2025-11", "2025-12", "2026-01"), "2025-11 至 2026-01"),
    ("2026-05~2026-05", "2026-05..2026-05", "months", ("2026-05",), "2026-05 至 2026-05"),
    ("2026-11", "2026-11", "month", ("2026-11",), "2026-11"),
])
def test_parse_period(text, label, kind, months, title):
    period = parse_period(text)
    assert period == Period(label, kind, months)
    assert (period.first, period.last, period.title) == (months[0], months[-1], title)


@pytest.mark.parametrize(("text", "message"), [
    ("2026-Q5", '考核期间 "2026-Q5" 无效：应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）或月份（2026-11）。'),
    ("26", '考核期间 "26" 无效：应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）或月份（2026-11）。'),
    ("2026-13", '考核期间 "2026-13" 无效：应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）或月份（2026-11）。'),
    ("2026-07..2026-13", '考核期间 "2026-07..2026-13" 无效：应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）'
                         '或月份（2026-11）。'),
    ("2026-12..2026-07", '考核期间 "2026-12..2026-07" 无效：结束月份 2026-07 早于开始月份 2026-12。'),
    ("1899", '考核期间 "1899" 无效：应为季度（2026-Q4）、年度（2026）、月份区间（2026-07..2026-12）或月份（2026-11）。'),
])
def test_bad_periods(text, message):
    with pytest.raises(UsageError) as raised:
        parse_period(text)
    assert str(raised.value) == message


def test_month_arithmetic():
    assert next_month("2026-12") == "2027-01" and next_month("2026-01") == "2026-02"
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-02") == []
