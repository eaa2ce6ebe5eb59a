"""LibreOffice loads every VBA project xlkpi writes, through UNO, as a VBA host does.

One soffice process (its own profile, a free loopback port) serves the whole module;
`tests/uno_client.py`, run by the system `python3` with Debian's python3-uno, loads each
workbook with MacroExecutionMode 4 (always run macros, no warning) and reports the Basic
libraries LibreOffice made of the VBA project and what formulas typed into a cell compute.

What this proves, for every udf workbook and the add-in: the container is read by a
second, independent implementation of MS-CFB/MS-OVBA (LibreOffice's, besides oletools');
every module is there, with the type the project declares (standard, class, document)
and its exact source; the cell engine binds the KPI_* names to the project's functions.
For the add-in, its own VBA runs: `XlkpiCommand` computes in a cell the Python command
of each button, and the button callback `XlkpiButton`, given a stand-in ribbon control,
hands that command to (a stand-in of) xlwings' RunPython.

What LibreOffice cannot show (measured; see docs/excel-manual-checks.md): it ignores the
`#If … #Else … #End If` directives, so xlwings' runtime (which declares its DLL functions
in both branches) does not compile there, and a failed module stops its whole library;
and a cell function gets no `Application.Caller`, so a KPI_* wrapper stops at its first
line, before the call that would reach Python over COM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import xlkpi
from xlkpi.excel import ribbon
from xlkpi.excel.addin import build_addin
from xlkpi.workbook.render import Employee, build_workbook

from . import vba_expected
from .cli import run_cli

pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("libreoffice-uno")]

CLIENT = Path(__file__).resolve().parent / "uno_client.py"
FORMS = sorted(xlkpi.builtin_forms())
EMPLOYEE = Employee("张三", "E001", "客服部", "2026-11")
NAME_ERROR = 525  # what LibreOffice's cell reports for an unknown function (#NAME?)
XLSM_FILTER = "Calc MS Excel 2007 VBA XML"  # LibreOffice does not detect an .xlam by itself
# Stand-ins, labelled as such, for what only Excel and xlwings provide: a ribbon control
# (its Tag) and xlwings' RunPython (here it keeps the command it is given). The code under
# test is the add-in's own callback, XlkpiButton.
CONTROL_STAND_IN = "Option VBASupport 1\nOption ClassModule\nPublic Tag As String\n"
RUNPYTHON_STAND_IN = """Option VBASupport 1
Private received As String
Public Function RunPython(PythonCommand As String)
    received = PythonCommand
End Function
Public Function PRESS(tag As String) As String
    Dim button As New RibbonControlStandIn
    button.Tag = tag
    received = ""
    XlkpiButton button
    PRESS = received
End Function
"""


def uno_python():
    """A Python that can `import uno` (Debian: /usr/bin/python3 with python3-uno), or None."""
    for candidate in (os.environ.get("XLKPI_UNO_PYTHON"), "/usr/bin/python3", shutil.which("python3")):
        if candidate and Path(candidate).exists():
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True)
            if probe.returncode == 0:
                return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Office:
    """A headless soffice listening on a loopback port, and the client that talks to it."""

    def __init__(self, soffice: str, python: str, profile: Path):
        self.python = python
        self.port = free_port()
        self.process = subprocess.Popen(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
             "--nologo", "--nodefault", f"--accept=socket,host=127.0.0.1,port={self.port};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def inspect(self, documents: list) -> list:
        request = json.dumps({"port": self.port, "documents": documents})
        result = subprocess.run([self.python, str(CLIENT)], input=request, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    def stop(self):
        """End the soffice started here: its process group (soffice starts soffice.bin as a child)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="module")
def office(soffice, tmp_path_factory):
    python = uno_python()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("python3-uno is required in CI: .ci/run installs it")
        pytest.skip("no Python with the uno module (Debian: apt-get install python3-uno)")
    running = Office(soffice, python, tmp_path_factory.mktemp("lo-profile"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """name → path of every workbook whose project LibreOffice is to load."""
    folder = tmp_path_factory.mktemp("vba-projects")
    paths = {}
    for form_id in FORMS:
        path = folder / f"{form_id}.xlsm"
        path.write_bytes(build_workbook(xlkpi.get_form(form_id), EMPLOYEE, dialect="udf"))
        paths[form_id] = path
    out = folder / "generated"
    result = run_cli("generate", "--month", "2026-11", "--out", out, "--dialect", "udf")
    assert result.exit_code == 0, result.output
    paths["generate"] = sorted(out.rglob("*.xlsm"))[0]
    paths["addin"] = folder / "xlkpi.xlam"
    paths["addin"].write_bytes(build_addin())
    return paths


@pytest.fixture(scope="module")
def kpi_functions():
    return re.findall(r"^Function (KPI_\w+)\(", vba_expected.imported_udfs(), flags=re.M)


@pytest.fixture(scope="module")
def answers(office, documents, kpi_functions):
    """What LibreOffice reports for each document (one client run for all of them); `addin-run`
    is the add-in again, without the two xlwings modules LibreOffice cannot compile and with
    the stand-ins, its callback and command function called from cells."""
    requests = []
    for name, path in documents.items():
        cells = [f"={function}(1)" for function in kpi_functions] + ["=KPI_NOT_IN_THE_PROJECT(1)"]
        request = {"path": str(path), "cells": cells if name == "generate" else []}
        if name == "addin":
            request["filter"] = XLSM_FILTER
        requests.append(request)
    requests.append({
        "path": str(documents["addin"]), "filter": XLSM_FILTER, "library": "xlkpi", "drop": ["xlwings", "Dictionary"],
        "add": [{"name": "RibbonControlStandIn", "source": CONTROL_STAND_IN, "class": True},
                {"name": "RunPythonStandIn", "source": RUNPYTHON_STAND_IN}],
        "cells": [f'=XlkpiCommand("{action}")' for action in ribbon.ACTIONS]
                 + [f'=PRESS("{action}")' for action in ribbon.ACTIONS]})
    return dict(zip([*documents, "addin-run"], office.inspect(requests)))


@pytest.fixture(scope="module")
def workbooks(answers):
    return {name: answer for name, answer in answers.items() if not name.startswith("addin")}


def test_every_project_loads_with_all_its_modules(workbooks):
    expected = vba_expected.udf_workbook_modules()
    assert len(workbooks) == len(FORMS) + 1
    for name, answer in workbooks.items():
        assert "error" not in answer, f"{name}: {answer}"
        assert sorted(answer["libraries"]["VBAProject"]) == sorted(expected), name


def test_every_module_holds_its_exact_source_and_type(workbooks):
    expected = vba_expected.udf_workbook_modules()
    for name, answer in workbooks.items():
        library = answer["libraries"]["VBAProject"]
        for module, (kind, source) in expected.items():
            assert library[module] == vba_expected.libreoffice_source(source, kind), f"{name}: {module}"


def test_cells_bind_the_kpi_names_to_the_project(answers, kpi_functions):
    cells = answers["generate"]["cells"]
    assert len(kpi_functions) >= 8
    for function, (text, _, error) in zip(kpi_functions, cells):
        assert error != NAME_ERROR and text != "#NAME?", f"{function} is not bound"
    assert cells[-1][2] == NAME_ERROR  # a name the project lacks is #NAME?


# ----------------------------------------------------------------- the add-in
def addin_modules() -> dict:
    return {
        "ThisWorkbook": ("document", vba_expected.document_module("ThisWorkbook")),
        "Sheet1": ("document", vba_expected.document_module("Sheet1")),
        "xlwings": ("module", vba_expected.package_text("xlwings_custom_addin.bas").replace(
            'PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlkpi"')),
        "Dictionary": ("class", vba_expected.dictionary_module()),
        "xlwings_udfs": ("module", vba_expected.imported_udfs("xlkpi.xlam")),
        "xlkpi_ribbon": ("module", ribbon.ribbon_module().source),
    }


def test_addin_loads_with_every_module_and_its_exact_source(answers):
    library = answers["addin"]["libraries"]["xlkpi"]  # the library takes the project's name
    expected = addin_modules()
    assert sorted(library) == sorted(expected)
    for module, (kind, source) in expected.items():
        assert library[module] == vba_expected.libreoffice_source(source, kind), module


def test_addin_command_function_computes_in_a_cell(answers):
    cells = answers["addin-run"]["cells"][:len(ribbon.ACTIONS)]
    assert [text for text, _, _ in cells] == [ribbon.python_command(action) for action in ribbon.ACTIONS]


def test_button_callback_hands_the_command_to_runpython(answers):
    cells = answers["addin-run"]["cells"][len(ribbon.ACTIONS):]
    assert [text for text, _, _ in cells] == [ribbon.python_command(action) for action in ribbon.ACTIONS]
