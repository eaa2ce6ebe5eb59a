"""A VBA project file (MS-OVBA): modules as source, in a compound file, for Excel to compile.

`vba_project` writes the `vbaProject.bin` of a workbook or add-in: the `PROJECT`
stream (the module list and project properties), the `VBA/dir` stream (the same in
binary records), `VBA/_VBA_PROJECT` and one compressed stream per module. It writes
source only: the `_VBA_PROJECT` version 0xFFFF and no performance cache, as MS-OVBA
requires of a writer, so Excel compiles the modules when it opens the file (xlwings'
own `quickstart_standalone.xlsm` is built the same way). Everything is deterministic:
a fixed project id and encryption seed, no timestamps.

Written by hand because the library for it was unfit when measured: `ms_ovba` 0.0.1
(PyPI) cannot store a class module (xlwings' runtime needs `Dictionary.cls`), writes
its intermediate files into the current folder and appends to them on a second run,
draws random seeds (two builds differ), took 4.9 s for the xlwings runtime, and its
compressor (`ms_ovba_compression` 1.0.1) returned, for `xlwings.bas` (46,514 bytes),
a stream that neither its own decompressor nor oletools reads back as the source.

It refuses module names VBA does not accept and source text outside the project's
code page (Windows-1252): the modules xlkpi ships are ASCII.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from .cfb import compound_file

CODE_PAGE = 1252
CODEC = "cp1252"
LCID = 0x0409
SYS_KIND_WIN64 = 3
PROJECT_ID = "{7C0E8D5A-3B1F-4A5E-9C2D-6F1B0A4E8D31}"
SEED = 0x21  # any byte; (SEED & 6) == 0 means no ignored bytes in CMG/DPB/GC
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
CHUNK = 4096
MODULE_KINDS = ("module", "class", "document")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")
_CANDIDATES = 8  # how many earlier positions with the same 3 bytes a match is tried against


@dataclass(frozen=True)
class Module:
    """One VBA module as Excel stores it.

    Attributes:
        name: the module's name (`xlwings`, `ThisWorkbook`).
        source: its text, starting with `Attribute VB_Name = "<name>"`, lines ending CRLF.
        kind: `module` (a standard module), `class` or `document` (the workbook's or a
            sheet's own module).
    """

    name: str
    source: str
    kind: str = "module"


def vba_project(modules, *, name: str = "VBAProject") -> bytes:
    """The `vbaProject.bin` holding `modules`, in their order.

    Raises:
        ValueError: a module or project name VBA does not accept, the same name twice,
            an unknown kind, or source text outside Windows-1252.
    """
    modules = list(modules)
    _check(modules, name)
    sources = {module.name: _encode(module) for module in modules}
    streams = {("PROJECT",): project_stream(modules, name).encode(CODEC),
               ("VBA", "dir"): compress(dir_stream(modules, name)),
               ("VBA", "_VBA_PROJECT"): struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0003)}
    for module in modules:
        streams[("VBA", module.name)] = compress(sources[module.name])
    return compound_file(streams)


def _check(modules, name: str):
    if not _NAME.match(name):
        raise ValueError(f"VBA project name {name!r}: a letter, then letters, digits or _, at most 31")
    seen = set()
    for module in modules:
        if not _NAME.match(module.name):
            raise ValueError(f"VBA module name {module.name!r}: a letter, then letters, digits or _, at most 31")
        if module.name.lower() in seen:
            raise ValueError(f"VBA module {module.name!r} is given twice (VBA names ignore case)")
        seen.add(module.name.lower())
        if module.kind not in MODULE_KINDS:
            raise ValueError(f"VBA module {module.name!r}: kind {module.kind!r} is not one of {MODULE_KINDS}")


def _encode(module: Module) -> bytes:
    try:
        return module.source.encode(CODEC)
    except UnicodeEncodeError as error:
        line = module.source.count("\n", 0, error.start) + 1
        raise ValueError(f"VBA module {module.name!r}, line {line}: {module.source[error.start]!r} "
                         f"is not in the project's code page (Windows-1252)") from None


# ----------------------------------------------------------------- PROJECT
def project_stream(modules, name: str = "VBAProject") -> str:
    """The text of the `PROJECT` stream (MS-OVBA 2.3.1): modules, name, protection, workspace."""
    kinds = {"module": "Module={}", "class": "Class={}", "document": "Document={}/&H00000000"}
    lines = [f'ID="{PROJECT_ID}"']
    lines += [kinds[module.kind].format(module.name) for module in modules]
    lines += [f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{encrypt(bytes(4)).hex().upper()}"',   # not protected
              f'DPB="{encrypt(bytes(1)).hex().upper()}"',   # no password
              f'GC="{encrypt(bytes([0xFF])).hex().upper()}"',  # visible
              "", "[Host Extender Info]", HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return "\r\n".join(lines) + "\r\n"


def encrypt(data: bytes, *, project_id: str = PROJECT_ID, seed: int = SEED, ignored: bytes | None = None) -> bytes:
    """Data Encryption (MS-OVBA 2.4.3.2), as the CMG, DPB and GC values of `PROJECT` hold it.

    `ignored`: the (SEED & 6) / 2 arbitrary bytes the format lets a writer choose
    (zeros by default).
    """
    count = (seed & 6) // 2
    ignored = bytes(count) if ignored is None else ignored
    if len(ignored) != count:
        raise ValueError(f"seed {seed:#04x} needs {count} ignored bytes, not {len(ignored)}")
    key = sum(project_id.encode("ascii")) & 0xFF
    version_enc = seed ^ 2
    key_enc = seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    plain1, enc1, enc2 = key, key_enc, version_enc
    for byte in ignored + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((plain1 + enc2) & 0xFF)
        out.append(byte_enc)
        enc2, enc1, plain1 = enc1, byte_enc, byte
    return bytes(out)


# ----------------------------------------------------------------- dir
def dir_stream(modules, name: str = "VBAProject") -> bytes:
    """The uncompressed `dir` stream (MS-OVBA 2.3.4.2): project information, no references, the modules."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", SYS_KIND_WIN64))
    out += _record(0x0002, struct.pack("<I", LCID))
    out += _record(0x0014, struct.pack("<I", LCID))
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))
    out += _record(0x0004, name.encode(CODEC))
    out += _record(0x0005, b"") + _record(0x0040, b"")  # doc string, and in UTF-16
    out += _record(0x0006, b"") + _record(0x003D, b"")  # help file, twice
    out += _record(0x0007, struct.pack("<I", 0))        # help context
    out += _record(0x0008, struct.pack("<I", 0))        # library flags
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)        # version 1.0 (its size field is fixed at 4)
    out += _record(0x000C, b"") + _record(0x003C, b"")  # conditional compilation constants
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))   # project cookie
    for module in modules:
        encoded, wide = module.name.encode(CODEC), module.name.encode("utf-16-le")
        out += _record(0x0019, encoded) + _record(0x0047, wide)  # name
        out += _record(0x001A, encoded) + _record(0x0032, wide)  # stream name
        out += _record(0x001C, b"") + _record(0x0048, b"")       # doc string
        out += _record(0x0031, struct.pack("<I", 0))             # source offset: no performance cache
        out += _record(0x001E, struct.pack("<I", 0))             # help context
        out += _record(0x002C, struct.pack("<H", 0xFFFF))        # cookie
        out += _record(0x0021 if module.kind == "module" else 0x0022, b"")
        out += _record(0x002B, b"")                              # module terminator
    out += _record(0x0010, b"")                                  # end of the modules
    return bytes(out)


def _record(record_id: int, body: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(body)) + body


# ----------------------------------------------------------------- compression
def compress(data: bytes) -> bytes:
    """`data` as a CompressedContainer (MS-OVBA 2.4.1): a signature byte and 4,096-byte chunks,
    each LZ77-compressed with copy tokens of Excel's format, or stored raw when that is smaller.

    Matches are searched greedily among the last few earlier positions that share the
    next three bytes: any match the decompressor can follow is valid.

    Raises:
        ValueError: a last chunk (under 4,096 bytes) that does not compress to fit the
            chunk header's 12-bit size (random data; never VBA text).
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        piece = data[start:start + CHUNK]
        body = _compress_chunk(piece)
        if len(body) <= CHUNK:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
        elif len(piece) == CHUNK:
            out += struct.pack("<H", 0x3000 | (CHUNK + 2 - 3)) + piece
        else:
            raise ValueError(f"a last chunk of {len(piece)} bytes does not compress into one chunk")
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    seen: dict[bytes, list] = {}
    size = len(chunk)
    position = 0
    while position < size:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if position >= size:
                break
            offset, length = _longest_match(chunk, position, seen)
            if length >= 3:
                bits = max((position - 1).bit_length(), 4)
                token = ((offset - 1) << (16 - bits)) | (length - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
            else:
                length = 1
                out.append(chunk[position])
            for index in range(position, min(position + length, size - 2)):
                seen.setdefault(chunk[index:index + 3], []).append(index)
            position += length
        out[flag_at] = flags
    return bytes(out)


def _longest_match(chunk: bytes, position: int, seen: dict) -> tuple[int, int]:
    """(offset, length) of the longest earlier match at `position`, (0, 0) if none of 3 bytes."""
    candidates = seen.get(chunk[position:position + 3])
    if not candidates:
        return 0, 0
    bits = max((position - 1).bit_length(), 4)
    maximum = min((0xFFFF >> bits) + 3, len(chunk) - position)
    best_length, best_offset = 0, 0
    for candidate in reversed(candidates[-_CANDIDATES:]):
        length = 3
        while length < maximum and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, position - candidate
            if length == maximum:
                break
    return best_offset, best_length
