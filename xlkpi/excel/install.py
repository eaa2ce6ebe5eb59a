"""Installing the add-in: `xlkpi.xlam` into the folder Excel opens at start-up, and the settings it needs.

Excel opens every file in the user's XLSTART folder (`%APPDATA%\\Microsoft\\Excel\\XLSTART`)
when it starts, so an add-in placed there is loaded for every workbook, the way
`xlwings addin install` installs add-ins. The add-in is built anew from the installed
xlkpi and xlwings, so it always matches them.

The add-in's Python is found through xlwings' settings: the add-in's own file
`%USERPROFILE%\\.xlkpi\\xlkpi.conf` and, for udf workbooks, xlwings' own
`%USERPROFILE%\\.xlwings\\xlwings.conf`. Each is written, with `INTERPRETER_WIN` set to
the Python running this install (the one that has xlkpi and xlwings), only when it
does not exist yet, as `xlwings config create` does; an existing file is left as it is.

Refused, with what to do instead, in Chinese: a computer that is not Windows, and a
Windows computer where Excel is not installed.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..base.errors import XlkpiError
from ..base.safe_write import write_atomic
from .addin import FILE_NAME, build_addin
from .runtime import ADDIN_PROJECT, XLWINGS_VERSION

ELSEWHERE = (
    "请在装有 Excel 的 Windows 电脑上：\n"
    "  1. 安装 Python、xlwings 和 xlkpi（步骤见 docs/excel.md）；\n"
    "  2. 在那台电脑的命令提示符里运行：xlkpi excel install\n"
    "也可以在这里运行 xlkpi excel addin --out xlkpi.xlam 生成加载项文件，把它复制到那台电脑的 "
    "%APPDATA%\\Microsoft\\Excel\\XLSTART 文件夹；那台电脑仍需安装 Python、"
    f"xlwings {XLWINGS_VERSION} 和 xlkpi，KPI_* 函数和按钮才能运行。"
)


SETTINGS_CODEC = "mbcs" if sys.platform == "win32" else "utf-8"


class NoExcel(XlkpiError):
    """This computer cannot run the add-in: not Windows, or no Excel."""


@dataclass
class InstallReport:
    """Where the add-in went, and one line per settings file (written or kept)."""

    addin: Path
    settings: list = field(default_factory=list)


def xlstart_folder(environ=None) -> Path:
    """The user's XLSTART folder, `%APPDATA%\\Microsoft\\Excel\\XLSTART`.

    Raises:
        XlkpiError: APPDATA is not set.
    """
    environ = os.environ if environ is None else environ
    if not environ.get("APPDATA"):
        raise XlkpiError("找不到环境变量 APPDATA，无法确定 Excel 的启动文件夹（XLSTART）。")
    return Path(environ["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART"


def excel_installed() -> bool:
    """Whether Excel is registered on this Windows computer (the `Excel.Application` class)."""
    try:
        import winreg
    except ImportError:
        return False
    try:
        with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Excel.Application\CurVer"):
            return True
    except OSError:
        return False


def install_addin(*, platform: str | None = None, environ=None, excel: bool | None = None,
                  python: str | None = None) -> InstallReport:
    """Build the add-in into XLSTART and write the settings files that are missing.

    Args:
        platform, environ, excel, python: this computer's (`sys.platform`, `os.environ`,
            whether Excel is installed, `sys.executable`); given by tests.

    Raises:
        NoExcel: not Windows, or Excel is not installed; the message says what to do.
        XlkpiError: XLSTART cannot be written (Excel has the add-in open, no permission).
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    python = sys.executable if python is None else python
    if not platform.startswith("win"):
        raise NoExcel("这台电脑不是 Windows：xlkpi 加载项只能装在 Windows 版 Excel 里"
                      "（KPI_* 函数要通过 COM 调用 Python）。\n" + ELSEWHERE)
    if not (excel_installed() if excel is None else excel):
        raise NoExcel("这台电脑上没有找到 Excel（注册表里没有 Excel.Application）。\n" + ELSEWHERE)
    target = xlstart_folder(environ) / FILE_NAME
    data = build_addin()
    try:
        write_atomic(target, data)
    except OSError as error:
        raise XlkpiError(f"无法写入 {target}：{error.strerror or error}。如果 Excel 正在运行，请关闭 Excel "
                         "后再运行 xlkpi excel install。") from None
    report = InstallReport(target)
    home = Path(environ.get("USERPROFILE") or Path.home())
    for name in (ADDIN_PROJECT, "xlwings"):
        report.settings.append(user_settings(home / f".{name}" / f"{name}.conf", python))
    return report


def user_settings(path: Path, python: str) -> str:
    """Write `"INTERPRETER_WIN","<python>"` to `path` if it does not exist; a line saying what happened.

    The format is xlwings' (VBA's `Write #`), the file `xlwings config create` writes, in the
    code page VBA reads it in (Windows' ANSI code page, `mbcs`; UTF-8 elsewhere).
    """
    if path.exists():
        found = re.search(r'^"INTERPRETER_WIN","([^"]*)"', path.read_text(encoding=SETTINGS_CODEC, errors="replace"),
                          re.M | re.I)
        shown = f"（INTERPRETER_WIN = {found.group(1)}）" if found else "（未设置 INTERPRETER_WIN：使用 PATH 上的 Python）"
        return f"已有设置文件，未改动：{path}{shown}"
    try:
        write_atomic(path, f'"INTERPRETER_WIN","{python}"\r\n'.encode(SETTINGS_CODEC))
    except UnicodeEncodeError:
        raise XlkpiError(f"Python 的路径 {python} 含有 Windows 代码页以外的字符，Excel 读不出来："
                         "请把 Python 装在只含英文、数字或中文的路径下。") from None
    except OSError as error:
        raise XlkpiError(f"无法写入设置文件 {path}：{error.strerror or error}") from None
    return f"已写入设置文件：{path}（INTERPRETER_WIN = {python}）"
