"""Texts from the roster reach the workbooks, the ledger and the summary as the roster gives them.

Names that look like Excel's `_xHHHH_` escapes (in either case of hex, `_x005F_` itself, two
overlapping ones) and names with `&<>` go through generate (stamped into the month's template),
collect (read back by xlkpi's reader) and the summary workbook; LibreOffice, which decodes the
escapes of control characters and of `_`, must show each text as the roster has it. The
workbooks are collected blank: openpyxl, which the tests fill workbooks with, does not keep such
texts when it saves a workbook (it drops every `x005F_` and writes `_xHHHH_` unescaped).
"""

from __future__ import annotations

import pytest

from xlkpi.month.ledger import Ledger
from xlkpi.month.monthly import close_month
from xlkpi.office.libreoffice import convert

from .cli import run_cli
from .test_stamp import _fods_texts

MONTH = "2026-11"
PEOPLE = [  # (工号, 姓名, 考核人)
    ("E1", "李_x000a_四", "陈_x005F_主管 & <李>"),
    ("E_x0009_x000d_2", "王<二>&_x000D_", "林_x000A__x0041_"),
]


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    base = tmp_path_factory.mktemp("texts")
    roster = base / "roster.csv"
    roster.write_text("工号,姓名,部门,岗位,考核人\n" + "".join(f"{employee},{name},客服部,客服专员,{appraiser}\n"
                                                        for employee, name, appraiser in PEOPLE), encoding="utf-8")
    result = run_cli("generate", "--month", MONTH, "--roster", roster, "--out", base / "out", "--jobs", 1)
    assert result.exit_code == 0, result.output
    assert len(list((base / "out" / MONTH / "客服部").glob("*.xlsx"))) == len(PEOPLE)
    report = close_month(base / "out" / MONTH)
    assert {problem.code for problem in report.problems} == {"blank"}
    return report


def test_collect_and_the_ledger_read_the_texts_as_given(closed):
    got = {(row["hdr_employee_id"], row["hdr_name"], row["hdr_appraiser"]) for row in closed.frame.to_dict("records")}
    assert got == set(PEOPLE)
    with Ledger(closed.ledger) as ledger:
        assert {(row["employee_id"], row["name"]) for row in ledger.month_rows(MONTH)} == {
            (employee, name) for employee, name, _ in PEOPLE}


@pytest.mark.libreoffice
def test_libreoffice_shows_the_texts_of_the_summary_as_given(soffice, closed, tmp_path):
    (flat,) = convert([closed.summary], tmp_path, "fods")
    texts = _fods_texts(flat)
    for employee, name, appraiser in PEOPLE:
        assert {employee, name, appraiser} <= texts, sorted(text for text in texts if "_x" in text or "<" in text)
