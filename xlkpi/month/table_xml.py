"""Table rows written as sheet XML straight into an XlsxWriter package: the summary's fast path.

Through its public API XlsxWriter takes several microseconds a cell; a month of 10,000
employees and their problems is half a million to a million cells, 7–10 s on this project's
machine. Here XlsxWriter writes everything but the tables' rows (styles, widths, filters, page
setup, charts, each table's header); then the rows are written as sheet XML (numbers, and texts
added to XlsxWriter's shared strings, in the columns' styles) and streamed into the sheet's
compressed part, a block of rows at a time: the same workbook, about seven times faster
(benchmarks/run.py times the summary both ways).

It depends on how XlsxWriter lays out its package (the shared strings' counts, `sheetData`,
`<dimension>`) and on its private `Format._get_xf_index()`, so it is used only with the XlsxWriter
releases it was checked against (`VERIFIED`): tests/test_summary_fast.py compares its output
with the public API's, cell by cell and style by style, and fails on any other release, so that
an upgrade is checked by the tests, not met on a clerk's machine. With another release the
summary is written through XlsxWriter's public API only.
"""

from __future__ import annotations

import io
import math
import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import xlsxwriter

from ..workbook.layout import col_letter
from ..workbook.reader import WorkbookReader
from ..workbook.stamp import package_members, zip_package

VERIFIED = ("3.3.1",)  # the XlsxWriter releases this module's output was checked against


def available() -> bool:
    """Whether the installed XlsxWriter is one the fast path was checked against."""
    return xlsxwriter.__version__ in VERIFIED


ROWS_PER_BLOCK = 500  # rows deflated at a time
TEXTS_PER_BLOCK = 2000
MAX_STRING = 32767
_ESCAPED = re.compile(r"_(?=x[0-9a-fA-F]{4}_)")  # overlapping ones too: `_x0009_x000A_` has two
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_MARKUP = re.compile(r"[&<>\x00-\x1f\ufffe\uffff]|_x")
_COUNT = re.compile(rb'\bcount="(\d+)"')
_UNIQUE = re.compile(rb'\buniqueCount="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')


def _si_xml(text: str) -> str:
    """A shared string's `<si>`, truncated and escaped as XlsxWriter writes it (control characters
    as `_xHHHH_`, a literal `_xHHHH_` kept by escaping its underscore)."""
    if len(text) > MAX_STRING // 2 and len(text.encode("utf-16-le")) // 2 > MAX_STRING:
        text = text.encode("utf-16-le")[:MAX_STRING * 2].decode("utf-16-le", "ignore")
    if _MARKUP.search(text):
        text = _ESCAPED.sub("_x005F_", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<si><t xml:space="preserve">{text}</t></si>'
    return f"<si><t>{text}</t></si>"


class _Strings:
    """The shared strings the tables' rows add after XlsxWriter's own."""

    def __init__(self):
        self.first = 0  # how many XlsxWriter wrote
        self.index = {}  # text → its index
        self.references = 0

    def __call__(self, text: str) -> int:
        self.references += 1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = self.first + len(self.index)
        return found


class Body:
    """The rows of one table, written into its sheet's XML when the workbook is packed.

    first_row: the table's header row (0-based); rows: a sized iterable of rows of values;
    styles: per column, the style numbers (XlsxWriter's xf index) of its texts and of its numbers;
    heights: None, or a function of a row's values giving its height in pixels (None: the default),
    written as XlsxWriter's `set_row_pixels` writes it."""

    def __init__(self, first_row: int, rows, styles, heights=None):
        self.first_row = first_row
        self.columns = len(styles)
        self.rows = rows
        self.count = len(rows)
        self.styles = styles
        self.heights = heights

    def xml_blocks(self, strings: _Strings):
        """The rows' XML, a block of rows at a time."""
        columns = [(col_letter(col), text, number) for col, (text, number) in enumerate(self.styles)]
        block = []
        row = self.first_row + 1  # 1-based, the header's row
        heights = self.heights
        for values in self.rows:
            row += 1
            pixels = heights(values) if heights is not None else None
            cells = [f'<row r="{row}" ht="{pixels * 0.75:.16g}" customHeight="1">' if pixels else f'<row r="{row}">']
            for (letter, text, number), value in zip(columns, values):
                kind = value.__class__
                if kind is str:
                    cells.append(f'<c r="{letter}{row}" s="{text}" t="s"><v>{strings(value)}</v></c>')
                elif value is None or isinstance(value, float) and value != value:
                    cells.append(f'<c r="{letter}{row}" s="{text}"/>')
                elif kind is bool:
                    cells.append(f'<c r="{letter}{row}" s="{text}" t="s"><v>{strings("是" if value else "否")}</v></c>')
                elif isinstance(value, (int, float)):
                    if math.isinf(value):
                        raise TypeError("NAN/INF not supported in write_number()")
                    cells.append(f'<c r="{letter}{row}" s="{number}"><v>{value:.16G}</v></c>')
                else:
                    cells.append(f'<c r="{letter}{row}" s="{text}" t="s"><v>{strings(str(value))}</v></c>')
            cells.append("</row>")
            block.append("".join(cells))
            if len(block) >= ROWS_PER_BLOCK:
                yield "".join(block).encode("utf-8")
                block = []
        if block:
            yield "".join(block).encode("utf-8")


def splice(data: bytes, bodies: dict) -> bytes:
    """XlsxWriter's package `data` with the rows of `bodies` (sheet name → `Body`) in their sheets."""
    parts = {part: name for name, part in WorkbookReader(io.BytesIO(data)).sheets.items()}
    members = package_members(data)
    shared = next((index for index, member in enumerate(members) if member[0] == b"xl/sharedStrings.xml"), None)
    if shared is None:  # every table has a header row of text, so XlsxWriter always writes them
        raise RuntimeError("the workbook has no shared strings part")
    strings_xml = zlib.decompress(members[shared][1], -15)
    strings = _Strings()
    strings.first = int(_UNIQUE.search(strings_xml).group(1))
    for index, (name, raw, crc, size) in enumerate(members):
        sheet = parts.get(name.decode("utf-8"))
        if sheet in bodies:
            members[index] = (name, *_with_rows(zlib.decompress(raw, -15), bodies[sheet], strings))
    members[shared] = (members[shared][0], *_with_strings(strings_xml, strings))
    del strings, strings_xml  # not held while the package is made
    return zip_package(_handed_over(members))


def _with_strings(xml: bytes, strings: _Strings):
    """XlsxWriter's shared strings with the rows' strings appended: (deflated, CRC-32, size)."""
    total = int(_COUNT.search(xml).group(1)) + strings.references
    unique = strings.first + len(strings.index)
    xml = _COUNT.sub(f'count="{total}"'.encode(), xml, count=1)
    xml = _UNIQUE.sub(f'uniqueCount="{unique}"'.encode(), xml, count=1)
    split = xml.rindex(b"</sst>")
    return _deflated(_chain([xml[:split]], _si_blocks(strings.index), [xml[split:]]))


def _si_blocks(texts):
    """The `<si>` of each text, UTF-8, a block of texts at a time."""
    block = []
    for text in texts:
        block.append(_si_xml(text))
        if len(block) >= TEXTS_PER_BLOCK:
            yield "".join(block).encode("utf-8")
            block = []
    yield "".join(block).encode("utf-8")


def _with_rows(xml: bytes, body: Body, strings: _Strings):
    """The sheet's XML with the body's rows before `</sheetData>` and its dimension widened:
    (deflated bytes, CRC-32, size)."""
    last_row = body.first_row + body.count + 1
    match = _DIMENSION.search(xml)
    if match:
        first_col, first_row = match.group(1).decode("ascii"), match.group(2).decode("ascii")
        end_col = (match.group(3) or match.group(1)).decode("ascii")
        end_row = int(match.group(4) or first_row)
        columns = max(_column_number(end_col), body.columns)
        dimension = f'<dimension ref="{first_col}{first_row}:{col_letter(columns - 1)}{max(end_row, last_row)}"/>'
        xml = xml[:match.start()] + dimension.encode("ascii") + xml[match.end():]
    split = xml.rindex(b"</sheetData>")
    return _deflated(_chain([xml[:split]], body.xml_blocks(strings), [xml[split:]]))


def _deflated(chunks):
    """Deflate the chunks as they come: (deflated bytes, CRC-32, size). zlib lets go of the
    interpreter while it compresses, so a thread compresses each chunk while the next is made;
    at level 1, which makes the file a third larger than level 6 in a third of the time."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    state = {"crc": 0, "size": 0}

    def compress(chunk: bytes) -> bytes:
        state["crc"] = zlib.crc32(chunk, state["crc"])
        state["size"] += len(chunk)
        return compressor.compress(chunk)

    out = []
    with ThreadPoolExecutor(1) as thread:
        pending = []
        for chunk in chunks:
            pending.append(thread.submit(compress, chunk))
            while len(pending) > 2:
                out.append(pending.pop(0).result())
        out.extend(future.result() for future in pending)
    out.append(compressor.flush())
    return b"".join(out), state["crc"], state["size"]


def _handed_over(members: list):
    """The members, each let go by the list as it is handed over: `zip_package` copies each one into
    the package, and does not copy one while the list holds every member too."""
    members.reverse()
    while members:
        yield members.pop()


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number
