"""The roster: who is appraised this month, on which form, by whom.

A roster is a CSV file or an Excel workbook (first sheet) whose first row names
the columns 工号, 姓名, 部门, 岗位, 考核人 and, optionally, 邮箱 (the English
headers employee_id, name, department, position, appraiser, email are accepted
too). 岗位 is a form's Chinese name (电话专员) or its id (dianhua_zhuanyuan).

`read_roster` checks the whole file and returns every problem at once, each
with its line number: the header is line 1, the first employee line 2. For a
workbook the line is the sheet's row number; for a CSV file it is the line of
the file (a roster's cells never hold line breaks: each line is one employee, so
that a stray quote spoils its own line only). A CSV file is UTF-8 (with or
without BOM) or GBK/GB18030 as a whole; a UTF-8 file with a few lines in another
encoding has those lines reported, never the whole file misread. A workbook's
merged cells (部门 merged down the rows of a department) give their value to
every row they cover; a formula with no saved result is reported, not read as blank.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from ..base.errors import Problem, UsageError, explain, file_fault, short_path
from ..base.resources import package_folder
from ..forms.definitions import FOLDER_HINT, known_forms

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
NOT_BLANK = ("employee_id", "name", "department", "form_id")
MAX_CELL = 32767  # Excel's limit of characters in a cell
MAX_INFLATED = 64 * 1024 * 1024  # a roster workbook whose parts inflate past this is refused unread

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
    return package_folder("xlkpi", "xlkpi") / "data" / "demo_roster.csv"


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
    uncalculated = set()
    try:
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            rows, uncalculated = _workbook_rows(path)
            problems = []
        else:
            rows, problems = _csv_rows(path)
            if problems and not rows:
                return [], problems
    except OSError as error:
        raise file_fault(error, path, "读取名册") from None
    entries, found = _check_rows(rows, file, uncalculated)
    return entries, sorted([*problems, *found], key=lambda problem: problem.line or 0)


# ----------------------------------------------------------------- reading
def _csv_rows(path: Path) -> tuple[list[list[str]], list[Problem]]:
    """The cells of a CSV file saved by Excel, stripped, one row per line of the file (None for a line
    that could not be read), and the problems of the lines that could not be read.

    UTF-8 (with or without BOM) or GBK/GB18030, decided for the whole file: UTF-8 when any line with
    non-ASCII bytes is UTF-8 (the lines that are not are reported), else GB18030."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    utf8 = other = 0
    for raw in lines:
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            other += 1
    encoding = "utf-8" if utf8 or not other else "gb18030"
    rows, problems = [], []
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode(encoding).rstrip("\r")
        except UnicodeDecodeError:
            if encoding == "utf-8":
                message = ("这一行不是 UTF-8 编码（文件的其他行是 UTF-8，这一行可能是从 GBK 编码的文件复制来的）："
                           "此行未读取。请在 Excel 中重新输入这一行，另存为“CSV UTF-8（逗号分隔）”后重试。")
            else:
                message = ("无法识别这一行的编码：既不是 UTF-8 也不是 GBK/GB18030 编码的文字。"
                           "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重试。")
            problems.append(Problem("bad-encoding", message, file=str(path), line=number))
            rows.append(None)
            continue
        rows.append(_csv_line(text, str(path), number, problems))
    while rows and rows[-1] == []:
        rows.pop()
    if rows and rows[0] is None:  # the header itself could not be read
        return [], problems
    return rows, problems


def _csv_line(text: str, file: str, number: int, problems: list):
    """The stripped cells of one line of a CSV file; None (and a problem) for a line with a quote that
    is not closed on it, or a cell longer than any cell can be."""
    if not text.strip():
        return []
    try:
        cells = next(csv.reader([text], strict=True))
    except csv.Error as error:
        if "field larger" in str(error):
            message = f"这一行有一个单元格超过 {csv.field_size_limit()} 个字符：此行未读取。"
        else:
            message = ("这一行的引号（\"）没有成对：此行未读取。名册的单元格里不应有引号；"
                       "请删去多余的引号，或在 Excel 中修改后重新另存。")
        problems.append(Problem("bad-quote", message, file=file, line=number))
        return None
    except StopIteration:
        return []
    return [cell.strip() for cell in cells]


def _workbook_rows(path: Path):
    """The cells of the first sheet of a workbook as text (see `_cell_text`), from A1 (empty rows
    kept, so rows keep their numbers; a merged range's value in each of its cells); and the
    (row, column) of the cells holding a formula with no saved result (.xlsx and .xlsm).

    Raises:
        UsageError: the file cannot be read as a workbook, or it inflates past `MAX_INFLATED`.
    """
    from python_calamine import CalamineWorkbook

    _check_inflated(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
        name = workbook.sheet_names[0]
    except Exception as error:  # noqa: BLE001 - calamine raises its own classes and OSError for damaged files
        raise UsageError(f"无法读取名册工作簿 {short_path(path)}：{explain(error)}。") from None
    texts = [[_cell_text(value) for value in row] for row in rows]
    for (first_row, first_col), (last_row, last_col) in merged:
        if first_row >= len(texts) or first_col >= len(texts[first_row]):
            continue
        value = texts[first_row][first_col]
        for row in range(first_row, min(last_row, len(texts) - 1) + 1):
            line = texts[row]
            while len(line) <= last_col:
                line.append("")
            for col in range(first_col, last_col + 1):
                if not line[col]:
                    line[col] = value
    return texts, _uncalculated(path, name)


def _check_inflated(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as package:
            size = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip (.xls) or damaged: calamine says what it is
    if size > MAX_INFLATED:
        raise UsageError(f"名册工作簿 {short_path(path)} 解压后有 {size // 1048576} MB，超过名册的合理大小"
                         f"（{MAX_INFLATED // 1048576} MB）：请检查文件，或另存为 CSV。")


def _uncalculated(path: Path, sheet: str) -> set:
    """(row, col) of the cells of `sheet` that hold a formula with no saved result."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return set()
    from ..workbook.reader import DamagedWorkbook, WorkbookReader

    try:
        with WorkbookReader(path) as reader:
            return {key for key, cell in reader.cells(sheet).items() if cell.formula and cell.value in (None, "")}
    except DamagedWorkbook:
        return set()


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


def _check_rows(rows, file: str, uncalculated=frozenset()) -> tuple[list[RosterEntry], list[Problem]]:
    """Check rows of stripped cell texts, the first the header (see `read_roster`); a row that is None
    could not be read (its problem is reported already). `uncalculated`: (row, col) of formulas
    without a saved result."""
    header = (rows[0] if rows else None) or []
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
        if row is None or not any(row):
            continue
        if len(row) < width:
            row = row + padding
        employee_id = unicodedata.normalize("NFKC", row[at_id]).strip()
        name, department, position = row[at_name], row[at_department], row[at_position]
        found = []
        if not (employee_id and name and department and position):
            for field, value in zip(NOT_BLANK, (employee_id, name, department, position)):
                if value:
                    continue
                if (line - 1, columns[field]) in uncalculated:
                    found.append(Problem("uncalculated-formula", f"{_LABELS[field]}是公式，但没有保存计算结果（由程序写入、"
                                         "未在 Excel 中计算过）：请在 Excel 中打开名册并保存，或直接输入内容。",
                                         file=file, line=line))
                else:
                    found.append(Problem("blank", f"{_LABELS[field]}为空：每一行都应填写工号、姓名、部门和岗位。",
                                         file=file, line=line))
        for field, index in columns.items():
            if len(row[index]) > MAX_CELL:
                found.append(Problem("text-too-long", f"{_LABELS[field]}有 {len(row[index])} 个字符，超过 Excel 单元格的上限 "
                                     f"{MAX_CELL}：请检查这一行。", file=file, line=line))
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
        entries.append(RosterEntry(employee_id, name, department, form_id, row[at_appraiser],
                                   row[at_email] if at_email is not None else "", line))
    return entries, problems


def _unknown_form_message(position: str, form_names: dict[str, str]) -> str:
    close = difflib.get_close_matches(position, list(form_names), n=1, cutoff=0.5)
    if close:
        return f"岗位 \"{position}\" 不是已知的表单，是否应为 \"{close[0]}\"？{FOLDER_HINT}"
    known = "、".join(form.name for form in known_forms().values())
    return f"岗位 \"{position}\" 不是已知的表单；可用的表单：{known}。{FOLDER_HINT}"


__all__ = ["RosterEntry", "read_roster", "demo_roster_path", "COLUMNS"]
