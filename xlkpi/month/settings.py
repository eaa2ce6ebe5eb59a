"""The rules for using results: ranking, rewards and who is eligible, which months a period
counts, and pay recommendations.

The rules are settings, not code: the defaults, taken from the source documents, are the file
`xlkpi/data/rules.yaml` shipped with the package; a clerk's own file (`--rules FILE`) names only
the keys it changes, and the rest keep their defaults. A file is checked completely before it is
used, and every problem is reported as the form definitions' are: `file:line: path [code]:
message`, in Chinese. The format is documented in docs/rules.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..base.errors import FormError, Problem
from ..base.periods import parse_month
from ..forms.source import (
    Checker,
    Node,
    SyntaxProblem,
    compose,
    kind_name,
    parse_number,
    read_definition_text,
)
from ..rules.inputs import shown

RANKINGS = {"dense": "中国式排名 1,2,2,3", "competition": "竞争排名 1,2,2,4"}
MONTH_CHOICES = {"collected": "只计已汇总的月份", "all": "计入期间的每个日历月"}
MISSING_CHOICES = {"exclude": "缺月不计入平均分", "zero": "缺月按 0 分计入平均分"}


class RulesError(FormError):
    """A rules file has problems; the message lists them, one a line."""


@dataclass(frozen=True)
class PayBand:
    """One band of pay recommendations: from `low` (None: every result below the bands above)."""

    low: float | None
    advice: str


@dataclass(frozen=True)
class Rules:
    """The rules in force (see docs/rules.md for each key).

    Attributes:
        ranking: `dense` (中国式排名) or `competition`.
        month_rewards, period_rewards: the amounts of places 1, 2, 3 … (元), month and period.
        complete: only complete results are rewarded (a month: 已完成; a period: no month missing).
        min_total: the lowest total (a period: average) rewarded; None for no minimum.
        min_group: the fewest people ranked in a group (form × department) for its top places to be rewarded.
        months: `collected` or `all`: which months of a period count.
        skip: months that never count.
        missing: `exclude` or `zero`: how a month missing from a person's results counts.
        pay: the pay recommendation bands, highest first; the last one has no lower bound.
        department_min_employees: the fewest people with results for a department to be compared.
        sources: the files the rules were read from, defaults first.
    """

    ranking: str
    month_rewards: tuple
    period_rewards: tuple
    complete: bool
    min_total: float | None
    min_group: int
    months: str
    skip: tuple
    missing: str
    pay: tuple
    department_min_employees: int
    sources: tuple = ()

    def replaced(self, *, ranking: str | None = None, month_rewards=None) -> Rules:
        """These rules with the ranking and the month's rewards replaced where given (the
        command line's `--ranking` and `--rewards`)."""
        changes = {}
        if ranking is not None:
            changes["ranking"] = ranking
        if month_rewards is not None:
            changes["month_rewards"] = tuple(month_rewards)
        return replace(self, **changes) if changes else self

    def pay_advice(self, average) -> str | None:
        """The pay recommendation for a period's average total; None when there is no average.

        The bands are tried from the highest down with `>=`: with the default bands 90 gives
        上调基础工资10%, 89.99 and 70 give 维持, 69.99 gives 降薪或培训."""
        if average is None:
            return None
        for band in self.pay:
            if band.low is None or average >= band.low:
                return band.advice
        return None

    def lines(self) -> list[tuple[str, str]]:
        """(setting, value) in words, for a report's 规则 sheet and the clerk's terminal."""
        amounts = lambda values: "、".join(f"{value:g} 元" for value in values) or "不发奖励"  # noqa: E731
        pay = []
        for band in self.pay:
            pay.append(f"≥ {band.low:g}：{band.advice}" if band.low is not None else f"其余：{band.advice}")
        return [
            ("排名方式", RANKINGS[self.ranking]),
            ("月度奖励（前三名，并列同奖）", amounts(self.month_rewards)),
            ("期间奖励（前三名，并列同奖）", amounts(self.period_rewards)),
            ("得奖条件：已完成", "是（月度：考核表已完成；期间：不缺月）" if self.complete else "否"),
            ("得奖条件：最低总分", "不设" if self.min_total is None else f"{self.min_total:g} 分（期间按平均分）"),
            ("得奖条件：同组最少人数", f"{self.min_group} 人（同一部门、同一表单中有总分的人）"),
            ("期间计入的月份", MONTH_CHOICES[self.months] + (f"，不计 {'、'.join(self.skip)}" if self.skip else "")),
            ("缺月", MISSING_CHOICES[self.missing]),
            ("调薪建议（按平均分）", "；".join(pay)),
            ("部门评比最少人数", f"{self.department_min_employees} 人"),
            ("规则文件", "；".join(["内置默认规则", *self.sources[1:]])),
        ]


# ----------------------------------------------------------------- the format
# each setting: its dotted path in the file and how its value is read
_CHOICES = {"ranking": RANKINGS, "period.months": MONTH_CHOICES, "period.missing": MISSING_CHOICES}
_KEYS = {
    "": {"ranking", "rewards", "period", "pay", "departments"},
    "rewards": {"month", "period", "eligible"},
    "rewards.eligible": {"complete", "min_total", "min_group"},
    "period": {"months", "skip", "missing"},
    "departments": {"min_employees"},
}
_BAND_KEYS = {"from", "advice"}


def default_rules_path() -> Path:
    """The packaged file of default rules."""
    try:
        found = resources.files("xlkpi") / "data" / "rules.yaml"
        if found.is_file():
            return Path(str(found))
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent / "data" / "rules.yaml"


def _settings(root: Node, check: Checker) -> dict:
    """The settings a file gives: dotted path → (value, line). Problems go to `check`."""
    found = {}

    def walk(node, path):
        mapping = check.mapping(node, path, _KEYS[path])
        if mapping is None:
            return
        for key, (child, _) in mapping.items():
            dotted = f"{path}.{key}" if path else key
            if dotted in _KEYS:
                walk(child, dotted)
            elif key in _KEYS[path]:
                value = _read(dotted, child, check)
                if value is not _BAD:
                    found[dotted] = (value, child.line)

    walk(root, "")
    return found


_BAD = object()
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _read(path: str, node: Node, check: Checker):
    """One setting's value, checked; `_BAD` after reporting a problem."""
    value = node.value
    if path in _CHOICES:
        choices = _CHOICES[path]
        if value not in choices:
            listed = "、".join(f"{key}（{meaning}）" for key, meaning in choices.items())
            check.problem("bad-value", path, node.line, f"应为 {listed} 之一，实际为 {shown(value)}。")
            return _BAD
        return value
    if path in ("rewards.month", "rewards.period"):
        if not isinstance(value, list):
            check.problem("bad-type", path, node.line, f"应为金额的列表，例如 [500, 300, 200]，实际为 {kind_name(value)}。")
            return _BAD
        amounts = []
        for index, entry in enumerate(value):
            amount = parse_number(entry.value, percent_ok=False)
            if amount is None or amount < 0:
                check.problem("bad-value", f"{path}[{index}]", entry.line,
                              f"应为不小于 0 的金额（元），实际为 {shown(entry.value)}。")
                return _BAD
            amounts.append(amount)
        return tuple(amounts)
    if path == "rewards.eligible.complete":
        if not isinstance(value, bool):
            check.problem("bad-type", path, node.line, f"应为 true 或 false，实际为 {shown(value)}。")
            return _BAD
        return value
    if path == "rewards.eligible.min_total":
        if value is None:
            return None
        number = parse_number(value, percent_ok=False)
        if number is None:
            check.problem("bad-type", path, node.line, f"应为分数（如 70），或 null 表示不设下限，实际为 {shown(value)}。")
            return _BAD
        return number
    if path in ("rewards.eligible.min_group", "departments.min_employees"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            check.problem("bad-value", path, node.line, f"应为不小于 1 的整数（人数），实际为 {shown(value)}。")
            return _BAD
        return value
    if path == "period.skip":
        if not isinstance(value, list):
            check.problem("bad-type", path, node.line, f"应为月份的列表，例如 [2026-02]，实际为 {kind_name(value)}。")
            return _BAD
        months = []
        for index, entry in enumerate(value):
            text = str(entry.value).strip()
            if not _MONTH.match(text) or not 1 <= int(text[5:]) <= 12:
                check.problem("bad-value", f"{path}[{index}]", entry.line,
                              f"应为 YYYY-MM 格式的月份，例如 2026-02，实际为 {shown(entry.value)}。")
                return _BAD
            months.append(parse_month(text))
        return tuple(sorted(set(months)))
    if path == "pay":
        return _pay_bands(node, check)
    raise AssertionError(path)  # every key of _KEYS is read above


def _pay_bands(node: Node, check: Checker):
    """The pay bands: mappings {from, advice}, `from` strictly falling, the last without `from`."""
    if not isinstance(node.value, list) or not node.value:
        check.problem("bad-type", "pay", node.line, "应为调薪建议各档的列表（每档 from 和 advice），不能为空。")
        return _BAD
    bands, before = [], None
    count = len(node.value)
    for index, entry in enumerate(node.value):
        path = f"pay[{index}]"
        mapping = check.mapping(entry, path, _BAND_KEYS, required=("advice",))
        if mapping is None:
            return _BAD
        advice = check.text(mapping.get("advice"), f"{path}.advice", required=True)
        if "advice" in mapping and not advice:
            check.problem("bad-value", f"{path}.advice", mapping["advice"][0].line, "调薪建议不能为空。")
        low = None
        if "from" in mapping:
            low_node = mapping["from"][0]
            low = parse_number(low_node.value, percent_ok=False)
            if low is None:
                check.problem("bad-type", f"{path}.from", low_node.line, f"应为分数（如 90），实际为 {shown(low_node.value)}。")
                return _BAD
            if before is not None and low >= before:
                check.problem("band-order", f"{path}.from", low_node.line,
                              f"各档应从高到低排列：{low:g} 不低于上一档的 {before:g}。")
                return _BAD
            before = low
            if index == count - 1:
                check.problem("band-order", path, entry.line,
                              "最后一档不应写 from：它是低于上一档的全部结果（例如 advice: 降薪或培训）。")
                return _BAD
        elif index < count - 1:
            check.problem("missing-key", f"{path}.from", entry.line,
                          "只有最后一档可以不写 from；这一档之后还有其他档，请写出它的下限分数。")
            return _BAD
        bands.append(PayBand(low, advice))
    return tuple(bands)


def _rules_of(settings: dict, sources: tuple) -> Rules:
    value = {path: found[0] for path, found in settings.items()}
    return Rules(ranking=value["ranking"], month_rewards=value["rewards.month"],
                 period_rewards=value["rewards.period"], complete=value["rewards.eligible.complete"],
                 min_total=value["rewards.eligible.min_total"], min_group=value["rewards.eligible.min_group"],
                 months=value["period.months"], skip=value["period.skip"], missing=value["period.missing"],
                 pay=value["pay"], department_min_employees=value["departments.min_employees"], sources=sources)


def _check_text(text: str, file: str) -> tuple[dict, list[Problem]]:
    try:
        root = compose(text, file)
    except SyntaxProblem as error:
        return {}, [error.problem]
    check = Checker(file)
    settings = _settings(root, check)
    return settings, sorted(check.problems, key=lambda problem: problem.line or 0)


@lru_cache(maxsize=1)
def _default_settings() -> tuple[dict, str]:
    path = default_rules_path()
    text, problems = read_definition_text(path)
    settings, more = _check_text(text or "", str(path)) if not problems else ({}, [])
    problems = problems + more
    if problems:  # the packaged file is checked by the tests; this guards a damaged installation
        raise RulesError("\n".join(str(problem) for problem in problems))
    return settings, str(path)


def default_rules() -> Rules:
    """The packaged default rules."""
    settings, source = _default_settings()
    return _rules_of(settings, (source,))


def check_rules_text(text: str, file: str = "<text>") -> tuple[Rules | None, list[Problem]]:
    """Check a rules file given as text and combine it with the defaults (see `check_rules_file`)."""
    settings, problems = _check_text(text, file)
    if problems:
        return None, problems
    defaults, source = _default_settings()
    return _rules_of({**defaults, **settings}, (source, file)), []


def check_rules_file(path) -> tuple[Rules | None, list[Problem]]:
    """Check a clerk's rules file and combine it with the defaults: the keys it gives replace
    the defaults' (a list, such as `pay` or `rewards.month`, is replaced whole).

    Returns:
        (rules, problems): the rules when the file has no problems, else None and every problem.
    """
    text, problems = read_definition_text(path)
    if problems:
        return None, problems
    return check_rules_text(text, str(path))


def load_rules(path=None) -> Rules:
    """The rules in force: the defaults, with those of the file at `path` (if given) replacing them.

    Raises:
        RulesError: the file has problems; the message lists them, one a line.
    """
    if path is None:
        return default_rules()
    rules, problems = check_rules_file(path)
    if problems:
        raise RulesError("\n".join(str(problem) for problem in problems))
    return rules


def default_rules_text() -> str:
    """The packaged default rules file, as text (a clerk's starting point: `xlkpi rules > 规则.yaml`)."""
    return default_rules_path().read_text(encoding="utf-8")


__all__ = ["Rules", "PayBand", "RulesError", "load_rules", "default_rules", "check_rules_file",
           "check_rules_text", "default_rules_text", "default_rules_path", "RANKINGS"]
