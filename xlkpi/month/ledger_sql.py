"""The ledger's SQL, all of it: the schema of each version, the steps from one version to the
next, every statement the ledger runs, and the SQLite database behind them.

`ledger.py` decides what to read and write and never writes SQL itself; a server database could
be added as a second class beside `SqliteDatabase` with the same methods (its own placeholders,
its own way of beginning a transaction and of numbering rows), the statements below being
standard SQL apart from what that class translates. The schema is documented in docs/ledger.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

SCHEMA_VERSION = 2

# the columns of a result, in the order of the v1 table (which the v2 table begins with)
RESULT_COLUMNS = ("month", "employee_id", "name", "department", "form_id", "form_version", "total", "grade",
                  "pay", "status", "rank", "file", "outputs", "recorded_at")
# the columns a version of a result carries besides: the run that recorded it, the run that found it withdrawn
VERSION_COLUMNS = (*RESULT_COLUMNS, "run_id", "withdrawn_run")
RUN_COLUMNS = ("run_id", "month", "kind", "started_at", "folder", "reason", "user_name", "program")

# the columns of a result as the v1 table declared them
_RESULT_DEFINITIONS = """
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
    recorded_at  TEXT    NOT NULL,"""

_V2_TABLES = [
    """
CREATE TABLE ledger_info (
    name         TEXT    NOT NULL PRIMARY KEY,
    value        TEXT    NOT NULL
)""",
    """
CREATE TABLE runs (
    run_id       INTEGER NOT NULL PRIMARY KEY,
    month        TEXT,
    kind         TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    folder       TEXT,
    reason       TEXT,
    user_name    TEXT,
    program      TEXT
)""",
    f"""
CREATE TABLE earlier_results (
    version_id   INTEGER NOT NULL PRIMARY KEY,{_RESULT_DEFINITIONS}
    run_id       INTEGER,
    withdrawn_run INTEGER,
    replaced_run INTEGER NOT NULL,
    change       TEXT    NOT NULL
)""",
    "CREATE INDEX earlier_results_employee ON earlier_results (employee_id, month)",
    "CREATE INDEX earlier_results_month ON earlier_results (month, employee_id)",
]

# a new ledger: the current schema at once
CREATE = [
    f"""
CREATE TABLE results ({_RESULT_DEFINITIONS}
    run_id       INTEGER,
    withdrawn_run INTEGER,
    PRIMARY KEY (month, employee_id)
)""",
    "CREATE INDEX results_employee ON results (employee_id, month)",
    *_V2_TABLES,
]

# the steps from each version to the next; each runs inside the one transaction of the upgrade
MIGRATIONS = {
    1: [
        *_V2_TABLES,
        # each v1 `record_month` call stamped all its rows with one time: one run per (month, time)
        "INSERT INTO runs (month, kind, started_at) "
        "SELECT DISTINCT month, 'record', recorded_at FROM results ORDER BY recorded_at, month",
        "ALTER TABLE results ADD COLUMN run_id INTEGER",
        "ALTER TABLE results ADD COLUMN withdrawn_run INTEGER",
        "UPDATE results SET run_id = (SELECT runs.run_id FROM runs WHERE runs.kind = 'record' "
        "AND runs.month = results.month AND runs.started_at = results.recorded_at)",
    ],
}

_COLUMNS = ", ".join(RESULT_COLUMNS)
_VERSION_COLUMNS = ", ".join(VERSION_COLUMNS)

# ----------------------------------------------------------------- writing
SET_INFO_INSERT = "INSERT INTO ledger_info (name, value) VALUES (?, ?)"
ADD_RUN = f"INSERT INTO runs ({', '.join(RUN_COLUMNS[1:])}) VALUES ({', '.join('?' for _ in RUN_COLUMNS[1:])})"
INSERT_RESULT = (f"INSERT INTO results ({_VERSION_COLUMNS}) "
                 f"VALUES ({', '.join('?' for _ in VERSION_COLUMNS)})")
UPDATE_RESULT = (f"UPDATE results SET {', '.join(f'{column} = ?' for column in VERSION_COLUMNS[2:])} "
                 "WHERE month = ? AND employee_id = ?")
KEEP_EARLIER = (f"INSERT INTO earlier_results ({_VERSION_COLUMNS}, replaced_run, change) "
                f"SELECT {_VERSION_COLUMNS}, ?, ? FROM results WHERE month = ? AND employee_id = ?")
WITHDRAW = "UPDATE results SET withdrawn_run = ? WHERE month = ? AND employee_id = ?"

# ----------------------------------------------------------------- reading
MONTH_VERSIONS = f"SELECT {_VERSION_COLUMNS} FROM results WHERE month = ?"
CURRENT = f"SELECT {_COLUMNS} FROM results WHERE withdrawn_run IS NULL"
EMPLOYEE_CURRENT = f"{CURRENT} AND employee_id = ? ORDER BY month"
MONTH_CURRENT = f"{CURRENT} AND month = ? ORDER BY employee_id"
MONTHS = "SELECT DISTINCT month FROM results WHERE withdrawn_run IS NULL ORDER BY month"
COLLECTED_MONTHS = "SELECT DISTINCT month FROM runs WHERE month IS NOT NULL AND kind <> 'migration' ORDER BY month"
MONTH_TOTALS = ("SELECT employee_id, total, rank FROM results WHERE withdrawn_run IS NULL AND month = ? "
                "ORDER BY employee_id")
MONTH_STATE = (f"SELECT {', '.join(column for column in VERSION_COLUMNS if column != 'recorded_at')} "
               "FROM results WHERE month = ? ORDER BY employee_id")
LAST_RUN_OF_MONTH = "SELECT max(run_id) FROM runs WHERE month = ?"
MONTH_EMPLOYEES = "SELECT employee_id FROM results WHERE withdrawn_run IS NULL AND month = ? ORDER BY employee_id"
PERIOD_RESULTS = ("SELECT month, employee_id, name, department, form_id, total, grade, pay, status "
                  "FROM results WHERE withdrawn_run IS NULL AND month >= ? AND month <= ? "
                  "ORDER BY employee_id, month")
TOTALS_UP_TO = ("SELECT employee_id, month, total, rank FROM results WHERE withdrawn_run IS NULL AND month <= ? "
                "ORDER BY employee_id, month")
RUN = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE run_id = ?"
RUNS = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY run_id"
# every version of the results of one employee, or of a run of months: the earlier ones, then the current
EMPLOYEE_EARLIER = (f"SELECT {_VERSION_COLUMNS}, replaced_run, change FROM earlier_results WHERE employee_id = ? "
                    "ORDER BY month, version_id")
EMPLOYEE_VERSIONS_NOW = f"SELECT {_VERSION_COLUMNS} FROM results WHERE employee_id = ? ORDER BY month"
PERIOD_EARLIER = (f"SELECT {_VERSION_COLUMNS}, replaced_run, change FROM earlier_results "
                  "WHERE month >= ? AND month <= ? ORDER BY month, employee_id, version_id")
PERIOD_CHANGED_NOW = (f"SELECT {_VERSION_COLUMNS} FROM results WHERE month >= ? AND month <= ? AND "
                      "(withdrawn_run IS NOT NULL OR EXISTS (SELECT 1 FROM earlier_results e "
                      "WHERE e.month = results.month AND e.employee_id = results.employee_id)) "
                      "ORDER BY month, employee_id")


class SqliteDatabase:
    """The SQLite file behind a ledger: connecting, transactions, the schema version, numbering.

    Transactions are begun and ended here, explicitly (`begin`, `commit`, `rollback`); a
    transaction that writes takes the write lock at once (`BEGIN IMMEDIATE`), so that two
    processes never interleave their writes. The schema version is SQLite's `user_version`
    (what xlkpi 0.1, schema 1, reads) and, from schema 2 on, also the `ledger_info` table.
    """

    Error = sqlite3.Error
    DatabaseError = sqlite3.DatabaseError
    OperationalError = sqlite3.OperationalError
    IntegrityError = sqlite3.IntegrityError

    def __init__(self, path, *, timeout: float = 10):
        self.path = Path(path)
        self.connection = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)

    def close(self) -> None:
        self.connection.close()

    # -- transactions
    def begin(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.connection.execute("COMMIT")

    def rollback(self) -> None:
        """End the open transaction, if the database has not ended it itself (SQLite does on a full
        disk); a failing rollback never hides the error that led to it."""
        if self.connection.in_transaction:
            try:
                self.connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    @staticmethod
    def is_fault(error) -> bool:
        """Whether an error is the file's state (busy, locked, read-only, I/O, full, cannot open),
        not a statement's: by SQLite's result code (Python 3.11 on), else by its text."""
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (5, 6, 8, 10, 13, 14)
        text = str(error).lower()
        return any(words in text for words in ("locked", "readonly", "disk", "full", "unable to open"))

    @property
    def in_transaction(self) -> bool:
        return self.connection.in_transaction

    # -- statements
    def execute(self, statement: str, parameters=()):
        """Run one statement; the cursor is an iterator of rows (tuples)."""
        return self.connection.execute(statement, parameters)

    def executemany(self, statement: str, rows):
        return self.connection.executemany(statement, rows)

    def insert(self, statement: str, parameters) -> int:
        """Run an INSERT of one row and return the number the database gave it."""
        return self.connection.execute(statement, parameters).lastrowid

    def backup_to(self, path) -> None:
        """Copy the database file, as it is now, to a new file at `path` (written beside it and
        renamed into place). Called in a transaction that has written nothing yet: its write lock
        keeps every other process from changing the file while it is copied."""
        partial = Path(path).with_name(f".{Path(path).name}.partial")
        shutil.copyfile(self.path, partial)
        os.replace(partial, path)

    # -- the schema
    def schema_version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, version: int) -> None:
        self.connection.execute(f"PRAGMA user_version = {int(version)}")

    def is_empty(self) -> bool:
        """Whether the database holds no table at all (a new file)."""
        return self.connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


__all__ = ["SqliteDatabase", "SCHEMA_VERSION", "CREATE", "MIGRATIONS", "RESULT_COLUMNS", "VERSION_COLUMNS",
           "RUN_COLUMNS"]
