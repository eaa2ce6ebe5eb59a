"""Run by the system `python3` (Debian's python3-uno), not the project's venv: asks a running
LibreOffice, through UNO, what it made of workbooks' VBA projects.

Reads a JSON request on stdin and writes a JSON answer on stdout:

    {"port": 2002, "documents": [{"path": "/tmp/a.xlsm", "filter": "Calc MS Excel 2007 VBA XML",  # optional
                                  "library": "VBAProject",                     # where drop/add apply
                                  "drop": ["xlwings"],                         # modules to remove first
                                  "add": [{"name": "M", "source": "...", "class": false}],
                                  "cells": ["=KPI_BAND(85;{60;70};{1;2})"]}]}
    → [{"libraries": {"VBAProject": {"xlwings": "<source as LibreOffice holds it>", ...}},
        "cells": [["<text>", <number>, <error code>], ...]}]

Each document is loaded hidden with MacroExecutionMode 4 (always run macros, no
warning), so LibreOffice imports its VBA project as a Basic library with VBA support;
the formulas are typed into the first sheet from cell U1 down and computed with
`calculateAll()`; the document is closed without saving.
"""

import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.script.ModuleType import CLASS, NORMAL


def _property(name, value):
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


def connect(port, seconds=60.0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + seconds
    while True:
        try:
            return resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def inspect(desktop, request):
    url = uno.systemPathToFileUrl(request["path"])
    load = [_property("Hidden", True), _property("MacroExecutionMode", 4)]
    if request.get("filter"):
        load.append(_property("FilterName", request["filter"]))
    document = desktop.loadComponentFromURL(url, "_blank", 0, tuple(load))
    if document is None:
        return {"error": "not loaded"}
    try:
        libraries = document.BasicLibraries
        found = {}
        for name in libraries.getElementNames():
            libraries.loadLibrary(name)
            library = libraries.getByName(name)
            found[name] = {module: library.getByName(module) for module in library.getElementNames()}
        if request.get("drop") or request.get("add"):
            library = libraries.getByName(request.get("library", "VBAProject"))
            for module in request.get("drop", ()):
                library.removeByName(module)
            for module in request.get("add", ()):
                info = uno.createUnoStruct("com.sun.star.script.ModuleInfo")
                info.ModuleType = CLASS if module.get("class") else NORMAL
                library.insertModuleInfo(module["name"], info)
                library.insertByName(module["name"], module["source"])
        sheet = document.Sheets.getByIndex(0)
        cells = []
        for row, formula in enumerate(request.get("cells", ())):
            sheet.getCellByPosition(20, row).setFormula(formula)
        document.calculateAll()
        for row, _ in enumerate(request.get("cells", ())):
            cell = sheet.getCellByPosition(20, row)
            cells.append([cell.getString(), cell.getValue(), cell.getError()])
        return {"libraries": found, "cells": cells}
    finally:
        document.close(True)


def main():
    request = json.load(sys.stdin)
    context = connect(request["port"])
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    answers = [inspect(desktop, document) for document in request["documents"]]
    json.dump(answers, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
