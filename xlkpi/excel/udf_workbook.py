"""What makes a udf workbook compute when it is opened: its VBA project and its `xlwings.conf` sheet.

The project (see `runtime.udf_workbook_project`) holds xlwings' standalone runtime
and the KPI_* wrappers, so the workbook needs neither the xlwings add-in, nor a
reference to it, nor "Import Functions": on a PC with Python, xlwings (the pinned
version) and xlkpi, enabling macros is all it takes.

The `xlwings.conf` sheet holds only the keys xlkpi sets. xlwings reads the sheet from
A1 down to the first blank cell, and a key present with an empty value hides the
user's own settings (`%USERPROFILE%\\.xlwings\\xlwings.conf`, where `xlwings config
create` writes the interpreter): so no `Interpreter_Win`, no `PYTHONPATH`. The
wrappers name `xlkpi.excel.udfs` themselves; `UDF Modules` is there so that "Import
Functions", if someone runs it, writes the same wrappers again.
"""

from __future__ import annotations

import io

from .runtime import udf_workbook_project

UDF_MODULE = "xlkpi.excel.udfs"
CONF = (("UDF Modules", UDF_MODULE),)


def add_udf_parts(workbook, conf_sheet: str):
    """Add the `xlwings.conf` sheet and the VBA project to an XlsxWriter `workbook` about to close.

    Every sheet gets its code name (`Sheet1`, … in order, the workbook `ThisWorkbook`),
    matching the project's document modules. XlsxWriter then writes the package as
    macro-enabled (`.xlsm`).

    Raises:
        XlkpiError: xlwings is missing or not the pinned version.
    """
    conf = workbook.add_worksheet(conf_sheet)
    for row, (key, value) in enumerate(CONF):
        conf.write_string(row, 0, key)
        conf.write_string(row, 1, value)
    sheets = workbook.worksheets()
    workbook.set_vba_name("ThisWorkbook")
    for index, sheet in enumerate(sheets, start=1):
        sheet.set_vba_name(f"Sheet{index}")
    workbook.add_vba_project(io.BytesIO(udf_workbook_project(len(sheets))), is_stream=True)
