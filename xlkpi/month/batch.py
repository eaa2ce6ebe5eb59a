"""A month's batch: blank workbooks for everyone on the roster.

`generate_month` writes `DIR/YYYY-MM/<部门>/<工号>_<姓名>_<岗位>.xlsx` for each
employee, stamping each form's monthly template (see `stamp.py`) and spreading
the work over the cores. Re-running is safe: a workbook is replaced only when it
is provably untouched — its bytes are what generate wrote there, by the record
it keeps (`manifest.py`); any other is skipped and listed, unless `force` is
given, and then a backup copy is kept first. Nothing is ever seen half written:
a new department folder is filled out of sight and appears whole; a workbook in
an existing folder is written atomically (see `safe_write.py`).

Two roster lines whose workbooks would have the same file name (`A/1` and `A_1`,
`E1` and `e1` on a case-insensitive disk) are refused at the second line. An
employee whose department changed keeps the workbook filled in the old folder:
the new one is made (and the old one removed) only when the old one is untouched.
A run holds a lock (`runlock.py`) while it works; the staged folders, temporary
files and journals of a run that was stopped are removed by the next run.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..base.errors import Problem, UsageError, XlkpiError, explain, file_fault, short_path
from ..base.periods import current_month, parse_month
from ..base.runlock import RunLock, claim
from ..base.safe_write import PARTIAL, StagedFolder, backup_copy, write_atomic, write_new
from ..base.workers import pool
from ..forms.definitions import get_form
from ..workbook.render import form_template
from ..workbook.stamp import Template
from .manifest import Journal, Manifest, digest, file_digest
from .roster import demo_roster_path, read_roster

RUN_LOCK = ".xlkpi-generate-"  # + run id + ".lock", in the month folder, held while a run works
MAX_NAME_BYTES = 255  # a file name's length limit on every common file system (ext4, NTFS in UTF-16 units)

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
    notes: list = field(default_factory=list)  # what the clerk should know (a record that proves nothing)
    moved: list = field(default_factory=list)  # untouched workbooks removed from a former department's folder


def is_untouched(path, known) -> bool:
    """True when the file at `path` holds exactly bytes generate wrote there (`known`: their SHA-256s,
    from the month's record). An unreadable file, or one with no record, is touched."""
    return bool(known) and file_digest(path) in known


_TEMPLATES: dict = {}


def _template(key) -> Template:
    """The monthly template of `key` = (form id, month, dialect, password), built once per process."""
    if key not in _TEMPLATES:
        form_id, month, dialect, password = key
        _TEMPLATES[key] = form_template(get_form(form_id), month, dialect=dialect, password=password)
    return _TEMPLATES[key]


def _write_chunk(chunk, templates=None, force=False, journal=None) -> list:
    """Write a list of tasks (see `_tasks`); for each, (index, status, backup or None, error or None).

    `templates`: templates by key, made by another process, used instead of building them here.
    `journal`: (month folder, run id): each workbook's hash is journaled before it is written."""
    if templates:
        _TEMPLATES.update(templates)
    log = Journal(*journal) if journal else None
    try:
        return [_write_one(task, force, log) for task in chunk]
    finally:
        if log is not None:
            log.close()


def _write_one(task, force: bool, journal=None):
    """Write one workbook: into its staged folder when it has one (nobody sees it yet: no checks),
    else over an existing workbook only if it is provably untouched, or with `force` after a backup copy."""
    index, key, name, employee_id, department, appraiser, path, staged_path, relative, known = task
    backup = None
    try:
        data = _template(key).stamp(name=name, employee_id=employee_id, department=department, appraiser=appraiser)
        if staged_path is None and os.path.lexists(path) and not is_untouched(path, known):
            if not force:
                return index, "skipped", None, None
            backup = str(backup_copy(path))
        if journal is not None:
            journal.write(relative, digest(data), _one_line(employee_id))
        if staged_path is not None:
            write_new(staged_path, data)
        else:
            write_atomic(path, data)
    except (OSError, XlkpiError) as error:
        return index, "failed", backup, explain(error) if isinstance(error, OSError) else str(error)
    return index, "written", backup, None


def _one_line(text: str) -> str:
    return re.sub(r"[\t\r\n]", " ", str(text))


def _tasks(entries, month: str, out_dir, dialect: str, password, manifest=None, problems=None,
           roster_file: str = "") -> tuple[list, dict]:
    """One task per employee: (index, template key, the four header texts, final path, path in a
    staged folder or None, path inside the month folder, the hashes generate wrote there), grouped by
    folder; and a `StagedFolder` for each department folder that does not exist yet (by its path).

    Lines whose workbook would have the same name as an earlier line's (compared as a
    case-insensitive disk compares them), or a name too long for the disk, get no task: a problem
    at their line is added to `problems`."""
    month_dir = os.path.join(os.fspath(out_dir), month)
    keys, endings = {}, {}
    folders = {}  # department → (final folder + separator, staged folder + separator or None, folder name)
    grouped = {}  # final folder → its tasks
    staged = {}
    taken = {}  # the name as compared → the line that took it
    for index, entry in enumerate(entries):
        form_id = entry.form_id
        if form_id not in keys:
            keys[form_id] = (form_id, month, dialect, password)
            endings[form_id] = safe_file_part(get_form(form_id).name) + suffix_for(dialect)
        file_name = _file_name(entry, endings[form_id])
        folder_name = safe_file_part(entry.department)
        relative = f"{folder_name}/{file_name}"
        compared = unicodedata.normalize("NFC", relative).casefold()
        if problems is not None:
            too_long = next((part for part in (folder_name, file_name) if _too_long(part)), None)
            if too_long is not None:
                problems.append(Problem("name-too-long", f"文件名 \"{short_path(too_long, 60)}\" 有 "
                                        f"{len(too_long.encode('utf-8'))} 字节，超过磁盘允许的 {MAX_NAME_BYTES} 字节："
                                        "请缩短部门、姓名或工号。", file=roster_file, line=entry.line))
                continue
            if compared in taken:
                problems.append(Problem("duplicate-file", f"与第 {taken[compared]} 行的考核表同名（{relative}）："
                                        "两份会互相覆盖，此行未生成。工号或姓名中的 \\/:*?\"<>| 会变成 _，"
                                        "大小写在 Windows 上不区分；请修改其中一行。", file=roster_file,
                                        line=entry.line))
                continue
        taken[compared] = entry.line
        if entry.department not in folders:
            final = os.path.join(month_dir, folder_name)
            if final not in staged:
                staged[final] = _staged_folder(final)
            folder = staged[final]
            folders[entry.department] = (final + os.sep, str(folder.path) + os.sep if folder else None)
        final, hidden = folders[entry.department]
        known = manifest.known(relative) if manifest is not None else ()
        grouped.setdefault(final, []).append(
            (index, keys[form_id], entry.name, entry.employee_id, entry.department, entry.appraiser,
             final + file_name, hidden + file_name if hidden else None, relative, known))
    tasks = [task for folder_tasks in grouped.values() for task in folder_tasks]
    return tasks, {final: folder for final, folder in staged.items() if folder}


def _too_long(name: str) -> bool:
    return len(name.encode("utf-8")) > MAX_NAME_BYTES or len(name.encode("utf-16-le")) // 2 > MAX_NAME_BYTES


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
    month_dir = Path(out_dir) / month
    try:
        if Path(out_dir).exists() and not Path(out_dir).is_dir():
            raise UsageError(f"输出位置 {short_path(out_dir)} 是一个文件，不是文件夹：请用 --out 指定文件夹。")
        month_dir.mkdir(parents=True, exist_ok=True)
        run = str(os.getpid())
        lock = RunLock(month_dir / f"{RUN_LOCK}{run}.lock")
    except OSError as error:
        raise file_fault(error, month_dir, "创建输出文件夹") from None
    try:
        manifest = Manifest(month_dir)
        _sweep(month_dir, manifest, run)
        if manifest.note():
            report.notes.append(manifest.note())
        tasks, staged = _tasks(entries, month, out_dir, dialect, password, manifest, report.problems,
                               str(roster_path))
        tasks, moves = _moved_employees(tasks, month_dir, manifest, force, report, roster_path, entries)
        results = _run_tasks(tasks, staged, jobs, force, progress, (str(month_dir), run))
        manifest.merge_journals(month_dir, run)
        for old_relative in moves:
            _remove_moved(month_dir, old_relative, manifest, report)
        try:
            manifest.save()
        except OSError as error:
            report.notes.append(f"生成记录未能写入（{explain(error)}）：下次重新生成时，本次生成的考核表将被视为已改动而跳过。")
    finally:
        lock.release()
    _gather(results, tasks, report)
    report.seconds = time.perf_counter() - started
    return report


def _run_tasks(tasks, staged, jobs, force, progress, journal) -> list:
    """Write the tasks (in worker processes when there are many) and publish the staged folders;
    the results by task index (None for an index without a task)."""
    results = [None] * (max((task[0] for task in tasks), default=-1) + 1)
    jobs = max(1, jobs or os.cpu_count() or 1)
    keys = list(dict.fromkeys(task[1] for task in tasks))
    try:
        if jobs > 1 and len(tasks) >= PARALLEL_FROM:
            _write_parallel(tasks, keys, jobs, force, results, progress, journal)
        else:
            log = Journal(*journal)
            try:
                for done, task in enumerate(tasks, start=1):
                    result = _write_one(task, force, log)
                    results[result[0]] = result
                    if progress:
                        progress(done, len(tasks))
            finally:
                log.close()
    except BaseException:
        for folder in staged.values():
            folder.discard()
        raise
    for folder in staged.values():
        _publish(folder, tasks, results)
    return results


def _sweep(month_dir: Path, manifest: Manifest, run: str) -> None:
    """Clean up after the runs that were stopped: for each run lock nobody holds any more, merge its
    journals into the record and remove its staged folders and temporary files."""
    for entry in list(os.scandir(month_dir)):
        if not (entry.name.startswith(RUN_LOCK) and entry.name.endswith(".lock")):
            continue
        dead = entry.name[len(RUN_LOCK):-len(".lock")]
        if dead == run:
            continue
        abandoned = claim(entry.path)
        if abandoned is None:
            continue  # a run at work
        try:
            manifest.merge_journals(month_dir, dead)
            for item in list(os.scandir(month_dir)):
                if item.name.startswith(".") and item.name.endswith(f"{PARTIAL}{dead}") and item.is_dir():
                    shutil.rmtree(item.path, ignore_errors=True)
                elif item.is_dir(follow_symlinks=False) and not item.name.startswith("."):
                    _remove_temporary(item.path, dead)
        finally:
            abandoned.release()


def _remove_temporary(folder: str, dead: str) -> None:
    prefix = f".~xlkpi-{dead}-"
    try:
        for item in os.scandir(folder):
            if item.name.startswith(prefix) and item.name.endswith(".tmp"):
                try:
                    os.unlink(item.path)
                except OSError:
                    pass
    except OSError:
        pass


def _moved_employees(tasks, month_dir: Path, manifest: Manifest, force: bool, report, roster_path, entries):
    """Employees whose workbook of this month stands in another department's folder (the roster moved
    them): when it is untouched, the new one is made and the old one removed afterwards (returned);
    when it is touched, the employee gets no new workbook and a problem says where the filled one is."""
    targets = {task[8] for task in tasks}
    employees = {}
    for relative in _existing_workbooks(month_dir):
        if relative in targets:
            continue
        employee = manifest.employee(relative) or _recorded_employee(month_dir / relative)
        if employee:
            employees.setdefault(employee, []).append(relative)
    if not employees:
        return tasks, []
    lines = {entry.employee_id: entry.line for entry in entries}
    kept, moves = [], []
    for task in tasks:
        olds = employees.get(task[3], [])
        if not olds or force:
            kept.append(task)
            continue
        touched = [old for old in olds if not is_untouched(month_dir / old, manifest.known(old))]
        if touched:
            report.problems.append(Problem(
                "touched", f"工号 \"{task[3]}\" 本月的考核表在 {touched[0]}（与生成时不同，可能已填写）；名册中的部门已改，"
                f"未在 {task[8].split('/')[0]} 生成新表。请把该考核表移到新部门的文件夹，或删除后重新生成。",
                file=str(roster_path), line=lines.get(task[3])))
            continue
        kept.append(task)
        moves.extend(olds)
    return kept, moves


def _existing_workbooks(month_dir: Path):
    """The workbooks in the month's department folders, as paths inside the month folder."""
    for folder in os.scandir(month_dir):
        if folder.name.startswith(".") or not folder.is_dir(follow_symlinks=False):
            continue
        try:
            names = os.listdir(folder.path)
        except OSError:
            continue
        for name in names:
            if name.lower().endswith((".xlsx", ".xlsm")) and not name.startswith(("~$", ".")) and ".bak-" not in name:
                yield f"{folder.name}/{name}"


def _recorded_employee(path: Path):
    from ..workbook.layout import META_SHEET
    from ..workbook.reader import DamagedWorkbook, WorkbookReader

    try:
        with WorkbookReader(path) as reader:
            return reader.key_values(META_SHEET).get("employee_id") if META_SHEET in reader.sheets else None
    except DamagedWorkbook:
        return None


def _remove_moved(month_dir: Path, relative: str, manifest: Manifest, report) -> None:
    path = month_dir / relative
    if is_untouched(path, manifest.known(relative)):
        try:
            os.unlink(path)
            manifest.forget(relative)
            report.moved.append(str(path))
        except OSError:
            pass


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


def _write_parallel(tasks, keys, jobs: int, force: bool, results: list, progress, journal=None) -> None:
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
    with pool(jobs, context=context) as workers:
        for chunk_results in workers.map(_write_chunk, chunks, [templates] * count, [force] * count,
                                         [journal] * count):
            for result in chunk_results:
                results[result[0]] = result
            done += len(chunk_results)
            if progress:
                progress(done, len(tasks))


def _gather(results, tasks, report: GenerateReport) -> None:
    paths = {task[0]: task[6] for task in tasks}
    for result in results:
        if result is None:
            continue
        index, status, backup, error = result
        path = paths[index]
        if status == "written":
            report.written.append(path)
        elif status == "skipped":
            report.skipped.append(path)
        else:
            report.problems.append(Problem("write-failed", f"无法写入：{error}", file=short_path(path)))
        if backup:
            report.backups.append(backup)
