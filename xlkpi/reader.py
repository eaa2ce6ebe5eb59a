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
"""

from __future__ import annotations

import io
import mmap
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from .errors import XlkpiError, explain
from .layout import col_letter

MAX_PART = 16 * 1024 * 1024  # inflated bytes of one part: an appraisal sheet is ~50 KB
_REMEMBER_UP_TO = 1 << 20  # parts larger than this are not remembered between workbooks
_LAZY_FROM = 1 << 20  # sheets larger than this are searched cell by cell, not indexed whole
STRICT_NS = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
STRICT_REL_NS = "{http://purl.oclc.org/ooxml/officeDocument/relationships}"

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^!'\s]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?[A-Z]{1,3}\$?\d+)?$")

_MAIN_XMLNS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_PKG_XMLNS = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
_R_XMLNS = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_ODD_CELL = re.compile(rb'<c(?:>|/>|\s(?!r="))')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_ATTR = re.compile(rb'([\w:.-]+)="([^"]*)"')
_KIND = re.compile(rb'\st="([^"]*)"')
_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_V = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")
_SHEET = re.compile(rb"<sheet\s([^>]*)>")
_DEFINED = re.compile(rb"<definedName\s([^>]*?)(?:/>|>([^<]*)</definedName>)")
_RELATIONSHIP = re.compile(rb"<Relationship\s([^>]*)>")
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_KINDS = {b"s": "s", b"n": "n", b"str": "str", b"inlineStr": "inlineStr", b"b": "b", b"e": "e", b"d": "d"}
_ENCODING = re.compile(rb'^<\?xml[^>]*?encoding="([^"]*)"')
_XESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


class DamagedWorkbook(XlkpiError):
    """The file is not a readable Excel workbook (not a zip, or parts missing or broken)."""

    code = "damaged-file"


class UnreadableFile(DamagedWorkbook):
    """The operating system would not let the file be read (permissions, a folder, a lock)."""

    code = "unreadable-file"


class TooLarge(DamagedWorkbook):
    """A part of the package inflates past `MAX_PART`: refused before it is inflated."""

    code = "too-large"


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


def _too_large(name: str, size: int) -> TooLarge:
    return TooLarge(f"工作簿中的部件 {name} 解压后有 {size / 1048576:.0f} MB 以上，超过考核表的合理大小"
                    f"（{MAX_PART // 1048576} MB）：文件可能已损坏，或被放进了大量数据。此文件未读取；"
                    "请打开检查，删去多余内容后另存。")


class _NotPlain(Exception):
    """A part (or the package) is not written the plain way: read it with the full parser."""


@dataclass(frozen=True)
class Cell:
    """One cell: its value (None if empty), whether it holds a formula, and its type letter."""

    value: object
    formula: bool = False
    kind: str = ""


_EMPTY = Cell(None)


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


# ----------------------------------------------------------------- the zip package
class _Package:
    """A zip package in memory, its central directory read once; members inflated on demand.

    Raises `_NotPlain` for anything but a plain single-disk zip of stored or
    deflated, unencrypted members (zipfile reads those, and reports damage)."""

    def __init__(self, data: bytes):
        self.data = data
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
        if end < 0 or end + _END.size > len(data):
            raise _NotPlain
        _, disk, cd_disk, on_disk, count, cd_size, cd_offset, _ = _END.unpack_from(data, end)
        if disk or cd_disk or on_disk != count or cd_offset + cd_size != end:
            raise _NotPlain
        self.members = {}
        position = cd_offset
        for _ in range(count):
            if position + _CENTRAL.size > end:
                raise _NotPlain
            fields = _CENTRAL.unpack_from(data, position)
            flags, method, crc, csize, usize, name_length = fields[3], fields[4], fields[7], fields[8], \
                fields[9], fields[10]
            offset = fields[16]
            if fields[0] != 0x02014B50 or flags & 1 or method not in (0, 8) or \
                    0xFFFFFFFF in (csize, usize, offset):
                raise _NotPlain
            raw_name = data[position + 46:position + 46 + name_length]
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            self.members[name] = (offset, csize, usize, method, crc)
            position += 46 + name_length + fields[11] + fields[12]

    def read(self, name: str) -> bytes:
        """The member's bytes. Raises KeyError (no such member) or zipfile.BadZipFile."""
        offset, csize, usize, method, crc = self.members[name]
        data = self.data
        if offset + _LOCAL.size > len(data):
            raise zipfile.BadZipFile(f"Truncated file header for {name!r}")
        header = _LOCAL.unpack_from(data, offset)
        if header[0] != 0x04034B50:
            raise zipfile.BadZipFile("Bad magic number for file header")
        start = offset + _LOCAL.size + header[9] + header[10]
        if usize > MAX_PART or (method == 0 and csize > MAX_PART):
            raise _too_large(name, max(usize, csize))
        raw = data[start:start + csize]
        if len(raw) != csize:
            raise zipfile.BadZipFile(f"Truncated member {name!r}")
        try:
            if method == 8:
                inflater = zlib.decompressobj(-15)
                content = inflater.decompress(raw, MAX_PART + 1)
                if len(content) > MAX_PART:  # the size the directory gives was a lie
                    raise _too_large(name, len(content))
            else:
                content = raw
        except zlib.error:
            raise zipfile.BadZipFile(f"Bad compressed data for {name!r}") from None
        if len(content) != usize or zlib.crc32(content) != crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
        return content

    def raw_key(self, name: str):
        """What determines a member's bytes without inflating it: (method, CRC-32, size, compressed
        bytes). Raises KeyError for no such member."""
        offset, csize, usize, method, crc = self.members[name]
        data = self.data
        if offset + _LOCAL.size > len(data):
            return None
        header = _LOCAL.unpack_from(data, offset)
        start = offset + _LOCAL.size + header[9] + header[10]
        return method, crc, usize, data[start:start + csize]

    def close(self):
        if isinstance(self.data, mmap.mmap):
            self.data.close()


class _ZipPackage:
    """The same interface over `zipfile`, for packages `_Package` does not read."""

    def __init__(self, data):
        self.data = data
        self.zip = zipfile.ZipFile(data if isinstance(data, mmap.mmap) else io.BytesIO(data))

    def read(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        if info.file_size > MAX_PART:
            raise _too_large(name, info.file_size)
        with self.zip.open(info) as member:
            content = member.read(MAX_PART + 1)
        if len(content) > MAX_PART:
            raise _too_large(name, len(content))
        return content

    def raw_key(self, name: str):
        self.zip.getinfo(name)  # KeyError for no such member
        return None

    def close(self):
        self.zip.close()
        if isinstance(self.data, mmap.mmap):
            self.data.close()


def _open_package(data):
    try:
        return _Package(data)
    except (_NotPlain, struct.error, UnicodeDecodeError):
        return _ZipPackage(data)


def _local(tag: str) -> str:
    """An element's or attribute's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _each(root, name: str):
    """Every element named `name` under `root`, in either namespace (transitional or Strict)."""
    return (element for element in root.iter() if _local(element.tag) == name)


def _child(element, name: str):
    return next((child for child in element if _local(child.tag) == name), None)


def _texts(element) -> str:
    """The joined text of every `<t>` under `element` (rich text and phonetic runs alike), unescaped."""
    return "".join(_xstring(t.text or "") for t in _each(element, "t"))


# ----------------------------------------------------------------- plain XML
def _plain_root(data: bytes, tag: bytes, xmlns: bytes) -> bytes:
    """The XML with its root tag checked: UTF-8, `tag` with `xmlns` as default namespace, no
    DOCTYPE. Raises `_NotPlain` otherwise."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _ENCODING.match(data)
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        raise _NotPlain
    start = data.find(b"<" + tag)
    if start < 0:
        raise _NotPlain
    end = data.find(b">", start)
    if end < 0 or xmlns not in data[start:end] or b"<!" in data[:start]:
        raise _NotPlain
    return data


def _no_markup_sections(data: bytes) -> bytes:
    """`data`, if it holds no comments and no CDATA sections; raises `_NotPlain` otherwise."""
    if b"<!--" in data or b"<![CDATA[" in data:
        raise _NotPlain
    return data


def _entity(match) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _ENTITIES[name]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def _text(raw: bytes) -> str:
    """An XML text node's characters: decoded, entities replaced, line ends normalised."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotPlain from None
    if "&" in text:
        ampersands = text.count("&")
        text, count = _ENTITY.subn(_entity, text)
        if count != ampersands:
            raise _NotPlain
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _xchar(match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # half a surrogate pair: kept as typed


def _xstring(text: str) -> str:
    """A cell text with Excel's `_xHHHH_` escapes decoded (ECMA-376 ST_Xstring), left to right:
    `_x000D_` is a carriage return, `_x005F_x0041_` is the text `_x0041_`."""
    return _XESCAPE.sub(_xchar, text) if "_x" in text else text


def _attributes(raw: bytes) -> dict:
    """Attribute name → value of one tag (values as the XML parser gives them)."""
    result = {}
    for name, value in _ATTR.findall(raw):
        value = _text(value)
        if "\n" in value or "\t" in value:
            value = value.replace("\n", " ").replace("\t", " ")
        result[name.decode("ascii")] = value
    if raw.count(b"=") != len(result):
        raise _NotPlain
    return result


def _joined_texts(content: bytes) -> str:
    """The text of every `<t>` inside `content`, joined (rich text runs and phonetic runs alike),
    its `_xHHHH_` escapes decoded."""
    found = _TEXTS.get(content)
    if found is None:
        if content.startswith(b"<t>") and content.endswith(b"</t>") and content.count(b"<") == 2:
            found = _xstring(_text(content[3:-4]))
        else:
            found = "".join(_xstring(_text(raw)) for raw in _T.findall(content))
        if len(content) <= 4096:
            if len(_TEXTS) >= 4096:
                _TEXTS.clear()
            _TEXTS[content] = found
    return found


_TEXTS: dict = {}  # the texts of a month's labels repeat in every workbook of a form


_CHUNKS: dict = {}


def _decode_chunk(chunk: bytes):
    """A Cell, or (formula, index text) for a shared string; raises `_NotPlain`."""
    quote = chunk.find(b'"')
    close = chunk.find(b">", quote)
    if quote < 0 or close < 0:
        raise _NotPlain
    if chunk[close - 1] == 47:  # "/>": an empty cell
        attributes = chunk[quote + 1:close - 1]
        if b"inlineStr" not in attributes:
            return _EMPTY
        content = b""  # an empty inline string reads as "", as the XML parser gives it
    else:
        attributes = chunk[quote + 1:close]
        end = chunk.find(b"</c>", close)
        if end < 0:
            raise _NotPlain
        content = chunk[close + 1:end]
    start = attributes.find(b' t="')
    kind = "n" if start < 0 else _KINDS.get(attributes[start + 4:attributes.find(b'"', start + 4)])
    if kind is None:
        kind = _text(_KIND.search(attributes).group(1))
    formula = b"<f" in content
    if kind == "inlineStr":
        return Cell(_joined_texts(content), formula, kind)
    start = content.find(b"<v>")
    if start >= 0:
        end = content.find(b"</v>", start)
        if end < 0:
            raise _NotPlain
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
            value = _text(text)
    elif kind == "str":
        value = _xstring(_text(text))
    elif kind == "e":
        value = _text(text)
    elif kind == "b":
        value = _text(text) == "1"
    else:
        value = _text(text)
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


_WORKBOOKS: dict = {}

# parts already read, by their compressed bytes: a month's workbooks of one form share the
# workbook part and, until filled in, their sheets; what was read from them is only looked up
_RAW_PARTS: dict = {}


def _remember(key, value, size: int):
    if size > _REMEMBER_UP_TO:
        return
    if len(_RAW_PARTS) >= 64:
        _RAW_PARTS.clear()
    _RAW_PARTS[key] = value


def _cell_names(names) -> dict:
    """The workbook-level names of single cells (or ranges, by their first cell) → (sheet, row, col)."""
    found = {}
    for name, local, text in names:
        if name.startswith("_xlnm.") or local is not None:
            continue
        ref = parse_ref(text)
        if ref is not None:
            found[name] = ref
    return found


def _workbook_key(workbook: bytes, rels: bytes):
    """What the sheet list and the names of a workbook depend on: the `<sheets>` and
    `<definedNames>` elements, the root tag (namespaces) and the relationships; None if not found."""
    parts = []
    for start_tag, end_tag in ((b"<workbook", b">"), (b"<sheets>", b"</sheets>"),
                               (b"<definedNames>", b"</definedNames>")):
        start = workbook.find(start_tag)
        end = workbook.find(end_tag, start)
        if start < 0 or end < 0:
            if start_tag == b"<definedNames>" and start < 0:
                parts.append(b"")
                continue
            return None
        parts.append(workbook[start:end])
    head = workbook[:workbook.find(b"<workbook")]
    if b"<!" in workbook:
        return None
    return (head, *parts, rels)


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
            self.zip = _open_package(data)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            if isinstance(data, mmap.mmap):
                data.close()
            raise DamagedWorkbook(f"{explain(error)}。") from None
        try:
            key = (self.zip.raw_key("xl/workbook.xml"), self.zip.raw_key("xl/_rels/workbook.xml.rels"))
            found = _RAW_PARTS.get(key) if None not in key else None
            if found is None:
                workbook = self.zip.read("xl/workbook.xml")
                rels = self.zip.read("xl/_rels/workbook.xml.rels")
                found = self._read_workbook(workbook, rels)
                if None not in key:
                    _remember(key, found, len(workbook) + len(rels))
            sheets, self._names = found
        except DamagedWorkbook:
            self.zip.close()
            raise
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError, ValueError) as error:
            self.zip.close()
            raise DamagedWorkbook(f"{explain(error)}。") from None
        self.sheets = {}
        for name, target in sheets:
            target = target.lstrip("/")
            self.sheets[name] = target if target.startswith("xl/") else f"xl/{target}"
        self._strings = None
        self._string_parts = None
        self._index = {}
        self._cells = {}

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------- workbook part
    def _read_workbook(self, workbook: bytes, rels: bytes):
        """([(sheet name, target)], {defined name: (sheet, row, col)}).

        A month's workbooks of one form share their sheet list, names and relationships, so the
        parsed result is kept, keyed by those bytes, and the next workbook only looks it up."""
        key = _workbook_key(workbook, rels)
        if key is not None:
            found = _WORKBOOKS.get(key)
            if found is not None:
                return found
        try:
            sheets, names = self._read_workbook_plain(workbook, rels)
        except _NotPlain:
            sheets, names = self._read_workbook_tree(workbook, rels)
        result = sheets, _cell_names(names)
        if key is not None and len(workbook) <= _REMEMBER_UP_TO:
            if len(_WORKBOOKS) >= 256:
                _WORKBOOKS.clear()
            _WORKBOOKS[key] = result
        return result

    @staticmethod
    def _read_workbook_plain(workbook: bytes, rels: bytes):
        workbook = _no_markup_sections(_plain_root(workbook, b"workbook", _MAIN_XMLNS))
        rels = _no_markup_sections(_plain_root(rels, b"Relationships", _PKG_XMLNS))
        targets = {}
        found = _RELATIONSHIP.findall(rels)
        if len(found) != rels.count(b"<Relationship "):
            raise _NotPlain
        for raw in found:
            attributes = _attributes(raw.rstrip(b"/"))
            targets[attributes.get("Id")] = attributes.get("Target")
        found = _SHEET.findall(workbook)
        if len(found) != workbook.count(b"<sheet ") or found and _R_XMLNS not in workbook:
            raise _NotPlain
        sheets = []
        for raw in found:
            attributes = _attributes(raw.rstrip(b"/"))
            if "name" not in attributes or "r:id" not in attributes:
                raise _NotPlain
            sheets.append((attributes["name"], targets.get(attributes["r:id"]) or ""))
        found = _DEFINED.findall(workbook)
        if len(found) != workbook.count(b"<definedName "):
            raise _NotPlain
        names = []
        for raw, text in found:
            attributes = _attributes(raw)
            names.append((attributes.get("name", ""), attributes.get("localSheetId"), _text(text)))
        return sheets, names

    @staticmethod
    def _read_workbook_tree(workbook: bytes, rels: bytes):
        root = ElementTree.fromstring(workbook)
        rels = ElementTree.fromstring(rels)
        targets = {rel.get("Id"): rel.get("Target") for rel in _each(rels, "Relationship")}
        sheets = [(sheet.get("name"), targets.get(sheet.get(f"{REL_NS}id") or sheet.get(f"{STRICT_REL_NS}id"), "")
                   or "") for sheet in _each(root, "sheet")]
        names = [(element.get("name", ""), element.get("localSheetId"), element.text or "")
                 for element in _each(root, "definedName")]
        return sheets, names

    def defined_names(self) -> dict:
        """Workbook-level defined names → (sheet, row, col); names of ranges use their first cell."""
        return dict(self._names)

    # ------------------------------------------------------------- shared strings
    def strings(self) -> list:
        """Every shared string, in order."""
        if self._strings is None:
            parts = self._shared_parts()
            self._strings = [self._string(index) for index in range(len(parts))]
        return self._strings

    def _shared_parts(self):
        if self._string_parts is None:
            try:
                data = self.zip.read("xl/sharedStrings.xml")
            except KeyError:
                self._string_parts = []
                return self._string_parts
            except (zipfile.BadZipFile, EOFError):
                raise DamagedWorkbook("共享字符串部件已损坏。") from None
            try:
                data = _no_markup_sections(_plain_root(data, b"sst", _MAIN_XMLNS))
                if b"<si/>" in data or b"<si " in data:
                    raise _NotPlain
                self._string_parts = data.split(b"<si>")[1:]  # each: the item, "</si>" and what follows
            except _NotPlain:
                try:
                    root = ElementTree.fromstring(data)
                except ElementTree.ParseError:
                    raise DamagedWorkbook("共享字符串部件已损坏。") from None
                self._string_parts = [_texts(si) for si in _each(root, "si")]
        return self._string_parts

    def _string(self, index: int):
        parts = self._string_parts
        if parts is None:
            parts = self._shared_parts()
        if index >= len(parts):
            return None
        part = parts[index]
        if isinstance(part, bytes):
            try:
                end = part.find(b"</si>")
                if end < 0:
                    raise _NotPlain
                part = _joined_texts(part[:end])
            except _NotPlain:
                self._string_parts = None
                self._strings = None
                return self._string_from_tree(index)
            parts[index] = part
        return part

    def _string_from_tree(self, index: int):
        data = self.zip.read("xl/sharedStrings.xml")
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError:
            raise DamagedWorkbook("共享字符串部件已损坏。") from None
        self._string_parts = [_texts(si) for si in _each(root, "si")]
        return self._string_parts[index] if index < len(self._string_parts) else None

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
            index = _RAW_PARTS.get(key) if key is not None else None
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
                _remember(key, index, len(data))
        except _NotPlain:
            self._cells[sheet] = self._tree_cells(sheet, data)
        self._index[sheet] = index
        return index

    @staticmethod
    def _plain_cells(data: bytes) -> dict:
        """ref (b"F8") → the sheet's XML from just after `<c r="` of that cell to the next cell."""
        data = _plain_root(data, b"worksheet", _MAIN_XMLNS)
        start = data.find(b"<sheetData")
        if start < 0:
            raise _NotPlain
        end = data.find(b"</sheetData>", start)
        if end < 0:
            if data.startswith(b"<sheetData/>", start):
                return {}
            raise _NotPlain
        body = _no_markup_sections(data[start:end])
        if _ODD_CELL.search(body):
            raise _NotPlain  # a cell without `r` as its first attribute
        chunks = body.split(b'<c r="')
        refs = _CELL_REF.findall(body)
        index = dict(zip(refs, chunks[1:]))
        if len(refs) != len(chunks) - 1 or len(index) != len(refs):
            raise _NotPlain  # a malformed reference, or a cell given twice
        return index

    def _tree_cells(self, sheet: str, data: bytes) -> dict:
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as error:
            raise DamagedWorkbook(f"工作表 \"{sheet}\" 已损坏（{type(error).__name__}）。") from None
        cells = {}
        for c in _each(root, "c"):
            ref = c.get("r", "")
            split = len(ref.rstrip("0123456789"))
            try:
                key = (int(ref[split:]) - 1, column_index(ref[:split]))
            except ValueError:
                raise DamagedWorkbook(f"工作表 \"{sheet}\" 已损坏（单元格位置 \"{ref}\" 无效）。") from None
            formula = _child(c, "f") is not None
            kind = c.get("t", "n")
            try:
                value = self._tree_value(c, kind)
            except (ValueError, IndexError):
                v = _child(c, "v")
                cells[key] = Cell(v.text if v is not None else "", formula, _BROKEN)
                continue
            if value is not None or formula:
                cells[key] = Cell(value, formula, kind)
        return cells

    def _tree_value(self, c, kind):
        if kind == "inlineStr":
            return _texts(c)
        v = _child(c, "v")
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
            return _xstring(text)
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
        except (_NotPlain, ValueError, IndexError, UnicodeDecodeError):
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
        except (_NotPlain, ValueError, IndexError):
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
            except (_NotPlain, ValueError, IndexError):
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
        data = _plain_root(data, b"worksheet", _MAIN_XMLNS)
        start = data.find(b"<sheetData")
        end = data.find(b"</sheetData>", start)
        if start < 0 or end < 0:
            raise _NotPlain
        if data.find(b"<!--", start, end) >= 0 or data.find(b"<![CDATA[", start, end) >= 0:
            raise _NotPlain
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
