"""What the VBA modules xlkpi ships must hold, taken from xlwings itself, not from xlkpi's code.

* the pinned package's files (`xlwings.bas`, `xlwings_custom_addin.bas`, `addin/Dictionary.cls`);
* the modules Excel stored in xlwings' own `quickstart_standalone.xlsm` (read with oletools):
  what a class module and the document modules look like after Excel imported them;
* the module xlwings' "Import Functions" (`xlwings.udfs.import_udfs`) imports, recorded
  from a stand-in workbook (xlwings' Windows code runs with pywin32 emulated, as in
  `xlkpi.excel.vba`), with the CRLF line ends Windows' text mode gives the file it writes.
"""

from __future__ import annotations

import io
import types
import zipfile
from pathlib import Path

import olefile
import xlwings
from oletools.olevba import VBA_Parser

from xlkpi.excel import vba

XLWINGS = Path(xlwings.__file__).resolve().parent
LO_TYPES = {"module": "VBAModule", "class": "VBAClassModule", "document": "VBADocumentModule"}


def package_text(relative: str) -> str:
    """A file of the pinned xlwings package, its bytes as text (ASCII, CRLF)."""
    return (XLWINGS / relative).read_bytes().decode("cp1252")


def olevba_modules(data: bytes, name: str = "book.xlsm") -> dict:
    """Every module oletools reads from a workbook package or a vbaProject.bin: name → source."""
    parser = VBA_Parser(name, data=data)
    try:
        modules = {}
        for _, _, filename, code in parser.extract_macros():
            module = filename.rsplit(".", 1)[0]
            assert module not in modules, f"{module} read twice"
            modules[module] = code
        return modules
    finally:
        parser.close()


def template_modules() -> dict:
    """The modules of xlwings' `quickstart_standalone.xlsm`, as Excel stored them."""
    package = zipfile.ZipFile(XLWINGS / "quickstart_standalone.xlsm")
    return olevba_modules(package.read("xl/vbaProject.bin"), "vbaProject.bin")


def dictionary_module() -> str:
    """`Dictionary` as Excel stores it after importing the package's `Dictionary.cls`: the
    attribute lines Excel wrote into xlwings' template, then the file's body unchanged.

    (The template's body differs from the file only in letter case: the VBA editor re-cases
    identifiers, `err.Raise` → `Err.Raise`, as it will again when it compiles the module.)
    """
    stored = template_modules()["Dictionary"].split("\r\n")
    lines = package_text("addin/Dictionary.cls").split("\r\n")

    def after_attributes(lines):
        start = next(index for index, line in enumerate(lines) if line.startswith("Attribute "))
        return next(index for index in range(start, len(lines)) if not lines[index].startswith("Attribute "))

    stored_end, file_end = after_attributes(stored), after_attributes(lines)
    return "\r\n".join(stored[:stored_end] + lines[file_end:])


def document_module(name: str) -> str:
    """A document module as Excel stores it: the template's `ThisWorkbook`, or its `Sheet1` renamed."""
    modules = template_modules()
    if name == "ThisWorkbook":
        return modules["ThisWorkbook"]
    return modules["Sheet1"].replace('Attribute VB_Name = "Sheet1"', f'Attribute VB_Name = "{name}"')


class RecordingWorkbook:
    """What `import_udfs` touches of a workbook: its name, VBComponents.Import, MacroOptions."""

    def __init__(self, name: str):
        self.Name = name
        self.imported = None
        self.macro_options = []
        outer = self

        class Components:
            def __call__(self, name):
                return name

            def Remove(self, component):
                pass

            def Import(self, path):
                with open(path, encoding="ascii", newline="") as file:
                    outer.imported = file.read()  # xlwings deletes the file afterwards

        class Application:
            Version = "16.0"

            def MacroOptions(self, macro, **options):
                outer.macro_options.append((macro, options))

        self.VBProject = types.SimpleNamespace(VBComponents=Components())
        self.Application = Application()


def import_functions(workbook_name: str = "appraisal.xlsm") -> RecordingWorkbook:
    """Run xlwings' "Import Functions" (`import_udfs("xlkpi.excel.udfs", …)`) against a recording workbook."""
    workbook = RecordingWorkbook(workbook_name)
    with vba._udf_generator() as (xlwings_udfs, module):
        xlwings_udfs.udf_modules["xlkpi.excel.udfs"] = {"filename": module.__file__, "filetime": None,
                                                   "module": module}
        xlwings_udfs.import_udfs("xlkpi.excel.udfs", workbook)
    return workbook


def imported_udfs(workbook_name: str = "appraisal.xlsm") -> str:
    """The `xlwings_udfs` module "Import Functions" imports, with Windows' CRLF line ends."""
    return import_functions(workbook_name).imported.replace("\n", "\r\n")


def udf_workbook_modules(sheets: int = 3) -> dict:
    """name → (kind, source) of every module a udf workbook must carry."""
    expected = {"ThisWorkbook": ("document", document_module("ThisWorkbook"))}
    for index in range(1, sheets + 1):
        expected[f"Sheet{index}"] = ("document", document_module(f"Sheet{index}"))
    expected["xlwings"] = ("module", package_text("xlwings.bas"))
    expected["Dictionary"] = ("class", dictionary_module())
    expected["xlwings_udfs"] = ("module", imported_udfs())
    return expected


def libreoffice_source(source: str, kind: str) -> str:
    """A module's source as LibreOffice holds it after importing a VBA project: a comment with
    the module's type and `Option VBASupport 1` (and `Option ClassModule`) first, the
    `Attribute` lines gone, LF line ends, one more LF at the end."""
    lines = [line for line in source.split("\r\n") if not line.startswith("Attribute ")]
    head = [f"Rem Attribute VBA_ModuleType={LO_TYPES[kind]}", "Option VBASupport 1"]
    if kind == "class":
        head.append("Option ClassModule")
    return "\n".join(head + lines) + "\n"


def olevba_project_stream(data: bytes) -> str:
    """The PROJECT stream of a workbook package's VBA project, read with olefile."""
    vba = zipfile.ZipFile(io.BytesIO(data)).read("xl/vbaProject.bin")
    return olefile.OleFileIO(io.BytesIO(vba)).openstream("PROJECT").read().decode("cp1252")
