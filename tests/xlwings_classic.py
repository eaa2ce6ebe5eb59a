"""Calling the KPI_* functions as classic xlwings (Windows, COM) calls them, with xlwings' own code.

What runs is xlwings 0.37.8's code: its Windows decorators (`xlwings/udfs.py`) attach
`__xlfunc__` to a copy of `xlkpi.excel.udfs`; `xlwings.udfs.call_udf` itself reads each
argument with `xlwings.conversion` and the options of the decorators (a missing
optional argument by its default), calls the function and writes the result with
`conversion.write`. The "excel" engine's cleaning, which turns an error cell into text
(`err_to_str`) or None and a blank into None, is xlwings' own
`_clean_value_data_element` / `Engine.clean_value_data` / `prepare_xl_data_element`,
executed from the source text of `xlwings/_xlwindows.py` (the module itself cannot be
imported off Windows).

EMULATED, and only this:

* pywin32: empty stand-ins (`xlkpi.excel.vba`'s emulation), never called;
* `xlwings._xlwindows`: a namespace holding the functions above and a `Range` whose
  `raw_value` is the COM object's `Value`; `is_range_instance` recognises `ComRange`,
  the stand-in for the COM Range object Excel passes for a cell reference;
* `xlwings.com_server`: only its `loop`, which a synchronous function does not use;
* the last step of `com_server.XLPython.CallUDF` (a 1×1 result becomes a scalar, a
  one-row result a row), restated in `call`.

The raw values are what COM hands over: a float for every number, None for a blank
cell, str, bool, an int for an error cell (-2146826246 for #N/A), a tuple of row
tuples for a range or an array constant (a bare value for a single cell), and
-2147352572 for an optional argument left out.
"""

from __future__ import annotations

import ast
import datetime as dt
import sys
import types
from contextlib import contextmanager
from pathlib import Path

MISSING = -2147352572  # what VBA passes for an Optional Variant left out (DISP_E_PARAMNOTFOUND)
_CLEANING = ("cell_errors", "_com_time_to_datetime", "_clean_value_data_element")
_ENGINE_METHODS = ("clean_value_data", "prepare_xl_data_element")


class ComRange:
    """Stand-in for the COM Range object Excel hands over for a cell reference: its `Value`."""

    def __init__(self, value):
        self.Value = value


def excel_engine_source(xlwings_dir: Path) -> str:
    """The cleaning code of xlwings' "excel" engine, cut from `_xlwindows.py` as written."""
    path = xlwings_dir / "_xlwindows.py"
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    parts = []
    for node in tree.body:
        names = [node.name] if hasattr(node, "name") else [
            target.id for target in getattr(node, "targets", []) if isinstance(target, ast.Name)]
        if set(names) & set(_CLEANING):
            parts.append(ast.get_source_segment(text, node))
        if isinstance(node, ast.ClassDef) and node.name == "Engine":
            methods = [method for method in node.body
                       if isinstance(method, ast.FunctionDef) and method.name in _ENGINE_METHODS]
            body = "\n".join(_indented(text, method) for method in methods)
            parts.append(f'class Engine:\n    name = "excel"\n    type = "desktop"\n\n{body}')
    found = len(parts)
    if found != len(_CLEANING) + 1:
        raise RuntimeError(f"xlwings/_xlwindows.py changed: found {found} of the cleaning definitions")
    return "\n\n\n".join(parts)


def _indented(text: str, node) -> str:
    lines = text.splitlines()[node.decorator_list[0].lineno - 1 if node.decorator_list else node.lineno - 1:
                              node.end_lineno]
    return "\n".join(lines)


def _xlwindows_namespace(xlwings_dir: Path, engine_impl_holder: dict):
    import numpy as np
    import pandas as pd

    namespace = {"dt": dt, "np": np, "pd": pd,
                 # pywintypes.TimeType is a datetime subclass; COM dates are not passed here
                 "time_types": (dt.date, dt.datetime),
                 "_datetime_to_com_time": lambda value: value}
    exec(compile(excel_engine_source(xlwings_dir), str(xlwings_dir / "_xlwindows.py"), "exec"),  # noqa: S102
         namespace)
    engine = namespace["Engine"]()
    engine_impl_holder["engine"] = engine
    chain = types.SimpleNamespace(engine=engine, pid=0)  # App(impl=…) reads the pid
    book = types.SimpleNamespace(app=chain)
    sheet = types.SimpleNamespace(book=book)

    class Range:
        """`_xlwindows.Range` as far as reading a value goes: `raw_value` is the COM `Value`."""

        max_cells_per_read = None

        def __init__(self, xl=None):
            self.xl = xl
            self.sheet = sheet

        @property
        def raw_value(self):
            return None if self.xl is None else self.xl.Value

    module = types.ModuleType("xlwings._xlwindows")
    module.Range = Range
    module.is_range_instance = lambda value: isinstance(value, ComRange)
    module.BOOK_CALLER = None
    module.cell_errors = namespace["cell_errors"]
    module.Engine = namespace["Engine"]
    return module


@contextmanager
def classic_xlwings():
    """A `call(function_name, *raw_arguments)` that runs `xlwings.udfs.call_udf` on `xlkpi.excel.udfs`.

    Everything emulated is restored on exit: `sys.modules`, xlwings' engines and
    attributes, and `xlwings.udfs`' module cache.
    """
    import xlwings

    from xlkpi.excel.vba import UDF_MODULE, _udf_generator

    xlwings_dir = Path(xlwings.__file__).parent
    holder = {}
    saved_modules = {name: sys.modules.get(name) for name in ("xlwings._xlwindows", "xlwings.com_server")}
    had_attribute = "_xlwindows" in vars(xlwings)
    with _udf_generator() as (xlwings_udfs, module):
        xlwindows = _xlwindows_namespace(xlwings_dir, holder)
        com_server = types.ModuleType("xlwings.com_server")
        com_server.loop = None
        sys.modules["xlwings._xlwindows"] = xlwindows
        sys.modules["xlwings.com_server"] = com_server
        xlwings._xlwindows = xlwindows
        engine = xlwings.Engine(impl=holder["engine"])
        xlwings.engines.add(engine)
        xlwings_udfs.udf_modules[UDF_MODULE] = {"filename": module.__file__, "filetime": None, "module": module}
        try:
            def call(name, *arguments):
                """The value the KPI_* cell gets: what XLPython.CallUDF hands back to VBA."""
                result = xlwings_udfs.call_udf(UDF_MODULE, name, arguments, None, None)
                if len(result) == 1 and len(result[0]) == 1:
                    return result[0][0]
                if len(result) == 1 and len(result[0]) > 1:
                    return result[0]
                return result

            call.module = module
            yield call
        finally:
            xlwings_udfs.udf_modules.pop(UDF_MODULE, None)
            xlwings.engines.engines.remove(engine)
            xlwings.engines.engines_by_name.pop("excel", None)
            for name, saved in saved_modules.items():
                if saved is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = saved
            if not had_attribute:
                vars(xlwings).pop("_xlwindows", None)
