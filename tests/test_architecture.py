"""The package's parts and what each may import, read from the source (every import statement,
those inside functions included): no part imports one it must not, and no module imports
itself back through others (no import circle).

The parts, from the bottom: `base`; `forms`; `rules` (never a workbook, the month or Excel);
`excel` (the KPI_* functions and their VBA: nothing but `rules` and `base`); `workbook` (never
the month); `month`; `office` (LibreOffice); `app` (the command line and the add-in's buttons,
which may use every part). The root package (`xlkpi`, `xlkpi.aliases`) may be imported by all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "xlkpi"

ALLOWED = {
    "base": set(),
    "forms": {"base"},
    "rules": {"base", "forms"},
    "excel": {"base", "rules"},
    "workbook": {"base", "forms", "rules", "excel"},
    "month": {"base", "forms", "rules", "workbook"},
    "office": {"base", "forms", "rules", "workbook", "month"},
    "app": {"base", "forms", "rules", "excel", "workbook", "month", "office"},
}
ROOT_MODULES = {PACKAGE, f"{PACKAGE}.aliases"}


def module_sources(folder: Path = ROOT / PACKAGE) -> dict:
    """{module name: source text} of every module of the package in `folder`."""
    sources = {}
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(folder.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        sources[".".join(parts)] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return sources


def imports_of(name: str, text: str, is_package: bool, known: set) -> set:
    """The package's modules `name` imports anywhere in its text (`from . import x` counts x
    when x is a module)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] + [f"{target}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in known)
    found.discard(name)
    return found


def graph(sources: dict) -> dict:
    known = set(sources)
    return {name: imports_of(name, text, is_package, known) for name, (text, is_package) in sources.items()}


def part(module: str) -> str | None:
    """The part a module belongs to (`xlkpi.month.collect` → `month`); None for the root."""
    if module in ROOT_MODULES:
        return None
    return module.split(".")[1]


def violations(edges: dict) -> list:
    """(importer, imported) pairs that cross into a part the importer's part may not use."""
    found = []
    for module, targets in sorted(edges.items()):
        own = part(module)
        for target in sorted(targets):
            other = part(target)
            if own is None:
                if other is not None and module == f"{PACKAGE}.aliases":
                    found.append((module, target))
                continue
            if other is None or other == own:
                continue
            if own not in ALLOWED or other not in ALLOWED[own]:
                found.append((module, target))
    return found


def circles(edges: dict) -> list:
    """Each import circle once, as the list of its modules (Tarjan's strongly connected
    components of more than one module)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_edges() -> dict:
    """The import graph without the edges into package `__init__` modules that only hold a
    docstring (importing `xlkpi.month.collect` runs `xlkpi.month`'s, which imports nothing)."""
    return graph(module_sources())


def test_every_module_is_in_a_part():
    strays = [name for name in module_sources() if name not in ROOT_MODULES and part(name) not in ALLOWED]
    assert not strays, f"modules outside the parts {sorted(ALLOWED)}: {strays}"


def test_no_part_imports_one_it_must_not():
    found = violations(package_edges())
    assert not found, "\n".join(f"{a} imports {b}" for a, b in found)


def test_no_import_circle():
    found = circles(package_edges())
    assert not found, found


def test_each_part_says_what_it_holds_and_may_import():
    for name in ALLOWED:
        text = (ROOT / PACKAGE / name / "__init__.py").read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text))
        assert doc and "May import" in doc, name


@pytest.mark.parametrize("importer, imported, expected", [
    ("rules.scoring", "workbook.layout", True),   # rules → workbook
    ("workbook.render", "month.batch", True),      # workbook → month
    ("excel.udfs", "forms.model", True),           # excel → anything but rules (and base)
    ("excel.udfs", "rules.scoring", False),
    ("month.collect", "workbook.reader", False),
    ("app.cli", "office.printing", False),
])
def test_the_check_sees_a_forbidden_import(importer, imported, expected):
    edges = {f"{PACKAGE}.{importer}": {f"{PACKAGE}.{imported}"}}
    assert bool(violations(edges)) is expected


def test_the_check_sees_a_circle_through_a_function_level_import():
    sources = {
        "xlkpi.workbook.render": ("from .stamp import Template\n", False),
        "xlkpi.workbook.stamp": ("def build():\n    from .render import render_bytes\n", False),
        "xlkpi.workbook.layout": ("", False),
    }
    assert circles(graph(sources)) == [["xlkpi.workbook.render", "xlkpi.workbook.stamp"]]


IMPORT_NAMES = {"PyYAML": "yaml", "XlsxWriter": "xlsxwriter", "python-calamine": "python_calamine",
                "click": "click", "pandas": "pandas", "numpy": "numpy", "xlwings": "xlwings"}


def requirements(section: str, key: str) -> set:
    """The distribution names listed under `key` of `section` in setup.cfg."""
    import configparser
    import re

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = [line.strip() for line in config[section][key].splitlines() if line.strip()]
    return {re.split(r"[<>=!~ ;\[]", line, maxsplit=1)[0] for line in lines}


def third_party_imports() -> set:
    """The top-level names of the modules outside the standard library the package imports."""
    import sys

    found = set()
    for text, _ in module_sources().values():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in {PACKAGE, "__future__"}}


def test_runtime_requirements_are_what_the_code_imports():
    """install_requires lists exactly what runtime code imports (xlwings comes with the `udf`
    extra); test and benchmark tools such as openpyxl are no runtime requirement."""
    runtime = {IMPORT_NAMES[name] for name in requirements("options", "install_requires")}
    udf = {IMPORT_NAMES[name] for name in requirements("options.extras_require", "udf")}
    assert third_party_imports() == runtime | udf


def test_runtime_requirements_are_ranges_not_pins():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    for line in config["options"]["install_requires"].split("\n"):
        if line.strip():
            assert "==" not in line and "<" in line, f"{line.strip()}: a compatible range (>=x,<next major)"
