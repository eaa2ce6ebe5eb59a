"""The ledger: every month's results, kept in one SQLite file.

One row per employee and month, with the form (id and version), the results a
clerk looks at (总分, 等级, 绩效金额, 填写状态, 排名), the workbook the results
came from, and every `out_` value of the form as JSON. The ledger is what
flags across months (`flags.py`) and year-end reviews read.

Recording a month is one transaction: either every row of the call is in the
ledger, or the ledger is exactly as it was before the call.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from pathlib import Path

from .errors import XlkpiError, explain, short_path
from .periods import parse_month

DEFAULT_LEDGER = "xlkpi-ledger.sqlite"
LOCK_TIMEOUT = 10.0  # seconds to wait for a ledger another program holds
SCHEMA_VERSION = 1

FIELDS = ("employee_id", "name", "department", "form_id", "form_version", "total", "grade",
          "pay", "status", "rank", "file")

_SCHEMA = """
CREATE TABLE results (
    month        TEXT    NOT NULL,
    employee_id  TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    department   TEXT    NOT NULL,
    form_id      TEXT    NOT NULL,
    form_version INTEGER,
    total        REAL,
    grade,
    pay          REAL,
    status       TEXT,
    rank         INTEGER,
    file         TEXT,
    outputs      TEXT    NOT NULL,
    recorded_at  TEXT    NOT NULL,
    PRIMARY KEY (month, employee_id)
);
CREATE INDEX results_employee ON results (employee_id, month);
"""

_COLUMNS = ("month", *FIELDS, "outputs", "recorded_at")


class LedgerError(XlkpiError):
    """The ledger file cannot be used: not an SQLite file, or from a newer xlkpi."""


class Ledger:
    """An open ledger file; created with its schema if it does not exist.

    Use as a context manager (`with Ledger(path) as ledger: ...`) or call
    `close()`.

    Raises:
        LedgerError: the file is not a ledger xlkpi can read.
    """

    def __init__(self, path=DEFAULT_LEDGER, *, timeout: float | None = None):
        self.path = Path(path)
        if self.path.is_dir():
            raise LedgerError(f"历史记录文件 {short_path(self.path)} 是一个文件夹，不是文件：请用 --ledger 指定文件。")
        try:
            # isolation_level=None: transactions are begun and ended here, explicitly
            self._db = sqlite3.connect(str(self.path), isolation_level=None,
                                       timeout=LOCK_TIMEOUT if timeout is None else timeout)
        except sqlite3.Error as error:
            raise ledger_error(self.path, error, "打开") from None
        try:
            self._prepare()
        except sqlite3.OperationalError as error:  # locked, read-only, disk full, cannot open
            self._db.close()
            raise ledger_error(self.path, error, "打开") from None
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise LedgerError(f"{short_path(self.path)} 不是 xlkpi 的历史记录文件：{explain(error)}。"
                              "请用 --ledger 指定正确的文件。") from None
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(f"历史记录文件 {self.path} 的格式版本为 {version}，由更新版本的 xlkpi 创建；"
                              f"当前版本只能读取格式版本 {SCHEMA_VERSION}。请升级 xlkpi。")
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._db.execute("PRAGMA user_version").fetchone()[0] == 0:
                tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise LedgerError(f"{self.path} 是 SQLite 文件，但不是 xlkpi 的历史记录文件。")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """End the open transaction, if SQLite has not ended it itself (it does on a full disk);
        a failing rollback never hides the error that led to it."""
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # ------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------- writing
    def record_month(self, month: str, rows) -> int:
        """Record the results of `month`, replacing what was recorded before for the same employees.

        Rows of other employees in `month`, and every other month, are left as
        they are. The whole call is one transaction: on any error nothing of
        it is kept.

        The rows are read twice, their employees first and then the rows
        themselves, and each is written as it is read: a collection that makes
        its rows as it is iterated (`monthly.LedgerRows`) is never held whole.
        An iterator, which can be read only once, is read into a list first.

        Args:
            month: the period, `YYYY-MM`.
            rows: mappings with employee_id, name, department, form_id,
                form_version, total (float or None), grade, pay, status,
                rank (int or None), file, and `outputs` (every out_ value).

        Returns:
            The number of rows recorded.

        Raises:
            UsageError: `month` is not `YYYY-MM`.
            KeyError: a row lacks one of the fields.
            sqlite3.IntegrityError: an employee appears twice in `rows`.
        """
        inserted = self.stage_month(month, rows)
        self.commit()
        return inserted

    def stage_month(self, month: str, rows, *, whole_month: bool = False) -> int:
        """`record_month` without its commit: the rows are written in an open transaction that
        `commit` keeps and `rollback` undoes (closing a month commits only once its summary is in
        place). `whole_month`: every earlier row of `month` is replaced, also those of employees
        not in `rows` (a workbook gone or now unreadable leaves no row behind).

        Raises:
            LedgerError: the ledger is locked, read-only, on a full disk, damaged.
            (and as `record_month`)
        """
        month = parse_month(month)
        if iter(rows) is rows:
            rows = list(rows)
        recorded_at = _dt.datetime.now().isoformat(timespec="seconds")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            if whole_month:
                self._db.execute("DELETE FROM results WHERE month = ?", (month,))
            else:
                self._db.executemany("DELETE FROM results WHERE month = ? AND employee_id = ?",
                                     ((month, str(row["employee_id"])) for row in rows))
            placeholders = ", ".join("?" for _ in _COLUMNS)
            inserted = self._db.executemany(f"INSERT INTO results ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                                            (_values(month, row, recorded_at) for row in rows)).rowcount
        except BaseException as error:
            self._rollback()
            if isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError:
                raise ledger_error(self.path, error, "写入") from None
            raise
        return inserted

    def commit(self) -> None:
        """Keep what `stage_month` wrote.

        Raises:
            LedgerError: the commit failed (disk full, locked): nothing of the transaction is kept.
        """
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise ledger_error(self.path, error, "写入") from None

    def rollback(self) -> None:
        """Undo what `stage_month` wrote (nothing happens when no transaction is open)."""
        self._rollback()

    def month_digest(self, month: str) -> str:
        """A digest of every row of `month` as the ledger holds it (without `recorded_at`): two
        states of the month give the same digest only if they hold the same rows. Read inside an
        open transaction, it is the digest that transaction would commit."""
        digest = hashlib.sha256()
        columns = [column for column in _COLUMNS if column != "recorded_at"]
        for values in self._db.execute(f"SELECT {', '.join(columns)} FROM results WHERE month = ? "
                                       "ORDER BY employee_id", (parse_month(month),)):
            digest.update(json.dumps(values, ensure_ascii=False).encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()

    def month_employees(self, month: str) -> list:
        """The employee ids recorded for `month`, sorted."""
        return [employee for (employee,) in self._db.execute(
            "SELECT employee_id FROM results WHERE month = ? ORDER BY employee_id", (parse_month(month),))]

    # ------------------------------------------------------------- reading
    def history(self, employee_id) -> list[dict]:
        """Every recorded month of one employee, oldest first."""
        return self._select("WHERE employee_id = ? ORDER BY month", (str(employee_id),))

    def months(self) -> list[str]:
        """The recorded months, oldest first."""
        return [month for (month,) in self._db.execute("SELECT DISTINCT month FROM results ORDER BY month")]

    def month_rows(self, month: str) -> list[dict]:
        """The rows of one month, by employee_id."""
        return self._select("WHERE month = ? ORDER BY employee_id", (parse_month(month),))

    def month_totals(self, month: str):
        """(employee_id, total, rank) of each row of one month, by employee_id: what the flags
        read, without the rest of the row. An iterator."""
        return self._db.execute("SELECT employee_id, total, rank FROM results WHERE month = ? ORDER BY employee_id",
                                (parse_month(month),))

    def _select(self, where: str, parameters) -> list[dict]:
        cursor = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM results {where}", parameters)
        rows = []
        for values in cursor:
            row = dict(zip(_COLUMNS, values))
            row["outputs"] = json.loads(row["outputs"])
            rows.append(row)
        return rows


def ledger_error(path, error: BaseException, doing: str) -> LedgerError:
    """A `LedgerError` for an SQLite or OS error met while `doing` (`打开`, `写入`) the ledger at `path`."""
    return LedgerError(f"{doing}历史记录文件 {short_path(path)} 失败：{explain(error)}。"
                       "历史记录保持原样，汇总表未写出；排除后请重新运行。")


def _values(month: str, row: dict, recorded_at: str) -> tuple:
    """The column values of one row to insert."""
    values = {field: row[field] for field in FIELDS}
    values["employee_id"] = str(values["employee_id"])
    for field in ("total", "pay"):
        if values[field] is not None:
            values[field] = float(values[field])
    if values["rank"] is not None:
        values["rank"] = int(values["rank"])
    outputs = json.dumps(dict(row["outputs"]), ensure_ascii=False, allow_nan=False)
    return (month, *(values[field] for field in FIELDS), outputs, recorded_at)


__all__ = ["Ledger", "LedgerError", "DEFAULT_LEDGER", "SCHEMA_VERSION"]
