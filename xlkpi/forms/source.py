"""Reading a definition's text and collecting its problems.

Holds the YAML document with line numbers (`compose` gives `Node`s, each value with the line it
starts on; a syntax error becomes a `SyntaxProblem`), reading a definition or rules file as UTF-8
text (`read_definition_text`), and `Checker`, which collects problems (file, line, dotted path,
code, Chinese message) while a caller walks the nodes and checks each value's shape: mapping,
list, text, number or percentage (`parse_number`), true/false, id.

It knows no form: what keys a form has and what they mean is `form_builder`'s; the rules file
(`rules.py`) is read with the same tools. Only a YAML syntax error stops the reading
(`SyntaxProblem`, carrying its problem); every other problem is collected, never raised.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from ..base.errors import Problem

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")  # a form's, section's, item's or count's id


# ----------------------------------------------------------------- YAML with lines
class Node:
    """A loaded YAML value with the line it starts on."""

    __slots__ = ("value", "line")

    def __init__(self, value, line):
        self.value = value
        self.line = line


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, file: str) -> Node:
    """The YAML document as `Node`s. libyaml parses it when PyYAML has it (ten times faster);
    a syntax error is parsed again by the pure-Python parser, whose messages say more."""
    try:
        try:
            root = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise SyntaxProblem(Problem("yaml-syntax", f"YAML 语法错误：{getattr(error, 'problem', error)}。",
                                    file=file, line=line)) from None
    if root is None:
        return Node({}, 1)
    constructor = yaml.SafeLoader("")
    return _convert(root, constructor)


class SyntaxProblem(Exception):
    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


def _convert(node, constructor) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node)
            mapping[str(key)] = (_convert(value_node, constructor), key_node.start_mark.line + 1)
        return Node(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(child, constructor) for child in node.value], line)
    return Node(constructor.construct_object(node), line)


# ----------------------------------------------------------------- checking
class Checker:
    """Walks a composed definition, collecting problems and building the model."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, code, path, line, message):
        self.problems.append(Problem(code, message, file=self.file, line=line, path=path))

    # -- shapes
    def mapping(self, node, path, allowed, required=(), line=None):
        """The node's mapping {key: (Node, key_line)}, after checking keys; None if not a mapping."""
        if not isinstance(node.value, dict):
            self.problem("bad-type", path, node.line, f"应为键值映射，实际为 {kind_name(node.value)}。")
            return None
        for key, (_, key_line) in node.value.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f"，是否应为 \"{close[0]}\"？" if close else "。"
                self.problem("unknown-key", join_path(path, key), key_line,
                             f"未知的键 \"{key}\"{hint}")
        for key in required:
            if key not in node.value:
                self.problem("missing-key", join_path(path, key), line or node.line, f"缺少必填的键 \"{key}\"。")
        return node.value

    def sequence(self, node, path, *, empty_code=None, what="列表"):
        if not isinstance(node.value, list):
            self.problem("bad-type", path, node.line, f"应为{what}，实际为 {kind_name(node.value)}。")
            return None
        if not node.value and empty_code:
            self.problem(empty_code, path, node.line, f"{what}不能为空。")
        return node.value

    def text(self, entry, path, *, required=False):
        if entry is None:
            return ""
        node, _ = entry
        if node.value is None and not required:
            return ""
        if not isinstance(node.value, (str, int, float)) or isinstance(node.value, bool):
            self.problem("bad-type", path, node.line, f"应为文本，实际为 {kind_name(node.value)}。")
            return ""
        return str(node.value).strip()

    def number(self, entry, path, *, default=None, percent_ok=True):
        """A number, or a percentage written `75%`; `default` when absent."""
        if entry is None:
            return default
        node, _ = entry
        value = parse_number(node.value, percent_ok=percent_ok)
        if value is None:
            self.problem("bad-type", path, node.line, f"应为数字{'或百分数（如 75%）' if percent_ok else ''}，"
                                                      f"实际为 {node.value!r}。")
            return default
        return value

    def boolean(self, entry, path, default=False):
        if entry is None:
            return default
        node, _ = entry
        if not isinstance(node.value, bool):
            self.problem("bad-type", path, node.line, f"应为 true 或 false，实际为 {node.value!r}。")
            return default
        return node.value

    def ident(self, entry, path, seen):
        node, _ = entry
        value = node.value
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem("bad-id", path, node.line,
                         f"id \"{value}\" 无效：只能用小写英文字母、数字和下划线，并以字母开头。")
            return str(value)
        if value in seen:
            self.problem("duplicate-id", path, node.line, f"id \"{value}\" 重复（第 {seen[value]} 行已使用）。")
        else:
            seen[value] = node.line
        return value


def join_path(path, key):
    return f"{path}.{key}" if path else str(key)


def kind_name(value):
    return {dict: "键值映射", list: "列表", str: "文本", bool: "逻辑值", type(None): "空值"}.get(
        type(value), "数字" if isinstance(value, (int, float)) else type(value).__name__)


def parse_number(value, *, percent_ok=True):
    """A definition's number: an int, a float, or text `'75%'` (0.75, exact). None if neither."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        percent = percent_ok and text.endswith("%")
        if percent:
            text = text[:-1].strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        return float(number / 100 if percent else number)
    return None


def read_definition_text(path) -> tuple[str | None, list[Problem]]:
    """The text of a definition or rules file (UTF-8), or None and the problem that stops reading it."""
    file = str(path)
    try:
        return Path(path).read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, [Problem("yaml-syntax", "文件不存在。", file=file)]
    except IsADirectoryError:
        return None, [Problem("yaml-syntax", "这是一个文件夹，不是定义文件。", file=file)]
    except UnicodeDecodeError:
        return None, [Problem("yaml-syntax", "文件不是 UTF-8 编码的文本：请以 UTF-8 编码保存。", file=file)]
    except OSError as error:
        return None, [Problem("yaml-syntax", f"无法读取文件：{error.strerror or error}。", file=file)]
