"""The VBA projects xlkpi writes, read back by independent readers.

oletools (`olevba`, `olefile`, its MS-OVBA decompressor) reads every container,
stream and module back; the modules must equal what xlwings itself ships or
writes (`tests/vba_expected.py`): the package's `xlwings.bas` byte for byte,
`Dictionary` as Excel stored it in xlwings' own `quickstart_standalone.xlsm`,
the KPI_* module as xlwings' "Import Functions" imports it. The PROJECT stream's
protection values are checked against those Excel wrote into the same template.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import struct
import subprocess
import sys
import zipfile

import olefile
import pytest
from oletools.olevba import decompress_stream

import xlkpi
from xlkpi.base.errors import XlkpiError
from xlkpi.excel import cfb, ovba, runtime
from xlkpi.excel.ovba import Module, compress, encrypt, vba_project
from xlkpi.workbook.render import Employee, build_workbook

from . import vba_expected
from .cli import run_cli

EMPLOYEE = Employee("张三", "E001", "客服部", "2026-11")


# ----------------------------------------------------------------- compression
def decompressed(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


@pytest.mark.parametrize("relative", ["xlwings.bas", "xlwings_custom_addin.bas", "addin/Dictionary.cls"])
def test_xlwings_sources_compress_and_read_back(relative):
    source = (vba_expected.XLWINGS / relative).read_bytes()
    packed = compress(source)
    assert decompressed(packed) == source
    assert len(packed) < len(source) / 2  # copy tokens are really used


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 7, 8, 9, 4095, 4096, 4097, 8191, 8192, 8193, 20000])
def test_every_chunk_boundary_reads_back(size):
    generator = random.Random(size)
    text = bytes(generator.choice(b"ab \r\nxyz") for _ in range(size))
    repeated = (b"Function KPI_BAND(value)\r\n" * (size // 26 + 1))[:size]
    for data in (text, repeated):
        assert decompressed(compress(data)) == data


def test_incompressible_chunks_are_stored_raw():
    data = random.Random(7).randbytes(3 * 4096)
    packed = compress(data)
    assert decompressed(packed) == data
    assert packed[1:3] == b"\xff\x3f"  # header of a raw chunk: size 4095 + 3, no compression flag
    with pytest.raises(ValueError, match="does not compress"):
        compress(random.Random(8).randbytes(4000))  # a last chunk that cannot be made to fit


# ----------------------------------------------------------------- compound file
def tree_problems(ole: olefile.OleFileIO) -> list:
    """Check every storage's children form a red-black search tree in the format's name order."""
    problems = []

    def key(entry):
        return len(entry.name), entry.name.upper()

    def walk(sid, low, high):
        """Black height of the subtree at `sid`; checks order and colours on the way."""
        if sid == cfb.NOSTREAM:
            return 1
        entry = ole.direntries[sid]
        if (low and key(entry) <= key(low)) or (high and key(entry) >= key(high)):
            problems.append(f"{entry.name}: out of order")
        for child in (entry.sid_left, entry.sid_right):
            if child != cfb.NOSTREAM and entry.color == cfb.RED and ole.direntries[child].color == cfb.RED:
                problems.append(f"{entry.name}: red node with a red child")
        left, right = walk(entry.sid_left, low, entry), walk(entry.sid_right, entry, high)
        if left != right:
            problems.append(f"{entry.name}: black heights {left} and {right}")
        return left + (entry.color == cfb.BLACK)

    for entry in ole.direntries:
        if entry is not None and entry.entry_type in (cfb.STORAGE, cfb.ROOT) and entry.sid_child != cfb.NOSTREAM:
            if ole.direntries[entry.sid_child].color != cfb.BLACK:
                problems.append(f"{entry.name}: the root of its children is red")
            walk(entry.sid_child, None, None)
    return problems


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 8, 13, 40])
def test_compound_file_reads_back(count):
    generator = random.Random(count)
    streams = {}
    for index in range(count):
        size = generator.choice([1, 63, 64, 65, 4095, 4096, 4097, 9000])
        name = "S" * generator.randint(1, 5) + str(index)
        streams[("VBA", name) if index % 2 else (name,)] = generator.randbytes(size)
    data = cfb.compound_file(streams)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted(tuple(path) for path in ole.listdir()) == sorted(streams)
    for path, content in streams.items():
        assert ole.openstream("/".join(path)).read() == content
    assert tree_problems(ole) == []
    assert cfb.compound_file(streams) == data


def test_compound_file_refuses_what_it_cannot_write():
    with pytest.raises(ValueError, match="1 to 31 characters"):
        cfb.compound_file({("x" * 32,): b"1"})
    with pytest.raises(ValueError, match="1 to 31 characters"):
        cfb.compound_file({("a/b",): b"1"})
    with pytest.raises(ValueError, match="same path"):
        cfb.compound_file({("VBA",): b"1", ("VBA", "dir"): b"2"})


# ----------------------------------------------------------------- the project container
def template_project_stream() -> str:
    package = zipfile.ZipFile(vba_expected.XLWINGS / "quickstart_standalone.xlsm")
    ole = olefile.OleFileIO(io.BytesIO(package.read("xl/vbaProject.bin")))
    return ole.openstream("PROJECT").read().decode("cp1252")


def decrypt(encrypted: bytes) -> tuple:
    """MS-OVBA 2.4.3.3, written from the specification: (seed, project key, ignored bytes, data)."""
    seed, version_enc, key_enc = encrypted[:3]
    assert seed ^ version_enc == 2
    plain1, enc1, enc2 = seed ^ key_enc, key_enc, version_enc
    out = []
    for byte in encrypted[3:]:
        plain = byte ^ ((plain1 + enc2) & 0xFF)
        out.append(plain)
        enc2, enc1, plain1 = enc1, byte, plain
    ignored = (seed & 6) // 2
    length = int.from_bytes(bytes(out[ignored:ignored + 4]), "little")
    return seed, seed ^ key_enc, bytes(out[:ignored]), bytes(out[ignored + 4:ignored + 4 + length])


@pytest.mark.parametrize("field, plain", [("CMG", bytes(4)), ("DPB", bytes(1)), ("GC", b"\xff")])
def test_protection_values_as_excel_writes_them(field, plain):
    text = template_project_stream()
    project_id = re.search(r'^ID="(\{[^}]+\})"', text, re.M).group(1)
    written = bytes.fromhex(re.search(rf'^{field}="([0-9A-F]+)"', text, re.M).group(1))
    seed, key, ignored, data = decrypt(written)
    assert key == sum(project_id.encode()) & 0xFF
    assert data == plain  # what xlkpi writes: not protected, no password, visible
    assert encrypt(plain, project_id=project_id, seed=seed, ignored=ignored) == written
    assert decrypt(encrypt(plain))[3] == plain


def test_project_refuses_bad_modules():
    good = Module("A", 'Attribute VB_Name = "A"\r\n')
    with pytest.raises(ValueError, match="module name '1A'"):
        vba_project([Module("1A", "")])
    with pytest.raises(ValueError, match="given twice"):
        vba_project([good, Module("a", "")])
    with pytest.raises(ValueError, match="kind 'form'"):
        vba_project([Module("B", "", "form")])
    with pytest.raises(ValueError, match="line 2: '绩'"):
        vba_project([Module("C", 'Attribute VB_Name = "C"\r\n\' 绩效\r\n')])
    with pytest.raises(ValueError, match="project name"):
        vba_project([good], name="my project")


def dir_records(data: bytes) -> list:
    """(id, body) of each record of a decompressed dir stream (MS-OVBA 2.3.4.2)."""
    records, at = [], 0
    while at < len(data):
        record_id, size = struct.unpack_from("<HI", data, at)
        if record_id == 0x0009:  # PROJECTVERSION: its size field is fixed, 6 bytes follow
            size = 6
        records.append((record_id, data[at + 6:at + 6 + size]))
        at += 6 + size
    return records


def test_dir_stream_lists_the_modules_with_their_types():
    modules = [runtime.document_module("ThisWorkbook", runtime.WORKBOOK_BASE),
               Module("M", 'Attribute VB_Name = "M"\r\n'), Module("C", 'Attribute VB_Name = "C"\r\n', "class")]
    ole = olefile.OleFileIO(io.BytesIO(vba_project(modules)))
    records = dir_records(decompressed(ole.openstream("VBA/dir").read()))
    assert records[-1] == (0x0010, b"")
    assert dict(records)[0x000F] == b"\x03\x00"
    assert [body for record_id, body in records if record_id == 0x0019] == [b"ThisWorkbook", b"M", b"C"]
    assert [record_id for record_id, _ in records if record_id in (0x0021, 0x0022)] == [0x0022, 0x0021, 0x0022]
    assert [body for record_id, body in records if record_id == 0x0031] == [bytes(4)] * 3  # no p-code
    project = ole.openstream("PROJECT").read().decode()
    assert "Document=ThisWorkbook/&H00000000\r\nModule=M\r\nClass=C\r\n" in project
    assert ole.openstream("VBA/_VBA_PROJECT").read()[:5] == b"\xcc\x61\xff\xff\x00"  # source only


# ----------------------------------------------------------------- xlwings' runtime as Excel stores it
def test_class_import_matches_what_excel_stored_in_xlwings_template():
    stored = vba_expected.template_modules()
    imported = runtime.vbe_import(vba_expected.package_text("addin/Dictionary.cls"), "class")
    assert imported == vba_expected.dictionary_module()
    assert imported.lower() == stored["Dictionary"].lower()  # the VBA editor re-cases identifiers
    # the template keeps xlwings.bas with LF line ends; otherwise it is the package's file
    assert runtime.vbe_import(vba_expected.package_text("xlwings.bas")).replace("\r\n", "\n") == stored["xlwings"]
    for name in ("ThisWorkbook", "Sheet1"):
        base = runtime.WORKBOOK_BASE if name == "ThisWorkbook" else runtime.SHEET_BASE
        assert runtime.document_module(name, base).source == stored[name]


def test_addin_runtime_changes_only_the_project_name():
    original = vba_expected.package_text("xlwings_custom_addin.bas").split("\r\n")
    shipped = runtime.addin_modules()[0].source.split("\r\n")
    changed = [(a, b) for a, b in zip(original, shipped) if a != b]
    assert len(original) == len(shipped)
    assert changed == [('Public Const PROJECT_NAME As String = "myaddin"',
                        'Public Const PROJECT_NAME As String = "xlkpi"')]


def test_the_pinned_xlwings_is_required(monkeypatch):
    monkeypatch.setattr(runtime.importlib.metadata, "version", lambda name: "0.30.0")
    with pytest.raises(XlkpiError, match=r"需要 xlwings 0\.37\.8，当前安装的是 0\.30\.0"):
        runtime.xlwings_folder()
    monkeypatch.setattr(runtime.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(XlkpiError, match=r"pip install xlwings==0\.37\.8"):
        runtime.xlwings_folder()


# ----------------------------------------------------------------- udf workbooks
@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A udf workbook written by `xlkpi generate --dialect udf` (the demo roster)."""
    out = tmp_path_factory.mktemp("generate")
    result = run_cli("generate", "--month", "2026-11", "--out", out, "--dialect", "udf")
    assert result.exit_code == 0, result.output
    return sorted(out.rglob("*.xlsm"))[0].read_bytes()


@pytest.fixture(scope="module")
def expected_modules():
    return vba_expected.udf_workbook_modules()


def test_generated_workbook_carries_the_whole_project(generated, expected_modules):
    modules = vba_expected.olevba_modules(generated)
    assert list(modules) == list(expected_modules)
    for name, (_, source) in expected_modules.items():
        assert modules[name] == source, f"{name} differs from what xlwings ships or writes"


@pytest.mark.parametrize("form_id", sorted(xlkpi.builtin_forms()))
def test_every_form_carries_the_same_project(form_id, expected_modules):
    data = build_workbook(xlkpi.get_form(form_id), EMPLOYEE, dialect="udf")
    modules = vba_expected.olevba_modules(data)
    assert {name: modules[name] for name in modules} == {name: source for name, (_, source)
                                                          in expected_modules.items()}
    package = zipfile.ZipFile(io.BytesIO(data))
    workbook = package.read("xl/workbook.xml").decode()
    assert '<workbookPr codeName="ThisWorkbook"' in workbook
    code_names = [re.search(r'<sheetPr[^>]*codeName="(\w+)"', package.read(f"xl/worksheets/sheet{i}.xml")
                            .decode()).group(1) for i in (1, 2, 3)]
    assert code_names == ["Sheet1", "Sheet2", "Sheet3"]  # each sheet has its document module
    assert "application/vnd.ms-office.vbaProject" in package.read("[Content_Types].xml").decode()


def test_native_workbooks_carry_no_project():
    data = build_workbook(xlkpi.get_form("kefu_zhuanyuan"), EMPLOYEE, dialect="native")
    assert not any("vba" in name.lower() for name in zipfile.ZipFile(io.BytesIO(data)).namelist())


def test_project_bytes_are_reproducible_across_processes():
    here = hashlib.sha256(runtime.udf_workbook_project(3)).hexdigest()
    code = "import hashlib; from xlkpi.excel import runtime; print(hashlib.sha256(runtime.udf_workbook_project(3)).hexdigest())"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert here == there


def test_project_is_built_once_per_process():
    runtime.udf_workbook_project.cache_clear()
    first = runtime.udf_workbook_project(3)
    assert runtime.udf_workbook_project(3) is first
    assert runtime.udf_workbook_project.cache_info().hits >= 1


def test_missing_xlwings_stops_a_udf_workbook_with_a_clear_message(monkeypatch):
    runtime.udf_workbook_project.cache_clear()
    monkeypatch.setattr(runtime.importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(XlkpiError, match="需要 xlwings 0.37.8"):
            build_workbook(xlkpi.get_form("kefu_zhuanyuan"), EMPLOYEE, dialect="udf")
    finally:
        runtime.udf_workbook_project.cache_clear()
