"""Old module names keep working after the modules moved into their parts: `import xlkpi.collect`
gives `xlkpi.month.collect` with a DeprecationWarning, and a workbook made before the move,
whose VBA calls `xlkpi.udfs`, keeps computing."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from xlkpi.aliases import MOVED

ROOT = Path(__file__).resolve().parents[1]


def test_every_old_name_is_the_module_under_its_new_name():
    """In a fresh process, so that no earlier import hides the warning."""
    code = (
        "import importlib, json, sys, warnings\n"
        "from xlkpi.aliases import MOVED\n"
        "wrong = []\n"
        "for old, new in sorted(MOVED.items()):\n"
        "    with warnings.catch_warnings(record=True) as caught:\n"
        "        warnings.simplefilter('always')\n"
        "        module = importlib.import_module(f'xlkpi.{old}')\n"
        "    told = [str(w.message) for w in caught if w.category is DeprecationWarning]\n"
        "    if module is not importlib.import_module(f'xlkpi.{new}') or not any(f'xlkpi.{new}' in t for t in told):\n"
        "        wrong.append(old)\n"
        "print(json.dumps(wrong))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert len(MOVED) >= 30


def test_the_old_udf_module_computes_as_the_new_one():
    """What an older udf workbook's VBA asks xlwings for: `XLPy.CallUDF("xlkpi.udfs", …)`, which
    xlwings resolves with importlib."""
    with pytest.warns(DeprecationWarning):
        sys.modules.pop("xlkpi.udfs", None)
        old = importlib.import_module("xlkpi.udfs")
    from xlkpi.excel import udfs

    assert old is udfs
    assert udfs.__spec__.name == "xlkpi.excel.udfs"  # the module's own spec, which importlib reads back
    assert old.KPI_GRADE(90) == "A" and old.KPI_GRADE(89.99) == "B"


def test_a_name_that_never_existed_is_still_an_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("xlkpi.no_such_module")
