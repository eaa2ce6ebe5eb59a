"""Reading a workbook's cells, formulas and defined names straight from its XML.

The collector needs, for a few dozen named cells, the value a clerk typed,
whether a formula is still there, and the cached result Excel saved. This
reader reads the file once, inflates only the parts involved (workbook,
relationships, shared strings, the sheets asked for) and finds the cells with
a few regular expressions over the XML: about 0.2 ms a workbook. Parts that
are not written the plain way Excel, WPS, LibreOffice, openpyxl and
XlsxWriter write them (another encoding, namespace prefixes, comments,
CDATA, attributes in single quotes, unusual zip features) are read with the
full XML parser instead, with the same results; Strict Open XML workbooks too
(the same parts in other namespaces). It never writes.

Resources are bounded whatever a file holds: the file is mapped, not read, so
only the parts inflated take memory; a part that inflates past `MAX_PART` is
refused before it is inflated (`TooLarge`), and only small parts are remembered
between workbooks.

This module holds the reader and its cells: opening a file, finding and decoding
a sheet's cells, the `_xlkpi` record. The parts it stands on each have their own
module: the zip container (`zip_package`), plain XML and its fallbacks
(`plain_xml`), the workbook part with its sheets and defined names
(`workbook_part`) and the shared strings (`shared_strings`). Their names that
callers use (`MAX_PART`, the errors, `parse_ref`, `column_index`) are importable
from here too.
"""

from __future__ import annotations

import mmap
import os
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from ..base.errors import explain
from .layout import col_letter
from .plain_xml import (
    MAIN_XMLNS,
    NotPlain,
    child,
    decode_text,
    each,
    joined_texts,
    no_markup_sections,
    plain_root,
    texts,
    xstring,
)
from .shared_strings import SharedStrings
from .workbook_part import column_index, parse_ref, read_workbook_part
from .zip_package import MAX_PART, DamagedWorkbook, TooLarge, UnreadableFile, open_package, remember, remembered

__all__ = [
    "MAX_PART", "Cell", "DamagedCell", "DamagedWorkbook", "MissingSheet", "TooLarge", "UnreadableFile",
    "WorkbookReader", "column_index", "parse_ref",
]

_LAZY_FROM = 1 << 20  # sheets larger than this are searched cell by cell, not indexed whole
_ODD_CELL = re.compile(rb'<c(?:>|/>|\s(?!r="))')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_KIND = re.compile(rb'\st="([^"]*)"')
_V = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")
_KINDS = {b"s": "s", b"n": "n", b"str": "str", b"inlineStr": "inlineStr", b"b": "b", b"e": "e", b"d": "d"}


class MissingSheet(DamagedWorkbook):
    """A sheet named (by a defined name) that the workbook does not have."""

    def __init__(self, message: str, sheet: str):
        super().__init__(message)
        self.sheet = sheet


class DamagedCell(DamagedWorkbook):
    """One cell whose XML cannot be read (a shared-string index that is no number, or past the end)."""

    def __init__(self, message: str, sheet: str, cell: str):
        super().__init__(message)
        self.sheet, self.cell = sheet, cell


@dataclass(frozen=True)
class Cell:
    """One cell: its value (None if empty), whether it holds a formula, and its type letter."""

    value: object
    formula: bool = False
    kind: str = ""


_EMPTY = Cell(None)


_CHUNKS: dict = {}


def _decode_chunk(chunk: bytes):
    """A Cell, or (formula, index text) for a shared string; raises `NotPlain`."""
    quote = chunk.find(b'"')
    close = chunk.find(b">", quote)
    if quote < 0 or close < 0:
        raise NotPlain
    if chunk[close - 1] == 47:  # "/>": an empty cell
        attributes = chunk[quote + 1:close - 1]
        if b"inlineStr" not in attributes:
            return _EMPTY
        content = b""  # an empty inline string reads as "", as the XML parser gives it
    else:
        attributes = chunk[quote + 1:close]
        end = chunk.find(b"</c>", close)
        if end < 0:
            raise NotPlain
        content = chunk[close + 1:end]
    start = attributes.find(b' t="')
    kind = "n" if start < 0 else _KINDS.get(attributes[start + 4:attributes.find(b'"', start + 4)])
    if kind is None:
        kind = decode_text(_KIND.search(attributes).group(1))
    formula = b"<f" in content
    if kind == "inlineStr":
        return Cell(joined_texts(content), formula, kind)
    start = content.find(b"<v>")
    if start >= 0:
        end = content.find(b"</v>", start)
        if end < 0:
            raise NotPlain
        text = content[start + 3:end]
    else:
        found = _V.search(content)
        text = found.group(1) if found else b""
    if not text:
        value = None
    elif kind == "s":
        int(text)  # a ValueError as the XML parser's reading would give
        return formula, text
    elif kind == "n":
        try:
            value = float(text)
        except ValueError:
            value = decode_text(text)
    elif kind == "str":
        value = xstring(decode_text(text))
    elif kind == "e":
        value = decode_text(text)
    elif kind == "b":
        value = decode_text(text) == "1"
    else:
        value = decode_text(text)
        try:
            value = float(value)
        except ValueError:
            pass
    if value is None and not formula:
        return _EMPTY
    return Cell(value, formula, kind)


def _cell_ref(row: int, col: int) -> bytes:
    """(7, 5) → b"F8"."""
    ref = _REFS.get((row, col))
    if ref is None:
        ref = _REFS[(row, col)] = f"{col_letter(col)}{row + 1}".encode("ascii")
    return ref


_REFS: dict = {}


class WorkbookReader:
    """An open workbook package.

    Raises:
        DamagedWorkbook: not a zip, or the workbook parts are missing or not XML.
    """

    def __init__(self, path):
        self.path = path
        try:
            if hasattr(path, "read"):
                data = path.read()
            else:
                with open(path, "rb") as stream:
                    size = os.fstat(stream.fileno()).st_size
                    # mapped, not read: only the parts inflated are ever in memory
                    data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except OSError as error:
            raise UnreadableFile(f"无法读取此文件：{explain(error)}。") from None
        try:
            self.zip = open_package(data)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            if isinstance(data, mmap.mmap):
                data.close()
            raise DamagedWorkbook(f"{explain(error)}。") from None
        try:
            self.sheets, self._names = read_workbook_part(self.zip)
        except DamagedWorkbook:
            self.zip.close()
            raise
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError, ValueError) as error:
            self.zip.close()
            raise DamagedWorkbook(f"{explain(error)}。") from None
        self._shared = SharedStrings(self.zip)
        self._string = self._shared.string
        self._index = {}
        self._cells = {}

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def defined_names(self) -> dict:
        """Workbook-level defined names → (sheet, row, col); names of ranges use their first cell."""
        return dict(self._names)

    def strings(self) -> list:
        """Every shared string, in order."""
        return self._shared.strings()

    # ------------------------------------------------------------- cells
    def _sheet_index(self, sheet: str):
        """ref (b"F8") → (attributes, content) of every cell of `sheet` with content, or None when
        the sheet is not plain (then `cells` has parsed it)."""
        if sheet in self._index:
            return self._index[sheet]
        part = self.sheets.get(sheet)
        if part is None:
            raise MissingSheet(f"找不到工作表 \"{sheet}\"。", sheet)
        try:
            key = self.zip.raw_key(part)
            index = remembered(key)
            if index is not None:
                self._index[sheet] = index
                return index
            data = self.zip.read(part)
        except (KeyError, zipfile.BadZipFile, EOFError) as error:
            raise DamagedWorkbook(f"工作表 \"{sheet}\" 已损坏（{type(error).__name__}）。") from None
        index = None
        try:
            index = self._plain_cells(data) if len(data) <= _LAZY_FROM else _LazyIndex(data)
            if key is not None:
                remember(key, index, len(data))
        except NotPlain:
            self._cells[sheet] = self._tree_cells(sheet, data)
        self._index[sheet] = index
        return index

    @staticmethod
    def _plain_cells(data: bytes) -> dict:
        """ref (b"F8") → the sheet's XML from just after `<c r="` of that cell to the next cell."""
        data = plain_root(data, b"worksheet", MAIN_XMLNS)
        start = data.find(b"<sheetData")
        if start < 0:
            raise NotPlain
        end = data.find(b"</sheetData>", start)
        if end < 0:
            if data.startswith(b"<sheetData/>", start):
                return {}
            raise NotPlain
        body = no_markup_sections(data[start:end])
        if _ODD_CELL.search(body):
            raise NotPlain  # a cell without `r` as its first attribute
        chunks = body.split(b'<c r="')
        refs = _CELL_REF.findall(body)
        index = dict(zip(refs, chunks[1:]))
        if len(refs) != len(chunks) - 1 or len(index) != len(refs):
            raise NotPlain  # a malformed reference, or a cell given twice
        return index

    def _tree_cells(self, sheet: str, data: bytes) -> dict:
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as error:
            raise DamagedWorkbook(f"工作表 \"{sheet}\" 已损坏（{type(error).__name__}）。") from None
        cells = {}
        for c in each(root, "c"):
            ref = c.get("r", "")
            split = len(ref.rstrip("0123456789"))
            try:
                key = (int(ref[split:]) - 1, column_index(ref[:split]))
            except ValueError:
                raise DamagedWorkbook(f"工作表 \"{sheet}\" 已损坏（单元格位置 \"{ref}\" 无效）。") from None
            formula = child(c, "f") is not None
            kind = c.get("t", "n")
            try:
                value = self._tree_value(c, kind)
            except (ValueError, IndexError):
                v = child(c, "v")
                cells[key] = Cell(v.text if v is not None else "", formula, _BROKEN)
                continue
            if value is not None or formula:
                cells[key] = Cell(value, formula, kind)
        return cells

    def _tree_value(self, c, kind):
        if kind == "inlineStr":
            return texts(c)
        v = child(c, "v")
        if v is None or v.text is None:
            return None
        return self._typed(v.text, kind)

    def _typed(self, text: str, kind: str):
        if kind == "s":
            found = self._string(int(text))
            if found is None:
                raise IndexError(text)
            return found
        if kind == "str":
            return xstring(text)
        if kind == "e":
            return text
        if kind == "b":
            return text == "1"
        try:
            return float(text)
        except ValueError:
            return text

    def _plain_cell(self, chunk: bytes) -> Cell:
        """The Cell of one chunk of `_plain_cells`.

        A chunk's cell depends on its bytes alone, except for a shared string, whose text is
        this workbook's; and the chunks of a form's workbooks repeat (its formulas, the same
        levels typed), so what a chunk decodes to is kept and looked up."""
        decoded = _CHUNKS.get(chunk)
        if decoded is None:
            decoded = _decode_chunk(chunk)
            if len(chunk) <= 4096:
                if len(_CHUNKS) >= 50000:
                    _CHUNKS.clear()
                _CHUNKS[chunk] = decoded
        if decoded.__class__ is Cell:
            return decoded
        formula, text = decoded  # a shared string: its index
        value = self._string(int(text))
        if value is None:
            raise IndexError(text)  # past the end of the shared strings: not a blank
        return Cell(value, formula, "s")

    def cells(self, sheet: str) -> dict:
        """Every non-empty cell of `sheet`: (row, col) → Cell.

        Raises:
            DamagedWorkbook: the sheet is missing or its XML is broken.
        """
        if sheet in self._cells:
            return self._cells[sheet]
        index = self._sheet_index(sheet)
        if sheet in self._cells:
            return self._cells[sheet]
        cells = {}
        try:
            for ref, chunk in index.items():
                cell = self._plain_cell(chunk)
                if cell is not _EMPTY:
                    text = ref.decode("ascii")
                    split = len(text.rstrip("0123456789"))
                    cells[(int(text[split:]) - 1, column_index(text[:split]))] = cell
        except (NotPlain, ValueError, IndexError, UnicodeDecodeError):
            cells = self._reparse(sheet)
        self._cells[sheet] = cells
        return cells

    def _reparse(self, sheet: str) -> dict:
        self._index[sheet] = None
        return self._tree_cells(sheet, self.zip.read(self.sheets[sheet]))

    def cell(self, sheet: str, row: int, col: int) -> Cell:
        """One cell (an empty Cell if there is nothing there).

        Raises:
            MissingSheet: no such sheet.
            DamagedCell: the cell's XML cannot be read (a shared-string index that is no number,
                or past the end of the shared strings).
            DamagedWorkbook, TooLarge: the sheet cannot be read.
        """
        found = self._cell(sheet, row, col)
        if found.kind == _BROKEN:
            raise DamagedCell(f"单元格内容已损坏（共享字符串编号 \"{found.value}\" 无效），无法读出所填的值。",
                              sheet, f"{col_letter(col)}{row + 1}")
        return found

    def _cell(self, sheet: str, row: int, col: int) -> Cell:
        cells = self._cells.get(sheet)
        if cells is not None:
            return cells.get((row, col), _EMPTY)
        index = self._index.get(sheet)
        if index is None:
            index = self._sheet_index(sheet)
            if index is None:
                return self._cells[sheet].get((row, col), _EMPTY)
        ref = _REFS.get((row, col))
        found = index.get(ref if ref is not None else _cell_ref(row, col))
        if found is None:
            return _EMPTY
        decoded = _CHUNKS.get(found)
        if decoded.__class__ is Cell:  # the common case, `_plain_cell` without the call
            return decoded
        try:
            return self._plain_cell(found)
        except (NotPlain, ValueError, IndexError):
            self._cells[sheet] = self._reparse(sheet)
            return self._cells[sheet].get((row, col), _EMPTY)

    def key_values(self, sheet: str) -> dict:
        """Column A → column B of a two-column sheet (the `_xlkpi` record)."""
        index = self._sheet_index(sheet) if sheet not in self._cells else None
        if index is not None:
            try:
                result = {}
                for ref, chunk in index.items():
                    if ref[:1] == b"A" and ref[1:2].isdigit():
                        cell = self._plain_cell(chunk)
                        if cell.value is not None:
                            partner = index.get(b"B" + ref[1:])
                            other = _EMPTY if partner is None else self._plain_cell(partner)
                            result[str(cell.value)] = "" if other.value is None else _text_of(other.value)
                return result
            except (NotPlain, ValueError, IndexError):
                pass
        cells = self.cells(sheet)
        result = {}
        for (row, col), cell in cells.items():
            if col == 0 and cell.value is not None:
                other = cells.get((row, 1))
                result[str(cell.value)] = "" if other is None or other.value is None else _text_of(other.value)
        return result


_BROKEN = "broken"  # the kind of a cell the XML parser could not read


class _LazyIndex:
    """The `_plain_cells` index of a large sheet, searched for one cell at a time instead of split
    whole (a sheet of a million tiny cells would take hundreds of MB as an index)."""

    def __init__(self, data: bytes):
        data = plain_root(data, b"worksheet", MAIN_XMLNS)
        start = data.find(b"<sheetData")
        end = data.find(b"</sheetData>", start)
        if start < 0 or end < 0:
            raise NotPlain
        if data.find(b"<!--", start, end) >= 0 or data.find(b"<![CDATA[", start, end) >= 0:
            raise NotPlain
        self.data, self.start, self.end = data, start, end

    def get(self, ref: bytes, default=None):
        data = self.data
        at = data.find(b'<c r="' + ref + b'"', self.start, self.end)
        if at < 0:
            return default
        at += 6
        nxt = data.find(b'<c r="', at, self.end)
        return data[at:nxt if nxt >= 0 else self.end]

    def items(self):
        return WorkbookReader._plain_cells(self.data).items()


def _text_of(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
