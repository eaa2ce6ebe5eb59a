"""A month's batch: blank workbooks for everyone on the roster.

`generate_month` writes `DIR/YYYY-MM/<部门>/<工号>_<姓名>_<岗位>.xlsx` for each
employee, stamping each form's monthly template (see `stamp.py`) and spreading
the work over the cores. Re-running is safe: a workbook in which any input has
been filled is never overwritten (it is skipped and listed) unless `force` is
given, and then a backup copy is kept first. Every file is written atomically.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, XlkpiError
from .forms import get_form
from .periods import current_month, parse_month
from .reader import DamagedWorkbook, WorkbookReader
from .roster import demo_roster_path, read_roster
from .safe_write import backup_copy, write_atomic
from .stamp import Template

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
PARALLEL_FROM = 64


def safe_file_part(text: str) -> str:
    """A name usable as a file or folder name on Windows and Linux: `\\/:*?"<>|` become `_`."""
    cleaned = _UNSAFE.sub("_", str(text)).strip().rstrip(".")
    return cleaned or "_"


def suffix_for(dialect: str) -> str:
    """`.xlsm` for the udf dialect (its functions need macros), `.xlsx` otherwise."""
    return ".xlsm" if dialect == "udf" else ".xlsx"


def workbook_path(out_dir, month: str, entry, form, dialect: str = "native") -> Path:
    """`out_dir/YYYY-MM/<部门>/<工号>_<姓名>_<岗位>.xlsx`."""
    file_name = f"{safe_file_part(entry.employee_id)}_{safe_file_part(entry.name)}_{safe_file_part(form.name)}"
    return Path(out_dir) / month / safe_file_part(entry.department) / (file_name + suffix_for(dialect))


@dataclass
class GenerateReport:
    """What a batch did: files written, skipped (already filled in), backed up; problems; time."""

    written: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    backups: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    seconds: float = 0.0


def is_filled(path, form) -> bool:
    """True when any input of the workbook at `path` differs from the blank form
    (a value typed, or a target changed). An unreadable file counts as filled: it is never overwritten."""
    try:
        with WorkbookReader(path) as reader:
            names = reader.defined_names()
            for spec in form.input_specs():
                if spec.name not in names:
                    return True
                value = reader.cell(*names[spec.name]).value
                if value in (None, "") and spec.default is None:
                    continue
                if value != spec.default:
                    return True
    except DamagedWorkbook:
        return True
    return False


_TEMPLATES: dict = {}


def _template(form_id: str, month: str, dialect: str, password) -> Template:
    key = (form_id, month, dialect, password)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = Template.build(get_form(form_id), month, dialect=dialect, password=password)
    return _TEMPLATES[key]


def _write_one(task):
    """Write one workbook; returns (status, path, backup or None, error message or None)."""
    form_id, month, dialect, password, name, employee_id, department, appraiser, path, force = task
    backup = None
    try:
        if os.path.exists(path):
            if is_filled(path, get_form(form_id)):
                if not force:
                    return "skipped", path, None, None
                backup = str(backup_copy(path))
        data = _template(form_id, month, dialect, password).stamp(
            name=name, employee_id=employee_id, department=department, appraiser=appraiser)
        write_atomic(path, data)
    except (OSError, XlkpiError) as error:
        return "failed", path, backup, str(error)
    return "written", path, backup, None


def generate_month(roster=None, month: str | None = None, out_dir="out", *, dialect: str = "native",
                   jobs: int | None = None, force: bool = False, password=None, progress=None) -> GenerateReport:
    """Generate the blank workbooks of `month` for everyone on `roster`.

    Args:
        roster: a roster file (CSV or XLSX); the built-in demo roster when None.
        month: `YYYY-MM`; the current month when None.
        out_dir: the output folder.
        dialect: `native` or `udf`.
        jobs: worker processes (default: the number of cores).
        force: overwrite filled-in workbooks, after keeping a backup copy of each.
        progress: called with (done, total) as files are written.

    Returns:
        A `GenerateReport`. Roster problems are reported and their rows left out.
    """
    started = time.perf_counter()
    month = parse_month(month) if month else current_month()
    roster_path = Path(roster) if roster else demo_roster_path()
    entries, problems = read_roster(roster_path)
    report = GenerateReport(problems=list(problems))
    tasks = []
    for entry in entries:
        form = get_form(entry.form_id)
        path = workbook_path(out_dir, month, entry, form, dialect)
        tasks.append((form.id, month, dialect, password, entry.name, entry.employee_id, entry.department,
                      entry.appraiser, str(path), force))
    jobs = max(1, jobs or os.cpu_count() or 1)
    for form_id in dict.fromkeys(task[0] for task in tasks):
        _template(form_id, month, dialect, password)  # once, here: the workers start as copies of this process
    if jobs > 1 and len(tasks) >= PARALLEL_FROM:
        with ProcessPoolExecutor(jobs) as pool:
            results = pool.map(_write_one, tasks, chunksize=max(1, min(256, len(tasks) // (jobs * 8))))
            _gather(results, report, len(tasks), progress)
    else:
        _gather(map(_write_one, tasks), report, len(tasks), progress)
    report.seconds = time.perf_counter() - started
    return report


def _gather(results, report: GenerateReport, total: int, progress):
    for done, (status, path, backup, error) in enumerate(results, start=1):
        if status == "written":
            report.written.append(Path(path))
        elif status == "skipped":
            report.skipped.append(Path(path))
        else:
            report.problems.append(Problem("write-failed", f"无法写入：{error}", file=path))
        if backup:
            report.backups.append(Path(backup))
        if progress:
            progress(done, total)
