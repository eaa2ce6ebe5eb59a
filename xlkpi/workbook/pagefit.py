"""How a sheet goes onto A4 paper: its size in points, and how many pages it takes at a readable size.

A sheet is printed at a scale that fits the page width, never smaller than MIN_SCALE (10 pt
text prints at 9 pt or more). It fits one page when it does so at that scale or more; otherwise
it is printed at the width's scale, on as many pages as its length takes, with its table
header repeated — rather than shrinking the print.

Sizes follow what LibreOffice measures, the larger of the two spreadsheet programs the tests
print with: a column `w` characters wide is (w + 0.71) digits of the workbook's default font
(Arial 10, whose digits are 5.56 pt in Liberation Sans; XlsxWriter stores a width with that
padding), where Excel gives 7 w + 5 pixels (5.25 pt a character). Row heights are points in
both. Pure standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

A4 = (595.3, 841.9)  # points, portrait
DIGIT = 5.56  # points a character of column width, Arial 10 as LibreOffice draws it
PADDING = 0.71  # characters XlsxWriter adds to a width (5 pixels of 7)
MIN_SCALE = 0.9
WIDTH_MARGIN = 1.01  # column widths as LibreOffice draws them are known to 0.2 %; row heights
# are exact (every row's height is set), and the body of a page is at least `printable`'s height
# (LibreOffice prints 510 pt of rows on a landscape page, 770 pt on a portrait one)
INCH = 72.0
FOOTER_ROOM = 14.0  # points: one line of the 10 pt footer


@dataclass(frozen=True)
class Margins:
    """Page margins in inches, as XlsxWriter's `set_margins` takes them."""

    left: float = 0.25
    right: float = 0.25
    top: float = 0.35
    bottom: float = 0.45


def column_points(width: float) -> float:
    """The width in points of a column `width` characters wide."""
    return (width + PADDING) * DIGIT


def printable(landscape: bool, margins: Margins = Margins()) -> tuple:
    """(width, height) in points of the area inside the margins of an A4 page that rows may
    take: less FOOTER_ROOM, which LibreOffice takes from the body for the page footer when the
    bottom margin is narrow (a sheet measured to fill 780 of 784 pt printed on two pages)."""
    width, height = (A4[1], A4[0]) if landscape else A4
    return (width - (margins.left + margins.right) * INCH,
            height - (margins.top + margins.bottom) * INCH - FOOTER_ROOM)


@dataclass(frozen=True)
class Fit:
    """How a sheet is printed: at `scale` percent, on one page or (`one_page` false) on as many
    pages as its length takes."""

    scale: int
    one_page: bool


def fit(widths, heights, landscape: bool, margins: Margins = Margins()) -> Fit:
    """How a sheet of columns `widths` (characters) and rows `heights` (points) fits A4: the
    largest whole percentage, at most 100, at which it fits one page if that is MIN_SCALE or
    more; else the one at which its width fits, on as many pages as it takes.

    The scale is set on the sheet as a percentage rather than left to the program's own
    fit-to-page, so that Excel, WPS and LibreOffice print at the same size, never below
    MIN_SCALE for a form whose width allows it. A sheet wider than the page at MIN_SCALE (a
    definition with too many or too wide columns) prints below it: `scale` says so.
    """
    page_width, page_height = printable(landscape, margins)
    width = sum(column_points(w) for w in widths) * WIDTH_MARGIN
    height = sum(heights)
    by_width = min(1.0, page_width / width)
    one_page = min(by_width, page_height / height)
    if one_page >= MIN_SCALE:
        return Fit(math.floor(one_page * 100), True)
    return Fit(max(10, math.floor(by_width * 100)), False)


def page_breaks(heights, keep, scale: int, landscape: bool, repeated: float = 0.0,
                margins: Margins = Margins()) -> list:
    """The rows that start a new page when a sheet of rows `heights` (points) prints at `scale`
    percent: each page filled as far as it goes, a span of `keep` ((first, last) rows: a section
    title with its first item, the results, the signatures) never split unless it alone is
    longer than a page. `repeated`: the height of the rows repeated at the top of every page
    after the first."""
    body = printable(landscape, margins)[1] / (scale / 100)
    starts = {first: last for first, last in keep}
    breaks = []
    used = 0.0
    row = 0
    while row < len(heights):
        last = starts.get(row, row)
        block = sum(heights[row:last + 1])
        if used + block > body and used > 0:
            breaks.append(row)
            used = repeated
        used += block
        row = last + 1
    return breaks
