"""Closing a month: collect the filled workbooks, keep them in the ledger, write the summary.

`close_month` is what `xlkpi collect` runs: it reads every workbook of the
month (`collect.py`), reads each person's standing flags from the history
(`flags.py`), makes the summary workbook (`summary.py`), and records the month
in the ledger and puts the summary in place as one transaction (`closing.py`):
both or neither, whatever fails and wherever the process is stopped.

The month's results are held once, in the frame (without what was typed, which
neither the ledger nor the summary shows); the ledger's rows and the summary's
tables are made from it a block of rows at a time, so that closing a month takes
little more memory than its frame and its problems.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..base.errors import Problem, UsageError, short_path
from ..base.periods import parse_month
from ..forms.definitions import known_forms
from .closing import CloseLock, commit_month, recover
from .collect import check_rewards, collect_compact, rank_month
from .flags import flags_for, quarter_of
from .ledger import DEFAULT_LEDGER, Ledger, MonthRecord
from .summary import summary_bytes


@dataclass
class MonthReport:
    """What closing a month did: the month, its frame (as `collect_month` gives it, without the
    `in_` columns: what the ledger and the summary show), every problem (a `ProblemList`), the
    flags standing, the summary and ledger files written, what recording the month in the ledger
    did (a `ledger.MonthRecord`: corrections, withdrawals …), and the ledger's earlier schema
    version and its backup when opening it upgraded it."""

    month: str
    frame: object
    problems: Collection = field(default_factory=list)
    flags: dict = field(default_factory=dict)
    summary: Path | None = None
    ledger: Path | None = None
    dropped: list = field(default_factory=list)
    recovered: str | None = None
    record: MonthRecord | None = None
    upgraded_from: int | None = None
    backup: Path | None = None


def resolve_directory(directory, month: str | None):
    """The folder to read and the month: `DIR/<month>` when it exists; the month from the
    folder's name (`out/2026-11`) when not given."""
    root = Path(directory)
    if month is not None:
        month = parse_month(month)
        if (root / month).is_dir():
            root = root / month
        return root, month
    try:
        return root, parse_month(root.name)
    except UsageError:
        return root, None


def default_paths(root: Path, month: str):
    """The summary and ledger beside the month's folder: `<parent>/<month>_汇总.xlsx`, `<parent>/xlkpi-ledger.sqlite`."""
    parent = root.parent if root.name == month else root
    return parent / f"{month}_汇总.xlsx", parent / DEFAULT_LEDGER


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def drop_duplicates(frame, problems):
    """One workbook per employee. Of an employee's several workbooks, those with nothing entered
    are left out (a blank one made in a new folder beside the filled one); when two or more have
    something entered, none is recorded (which one holds the truth is for a person to say). Each
    workbook left out is a `duplicate-employee` problem naming the others.
    The frame itself is returned when there is nothing to drop (and its rows are numbered from 0)."""
    files = {}
    known = "entered" in frame.columns  # without it (a frame made elsewhere), the first workbook is kept
    entered = frame["entered"].tolist() if known else [0] * len(frame)
    for index, employee, file, count in zip(frame.index.tolist(), frame["hdr_employee_id"].tolist(),
                                            frame["file"].tolist(), entered):
        files.setdefault(employee, []).append((index, file, count))
    keep = []
    for employee, found in files.items():
        if len(found) == 1:
            keep.append(found[0][0])
            continue
        filled = [entry for entry in found if entry[2]]
        chosen = filled[0] if len(filled) == 1 else (found[0] if not filled else None)
        for index, file, _ in found:
            if chosen is not None and index == chosen[0]:
                keep.append(index)
                continue
            others = "、".join(other for _, other, _ in found if other != file)
            if chosen is None:
                message = (f"工号 \"{employee}\" 在本月有多份已填写的考核表（另见 {others}）：无法判断哪一份有效，"
                           "均未汇总。请删除或移走多余的一份后重新汇总。")
            else:
                message = f"工号 \"{employee}\" 在本月已有考核表（{chosen[1]}），此文件未汇总。"
            problems.append(Problem("duplicate-employee", message, file=file))
    keep.sort()
    if keep == list(range(len(frame))):
        return frame
    return frame.loc[keep].reset_index(drop=True)


ROWS_PER_BLOCK = 1000

# each field of a ledger row, in the ledger's order: the frame's column it comes from, and whether
# the value is cleaned (`_clean`). A column the frame lacks gives None, except those of `_REQUIRED`,
# which every collected month has.
_ROW_FIELDS = {"employee_id": ("hdr_employee_id", False), "name": ("hdr_name", False),
               "department": ("hdr_department", False), "form_id": ("form", False),
               "form_version": ("form_version", True), "total": ("out_total", True), "grade": ("out_grade", True),
               "pay": ("out_pay", True), "status": ("out_status", False), "rank": ("rank", True),
               "file": ("file", False)}
_REQUIRED = ("hdr_employee_id", "hdr_name", "hdr_department", "form", "file")


class _Block:
    """A block of a month's rows as the ledger keeps them: each field's values (and the rows'
    `outputs`) made into Python values when first read, so that a pass over the rows that reads
    only the employee makes nothing else."""

    def __init__(self, frame, outputs: list):
        self.frame = frame
        self.output_names = outputs
        self.values = {}
        self.own_outputs = {}

    def own(self, form_id) -> frozenset | None:
        """The `out_` names of a form (None for a form not known: all are kept)."""
        if form_id not in self.own_outputs:
            form = known_forms().get(form_id)
            self.own_outputs[form_id] = None if form is None else frozenset(form.output_names())
        return self.own_outputs[form_id]

    def field(self, key: str) -> list:
        """The block's values of one field of `_ROW_FIELDS`, or of `outputs` (a tuple of the `out_`
        values per row).

        Raises:
            KeyError: a column of `_REQUIRED` is missing from the frame.
        """
        found = self.values.get(key)
        if found is None:
            if key == "outputs":
                columns = [_cleaned(self.frame, name) for name in self.output_names]
                found = list(zip(*columns)) if columns else [()] * len(self.frame)
            else:
                name, cleaned = _ROW_FIELDS[key]
                if name not in self.frame.columns and name not in _REQUIRED:
                    found = [None] * len(self.frame)
                else:
                    found = self.frame[name].tolist()
                    if cleaned:
                        found = [_clean(value) for value in found]
            self.values[key] = found
        return found


class _LedgerRow(Mapping):
    """One ledger row (see `Ledger.record_month`): the row `index` of a `_Block`. Its `outputs`, the
    `out_` values of the row's form (the frame's blank columns of other forms left out), is made
    into a dict when it is read."""

    __slots__ = ("block", "index")

    def __init__(self, block: _Block, index: int):
        self.block, self.index = block, index

    def __getitem__(self, key):
        if key == "outputs":
            own = self.block.own(self.block.field("form_id")[self.index])
            return {name: value for name, value in zip(self.block.output_names, self.block.field("outputs")[self.index])
                    if value is not None or own is None or name in own}
        if key not in _ROW_FIELDS:
            raise KeyError(key)
        return self.block.field(key)[self.index]

    def __iter__(self):
        yield from _ROW_FIELDS
        yield "outputs"

    def __len__(self):
        return len(_ROW_FIELDS) + 1


def _cleaned(frame, name) -> list:
    """A column's values as the ledger keeps them (`_clean`: None for blanks, plain Python values)."""
    values = frame[name].tolist()
    if frame[name].dtype == float:
        return [None if value != value else value for value in values]
    return [_clean(value) for value in values]


class LedgerRows:
    """The ledger's rows of a collected month (see `Ledger.record_month`), one per row of `frame`.

    A collection, not a list: each time it is iterated, the rows are made from the frame a block
    of rows at a time, so that a month's rows (with their outputs) are never all held at once."""

    def __init__(self, frame):
        self.frame = frame

    def __len__(self) -> int:
        return len(self.frame)

    def __iter__(self):
        frame = self.frame
        outputs = [name for name in frame.columns if str(name).startswith("out_")]
        for start in range(0, len(frame), ROWS_PER_BLOCK):
            block = _Block(frame.iloc[start:start + ROWS_PER_BLOCK], outputs)
            for index in range(len(block.frame)):
                yield _LedgerRow(block, index)


def ledger_rows(frame) -> LedgerRows:
    """The ledger's rows of a collected month (see `Ledger.record_month`), one per row of `frame`:
    a `LedgerRows`, iterated as often as needed."""
    return LedgerRows(frame)


def earlier_histories(book: Ledger, month: str) -> dict:
    """employee_id → (month, total, rank) of each of the ledger's rows of the months before `month`
    that the flags of `month` look back to: from the first month of the quarter two quarters before,
    read once for everyone, oldest first."""
    year, quarter = quarter_of(month)
    for _ in range(2):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    first = f"{year:04d}-{(quarter - 1) * 3 + 1:02d}"
    histories = defaultdict(list)
    for recorded in book.months():
        if first <= recorded < month:
            for employee, total, rank in book.month_totals(recorded):
                histories[employee].append((recorded, total, rank))
    return histories


def standing_flags(histories: dict, rows, month: str) -> dict:
    """employee_id → the flags standing in `month` for the employees of `rows` (the month's ledger
    rows) that have any, given their earlier months (`earlier_histories`)."""
    flags = {}
    for row in rows:
        employee = str(row["employee_id"])
        total, rank = row["total"], row["rank"]
        earlier = [{"month": recorded, "total": total_then, "rank": rank_then}
                   for recorded, total_then, rank_then in histories.get(employee, ())]
        this_month = {"month": month, "total": None if total is None else float(total),
                      "rank": None if rank is None else int(rank)}  # as the ledger keeps them
        standing = flags_for([*earlier, this_month], upto_month=month)
        if standing:
            flags[row["employee_id"]] = standing
    return flags


def close_month(directory, month: str | None = None, *, out=None, ledger=None, ranking: str | None = None,
                rewards=None, rules=None, reason: str | None = None, force: bool = False,
                jobs: int | None = None) -> MonthReport:
    """Collect `directory`, record the month in the ledger and write the summary.

    Args:
        directory: the month's folder (or the output folder holding it).
        month: `YYYY-MM`; taken from the folder's name, or the month most files record, when None.
        out: the summary file (default: beside the month's folder).
        ledger: the ledger file (default: beside the month's folder).
        rules: the `rules.Rules` to rank and reward by (default: the default rules).
        ranking: `dense` (中国式排名) or `competition`, replacing the rules' ranking.
        rewards: the top-three rewards, ties rewarded equally, replacing the rules' month rewards.
        reason: why results already recorded as complete change (申诉复核…); see `ledger.py`.
        force: replace an existing summary.

    The folder is the whole month: an employee recorded before whose workbook is gone or
    unreadable now is marked withdrawn in the ledger (`MonthReport.dropped`; a correction when the
    result was complete), never deleted. The ledger's month and the summary are put in place as one
    transaction (`closing.commit_month`); a close interrupted before is finished or undone first.

    Raises:
        UsageError: the summary exists and `force` is not given; no workbook found; bad rewards;
            another close is writing the same summary.
        CorrectionRefused: a complete result would change and no reason was given; nothing is written.
        LedgerError, FileFault: the ledger or the summary could not be written (then neither was).
    """
    rewards = None if rewards is None else check_rewards(rewards)
    root, month = resolve_directory(directory, month)
    if month is None:
        month = _most_recorded_month(root, ranking=ranking, rewards=rewards, rules=rules, jobs=jobs)
    summary_path, ledger_path = default_paths(root, month)
    summary_path = Path(out) if out else summary_path
    ledger_path = Path(ledger) if ledger else ledger_path
    if summary_path.is_dir():
        raise UsageError(f"汇总文件的位置 {short_path(summary_path)} 是一个文件夹：请用 --out 指定一个文件名。")
    if ledger_path.is_dir():
        raise UsageError(f"历史记录文件的位置 {short_path(ledger_path)} 是一个文件夹：请用 --ledger 指定一个文件名。")
    with CloseLock(summary_path):
        recovered = recover(summary_path)
        if summary_path.exists() and not force:
            raise UsageError(f"汇总文件 {short_path(summary_path)} 已存在；如需替换，请加 --force。")
        frame, problems = collect_compact(root, month, ranking=ranking, rewards=rewards, rules=rules, jobs=jobs,
                                          inputs=False)
        if len(frame):
            kept = drop_duplicates(frame, problems)
            if len(kept) < len(frame):  # ranked again without the workbooks left out
                kept = rank_month(kept, rules, ranking=ranking, rewards=rewards)
            frame = kept
        rows = ledger_rows(frame)
        with Ledger(ledger_path) as book:
            histories = earlier_histories(book, month)
            flags = standing_flags(histories, rows, month)
            del histories
            data = summary_bytes(frame, problems, month, flags)
            record = commit_month(book, month, rows, summary_path, data, reason=reason, folder=root.resolve(),
                                  kind="collect")
            upgraded_from, backup = book.upgraded_from, book.backup
        del data
    dropped = [change.employee_id for change in record.changes if change.after is None]
    return MonthReport(month, frame, problems, flags, summary_path, ledger_path, dropped, recovered, record,
                       upgraded_from, backup)


def _most_recorded_month(root: Path, **options) -> str:
    """The month most workbooks under `root` record.

    Raises:
        UsageError: no workbook found.
    """
    frame, _ = collect_compact(root, None, inputs=False, **options)
    if not len(frame):
        raise UsageError(f"{root} 中没有找到 xlkpi 考核表。")
    return Counter(frame["hdr_month"]).most_common(1)[0][0]
