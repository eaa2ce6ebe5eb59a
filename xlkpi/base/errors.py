"""Errors and problems: what xlkpi refuses, and how it reports it.

`XlkpiError` and its branches are raised for things a caller must fix before
anything can go on (an unknown form, a malformed month). `Problem` is a record
of one defect found while checking a definition, a roster or a workbook:
checks collect every problem and return them all, instead of raising at the
first. Each problem carries a stable code from `CODES`.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass


class XlkpiError(Exception):
    """Base of every error xlkpi raises on purpose; its text is for the user."""

    exit_code = 1


class FormError(XlkpiError):
    """A form definition is invalid or cannot be found."""


class ScoringError(XlkpiError, ValueError):
    """An input cannot be scored: not a number, not one of the levels, out of range."""

    def __init__(self, message: str, *, name: str | None = None, code: str = "bad-value"):
        super().__init__(message)
        self.name = name
        self.code = code


class UsageError(XlkpiError):
    """A command-line value is malformed (a month, a path that exists)."""

    exit_code = 2


class FileFault(XlkpiError):
    """An OS or library error met while working on one file, told in Chinese (see `explain`):
    which file, what xlkpi was doing, what went wrong and what to do."""

    def __init__(self, message: str, *, file="", cause: BaseException | None = None):
        super().__init__(message)
        self.file = str(file)
        self.cause = cause


@dataclass(frozen=True)
class Problem:
    """One defect, with where it was found.

    Attributes:
        code: a slug from `CODES`.
        message: what was expected and what was found, in Chinese.
        file: the file the problem is in.
        line: 1-based line in a text file (definitions, rosters), else None.
        path: dotted path inside a definition (`sections.performance.items.revisit.weight`).
        sheet, cell, name: where in a workbook (`电话专员`, `G9`, `in_revisit_sup`).
    """

    code: str
    message: str
    file: str = ""
    line: int | None = None
    path: str = ""
    sheet: str = ""
    cell: str = ""
    name: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.sheet or self.cell:
            where = f"{where}: {self.sheet}!{self.cell}"
            if self.name:
                where = f"{where} ({self.name})"
        elif self.path:
            where = f"{where}: {self.path}"
        return f"{where} [{self.code}]: {self.message}"


CODES = {
    # form definitions
    "yaml-syntax": "the file is not valid YAML",
    "unknown-key": "a key the format does not know",
    "missing-key": "a required key is absent",
    "bad-type": "a value of the wrong kind",
    "bad-id": "an id that is not lower-case ASCII (a-z, 0-9, _)",
    "duplicate-id": "an id used twice in one form",
    "weight-sum": "weights that do not sum to 100%",
    "points-sum": "item points that do not add up to the section's points",
    "band-order": "band thresholds or scores that are not monotonic",
    "band-length": "thresholds and scores of different lengths",
    "empty-levels": "a level set or choice list with nothing in it",
    "unknown-ref": "a reference to a section, item or rater that does not exist",
    "rule-count": "an item with no scoring rule, or with more than one",
    "bad-value": "a number out of its allowed range",
    # inputs and workbooks
    "not-a-number": "text where a number belongs",
    "number-as-text": "a number stored as text (typed into a text cell, or pasted): the sheet refuses it",
    "not-a-level": "a value outside the item's level set",
    "not-a-choice": "a value that is not one of the item's options",
    "out-of-range": "a number outside the allowed range",
    "blank": "a required input left blank",
    "not-an-integer": "a fraction where a whole number belongs",
    "damaged-file": "a file that is not a readable Excel workbook",
    "not-xlkpi": "a workbook xlkpi did not make (no _xlkpi record)",
    "unknown-version": "a form version this xlkpi does not know",
    "wrong-month": "a workbook of another month",
    "missing-name": "a defined name deleted from the workbook",
    "formula-overwritten": "a computed cell whose formula was replaced by a typed value",
    "write-failed": "a workbook that could not be written",
    "unreadable-file": "a file the operating system would not let xlkpi read",
    "too-large": "a workbook whose parts inflate beyond a sane size",
    "unsupported-format": "a spreadsheet saved in a format xlkpi does not read (.xls, .ods, .csv)",
    "uncalculated-formula": "an input holding a formula whose result was never saved",
    "zero-denominator": "a ratio whose denominator is 0",
    "bad-record": "a hidden _xlkpi record that is incomplete (no 工号, no month)",
    "duplicate-file": "two roster lines whose workbooks would have the same file name",
    "touched": "a workbook generate cannot prove untouched, left as it is",
    "name-too-long": "a file name beyond what the file system allows",
    "text-too-long": "a text beyond Excel's 32,767 characters in a cell",
    "bad-quote": "a CSV line with a quote that is not closed",
    "cached-mismatch": "a result saved in the workbook that differs from the recomputed one",
    # rosters
    "missing-column": "a roster without one of its required columns",
    "duplicate-employee": "an employee id used on two lines of a roster",
    "unknown-form": "a position that names no known form",
    "bad-encoding": "a text file in neither UTF-8 nor GBK/GB18030",
}


# ----------------------------------------------------------------- OS and library errors in Chinese
_ERRNO = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有权限（请检查文件或文件夹的权限，或关闭正在使用它的程序）",
    errno.EPERM: "操作不被允许（请检查权限）",
    errno.EROFS: "所在的磁盘是只读的（请换一个可写的位置）",
    errno.ENOSPC: "磁盘已满（请腾出空间后重试）",
    errno.ENAMETOOLONG: "文件名或路径过长（请缩短文件夹、姓名或工号，或换一个更短的输出位置）",
    errno.EISDIR: "该路径是一个文件夹，而不是文件",
    errno.ENOTDIR: "路径中的某一段不是文件夹",
    errno.EEXIST: "同名的文件或文件夹已存在",
    errno.EBUSY: "文件正被其他程序占用（请关闭后重试）",
    errno.EMFILE: "同时打开的文件过多（请减少 --jobs 后重试）",
    errno.ENFILE: "系统打开的文件过多（请稍后重试）",
    errno.EIO: "磁盘读写出错（磁盘或网络共享可能有故障）",
    errno.EINVAL: "文件名中有系统不允许的字符或参数无效",
    errno.ENOTEMPTY: "文件夹不是空的",
    errno.EXDEV: "不能跨磁盘移动文件",
    errno.ELOOP: "路径中的符号链接形成了循环",
}
for _name, _text in (("EDQUOT", "磁盘配额已用完（请腾出空间后重试）"), ("ETXTBSY", "文件正被其他程序占用（请关闭后重试）"),
                     ("ESTALE", "网络共享上的文件已失效（请重新连接后重试）")):
    if hasattr(errno, _name):
        _ERRNO[getattr(errno, _name)] = _text
_WINERROR = {32: "文件正被另一个程序打开（例如 Excel 或 WPS），请关闭后重试",
             33: "文件的一部分被另一个程序锁定，请关闭该程序后重试",
             112: "磁盘已满（请腾出空间后重试）",
             206: "文件名或路径过长（请缩短文件夹、姓名或工号）"}

_SQLITE = (("locked", "历史记录文件正被另一个程序使用（可能是另一个 xlkpi 或打开它的数据库工具），等待后仍未释放：请关闭该程序后重试"),
           ("busy", "历史记录文件正被另一个程序使用：请关闭该程序后重试"),
           ("readonly", "历史记录文件或其所在文件夹是只读的：请检查权限，或用 --ledger 指定可写的位置"),
           ("full", "磁盘已满，历史记录未能写入：请腾出空间后重试"),
           ("disk i/o", "读写历史记录文件时磁盘出错：请检查磁盘或网络共享"),
           ("unable to open", "无法打开历史记录文件：所在文件夹不存在或没有权限"),
           ("not a database", "该文件不是 SQLite 数据库（可能已损坏，或不是 xlkpi 的历史记录文件）"),
           ("malformed", "历史记录文件已损坏：请用备份替换它"),
           ("no such table", "该文件不是 xlkpi 的历史记录文件（缺少记录表）"))


def explain(error: BaseException) -> str:
    """What went wrong, in Chinese, with what to do, for an OS or library error; the original
    text (English, from the system or the library) follows in brackets for whoever helps.

    Knows OSError by its errno (and Windows error code), SQLite's errors, damaged zip packages and
    XML, decoding errors, memory, and the errors of the spreadsheet libraries; anything else is
    named as an unexpected error with its type."""
    detail = _detail(error)
    if isinstance(error, MemoryError):
        return "内存不足：文件过大或同时处理的文件过多（请减少 --jobs 后重试）"
    if isinstance(error, OSError):
        text = _WINERROR.get(getattr(error, "winerror", None) or 0) or _ERRNO.get(error.errno or 0)
        if text:
            return f"{text}（{detail}）"
    module = type(error).__module__ or ""
    name = type(error).__name__
    if module.startswith("sqlite3") or name in ("OperationalError", "DatabaseError"):
        lowered = str(error).lower()
        for key, text in _SQLITE:
            if key in lowered:
                return f"{text}（{detail}）"
        return f"历史记录文件出错（{detail}）"
    if name in ("BadZipFile", "BadZipfile", "LargeZipFile") or module.startswith("zlib") or name == "ZipError" \
            or "EOCD" in str(error) or "zip" in str(error).lower():
        return f"文件已损坏或不是 Excel 工作簿（不是完整的 zip 包；{detail}）：请用 Excel 打开并另存为 .xlsx"
    if name in ("ParseError", "XmlError", "ExpatError"):
        return f"文件内部的 XML 已损坏（{detail}）：请用 Excel 打开并另存为 .xlsx"
    if isinstance(error, UnicodeError):
        return f"文字编码无法识别（{detail}）：请另存为 UTF-8 编码"
    if module.startswith("python_calamine"):
        return f"无法读取该表格文件（{detail}）：请用 Excel 打开并另存为 .xlsx 或 CSV UTF-8"
    if module.startswith("xlsxwriter"):
        return f"无法写出 Excel 工作簿（{detail}）"
    if isinstance(error, OSError):
        return f"系统错误（{detail}）"
    return f"意外的错误（{detail}）"


def _detail(error: BaseException) -> str:
    """`Type: text` of an error, with a long path shortened to its ends."""
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror
    else:
        text = str(error)
    if len(text) > 300:
        text = text[:140] + " … " + text[-140:]
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def short_path(path, limit: int = 160) -> str:
    """A path as a message shows it: whole, or its start and end around `…` when longer than `limit`."""
    text = os.fspath(path) if not isinstance(path, str) else path
    if len(text) <= limit:
        return text
    return text[: limit // 2 - 1] + "…" + text[-(limit // 2):]


def file_fault(error: BaseException, file, doing: str) -> FileFault:
    """A `FileFault` for `error`, met while `doing` (`写入汇总表`, `读取名册`) on `file`."""
    if isinstance(error, FileFault):
        return error
    return FileFault(f"{doing}失败：{short_path(file)}：{explain(error)}。", file=file, cause=error)


def fault_problem(error: BaseException, file, doing: str, code: str = "write-failed", **where) -> Problem:
    """A located `Problem` for `error`, met while `doing` on `file` (`where`: sheet, cell, line…)."""
    return Problem(code, f"{doing}失败：{explain(error)}。", file=str(file), **where)
