"""The ledger: every month's results and every change to them, kept in one database file.

One current row per employee and month, with the form (id and version), the results a clerk
looks at (总分, 等级, 绩效金额, 填写状态, 排名), the workbook the results came from, and every
`out_` value of the form as JSON. Every recording is a *run* (when, which folder, who, why).
Nothing is ever deleted: when a month is recorded again and a row changes, the earlier version
is kept (`earlier_results`) with the run that replaced it and what kind of change it was; a
workbook that disappeared leaves its row marked withdrawn, with the run that noticed it. The
ledger is what flags across months (`flags.py`), `xlkpi history` and the period reports read.

**Corrections.** Recording a month again is how a clerk's month goes: the workbooks are
collected several times while people are still filling them in. A change to a result that was
not yet complete is an *update* and is recorded without a word. A change to a result already
recorded as complete (已完成) — any of its values, or its workbook gone — is a *correction*: it
needs a reason (`--reason "申诉复核：…"`), and without one the whole recording is refused
(`CorrectionRefused`, naming who changed and how) and the ledger left exactly as it was.

Recording a month is one transaction: either every row of the call is in the ledger, or the
ledger is exactly as it was before the call. A ledger of an earlier schema version is upgraded
in one transaction when it is opened (a copy of the file as it was is kept beside it). The
schema is documented in docs/ledger.md; every SQL statement is in `ledger_sql.py`.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path

from ..base.errors import UsageError, XlkpiError, explain, short_path
from ..base.periods import parse_month
from ..rules.scoring import STATUS_DONE
from . import ledger_sql as sql

DEFAULT_LEDGER = "xlkpi-ledger.sqlite"
LOCK_TIMEOUT = 10.0  # seconds to wait for a ledger another program holds
SCHEMA_VERSION = sql.SCHEMA_VERSION

FIELDS = ("employee_id", "name", "department", "form_id", "form_version", "total", "grade",
          "pay", "status", "rank", "file")

_COLUMNS = sql.RESULT_COLUMNS
# the values that make a result: a change to one of them in a complete result is a correction
RESULT_FIELDS = ("form_id", "total", "grade", "pay", "status", "outputs")
# what a re-recording compares; `recorded_at` changes every time and is not compared
_COMPARED = ("name", "department", "form_id", "form_version", "total", "grade", "pay", "status", "rank", "file",
             "outputs")
_INDEX = {column: position for position, column in enumerate(sql.VERSION_COLUMNS)}
ROWS_PER_BLOCK = 1000

CORRECTION, UPDATE, RESTORATION, WITHDRAWAL = "correction", "update", "restoration", "withdrawal"
CHANGE_LABELS = {CORRECTION: "更正", UPDATE: "填写中更新", RESTORATION: "恢复", WITHDRAWAL: "撤回"}


class LedgerError(XlkpiError):
    """The ledger file cannot be used: not an SQLite file, or from a newer xlkpi."""


class CorrectionRefused(UsageError):
    """A recording would change results already recorded as complete, and no reason was given.

    Attributes:
        month: the month.
        changes: (earlier row, new row or None when its workbook is gone), as dicts.
    """

    def __init__(self, month: str, changes: list):
        self.month = month
        self.changes = changes
        super().__init__(_refusal(month, changes))


@dataclass(frozen=True)
class Run:
    """One recording of the ledger: its number, month, kind (`collect`, `record`, `migration`),
    when it started, the folder collected, the reason given, who ran it and which xlkpi."""

    run_id: int
    month: str | None
    kind: str
    started_at: str
    folder: str | None = None
    reason: str | None = None
    user_name: str | None = None
    program: str | None = None


@dataclass(frozen=True)
class Change:
    """One change to a recorded result.

    Attributes:
        kind: `correction`, `update`, `restoration` or `withdrawal` (see the module's text).
        month, employee_id, name: whose result.
        before: the result as it was (a ledger row: total, grade, pay, status, file, recorded_at, …).
        after: the result that replaced it, or None when it was withdrawn.
        run: the run that made the change (its time, who, the reason).
    """

    kind: str
    month: str
    employee_id: str
    name: str
    before: dict
    after: dict | None
    run: Run

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.kind]


@dataclass
class MonthRecord:
    """What recording a month did.

    Attributes:
        run: the run's number.
        recorded: the rows given.
        added: rows of employees the month did not have.
        unchanged: rows equal to what the ledger held.
        changes: every change made (corrections, updates, restorations, withdrawals).
    """

    run: int
    recorded: int = 0
    added: int = 0
    unchanged: int = 0
    changes: list = field(default_factory=list)

    def of_kind(self, kind: str) -> list:
        """The changes of one kind."""
        return [change for change in self.changes if change.kind == kind]


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return os.environ.get("USERNAME") or None


def _program() -> str:
    from .. import __version__

    return f"xlkpi {__version__}"


class Ledger:
    """An open ledger file; created with its schema if it does not exist, upgraded if it has an
    earlier schema.

    Use as a context manager (`with Ledger(path) as ledger: ...`) or call `close()`.

    Attributes:
        upgraded_from: the schema version the file had when it was upgraded on opening, else None.
        backup: the copy of the file as it was before the upgrade, else None.

    Raises:
        LedgerError: the file is not a ledger xlkpi can read.
    """

    def __init__(self, path=DEFAULT_LEDGER, *, timeout: float | None = None):
        self.path = Path(path)
        self.upgraded_from = None
        self.backup = None
        if self.path.is_dir():
            raise LedgerError(f"历史记录文件 {short_path(self.path)} 是一个文件夹，不是文件：请用 --ledger 指定文件。")
        try:
            self._db = sql.SqliteDatabase(self.path, timeout=LOCK_TIMEOUT if timeout is None else timeout)
        except sql.SqliteDatabase.Error as error:
            raise ledger_error(self.path, error, "打开") from None
        try:
            self._prepare()
        except sql.SqliteDatabase.OperationalError as error:  # locked, read-only, disk full, cannot open
            self._db.close()
            raise ledger_error(self.path, error, "打开") from None
        except sql.SqliteDatabase.DatabaseError as error:
            self._db.close()
            raise LedgerError(f"{short_path(self.path)} 不是 xlkpi 的历史记录文件：{explain(error)}。"
                              "请用 --ledger 指定正确的文件。") from None
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        """Create the schema in a new file, or upgrade an earlier one, in one transaction."""
        version = self._db.schema_version()
        if version > SCHEMA_VERSION:
            raise LedgerError(f"历史记录文件 {self.path} 的格式版本为 {version}，由更新版本的 xlkpi 创建；"
                              f"当前版本只能读取格式版本 {SCHEMA_VERSION} 及以前的。请升级 xlkpi。")
        if version == SCHEMA_VERSION:
            return
        self._db.begin()
        try:
            version = self._db.schema_version()  # again, now that no one else can write
            if version == 0:
                if not self._db.is_empty():
                    raise LedgerError(f"{self.path} 是 SQLite 文件，但不是 xlkpi 的历史记录文件。")
                for statement in sql.CREATE:
                    self._db.execute(statement)
                self._db.execute(sql.SET_INFO_INSERT, ("schema_version", str(SCHEMA_VERSION)))
                self._db.execute(sql.SET_INFO_INSERT, ("created_by", _program()))
            elif version < SCHEMA_VERSION:
                try:
                    self._upgrade(version)
                except sql.SqliteDatabase.OperationalError as error:
                    if sql.SqliteDatabase.is_fault(error):  # locked, read-only, disk full: said as such
                        raise
                    raise LedgerError(f"历史记录文件 {self.path} 从格式版本 {version} 升级失败（{error}），"
                                      "文件保持原样。") from None
            self._db.set_schema_version(SCHEMA_VERSION)
            self._db.commit()
        except BaseException:
            self._db.rollback()
            raise

    def _upgrade(self, version: int) -> None:
        """Upgrade from `version`, step by step, inside the open transaction; keep a copy of the
        file as it was beside it first (`<name>.schema-<version>.bak`)."""
        backup = self.path.with_name(f"{self.path.name}.schema-{version}.bak")
        try:
            self._db.backup_to(backup)
        except OSError as error:
            raise LedgerError(f"历史记录文件 {self.path} 需要从格式版本 {version} 升级，升级前无法在旁边保存备份 "
                              f"{backup.name}（{error.strerror or error}），文件保持原样。") from None
        for step in range(version, SCHEMA_VERSION):
            for statement in sql.MIGRATIONS[step]:
                self._db.execute(statement)
        self._db.execute(sql.SET_INFO_INSERT, ("schema_version", str(SCHEMA_VERSION)))
        self._db.execute(sql.SET_INFO_INSERT, ("upgraded_from", str(version)))
        self._db.insert(sql.ADD_RUN, (None, "migration", _now(), None, f"格式版本 {version} → {SCHEMA_VERSION}",
                                      _user(), _program()))
        self.upgraded_from, self.backup = version, backup

    # ------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------- writing
    def record_month(self, month: str, rows, *, whole_month: bool = False, reason: str | None = None,
                     folder=None, kind: str = "record") -> MonthRecord:
        """Record the results of `month` (see `stage_month`) and commit them.

        Raises:
            as `stage_month`.
        """
        record = self.stage_month(month, rows, whole_month=whole_month, reason=reason, folder=folder, kind=kind)
        self.commit()
        return record

    def stage_month(self, month: str, rows, *, whole_month: bool = False, reason: str | None = None,
                    folder=None, kind: str = "record") -> MonthRecord:
        """Record the results of `month` in an open transaction that `commit` keeps and `rollback`
        undoes; on any error it is rolled back here.

        An employee the month does not have is added; one whose row is unchanged is left as it is;
        one whose row changed has the earlier version kept and the new one recorded (a correction
        when the earlier result was complete, an update otherwise; a restoration when it had been
        withdrawn). `whole_month`: the employees of the month not in `rows` are marked withdrawn
        (their workbooks are gone); otherwise they are left as they are.

        The rows are read once, and written a block at a time as they are read: a collection that
        makes its rows as it is iterated (`monthly.LedgerRows`) is never held whole.

        Args:
            month: the period, `YYYY-MM`.
            rows: mappings with employee_id, name, department, form_id, form_version, total (float
                or None), grade, pay, status, rank (int or None), file, and `outputs` (the out_
                values).
            whole_month: the rows are the whole month (a collection of its folder).
            reason: why results are corrected (申诉复核…); required when a complete result changes.
            folder: the folder collected, kept with the run.
            kind: what made the run: `collect` (a month's close) or `record`.

        Returns:
            A `MonthRecord`.

        Raises:
            UsageError: `month` is not `YYYY-MM`.
            CorrectionRefused: a complete result would change and `reason` is empty.
            LedgerError: an employee appears twice in `rows`.
            KeyError: a row lacks one of the fields.
        """
        month = parse_month(month)
        reason = (reason or "").strip() or None
        started = _now()
        self._db.begin()
        try:
            run = Run(0, month, kind, started, None if folder is None else str(folder), reason, _user(), _program())
            run = replace(run, run_id=self._db.insert(sql.ADD_RUN, astuple(run)[1:]))
            record = self._stage(month, rows, run, whole_month, started)
            refused = [(change.before, change.after) for change in record.changes if change.kind == CORRECTION]
            if refused and reason is None:
                raise CorrectionRefused(month, refused)
        except BaseException as error:
            self._db.rollback()
            if isinstance(error, sql.SqliteDatabase.OperationalError) or type(error) is sql.SqliteDatabase.DatabaseError:
                raise ledger_error(self.path, error, "写入") from None
            raise
        return record

    def _stage(self, month: str, rows, run: Run, whole_month: bool, recorded_at: str) -> MonthRecord:
        record = MonthRecord(run.run_id)
        earlier = {version[1]: version for version in self._db.execute(sql.MONTH_VERSIONS, (month,))}
        seen, block = set(), []
        for row in rows:
            values = _values(month, row, recorded_at)
            employee = values[1]
            if employee in seen:
                raise LedgerError(f"工号 \"{employee}\" 在 {month} 的结果中出现了两次。")
            seen.add(employee)
            record.recorded += 1
            old = earlier.get(employee)
            if old is None:
                block.append((*values, run.run_id, None))
                record.added += 1
                if len(block) >= ROWS_PER_BLOCK:
                    self._db.executemany(sql.INSERT_RESULT, block)
                    block = []
                continue
            kind = _change_kind(old, values)
            if kind is None:
                record.unchanged += 1
                continue
            self._db.execute(sql.KEEP_EARLIER, (run.run_id, kind, month, employee))
            self._db.execute(sql.UPDATE_RESULT, (*values[2:], run.run_id, None, month, employee))
            record.changes.append(Change(kind, month, employee, values[2], _row_dict(old),
                                         _row_dict((*values, run.run_id, None)), run))
        if block:
            self._db.executemany(sql.INSERT_RESULT, block)
        if whole_month:
            for employee, old in earlier.items():
                if employee in seen or old[_INDEX["withdrawn_run"]] is not None:
                    continue
                self._db.execute(sql.WITHDRAW, (run.run_id, month, employee))
                kind = CORRECTION if _complete(old) else WITHDRAWAL
                record.changes.append(Change(kind, month, employee, old[_INDEX["name"]], _row_dict(old), None, run))
        return record

    def commit(self) -> None:
        """Keep what `stage_month` wrote.

        Raises:
            LedgerError: the commit failed (disk full, locked): nothing of the transaction is kept.
        """
        try:
            self._db.commit()
        except sql.SqliteDatabase.Error as error:
            self._db.rollback()
            raise ledger_error(self.path, error, "写入") from None

    def rollback(self) -> None:
        """Undo what `stage_month` wrote (nothing happens when no transaction is open)."""
        self._db.rollback()

    def month_digest(self, month: str) -> str:
        """A digest of the month as the ledger holds it: every version of its rows (without
        `recorded_at`) and its last run. Two states of the month give the same digest only if they
        hold the same rows after the same run. Read inside an open transaction, it is the digest
        that transaction would commit."""
        digest = hashlib.sha256()
        for values in self._db.execute(sql.MONTH_STATE, (parse_month(month),)):
            digest.update(json.dumps(values, ensure_ascii=False).encode("utf-8"))
            digest.update(b"\n")
        digest.update(json.dumps(self._db.execute(sql.LAST_RUN_OF_MONTH, (month,)).fetchone()).encode("utf-8"))
        return digest.hexdigest()

    # ------------------------------------------------------------- reading
    def history(self, employee_id) -> list[dict]:
        """Every recorded month of one employee, oldest first (withdrawn results left out)."""
        return self._rows(sql.EMPLOYEE_CURRENT, (str(employee_id),))

    def months(self) -> list[str]:
        """The months with results, oldest first."""
        return [month for (month,) in self._db.execute(sql.MONTHS)]

    def collected_months(self) -> list[str]:
        """The months ever recorded (collected), oldest first, even if every result of one was withdrawn."""
        return [month for (month,) in self._db.execute(sql.COLLECTED_MONTHS)]

    def month_rows(self, month: str) -> list[dict]:
        """The rows of one month, by employee_id (withdrawn results left out)."""
        return self._rows(sql.MONTH_CURRENT, (parse_month(month),))

    def month_totals(self, month: str):
        """(employee_id, total, rank) of each row of one month, by employee_id: what the flags
        read, without the rest of the row. An iterator."""
        return self._db.execute(sql.MONTH_TOTALS, (parse_month(month),))

    def month_employees(self, month: str) -> list:
        """The employee ids with results in `month`, sorted."""
        return [employee for (employee,) in self._db.execute(sql.MONTH_EMPLOYEES, (parse_month(month),))]

    def period_results(self, first: str, last: str):
        """(month, employee_id, name, department, form_id, total, grade, pay, status) of every
        result from `first` to `last`, by employee and month (withdrawn results left out). An iterator."""
        return self._db.execute(sql.PERIOD_RESULTS, (parse_month(first), parse_month(last)))

    def totals_up_to(self, month: str):
        """(employee_id, month, total, rank) of every result up to `month`, by employee and month:
        what the flags of that month read. An iterator."""
        return self._db.execute(sql.TOTALS_UP_TO, (parse_month(month),))

    def runs(self) -> list[Run]:
        """Every run, oldest first."""
        return [Run(*values) for values in self._db.execute(sql.RUNS)]

    def changes(self, *, employee_id=None, first: str | None = None, last: str | None = None,
                kinds: Iterable[str] | None = None) -> list[Change]:
        """The changes to recorded results of one employee, or of the months from `first` to
        `last`, oldest first (by run); only those of `kinds` when given.

        Each earlier version of a result tells one change (what replaced it, by which run); a
        withdrawn version tells its withdrawal too.
        """
        if employee_id is not None:
            earlier = self._db.execute(sql.EMPLOYEE_EARLIER, (str(employee_id),)).fetchall()
            now = self._db.execute(sql.EMPLOYEE_VERSIONS_NOW, (str(employee_id),)).fetchall()
        else:
            first, last = parse_month(first), parse_month(last)
            earlier = self._db.execute(sql.PERIOD_EARLIER, (first, last)).fetchall()
            now = self._db.execute(sql.PERIOD_CHANGED_NOW, (first, last)).fetchall()
        chains = {}
        for values in earlier:
            chains.setdefault((values[0], values[1]), []).append((values[:-2], values[-2], values[-1]))
        runs = {}

        def run_of(number):
            if number not in runs:
                found = self._db.execute(sql.RUN, (number,)).fetchone()
                runs[number] = Run(*found) if found else Run(number, None, "record", "")
            return runs[number]

        found = []
        current = {(values[0], values[1]): values for values in now}
        for key, chain in chains.items():
            versions = [values for values, _, _ in chain] + ([current[key]] if key in current else [])
            for position, (values, replaced, kind) in enumerate(chain):
                before = _row_dict(values)
                withdrawn = values[_INDEX["withdrawn_run"]]
                if withdrawn is not None:
                    found.append(Change(WITHDRAWAL if not _complete(values) else CORRECTION, key[0], key[1],
                                        before["name"], before, None, run_of(withdrawn)))
                after = _row_dict(versions[position + 1]) if position + 1 < len(versions) else None
                found.append(Change(kind, key[0], key[1], before["name"], before, after, run_of(replaced)))
        for key, values in current.items():
            withdrawn = values[_INDEX["withdrawn_run"]]
            if withdrawn is not None:
                before = _row_dict(values)
                found.append(Change(CORRECTION if _complete(values) else WITHDRAWAL, key[0], key[1], before["name"],
                                    before, None, run_of(withdrawn)))
        found.sort(key=lambda change: (change.run.run_id, change.month, change.employee_id))
        if kinds is not None:
            kinds = set(kinds)
            found = [change for change in found if change.kind in kinds]
        return found

    def _rows(self, statement: str, parameters) -> list[dict]:
        rows = []
        for values in self._db.execute(statement, parameters):
            row = dict(zip(_COLUMNS, values))
            row["outputs"] = json.loads(row["outputs"])
            rows.append(row)
        return rows


def ledger_error(path, error: BaseException, doing: str) -> LedgerError:
    """A `LedgerError` for a database or OS error met while `doing` (`打开`, `写入`) the ledger at `path`."""
    return LedgerError(f"{doing}历史记录文件 {short_path(path)} 失败：{explain(error)}。"
                       "历史记录保持原样，汇总表未写出；排除后请重新运行。")


# ----------------------------------------------------------------- comparing versions
def _complete(version) -> bool:
    """Whether a stored version is a complete result: 已完成, with a total."""
    return version[_INDEX["status"]] == STATUS_DONE and version[_INDEX["total"]] is not None


def _change_kind(old, new) -> str | None:
    """What recording `new` (values in `RESULT_COLUMNS` order) over the stored version `old` is:
    None when nothing changed, else a restoration, correction or update."""
    if old[_INDEX["withdrawn_run"]] is not None:
        return RESTORATION
    changed = [column for column in _COMPARED if not _same(column, old[_INDEX[column]], new[_INDEX[column]])]
    if not changed:
        return None
    if _complete(old) and any(column in RESULT_FIELDS for column in changed):
        return CORRECTION
    return UPDATE


def _same(column: str, old, new) -> bool:
    if column != "outputs" or old == new:
        return old == new
    return _outputs(old) == _outputs(new)


def _outputs(text: str) -> dict:
    """A row's outputs without blank values: the ledger of xlkpi 0.1 kept every form's outputs of
    the month in each row, the other forms' as null."""
    return {name: value for name, value in json.loads(text).items() if value is not None}


def _row_dict(version) -> dict:
    """A stored version (`VERSION_COLUMNS` order) as a dict, its outputs parsed."""
    row = dict(zip(sql.VERSION_COLUMNS, version))
    row["outputs"] = json.loads(row["outputs"])
    return row


def _values(month: str, row, recorded_at: str) -> tuple:
    """The column values of one row to record, in `RESULT_COLUMNS` order."""
    values = {name: row[name] for name in FIELDS}
    values["employee_id"] = str(values["employee_id"])
    for name in ("total", "pay"):
        if values[name] is not None:
            values[name] = float(values[name])
    if values["rank"] is not None:
        values["rank"] = int(values["rank"])
    outputs = json.dumps(dict(row["outputs"]), ensure_ascii=False, allow_nan=False)
    return (month, *(values[name] for name in FIELDS), outputs, recorded_at)


# ----------------------------------------------------------------- the refusal
SHOWN_CHANGES = 20


def _number(value) -> str:
    if value is None:
        return "空白"
    if isinstance(value, float):
        text = f"{value:.15g}"
        return "0" if text == "-0" else text
    return str(value)


def describe_change(before: dict, after: dict | None) -> str:
    """What changed between two versions of a result, in words: `总分 85 → 88；等级 B → A`."""
    if after is None:
        return f"考核表没有找到或无法读取（原为 {before['file']}，总分 {_number(before['total'])}），标记为撤回"
    parts = []
    for name, label in (("total", "总分"), ("grade", "等级"), ("pay", "绩效金额"), ("status", "填写状态")):
        if before.get(name) != after.get(name):
            parts.append(f"{label} {_number(before.get(name))} → {_number(after.get(name))}")
    if not parts and before.get("form_id") != after.get("form_id"):
        parts.append(f"表单 {before.get('form_id')} → {after.get('form_id')}")
    if not parts:
        parts.append(f"分项得分有变化（总分仍为 {_number(after.get('total'))}）")
    if before.get("file") != after.get("file"):
        parts.append(f"文件 {before.get('file')} → {after.get('file')}")
    return "；".join(parts)


def _refusal(month: str, changes: list) -> str:
    lines = [f"{month} 有 {len(changes)} 名员工已记录为“已完成”的结果与这次汇总的不同："]
    for before, after in changes[:SHOWN_CHANGES]:
        lines.append(f"  {before['employee_id']} {before['name']}：{describe_change(before, after)}")
    if len(changes) > SHOWN_CHANGES:
        lines.append(f"  ……等 {len(changes)} 人")
    lines.append("更正已完成的结果须说明原因（历史记录会保留更正前的结果、时间、文件和原因）："
                 "请加 --reason \"原因\" 重新汇总，例如 --reason \"申诉复核：张三第9项改为20分\"。"
                 "这次汇总没有写入任何内容。")
    return "\n".join(lines)


__all__ = ["Ledger", "LedgerError", "CorrectionRefused", "Change", "Run", "MonthRecord", "DEFAULT_LEDGER",
           "SCHEMA_VERSION", "describe_change", "CORRECTION", "UPDATE", "RESTORATION", "WITHDRAWAL"]
