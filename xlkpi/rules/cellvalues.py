"""Reading numbers the way a clerk typed them, and flattening Excel ranges.

Pure standard library: the same code runs in xlwings Lite (Pyodide). Excel
hands over a float (classic) or an int (Lite) for a number, None for a blank
cell, text for a number typed as text (`'85%'`, `' 85 '`, full-width `'８５％'`),
and tuples or lists of rows for a range.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

# "1,234.5": thousands separators in groups of three, as Chinese Excel writes them.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
# what Excel reads as a number once folded to ASCII: no `_` groups, no other scripts' digits, no NaN
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class NotANumber(ValueError):
    """A value that is neither blank nor readable as a number."""


def is_blank(value) -> bool:
    """True for None, the empty string and text made only of white space."""
    if value is None:
        return True
    return isinstance(value, str) and normalize_text(value) == ""


def normalize_text(text: str) -> str:
    """Fold full-width forms to ASCII (NFKC) and strip white space, NBSP included."""
    return unicodedata.normalize("NFKC", text).strip()


def to_number(value):
    """Read one cell value as a float; None for a blank.

    Accepts ints and floats, and text such as `'85'`, `' 85 '`, `'85%'` (0.85),
    `'８５％'`, `'1,234.5'`, `'1e3'`. Text percentages are divided by 100 exactly (decimal
    arithmetic), so `'85%'` gives the same double as typing 85% into Excel.

    Raises:
        NotANumber: a boolean, NaN or infinity, another type, or any other text — digits
            other than 0–9 once full-width forms are folded (`'٨٥'`), `_` or spaces inside
            the number, commas not in groups of three, `'nan'`, `'inf'`.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(f"逻辑值 {value!r} 不是数字")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond the range of a double
            raise NotANumber("不是有限的数字") from None
        if math.isnan(number) or math.isinf(number):
            raise NotANumber("不是有限的数字")
        return number
    if isinstance(value, Decimal):
        return to_number(float(value))
    if not isinstance(value, str):
        raise NotANumber(f"不支持的类型 {type(value).__name__}")
    text = normalize_text(value)
    if text == "":
        return None
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise NotANumber(f"文本 {value!r} 不是数字")
    number = Decimal(text)
    try:
        result = float(number / 100 if percent else number)
    except ArithmeticError:  # '1e9999999%': the division overflows
        raise NotANumber(f"文本 {value!r} 不是数字") from None
    if math.isinf(result):  # '1e400' is beyond the range of a double
        raise NotANumber(f"文本 {value!r} 不是有限的数字")
    return result


def flatten(value) -> list:
    """A scalar, a 1-D list or a 2-D list (or tuples) as one flat list, row by row."""
    if isinstance(value, (list, tuple)):
        flat = []
        for element in value:
            if isinstance(element, (list, tuple)):
                flat.extend(element)
            else:
                flat.append(element)
        return flat
    return [value]


def to_numbers(value, *, keep_blanks: bool = True) -> list:
    """Every cell of a scalar or range as a number (None for blanks, dropped if not kept).

    Raises:
        NotANumber: any cell is neither blank nor a number.
    """
    numbers = [to_number(element) for element in flatten(value)]
    if keep_blanks:
        return numbers
    return [number for number in numbers if number is not None]
