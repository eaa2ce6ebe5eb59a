"""A stand-in for the `xlwings` that xlwings Lite provides: its decorators and the path of a call.

AN EMULATION, written from the source that xlwings Lite runs, for the options the KPI_*
functions use. Lite's own Python side is xlwings' licence-gated PRO code
(`xlwings/pro/udfs_officejs.py`, `xlwings/pro/_xlofficejs.py`, read in xlwings 0.37.8)
and its JavaScript is the Lite add-in's; neither is run here. Lite is built on xlwings
Server's Wasm runtime (its changelog), whose source says what happens to an exception
(`xlwings_server/wasm/wasm_runtime.py`, `static/js/custom-functions/custom-functions-code.js`).
Standard library only: it runs in CPython and in Pyodide alike, saved there as `xlwings.py`.

* `func`, `arg`, `ret` attach `__xlfunc__`: the arguments in order, the default of an
  optional one, each argument's options (udfs_officejs.xlfunc / xlarg / xlret).
* `call(function, *arguments)` is custom_functions_call for a plain function:
  - Office.js hands each argument over as a matrix (every parameter is registered with
    `dimensionality: matrix`, `type: any` and `allowErrorForDataTypeAny`): a list of rows;
    an omitted optional argument as null (None); an empty cell as null (None) or "";
    an error cell as {"type": "Error", "basicValue": "#N/A", …}; a number as an int when
    whole (Pyodide's conversion of a JS number), else a float.
  - `to_scalar` unwraps a 1×1 matrix to its cell and a one-row matrix to the row; a None
    then takes the argument's default (None for a required argument); anything else is
    read by the conversion pipeline with the argument's options: 2-D, the Office.js
    engine's cleaning (an empty cell is None; an error cell its text with `err_to_str`,
    else None), and `ndim` (None squeezes a single cell or row to a scalar or a list).
  - The result is written as Office.js gets it (_xlofficejs.prepare_xl_data_element):
    a matrix; None becomes ""; a float NaN the error #NUM!; a text exactly equal to one
    of Excel's seven errors that error; any other text stays text.
  - A raised exception becomes a #VALUE! error whose message is the exception's text
    (wasm_runtime.custom_functions_call returns {"error": str(e)}; makeWasmCall throws
    CustomFunctions.Error(invalidValue, message), shown on the cell's error flag).
* Results are plain data, so that they cross from Pyodide as JSON: a matrix of cells,
  an error cell as {"error": "#N/A"}, a raised exception as {"error": "#VALUE!", "message": …}.
"""

import inspect
import math

ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
SUPPORTED_OPTIONS = {"ndim", "err_to_str", "doc"}


def func(f=None, **options):
    """Lite's @func: the function itself, with `__xlfunc__` attached."""
    def decorate(function):
        _meta(function)["options"].update(options)
        return function

    return decorate(f) if callable(f) else decorate


def arg(name, convert=None, **options):
    """Lite's @arg: options for one argument (an unknown name is refused, as xlarg does)."""
    def decorate(function):
        info = next((info for info in _meta(function)["args"] if info["name"] == name), None)
        if info is None:
            raise Exception(f"Invalid argument name '{name}'.")
        unsupported = set(options) - SUPPORTED_OPTIONS
        if convert is not None or unsupported:
            raise NotImplementedError(f"the stand-in does not emulate {convert or sorted(unsupported)}")
        info["options"].update(options)
        return function

    return decorate


def ret(convert=None, **options):
    """Lite's @ret: options for the result (none emulated beyond the default)."""
    def decorate(function):
        if convert is not None or set(options) - {"doc"}:
            raise NotImplementedError("the stand-in emulates the default result conversion only")
        return function

    return decorate


def _meta(function):
    if not hasattr(function, "__xlfunc__"):
        arguments = []
        for name, parameter in inspect.signature(function).parameters.items():
            info = {"name": name, "options": {}}
            if parameter.default is not inspect.Parameter.empty:
                info["optional"] = parameter.default
            arguments.append(info)
        function.__xlfunc__ = {"name": function.__name__.upper(), "args": arguments, "options": {}}
    return function.__xlfunc__


def call(function, *arguments):
    """`function` called as Lite calls a custom function with these Office.js arguments."""
    infos = function.__xlfunc__["args"]
    if len(arguments) > len(infos):
        raise TypeError(f"{function.__name__} takes {len(infos)} arguments")
    arguments = list(arguments) + [None] * (len(infos) - len(arguments))
    values = []
    for info, argument in zip(infos, arguments):
        value = _to_scalar(argument)
        values.append(info.get("optional") if value is None else _read(value, info["options"]))
    try:
        result = function(*values)
    except Exception as error:  # noqa: BLE001 - what Lite does with any exception
        return {"error": "#VALUE!", "message": str(error)}
    return _write(result)


def _to_scalar(argument):
    if isinstance(argument, (list, tuple)) and len(argument) == 1:
        if isinstance(argument[0], (list, tuple)) and len(argument[0]) == 1:
            return argument[0][0]
        return argument[0]
    return argument


def _read(value, options):
    if isinstance(value, (list, tuple)):
        rows = [value] if value and not isinstance(value[0], (list, tuple)) else value
    else:
        rows = [[value]]
    rows = [[_clean(cell, options.get("err_to_str", False)) for cell in row] for row in rows]
    ndim = options.get("ndim")
    if ndim == 2:
        return rows
    if ndim is None:
        if len(rows) == 1:
            return rows[0][0] if len(rows[0]) == 1 else rows[0]
        if len(rows[0]) == 1:
            return [row[0] for row in rows]
        return rows
    raise NotImplementedError(f"ndim={ndim!r}")


def _clean(cell, err_to_str):
    if cell is None or cell == "":
        return None
    if isinstance(cell, dict):
        if cell["type"] == "Error":
            return cell["basicValue"] if err_to_str else None
        return cell["basicValue"]
    return cell


def _write(result):
    if isinstance(result, (list, tuple)):
        rows = [result] if result and not isinstance(result[0], (list, tuple)) else result
    else:
        rows = [[result]]
    return [[_prepare(cell) for cell in row] for row in rows]


def _prepare(cell):
    if cell is None:
        return ""
    if isinstance(cell, float) and math.isnan(cell):
        return {"error": "#NUM!"}
    if isinstance(cell, str) and cell in ERRORS:
        return {"error": cell}
    return cell
