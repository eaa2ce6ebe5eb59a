"""LibreOffice headless: recalculating workbooks and printing them to PDF.

Each call starts `soffice` with a throw-away profile that always recalculates
formulas on load (LibreOffice otherwise trusts cached values), and converts a
whole batch of files per call: start-up costs about 1.5 s, each file about
0.14 s. One soffice process stops loading documents after about 200 files
("source file could not be loaded"), so a batch is cut into calls of at most
BATCH files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..base.errors import XlkpiError, explain

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


BATCH = 100


class LibreOfficeMissing(XlkpiError):
    """LibreOffice (soffice) is not installed."""


def find_soffice() -> str | None:
    """The path of `soffice`, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files, outdir, fmt: str = "xlsx", *, processes: int = 1, timeout: float = 1800) -> list:
    """Convert `files` into `outdir` as `fmt` (`xlsx` recalculates, `pdf` prints). Two files
    with the same name would write the same output: give them in separate calls.

    The files are split over `processes` soffice processes, each converting
    its share in one call.

    Returns:
        The converted files' paths, in the order of `files`.

    Raises:
        LibreOfficeMissing: soffice is not installed.
        XlkpiError: soffice failed or did not write a file.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing("未找到 LibreOffice（soffice）：请先安装，例如 apt-get install -y libreoffice-calc-nogui。")
    files = [Path(f) for f in files]
    if not files:
        return []
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    processes = max(1, min(processes, len(files)))
    shares = [files[i::processes] for i in range(processes)]
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(lambda share: _convert_share(soffice, share, outdir, fmt, timeout), shares))
    results = []
    for file in files:
        target = outdir / f"{file.stem}.{fmt}"
        if not target.exists():
            raise XlkpiError(f"LibreOffice 未能转换 {file}：文件可能已损坏，或被其他程序占用。")
        results.append(target)
    return results


def _convert_share(soffice, files, outdir, fmt, timeout):
    for start in range(0, len(files), BATCH):
        _convert_call(soffice, files[start:start + BATCH], outdir, fmt, timeout)


def _convert_call(soffice, files, outdir, fmt, timeout):
    """One soffice call; a call that crashes (LibreOffice sometimes does on its first start after
    fonts are installed) is tried once more with a fresh profile.

    Raises:
        XlkpiError: soffice failed twice, or ran past `timeout`, with a Chinese message.
    """
    for attempt in (1, 2):
        try:
            completed = _run_soffice(soffice, files, outdir, fmt, timeout)
        except subprocess.TimeoutExpired:
            raise XlkpiError(f"LibreOffice 转换 {len(files)} 个文件超过 {timeout:.0f} 秒仍未完成，已停止："
                             "请关闭其他正在运行的 LibreOffice 后重试。") from None
        except OSError as error:
            raise XlkpiError(f"无法启动 LibreOffice（{soffice}）：{explain(error)}。") from None
        if completed.returncode == 0:
            return
    detail = completed.stderr.decode(errors="replace").strip()[-300:]
    raise XlkpiError(f"LibreOffice 连续两次异常退出（退出码 {completed.returncode}），未能转换 {files[0].name} 等 "
                     f"{len(files)} 个文件：请关闭其他正在运行的 LibreOffice 后重试；如仍失败，请检查 LibreOffice 的安装"
                     f"（LibreOffice 的输出：{detail or '无'}）。")


def _run_soffice(soffice, files, outdir, fmt, timeout):
    with tempfile.TemporaryDirectory(prefix="xlkpi-lo-") as profile:
        user = Path(profile, "user")
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)]
        env = {**os.environ, "HOME": profile}
        return subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False)
