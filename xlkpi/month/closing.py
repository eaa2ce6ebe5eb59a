"""A month's close as one transaction across the ledger and the summary workbook.

The ledger (SQLite) and the summary (a file) must never disagree: either both
hold the new month, or both are as they were. `commit_month` does it in steps
that can each be undone:

1. the summary is written aside, beside its final name (`.<name>.xlkpi-new`);
2. the month's rows are written into the ledger in an open transaction, and the
   digest of the month as that transaction leaves it is noted;
3. an intent record (`.<name>.xlkpi-close.json`: the ledger, the month, the digest)
   is written;
4. the summary in place, if any, is moved aside (`.<name>.xlkpi-old`), the new one
   renamed into place, and the ledger transaction committed;
5. the old summary and the intent record are removed.

A failure in steps 1–4 undoes what was done (the old summary back in place, the
transaction rolled back). A process killed at any point leaves the intent record;
the next close of the same summary (`recover`) reads the ledger: if it holds the
month with the noted digest, the commit happened and the new summary stays;
otherwise the old one is put back. The whole close runs under a lock
(`.<name>.xlkpi-close.lock`, see `runlock.py`), so that two closes never mix and a
recovery never touches a close still at work.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..base.errors import FileFault, UsageError, explain, file_fault, short_path
from ..base.runlock import LockHeld, RunLock
from ..base.safe_write import write_atomic, write_new
from .ledger import Ledger, LedgerError


def _aside(summary: Path, what: str) -> Path:
    return summary.with_name(f".{summary.name}.xlkpi-{what}")


class CloseLock:
    """The lock of closes that write `summary`; refuses (UsageError) while another close holds it.

    Raises:
        UsageError: another close is writing the same summary.
        FileFault: the summary's folder cannot be made or written.
    """

    def __init__(self, summary):
        self.summary = Path(summary)
        try:
            self.summary.parent.mkdir(parents=True, exist_ok=True)
            self.lock = RunLock(_aside(self.summary, "close.lock"))
        except LockHeld:
            raise UsageError(f"另一个 xlkpi collect 正在写汇总表 {short_path(self.summary)}：请等它结束后再运行。") from None
        except OSError as error:
            raise file_fault(error, self.summary.parent, "写入汇总表所在的文件夹") from None

    def __enter__(self) -> CloseLock:
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


def recover(summary) -> str | None:
    """Finish or undo a close of `summary` that was interrupted (the caller holds its `CloseLock`).

    Returns:
        None when there was nothing to do; else a sentence saying what was done.

    Raises:
        LedgerError: the ledger of the interrupted close cannot be read now.
    """
    summary = Path(summary)
    intent, new, old = _aside(summary, "close.json"), _aside(summary, "new"), _aside(summary, "old")
    if not intent.exists():
        _remove(new)  # written aside, the ledger not yet touched
        return None
    try:
        record = json.loads(intent.read_text(encoding="utf-8"))
        ledger, month, digest, had_old = record["ledger"], record["month"], record["digest"], record["had_old"]
    except (OSError, ValueError, KeyError, TypeError):
        _remove(new)
        _remove(intent)
        return None
    with Ledger(ledger) as book:
        committed = book.month_digest(month) == digest
    if committed:
        if new.exists():
            os.replace(new, summary)
        _remove(old)
        done = f"上次汇总 {month} 时进程被中断：历史记录已写入，汇总表 {short_path(summary)} 已补齐。"
    else:
        if old.exists():
            os.replace(old, summary)
        elif not had_old and not new.exists():
            _remove(summary)  # the new summary was in place, its ledger rows never committed
        _remove(new)
        done = f"上次汇总 {month} 时进程被中断：历史记录未写入，汇总表 {short_path(summary)} 已恢复原样。"
    _remove(intent)
    return done


def commit_month(book: Ledger, month: str, rows, summary, data: bytes, **record):
    """Record `rows` as the whole of `month` in the ledger `book` and put the summary bytes `data`
    at `summary`, both or neither (see the module's text). The caller holds `summary`'s `CloseLock`.
    `record`: the run's reason, folder and kind (see `Ledger.stage_month`).

    Returns:
        What the ledger recorded (a `ledger.MonthRecord`).

    Raises:
        LedgerError: the ledger could not be written (then neither was the summary).
        FileFault: the summary could not be written or put in place (then the ledger is unchanged).
    """
    summary = Path(summary)
    intent, new, old = _aside(summary, "close.json"), _aside(summary, "new"), _aside(summary, "old")
    _remove(new)
    try:
        write_new(new, data)
    except OSError as error:
        raise file_fault(error, summary, "写入汇总表") from None
    try:
        recorded = book.stage_month(month, rows, whole_month=True, **record)
    except BaseException:
        _remove(new)
        raise
    had_old = os.path.lexists(summary)
    try:
        digest = book.month_digest(month)
        write_atomic(intent, json.dumps({"ledger": str(Path(book.path).resolve()), "month": month, "digest": digest,
                                         "had_old": had_old}, ensure_ascii=False).encode("utf-8"))
    except BaseException as error:
        book.rollback()
        _remove(new)
        if isinstance(error, OSError):
            raise file_fault(error, summary, "写入汇总表") from None
        raise
    moved_old = False
    try:
        if had_old:
            os.replace(summary, old)
            moved_old = True
        os.replace(new, summary)
    except BaseException as error:
        book.rollback()
        _undo(summary, new, old, moved_old, had_old, placed=False)
        _remove(intent)
        if isinstance(error, OSError):
            raise FileFault(f"汇总表 {short_path(summary)} 未能放到位：{explain(error)}。"
                            "历史记录和汇总表都保持原样；如汇总表正在 Excel 中打开，请关闭后重新运行。",
                            file=summary, cause=error) from None
        raise
    try:
        book.commit()
    except BaseException:
        try:
            _undo(summary, new, old, moved_old, had_old, placed=True)
            _remove(intent)
        except OSError:
            pass  # the intent record stays: the next close puts things right
        raise
    _remove(old)
    _remove(intent)
    return recorded


def _undo(summary: Path, new: Path, old: Path, moved_old: bool, had_old: bool, *, placed: bool) -> None:
    """Put the summary back as it was before `commit_month` began."""
    if moved_old:
        os.replace(old, summary)
    elif placed and not had_old:
        _remove(summary)
    _remove(new)


def _remove(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


__all__ = ["CloseLock", "commit_month", "recover", "LedgerError"]
