"""Stamping a monthly template: the package a stamp writes holds exactly the parts of
the template with the header texts put in, whatever the texts' size or characters.

The escaped texts are written out here byte for byte, or made by `spec_xml` below, the rule of
ECMA-376 (ST_Xstring) written independently of `stamp.py`; a stamped workbook is read back by
LibreOffice, which decodes `_xHHHH_` escapes of control characters and of `_` itself.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlkpi
from xlkpi.office.libreoffice import convert
from xlkpi.workbook.render import form_template
from xlkpi.workbook.stamp import PLACEHOLDERS, Template, clean_text, xml_text

TOKENS = {key: value.encode() for key, value in PLACEHOLDERS.items()}
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def spec_xml(text) -> bytes:
    """What a header text must become in the XML, by the rule, character by character: characters
    XML cannot hold dropped, white space around stripped, `&<>` as entities, a carriage return as
    `_x000D_`, and an underscore followed by `xHHHH_` written `_x005F_` so that it is not read as
    an escape."""
    text = _XML_FORBIDDEN.sub("", "" if text is None else str(text)).strip()
    out = []
    for index, char in enumerate(text):
        follows = text[index + 1:index + 7]
        if char == "_" and len(follows) == 6 and follows[0] == "x" and follows[5] == "_" \
                and all(digit in "0123456789abcdefABCDEF" for digit in follows[1:5]):
            out.append("_x005F_")
        else:
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "_x000D_"}.get(char, char))
    return "".join(out).encode("utf-8")


def package(parts: dict) -> bytes:
    """A zip package of `parts` (name → bytes), deflated, as XlsxWriter writes one."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in parts.items():
            book.writestr(name, content)
    return stream.getvalue()


PARTS = {
    "[Content_Types].xml": b"<Types>" + b"<Default/>" * 40 + b"</Types>",
    "xl/sharedStrings.xml": (b"<sst>" + b"<si><t>form text</t></si>" * 50 + b"<si><t>" + TOKENS["name"]
                             + b"</t></si><si><t>" + TOKENS["employee_id"] + b"</t></si><si><t>"
                             + TOKENS["department"] + b"</t></si><si><t>" + TOKENS["appraiser"] + b"</t></si>"
                             + b"<si><t>more text</t></si>" * 80 + b"</sst>"),
    "xl/worksheets/sheet1.xml": b"<worksheet>" + b"<row/>" * 300 + b"</worksheet>",
    "docProps/core.xml": b"<cp:coreProperties><dc:title>" + TOKENS["name"] + b"</dc:title></cp:coreProperties>",
    "docProps/custom.xml": TOKENS["employee_id"] + b"<Properties/>",  # a token at the very start
}


def expected_parts(header: dict) -> dict:
    parts = {}
    for name, content in PARTS.items():
        for key, token in TOKENS.items():
            content = content.replace(token, spec_xml(header[key]))
        parts[name] = content
    return parts


def read_package(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert book.testzip() is None  # every member's CRC-32 checks out
        return {info.filename: book.read(info.filename) for info in book.infolist()}


TEMPLATE = Template(package(PARTS))
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(name=TEXT, employee_id=TEXT, department=TEXT, appraiser=TEXT)
def test_stamped_parts_are_the_template_with_the_texts(name, employee_id, department, appraiser):
    header = {"name": name, "employee_id": employee_id, "department": department, "appraiser": appraiser}
    parts = read_package(TEMPLATE.stamp(**header))
    assert list(parts) == list(PARTS)  # the central directory keeps the template's order
    assert parts == expected_parts(header)


@pytest.mark.parametrize("size", [0, 1, 1024, 1025, 70_000, 140_000])
def test_any_length_of_stamped_text(size):
    """Short middles go in stored blocks (at most 65,535 bytes each), long ones are deflated."""
    header = {"name": "名" * size, "employee_id": "E1", "department": "x" * size, "appraiser": ""}
    assert read_package(TEMPLATE.stamp(**header)) == expected_parts(header)


def test_texts_are_cleaned_and_escaped():
    header = {"name": " 张三 & <李>\x01 ", "employee_id": "_x0041_", "department": "客服部", "appraiser": "李四"}
    parts = read_package(TEMPLATE.stamp(**header))
    strings = parts["xl/sharedStrings.xml"]
    assert b"<t>\xe5\xbc\xa0\xe4\xb8\x89 &amp; &lt;\xe6\x9d\x8e&gt;</t>" in strings
    assert b"<t>_x005F_x0041_</t>" in strings


def test_unchanged_parts_keep_their_compressed_bytes():
    """The members without a token are copied as deflated in the template: no recompression."""
    original = zipfile.ZipFile(io.BytesIO(package(PARTS)))
    stamped = zipfile.ZipFile(io.BytesIO(TEMPLATE.stamp(name="a", employee_id="b", department="c")))
    for name in ("[Content_Types].xml", "xl/worksheets/sheet1.xml"):
        assert stamped.getinfo(name).compress_size == original.getinfo(name).compress_size
        assert stamped.getinfo(name).CRC == original.getinfo(name).CRC


def test_extra_tokens():
    parts = dict(PARTS, **{"xl/worksheets/sheet1.xml": b"<worksheet><v>@@MARK@@</v>" + b"<row/>" * 300
                                                        + b"<v>@@MARK@@</v></worksheet>"})
    template = Template(package(parts), tokens=[b"@@MARK@@"])
    stamped = read_package(template.stamp(name="a", employee_id="b", department="c", extra=[(b"@@MARK@@", b"42")]))
    assert stamped["xl/worksheets/sheet1.xml"] == b"<worksheet><v>42</v>" + b"<row/>" * 300 + b"<v>42</v></worksheet>"


# ------------------------------------------------------------------ escaping, byte for byte
XML_TEXT = [
    ("张三", b"\xe5\xbc\xa0\xe4\xb8\x89"),
    ("A&B", b"A&amp;B"),
    ("<李>", b"&lt;\xe6\x9d\x8e&gt;"),
    ("&amp;", b"&amp;amp;"),
    ("a > b & c < d", b"a &gt; b &amp; c &lt; d"),
    ("_x0041_", b"_x005F_x0041_"),
    ("_x004a_", b"_x005F_x004a_"),       # lower-case hex
    ("_x004A_", b"_x005F_x004A_"),       # upper-case hex
    ("_x000a_", b"_x005F_x000a_"),
    ("_x000D_", b"_x005F_x000D_"),
    ("_x005F_", b"_x005F_x005F_"),       # the escape of `_` itself
    ("_x005f_", b"_x005F_x005f_"),
    ("E_x0031_001", b"E_x005F_x0031_001"),
    # overlapping: the second underscore starts an escape too once the first is decoded
    ("_x0009_x000a_", b"_x005F_x0009_x005F_x000a_"),
    ("_x005F_x0041_", b"_x005F_x005F_x005F_x0041_"),
    ("_x0041__x0042_", b"_x005F_x0041__x005F_x0042_"),
    ("__x0041__", b"__x005F_x0041__"),
    # not escapes: no closing underscore, three or five digits, not hex, capital X
    ("_x0041", b"_x0041"), ("x0041_", b"x0041_"), ("_x041_", b"_x041_"), ("_x00411_", b"_x00411_"),
    ("_x004G_", b"_x004G_"), ("_X0041_", b"_X0041_"), ("_x_", b"_x_"),
    ("a\rb", b"a_x000D_b"),              # an XML reader would take a bare CR for a line feed
    ("a\tb\nc", b"a\tb\nc"),             # tab and line feed are XML text as they are
]


@pytest.mark.parametrize("text, expected", XML_TEXT)
def test_xml_text(text, expected):
    assert xml_text(text) == expected
    assert spec_xml(text) == expected  # the independent rule agrees on every example


CLEAN_TEXT = [
    (" 张三 ", "张三"),
    ("\u3000张三\u00a0", "张三"),
    ("张\x01三\x1f", "张三"),
    ("\x00\x08\x0b\x0c\x0e", ""),
    ("a\ufffeb\uffff", "ab"),
    ("张\t三\n", "张\t三"),
    (None, ""),
    (1001, "1001"),
]


@pytest.mark.parametrize("text, expected", CLEAN_TEXT)
def test_clean_text(text, expected):
    assert clean_text(text) == expected


# texts that LibreOffice decodes wrongly unless escaped right: control-character escapes in both
# cases of hex, `_x005F_` itself, overlapping escapes, a carriage return, markup characters
TRICKY = {
    "name": "李_x000a_四_x000A_",
    "employee_id": "E_x0009_x000d_1",
    "department": "客服_x005F_部 & <售后>",
    "appraiser": "陈\r建国\x01",
}
TRICKY_XML = {
    "name": b"<t>\xe6\x9d\x8e_x005F_x000a_\xe5\x9b\x9b_x005F_x000A_</t>",
    "employee_id": b"<t>E_x005F_x0009_x005F_x000d_1</t>",
    "department": b"<t>\xe5\xae\xa2\xe6\x9c\x8d_x005F_x005F_\xe9\x83\xa8 &amp; &lt;\xe5\x94\xae\xe5\x90\x8e&gt;</t>",
    "appraiser": b"<t>\xe9\x99\x88_x000D_\xe5\xbb\xba\xe5\x9b\xbd</t>",
}
TRICKY_READ = {"name": "李_x000a_四_x000A_", "employee_id": "E_x0009_x000d_1", "department": "客服_x005F_部 & <售后>",
               "appraiser": "陈\r建国"}


@pytest.fixture(scope="module")
def tricky_workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("tricky") / "tricky.xlsx"
    path.write_bytes(form_template(xlkpi.get_form("客服专员"), "2026-11").stamp(**TRICKY))
    return path


def test_a_stamped_workbook_holds_the_escaped_texts(tricky_workbook):
    with zipfile.ZipFile(tricky_workbook) as book:
        assert book.testzip() is None
        strings = book.read("xl/sharedStrings.xml")
        core = book.read("docProps/core.xml")
        custom = book.read("docProps/custom.xml")
    for key, expected in TRICKY_XML.items():
        assert strings.count(expected) == 1, key
    assert b"<dc:subject>2026-11 " + TRICKY_XML["name"][3:-4] + b"</dc:subject>" in core
    assert b"<vt:lpwstr>" + TRICKY_XML["employee_id"][3:-4] + b"</vt:lpwstr>" in custom
    ElementTree.fromstring(strings)  # well-formed


def _fods_texts(path) -> set:
    """Every cell text of a flat ODF spreadsheet, as LibreOffice holds it."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

    def text_of(element) -> str:
        parts = [element.text or ""]
        for child in element:
            tag = child.tag.split("}")[1]
            if tag == "s":
                parts.append(" " * int(child.get(f"{{{text_ns}}}c", "1")))
            elif tag == "tab":
                parts.append("\t")
            elif tag == "line-break":
                parts.append("\n")
            else:
                parts.append(text_of(child))
            parts.append(child.tail or "")
        return "".join(parts)

    root = ElementTree.parse(path).getroot()
    texts = set()
    for cell in root.iter(f"{{{table}}}table-cell"):
        paragraphs = cell.findall(f"{{{text_ns}}}p")
        if paragraphs:
            texts.add("\n".join(text_of(paragraph) for paragraph in paragraphs))
    assert root.find(f"{{{office}}}body") is not None
    return texts


@pytest.mark.libreoffice
def test_libreoffice_reads_the_stamped_texts_as_given(soffice, tricky_workbook, tmp_path):
    (flat,) = convert([tricky_workbook], tmp_path, "fods")
    texts = _fods_texts(flat)
    for key, expected in TRICKY_READ.items():
        assert expected in texts, (key, sorted(text for text in texts if text[:1] in "李E客陈"))


def test_collect_reads_the_stamped_texts_as_given(tricky_workbook):
    from xlkpi.month.collect import read_appraisal

    appraisal, problems = read_appraisal(tricky_workbook, month="2026-11")
    assert [problem.code for problem in problems if problem.code != "blank"] == []
    assert {key: appraisal.header[f"hdr_{key}"] for key in TRICKY_READ} == TRICKY_READ
