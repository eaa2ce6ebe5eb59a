"""The roster: who is appraised this month, on which form, by whom.

A roster is a CSV file or an Excel workbook (first sheet) whose first row names
the columns 工号, 姓名, 部门, 岗位, 考核人 and, optionally, 邮箱 (the English
headers employee_id, name, department, position, appraiser, email are accepted
too). 岗位 is a form's Chinese name (电话专员) or its id (dianhua_zhuanyuan).

`read_roster` checks the whole file and returns every problem at once, each
with its line number: the header is line 1, the first employee line 2. For a
workbook the line is the sheet's row number; for a CSV file it is the record
number, which is the row number Excel shows when it opens the file.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .errors import Problem, UsageError, file_fault, short_path
from .forms import FOLDER_HINT, known_forms

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

# (field, Chinese header, English header, required)
COLUMNS = (
    ("employee_id", "工号", "employee_id", True),
    ("name", "姓名", "name", True),
    ("department", "部门", "department", True),
    ("form_id", "岗位", "position", True),
    ("appraiser", "考核人", "appraiser", True),
    ("email", "邮箱", "email", False),
)

# fields that may not be left blank on an employee's line
NOT_BLANK = ("employee_id", "name", "form_id")

_LABELS = {field: label for field, label, _, _ in COLUMNS}


class RosterEntry(NamedTuple):
    """One employee of the roster (a named tuple: ten thousand of them are made in a few ms).

    Attributes:
        employee_id: 工号, as text (`E1001`, `1001`).
        name: 姓名.
        department: 部门.
        form_id: the id of the built-in form named by 岗位 (`dianhua_zhuanyuan`).
        appraiser: 考核人.
        email: 邮箱, or "".
        line: the line of the roster the employee is on.
    """

    employee_id: str
    name: str
    department: str
    form_id: str
    appraiser: str
    email: str
    line: int


def demo_roster_path() -> Path:
    """The built-in demo roster (a dozen employees on the three built-in forms)."""
    try:
        candidate = resources.files("xlkpi").joinpath("data", "demo_roster.csv")
        if candidate.is_file():
            return Path(str(candidate))
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return Path(__file__).resolve().parent / "data" / "demo_roster.csv"


def read_roster(path) -> tuple[list[RosterEntry], list[Problem]]:
    """Read and check a roster file.

    Every line is checked: blank 工号, 姓名 or 岗位 (`blank`), a 工号 seen on an
    earlier line (`duplicate-employee`), a 岗位 that is no built-in form
    (`unknown-form`, with the closest form suggested). Fully blank lines are
    skipped; cells are stripped of surrounding spaces, full-width ones too.
    A header without a required column (`missing-column`) or a CSV file in
    an unknown encoding (`bad-encoding`) stops the reading: no line is read.

    Returns:
        The employees whose lines have no problem, in file order, and every
        problem found, in line order.

    Raises:
        UsageError: the file does not exist or cannot be opened as a workbook.
    """
    path = Path(path)
    file = str(path)
    if path.is_dir():
        raise UsageError(f"名册 {short_path(file)} 是一个文件夹，不是文件：请用 --roster 给出名册文件（CSV 或 XLSX）。")
    if not path.is_file():
        raise UsageError(f"名册文件 {short_path(file)} 不存在：请检查 --roster 给出的路径。")
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        rows = _workbook_rows(path)
    else:
        rows, problem = _csv_rows(path)
        if problem is not None:
            return [], [problem]
    return _check_rows(rows, file)


# ----------------------------------------------------------------- reading
def _csv_rows(path: Path) -> tuple[list[list[str]], Problem | None]:
    """The cells of a CSV file saved by Excel, in UTF-8 (with or without BOM) or GBK/GB18030, stripped."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            # the line where the encoding that read further stopped: most likely the bad spot
            line = data.count(b"\n", 0, max(utf8_error.start, gb_error.start)) + 1
            message = (f"无法识别文件的编码：第 {line} 行既不是 UTF-8 也不是 GBK/GB18030 编码的文字。"
                       "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重试。")
            return [], Problem("bad-encoding", message, file=str(path), line=line)
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))], None


def _workbook_rows(path: Path) -> list[list[str]]:
    """The cells of the first sheet of a workbook as text (see `_cell_text`), from A1
    (empty rows kept, so rows keep their numbers)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own classes and OSError for damaged files
        raise UsageError(f"无法读取名册工作簿 {path}：{error}") from None
    return [[_cell_text(value) for value in row] for row in rows]


def _cell_text(value) -> str:
    """A cell as text: numbers read from a workbook as floats lose their `.0` (1001.0 → `1001`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:.15g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


# ----------------------------------------------------------------- checking
def _header_key(text: str) -> str:
    """A header as compared: NFKC, without any spaces, `_` or `-`, lower case (`Employee ID` → `employeeid`)."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s_\-]+", "", text).lower()


_HEADERS = {}
for _field, _chinese, _english, _ in COLUMNS:
    _HEADERS[_header_key(_chinese)] = _field
    _HEADERS[_header_key(_english)] = _field


def _expected_columns() -> str:
    required = "、".join(label for _, label, _, needed in COLUMNS if needed)
    optional = "、".join(label for _, label, _, needed in COLUMNS if not needed)
    return f"{required}（可选：{optional}）"


def _form_names() -> dict[str, str]:
    """Every way to name a built-in form in the 岗位 column → the form's id."""
    names = {}
    for form in known_forms().values():
        names[form.id] = form.id
        names[form.name] = form.id
    return names


def _check_rows(rows, file: str) -> tuple[list[RosterEntry], list[Problem]]:
    """Check rows of stripped cell texts, the first the header (see `read_roster`)."""
    header = rows[0] if rows else []
    columns = {}
    for index, text in enumerate(header):
        field = _HEADERS.get(_header_key(text))
        if field is not None and field not in columns:
            columns[field] = index
    missing = [label for field, label, _, needed in COLUMNS if needed and field not in columns]
    if missing:
        found = "、".join(text for text in header if text) or "（空）"
        message = (f"缺少列：{'、'.join(missing)}。第一行应为列名：{_expected_columns()}；"
                   f"实际为：{found}。")
        return [], [Problem("missing-column", message, file=file, line=1)]

    form_names = _form_names()
    width = max(columns.values()) + 1
    at_id, at_name, at_department = columns["employee_id"], columns["name"], columns["department"]
    at_position, at_appraiser, at_email = columns["form_id"], columns["appraiser"], columns.get("email")
    padding = [""] * width
    seen: dict[str, int] = {}
    entries: list[RosterEntry] = []
    problems: list[Problem] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if len(row) < width:
            row = row + padding
        employee_id = unicodedata.normalize("NFKC", row[at_id]).strip()
        name, position = row[at_name], row[at_position]
        found = []
        if not (employee_id and name and position):
            found = [Problem("blank", f"{_LABELS[field]}为空：每一行都应填写工号、姓名和岗位。", file=file, line=line)
                     for field, value in zip(NOT_BLANK, (employee_id, name, position)) if not value]
        if employee_id:
            if employee_id in seen:
                found.append(Problem("duplicate-employee",
                                     f"工号 \"{employee_id}\" 重复（第 {seen[employee_id]} 行已出现）。",
                                     file=file, line=line))
            else:
                seen[employee_id] = line
        form_id = (form_names.get(position) or form_names.get(position.lower())) if position else None
        if position and form_id is None:
            found.append(Problem("unknown-form", _unknown_form_message(position, form_names), file=file, line=line))
        if found:
            problems.extend(found)
            continue
        entries.append(RosterEntry(employee_id, name, row[at_department], form_id, row[at_appraiser],
                                   row[at_email] if at_email is not None else "", line))
    return entries, problems


def _unknown_form_message(position: str, form_names: dict[str, str]) -> str:
    close = difflib.get_close_matches(position, list(form_names), n=1, cutoff=0.5)
    if close:
        return f"岗位 \"{position}\" 不是已知的表单，是否应为 \"{close[0]}\"？{FOLDER_HINT}"
    known = "、".join(form.name for form in known_forms().values())
    return f"岗位 \"{position}\" 不是已知的表单；可用的表单：{known}。{FOLDER_HINT}"


__all__ = ["RosterEntry", "read_roster", "demo_roster_path", "COLUMNS"]
