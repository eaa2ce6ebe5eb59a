"""The VBA xlkpi ships: xlwings' runtime from the pinned package, the KPI_* wrappers, a udf workbook's project.

A udf workbook carries, besides its document modules, what `xlwings quickstart
--standalone` embeds (and `xlwings release` imports for a workbook that runs
without the add-in): the module `xlwings` (the package's `xlwings.bas`) and the
class `Dictionary` (`addin/Dictionary.cls`); and the `xlwings_udfs` module that
"Import Functions" writes for `xlkpi.excel.udfs`. The add-in carries the custom add-in
runtime (`xlwings_custom_addin.bas`) instead, with its one line xlwings' guide says
to change when renaming an add-in (`PROJECT_NAME`), so that its settings are its own
(`xlkpi.conf`).

Each module's text is what Excel stores after importing the file (`vbe_import`):
CRLF lines; a class file without its `VERSION`/`BEGIN … END` header and with the
attributes Excel adds. The files come from the installed xlwings package, which must
be the pinned version: the runtime names its DLL by version (`xlwings64-0.37.8.dll`),
so the workbook must match the xlwings installed on the PC that opens it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from pathlib import Path

from ..base.errors import XlkpiError
from ..base.resources import package_folder
from .ovba import Module, vba_project

XLWINGS_VERSION = "0.37.8"
ADDIN_PROJECT = "xlkpi"
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
KPI_MODULE = "xlwings_udfs"
_CLASS_HEADER = ("VERSION 1.0 CLASS", "BEGIN", "END")


def xlwings_folder() -> Path:
    """The installed xlwings package's folder.

    Raises:
        XlkpiError: xlwings is not installed, or is not the pinned version.
    """
    spec = importlib.util.find_spec("xlwings")  # found, not imported: importing it takes ~1.3 s
    if spec is None or not spec.submodule_search_locations:
        raise XlkpiError(f"需要 xlwings {XLWINGS_VERSION} 才能写入 VBA 项目：pip install xlwings=={XLWINGS_VERSION}")
    version = importlib.metadata.version("xlwings")
    if version != XLWINGS_VERSION:
        raise XlkpiError(f"xlkpi 需要 xlwings {XLWINGS_VERSION}，当前安装的是 {version}："
                         f"pip install xlwings=={XLWINGS_VERSION}")
    return Path(spec.submodule_search_locations[0]).resolve()


def package_text(relative: str) -> str:
    """A file of the xlwings package, as text with its own line ends (the files are ASCII, CRLF)."""
    path = xlwings_folder() / relative
    try:
        return path.read_bytes().decode("cp1252")
    except OSError as error:
        raise XlkpiError(f"无法读取 xlwings 的文件 {path}：{error.strerror or error}") from None


def vbe_import(text: str, kind: str = "module") -> str:
    """A `.bas` or `.cls` file's text as Excel stores the module after `VBComponents.Import`.

    Lines end in CRLF. For a class (`kind="class"`) the `VERSION 1.0 CLASS` /
    `BEGIN … END` header goes, `Attribute VB_Base` follows `VB_Name`, and
    `VB_TemplateDerived` and `VB_Customizable` (both False) follow `VB_Exposed`
    (what Excel stored for `Dictionary.cls` in xlwings' own `quickstart_standalone.xlsm`).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    if kind != "class":
        return "\r\n".join(lines)
    if lines[0] == _CLASS_HEADER[0]:
        end = next(index for index, line in enumerate(lines) if line == _CLASS_HEADER[2])
        lines = lines[end + 1:]
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("Attribute VB_Name = "):
            out.append(f'Attribute VB_Base = "{CLASS_BASE}"')
        elif line.startswith("Attribute VB_Exposed = "):
            out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    return "\r\n".join(out)


def document_module(name: str, base: str) -> Module:
    """The module of the workbook (`base` WORKBOOK_BASE) or of a sheet (SHEET_BASE), empty."""
    attributes = [f'VB_Name = "{name}"', f'VB_Base = "{base}"', "VB_GlobalNameSpace = False",
                  "VB_Creatable = False", "VB_PredeclaredId = True", "VB_Exposed = True",
                  "VB_TemplateDerived = False", "VB_Customizable = True"]
    return Module(name, "".join(f"Attribute {attribute}\r\n" for attribute in attributes), "document")


def document_modules(sheets: int) -> list:
    """`ThisWorkbook` and `Sheet1` … `Sheet<sheets>`, the code names a workbook's parts carry."""
    return ([document_module("ThisWorkbook", WORKBOOK_BASE)]
            + [document_module(f"Sheet{index}", SHEET_BASE) for index in range(1, sheets + 1)])


def dictionary_module() -> Module:
    return Module("Dictionary", vbe_import(package_text("addin/Dictionary.cls"), "class"), "class")


def standalone_modules() -> list:
    """xlwings' runtime as `xlwings quickstart --standalone` embeds it: `xlwings` and `Dictionary`."""
    return [Module("xlwings", vbe_import(package_text("xlwings.bas"))), dictionary_module()]


def addin_modules() -> list:
    """xlwings' custom add-in runtime, its project named `xlkpi`, and `Dictionary`."""
    text = package_text("xlwings_custom_addin.bas")
    original = 'Public Const PROJECT_NAME As String = "myaddin"'
    if text.count(original) != 1:
        raise XlkpiError(f"xlwings {XLWINGS_VERSION} 的 xlwings_custom_addin.bas 与预期不同：找不到 {original}")
    renamed = text.replace(original, f'Public Const PROJECT_NAME As String = "{ADDIN_PROJECT}"')
    return [Module("xlwings", vbe_import(renamed)), dictionary_module()]


def macros_dir() -> Path:
    """The folder of xlkpi's VBA modules (`macros/`, installed as the package `xlkpi.macros`)."""
    return package_folder("xlkpi.macros", "macros")


def macro_text(name: str) -> str:
    """The text of one of xlkpi's VBA modules, with CRLF line ends as the VBE stores them.

    Raises:
        XlkpiError: the file is missing (a broken installation).
    """
    path = macros_dir() / name
    try:
        text = path.read_text(encoding="ascii")
    except OSError as error:
        raise XlkpiError(f"xlkpi 安装不完整：读不到 VBA 模块 {path}（{error.strerror or error}）。请重新安装 xlkpi。") from error
    return "\r\n".join(text.replace("\r\n", "\n").split("\n"))


def kpi_module(*, addin: bool = False) -> Module:
    """The KPI_* wrappers as "Import Functions" writes them.

    For a workbook: the committed `macros/xlwings_udfs.bas` (a test keeps it equal to
    what xlwings' generator writes; generating it imports xlwings, ~1.3 s). For the add-in
    (`addin=True`, wrappers calling `ActiveWorkbook`): generated by xlwings' code.
    """
    if addin:
        from .vba import udf_vba_module

        return Module(KPI_MODULE, vbe_import(udf_vba_module("xlkpi.xlam")))
    return Module(KPI_MODULE, vbe_import(macro_text("xlwings_udfs.bas")))


@functools.lru_cache(maxsize=None)
def udf_workbook_project(sheets: int) -> bytes:
    """The `vbaProject.bin` of a udf workbook with `sheets` sheets, built once per process.

    Its modules: the document modules, xlwings' standalone runtime and the KPI_* wrappers.

    Raises:
        XlkpiError: xlwings is missing or not the pinned version.
    """
    return vba_project([*document_modules(sheets), *standalone_modules(), kpi_module()])
