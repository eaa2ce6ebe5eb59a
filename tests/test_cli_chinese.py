"""The command line speaks Chinese, click's own texts included, and shows progress only on a terminal.

Every command's and group's `--help`, and the errors click itself reports (a missing option or
argument, a bad choice, a number out of range, an unknown option or command, a folder that does
not exist, an extra argument), are read for English words. Allowed: option names (`--month`),
command names, the values an option takes (`native`, `dense`), names of programs, formats and
files (`LibreOffice`, `YAML`, `xlkpi.xlam`), and defined names (`out_...`). Anything else, such
as `Usage`, `Error`, `Invalid`, `Show`, `default`, `required`, `PATH` or `TEXT`, fails.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import click
import pytest

from xlkpi.app.cli import main

from .cli import run_cli

# proper nouns, formats, values and names a clerk types or reads as they are
ALLOWED = {
    "xlkpi", "Excel", "WPS", "LibreOffice", "PDF", "CSV", "XLSX", "YAML", "JSON", "UTF", "CPU", "Python", "VBA",
    "xlwings", "Lite", "KPI", "XLSTART", "YYYY", "MM", "VALUE", "id", "native", "udf", "dense", "competition",
    "xlsx", "xlsm", "xlam", "bas", "sqlite", "py", "main", "out",  # main: CliRunner's program name; out: a folder
}
COMMAND_NAMES = set()


def all_commands(group=main, path=()):
    """(path, command) of every command and group under `main`, `main` included."""
    yield path, group
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            COMMAND_NAMES.add(name)
            yield from all_commands(command, (*path, name))


COMMANDS = list(all_commands())


def english_words(text: str) -> list:
    """The English words of `text` a clerk would have to read: what the clerk typed (quoted
    '…', or a path), option names, defined names (`out_total`, `in_...`), file names and the
    ALLOWED words left out."""
    text = re.sub(r"'[^'\n]*'|\S*/\S*", " ", text)  # the clerk's own values and paths
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", text)  # option names
    text = re.sub(r"\b(?:in|out|hdr)_[\w.]*|\b\w+_\w+\b|KPI_\*?", " ", text)  # defined names, ids
    text = re.sub(r"[\w.-]+\.(?:xlsx|xlsm|xlam|sqlite|csv|yaml|py|bas|json)\b", " ", text)  # file names
    words = re.findall(r"[A-Za-z]{2,}", text)
    return [word for word in words if word not in ALLOWED and word not in COMMAND_NAMES]


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=lambda path: " ".join(path) or "xlkpi")
def test_every_help_is_chinese(path):
    result = run_cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法:")
    assert english_words(result.output) == [], result.output


def test_the_month_help_says_which_month_is_taken_without_it():
    assert "不填则为本月" in run_cli("generate", "--help").output
    assert "不填则按文件夹名" in run_cli("collect", "--help").output


ERRORS = [
    (("render", "--form", "客服专员"), "缺少选项"),  # a missing option
    (("collect",), "缺少参数"),  # a missing argument
    (("generate", "--dialect", "vba"), "的值无效"),  # a bad choice
    (("generate", "--jobs", "0"), "不在范围"),  # a number out of range
    (("generate", "--jobs", "many"), "不是有效的数字"),  # not a number
    (("generate", "--bogus"), "没有 '--bogus' 这个选项"),
    (("generate", "--jbos", "2"), "是否想输入"),  # a near miss
    (("no-such-command",), "没有 'no-such-command' 这个命令"),
    (("generate", "--forms", "/no/such/folder"), "不存在"),  # a folder that does not exist
    (("forms", "show", "客服专员", "多余"), "多余的参数"),
    (("generate", "--month"), "需要一个值"),  # an option without its value
    (("generate", "--month", "2026-13"), "无效"),
]


@pytest.mark.parametrize("args, expected", ERRORS, ids=[" ".join(args) for args, _ in ERRORS])
def test_every_click_error_is_chinese(args, expected):
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert "错误：" in result.output and "Usage" not in result.output
    assert expected in result.output
    assert english_words(result.output) == [], result.output


def test_an_error_of_xlkpi_is_chinese(tmp_path):
    result = run_cli("collect", tmp_path / "nothing")
    assert result.exit_code != 0
    assert result.stderr.startswith("错误：")
    assert english_words(result.stderr.replace(str(tmp_path), "")) == [], result.stderr


# ----------------------------------------------------------------- progress
def test_no_progress_when_the_output_is_not_a_terminal(tmp_path):
    result = run_cli("generate", "--month", "2026-11", "--out", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "生成考核表" not in result.output and "[#" not in result.output
    result = run_cli("collect", tmp_path / "out" / "2026-11")
    assert "读取考核表" not in result.output and "[#" not in result.output


def on_a_terminal(*args, cwd) -> str:
    """Run `xlkpi ARGS...` with its output on a pseudo-terminal, as a clerk's window; what it showed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    process = subprocess.Popen([sys.executable, "-c", "from xlkpi.app.cli import main; main(prog_name='xlkpi')",
                                *map(str, args)], stdin=follower,
                               stdout=follower, stderr=follower, cwd=cwd, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_progress_on_a_terminal(tmp_path):
    shown = on_a_terminal("generate", "--month", "2026-11", "--out", tmp_path / "out", "--jobs", "1", cwd=tmp_path)
    assert "生成考核表" in shown and "12/12" in shown, shown
    shown = on_a_terminal("collect", tmp_path / "out" / "2026-11", cwd=tmp_path)
    assert "读取考核表" in shown and "12/12" in shown, shown
    assert Path(tmp_path / "out" / "2026-11_汇总.xlsx").exists()
