"""Click's own texts in Chinese: a gettext catalog for the messages click translates, and the
metavars and headings it writes in English.

Click passes every message a user sees through gettext (`_()` and `ngettext()` of each of its
modules); `install()` binds those names to `CATALOG`, a `gettext.NullTranslations` whose
messages are the Chinese below, so that only xlkpi's command line speaks Chinese and the rest
of the process keeps its own gettext domain. A message click adds later and the catalog lacks
stays English: `tests/test_cli_chinese.py` runs every command's help and error paths and fails
on any English word.

Click names the type of a value in English where no gettext call is made (`PATH`, `TEXT`,
`INTEGER RANGE`, `[OPTIONS]`, `COMMAND [ARGS]...`): `metavar()` gives their Chinese, and
`cli.XlkpiCommand` sets it on every parameter.
"""

from __future__ import annotations

import gettext
import importlib
import unicodedata

MESSAGES = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "输入 '{command} {option}' 查看帮助。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（按情况而定）",
    "deprecated": "已弃用",
    "Aborted!": "已取消。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有 {name!r} 这个命令。",
    "No such option {name!r}.": "没有 {name!r} 这个选项。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value: {message}": "值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "Value must be an iterable.": "应为多个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值，可用：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 无法执行。",
    "Do you want to continue?": "是否继续？",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Press any key to continue...": "按任意键继续……",
}
# (singular, plural) → Chinese, which has one form
PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多余的参数（{args}）",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): "（是否想输入：{possibilities}？）",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项 {name!r} 需要一个值。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值，给出了 {len} 个。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "{value!r} 不是可选值（{choices}）之一。",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "{value!r} 不符合格式 {formats}。",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."): "需要 {len_type} 个值，给出了 {len_value} 个。",
}
# the metavars click writes from a type's English name
METAVARS = {"TEXT": "文字", "INTEGER": "整数", "INTEGER RANGE": "整数", "FLOAT": "数字", "FLOAT RANGE": "数字",
            "PATH": "路径", "FILE": "文件", "DIRECTORY": "文件夹", "DIR": "文件夹", "BOOLEAN": "是/否",
            "FILENAME": "文件", "UUID": "UUID", "FORM": "表单"}
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils",
                 "_termui_impl", "shell_completion")


class Catalog(gettext.NullTranslations):
    """The Chinese of click's messages; a message it lacks stays as click wrote it."""

    def gettext(self, message):
        return MESSAGES.get(message, message)

    def ngettext(self, singular, plural, n):
        chinese = PLURALS.get((singular, plural))
        if chinese is None:
            return singular if n == 1 else plural
        # the singular form names its one value with another key: give it under both names
        return chinese.replace("{possibilities}", "{possibility}" if n == 1 else "{possibilities}").replace(
            "{choices}", "{choice}" if n == 1 else "{choices}").replace(
            "{formats}", "{format}" if n == 1 else "{formats}")


CATALOG = Catalog()


def install() -> None:
    """Bind the gettext names of click's modules to `CATALOG`, and make click's help measure a
    Chinese character as two columns, as a terminal shows it (idempotent)."""
    formatting = importlib.import_module("click.formatting")
    if getattr(formatting, "term_len", None) is not None and formatting.term_len is not display_len:
        formatting.term_len = display_len
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # a module of another click version, or of another platform
            continue
        if hasattr(module, "_"):
            module._ = CATALOG.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = CATALOG.ngettext


def display_len(text: str) -> int:
    """The columns `text` takes on a terminal, ANSI styles left out: a wide character takes two."""
    from click._compat import strip_ansi

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in strip_ansi(text))


def metavar(english: str) -> str:
    """The Chinese of a metavar click made from a type's name (`PATH`, `INTEGER RANGE`), kept
    with its decorations (`PATH...`); any other metavar as it is."""
    bare = english.rstrip(".")
    return METAVARS.get(bare, bare) + english[len(bare):]
