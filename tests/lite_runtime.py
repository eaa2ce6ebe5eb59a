"""Running the xlwings Lite module: in Pyodide under Node, and in CPython, both with a stand-in xlwings.

`run_in_pyodide` runs the generated `main.py` in Pyodide (the npm package `pyodide`,
pinned in `tests/lite/package.json`, offline under Node) in one Node process for
any number of calls. `lite_functions` gives the same module, and a copy of
`xlkpi.excel.udfs` itself, decorated by the stand-in in CPython, as Office.js runs them
(`OFFICE_JS`), so that the two interpreters and the two sources can be compared.
The stand-in (`tests/lite/lite_xlwings.py`) is an emulation of what Lite does
around a call; what it emulates is said there.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

LITE_DIR = Path(__file__).resolve().parent / "lite"
STANDIN = LITE_DIR / "lite_xlwings.py"
RUNNER = LITE_DIR / "run_pyodide.mjs"

DRIVER = """
import json, sys
sys.path.insert(0, "/lite")
import xlwings
import main
cases = json.loads(open("/lite/cases.json", encoding="utf-8").read())
results = [xlwings.call(getattr(main, name), *arguments) for name, arguments in cases]
json.dumps({"platform": sys.platform, "python": sys.version.split()[0], "office_js": main.OFFICE_JS,
            "modules": sorted(sys.modules), "results": results}, ensure_ascii=False)
"""


def pyodide_missing() -> str | None:
    """Why Pyodide cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "Node.js (node) is not installed"
    if not (LITE_DIR / "node_modules" / "pyodide" / "package.json").is_file():
        return f"the npm package pyodide is not installed in {LITE_DIR} (npm ci)"
    return None


def run_in_pyodide(main_source: str, cases: list, timeout: float = 300) -> dict:
    """Call the generated module's functions in Pyodide, one Node process for all `cases`.

    Args:
        main_source: the text of `main.py`.
        cases: [function name, [argument, ...]] pairs, arguments as Office.js hands them
            over (see the stand-in).

    Returns:
        {"platform", "python", "office_js", "modules", "results"}: `results[i]` is what
        Lite makes of call i.
    """
    with tempfile.TemporaryDirectory(prefix="xlkpi-lite-") as folder:
        folder = Path(folder)
        (folder / "xlwings.py").write_text(STANDIN.read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "main.py").write_text(main_source, encoding="utf-8")
        (folder / "driver.py").write_text(DRIVER, encoding="utf-8")
        (folder / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run([shutil.which("node"), str(RUNNER), str(folder), "driver.py"], cwd=LITE_DIR,
                              capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"Pyodide run failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def load_standin():
    """A fresh copy of the stand-in module."""
    spec = importlib.util.spec_from_file_location("lite_xlwings_standin", STANDIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def lite_functions(main_source: str):
    """(stand-in, the generated module, a copy of xlkpi.excel.udfs), both decorated by the stand-in
    and set to run as in Office.js; `sys.modules` is as before on exit."""
    standin = load_standin()
    saved = sys.modules.get("xlwings")
    sys.modules["xlwings"] = standin
    try:
        generated = type(sys)("xlkpi_lite_main")
        exec(compile(main_source, "main.py", "exec"), generated.__dict__)  # noqa: S102 - our own generated code
        spec = importlib.util.find_spec("xlkpi.excel.udfs")
        source = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(source)
    finally:
        if saved is None:
            del sys.modules["xlwings"]
        else:
            sys.modules["xlwings"] = saved
    generated.OFFICE_JS = source.OFFICE_JS = True  # what sys.platform == "emscripten" sets in Pyodide
    yield standin, generated, source
