"""Closing a month: collect the filled workbooks, keep them in the ledger, write the summary.

`close_month` is what `xlkpi collect` runs: it reads every workbook of the
month (`collect.py`), records the results in the ledger (`ledger.py`, one
transaction), reads each person's standing flags back from the history
(`flags.py`), and writes the summary workbook (`summary.py`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .collect import DEFAULT_REWARDS, collect_month
from .errors import Problem, UsageError
from .flags import flags_for, quarter_of
from .ledger import DEFAULT_LEDGER, Ledger
from .periods import parse_month
from .summary import write_summary


@dataclass
class MonthReport:
    """What closing a month did."""

    month: str
    frame: object
    problems: list = field(default_factory=list)
    flags: dict = field(default_factory=dict)
    summary: Path | None = None
    ledger: Path | None = None


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
    """Keep the first workbook of each employee; report the others as `duplicate-employee`."""
    seen = {}
    keep = []
    for index, employee, file in zip(frame.index.tolist(), frame["hdr_employee_id"].tolist(),
                                     frame["file"].tolist()):
        if employee in seen:
            problems.append(Problem("duplicate-employee",
                                    f"工号 \"{employee}\" 在本月已有考核表（{seen[employee]}），此文件未汇总。",
                                    file=file))
            continue
        seen[employee] = file
        keep.append(index)
    return frame.loc[keep].reset_index(drop=True)


class _LedgerRow(Mapping):
    """One ledger row (see `Ledger.record_month`); its `outputs`, every `out_` value of the month's
    frame, is made into a dict when it is read, so that a whole month's rows do not all hold one."""

    __slots__ = ("fields", "names", "outputs")

    def __init__(self, fields: dict, names: list, outputs: tuple):
        self.fields, self.names, self.outputs = fields, names, outputs

    def __getitem__(self, key):
        if key == "outputs":
            return dict(zip(self.names, self.outputs))
        return self.fields[key]

    def __iter__(self):
        yield from self.fields
        yield "outputs"

    def __len__(self):
        return len(self.fields) + 1


def _cleaned(frame, name) -> list:
    """A column's values as the ledger keeps them (`_clean`: None for blanks, plain Python values)."""
    values = frame[name].tolist()
    if frame[name].dtype == float:
        return [None if value != value else value for value in values]
    return [_clean(value) for value in values]


def ledger_rows(frame) -> list:
    """The ledger's rows of a collected month (see `Ledger.record_month`), one per row of `frame`."""
    columns = {name: frame[name].tolist() for name in frame.columns}
    names = [name for name in frame.columns if str(name).startswith("out_")]
    outputs = list(zip(*[_cleaned(frame, name) for name in names])) if names else [()] * len(frame)
    nothing = [None] * len(frame)
    rows = []
    for index in range(len(frame)):
        def value(name):
            return columns.get(name, nothing)[index]

        rows.append(_LedgerRow({
            "employee_id": columns["hdr_employee_id"][index], "name": columns["hdr_name"][index],
            "department": columns["hdr_department"][index], "form_id": columns["form"][index],
            "form_version": _clean(value("form_version")), "total": _clean(value("out_total")),
            "grade": _clean(value("out_grade")), "pay": _clean(value("out_pay")),
            "status": value("out_status"), "rank": _clean(value("rank")), "file": columns["file"][index],
        }, names, outputs[index]))
    return rows


def earlier_histories(book: Ledger, month: str) -> dict:
    """employee_id → the ledger's rows of the months before `month` that the flags of `month` look
    back to: from the first month of the quarter two quarters before, read once for everyone."""
    year, quarter = quarter_of(month)
    for _ in range(2):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    first = f"{year:04d}-{(quarter - 1) * 3 + 1:02d}"
    histories = defaultdict(list)
    for recorded in book.months():
        if first <= recorded < month:
            for row in book.month_rows(recorded):
                histories[row["employee_id"]].append(row)
    return histories


def standing_flags(histories: dict, rows, month: str) -> dict:
    """employee_id → the flags standing in `month` for the employees of `rows` (the month's ledger
    rows) that have any, given their earlier months (`earlier_histories`)."""
    flags = {}
    for row in rows:
        employee = str(row["employee_id"])
        total, rank = row["total"], row["rank"]
        this_month = {"month": month, "total": None if total is None else float(total),
                      "rank": None if rank is None else int(rank)}  # as the ledger keeps them
        standing = flags_for([*histories.get(employee, []), this_month], upto_month=month)
        if standing:
            flags[row["employee_id"]] = standing
    return flags


def close_month(directory, month: str | None = None, *, out=None, ledger=None, ranking: str = "dense",
                rewards=DEFAULT_REWARDS, force: bool = False, jobs: int | None = None) -> MonthReport:
    """Collect `directory`, record the month in the ledger and write the summary.

    Args:
        directory: the month's folder (or the output folder holding it).
        month: `YYYY-MM`; taken from the folder's name, or the month most files record, when None.
        out: the summary file (default: beside the month's folder).
        ledger: the ledger file (default: beside the month's folder).
        ranking: `dense` (中国式排名, the default) or `competition`.
        rewards: the top-three rewards, ties rewarded equally.
        force: replace an existing summary.

    Raises:
        UsageError: the summary exists and `force` is not given; no workbook found.
    """
    root, month = resolve_directory(directory, month)
    if month is None:
        frame, _ = collect_month(root, None, ranking=ranking, rewards=rewards, jobs=jobs)
        if not len(frame):
            raise UsageError(f"{root} 中没有找到 xlkpi 考核表。")
        month = Counter(frame["hdr_month"]).most_common(1)[0][0]
    summary_path, ledger_path = default_paths(root, month)
    summary_path = Path(out) if out else summary_path
    ledger_path = Path(ledger) if ledger else ledger_path
    if summary_path.exists() and not force:
        raise UsageError(f"汇总文件 {summary_path} 已存在；如需替换，请加 --force。")
    frame, problems = collect_month(root, month, ranking=ranking, rewards=rewards, jobs=jobs)
    if len(frame):
        frame = drop_duplicates(frame, problems)
    rows = ledger_rows(frame)
    with Ledger(ledger_path) as book:
        histories = earlier_histories(book, month)
        book.record_month(month, rows)
    flags = standing_flags(histories, rows, month)
    del rows, histories  # not held while the summary is made
    written = write_summary(summary_path, frame, problems, month, flags=flags, force=force)
    return MonthReport(month, frame, problems, flags, written, ledger_path)
