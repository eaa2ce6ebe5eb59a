"""A month's batch: blank workbooks for everyone on the roster.

`generate_month` writes `DIR/YYYY-MM/<部门>/<工号>_<姓名>_<岗位>.xlsx` for each
employee, stamping each form's monthly template (see `stamp.py`) and spreading
the work over the cores. Re-running is safe: a workbook in which any input has
been filled is never overwritten (it is skipped and listed) unless `force` is
given, and then a backup copy is kept first. Nothing is ever seen half written:
a new department folder is filled out of sight and appears whole; a workbook in
an existing folder is written atomically (see `safe_write.py`).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, XlkpiError
from .forms import get_form
from .periods import current_month, parse_month
from .roster import demo_roster_path, read_roster
from .safe_write import StagedFolder, backup_copy, write_atomic, write_new
from .stamp import Template

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
PARALLEL_FROM = 64  # fewer workbooks than this are written in this process
CHUNKS_PER_JOB = 4


def safe_file_part(text: str) -> str:
    """A name usable as a file or folder name on Windows and Linux: `\\/:*?"<>|` become `_`."""
    cleaned = _UNSAFE.sub("_", str(text)).strip().rstrip(".")
    return cleaned or "_"


def suffix_for(dialect: str) -> str:
    """`.xlsm` for the udf dialect (its functions need macros), `.xlsx` otherwise."""
    return ".xlsm" if dialect == "udf" else ".xlsx"


def workbook_name(entry, form, dialect: str = "native") -> str:
    """`<工号>_<姓名>_<岗位>.xlsx` (`.xlsm` in the udf dialect)."""
    return _file_name(entry, safe_file_part(form.name) + suffix_for(dialect))


def _file_name(entry, ending: str) -> str:
    return f"{safe_file_part(entry.employee_id)}_{safe_file_part(entry.name)}_{ending}"


def workbook_path(out_dir, month: str, entry, form, dialect: str = "native") -> Path:
    """`out_dir/YYYY-MM/<部门>/<工号>_<姓名>_<岗位>.xlsx`."""
    return Path(out_dir) / month / safe_file_part(entry.department) / workbook_name(entry, form, dialect)


@dataclass
class GenerateReport:
    """What a batch did: files written, skipped (already filled in), backed up; problems; time.

    The paths are text (`str`), in roster order: a month of ten thousand `Path` objects would
    cost more than writing a tenth of the files."""

    month: str = ""
    written: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    backups: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    seconds: float = 0.0


def is_filled(path, form) -> bool:
    """True when any input of the workbook at `path` differs from the blank form
    (a value typed, or a target changed). An unreadable file counts as filled: it is never overwritten."""
    from .reader import DamagedWorkbook, WorkbookReader  # only a re-run needs it

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


def _template(key) -> Template:
    """The monthly template of `key` = (form id, month, dialect, password), built once per process."""
    if key not in _TEMPLATES:
        form_id, month, dialect, password = key
        _TEMPLATES[key] = Template.build(get_form(form_id), month, dialect=dialect, password=password)
    return _TEMPLATES[key]


def _write_chunk(chunk, templates=None, force=False) -> list:
    """Write a list of tasks (see `_tasks`); for each, (index, status, backup or None, error or None).

    `templates`: templates by key, made by another process, used instead of building them here."""
    if templates:
        _TEMPLATES.update(templates)
    return [_write_one(task, force) for task in chunk]


def _write_one(task, force: bool):
    """Write one workbook: into its staged folder when it has one (nobody sees it yet: no checks),
    else over an existing workbook only if it is blank, or with `force` after a backup copy."""
    index, key, name, employee_id, department, appraiser, path, staged_path = task
    backup = None
    try:
        data = _template(key).stamp(name=name, employee_id=employee_id, department=department, appraiser=appraiser)
        if staged_path is not None:
            write_new(staged_path, data)
            return index, "written", None, None
        if os.path.exists(path):
            if is_filled(path, get_form(key[0])):
                if not force:
                    return index, "skipped", None, None
                backup = str(backup_copy(path))
        write_atomic(path, data)
    except (OSError, XlkpiError) as error:
        return index, "failed", backup, str(error)
    return index, "written", backup, None


def _tasks(entries, month: str, out_dir, dialect: str, password) -> tuple[list, dict]:
    """One task per employee: (index, template key, the four header texts, final path, path in a
    staged folder or None), grouped by folder; and a `StagedFolder` for each department folder
    that does not exist yet (by its path)."""
    month_dir = os.path.join(os.fspath(out_dir), month)
    keys, endings = {}, {}
    folders = {}  # department → (final folder + separator, staged folder + separator or None)
    grouped = {}  # final folder → its tasks
    staged = {}
    for index, entry in enumerate(entries):
        form_id = entry.form_id
        if form_id not in keys:
            keys[form_id] = (form_id, month, dialect, password)
            endings[form_id] = safe_file_part(get_form(form_id).name) + suffix_for(dialect)
        if entry.department not in folders:
            final = os.path.join(month_dir, safe_file_part(entry.department))
            if final not in staged:
                staged[final] = _staged_folder(final)
            folder = staged[final]
            folders[entry.department] = (final + os.sep, str(folder.path) + os.sep if folder else None)
        final, hidden = folders[entry.department]
        file_name = _file_name(entry, endings[form_id])
        grouped.setdefault(final, []).append(
            (index, keys[form_id], entry.name, entry.employee_id, entry.department, entry.appraiser,
             final + file_name, hidden + file_name if hidden else None))
    tasks = [task for folder_tasks in grouped.values() for task in folder_tasks]
    return tasks, {final: folder for final, folder in staged.items() if folder}


def _staged_folder(final: str):
    """A `StagedFolder` for a department folder that does not exist yet; None when it does (or when
    something else is in its place: its files then fail one by one, each reported)."""
    if os.path.lexists(final):
        return None
    try:
        return StagedFolder(final)
    except OSError:
        return None


def generate_month(roster=None, month: str | None = None, out_dir="out", *, dialect: str = "native",
                   jobs: int | None = None, force: bool = False, password=None, progress=None) -> GenerateReport:
    """Generate the blank workbooks of `month` for everyone on `roster`.

    A department folder that does not exist yet is written out of sight and appears whole
    (`StagedFolder`); a workbook in an existing folder is written atomically, and only over a
    blank one unless `force`.

    Args:
        roster: a roster file (CSV or XLSX); the built-in demo roster when None.
        month: `YYYY-MM`; the current month when None.
        out_dir: the output folder.
        dialect: `native` or `udf`.
        jobs: worker processes (default: the number of cores).
        force: overwrite filled-in workbooks, after keeping a backup copy of each.
        progress: called with (done, total) as files are written.

    Returns:
        A `GenerateReport`, its lists in roster order. Roster problems are reported and their rows left out.
    """
    started = time.perf_counter()
    month = parse_month(month) if month else current_month()
    roster_path = Path(roster) if roster else demo_roster_path()
    entries, problems = read_roster(roster_path)
    report = GenerateReport(month=month, problems=list(problems))
    tasks, staged = _tasks(entries, month, out_dir, dialect, password)
    keys = list(dict.fromkeys(task[1] for task in tasks))
    jobs = max(1, jobs or os.cpu_count() or 1)
    results = [None] * len(tasks)
    try:
        if jobs > 1 and len(tasks) >= PARALLEL_FROM:
            _write_parallel(tasks, keys, jobs, force, results, progress)
        else:
            for done, task in enumerate(tasks, start=1):
                result = _write_one(task, force)
                results[result[0]] = result
                if progress:
                    progress(done, len(tasks))
    except BaseException:
        for folder in staged.values():
            folder.discard()
        raise
    for folder in staged.values():
        _publish(folder, tasks, results)
    _gather(results, tasks, report)
    report.seconds = time.perf_counter() - started
    return report


def _publish(folder: StagedFolder, tasks, results: list) -> None:
    """Move a staged folder into place. Its workbooks that could not be placed are reported:
    skipped when the folder appeared meanwhile holding the same name, failed when the move failed."""
    try:
        left_out, error = folder.publish(), None
    except OSError as failure:
        folder.discard()
        left_out, error = None, str(failure)
    if left_out == []:
        return
    prefix = str(folder.path) + os.sep
    names = set(left_out or ())
    for task in tasks:
        staged_path = task[7]
        if staged_path is None or not staged_path.startswith(prefix) or results[task[0]][1] != "written":
            continue
        if error is not None:
            results[task[0]] = (task[0], "failed", None, error)
        elif staged_path[len(prefix):] in names:
            results[task[0]] = (task[0], "skipped", None, None)


def _write_parallel(tasks, keys, jobs: int, force: bool, results: list, progress) -> None:
    """Write the tasks in `jobs` processes, in contiguous chunks (a few per process). The templates
    are built here (a form takes ~15 ms) and go with each chunk; forked workers have them already."""
    templates = {key: _template(key) for key in keys}
    if "fork" in multiprocessing.get_all_start_methods():
        context, templates = multiprocessing.get_context("fork"), None
    else:  # Windows: workers start afresh and are sent the templates
        context = multiprocessing.get_context("spawn")
    count = min(len(tasks), jobs * CHUNKS_PER_JOB)
    bounds = [len(tasks) * number // count for number in range(count + 1)]
    chunks = [tasks[start:end] for start, end in zip(bounds, bounds[1:])]
    done = 0
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        for chunk_results in pool.map(_write_chunk, chunks, [templates] * count, [force] * count):
            for result in chunk_results:
                results[result[0]] = result
            done += len(chunk_results)
            if progress:
                progress(done, len(tasks))


def _gather(results, tasks, report: GenerateReport) -> None:
    paths = {task[0]: task[6] for task in tasks}
    for index, status, backup, error in results:
        path = paths[index]
        if status == "written":
            report.written.append(path)
        elif status == "skipped":
            report.skipped.append(path)
        else:
            report.problems.append(Problem("write-failed", f"无法写入：{error}", file=path))
        if backup:
            report.backups.append(backup)
