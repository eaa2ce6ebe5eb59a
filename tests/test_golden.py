"""Rendered workbooks compared with the golden files in tests/golden/, part by part.

Each built-in form is rendered in both dialects for one fixed employee (张三,
E001, 客服部, 2026-11, appraiser 李四) and compared with
`tests/golden/<form_id>.native.xlsx` and `tests/golden/<form_id>.udf.xlsm`:
the two packages must hold the same parts, and every XML part must be the same
after normalising (canonical XML with sorted attributes; relationships and
content types sorted; `dcterms:created`, `dcterms:modified` and `AppVersion`
dropped). The xlkpi version written into the workbook is pinned to
GOLDEN_VERSION so that a release does not change the goldens. A failure names
each part that differs, with a short unified diff of the pretty-printed XML.

A change to the layout is meant to show up here. When it is deliberate,
regenerate the goldens and review their diff before committing:

    python -m tests.test_golden --update
    # or: XLKPI_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import io
import os
import sys
import xml.dom.minidom
import xml.etree.ElementTree as ET
import zipfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest

import xlkpi
from xlkpi.workbook import render

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_VERSION = "0.0.0"
EMPLOYEE = {"name": "张三", "employee_id": "E001", "department": "客服部", "month": "2026-11",
            "appraiser": "李四"}
SUFFIX = {"native": ".native.xlsx", "udf": ".udf.xlsm"}
FORMS = sorted(xlkpi.builtin_forms())
CASES = [(form_id, dialect) for form_id in FORMS for dialect in SUFFIX]
DIFF_LINES = 40

DC_TERMS = "http://purl.org/dc/terms/"
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
# Elements left out of the comparison: (part, namespace, name).
VOLATILE = {
    ("docProps/core.xml", DC_TERMS, "created"),
    ("docProps/core.xml", DC_TERMS, "modified"),
    ("docProps/app.xml", EXTENDED, "AppVersion"),
}
# Elements whose children's order carries no meaning: (namespace, name) → the attributes to sort by.
UNORDERED = {
    (RELATIONSHIPS, "Relationships"): ("Type", "Target", "Id"),
    (CONTENT_TYPES, "Types"): ("Extension", "PartName"),
}


def golden_path(form_id: str, dialect: str) -> Path:
    return GOLDEN / f"{form_id}{SUFFIX[dialect]}"


@contextmanager
def pinned_version():
    """Render with GOLDEN_VERSION in place of xlkpi's version."""
    with mock.patch.object(render, "__version__", GOLDEN_VERSION):
        yield


def render_golden(form_id: str, dialect: str) -> bytes:
    """The workbook the golden file holds, rendered anew."""
    with pinned_version():
        return render.render_workbook(form_id, dialect=dialect, **EMPLOYEE)


# ----------------------------------------------------------------- normalising
def normalise(part: str, content: bytes):
    """An XML part as canonical (C14N 2.0: attributes sorted), pretty-printed text without its
    volatile elements and with unordered children sorted; any other part as its bytes."""
    try:
        canonical = ET.canonicalize(content.decode("utf-8"))
    except (UnicodeDecodeError, ET.ParseError):
        return content
    document = xml.dom.minidom.parseString(canonical.encode("utf-8"))
    for element in list(document.getElementsByTagName("*")):
        if (part, element.namespaceURI, element.localName) in VOLATILE:
            element.parentNode.removeChild(element)
        keys = UNORDERED.get((element.namespaceURI, element.localName))
        if keys:
            children = list(element.childNodes)
            for child in children:
                element.removeChild(child)
            for child in sorted(children, key=lambda node: [_attribute(node, key) for key in keys]):
                element.appendChild(child)
    pretty = document.toprettyxml(indent="  ")
    return "\n".join(line for line in pretty.splitlines() if line.strip()) + "\n"


def _attribute(node, name: str) -> str:
    return node.getAttribute(name) if node.nodeType == node.ELEMENT_NODE else ""


def compare_packages(expected: bytes, actual: bytes) -> list:
    """What differs between two packages: missing or extra parts, and each differing part with a diff."""
    old = zipfile.ZipFile(io.BytesIO(expected))
    new = zipfile.ZipFile(io.BytesIO(actual))
    old_parts, new_parts = set(old.namelist()), set(new.namelist())
    problems = []
    if old_parts - new_parts:
        problems.append(f"parts missing from the rendered workbook: {sorted(old_parts - new_parts)}")
    if new_parts - old_parts:
        problems.append(f"parts not in the golden workbook: {sorted(new_parts - old_parts)}")
    for part in sorted(old_parts & new_parts):
        before, after = normalise(part, old.read(part)), normalise(part, new.read(part))
        if before == after:
            continue
        if isinstance(before, bytes) or isinstance(after, bytes):
            problems.append(f"{part} differs (binary part)")
            continue
        diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                         f"golden/{part}", f"rendered/{part}", n=2, lineterm=""))
        if len(diff) > DIFF_LINES:
            diff = diff[:DIFF_LINES] + [f"... ({len(diff) - DIFF_LINES} more diff lines)"]
        problems.append(f"{part} differs:\n" + "\n".join(diff))
    return problems


def update_goldens() -> list:
    """Write every golden file anew; returns the paths written."""
    GOLDEN.mkdir(exist_ok=True)
    written = []
    for form_id, dialect in CASES:
        path = golden_path(form_id, dialect)
        path.write_bytes(render_golden(form_id, dialect))
        written.append(path)
    return written


# ----------------------------------------------------------------- the tests
@pytest.mark.parametrize("form_id, dialect", CASES)
def test_workbook_matches_golden(form_id, dialect):
    path = golden_path(form_id, dialect)
    data = render_golden(form_id, dialect)
    if os.environ.get("XLKPI_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
        pytest.skip(f"wrote {path.name}")
    assert path.exists(), f"{path} is missing: run python -m tests.test_golden --update"
    problems = compare_packages(path.read_bytes(), data)
    assert not problems, (f"{path.name}: the rendered workbook differs from the golden one "
                          "(python -m tests.test_golden --update if deliberate)\n" + "\n".join(problems))


def test_rendering_is_reproducible():
    assert render_golden("kefu_zhuanyuan", "udf") == render_golden("kefu_zhuanyuan", "udf")


def _rewrite(data: bytes, change: dict, drop=()) -> bytes:
    """`data` with some parts replaced (`change`: part → function of its text) or left out."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            content = source.read(info.filename)
            if info.filename in change:
                content = change[info.filename](content.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, content)
    return out.getvalue()


def test_comparison_ignores_dates_app_version_and_relationship_order():
    data = render_golden("kefu_zhuanyuan", "native")
    rels = "xl/_rels/workbook.xml.rels"
    original = zipfile.ZipFile(io.BytesIO(data)).read(rels).decode()
    document = xml.dom.minidom.parseString(original)
    relationships = document.documentElement
    for child in reversed(list(relationships.childNodes)):
        relationships.appendChild(child)  # moves it to the end: the order is reversed
    assert document.toxml() != xml.dom.minidom.parseString(original).toxml()
    changed = _rewrite(data, {
        "docProps/core.xml": lambda text: text.replace("2026-11-01T00:00:00Z", "2031-02-03T04:05:06Z"),
        "docProps/app.xml": lambda text: text.replace("<AppVersion>12.0000</AppVersion>",
                                                      "<AppVersion>16.0300</AppVersion>"),
        rels: lambda text: document.toxml(),
    })
    assert "2031-02-03" in zipfile.ZipFile(io.BytesIO(changed)).read("docProps/core.xml").decode()
    assert compare_packages(data, changed) == []


def test_comparison_names_the_part_that_differs():
    data = render_golden("kefu_zhuanyuan", "native")
    changed = _rewrite(data, {"xl/sharedStrings.xml": lambda text: text.replace("张三", "张四")})
    problems = compare_packages(data, changed)
    assert len(problems) == 1
    assert problems[0].startswith("xl/sharedStrings.xml differs:")
    assert "\n-    <t>张三</t>\n+    <t>张四</t>\n" in problems[0]


def test_comparison_fails_on_a_part_added_or_removed():
    data = render_golden("kefu_zhuanyuan", "native")
    fewer = _rewrite(data, {}, drop={"docProps/custom.xml"})
    assert compare_packages(data, fewer) == ["parts missing from the rendered workbook: ['docProps/custom.xml']"]
    assert compare_packages(fewer, data) == ["parts not in the golden workbook: ['docProps/custom.xml']"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.test_golden --update")
    for written in update_goldens():
        print(f"wrote {written.relative_to(Path.cwd()) if written.is_relative_to(Path.cwd()) else written}")
