"""LibreOffice loads every VBA project xlkpi writes, through UNO, as a VBA host does.

One soffice process (its own profile, a free loopback port) serves the whole module;
`tests/uno_client.py`, run by the system `python3` with Debian's python3-uno, loads each
workbook with MacroExecutionMode 4 (always run macros, no warning) and reports the Basic
libraries LibreOffice made of the VBA project and what formulas typed into a cell compute.

What this proves: the container is read by a second, independent implementation of
MS-CFB/MS-OVBA (LibreOffice's, besides oletools'); every module is there, with the type
the project declares (standard, class, document) and its exact source; the cell engine
binds the KPI_* names to the project's functions.

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
from xlkpi.render import Employee, build_workbook

from . import vba_expected
from .cli import run_cli

pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("libreoffice-uno")]

CLIENT = Path(__file__).resolve().parent / "uno_client.py"
FORMS = sorted(xlkpi.builtin_forms())
EMPLOYEE = Employee("张三", "E001", "客服部", "2026-11")
NAME_ERROR = 525  # what LibreOffice's cell reports for an unknown function (#NAME?)


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
    return paths


@pytest.fixture(scope="module")
def kpi_functions():
    return re.findall(r"^Function (KPI_\w+)\(", vba_expected.imported_udfs(), flags=re.M)


@pytest.fixture(scope="module")
def answers(office, documents, kpi_functions):
    """What LibreOffice reports for each document (one client run for all of them)."""
    requests = []
    for name, path in documents.items():
        cells = [f"={function}(1)" for function in kpi_functions] + ["=KPI_NOT_IN_THE_PROJECT(1)"]
        requests.append({"path": str(path), "cells": cells if name == "generate" else []})
    return dict(zip(documents, office.inspect(requests)))


def test_every_project_loads_with_all_its_modules(answers):
    expected = vba_expected.udf_workbook_modules()
    for name, answer in answers.items():
        assert "error" not in answer, f"{name}: {answer}"
        assert sorted(answer["libraries"]["VBAProject"]) == sorted(expected), name


def test_every_module_holds_its_exact_source_and_type(answers):
    expected = vba_expected.udf_workbook_modules()
    for name, answer in answers.items():
        library = answer["libraries"]["VBAProject"]
        for module, (kind, source) in expected.items():
            assert library[module] == vba_expected.libreoffice_source(source, kind), f"{name}: {module}"


def test_cells_bind_the_kpi_names_to_the_project(answers, kpi_functions):
    cells = answers["generate"]["cells"]
    assert len(kpi_functions) >= 8
    for function, (text, _, error) in zip(kpi_functions, cells):
        assert error != NAME_ERROR and text != "#NAME?", f"{function} is not bound"
    assert cells[-1][2] == NAME_ERROR  # a name the project lacks is #NAME?
