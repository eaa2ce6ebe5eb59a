"""The VBA module for "Import Functions", produced with xlwings' own generator.

The text of each wrapper is xlwings' (generate_vba_wrapper); these tests pin
what xlkpi decides: which functions exist with which VBA signatures, the module
name baked into the calls, the committed copy in macros/, and the lint.
"""

import re
import sys
import types
from pathlib import Path

import pytest

from .conftest import require_module  # noqa: E402

require_module("xlwings")

import xlwings as xw  # noqa: E402

from xlkpi.excel import vba  # noqa: E402
from xlkpi.excel.vba import check_metadata, lint_udfs, udf_vba_module  # noqa: E402

from . import vba_expected  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "macros" / "xlwings_udfs.bas"
PYWIN32 = ("pythoncom", "pywintypes", "win32com", "win32com.client")

# The Excel signatures the functions are documented with (brackets = Optional).
SIGNATURES = {
    "KPI_BAND": "value, thresholds, scores, Optional lower_is_better, Optional else_score",
    "KPI_DEDUCT": "count, points_each, max_points, Optional floor",
    "KPI_LEVEL": "level, Optional points_per_level",
    "KPI_ACHIEVE": "actual, target, Optional lower_is_better, Optional cap",
    "KPI_RATERS": "scores, weights",
    "KPI_WEIGHTED": "scores, weights",
    "KPI_BLEND": "performance, behaviour, Optional performance_weight",
    "KPI_GRADE": "total, Optional thresholds, Optional labels",
}


@pytest.fixture(scope="module")
def module_text():
    return udf_vba_module()


def test_committed_module_is_up_to_date(module_text):
    committed = COMMITTED.read_bytes() if COMMITTED.exists() else b""
    assert committed == module_text.encode("ascii"), (
        "macros/xlwings_udfs.bas differs from what xlwings generates for xlkpi.excel.udfs; "
        "regenerate it with: xlkpi udfs vba > macros/xlwings_udfs.bas"
    )


def test_module_header(module_text):
    lines = module_text.split("\n")
    assert lines[0] == 'Attribute VB_Name = "xlwings_udfs"'
    assert lines[2] == '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel'
    assert "\r" not in module_text


def test_every_function_with_its_exact_signature(module_text):
    found = dict(re.findall(r"^Function (\w+)\((.*)\)$", module_text, flags=re.M))
    assert found == SIGNATURES
    assert not re.search(r"^Sub ", module_text, flags=re.M)


def test_calls_name_the_module_and_function(module_text):
    for name, signature in SIGNATURES.items():
        arguments = signature.replace("Optional ", "")
        call = f'XLPy.CallUDF("xlkpi.excel.udfs", "{name}", Array({arguments})'
        assert f"{name} = {call}, ThisWorkbook, Application.Caller)" in module_text
        assert f"{name} = {call})" in module_text
        assert f"    {name} = Err.Description" in module_text


def test_addin_uses_active_workbook():
    text = udf_vba_module("xlkpi.xlam")
    assert "ActiveWorkbook, Application.Caller)" in text
    assert "ThisWorkbook" not in text


def test_lint_is_clean():
    assert lint_udfs() == []


def test_no_stub_left_behind():
    bindings = (xw.func, xw.arg, xw.ret)
    had_udfs = "xlwings.udfs" in sys.modules
    udf_vba_module()
    lint_udfs()
    for name in PYWIN32:
        module = sys.modules.get(name)
        assert module is None or getattr(module, "__file__", None), f"stub {name} left in sys.modules"
    assert ("xlwings.udfs" in sys.modules) == had_udfs
    assert (xw.func, xw.arg, xw.ret) == bindings
    # the xlkpi.excel.udfs everyone imports is untouched: no __xlfunc__ from the Windows decorators
    from xlkpi.excel import udfs

    if sys.platform != "win32":
        assert not hasattr(udfs.KPI_BAND, "__xlfunc__")


def test_stubs_removed_even_when_generation_fails():
    bindings = (xw.func, xw.arg, xw.ret)
    with pytest.raises(RuntimeError, match="generator failed"):
        with vba._udf_generator() as (xlwings_udfs, module):
            assert hasattr(module.KPI_BAND, "__xlfunc__")
            assert xw.func is xlwings_udfs.xlfunc
            raise RuntimeError("generator failed")
    assert (xw.func, xw.arg, xw.ret) == bindings
    for name in PYWIN32:
        module = sys.modules.get(name)
        assert module is None or getattr(module, "__file__", None), f"stub {name} left in sys.modules"
    assert udf_vba_module().startswith('Attribute VB_Name = "xlwings_udfs"')


def test_same_text_as_xlwings_import_udfs():
    """The whole Import Functions path (xlwings.udfs.import_udfs) imports the same module text."""
    workbook = vba_expected.import_functions("appraisal.xlsm")
    assert workbook.imported == udf_vba_module()
    described = {macro.replace("'appraisal.xlsm'!", ""): options
                 for macro, options in workbook.macro_options}
    assert set(described) == set(SIGNATURES)
    for options in described.values():
        assert options["Category"] == "xlkpi"
        assert 0 < len(options["Description"]) <= 255
        assert all(0 < len(doc) <= 255 for doc in options["ArgumentDescriptions"])


def test_missing_xlwings_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "xlwings", None)
    with pytest.raises(vba.XlkpiError, match=r"pip install xlkpi\[udf\]"):
        udf_vba_module()


# ----------------------------------------------------------------- the lint catches what it should
def fake_function(name, args, doc="Does something.", category="xlkpi"):
    def function():
        pass

    function.__doc__ = doc
    function.__xlfunc__ = {
        "name": name, "category": category, "ret": {"doc": doc, "options": {}},
        "args": [{"name": arg, "doc": arg_doc, "options": options, "vba": None}
                 for arg, arg_doc, options in args],
    }
    return function


def lint_one(name, args, **kwargs):
    module = types.ModuleType("fake_udfs")
    setattr(module, name, fake_function(name, args, **kwargs))
    return check_metadata(module)


GOOD = ("value", "The value.", {"ndim": 2})


def test_lint_accepts_a_good_function():
    assert lint_one("KPI_GOOD", [GOOD]) == []


@pytest.mark.parametrize("name, args, kwargs, expected", [
    ("kpi_band", [GOOD], {}, "upper case"),
    ("KPI1", [GOOD], {}, "cell reference"),
    ("KPI_X", [("currency", "x", {})], {}, "reserves"),
    ("KPI_X", [("array", "x", {})], {}, "reserves"),
    ("KPI_X", [("KPI_X", "x", {})], {}, "reserves"),
    ("KPI_X", [("_value", "x", {})], {}, "VBA identifier"),
    ("KPI_X", [("a1", "x", {})], {}, "cell reference"),
    ("KPI_X", [("rc", "x", {})], {}, "cell reference"),
    ("KPI_X", [("R1C1", "x", {})], {}, "cell reference"),
    ("KPI_X", [("value", "Positional argument 1", {})], {}, "no doc="),
    ("KPI_X", [("value", "", {})], {}, "no doc="),
    ("KPI_X", [("value", "x" * 256, {})], {}, "256 characters"),
    ("KPI_X", [GOOD], {"doc": "y" * 300}, "300 characters"),
    ("KPI_X", [GOOD], {"doc": ""}, "no docstring"),
    ("KPI_X", [("value", "x", {"ndims": 2})], {}, "ndims"),
    ("KPI_X", [("value", "x", {}), ("Value", "x", {})], {}, "used twice"),
    ("KPI_X", [GOOD], {"category": "Misc"}, "category"),
])
def test_lint_finds(name, args, kwargs, expected):
    problems = lint_one(name, args, **kwargs)
    assert any(expected in problem for problem in problems), problems


def test_lint_finds_an_undecorated_kpi_function():
    module = types.ModuleType("fake_udfs")
    module.KPI_FORGOTTEN = lambda value: value
    assert check_metadata(module) == ["KPI_FORGOTTEN: no @xw.func, so Excel does not get it"]
