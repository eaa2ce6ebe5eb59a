"""Stamping a monthly template: the package a stamp writes holds exactly the parts of
the template with the header texts put in, whatever the texts' size or characters."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlkpi.stamp import PLACEHOLDERS, Template, clean_text, xml_text

TOKENS = {key: value.encode() for key, value in PLACEHOLDERS.items()}


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
            content = content.replace(token, xml_text(clean_text(header[key])))
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
