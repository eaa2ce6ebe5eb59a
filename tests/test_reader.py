"""The workbook reader's fast path reads what the XML parser reads.

`WorkbookReader` finds cells with a few regular expressions when a part is written the plain
way, and falls back to ElementTree otherwise. Each workbook below, as xlkpi, openpyxl and
hand-edited XML write it, is read both ways: the sheets, names, every cell, the shared strings
and the `_xlkpi` record must be the same.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile

import pytest

from xlkpi.month.collect import read_appraisal
from xlkpi.workbook import plain_xml, reader, workbook_part, zip_package
from xlkpi.workbook.reader import DamagedWorkbook, WorkbookReader
from xlkpi.workbook.render import render_workbook

from .filling import fill_workbook

# the caches of the fast path, in the modules that keep them
CACHES = ((workbook_part, "_WORKBOOKS"), (zip_package, "_RAW_PARTS"), (reader, "_CHUNKS"), (plain_xml, "_TEXTS"))
HEADER = dict(name="张三 & <李四>", employee_id="E001", department="客服部&售后", month="2026-11", appraiser="王五")


def _workbook(values=None) -> bytes:
    return render_workbook("电话专员", values=values or {"in_info_mgmt_self": 20, "in_info_mgmt_sup": 10}, **HEADER)


def _rewrite(data: bytes, changes: dict, *, stored: bool = False) -> bytes:
    """The package with some members' XML changed: member name → function of its bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in changes:
                content = changes[info.filename](content)
            target.writestr(info.filename, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
META = "xl/worksheets/sheet2.xml"
STRINGS = "xl/sharedStrings.xml"
BOOK = "xl/workbook.xml"


def _prefixed(xml: bytes) -> bytes:
    """The main namespace under a prefix (`x:`), as some generators write it."""
    xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                      b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    return re.sub(rb"<(/?)(?!\?)([A-Za-z]+[ >/])", rb"<\1x:\2", xml)


VARIANTS = {
    "as generated": {},
    "stored, not deflated": "stored",
    "attributes before r": {SHEET: lambda x: re.sub(rb'<c r="([A-Z]+\d+)"((?: [a-z]+="[^"]*")*)', rb'<c\2 r="\1"', x)},
    "attributes in single quotes": {SHEET: lambda x: re.sub(rb'<c r="([A-Z]+\d+)"', rb"<c r='\1'", x)},
    "namespace prefix": {SHEET: _prefixed, META: _prefixed, STRINGS: _prefixed},
    "comments": {SHEET: lambda x: x.replace(b"<sheetData>", b"<sheetData><!-- a comment -->"),
                 STRINGS: lambda x: x.replace(b"<si>", b"<!-- c --><si>", 1)},
    "entities and line ends in strings": {
        STRINGS: lambda x: x.replace("张三".encode(), b"&#x5F20;&#19977;\r\n&quot;&apos;", 1)},
    "rich text and phonetic runs": {
        STRINGS: lambda x: re.sub(rb"<si><t>([^<]*)</t></si>", rb'<si><r><rPr><b/></rPr><t xml:space="preserve">\1</t></r>'
                                                                rb'<r><t> run</t></r><rPh sb="0" eb="1"><t>ph</t></rPh></si>',
                                  x, count=3)},
    "a cell given twice": {SHEET: lambda x: x.replace(b"</sheetData>", b'<row r="999"><c r="A1" t="inlineStr">'
                                                                      b"<is><t>again</t></is></c></row></sheetData>")},
    "empty inline string and empty values": {
        SHEET: lambda x: x.replace(b"</sheetData>", b'<row r="998"><c r="A998" t="inlineStr"/><c r="B998"><v/></c>'
                                                    b'<c r="C998"><v></v></c><c r="D998" t="str"><f>1</f><v/></c>'
                                                    b'<c r="E998" t="b"><v>1</v></c><c r="F998" t="e"><v>#N/A</v></c>'
                                                    b"</row></sheetData>")},
    "UTF-16 workbook part": {BOOK: lambda x: x.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
                             .encode("utf-16")},
    "workbook and names reordered": {BOOK: lambda x: x.replace(b'<definedName name="hdr_appraiser"',
                                                               b'<definedName hidden="0" name="hdr_appraiser"')},
}


def snapshot(data: bytes) -> dict:
    book = WorkbookReader(io.BytesIO(data))
    names = book.defined_names()
    result = {"sheets": book.sheets, "names": names, "strings": book.strings(), "record": book.key_values("_xlkpi"),
              "named": {name: book.cell(*where) for name, where in names.items()}}
    fresh = WorkbookReader(io.BytesIO(data))
    for sheet in fresh.sheets:
        result[f"cells of {sheet}"] = fresh.cells(sheet)
    return result


@pytest.fixture
def tree_only(monkeypatch):
    """Every part read by the XML parser; the fast path's caches emptied."""

    def not_plain(*args, **kwargs):
        raise plain_xml.NotPlain

    def reading():
        readers = [module for name, module in list(sys.modules.items()) if name.startswith("xlkpi")
                   and getattr(module, "plain_root", None) is plain_xml.plain_root]
        with monkeypatch.context() as patch:
            for module in readers:  # every module that reads a part the plain way
                patch.setattr(module, "plain_root", not_plain)
            for module, cache in CACHES:
                patch.setattr(module, cache, {})
            yield

    return reading


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_fast_path_reads_what_the_xml_parser_reads(variant, tree_only, monkeypatch):
    change = VARIANTS[variant]
    data = _rewrite(_workbook(), {}, stored=True) if change == "stored" else _rewrite(_workbook(), change)
    for module, cache in CACHES:
        monkeypatch.setattr(module, cache, {})
    fast = snapshot(data)
    fast_again = snapshot(data)  # a second time: through the caches
    for _ in tree_only():
        slow = snapshot(data)
    assert fast == slow
    assert fast_again == slow


def test_a_workbook_saved_by_openpyxl(tmp_path, tree_only):
    path = tmp_path / "filled.xlsx"
    path.write_bytes(_workbook())
    fill_workbook(path, {"in_info_mgmt_sup": "优", "in_archive_mgmt_self": 20, "in_customer_focus_sup": 3},
                  insert_rows_above=2)
    data = path.read_bytes()
    fast = snapshot(data)
    for _ in tree_only():
        slow = snapshot(data)
    assert fast == slow
    assert fast["named"]["in_info_mgmt_sup"].value == "优"


def test_damaged_parts_are_reported(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_rewrite(_workbook(), {SHEET: lambda x: x[: len(x) // 2]}))
    appraisal, problems = read_appraisal(broken)
    assert appraisal is None
    assert [problem.code for problem in problems] == ["damaged-file"]
    assert "已损坏" in problems[0].message

    not_zip = tmp_path / "not-a-zip.xlsx"
    not_zip.write_bytes(b"PK\x03\x04" + bytes(300))
    with pytest.raises(DamagedWorkbook, match="BadZipFile"):
        WorkbookReader(not_zip)

    data = bytearray(_workbook())
    position = data.find(b"xl/worksheets/sheet1.xml") + 60  # inside the sheet's compressed bytes
    data[position] ^= 0xFF
    flipped = tmp_path / "flipped.xlsx"
    flipped.write_bytes(bytes(data))
    appraisal, problems = read_appraisal(flipped)
    assert appraisal is None and problems[0].code == "damaged-file"


ESCAPED_CELLS = {
    STRINGS: lambda x: x.replace("张三".encode(), "张_x0009_三_x005f_x0041_x0042_".encode(), 1),
    SHEET: lambda x: x.replace(b"</sheetData>", b'<row r="997"><c r="A997" t="inlineStr"><is><t>a_x000D_b_x005F_x0041_'
                                                b'</t></is></c><c r="B997" t="str"><f>1</f><v>_x004a__xD83D__x004A_</v>'
                                                b'</c><c r="C997" t="inlineStr"><is><r><t>_x0041_</t></r><r><t>x_x0042_'
                                                b"</t></r></is></c></row></sheetData>"),
}


def test_excel_escapes_in_texts_are_decoded_on_both_paths(tree_only, monkeypatch):
    """`_xHHHH_` in shared strings, inline strings and text results is the character it names (either
    case of hex), decoded left to right: `_x005f_x0041_x0042_` is `_` + `x0041` + `B`; half a surrogate
    pair is left as written."""
    data = _rewrite(_workbook(), ESCAPED_CELLS)
    expected = {"hdr_name": "张\t三_x0041B & <李四>", (996, 0): "a\rb_x0041_", (996, 1): "J_xD83D_J", (996, 2): "AxB"}
    for module, cache in CACHES:
        monkeypatch.setattr(module, cache, {})

    def read():
        book = WorkbookReader(io.BytesIO(data))
        name = book.cell(*book.defined_names()["hdr_name"]).value
        sheet = book.defined_names()["hdr_name"][0]
        return {"hdr_name": name, **{where: book.cell(sheet, *where).value for where in [(996, 0), (996, 1), (996, 2)]}}

    assert read() == expected
    for _ in tree_only():
        assert read() == expected


def _with_extra_fields(data: bytes) -> bytes:
    """The package rewritten with an extended-timestamp extra field in every local and central header,
    as Info-ZIP, 7-Zip and the macOS archiver write them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.extra = b"UT\x05\x00\x03\x00\x00\x00\x00"
            target.writestr(copy, source.read(info.filename))
    return out.getvalue()


def test_zip_headers_with_extra_fields(monkeypatch):
    """Extra fields move each member's data further into the file: the reader must skip them."""
    data = _with_extra_fields(_workbook())
    assert b"UT\x05\x00" in data
    for module, cache in CACHES:
        monkeypatch.setattr(module, cache, {})
    book = WorkbookReader(io.BytesIO(data))
    names = book.defined_names()
    assert book.cell(*names["hdr_name"]).value == HEADER["name"]
    assert book.cell(*names["in_info_mgmt_sup"]).value == 10
    assert snapshot(data) == snapshot(_workbook())


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_members_compressed_otherwise_are_read_through_zipfile(method, monkeypatch):
    """A package whose members are not stored or deflated is not the fast path's: zipfile reads it."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    for module, cache in CACHES:
        monkeypatch.setattr(module, cache, {})
    assert snapshot(out.getvalue()) == snapshot(_workbook())


def test_a_stored_member_changed_on_disk_is_damaged(tmp_path):
    """A member stored uncompressed whose bytes changed (same length): its CRC-32 no longer checks out,
    and the workbook is reported damaged, not read with the changed value."""
    data = bytearray(_rewrite(_workbook(), {}, stored=True))
    position = data.find(b"<v>10</v>")  # in_info_mgmt_sup, typed 10
    assert position > 0
    data[position + 3:position + 5] = b"20"
    changed = tmp_path / "changed.xlsx"
    changed.write_bytes(bytes(data))
    appraisal, problems = read_appraisal(changed)
    assert appraisal is None
    assert [problem.code for problem in problems] == ["damaged-file"]
