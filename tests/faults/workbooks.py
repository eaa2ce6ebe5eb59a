"""Inputs made on the fly for the fault tests: rosters, generated months, filled and damaged workbooks.

Workbooks are filled by editing the sheet XML of the package directly (a value written into the
cell a defined name points at), which is what a spreadsheet saves for a typed value, and takes
a fraction of a millisecond: the fault tests build hundreds of them.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from xlkpi.month.batch import generate_month
from xlkpi.workbook.layout import col_letter
from xlkpi.workbook.reader import WorkbookReader

HEADER = "工号,姓名,部门,岗位,考核人"
MONTH = "2026-11"


def write_roster(path, lines, header: str = HEADER, encoding: str = "utf-8") -> Path:
    """A CSV roster: the header, then `lines` (each a string `E1,张三,客服部,电话专员,李四`)."""
    path = Path(path)
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return path


def month_of(tmp_path, lines, *, month: str = MONTH, **options):
    """Generate `month` for a roster of `lines` under `tmp_path/out`; (month folder, report)."""
    roster = write_roster(tmp_path / "roster.csv", lines)
    report = generate_month(roster, month, tmp_path / "out", jobs=1, **options)
    return tmp_path / "out" / month, report


def names_of(path) -> dict:
    with WorkbookReader(path) as reader:
        return reader.defined_names()


def _cell_xml(ref: str, style: str, value, formula: str | None = None) -> str:
    style = f' s="{style}"' if style else ""
    body = f"<f>{escape(formula)}</f>" if formula is not None else ""
    if value is None:
        return f'<c r="{ref}"{style}>{body}</c>' if body else f'<c r="{ref}"{style}/>'
    if isinstance(value, str):
        if body:
            return f'<c r="{ref}"{style} t="str">{body}<v>{escape(value)}</v></c>'
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    return f'<c r="{ref}"{style}>{body}<v>{value!r}</v></c>'


def replace_member(path, name: str, content: bytes) -> None:
    """Replace one member of the package at `path` (all others kept as they are)."""
    source = Path(path).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, content if info.filename == name else old.read(info.filename))
    Path(path).write_bytes(out.getvalue())


def read_member(path, name: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(name)


def sheet_part(path, sheet: str) -> str:
    with WorkbookReader(path) as reader:
        return reader.sheets[sheet]


def fill(path, values: dict, *, formulas: dict | None = None, raw: dict | None = None) -> Path:
    """Type `values` (defined name → number or text) into the workbook at `path`; `formulas`: name →
    formula text (no cached value); `raw`: name → the cell's XML as it should stand (`{ref}` and
    `{style}` filled in)."""
    names = names_of(path)
    edits = {}
    for name, value in values.items():
        edits[name] = lambda ref, style, value=value: _cell_xml(ref, style, value)
    for name, formula in (formulas or {}).items():
        edits[name] = lambda ref, style, formula=formula: _cell_xml(ref, style, None, formula)
    for name, xml in (raw or {}).items():
        edits[name] = lambda ref, style, xml=xml: xml.format(ref=ref, style=style)
    by_sheet = {}
    for name, make in edits.items():
        sheet, row, col = names[name]
        by_sheet.setdefault(sheet, []).append((row, col, make))
    for sheet, cells in by_sheet.items():
        part = sheet_part(path, sheet)
        xml = read_member(path, part).decode("utf-8")
        for row, col, make in cells:
            ref = f"{col_letter(col)}{row + 1}"
            pattern = re.compile(rf'<c r="{ref}"(?: s="(\d+)")?(?:/>|>.*?</c>)')
            match = pattern.search(xml)
            assert match, f"{ref} not found in {part}"
            xml = xml[:match.start()] + make(ref, match.group(1) or "") + xml[match.end():]
        replace_member(path, part, xml.encode("utf-8"))
    return Path(path)


def fill_complete(path, form) -> Path:
    """Fill every input of `form` with a valid value (the first level or option, a small number)."""
    values = {}
    for spec in form.input_specs():
        if spec.kind in ("choice", "level", "rating"):
            values[spec.name] = spec.allowed[0]
        elif spec.role == "den":
            values[spec.name] = 10
        elif spec.role == "num":
            values[spec.name] = 5
        elif spec.percent:
            values[spec.name] = 0.5
        else:
            values[spec.name] = 1 if spec.low is None or spec.low <= 1 else spec.low
    return fill(path, values)


def inflate_bomb(path, part: str, size: int) -> None:
    """Replace `part` of the package at `path` with XML that inflates to about `size` bytes (a comment
    of spaces) from about size/1000 on disk: what a 1.4 MB file inflating to 1.5 GB is."""
    head = read_member(path, part)
    cut = head.find(b"</sheetData>")
    pad = b"<!--" + b" " * (1 << 20) + b"-->"
    piece = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = piece.compress(pad) + piece.flush(zlib.Z_SYNC_FLUSH)
    count = size // len(pad)
    start = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = start.compress(head[:cut]) + start.flush(zlib.Z_SYNC_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = end.compress(head[cut:]) + end.flush()
    raw = first + block * count + last
    crc = zlib.crc32(head[:cut])
    for _ in range(count):
        crc = zlib.crc32(pad, crc)
    crc = zlib.crc32(head[cut:], crc)
    usize = cut + count * len(pad) + len(head) - cut
    with zipfile.ZipFile(path) as package:
        members = [(info, package.read(info.filename)) for info in package.infolist() if info.filename != part]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for info, content in members:
            package.writestr(info.filename, content)
    # the bomb, appended by hand: a local header, the raw stream, and a central directory entry
    data = bytearray(Path(path).read_bytes())
    end_at = data.rfind(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack_from("<HIIH", data, end_at + 10)[0], *struct.unpack_from(
        "<II", data, end_at + 12)
    directory = bytes(data[cd_offset:cd_offset + cd_size])
    name = part.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 33, crc, len(raw), usize & 0xFFFFFFFF, len(name),
                        0) + name
    offset = cd_offset
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 33, crc, len(raw),
                          usize & 0xFFFFFFFF, len(name), 0, 0, 0, 0, 0, offset) + name
    body = bytes(data[:cd_offset]) + local + raw
    new_directory = directory + central
    tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries + 1, entries + 1, len(new_directory), len(body), 0)
    Path(path).write_bytes(body + new_directory + tail)
