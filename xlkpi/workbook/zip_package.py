"""The zip container of a workbook, mapped and bounded.

`open_package` reads a package's central directory once and inflates members on demand: a
plain single-disk zip of stored or deflated, unencrypted members is read by hand (`_Package`,
checked against the sizes and CRC-32 the directory gives), anything else through `zipfile`
(`_ZipPackage`, which reports damage). Both refuse a member that inflates past `MAX_PART`
(`TooLarge`) before inflating it, and give a member's `raw_key` (what its bytes depend on,
without inflating it), by which what was read from small parts is remembered between
workbooks (`remembered`, `remember`).

It knows no XML and no workbook: what a member means is the caller's. `_Package` reads the
directory with `struct` instead of `zipfile` because it is on collect's hot path (about 0.2 ms
a workbook, see `reader`); every other zip is left to `zipfile`.
"""

from __future__ import annotations

import io
import mmap
import struct
import zipfile
import zlib

from ..base.errors import XlkpiError

MAX_PART = 16 * 1024 * 1024  # inflated bytes of one part: an appraisal sheet is ~50 KB
REMEMBER_UP_TO = 1 << 20  # parts larger than this are not remembered between workbooks

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


def _too_large(name: str, size: int) -> TooLarge:
    return TooLarge(f"工作簿中的部件 {name} 解压后有 {size / 1048576:.0f} MB 以上，超过考核表的合理大小"
                    f"（{MAX_PART // 1048576} MB）：文件可能已损坏，或被放进了大量数据。此文件未读取；"
                    "请打开检查，删去多余内容后另存。")


class _NotPlainZip(Exception):
    """The package is not a plain zip `_Package` reads: `zipfile` reads it instead."""


class _Package:
    """A zip package in memory, its central directory read once; members inflated on demand.

    Raises `_NotPlainZip` for anything but a plain single-disk zip of stored or
    deflated, unencrypted members (zipfile reads those, and reports damage)."""

    def __init__(self, data: bytes):
        self.data = data
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
        if end < 0 or end + _END.size > len(data):
            raise _NotPlainZip
        _, disk, cd_disk, on_disk, count, cd_size, cd_offset, _ = _END.unpack_from(data, end)
        if disk or cd_disk or on_disk != count or cd_offset + cd_size != end:
            raise _NotPlainZip
        self.members = {}
        position = cd_offset
        for _ in range(count):
            if position + _CENTRAL.size > end:
                raise _NotPlainZip
            fields = _CENTRAL.unpack_from(data, position)
            flags, method, crc, csize, usize, name_length = fields[3], fields[4], fields[7], fields[8], \
                fields[9], fields[10]
            offset = fields[16]
            if fields[0] != 0x02014B50 or flags & 1 or method not in (0, 8) or \
                    0xFFFFFFFF in (csize, usize, offset):
                raise _NotPlainZip
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


def open_package(data):
    """The package in `data` (bytes or a mapped file): `_Package` if it reads it, else `_ZipPackage`.

    Raises zipfile.BadZipFile (not a zip), OSError, EOFError or ValueError."""
    try:
        return _Package(data)
    except (_NotPlainZip, struct.error, UnicodeDecodeError):
        return _ZipPackage(data)


# parts already read, by their compressed bytes: a month's workbooks of one form share the
# workbook part and, until filled in, their sheets; what was read from them is only looked up
_RAW_PARTS: dict = {}


def remembered(key):
    """What was remembered for a part's `raw_key` (None: nothing, or no key)."""
    return _RAW_PARTS.get(key) if key is not None else None


def remember(key, value, size: int):
    """Remember `value`, read from a part of `size` bytes, under the part's `raw_key`, unless the
    part is large (the cache holds 64 parts, then starts again)."""
    if size > REMEMBER_UP_TO:
        return
    if len(_RAW_PARTS) >= 64:
        _RAW_PARTS.clear()
    _RAW_PARTS[key] = value

