"""Appraisal periods: one month, written `YYYY-MM`."""

from __future__ import annotations

import datetime as _dt
import re

from .errors import UsageError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text) -> str:
    """Check a period and return it as `YYYY-MM`.

    Raises:
        UsageError: not of the form YYYY-MM, or a month outside 01–12 (`2026-13`, `2026/11`).
    """
    value = str(text).strip()
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise UsageError(f"考核月份 \"{value}\" 无效：应为 YYYY-MM 格式，例如 2026-11。")
    return value


def current_month(today: _dt.date | None = None) -> str:
    """The month of `today` (default: the system date) as `YYYY-MM`."""
    today = today or _dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def previous_month(month: str) -> str:
    """The month before `month`: 2026-01 → 2025-12."""
    year, mon = map(int, parse_month(month).split("-"))
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"
