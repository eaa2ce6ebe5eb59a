"""Reading a workbook's cells, formulas and defined names straight from its XML.

The collector needs, for a few dozen named cells, the value a clerk typed,
whether a formula is still there, and the cached result Excel saved. This
reader opens the package once and parses only the parts involved (workbook,
relationships, shared strings, the sheets asked for): about a millisecond a
workbook. It never writes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from .errors import XlkpiError

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^!'\s]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?[A-Z]{1,3}\$?\d+)?$")


class DamagedWorkbook(XlkpiError):
    """The file is not a readable Excel workbook (not a zip, or parts missing or broken)."""


@dataclass(frozen=True)
class Cell:
    """One cell: its value (None if empty), whether it holds a formula, and its type letter."""

    value: object
    formula: bool = False
    kind: str = ""


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def parse_ref(text: str):
    """`'电话专员'!$F$8` → ('电话专员', 7, 5); None if it is not a single-sheet cell reference."""
    match = _REF.match(text.strip())
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    return sheet, int(match.group(4)) - 1, column_index(match.group(3))


class WorkbookReader:
    """An open workbook package.

    Raises:
        DamagedWorkbook: not a zip, or the workbook parts are missing or not XML.
    """

    def __init__(self, path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            self._workbook = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError) as error:
            raise DamagedWorkbook(f"不是有效的 Excel 工作簿（{type(error).__name__}）。") from None
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{PKG_REL}Relationship")}
        self.sheets = {}
        for sheet in self._workbook.iter(f"{NS}sheet"):
            target = targets.get(sheet.get(f"{REL_NS}id"), "")
            target = target.lstrip("/")
            self.sheets[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
        self._strings = None
        self._cells = {}

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def defined_names(self) -> dict:
        """Workbook-level defined names → (sheet, row, col); names of ranges use their first cell."""
        names = {}
        for element in self._workbook.iter(f"{NS}definedName"):
            name = element.get("name", "")
            if name.startswith("_xlnm.") or element.get("localSheetId") is not None:
                continue
            ref = parse_ref(element.text or "")
            if ref is not None:
                names[name] = ref
        return names

    def strings(self) -> list:
        if self._strings is None:
            try:
                root = ElementTree.fromstring(self.zip.read("xl/sharedStrings.xml"))
            except KeyError:
                root = None
            except ElementTree.ParseError:
                raise DamagedWorkbook("共享字符串部件已损坏。") from None
            self._strings = [] if root is None else ["".join(t.text or "" for t in si.iter(f"{NS}t"))
                                                     for si in root.iter(f"{NS}si")]
        return self._strings

    def cells(self, sheet: str) -> dict:
        """Every non-empty cell of `sheet`: (row, col) → Cell.

        Raises:
            DamagedWorkbook: the sheet is missing or its XML is broken.
        """
        if sheet in self._cells:
            return self._cells[sheet]
        part = self.sheets.get(sheet)
        if part is None:
            raise DamagedWorkbook(f"找不到工作表 \"{sheet}\"。")
        try:
            root = ElementTree.fromstring(self.zip.read(part))
        except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, EOFError) as error:
            raise DamagedWorkbook(f"工作表 \"{sheet}\" 已损坏（{type(error).__name__}）。") from None
        cells = {}
        for row in root.iter(f"{NS}row"):
            for c in row.iter(f"{NS}c"):
                ref = c.get("r", "")
                split = len(ref.rstrip("0123456789"))
                key = (int(ref[split:]) - 1, column_index(ref[:split]))
                formula = c.find(f"{NS}f") is not None
                kind = c.get("t", "n")
                value = self._value(c, kind)
                if value is not None or formula:
                    cells[key] = Cell(value, formula, kind)
        self._cells[sheet] = cells
        return cells

    def _value(self, c, kind):
        if kind == "inlineStr":
            return "".join(t.text or "" for t in c.iter(f"{NS}t"))
        v = c.find(f"{NS}v")
        if v is None or v.text is None:
            return None
        text = v.text
        if kind == "s":
            strings = self.strings()
            index = int(text)
            return strings[index] if index < len(strings) else None
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return text == "1"
        try:
            return float(text)
        except ValueError:
            return text

    def cell(self, sheet: str, row: int, col: int) -> Cell:
        """One cell (an empty Cell if there is nothing there)."""
        return self.cells(sheet).get((row, col), Cell(None))

    def key_values(self, sheet: str) -> dict:
        """Column A → column B of a two-column sheet (the `_xlkpi` record)."""
        cells = self.cells(sheet)
        result = {}
        for (row, col), cell in cells.items():
            if col == 0 and cell.value is not None:
                other = cells.get((row, 1))
                result[str(cell.value)] = "" if other is None or other.value is None else _text(other.value)
        return result


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
