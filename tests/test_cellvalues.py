"""Reading numbers as clerks type them: every accepted spelling gives the double Excel stores
when the same number is typed into a cell, written out here literally; everything else is refused.

The expected values are Python float literals: Python parses a literal to the nearest double, as
Excel does with what is typed (74.99% is stored as the double nearest 0.7499). Where binary
arithmetic would give a neighbouring double (74.99 / 100 is 0.7498999999999999), the test also
compares the bits (`.hex()`), so that a failure shows which double was made.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlkpi.rules.cellvalues import NotANumber, is_blank, normalize_text, to_number, to_numbers

NBSP = "\u00a0"
IDEOGRAPHIC_SPACE = "\u3000"  # the full-width space of Chinese input methods

# (what the clerk typed, the double Excel stores)
PLAIN = [
    ("85", 85.0),
    ("0", 0.0),
    ("-5", -5.0),
    ("+5", 5.0),
    ("0.5", 0.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("89.99", 89.99),
    ("1e3", 1000.0),
    ("1E-2", 0.01),
    ("007", 7.0),
]

SPACES = [
    (" 85 ", 85.0),
    ("\t85\n", 85.0),
    (f"{NBSP}85{NBSP}", 85.0),
    (f"{IDEOGRAPHIC_SPACE}85{IDEOGRAPHIC_SPACE}", 85.0),
    (f" {IDEOGRAPHIC_SPACE}{NBSP}85 ", 85.0),
    ("85 %", 0.85),
    (f"85{IDEOGRAPHIC_SPACE}%", 0.85),
    (f"{NBSP}74.99 %{NBSP}", 0.7499),
]

PERCENT = [
    ("85%", 0.85),
    ("100%", 1.0),
    ("0%", 0.0),
    ("0.4%", 0.004),
    ("1.5%", 0.015),
    ("-5%", -0.05),
    ("150%", 1.5),
    ("12,345%", 123.45),
]

# percentages where dividing the binary double by 100 gives the neighbouring double:
# (typed, the double Excel stores, its bits, the wrong double that binary division gives)
PERCENT_EXACT = [
    ("74.99%", 0.7499, "0x1.7ff2e48e8a71ep-1", 0.7498999999999999),
    ("33.3%", 0.333, "0x1.54fdf3b645a1dp-2", 0.33299999999999996),
    ("57.7%", 0.577, "0x1.276c8b4395810p-1", 0.5770000000000001),
    ("0.57%", 0.0057, "0x1.758e219652bd4p-8", 0.005699999999999999),
    ("７４．９９％", 0.7499, "0x1.7ff2e48e8a71ep-1", 0.7498999999999999),
]

THOUSANDS = [
    ("8,970", 8970.0),
    ("1,234.5", 1234.5),
    ("-8,970.25", -8970.25),
    ("+1,000", 1000.0),
    ("1,234,567", 1234567.0),
]

FULL_WIDTH = [
    ("８５", 85.0),
    ("８５％", 0.85),
    ("１２３．５", 123.5),
    ("－５", -5.0),
    ("－０．５", -0.5),
    ("８，９７０", 8970.0),
    ("１，２３４．５％", 12.345),
    ("＋５", 5.0),
    (f"{IDEOGRAPHIC_SPACE}８５％{IDEOGRAPHIC_SPACE}", 0.85),
    ("85％", 0.85),  # ASCII digits, full-width percent sign
]


@pytest.mark.parametrize("typed, expected", PLAIN + SPACES + PERCENT + THOUSANDS + FULL_WIDTH)
def test_typed_numbers(typed, expected):
    got = to_number(typed)
    assert type(got) is float
    assert got == expected, (typed, got, expected)
    assert got.hex() == expected.hex(), typed  # -0.0 would pass `==`


@pytest.mark.parametrize("typed, expected, bits, binary", PERCENT_EXACT)
def test_percentages_are_divided_in_decimal(typed, expected, bits, binary):
    """`74.99%` is 0.7499 as Excel stores it, not 74.99 / 100 in binary: a threshold of 74.99%
    typed into a cell must equal the threshold written in the definition."""
    got = to_number(typed)
    assert got == expected
    assert got.hex() == bits
    assert got != binary
    assert got.hex() != binary.hex()


def test_a_typed_percentage_equals_the_threshold_it_names():
    """A custom threshold of 33.3%: typed as text it reaches the band, as typed into Excel."""
    from xlkpi.rules.scoring import band_score

    assert band_score(to_number("33.3%"), [0.333], [10], else_score=0) == 10
    assert band_score(to_number("74.99%"), [0.7499], [10], else_score=0) == 10


@pytest.mark.parametrize("value, expected", [
    (85, 85.0), (0, 0.0), (-3, -3.0), (0.7499, 0.7499), (2.5, 2.5), (-0.0, -0.0),
    (Decimal("0.7499"), 0.7499), (Decimal("8970"), 8970.0), (10 ** 15, 1e15),
])
def test_numbers_given_as_numbers(value, expected):
    """Excel hands over floats (ints in xlwings Lite); a Decimal is taken too."""
    got = to_number(value)
    assert type(got) is float
    assert got.hex() == expected.hex()


@pytest.mark.parametrize("value", [None, "", " ", "\t\n", NBSP, IDEOGRAPHIC_SPACE, f"{NBSP}{IDEOGRAPHIC_SPACE} "])
def test_blanks(value):
    assert to_number(value) is None
    assert is_blank(value)


REFUSED_TEXT = [
    "abc", "优", "八十五", "85分", "85元", "约85",
    "%", "85%%", "%85", "８５％％", "-", "+", ".", "e3", "1e", "--5", "+-5", "5-",
    # grouping that is not in threes, or a decimal comma
    "12,34", "1,2345", "1,234,56", ",123", "123,", "1,,234", "1.234,5", "1,234.5,6",
    # spaces or other separators inside the number
    "1 234", f"1{NBSP}234", f"１２{IDEOGRAPHIC_SPACE}３", "1_000", "1'000",
    # what Python or Decimal read but Excel does not
    "0x10", "1j", "nan", "NaN", "inf", "-Infinity", "sNaN", "٨٥", "৮৫", "1e400", "-1e400", "1e9999999%",
    "TRUE", "#N/A", "#DIV/0!",
]


@pytest.mark.parametrize("typed", REFUSED_TEXT)
def test_refused_text(typed):
    with pytest.raises(NotANumber) as raised:
        to_number(typed)
    assert "不是" in str(raised.value)  # the message says what the value is not, in Chinese


@pytest.mark.parametrize("value", [True, False, float("nan"), float("inf"), float("-inf"), 10 ** 400, -(10 ** 400),
                                   Decimal("NaN"), Decimal("Infinity"), [85], (85,), {"a": 1}, b"85", object()])
def test_refused_values(value):
    with pytest.raises(NotANumber):
        to_number(value)


def test_normalize_text_folds_full_width_forms_and_strips_every_space():
    assert normalize_text(f"{IDEOGRAPHIC_SPACE}按要求完成{NBSP} ") == "按要求完成"
    assert normalize_text("８５．５％") == "85.5%"
    assert normalize_text("－８，９７０") == "-8,970"


def test_to_numbers_reads_a_range_row_by_row():
    assert to_numbers([["85%", None], [" 8,970 ", "８５"]]) == [0.85, None, 8970.0, 85.0]
    assert to_numbers([["85%", None], ["", 3]], keep_blanks=False) == [0.85, 3.0]
    with pytest.raises(NotANumber):
        to_numbers([[1, 2], ["x", 3]])
