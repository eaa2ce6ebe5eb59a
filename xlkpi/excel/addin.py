"""`xlkpi.xlam`: the Excel add-in that gives KPI_* to every open workbook and the 绩效考核 tab.

As xlwings' own custom add-ins (`xlwings quickstart --addin --ribbon`, then "Import
Functions to add-in"): the VBA project holds xlwings' custom add-in runtime, the
KPI_* wrappers written for an add-in (they pass `ActiveWorkbook`, the workbook whose
cell calls them) and the ribbon's callbacks; UDFs in an add-in need no reference
from the workbooks that use them, which may be plain `.xlsx`.

The package is what Excel writes for an add-in: the workbook part's content type
`application/vnd.ms-excel.addin.macroEnabled.main+xml`, its window hidden, one sheet
(`_xlkpi.conf`, inactive, as xlwings' template has `_myaddin.conf`), and the
`customUI/customUI14.xml` part related from the package root. Reproducible bytes.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import xlsxwriter

from .. import __version__
from .ovba import vba_project
from .ribbon import PART, RELATIONSHIP, custom_ui, ribbon_module
from .runtime import ADDIN_PROJECT, addin_modules, document_modules, kpi_module

ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CONF_SHEET = f"_{ADDIN_PROJECT}.conf"
FILE_NAME = f"{ADDIN_PROJECT}.xlam"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def addin_project() -> bytes:
    """The add-in's `vbaProject.bin`: its document modules, xlwings' runtime, the wrappers, the callbacks."""
    modules = [*document_modules(1), *addin_modules(), kpi_module(addin=True), ribbon_module()]
    return vba_project(modules, name=ADDIN_PROJECT)


def build_addin() -> bytes:
    """The bytes of `xlkpi.xlam`.

    Raises:
        XlkpiError: xlwings is missing or not the pinned version.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(CONF_SHEET)
    workbook.set_vba_name("ThisWorkbook")
    sheet.set_vba_name("Sheet1")
    workbook.add_vba_project(io.BytesIO(addin_project()), is_stream=True)
    workbook.set_properties({"title": "xlkpi", "subject": "绩效考核 Excel 加载项", "author": "xlkpi",
                             "comments": f"xlkpi {__version__}", "created": datetime.datetime(2026, 1, 1)})
    workbook.close()
    return _as_addin(buffer.getvalue())


def _as_addin(data: bytes) -> bytes:
    """The macro-enabled workbook package made an add-in: content type, hidden window, the ribbon."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = content.replace(MACRO_CONTENT_TYPE.encode(), ADDIN_CONTENT_TYPE.encode())
            elif info.filename == "xl/workbook.xml":
                content = re.sub(rb"<workbookView ", b'<workbookView visibility="hidden" ', content, count=1)
            elif info.filename == "_rels/.rels":
                content = content.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdCustomUI" Type="{RELATIONSHIP}" Target="{PART}"/></Relationships>'
                ).encode())
            target.writestr(info, content)
        target.writestr(zipfile.ZipInfo(PART, _ZIP_DATE), custom_ui(), zipfile.ZIP_DEFLATED)
    return out.getvalue()
