"""The workbook part and its relationships: the sheets (name → part) and the defined names.

`read_workbook_part` reads `xl/workbook.xml` and `xl/_rels/workbook.xml.rels` of an open
package: the plain way when it can, else with the full XML parser, with the same result. A
month's workbooks of one form share this part, so what was read is remembered (by the parts'
raw bytes, and by the elements the result depends on) and only looked up for the next one.
`parse_ref` reads a defined name's reference.

Only workbook-level names of single cells (or ranges, by their first cell) are kept: print
areas (`_xlnm.`), sheet-level names and names of anything else are left out. It reads no sheet
and no shared string (`reader`, `shared_strings`).
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from .plain_xml import (
    MAIN_XMLNS,
    PKG_XMLNS,
    R_XMLNS,
    REL_NS,
    STRICT_REL_NS,
    NotPlain,
    decode_text,
    each,
    no_markup_sections,
    plain_root,
    tag_attributes,
)
from .zip_package import REMEMBER_UP_TO, remember, remembered

_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^!'\s]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?[A-Z]{1,3}\$?\d+)?$")
_SHEET = re.compile(rb"<sheet\s([^>]*)>")
_DEFINED = re.compile(rb"<definedName\s([^>]*?)(?:/>|>([^<]*)</definedName>)")
_RELATIONSHIP = re.compile(rb"<Relationship\s([^>]*)>")


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


_WORKBOOKS: dict = {}  # (sheets, names) by the elements they were read from (`_workbook_key`)


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


def read_workbook_part(package):
    """({sheet name: part name}, {defined name: (sheet, row, col)}) of an open package.

    Raises:
        KeyError: a part is missing; zipfile.BadZipFile, EOFError: it cannot be inflated;
        TooLarge: it is too large; ElementTree.ParseError, ValueError: it is not XML.
    """
    key = (package.raw_key("xl/workbook.xml"), package.raw_key("xl/_rels/workbook.xml.rels"))
    found = remembered(key) if None not in key else None
    if found is None:
        workbook = package.read("xl/workbook.xml")
        rels = package.read("xl/_rels/workbook.xml.rels")
        found = _read_workbook(workbook, rels)
        if None not in key:
            remember(key, found, len(workbook) + len(rels))
    sheets, names = found
    parts = {}
    for name, target in sheets:
        target = target.lstrip("/")
        parts[name] = target if target.startswith("xl/") else f"xl/{target}"
    return parts, names


def _read_workbook(workbook: bytes, rels: bytes):
    """([(sheet name, target)], {defined name: (sheet, row, col)}).

    A month's workbooks of one form share their sheet list, names and relationships, so the
    parsed result is kept, keyed by those bytes, and the next workbook only looks it up."""
    key = _workbook_key(workbook, rels)
    if key is not None:
        found = _WORKBOOKS.get(key)
        if found is not None:
            return found
    try:
        sheets, names = _read_workbook_plain(workbook, rels)
    except NotPlain:
        sheets, names = _read_workbook_tree(workbook, rels)
    result = sheets, _cell_names(names)
    if key is not None and len(workbook) <= REMEMBER_UP_TO:
        if len(_WORKBOOKS) >= 256:
            _WORKBOOKS.clear()
        _WORKBOOKS[key] = result
    return result


def _read_workbook_plain(workbook: bytes, rels: bytes):
    """([(sheet name, target)], [(name, localSheetId, reference)]) read the plain way; raises `NotPlain`."""
    workbook = no_markup_sections(plain_root(workbook, b"workbook", MAIN_XMLNS))
    rels = no_markup_sections(plain_root(rels, b"Relationships", PKG_XMLNS))
    targets = {}
    found = _RELATIONSHIP.findall(rels)
    if len(found) != rels.count(b"<Relationship "):
        raise NotPlain
    for raw in found:
        attributes = tag_attributes(raw.rstrip(b"/"))
        targets[attributes.get("Id")] = attributes.get("Target")
    found = _SHEET.findall(workbook)
    if len(found) != workbook.count(b"<sheet ") or found and R_XMLNS not in workbook:
        raise NotPlain
    sheets = []
    for raw in found:
        attributes = tag_attributes(raw.rstrip(b"/"))
        if "name" not in attributes or "r:id" not in attributes:
            raise NotPlain
        sheets.append((attributes["name"], targets.get(attributes["r:id"]) or ""))
    found = _DEFINED.findall(workbook)
    if len(found) != workbook.count(b"<definedName "):
        raise NotPlain
    names = []
    for raw, text in found:
        attributes = tag_attributes(raw)
        names.append((attributes.get("name", ""), attributes.get("localSheetId"), decode_text(text)))
    return sheets, names


def _read_workbook_tree(workbook: bytes, rels: bytes):
    """The same as `_read_workbook_plain`, read by the XML parser (raises ElementTree.ParseError)."""
    root = ElementTree.fromstring(workbook)
    rels = ElementTree.fromstring(rels)
    targets = {rel.get("Id"): rel.get("Target") for rel in each(rels, "Relationship")}
    sheets = [(sheet.get("name"), targets.get(sheet.get(f"{REL_NS}id") or sheet.get(f"{STRICT_REL_NS}id"), "")
               or "") for sheet in each(root, "sheet")]
    names = [(element.get("name", ""), element.get("localSheetId"), element.text or "")
             for element in each(root, "definedName")]
    return sheets, names
