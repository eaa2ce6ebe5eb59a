"""Chinese fonts for printing: without one, LibreOffice prints every Chinese character as a box.

LibreOffice draws a character no installed font has as an empty box, and says nothing: the PDF
still holds the text (so `pdftotext` finds it), but nobody can read the page. Printing therefore
first asks fontconfig (`fc-list :lang=zh`, how LibreOffice itself finds fonts on Linux) whether
a font that covers Chinese is installed, and refuses to print when none is. Where fontconfig is
not installed (Windows, macOS), the system's own Chinese fonts are there and nothing is checked.
"""

from __future__ import annotations

import shutil
import subprocess

from ..base.errors import XlkpiError

FONT_PACKAGE = "fonts-noto-cjk"


class FontMissing(XlkpiError):
    """No font that covers Chinese is installed: a print would show boxes."""


def chinese_fonts() -> list | None:
    """The families of the installed fonts that cover Chinese (fontconfig's `:lang=zh`), or None
    when fontconfig is not there to ask."""
    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        completed = subprocess.run([program, ":lang=zh", "family"], capture_output=True, text=True, timeout=60,
                                   check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    families = set()
    for line in completed.stdout.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return sorted(families)


def require_chinese_font(kept=None) -> None:
    """Return if a font that covers Chinese is installed (or fontconfig cannot say).

    Args:
        kept: what was written before printing and is kept (named in the message).

    Raises:
        FontMissing: fontconfig finds no such font.
    """
    if chinese_fonts() == []:
        before = f"考核表已生成（{kept}），但" if kept is not None else ""
        raise FontMissing(f"{before}未打印 PDF：本机没有中文字体，打印出的汉字会全部变成方框。"
                          f"请先安装中文字体再重试：Debian/Ubuntu 执行 sudo apt-get install -y {FONT_PACKAGE}；"
                          "Windows 在“设置 → 时间和语言 → 语言”中添加“中文(简体)”；"
                          "macOS 自带中文字体（苹方），如已删除，请在“字体册”中恢复标准字体。")
