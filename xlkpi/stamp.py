"""Fast workbooks: render a form once per month, then stamp each employee into it.

A month's workbooks differ only in a few header strings (name, 工号, 部门,
考核人). `Template` renders the form once with placeholders, keeps each zip
member's deflated bytes, and for every employee substitutes the strings in the
three members that hold them (shared strings and two property parts),
compressing only those: about 0.1 ms of CPU per workbook instead of ~20 ms for
rendering it anew. The result is the workbook `render` would write, with the
same cells, names, validations and formulas.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

PLACEHOLDERS = {
    "name": "@@XLKPI-NAME@@",
    "employee_id": "@@XLKPI-EMPLOYEE-ID@@",
    "department": "@@XLKPI-DEPARTMENT@@",
    "appraiser": "@@XLKPI-APPRAISER@@",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as XlsxWriter stamps its members
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


def clean_text(text) -> str:
    """A header text as it may go into a cell: stripped, control characters removed."""
    return _CONTROL.sub("", str(text if text is not None else "")).strip()


def xml_text(text: str) -> bytes:
    """`text` escaped for an XML text node, with Excel's `_xHHHH_` escapes themselves escaped."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.encode("utf-8")


@dataclass
class _Member:
    name: bytes
    raw: bytes  # deflated bytes, reused when the member does not change
    crc: int
    size: int
    content: bytes | None  # the uncompressed bytes, kept only for members that get stamped

    @property
    def local(self) -> bytes:
        """The member as it stands in the package when it is not stamped: local header and data."""
        if self._local is None:
            self._local = _local_header(self.name, self.raw, self.crc, self.size) + self.raw
        return self._local

    _local: bytes | None = None


class Template:
    """One form's workbook for one month, ready to be stamped per employee.

    `tokens`: more byte strings (besides the header placeholders) that `stamp` may replace,
    given as its `extra` replacements; the members holding them are recompressed per stamp.
    """

    def __init__(self, data: bytes, tokens=()):
        self.members = []
        source = zipfile.ZipFile(io.BytesIO(data))
        tokens = [token.encode() for token in PLACEHOLDERS.values()] + [bytes(token) for token in tokens]
        for info in source.infolist():
            content = source.read(info.filename)
            stamped = any(token in content for token in tokens)
            raw = _deflate(content) if info.compress_type != zipfile.ZIP_DEFLATED else _raw_member(data, info)
            self.members.append(_Member(info.filename.encode("utf-8"), raw, info.CRC, info.file_size,
                                        content if stamped else None))

    @classmethod
    def build(cls, form, month: str, *, dialect: str = "native", password=None, values=None) -> Template:
        """Render `form` for `month` with placeholders in the employee's header fields."""
        from .render import Employee, render_bytes

        employee = Employee(PLACEHOLDERS["name"], PLACEHOLDERS["employee_id"], PLACEHOLDERS["department"],
                            month, PLACEHOLDERS["appraiser"])
        return cls(render_bytes(form, employee, dialect=dialect, password=password, values=values))

    def stamp(self, *, name: str, employee_id: str, department: str, appraiser: str = "", extra=()) -> bytes:
        """The workbook of one employee: the template with the header fields filled in.

        `extra`: (token, replacement) byte strings, replaced after the header fields; the
        tokens must have been given to the constructor."""
        replacements = [
            (PLACEHOLDERS["name"].encode(), xml_text(clean_text(name))),
            (PLACEHOLDERS["employee_id"].encode(), xml_text(clean_text(employee_id))),
            (PLACEHOLDERS["department"].encode(), xml_text(clean_text(department))),
            (PLACEHOLDERS["appraiser"].encode(), xml_text(clean_text(appraiser))),
            *extra,
        ]
        blocks = []
        central = []
        offset = 0
        for member in self.members:
            if member.content is None:
                block = member.local
                raw_size, crc, size = len(member.raw), member.crc, member.size
            else:
                content = member.content
                for token, value in replacements:
                    content = content.replace(token, value)
                raw = _deflate(content)
                raw_size, crc, size = len(raw), zlib.crc32(content), len(content)
                block = _local_header(member.name, raw, crc, size) + raw
            blocks.append(block)
            central.append(_central_entry(member.name, raw_size, crc, size, offset))
            offset += len(block)
        end = _END.pack(0x06054B50, 0, 0, len(central), len(central), sum(map(len, central)), offset, 0)
        return b"".join([*blocks, *central, end])


def _local_header(name: bytes, raw: bytes, crc: int, size: int) -> bytes:
    return _LOCAL.pack(0x04034B50, 20, 0, 8, 0, _DOS_DATE, crc, len(raw), size, len(name), 0) + name


def _central_entry(name: bytes, raw_size: int, crc: int, size: int, offset: int) -> bytes:
    return _CENTRAL.pack(0x02014B50, 20, 20, 0, 8, 0, _DOS_DATE, crc, raw_size, size, len(name), 0, 0, 0, 0, 0,
                         offset) + name


def zip_package(members) -> bytes:
    """A zip package of deflated members, each (name as bytes, deflated bytes, CRC-32, size)."""
    blocks = []
    central = []
    offset = 0
    for name, raw, crc, size in members:
        block = _local_header(name, raw, crc, size) + raw
        blocks.append(block)
        central.append(_central_entry(name, len(raw), crc, size, offset))
        offset += len(block)
    end = _END.pack(0x06054B50, 0, 0, len(central), len(central), sum(map(len, central)), offset, 0)
    return b"".join([*blocks, *central, end])


def package_members(data: bytes) -> list:
    """The members of a zip package as `zip_package` takes them: (name, deflated bytes, CRC-32, size);
    members stored uncompressed are deflated."""
    members = []
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        for info in source.infolist():
            if info.compress_type == zipfile.ZIP_DEFLATED:
                raw = _raw_member(data, info)
            else:
                raw = _deflate(source.read(info.filename))
            members.append((info.filename.encode("utf-8"), raw, info.CRC, info.file_size))
    return members


def _deflate(content: bytes) -> bytes:
    """Raw deflate, level 6. The window is the smallest that holds the whole content (plus zlib's
    look-ahead of 262 bytes): the same bytes as with the full 32 KB window, and for the small
    parts stamped per employee about half the time, most of which was setting up the window."""
    bits = 9
    while (1 << bits) < len(content) + 262 and bits < 15:
        bits += 1
    compressor = zlib.compressobj(6, zlib.DEFLATED, -bits)
    return compressor.compress(content) + compressor.flush()


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The deflated bytes of one member, read straight from the package."""
    header = _LOCAL.unpack_from(data, info.header_offset)
    start = info.header_offset + _LOCAL.size + header[9] + header[10]
    return data[start:start + info.compress_size]
