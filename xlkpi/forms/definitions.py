"""Form definitions: the public way to check and load them, and where they are found.

`check_form_file` / `check_form_text` return every problem a definition has (each with its
file, line, dotted path, code and a Chinese message); `load_form` raises `FormError` listing
them all. The definitions xlkpi knows are the built-in ones and those of the folders named in
XLKPI_FORMS (`--forms`); `get_form` finds one by id or Chinese name. The format is documented
in docs/definition-format.md.

Reading the YAML and collecting problems is `form_source`'s; building and checking the model is
`form_builder`'s. This module refuses a definition with problems and two forms sharing an id or
a name.
"""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path

from ..base.errors import FormError, Problem
from ..base.resources import package_folder
from .builder import build_form, check_columns_cover_inputs
from .model import Form
from .source import Checker, SyntaxProblem, compose, parse_number, read_definition_text

__all__ = [
    "FOLDER_HINT", "FORMS_VARIABLE", "builtin_dir", "builtin_forms", "check_form_file", "check_form_text",
    "form_folders", "get_form", "known_forms", "load_form", "parse_number", "read_definition_text",
    "use_form_folders",
]


# ----------------------------------------------------------------- public API
def check_form_file(path) -> tuple[Form | None, list[Problem]]:
    """Load and check one definition file.

    Returns:
        (form, problems): the form when there are no problems, else None and every problem found.
    """
    text, problems = read_definition_text(path)
    if problems:
        return None, problems
    return check_form_text(text, str(path))


def check_form_text(text: str, file: str = "<text>") -> tuple[Form | None, list[Problem]]:
    """Load and check a definition given as text (see `check_form_file`)."""
    try:
        root = compose(text, file)
    except SyntaxProblem as error:
        return None, [error.problem]
    check = Checker(file)
    form = build_form(root, check)
    if form is not None:
        check_columns_cover_inputs(form, check, root.value["columns"][1])
    problems = sorted(check.problems, key=lambda p: (p.line or 0))
    return (form if not problems else None), problems


def load_form(path) -> Form:
    """Load a definition file, refusing it with every problem if it has any.

    Raises:
        FormError: the file has problems; the message lists them, one a line.
    """
    form, problems = check_form_file(path)
    if problems:
        raise FormError("\n".join(str(problem) for problem in problems))
    return form


def builtin_dir() -> Path:
    """The folder of the built-in definitions, installed or in a source checkout."""
    return package_folder("xlkpi.workbook_templates", "workbook_templates")


FORMS_VARIABLE = "XLKPI_FORMS"
FOLDER_HINT = "自己的表单定义请放在一个文件夹里，用 --forms 文件夹 指定。"  # for commands that take --forms


def form_folders() -> list[Path]:
    """Where forms are loaded from: the built-in folder, then each folder named in the
    environment variable XLKPI_FORMS (several separated by `os.pathsep`: `:` on Linux,
    `;` on Windows), in that order."""
    extra = [Path(part) for part in os.environ.get(FORMS_VARIABLE, "").split(os.pathsep) if part.strip()]
    return [builtin_dir(), *extra]


def use_form_folders(folders) -> None:
    """Make the definitions in `folders` known, after the built-in ones and any already added,
    to this process and to the processes it starts (through XLKPI_FORMS)."""
    known = form_folders()[1:]
    added = [Path(folder) for folder in folders if Path(folder) not in known]
    os.environ[FORMS_VARIABLE] = os.pathsep.join(str(folder) for folder in [*known, *added])


def builtin_forms() -> dict:
    """The built-in forms by id, in file-name order."""
    return _forms_in((builtin_dir(),))


def known_forms() -> dict:
    """Every form xlkpi knows, by id: the built-in ones, then those of the folders in XLKPI_FORMS
    (see `form_folders`), each folder in file-name order.

    Raises:
        FormError: a folder does not exist, a definition has problems, or two forms share an id
            or a name (the roster names forms by name, workbooks record their form's id).
    """
    return _forms_in(tuple(form_folders()))


@lru_cache(maxsize=None)
def _forms_in(folders: tuple) -> dict:
    forms, by_name = {}, {}
    for folder in folders:
        if not folder.is_dir():
            raise FormError(f"表单文件夹 {folder} 不存在（来自 --forms 或环境变量 {FORMS_VARIABLE}）。")
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            form = load_form(path)
            other = forms.get(form.id) or by_name.get(form.name)
            if other is not None:
                raise FormError(f"{path}: 表单 {form.name}（{form.id}）与 {other.path} 中的 {other.name}（{other.id}）"
                                "重名：每个表单的 id 和名称都应与其他表单不同。")
            forms[form.id] = form
            by_name[form.name] = form
    return forms


def get_form(key) -> Form:
    """A known form (see `known_forms`) by id (`dianhua_zhuanyuan`) or Chinese name (`电话专员`);
    a `Form` is returned as is.

    Raises:
        FormError: no such form; the message lists the known ones and the closest match.
    """
    if isinstance(key, Form):
        return key
    forms = known_forms()
    text = str(key).strip()
    if text in forms:
        return forms[text]
    for form in forms.values():
        if form.name == text:
            return form
    known = "、".join(f"{form.name}（{form.id}）" for form in forms.values())
    names = list(forms) + [form.name for form in forms.values()]
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.5)
    hint = f"是否应为 \"{close[0]}\"？" if close else ""
    raise FormError(f"未知的表单 \"{text}\"。{hint}可用的表单：{known}。")
