"""The xlwings Lite module (`xlkpi excel lite`): generated from xlkpi's source, run by Pyodide.

The generated `main.py` runs in Pyodide (the npm package `pyodide`, offline under
Node: the interpreter xlwings Lite runs in Excel) with a stand-in `xlwings` whose
`func`/`arg`/`ret` and call path emulate Lite's for the options the functions use
(`tests/lite/lite_xlwings.py` says what it emulates and from which source). One Node
process runs every call: each function against the engine on every band boundary of
the built-in forms and on seeded random inputs, and hand-written faults. In CPython,
the same module and `xlkpi.excel.udfs` itself, through the same stand-in, must agree call for
call. Pyodide must run here in CI (`.ci/run` installs it); elsewhere these tests skip.
"""

from __future__ import annotations

import ast
import os
import sys
import textwrap

import pytest

from xlkpi.excel import udfs
from xlkpi.excel.lite import LiteModuleError, lite_module

from . import lite_runtime
from .cli import run_cli
from .kpi_cases import all_cases, lite_arguments

NA = {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
DIV0 = {"type": "Error", "basicType": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
BAND = [[[90, 80, 60]], [[300], [200], [100]], [[False]], [[-50]]]  # 客服专员 pay band
ATTENDANCE = [[[0, 1, 2]], [[6, 4, 3]], [[True]]]

# (function, Office.js arguments, what Lite must show): worked out by hand.
FAULTS = [
    ("KPI_BAND", [[[85]], *BAND], [[200]]),
    ("KPI_BAND", [[[None]], *BAND], [[""]]),                                  # blank in, blank out
    ("KPI_BAND", [[[NA]], *BAND], [[{"error": "#N/A"}]]),                     # an error cell: the same error
    ("KPI_BAND", [[[DIV0]], *BAND], [[{"error": "#DIV/0!"}]]),
    ("KPI_BAND", [[["abc"]], *BAND], {"error": "#VALUE!", "message": "value: 文本 'abc' 不是数字"}),
    ("KPI_BAND", [[["85%"]], *BAND], {"error": "#VALUE!", "message":
                                      "value, thresholds: '85%' 是百分数，而 90 不是：请统一写成百分数（如 85% 与 60%）"
                                      "或小数（0.85 与 0.6）"}),
    ("KPI_BAND", [[["85%"]], [["90%", "80%", "60%"]], *BAND[1:]], [[200]]),
    ("KPI_BAND", [[[0], [NA], ["x"], [None], [2]], *ATTENDANCE], [[6], [{"error": "#N/A"}],
                                                                  [{"error": "#VALUE!"}], [""], [3]]),
    ("KPI_LEVEL", [[[6]]], [[{"error": "#NUM!"}]]),
    ("KPI_LEVEL", [[[3]]], [[30]]),
    ("KPI_DEDUCT", [[[-1]], [[2]], [[20]]], [[{"error": "#NUM!"}]]),
    ("KPI_DEDUCT", [[[11]], [[2]], [[20]]], [[0]]),
    ("KPI_RATERS", [[[10, None]], [[0, 1]]], [[{"error": "#DIV/0!"}]]),
    ("KPI_RATERS", [[[None, 15]], [[0.2, 0.8]]], [[15]]),
    ("KPI_GRADE", [[[85]]], [["B"]]),
    ("KPI_GRADE", [[[NA]]], [[{"error": "#N/A"}]]),
    ("KPI_BLEND", [[[100]], [[50]]], [[90]]),
    ("KPI_BLEND", [[[100]], [[50]], [[1.5]]], [[{"error": "#NUM!"}]]),
    ("KPI_ACHIEVE", [[["90%"]], [[100]]], {"error": "#VALUE!", "message": "actual, target: '90%' 是百分数，而 100 不是："
                                           "请统一写成百分数（如 85% 与 60%）或小数（0.85 与 0.6）"}),
]


def lite_shown(result, expected) -> bool:
    """`result` is what Lite shows for the engine's `expected`."""
    if isinstance(expected, tuple):
        code = expected[1]
        if code == "#VALUE!":
            return isinstance(result, dict) and result["error"] == "#VALUE!" and result["message"]
        return result == [[{"error": code}]]
    if expected is None:
        return result == [[""]]
    if isinstance(expected, str):
        return result == [[expected]]
    cell = result[0][0] if isinstance(result, list) and len(result) == 1 and len(result[0]) == 1 else None
    return isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell == expected


@pytest.fixture(scope="module")
def main_source():
    return lite_module()


@pytest.fixture(scope="module")
def calls():
    """Every call the Pyodide run makes: (function, arguments), the engine's cases in two shapes, then FAULTS."""
    cases = all_cases()
    shaped = [(case, variant) for case in cases for variant in range(2)]
    return shaped, [[case.function, lite_arguments(case, variant)] for case, variant in shaped] + [
        [name, arguments] for name, arguments, _ in FAULTS]


@pytest.fixture(scope="module")
def pyodide_run(main_source, calls):
    """One Node process running every call in Pyodide; a failure in CI when Pyodide is missing."""
    missing = lite_runtime.pyodide_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"Pyodide is required in CI ({missing}): .ci/run installs it (npm ci in tests/lite)")
        pytest.skip(missing)
    return lite_runtime.run_in_pyodide(main_source, calls[1])


# ----------------------------------------------------------------- the generated module
def test_module_is_standard_library_only_with_lites_decorators(main_source):
    tree = ast.parse(main_source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import"
            imported.add(node.module)
            if node.module == "xlwings":
                assert [alias.name for alias in node.names] == ["func", "arg", "ret"]
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "xlwings" in imported
    assert {name.split(".")[0] for name in imported} - {"xlwings"} <= set(sys.stdlib_module_names), imported
    decorated = {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.decorator_list}
    assert decorated == set(udfs.__all__)
    assert "xw." not in main_source
    assert "try:\n    import xlwings" not in main_source  # the no-xlwings fallback is left out


def test_every_definition_is_copied_as_written(main_source):
    """Each function, class and constant of main.py is its source's text, decorators renamed."""
    import xlkpi.base.errors
    import xlkpi.rules.cellvalues
    import xlkpi.rules.scoring

    origins = [udfs, xlkpi.rules.scoring, xlkpi.rules.cellvalues, xlkpi.base.errors]
    sources = {module: (open(module.__file__, encoding="utf-8").read()) for module in origins}
    tree = ast.parse(main_source)
    checked = 0
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        copied = ast.get_source_segment(main_source, node)  # from `def`/`class`: decorators left out
        assert any(copied in source for source in sources.values()), node.name
        checked += 1
    assert checked >= 40


def test_generation_is_stable_and_parses(main_source):
    assert lite_module() == main_source
    compile(main_source, "main.py", "exec")
    assert len(main_source.encode("utf-8")) < 64 * 1024  # one paste into Lite's editor


def test_command_prints_or_writes_the_module(main_source, tmp_path):
    printed = run_cli("excel", "lite")
    assert printed.exit_code == 0 and printed.stdout == main_source
    target = tmp_path / "lite" / "main.py"
    written = run_cli("excel", "lite", "--out", target)
    assert written.exit_code == 0 and "main.py" in written.stdout
    assert target.read_bytes() == main_source.encode("utf-8")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    refused = run_cli("excel", "lite", "--out", blocked / "main.py")
    assert refused.exit_code == 1 and "无法写入" in refused.stderr


def test_generation_refuses_what_it_cannot_copy(tmp_path, monkeypatch):
    package = tmp_path / "fakekpi"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def helper():\n    return 1\n")
    (package / "b.py").write_text("def helper():\n    return 2\n\ndef other():\n    return helper()\n")
    (package / "udfs.py").write_text(textwrap.dedent("""
        import xlwings as xw
        from .a import helper
        from .b import other
        __all__ = ["KPI_X"]

        @xw.func
        def KPI_X():
            return helper() + other()
    """))
    (package / "third.py").write_text(textwrap.dedent("""
        import numpy
        import xlwings as xw
        __all__ = ["KPI_Y"]

        @xw.func
        def KPI_Y():
            return numpy.zeros(1)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(LiteModuleError, match="helper"):
        lite_module(root="fakekpi.udfs")  # helper defined in two modules
    with pytest.raises(LiteModuleError, match="numpy"):
        lite_module(root="fakekpi.third")


# ----------------------------------------------------------------- CPython: the copy equals its source
def test_generated_module_and_xlkpi_udfs_agree_call_for_call(main_source, calls):
    with lite_runtime.lite_functions(main_source) as (standin, generated, source):
        for name, arguments in calls[1]:
            ours = standin.call(getattr(generated, name), *arguments)
            theirs = standin.call(getattr(source, name), *arguments)
            assert ours == theirs, (name, arguments)


def test_the_standin_reads_as_lite_does(main_source):
    # The emulation itself, on what its docstring says Lite does.
    standin = lite_runtime.load_standin()
    assert standin._to_scalar([[5]]) == 5 and standin._to_scalar([[1, 2]]) == [1, 2]
    assert standin._read([[1, None, ""]], {"ndim": 2}) == [[1, None, None]]
    assert standin._read(NA, {"err_to_str": True}) == "#N/A" and standin._read(NA, {}) is None
    assert standin._write(None) == [[""]] and standin._write("#NUM!") == [[{"error": "#NUM!"}]]
    assert standin._write("#VALUE! x") == [["#VALUE! x"]] and standin._write(float("nan")) == [[{"error": "#NUM!"}]]


# ----------------------------------------------------------------- Pyodide
@pytest.mark.xdist_group("pyodide")
def test_pyodide_runs_it_as_office_js(pyodide_run):
    assert pyodide_run["platform"] == "emscripten"
    assert pyodide_run["office_js"] is True
    loaded = {name.split(".")[0] for name in pyodide_run["modules"]}
    assert not loaded & {"xlkpi", "numpy", "pandas", "openpyxl", "yaml", "click", "xlsxwriter"}, loaded


@pytest.mark.xdist_group("pyodide")
def test_pyodide_every_function_equals_the_engine(pyodide_run, calls):
    shaped = calls[0]
    results = pyodide_run["results"][:len(shaped)]
    wrong = [(case, variant, result) for (case, variant), result in zip(shaped, results)
             if not lite_shown(result, case.expected)]
    assert not wrong, f"{len(wrong)} of {len(shaped)} calls differ from the engine; first: {wrong[0]}"
    assert {case.function for case, _ in shaped} == set(udfs.__all__)


@pytest.mark.xdist_group("pyodide")
def test_pyodide_faults_are_real_errors(pyodide_run):
    results = pyodide_run["results"][-len(FAULTS):]
    for (name, arguments, expected), result in zip(FAULTS, results):
        assert result == expected, (name, arguments, result)


@pytest.mark.xdist_group("pyodide")
def test_pyodide_and_cpython_give_the_same_results(pyodide_run, main_source, calls):
    with lite_runtime.lite_functions(main_source) as (standin, generated, _):
        expected = [standin.call(getattr(generated, name), *arguments) for name, arguments in calls[1]]
    assert pyodide_run["results"] == expected
