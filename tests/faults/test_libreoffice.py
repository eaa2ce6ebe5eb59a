"""A LibreOffice call that crashes is tried once more; one that crashes twice is told in Chinese."""

from __future__ import annotations

import os
import stat

import pytest

from xlkpi.base.errors import XlkpiError
from xlkpi.office import libreoffice
from xlkpi.workbook.render import render_workbook

WRAPPER = """#!/bin/sh
# crashes (SIGSEGV, as soffice did once on its first start) while the counter file holds a number > 0
count=$(cat "{counter}")
if [ "$count" -gt 0 ]; then echo $((count - 1)) > "{counter}"; echo "backtrace: crashed" >&2; kill -SEGV $$; fi
exec "{real}" "$@"
"""


@pytest.fixture
def crashing_soffice(tmp_path, soffice, monkeypatch):
    counter = tmp_path / "crashes"
    wrapper = tmp_path / "bin" / "soffice"
    wrapper.parent.mkdir()
    wrapper.write_text(WRAPPER.format(counter=counter, real=soffice))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    assert libreoffice.find_soffice() == str(wrapper)
    return counter


@pytest.mark.libreoffice
def test_a_crashed_call_is_tried_once_more(tmp_path, crashing_soffice):
    crashing_soffice.write_text("1")
    source = tmp_path / "a.xlsx"
    render_workbook("电话专员", name="张三", employee_id="E1", department="客服部", month="2026-11", out=source)
    (pdf,) = libreoffice.convert([source], tmp_path / "out", "pdf")
    assert pdf.exists() and crashing_soffice.read_text().strip() == "0"


@pytest.mark.libreoffice
def test_two_crashes_are_told_in_chinese(tmp_path, crashing_soffice):
    crashing_soffice.write_text("2")
    source = tmp_path / "a.xlsx"
    source.write_bytes(b"x")
    with pytest.raises(XlkpiError) as raised:
        libreoffice.convert([source], tmp_path / "out", "pdf")
    assert "连续两次异常退出" in str(raised.value) and "a.xlsx" in str(raised.value)
