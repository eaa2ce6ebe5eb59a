"""What a PDF LibreOffice printed holds: its pages, the sizes of its text on paper, its fonts.

The text sizes are read from the PDF's page content: every `Tf` operator's size, multiplied by
the scale of the text and graphics matrices in force (`Tm`, `cm`), is the size of the glyphs on
the paper in points (LibreOffice writes a page's text unscaled, in page points, when it fits a
sheet to the page). `pdffonts` (poppler-utils) lists the fonts and whether each is embedded;
`pdftoppm` renders a page to an image.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib

import pytest

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
# numbers, operators and names; strings (<…>, (…)) and arrays ([…]) are single tokens or skipped
_TOKEN = re.compile(rb"<[^<>]*>|\((?:\\.|[^\\)])*\)|\[[^\]]*\]|/[^\s/\[\]<>()]+|[^\s/\[\]<>()]+")
_IS_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)")


def pages(data: bytes) -> tuple:
    """(page count, the set of page sizes in points, rounded) of a PDF LibreOffice wrote."""
    assert data.startswith(b"%PDF-")
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    sizes = {tuple(round(float(number)) for number in box.split()[2:])
             for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    return count, sizes


def page_streams(data: bytes) -> list:
    """The decompressed content streams that draw text, in file order (one a page)."""
    found = []
    for raw in _STREAM.findall(data):
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            continue
        if b"Tf" in content and b"BT" in content and text_sizes(content):
            found.append(content)
    return found


def text_sizes(content: bytes) -> list:
    """The size on paper (points) of every font set in one content stream: each `Tf` size times
    the scale of the text matrix (`Tm`) and of the graphics matrices (`cm`, saved by `q`,
    restored by `Q`) in force."""
    sizes = []
    ctm = [1.0]
    tm = 1.0
    operands = []
    for token in _TOKEN.findall(content):
        if _IS_NUMBER.fullmatch(token):
            operands.append(float(token))
            continue
        if token == b"q":
            ctm.append(ctm[-1])
        elif token == b"Q" and len(ctm) > 1:
            ctm.pop()
        elif token == b"BT":
            tm = 1.0
        elif token == b"cm" and len(operands) >= 6:
            a, b, c, d = operands[-6:-2]
            ctm[-1] *= abs(a * d - b * c) ** 0.5
        elif token == b"Tm" and len(operands) >= 6:
            a, b, c, d = operands[-6:-2]
            tm = abs(a * d - b * c) ** 0.5
        elif token == b"Tf" and operands:
            sizes.append(operands[-1] * tm * ctm[-1])
        operands = []
    return sizes


def smallest_text(data: bytes) -> float:
    """The smallest text on any page of the PDF, in points on paper."""
    sizes = [size for content in page_streams(data) for size in text_sizes(content)]
    assert sizes, "no text in the PDF"
    return min(sizes)


def render_page(path, page: int, folder) -> bytes | None:
    """Page `page` of the PDF rendered by `pdftoppm` as a grey PGM image, or None without pdftoppm."""
    program = tool("pdftoppm")
    if program is None:
        return None
    stem = folder / f"page{page}"
    subprocess.run([program, "-gray", "-r", "30", "-f", str(page), "-l", str(page), "-singlefile", str(path),
                    str(stem)], check=True)
    return (folder / f"page{page}.pgm").read_bytes()


def pgm(data: bytes) -> tuple:
    """(width, height, pixels) of a binary PGM image with 8-bit greys."""
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and depth == b"255"
    return int(width), int(height), pixels


def tool(name: str) -> str | None:
    """A poppler-utils or fontconfig program; None on a developer machine without it, a failure in CI."""
    path = shutil.which(name)
    if path is None and os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI: .ci/run installs poppler-utils and fontconfig")
    return path


def poppler(name: str) -> str:
    """A poppler-utils program the test cannot do without: skipped without it, a failure in CI."""
    path = tool(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def fonts(path) -> list:
    """`pdffonts` rows: (name, type, embedded) for every font of the PDF, or None without pdffonts."""
    program = tool("pdffonts")
    if program is None:
        return None
    lines = subprocess.run([program, str(path)], capture_output=True, check=True, text=True).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        fields = line.split()
        # name type [type …] encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append((fields[0], " ".join(fields[1:-6]), fields[-5] == "yes"))
    return rows


def chinese_font_names(rows, families) -> list:
    """The fonts of `rows` (`fonts`) that are one of `families` (installed fonts that cover Chinese,
    `cjkfonts.chinese_fonts`): a PDF names a font without spaces, after a subset tag
    (`BAAAAA+NotoSansCJKjp-Regular` for the family `Noto Sans CJK JP`)."""
    keys = {family.replace(" ", "").lower() for family in families}
    found = []
    for name, _, _ in rows:
        bare = name.split("+", 1)[-1].lower()
        if any(bare.startswith(key) for key in keys):
            found.append(name)
    return found


def word_box(path, word: str, page: int = 1) -> tuple | None:
    """(xMin, yMin, xMax, yMax) in points of the first word `word` on page `page`, as `pdftotext
    -bbox` places it; None without pdftotext or when the page has no such word."""
    program = tool("pdftotext")
    if program is None:
        return None
    html = subprocess.run([program, "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, check=True, text=True).stdout
    for match in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                             html):
        if match.group(5) == word:
            return tuple(float(match.group(number)) for number in range(1, 5))
    return None


def strokes_across(path, word: str, folder, dpi: int = 300) -> int | None:
    """The most strokes any pixel column crosses in `word` as `pdftoppm` renders the first page
    (runs of dark pixels down the column, over the word's box from `pdftotext -bbox`). None
    without poppler-utils or when the page does not have the word.

    A character no font has prints as an empty box (or as nothing): a column crosses at most its
    top and bottom, 2 strokes; a column down a Chinese character such as 表 or 量 crosses four
    or more."""
    box = word_box(path, word)
    program = tool("pdftoppm")
    if box is None or program is None:
        return None
    x0, y0, x1, y1 = (round(value * dpi / 72) for value in box)
    stem = folder / "word"
    subprocess.run([program, "-gray", "-r", str(dpi), "-x", str(x0), "-y", str(y0), "-W", str(x1 - x0),
                    "-H", str(y1 - y0), "-singlefile", str(path), str(stem)], check=True)
    width, height, pixels = pgm((folder / "word.pgm").read_bytes())
    most = 0
    for col in range(width):
        dark = [pixels[row * width + col] < 128 for row in range(height)]
        most = max(most, sum(1 for row in range(height) if dark[row] and (row == 0 or not dark[row - 1])))
    return most
