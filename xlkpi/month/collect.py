"""Filled workbooks → one row of data per employee, and every problem found.

Each file is recognised by the form id, version, employee and month recorded
in it, and read through its defined names, so inserted rows, moved tables and
restyling do not matter. Every input is checked; the scores are recomputed
with `xlkpi.score` from the inputs (a workbook Python wrote has no cached
results until a spreadsheet saves it), and cached results that disagree are
reported. Files are only read, never written; a bad file never stops the others.

The results are taken in as the workers send them, a workbook at a time, into
one list of values per column (`_Table`) and a compact list of problems
(`ProblemList`); the DataFrame is made from the columns a few at a time.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..base import progress
from ..base.errors import Problem, ScoringError, UsageError, explain, short_path
from ..base.periods import parse_month
from ..base.safe_write import PARTIAL
from ..base.workers import pool
from ..forms.definitions import FOLDER_HINT, known_forms
from ..rules.inputs import check_value, shown
from ..rules.scoring import STATUS_DONE, WRONG_ENTRY, excel_round, score
from ..workbook.layout import META_SHEET, a1
from ..workbook.reader import DamagedCell, DamagedWorkbook, MissingSheet, WorkbookReader
from .rewards import award_group, rank_values  # noqa: F401  (rank_values: part of this module's API)
from .settings import default_rules

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# spreadsheets saved in a format collect does not read: each is a problem, never passed over in silence
OTHER_SUFFIXES = (".xls", ".xlsb", ".xltx", ".xltm", ".xlt", ".ods", ".csv", ".et", ".ett", ".numbers", ".wps")
_BACKUP = re.compile(r"\.bak-\d+$")


@dataclass
class Appraisal:
    """One collected workbook: who, which form, what was typed and what it scores."""

    file: str
    form_id: str
    form_version: int
    month: str
    header: dict
    inputs: dict
    outputs: dict
    problems: list = field(default_factory=list)
    entered: int = 0  # how many inputs hold anything typed (a wrong value too; not a printed target)


def find_workbooks(directory) -> list:
    """Every workbook under `directory`, sorted, without Excel's lock files (`~$...`) and xlkpi's backups.

    Symbolic links to folders are not followed; to files, they are. Unreadable folders are skipped."""
    return [Path(path) for path in _workbook_files(directory)]


def _workbook_files(directory, others: list | None = None) -> list:
    """The paths `find_workbooks` gives, as strings (a quarter of the memory of Path objects).
    `others`: a list that receives the spreadsheets of other formats (`OTHER_SUFFIXES`)."""
    found = []

    def walk(folder):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not name.startswith(".") or PARTIAL not in name:  # a generate still writing, or crashed
                        walk(entry.path)
                    continue
                stem, suffix = os.path.splitext(name)
                if suffix.lower() not in WORKBOOK_SUFFIXES or name.startswith(("~$", ".~")) or _BACKUP.search(stem):
                    if others is not None and suffix.lower() in OTHER_SUFFIXES and not name.startswith(("~$", ".")):
                        others.append(entry.path)
                    continue
                if entry.is_file():
                    found.append(entry.path)
            except OSError:
                continue

    walk(str(Path(directory)))
    if others is not None:
        others.sort()
    if os.sep == "/":  # the order of Path objects: by their parts
        return sorted(found, key=lambda path: path.split("/"))
    return [str(path) for path in sorted(map(Path, found))]


def read_appraisal(path, *, month: str | None = None, shown_as: str | None = None):
    """Read and check one workbook.

    Returns:
        (appraisal or None, problems): None when the file cannot be used at all
        (damaged, not an xlkpi workbook, unknown form or version, another month).
    """
    label = shown_as or str(path)
    try:
        reader = WorkbookReader(path)
    except DamagedWorkbook as error:
        return None, [Problem(error.code, f"{error}此文件未汇总。", file=label)]
    with reader:
        try:
            return _read(reader, label, month)
        except DamagedWorkbook as error:
            return None, [Problem(error.code, f"{error}此文件未汇总。", file=label)]
        except Exception as error:  # noqa: BLE001 - one file never stops the month
            return None, [Problem("damaged-file", f"无法读取此考核表：{explain(error)}。此文件未汇总；"
                                                  "请用 Excel 打开检查后另存。", file=label)]


class _Plan:
    """What reading one form needs, worked out once per form: its input specs, each item with
    the names of its inputs, and each input's spec by name."""

    def __init__(self, form):
        self.form = form
        self.specs = form.input_specs()
        self.spec_by_name = {spec.name: spec for spec in self.specs}
        self.items = [(item, [item.input_name(role) for role in item.roles]) for item in form.items()]
        self.ratios = [(item, names) for item, names in self.items if item.ratio]


_PLANS: dict = {}


def _plan(form) -> _Plan:
    plan = _PLANS.get(form.id)
    if plan is None or plan.form is not form:
        plan = _PLANS[form.id] = _Plan(form)
    return plan


_SCORES: dict = {}


def _score(form, inputs: dict, wrong=frozenset()) -> dict:
    """`score(form, inputs, wrong=wrong)`, remembered for inputs seen before: the blank workbooks of
    a form, and every workbook filled the same way, score alike."""
    key = (form.id, tuple(inputs), repr(tuple(inputs.values())), frozenset(wrong))  # repr: -0.0 is not 0.0
    found = _SCORES.get(key)
    if found is None or found[0] is not form:
        if len(_SCORES) >= 4096:
            _SCORES.clear()
        found = _SCORES[key] = (form, score(form, inputs, wrong=wrong))
    return dict(found[1])


def _read(reader: WorkbookReader, label: str, month: str | None):
    meta = reader.key_values(META_SHEET) if META_SHEET in reader.sheets else {}
    if "form_id" not in meta:
        return None, [Problem("not-xlkpi", "不是 xlkpi 生成的考核表（缺少隐藏的 _xlkpi 记录）。", file=label)]
    forms = known_forms()
    form = forms.get(meta["form_id"])
    if form is None:
        message = f"表单 \"{meta['form_id']}\" 不是已知的表单。{FOLDER_HINT}"
        return None, [Problem("unknown-form", message, file=label)]
    if meta.get("form_version") != str(form.version):
        return None, [Problem("unknown-version",
                              f"{form.name}的表单版本为 {meta.get('form_version')!r}，本程序只认识版本 {form.version}。",
                              file=label)]
    if not str(meta.get("employee_id", "")).strip() or not str(meta.get("month", "")).strip():
        missing = "工号" if not str(meta.get("employee_id", "")).strip() else "考核月份"
        return None, [Problem("bad-record", f"隐藏的 _xlkpi 记录中没有{missing}：无法确定这是谁、哪个月的考核表，此文件未汇总。"
                                            "请用 xlkpi generate 重新生成后把填写的内容抄过去。", file=label)]
    if month is not None and meta.get("month") != month:
        return None, [Problem("wrong-month", f"考核月份为 {meta.get('month')}，不是要汇总的 {month}。", file=label)]
    plan = _plan(form)
    names = reader.defined_names()
    problems = []

    def where(name):
        sheet, row, col = names[name]
        return {"file": label, "sheet": sheet, "cell": a1(row, col), "name": name}

    header = {}
    for field_name in ("name", "employee_id", "department", "position", "month", "appraiser"):
        name = f"hdr_{field_name}"
        try:
            cell = reader.cell(*names[name]) if name in names else None
        except (MissingSheet, DamagedCell):
            cell = None
        header[name] = "" if cell is None or cell.value is None else _text(cell.value)
    header["hdr_employee_id"] = meta.get("employee_id", header["hdr_employee_id"])
    header["hdr_month"] = meta.get("month", header["hdr_month"])

    inputs = {}
    invalid = set()
    entered = 0
    for spec in plan.specs:
        inputs[spec.name] = None
        if spec.name not in names:
            problems.append(Problem("missing-name", f"找不到定义名称 {spec.name}（可能被删除）。", file=label,
                                    name=spec.name))
            continue
        try:
            cell = reader.cell(*names[spec.name])
        except MissingSheet as error:
            problems.append(Problem("missing-name", f"定义名称 {spec.name} 指向的工作表 \"{error.sheet}\" 不存在"
                                                    "（可能被删除或改名）：此项无法读取。", file=label, name=spec.name))
            invalid.add(spec.name)
            continue
        except DamagedCell as error:
            problems.append(Problem("damaged-file", f"{error}请重新填写此单元格后保存。", **where(spec.name)))
            invalid.add(spec.name)
            entered += 1
            continue
        raw = cell.value
        if raw is None and cell.formula:
            problems.append(Problem("uncalculated-formula", "单元格中是公式，但没有保存计算结果（由程序写入、未在 Excel 中"
                                                            "计算过）：请在 Excel 中打开并保存，或直接输入数值。",
                                    **where(spec.name)))
            invalid.add(spec.name)
            entered += 1
            continue
        if raw is not None and raw != "" and raw != spec.default:  # a target the form prints is not typed
            entered += 1
        try:
            inputs[spec.name] = check_value(spec, raw)
        except ScoringError as error:
            problems.append(Problem(error.code, str(error), **where(spec.name)))
            invalid.add(spec.name)
    for item, names_of_item in plan.ratios:  # a denominator of 0: a wrong entry at that cell, not a blank
        den = names_of_item[1]
        if inputs.get(den) == 0 and den not in invalid:
            problems.append(Problem("zero-denominator", f"{item.name}的{plan.spec_by_name[den].label}为 0：比率无法计算，"
                                                        "此项不能计分。请填写实际的数目（不能为 0）。", **where(den)))
            inputs[den] = None
            invalid.add(den)
    typed = dict(inputs)
    if invalid:  # an item with a wrong input is not scored from its other inputs
        for _, names_of_item in plan.items:
            if any(name in invalid for name in names_of_item):
                inputs.update(dict.fromkeys(names_of_item))
    outputs = _score(form, inputs, invalid)  # an item with a wrong input counts as 填写有误, as on the sheet
    problems.extend(_blank_problems(form, typed, outputs, names, where, invalid, plan=plan))
    for name, expected in outputs.items():
        if name not in names:
            continue
        try:
            cell = reader.cell(*names[name])
        except (MissingSheet, DamagedCell):
            continue
        if not cell.formula:
            found = "空白" if cell.value is None else shown(cell.value)
            problems.append(Problem("formula-overwritten", f"计算公式被改成了{'' if cell.value is None else '数值 '}{found}；"
                                                           f"已按输入重新计算为 {_shown_result(expected)}。",
                                    **where(name)))
        elif cell.value not in (None, "") and cell.kind != "e" and not _same(cell.value, expected, form.decimals):
            problems.append(Problem("cached-mismatch", f"表中结果为 {shown(cell.value)}，按输入重新计算为 "
                                                       f"{_shown_result(expected)}。", **where(name)))
    appraisal = Appraisal(label, form.id, form.version, meta.get("month", ""), header, typed, outputs, problems,
                          entered)
    return appraisal, problems


def _blank_problems(form, inputs, outputs, names, where, invalid=frozenset(), *, plan=None):
    """One `blank` problem per item that cannot be scored because an input is empty; one for the
    whole workbook when nothing was filled in (an untouched workbook: every input empty or still
    holding the target the form prints in it), at its first input.

    Inputs in `invalid` hold a value already reported as wrong: they are not called blank."""
    plan = plan or _plan(form)
    if not invalid and all(value is None or value == plan.spec_by_name[name].default for name, value in inputs.items()):
        first = next((name for _, names_of_item in plan.items for name in names_of_item if name in names), None)
        if first is not None:
            count = sum(1 for _, names_of_item in plan.items if names_of_item)
            return [Problem("blank", f"未填写：整张考核表都是空白（{count} 个考核项目均未填写）。",
                            **{**where(first), "name": ""})]
    problems = []
    for item, _ in plan.items:
        if outputs.get(f"out_{item.id}") is not None:
            continue
        roles = item.roles
        blank = [role for role in roles if inputs.get(item.input_name(role)) is None]
        if not blank:
            continue
        if item.raters:
            blank = ["sup"] if "sup" in item.raters else blank[:1]
        for role in blank:
            name = item.input_name(role)
            if name not in names or name in invalid:
                continue
            spec = plan.spec_by_name[name]
            what = f"{item.name}（{spec.label}）" if role else item.name
            problems.append(Problem("blank", f"未填写：{what}。", **where(name)))
    return problems


def _same(got, expected, decimals) -> bool:
    if expected is None:
        return got in (None, "", WRONG_ENTRY)
    if isinstance(expected, str):
        return str(got) == expected
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return excel_round(got, decimals) == excel_round(expected, decimals)


def _shown_result(value) -> str:
    if value is None:
        return "空白"
    if isinstance(value, float):
        return f"{value:.15g}"
    return shown(value)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_one(args):
    path, month, label, _, twin = args
    appraisal, problems = read_appraisal(path, month=month, shown_as=label)
    if twin and appraisal is not None and not appraisal.entered:
        problem = Problem("unsupported-format", f"这是一张空白表，旁边的 {twin} 可能是填写后另存的版本：本表未汇总。"
                                                "请把填好的表另存为 .xlsx（覆盖本表）后重新汇总。", file=label)
        return None, [*problems, problem]
    return appraisal, problems


_KEYS: dict = {}  # one tuple object per distinct key sequence, so that a chunk of results pickles it once


def _keys(names) -> tuple:
    names = tuple(names)
    return _KEYS.setdefault(names, names)


def _read_packed(args):
    """`_read_one` in plain tuples, as a worker sends it back (a fraction of the pickling of objects):
    the appraisal as `_pack` gives it (with its inputs if the task's last field is true), and each
    problem's fields."""
    appraisal, problems = _read_one(args)
    return _pack(appraisal, args[3]), [tuple(p.__dict__[name] for name in _PROBLEM_FIELDS) for p in problems]


def _other_format(path: str, label: str):
    """A spreadsheet of another format, as `_read_packed` gives a workbook: no appraisal, one problem."""
    suffix = os.path.splitext(path)[1].lower()
    message = (f"此文件是 {suffix} 格式，xlkpi 只读取 .xlsx 和 .xlsm 考核表：此文件未汇总。"
               "如果它是填写好的考核表，请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后重新汇总。")
    return None, [tuple(Problem("unsupported-format", message, file=label).__dict__[name] for name in _PROBLEM_FIELDS)]


_PROBLEM_FIELDS = tuple(field.name for field in dataclasses.fields(Problem))


def _problem(fields) -> Problem:
    """A Problem from its field values, made as unpickling makes it (its fields set directly)."""
    problem = object.__new__(Problem)
    problem.__dict__.update(zip(_PROBLEM_FIELDS, fields))
    return problem


_FILE = _PROBLEM_FIELDS.index("file")


class ProblemList(Collection):
    """Problems kept compactly, read back as `Problem` objects, in the order they were added.

    A month of 10,000 workbooks can have tens of thousands of problems, and most of a problem
    repeats from workbook to workbook: the same cell left blank in the same form gives the same
    code, message, sheet, cell and name. So the problems of one file are kept together under its
    name, and the rest of each problem is kept once for every workbook that has it (the benchmark's
    46,666 problems take 1 MB so, 20 MB as Problem objects)."""

    def __init__(self, problems=()):
        self._files = []  # (file, [the rest of each of its problems' fields]), a run of problems per file
        self._rests = {}  # the rest of a problem's fields → the one tuple kept of them
        self._count = 0
        for problem in problems:
            self.append(problem)

    def append(self, problem: Problem) -> None:
        """Add a problem."""
        self.append_fields([problem.__dict__[name] for name in _PROBLEM_FIELDS])

    def append_fields(self, fields) -> None:
        """Add a problem given as its fields' values, in the order of Problem's fields."""
        rest = (*fields[:_FILE], *fields[_FILE + 1:])
        rest = self._rests.setdefault(rest, rest)
        file = fields[_FILE]
        if self._files and self._files[-1][0] == file:
            self._files[-1][1].append(rest)
        else:
            self._files.append((file, [rest]))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __contains__(self, problem) -> bool:
        return any(problem == found for found in self)

    def __iter__(self):
        for file, rests in self._files:
            for rest in rests:
                yield _problem((*rest[:_FILE], file, *rest[_FILE:]))


def _label(path: str, root: Path, prefix: str) -> str:
    """`path` relative to `root`, with forward slashes."""
    if os.sep == "/" and path.startswith(prefix):
        return path[len(prefix):]
    return Path(path).relative_to(root).as_posix()


def _read_each(directory, month: str | None, jobs: int | None, meanwhile=None, *, inputs: bool = True):
    """Read every workbook under `directory` (in parallel over `jobs` processes) and yield each, in
    file order, as it comes: (packed appraisal or None, its problems' field values); the inputs
    are packed only if `inputs` is true. `meanwhile` is called while the workers read.

    Raises:
        UsageError: `directory` is not a folder.
    """
    root = Path(directory)
    if not root.is_dir():
        if root.exists():
            raise UsageError(f"{short_path(root)} 是一个文件，不是文件夹：请给出月份文件夹，例如 out/2026-11。")
        raise UsageError(f"文件夹 {short_path(root)} 不存在：请给出月份文件夹，例如 out/2026-11。")
    if month is not None:
        month = parse_month(month)
    prefix = str(root) + os.sep if str(root) != os.sep else os.sep
    others = []
    files = _workbook_files(root, others)
    twins = {}
    for other in others:
        twins.setdefault(os.path.splitext(other)[0], os.path.basename(other))
    tasks = [(path, month, _label(path, root, prefix), inputs, twins.get(os.path.splitext(path)[0]))
             for path in files]
    for other in others:
        yield _other_format(other, _label(other, root, prefix))
    jobs = jobs or min(os.cpu_count() or 1, 4)
    total = len(tasks)
    known_forms()  # loaded once here: the workers start as copies of this process where they can
    if jobs > 1 and len(tasks) >= 200:
        chunk = max(16, min(128, len(tasks) // (jobs * 8)))
        with pool(jobs) as workers:  # workers that end with this process, however it ends
            read = workers.map(_read_packed, tasks, chunksize=chunk)
            del tasks  # every chunk is submitted and holds its own tasks until it is read
            if meanwhile is not None:
                meanwhile()
            for done, result in enumerate(read, 1):
                yield result
                progress.report(done, total)
        return
    if meanwhile is not None:
        meanwhile()
    for done, task in enumerate(tasks, 1):
        yield _read_packed(task)
        progress.report(done, total)


def _pack(appraisal, inputs: bool = True):
    """An appraisal as plain tuples (None stays None); its inputs left out (empty) unless `inputs`."""
    if appraisal is None:
        return None
    typed = appraisal.inputs if inputs else {}
    return (appraisal.file, appraisal.form_id, appraisal.form_version, appraisal.month,
            _keys(appraisal.header), tuple(appraisal.header.values()),
            _keys(typed), tuple(typed.values()),
            _keys(appraisal.outputs), tuple(appraisal.outputs.values()), appraisal.entered)


def read_all(directory, month: str | None = None, *, jobs: int | None = None):
    """Read every workbook under `directory` (in parallel over `jobs` processes).

    Returns:
        (appraisals, problems) in file order.
    """
    appraisals, problems = [], []
    for packed, fields in _read_each(directory, month, jobs):
        found = [_problem(values) for values in fields]
        if packed is not None:
            file, form_id, version, month_, header_keys, header, input_keys, inputs, output_keys, outputs, entered = \
                packed
            appraisals.append(Appraisal(file, form_id, version, month_, dict(zip(header_keys, header)),
                                        dict(zip(input_keys, inputs)), dict(zip(output_keys, outputs)), found,
                                        entered))
        problems.extend(found)
    return appraisals, problems


DEFAULT_REWARDS = (500, 300, 200)  # the default rules' month rewards (xlkpi/data/rules.yaml)
MAX_REWARD = 1_000_000


def parse_rewards(text: str) -> tuple:
    """`500,300,200` → (500.0, 300.0, 200.0): the rewards of rank 1, 2, 3…, checked (`check_rewards`).

    Raises:
        UsageError: not numbers separated by commas, or an amount `check_rewards` refuses.
    """
    parts = [part.strip() for part in str(text).replace("，", ",").split(",")]
    amounts = []
    for number, part in enumerate(parts, start=1):
        if not part and len(parts) == 1:
            return ()
        try:
            amounts.append(float(part))
        except ValueError:
            raise UsageError(f"--rewards 应为用逗号分隔的金额，例如 500,300,200；第 {number} 个为 \"{part}\"，不是数字。") from None
    return check_rewards(amounts)


def check_rewards(amounts) -> tuple:
    """The rewards as a tuple of floats, each a finite amount from 0 to `MAX_REWARD` 元.

    Raises:
        UsageError: an amount that is not a number, not finite (inf, nan), negative or absurdly large.
    """
    checked = []
    for number, amount in enumerate(amounts, start=1):
        try:
            value = float(amount)
        except (TypeError, ValueError, OverflowError):
            value = float("nan")
        if not 0 <= value <= MAX_REWARD:  # false for nan too
            raise UsageError(f"奖励金额应在 0 到 {MAX_REWARD} 元之间，第 {number} 名的金额为 \"{amount}\"："
                             "请写成如 500,300,200。")
        checked.append(value)
    return tuple(checked)


def _row(packed, forms, problem_count: int) -> dict:
    """One appraisal's row (`_pack`): its header, inputs and outputs, then form, form_name,
    form_version, file and the number of its problems. A name given twice takes the later value,
    in the place of the first."""
    file, form_id, version, _, header_keys, header, input_keys, inputs, output_keys, outputs, entered = packed
    row = dict(zip(header_keys, header))
    row.update(zip(input_keys, inputs))
    row.update(zip(output_keys, outputs))
    row.update(form=form_id, form_name=forms[form_id].name, form_version=version, file=file,
               problems=problem_count, entered=entered)
    return row


_NAN = float("nan")
_OWN_TEXTS = frozenset({"hdr_name", "hdr_employee_id", "file"})  # texts that differ from row to row
_COLUMNS_PER_PART = 16


class _Table:
    """A month's table while it is read: a list of values per column, columns in the order they
    first appear, NaN where a row has no such column. A text that repeats from row to row (a
    department, a form, a grade) is kept once."""

    def __init__(self):
        self.columns = {}
        self.count = 0
        self._texts = {}

    def add(self, row: dict) -> None:
        """Add a row: column name → value."""
        texts = self._texts
        for name, value in row.items():
            column = self.columns.get(name)
            if column is None:
                column = self.columns[name] = [_NAN] * self.count
            if value.__class__ is str and name not in _OWN_TEXTS:
                value = texts.setdefault(value, value)
            column.append(value)
        self.count += 1
        if len(row) < len(self.columns):
            for column in self.columns.values():
                if len(column) < self.count:
                    column.append(_NAN)

    def frame(self, pd, names=None, *, order=None, consume: bool = False):
        """The DataFrame `pd.DataFrame(rows)` makes of the columns `names` (default: all), with its
        rows in `order` (positions; default: as added) and numbered from 0.

        pandas infers each column of a frame made of rows on its own (a frame made of a dict of
        lists is inferred otherwise); so the frame is made of rows a few columns at a time, each part
        put in order before the next is made, never holding the whole table twice. `consume`: each
        column's list is let go once its part is made."""
        names = list(self.columns) if names is None else names
        parts = []
        for start in range(0, len(names), _COLUMNS_PER_PART):
            batch = names[start:start + _COLUMNS_PER_PART]
            part = pd.DataFrame(list(zip(*(self.columns[name] for name in batch))), columns=batch)
            if consume:
                for name in batch:
                    del self.columns[name]
            parts.append(part if order is None else part.take(order).reset_index(drop=True))
        return parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)


_KEY_COLUMNS = ["form", "hdr_department", "out_total", "out_status", "hdr_employee_id"]


def _ranked_order(pd, keys, rules):
    """The key columns (`_KEY_COLUMNS`) of a month's rows with their `rank` (within form and
    department), `reward` and `reward_note` (see `rewards.award_group`) added, sorted by form,
    department, rank and employee_id (stable; unranked last); the index holds each row's position
    as read."""
    keys["rank"] = None
    keys["reward"] = None
    keys["reward_note"] = ""
    for _, index in keys.groupby(["form", "hdr_department"], sort=False).groups.items():
        totals = [None if pd.isna(v) else v for v in keys.loc[index, "out_total"]]
        incomplete = [None if status == STATUS_DONE else (status if isinstance(status, str) else "未完成")
                      for status in keys.loc[index, "out_status"]]
        awards = award_group(totals, incomplete, rules, rules.month_rewards)
        keys.loc[index, "rank"] = pd.Series([award.rank for award in awards], index=index, dtype=object)
        keys.loc[index, "reward"] = pd.Series([award.reward for award in awards], index=index, dtype=object)
        keys.loc[index, "reward_note"] = pd.Series([award.note for award in awards], index=index, dtype=object)
    return keys.sort_values(["form", "hdr_department", "rank", "hdr_employee_id"], na_position="last",
                            kind="stable")


def collect_compact(directory, month: str | None = None, *, ranking: str | None = None, rewards=None,
                    rules=None, jobs: int | None = None, inputs: bool = True):
    """`collect_month` in less memory: the workbooks' results are taken in as they are read, the
    frame is made without a second copy of the month's table, and the problems are a `ProblemList`.

    Args:
        inputs: whether the frame has the `in_` columns (what was typed); closing a month, which
            records and summarises results only, does without them.
        rules, ranking, rewards: as `collect_month`.

    Returns:
        (DataFrame, ProblemList): as `collect_month`.
    """
    table, problems = _Table(), ProblemList()
    forms = known_forms()
    # pandas (half a second to import) is imported while the workers read, and they start without it
    read = _read_each(directory, month, jobs, meanwhile=lambda: importlib.import_module("pandas"), inputs=inputs)
    for packed, fields in read:
        for values in fields:
            problems.append_fields(values)
        if packed is not None:
            table.add(_row(packed, forms, len(fields)))
    import pandas as pd

    if not table.count:
        frame = pd.DataFrame(columns=["hdr_employee_id", "form", "file", "out_total", "rank", "reward",
                                      "reward_note"])
        return frame, problems
    rules = (rules or default_rules()).replaced(ranking=ranking, month_rewards=rewards)
    keys = _ranked_order(pd, table.frame(pd, _KEY_COLUMNS), rules)
    frame = table.frame(pd, order=keys.index.to_numpy(), consume=True)
    return _with_ranks(frame, keys), problems


def _with_ranks(frame, keys):
    """`frame` (in the order of `keys`) with the ranks, rewards and notes of `keys`."""
    for name in ("rank", "reward", "reward_note"):
        frame[name] = keys[name].reset_index(drop=True)
    return frame


def rank_month(frame, rules=None, *, ranking: str | None = None, rewards=None):
    """A month's frame (as `collect_month` gives it) ranked and rewarded again, and put in ranking
    order: after rows were taken out of it (an employee's second workbook), so that what is left is
    ranked among itself only. `rules`, `ranking`, `rewards`: as `collect_month`."""
    import pandas as pd

    if not len(frame):
        return frame
    rules = (rules or default_rules()).replaced(ranking=ranking, month_rewards=rewards)
    keys = _ranked_order(pd, frame[_KEY_COLUMNS].reset_index(drop=True), rules)
    return _with_ranks(frame.reset_index(drop=True).take(keys.index.to_numpy()).reset_index(drop=True), keys)


def collect_month(directory, month: str | None = None, *, ranking: str | None = None, rewards=None, rules=None,
                  jobs: int | None = None):
    """Collect a month's filled workbooks.

    Args:
        rules: the `rules.Rules` to rank and reward by (default: the default rules).
        ranking: `dense` (中国式排名) or `competition`, replacing the rules' ranking.
        rewards: the amounts of places 1, 2, 3 (元), replacing the rules' month rewards.

    Returns:
        (DataFrame, problems): one row per workbook, with columns named by the
        defined names (`hdr_...`, `in_...`, `out_...`) plus `form`, `form_name`,
        `file`, `rank` (within form and department), `reward` and `reward_note` (why a
        ranked person is not eligible for a reward; see `rewards.award_group`); and every
        problem found, each with file, sheet, cell, name, code and message.
    """
    frame, problems = collect_compact(directory, month, ranking=ranking, rewards=rewards, rules=rules, jobs=jobs)
    return frame, list(problems)
