"""Flags across months: each holds exactly at its threshold and fails one step short."""

from __future__ import annotations

import pytest

from xlkpi.base.errors import UsageError
from xlkpi.month.flags import (
    FIRST_THREE_TIMES,
    FLAGS,
    HIGH_THREE_QUARTERS,
    LOW_THREE_MONTHS,
    VERY_LOW_TWICE,
    flags_for,
    quarter_of,
)


def months(*pairs, rank=None):
    """History rows from (month, total) pairs."""
    return [{"month": month, "total": total, "rank": rank} for month, total in pairs]


def test_names():
    assert FLAGS == ("连续3个月低于70分", "连续两次低于35分", "连续3个季度≥90分", "连续三次第一")


def test_empty_history():
    assert flags_for([]) == []


# ---------------------------------------------------------------- 连续3个月低于70分
def test_low_three_months_at_the_threshold():
    history = months(("2026-01", 69.99), ("2026-02", 69.99), ("2026-03", 69.99))
    assert flags_for(history) == [LOW_THREE_MONTHS]


def test_low_three_months_one_step_short():
    assert flags_for(months(("2026-01", 69.99), ("2026-02", 70), ("2026-03", 69.99))) == []
    assert flags_for(months(("2026-02", 60), ("2026-03", 60))) == []


def test_low_three_months_across_the_year():
    assert flags_for(months(("2025-11", 50), ("2025-12", 50), ("2026-01", 50))) == [LOW_THREE_MONTHS]


def test_a_gap_month_breaks_the_run():
    assert flags_for(months(("2026-01", 60), ("2026-02", 60), ("2026-04", 60))) == []
    history = months(("2026-01", 60), ("2026-02", 60), ("2026-04", 60), ("2026-05", 60), ("2026-06", 60))
    assert flags_for(history) == [LOW_THREE_MONTHS]


def test_a_blank_total_breaks_the_run():
    assert flags_for(months(("2026-01", 60), ("2026-02", None), ("2026-03", 60))) == []


def test_flags_are_those_standing_at_the_month():
    history = months(("2026-01", 60), ("2026-02", 60), ("2026-03", 60), ("2026-04", 80))
    assert flags_for(history) == []
    assert flags_for(history, "2026-03") == [LOW_THREE_MONTHS]
    assert flags_for(history, "2026-02") == []
    # a month with no record has no standing run
    assert flags_for(history, "2026-05") == []


def test_history_in_any_order():
    history = months(("2026-03", 60), ("2026-01", 60), ("2026-02", 60))
    assert flags_for(history) == [LOW_THREE_MONTHS]


def test_bad_month():
    with pytest.raises(UsageError):
        flags_for(months(("2026-01", 60)), "2026-1")


# ---------------------------------------------------------------- 连续两次低于35分
def test_very_low_twice_at_the_threshold():
    assert flags_for(months(("2026-02", 34.99), ("2026-03", 34.99))) == [VERY_LOW_TWICE]


def test_very_low_twice_one_step_short():
    assert flags_for(months(("2026-02", 35), ("2026-03", 34.99))) == []
    assert flags_for(months(("2026-03", 10))) == []


def test_very_low_twice_needs_consecutive_months():
    assert flags_for(months(("2026-01", 20), ("2026-03", 20))) == []
    assert flags_for(months(("2026-01", 20), ("2026-02", None), ("2026-03", 20))) == []


def test_very_low_three_times_is_also_low_three_months():
    history = months(("2026-01", 30), ("2026-02", 30), ("2026-03", 30))
    assert flags_for(history) == [LOW_THREE_MONTHS, VERY_LOW_TWICE]


# ---------------------------------------------------------------- 连续3个季度≥90分
def test_quarter_of():
    assert [quarter_of(f"2026-{m:02d}") for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [
        (2026, 1), (2026, 1), (2026, 2), (2026, 2), (2026, 3), (2026, 3), (2026, 4), (2026, 4)]


def test_three_quarters_averaging_exactly_90():
    history = months(
        ("2026-01", 89.7), ("2026-02", 90.1), ("2026-03", 90.2),   # 270.0 / 3 = 90 exactly
        ("2026-04", 90), ("2026-05", 90), ("2026-06", 90),
        ("2026-07", 85), ("2026-08", 95), ("2026-09", 90),
    )
    assert flags_for(history) == [HIGH_THREE_QUARTERS]


def test_three_quarters_one_step_short():
    history = months(
        ("2026-01", 89.7), ("2026-02", 90.1), ("2026-03", 90.19),  # 89.996…
        ("2026-04", 90), ("2026-05", 90), ("2026-06", 90),
        ("2026-07", 90), ("2026-08", 90), ("2026-09", 90),
    )
    assert flags_for(history) == []


def test_a_quarter_counts_with_one_recorded_month():
    history = months(("2025-12", 90), ("2026-02", 99.5), ("2026-04", 92))
    assert flags_for(history) == [HIGH_THREE_QUARTERS]


def test_a_quarter_without_records_breaks_the_run():
    history = months(("2025-07", 95), ("2025-10", 95), ("2026-04", 95), ("2026-05", 95))
    assert flags_for(history) == []


def test_a_blank_total_breaks_its_quarter():
    history = months(("2025-12", 95), ("2026-02", 95), ("2026-03", None), ("2026-04", 95))
    assert flags_for(history) == []


def test_the_current_quarter_counts_to_date():
    history = months(("2025-10", 95), ("2026-01", 95), ("2026-04", 95), ("2026-05", 80))
    assert flags_for(history, "2026-04") == [HIGH_THREE_QUARTERS]
    assert flags_for(history, "2026-05") == []  # (95 + 80) / 2 = 87.5


def test_three_quarters_across_the_year():
    history = months(("2025-08", 90), ("2025-11", 90), ("2026-01", 90))
    assert flags_for(history) == [HIGH_THREE_QUARTERS]


# ---------------------------------------------------------------- 连续三次第一
def ranked(*pairs):
    return [{"month": month, "total": 80, "rank": rank} for month, rank in pairs]


def test_first_three_times():
    assert flags_for(ranked(("2026-01", 1), ("2026-02", 1), ("2026-03", 1))) == [FIRST_THREE_TIMES]
    assert flags_for(ranked(("2025-12", 1), ("2026-01", 1), ("2026-02", 1), ("2026-03", 1))) == [FIRST_THREE_TIMES]


def test_first_three_times_one_step_short():
    assert flags_for(ranked(("2026-01", 1), ("2026-02", 2), ("2026-03", 1))) == []
    assert flags_for(ranked(("2026-02", 1), ("2026-03", 1))) == []
    assert flags_for(ranked(("2026-01", 1), ("2026-02", None), ("2026-03", 1))) == []


def test_first_three_times_needs_consecutive_months():
    assert flags_for(ranked(("2026-01", 1), ("2026-02", 1), ("2026-04", 1))) == []
