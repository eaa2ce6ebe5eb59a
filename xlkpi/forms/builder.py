"""Building a form from its definition: the definition's nodes → `model.Form`, checked as it is built.

Holds what a definition may say (the key tables), how each part is built (header, columns,
raters, sections, items, every rule, total, outcomes) and the checks that need the whole
(weights and points that must add up, bands in order, ids unique, an input column for every
item). `build_form` returns None when it found any problem; the problems are in the `Checker`.

It reads no file and parses no YAML (`form_source` does); it knows no folder of forms (`forms`).
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal

from .model import (
    HEADER_FIELDS,
    HEADER_LABELS,
    RESERVED_ROLES,
    UNBOUNDED,
    AchieveRule,
    Band,
    BandRule,
    BonusRule,
    ChoiceRule,
    Column,
    Count,
    DeductRule,
    Form,
    HeaderField,
    Item,
    LevelsRule,
    Outcome,
    RangeRule,
    Rater,
    RatingRule,
    Section,
    StepsRule,
    Total,
)
from .source import ID_PATTERN, Checker, Node, join_path

RULE_KEYS = ("band", "choice", "levels", "range", "rating", "deduct", "bonus", "achieve", "steps")
COLUMN_SHOWS = ("seq", "name", "points", "weight", "text", "levels", "score", "weighted", "note", "prompt", "rate")
RATER_IDS = ("self", "sup", "peer")

FORM_KEYS = {"id", "name", "version", "title", "position", "source", "landscape", "decimals",
             "header", "columns", "raters", "sections", "total", "outcomes", "signatures", "notes"}
FORM_REQUIRED = ("id", "name", "version", "title", "sections", "total")
SECTION_KEYS = {"id", "name", "points", "total", "raters", "items"}
ITEM_KEYS = {"id", "name", "points", "weight", "text", "note", "raters", "input", *RULE_KEYS}
INPUT_KEYS = {"min", "max", "integer", "percent", "unit", "prompt", "ratio"}
RULE_FIELDS = {
    "band": ({"direction", "thresholds", "scores", "else"}, ("thresholds", "scores")),
    "range": ({"min", "max"}, ("min", "max")),
    "rating": ({"points_per_level", "levels"}, ("levels",)),
    "deduct": ({"points", "each", "floor", "counts"}, ("points",)),
    "bonus": ({"each", "cap", "counts"}, ()),
    "achieve": ({"direction", "target", "cap", "format", "unit"}, ("direction", "target")),
    "steps": ({"points", "target", "direction", "step", "deduct", "add", "partial", "floor", "cap"},
              ("points", "target", "direction")),
}
RATIO_RULES = ("band", "steps")
RATIO_KEYS = {"num", "den"}
COUNT_KEYS = {"id", "label", "each", "unit", "integer"}
OUTCOME_KEYS = {"id", "label", "thresholds", "values", "else", "money", "base"}
HEADER_KEYS = {"field", "label", "text"}
COLUMN_KEYS = {"label", "show", "input", "width", "group"}
RATER_KEYS = {"label", "weight"}


def _pct(value):
    return f"{(Decimal(repr(value)) * 100).normalize():f}%"


def _num(value):
    return str(int(value)) if float(value).is_integer() else repr(value)


# ----------------------------------------------------------------- building
def build_form(root: Node, check: Checker) -> Form | None:
    """The form of a composed definition, or None when `check` collected any problem building it."""
    top = check.mapping(root, "", FORM_KEYS, FORM_REQUIRED, line=1)
    if top is None:
        return None
    seen_ids: dict = {}
    form_id = check.ident(top["id"], "id", {}) if "id" in top else ""
    name = check.text(top.get("name"), "name", required=True)
    version = top.get("version")
    version_value = 1
    if version is not None:
        if isinstance(version[0].value, int) and not isinstance(version[0].value, bool) and version[0].value >= 1:
            version_value = version[0].value
        else:
            check.problem("bad-type", "version", version[0].line, f"版本应为正整数，实际为 {version[0].value!r}。")
    decimals = int(check.number(top.get("decimals"), "decimals", default=2, percent_ok=False))
    raters = _build_raters(top.get("raters"), check)
    rater_ids = {rater.id for rater in raters}
    sections = []
    if "sections" in top:
        entries = check.sequence(top["sections"][0], "sections", empty_code="missing-key", what="分组列表") or []
        for index, node in enumerate(entries):
            section = _build_section(node, f"sections[{index}]", check, seen_ids, rater_ids, raters)
            if section is not None:
                sections.append(section)
    total = _build_total(top.get("total"), check, {s.id: s for s in sections})
    outcomes = _build_outcomes(top.get("outcomes"), check, seen_ids)
    header = _build_header(top.get("header"), check)
    columns = _build_columns(top.get("columns"), check, rater_ids)
    signatures = _text_list(top.get("signatures"), "signatures", check)
    notes = _text_list(top.get("notes"), "notes", check)
    if check.problems:
        return None
    return Form(
        id=form_id, name=name, version=version_value, title=check.text(top.get("title"), "title"),
        position=check.text(top.get("position"), "position") or name, sections=tuple(sections),
        total=total, outcomes=tuple(outcomes), raters=tuple(raters), header=tuple(header),
        columns=tuple(columns), signatures=tuple(signatures), notes=tuple(notes),
        source=check.text(top.get("source"), "source"),
        landscape=check.boolean(top.get("landscape"), "landscape"), decimals=decimals, path=check.file,
    )


def _build_raters(entry, check):
    if entry is None:
        return []
    mapping = check.mapping(entry[0], "raters", set(RATER_IDS))
    if mapping is None:
        return []
    raters = []
    for rater_id, (node, _) in mapping.items():
        if rater_id not in RATER_IDS:
            continue
        path = f"raters.{rater_id}"
        fields = check.mapping(node, path, RATER_KEYS, ("weight",))
        if fields is None:
            continue
        weight = check.number(fields.get("weight"), f"{path}.weight", default=0.0)
        label = check.text(fields.get("label"), f"{path}.label") or {"self": "自评", "sup": "上级", "peer": "小组"}[rater_id]
        raters.append(Rater(rater_id, label, weight))
    _check_weight_sum(check, "raters", entry[1], "评分人", [r.weight for r in raters])
    return raters


def _check_weight_sum(check, path, line, what, weights, expected=1.0):
    """Weights that must sum to 100% (or to `expected`: a weighted section worth 75 points, 75%)."""
    total = sum(Decimal(repr(w)) for w in weights)
    wanted = Decimal(repr(expected))
    if weights and total != wanted:
        parts = " + ".join(_pct(w) for w in weights)
        worth = "" if expected == 1.0 else f"（分组 {_num(expected * 100)} 分，各项按 100 分计）"
        check.problem("weight-sum", path, line,
                      f"{what}的权重合计为 {_pct(float(total))}，应为 {_pct(expected)}{worth}（{parts}）。")


def _build_section(node, path, check, seen_ids, rater_ids, raters):
    fields = check.mapping(node, _id_path(path, node), SECTION_KEYS, ("id", "name", "items"))
    if fields is None or "id" not in fields:
        return None
    section_id = check.ident(fields["id"], f"{path}.id", seen_ids)
    path = f"sections.{section_id}"
    total_kind = check.text(fields.get("total"), f"{path}.total") or "sum"
    if total_kind not in ("sum", "weighted"):
        check.problem("bad-value", f"{path}.total", fields["total"][0].line,
                      f"分组合计方式应为 sum 或 weighted，实际为 \"{total_kind}\"。")
    section_raters = _rater_list(fields.get("raters"), f"{path}.raters", check, rater_ids)
    items = []
    item_nodes = check.sequence(fields["items"][0], f"{path}.items", empty_code="missing-key", what="考核项目列表") \
        if "items" in fields else []
    before = len(check.problems)
    for index, item_node in enumerate(item_nodes or []):
        item = _build_item(item_node, f"{path}.items[{index}]", check, seen_ids, rater_ids, section_raters)
        if item is not None:
            items.append(item)
    # an item that could not be read, or whose weight or points could not, leaves the sums unknown
    unread = len(items) < len(item_nodes or []) or any(
        p.code == "bad-type" and p.path.endswith((".weight", ".points")) for p in check.problems[before:])
    items_line = fields["items"][1] if "items" in fields else node.line
    points = check.number(fields.get("points"), f"{path}.points")
    name = check.text(fields.get("name"), f"{path}.name", required=True)
    weights = [item.weight for item in items if item.weight is not None]
    if weights and not unread:
        if len(weights) != len(items):
            check.problem("missing-key", f"{path}.items", items_line,
                          f"{name}中有的项目写了权重，有的没写：应全部写明。")
        elif total_kind == "weighted" and points is not None:
            _check_weight_sum(check, f"{path}.items", items_line, name, weights, points / 100)
        else:
            _check_weight_sum(check, f"{path}.items", items_line, name, weights)
    elif total_kind == "weighted" and not unread:
        check.problem("missing-key", f"{path}.items", items_line,
                      f"{name}按权重合计（weighted），但项目没有写权重。")
    item_points = [item.points for item in items if item.points is not None]
    if not unread and points is not None and item_points and len(item_points) == len(items):
        total = sum(Decimal(repr(p)) for p in item_points)
        if total != Decimal(repr(points)):
            parts = " + ".join(_num(p) for p in item_points)
            check.problem("points-sum", f"{path}.points", fields["points"][0].line,
                          f"{name}的项目分值合计为 {_num(float(total))} 分，应为 {_num(points)} 分（{parts}）。")
    return Section(section_id, name, tuple(items), total_kind, points)


def _rater_list(entry, path, check, rater_ids, default=()):
    if entry is None:
        return tuple(default)
    values = check.sequence(entry[0], path, empty_code="empty-levels", what="评分人列表") or []
    result = []
    for node in values:
        if node.value not in rater_ids:
            known = "、".join(sorted(rater_ids)) or "（表单未定义 raters）"
            check.problem("unknown-ref", path, node.line, f"评分人 \"{node.value}\" 未在 raters 中定义（已定义：{known}）。")
        else:
            result.append(node.value)
    return tuple(result)


def _build_item(node, path, check, seen_ids, rater_ids, section_raters):
    fields = check.mapping(node, _id_path(path, node), ITEM_KEYS, ("id", "name"))
    if fields is None or "id" not in fields:
        return None
    item_id = check.ident(fields["id"], f"{path}.id", seen_ids)
    path = _item_path(path, item_id)
    rule_keys = [key for key in RULE_KEYS if key in fields]
    if len(rule_keys) != 1:
        found = "、".join(rule_keys) or "无"
        check.problem("rule-count", path, node.line,
                      f"每个项目应有且只有一种评分规则（{'、'.join(RULE_KEYS)}），实际为：{found}。")
        return None
    rule_key = rule_keys[0]
    rule = _build_rule(rule_key, fields[rule_key], f"{path}.{rule_key}", check)
    raters = _rater_list(fields.get("raters"), f"{path}.raters", check, rater_ids, section_raters)
    if raters and rule_key not in ("levels", "range", "rating", "choice"):
        check.problem("bad-value", f"{path}.raters", node.line,
                      f"评分人只能用于 levels、range、rating、choice 规则，不能用于 {rule_key}。")
    input_fields = {}
    if "input" in fields:
        input_fields = check.mapping(fields["input"][0], f"{path}.input", INPUT_KEYS) or {}
    ratio = _build_ratio(input_fields.get("ratio"), f"{path}.input.ratio", check, rule_key)
    low = check.number(input_fields.get("min"), f"{path}.input.min")
    high_entry = input_fields.get("max")
    if high_entry is not None and high_entry[0].value in ("none", None):
        high = UNBOUNDED  # `max: none`: no upper bound, not even the plausible one
    else:
        high = check.number(high_entry, f"{path}.input.max")
    if low is not None and high is not None and high != UNBOUNDED and low > high:
        check.problem("bad-value", f"{path}.input.max", input_fields["max"][0].line,
                      f"输入上限 {_num(high)} 小于下限 {_num(low)}。")
    if rule is None:
        return None
    return Item(
        id=item_id, name=check.text(fields.get("name"), f"{path}.name", required=True), rule=rule,
        points=check.number(fields.get("points"), f"{path}.points"),
        weight=check.number(fields.get("weight"), f"{path}.weight"),
        text=check.text(fields.get("text"), f"{path}.text"), note=check.text(fields.get("note"), f"{path}.note"),
        raters=raters, input_low=low, input_high=high,
        integer=check.boolean(input_fields.get("integer"), f"{path}.input.integer"),
        percent=check.boolean(input_fields.get("percent"), f"{path}.input.percent"),
        unit=check.text(input_fields.get("unit"), f"{path}.input.unit"),
        prompt=check.text(input_fields.get("prompt"), f"{path}.input.prompt"),
        ratio=ratio,
    )


def _build_ratio(entry, path, check, rule_key):
    """`input.ratio: {num: 最终付款人数, den: 询单人数}` → (num label, den label), or ()."""
    if entry is None:
        return ()
    fields = check.mapping(entry[0], path, RATIO_KEYS, ("num", "den"))
    if fields is None:
        return ()
    if rule_key not in RATIO_RULES:
        check.problem("bad-value", path, entry[1],
                      f"比率（ratio）只能用于 {'、'.join(RATIO_RULES)} 规则，不能用于 {rule_key}。")
        return ()
    labels = tuple(check.text(fields.get(key), f"{path}.{key}", required=True) for key in ("num", "den"))
    for key, label in zip(("num", "den"), labels):
        if key in fields and not label:
            check.problem("missing-key", f"{path}.{key}", fields[key][1], f"比率的{'分子' if key == 'num' else '分母'}应写明名称。")
    return labels if all(labels) else ()


def _id_path(path, node):
    """`sections[0]` as `sections.work` when the entry has a valid id, for the problems found inside it."""
    entry = node.value.get("id") if isinstance(node.value, dict) else None
    if entry is not None and isinstance(entry[0].value, str) and ID_PATTERN.match(entry[0].value):
        return re.sub(r"\[\d+\]$", f".{entry[0].value}", path)
    return path


def _item_path(path, item_id):
    return re.sub(r"items\[\d+\]$", f"items.{item_id}", path)


def _build_rule(key, entry, path, check):
    node = entry[0]
    if key == "choice":
        return _build_choice(node, path, check)
    if key == "levels":
        return _build_levels(node, path, check)
    allowed, required = RULE_FIELDS[key]
    fields = check.mapping(node, path, allowed, required)
    if fields is None:
        return None
    if key == "band":
        band = _build_band(fields, path, check, "scores", numeric_values=True)
        return BandRule(band) if band else None
    if key == "range":
        low = check.number(fields.get("min"), f"{path}.min", default=0.0)
        high = check.number(fields.get("max"), f"{path}.max", default=0.0)
        if low >= high:
            check.problem("bad-value", f"{path}.max", node.line, f"分数上限 {_num(high)} 应大于下限 {_num(low)}。")
        return RangeRule(low, high)
    if key == "rating":
        texts = []
        if "levels" in fields:
            levels = check.sequence(fields["levels"][0], f"{path}.levels", empty_code="empty-levels", what="等级说明") or []
            texts = [check.text((level, level.line), f"{path}.levels[{i}]") for i, level in enumerate(levels)]
        points = check.number(fields.get("points_per_level"), f"{path}.points_per_level", default=10.0)
        return RatingRule(points, tuple(texts)) if texts else None
    if key in ("deduct", "bonus"):
        counts = _build_counts(fields, path, check, node.line)
        if counts is None:
            return None
        each = check.number(fields.get("each"), f"{path}.each", default=0.0)
        if key == "deduct":
            return DeductRule(check.number(fields.get("points"), f"{path}.points", default=0.0), each,
                              _limit(fields.get("floor"), f"{path}.floor", check, default=0.0), counts)
        return BonusRule(each, check.number(fields.get("cap"), f"{path}.cap"), counts)
    if key == "steps":
        return _build_steps(fields, path, check, node.line)
    # achieve
    direction = _direction(fields.get("direction"), f"{path}.direction", check)
    target_entry = fields.get("target")
    percent_written = bool(target_entry) and isinstance(target_entry[0].value, str) and \
        target_entry[0].value.strip().endswith("%")
    fmt = check.text(fields.get("format"), f"{path}.format") or ("percent" if percent_written else "number")
    if fmt not in ("percent", "number"):
        check.problem("bad-value", f"{path}.format", fields["format"][0].line,
                      f"格式应为 percent 或 number，实际为 \"{fmt}\"。")
    target = check.number(target_entry, f"{path}.target", default=1.0)
    if target is not None and target <= 0:
        check.problem("bad-value", f"{path}.target", target_entry[0].line, f"目标值应大于 0，实际为 {_num(target)}。")
    cap = check.number(fields.get("cap"), f"{path}.cap", default=1.0)
    return AchieveRule(direction, target, cap, fmt == "percent", check.text(fields.get("unit"), f"{path}.unit"))


def _build_counts(fields, path, check, line):
    """The `counts` of a deduct or bonus item: () for a single count given by `each`;
    None when neither or both of `each` and `counts` are given, or a count is unreadable."""
    if ("each" in fields) == ("counts" in fields):
        if "each" in fields:
            check.problem("rule-count", path, line, "应写 each（一种次数）或 counts（多种次数）之一，不能同时写。")
        else:
            check.problem("missing-key", join_path(path, "each"), line, "缺少必填的键 \"each\"（或用 counts 列出多种次数）。")
        return None
    if "each" in fields:
        return ()
    entries = check.sequence(fields["counts"][0], f"{path}.counts", empty_code="empty-levels", what="次数列表")
    if not entries:
        return None
    counts = []
    seen: dict = {}
    before = len(check.problems)
    for i, node in enumerate(entries):
        where = f"{path}.counts[{i}]"
        count = check.mapping(node, where, COUNT_KEYS, ("id", "label", "each"))
        if count is None or not {"id", "label", "each"} <= set(count):
            continue
        count_id = check.ident(count["id"], f"{where}.id", seen)
        if count_id in RESERVED_ROLES:
            check.problem("bad-value", f"{where}.id", count["id"][0].line,
                          f"次数的 id 不能用保留的输入角色名 \"{count_id}\"（{'、'.join(RESERVED_ROLES)}）。")
        each = check.number(count["each"], f"{where}.each", default=0.0)
        if each is not None and each <= 0:
            check.problem("bad-value", f"{where}.each", count["each"][0].line, f"每次分值应大于 0，实际为 {_num(each)}。")
        counts.append(Count(count_id, check.text(count["label"], f"{where}.label", required=True), each,
                            check.text(count.get("unit"), f"{where}.unit"),
                            check.boolean(count.get("integer"), f"{where}.integer", default=True)))
    if len(check.problems) > before or len(counts) < len(entries):
        return None
    return tuple(counts)


def _limit(entry, path, check, default):
    """A floor or cap: a number, or `none` (no limit: None); `default` when absent."""
    if entry is None:
        return default
    node, _ = entry
    if node.value is None or (isinstance(node.value, str) and node.value.strip().lower() == "none"):
        return None
    return check.number(entry, path, default=default)


def _build_steps(fields, path, check, line):
    """A `steps` rule, after checking that steps are positive, points per step not negative,
    at least one of deduct and add given, and the floor below the cap."""
    lower = _direction(fields.get("direction"), f"{path}.direction", check)
    points = check.number(fields.get("points"), f"{path}.points", default=0.0)
    target = check.number(fields.get("target"), f"{path}.target", default=0.0)
    step = check.number(fields.get("step"), f"{path}.step", default=1.0)
    deduct = check.number(fields.get("deduct"), f"{path}.deduct", default=0.0)
    add = check.number(fields.get("add"), f"{path}.add", default=0.0)
    floor = _limit(fields.get("floor"), f"{path}.floor", check, default=0.0)
    cap = _limit(fields.get("cap"), f"{path}.cap", check, default=None)
    if step is not None and step <= 0:
        check.problem("bad-value", f"{path}.step", fields["step"][0].line, f"步长应大于 0，实际为 {_num(step)}。")
    for key, value in (("deduct", deduct), ("add", add)):
        if value is not None and value < 0:
            check.problem("bad-value", f"{path}.{key}", fields[key][0].line, f"每步分值不能为负数，实际为 {_num(value)}。")
    if deduct == 0 and add == 0:
        check.problem("missing-key", join_path(path, "deduct"), line,
                      "应写 deduct（每差一步扣的分）或 add（每超一步加的分），或两者都写。")
    if floor is not None and cap is not None and floor >= cap:
        check.problem("bad-value", f"{path}.cap", fields["cap"][0].line, f"上限 {_num(cap)} 应大于下限 {_num(floor)}。")
    partial = check.boolean(fields.get("partial"), f"{path}.partial")
    if lower is None or None in (points, target, step, deduct, add):
        return None
    return StepsRule(points, target, lower, step, deduct, add, partial, floor, cap)


def _direction(entry, path, check):
    value = check.text(entry, path) or "higher"
    if value not in ("higher", "lower"):
        check.problem("bad-value", path, entry[0].line, f"方向应为 higher（越高越好）或 lower（越低越好），实际为 \"{value}\"。")
        return None
    return value == "lower"


def _build_band(fields, path, check, values_key, *, numeric_values):
    lower = _direction(fields.get("direction"), f"{path}.direction", check)
    thresholds_node = fields.get("thresholds")
    values_node = fields.get(values_key)
    if thresholds_node is None or values_node is None:
        return None
    thresholds_list = check.sequence(thresholds_node[0], f"{path}.thresholds", empty_code="empty-levels", what="阈值列表")
    values_list = check.sequence(values_node[0], f"{path}.{values_key}", empty_code="empty-levels", what="分数列表")
    if thresholds_list is None or values_list is None:
        return None
    thresholds = [check.number((n, n.line), f"{path}.thresholds[{i}]") for i, n in enumerate(thresholds_list)]
    if numeric_values:
        values = [check.number((n, n.line), f"{path}.{values_key}[{i}]") for i, n in enumerate(values_list)]
        else_value = check.number(fields.get("else"), f"{path}.else", default=0.0)
    else:
        values = [_scalar(n) for n in values_list]
        else_value = _scalar(fields["else"][0]) if "else" in fields else ""
    if len(thresholds) != len(values):
        check.problem("band-length", f"{path}.{values_key}", values_node[0].line,
                      f"阈值有 {len(thresholds)} 个，{'分数' if numeric_values else '结果'}有 {len(values)} 个，个数应相同。")
        return None
    if any(t is None for t in thresholds) or any(v is None for v in values):
        return None
    word = "从低到高（越低越好）" if lower else "从高到低（越高越好）"
    for i in range(1, len(thresholds) if lower is not None else 0):  # no order to judge without a direction
        ordered = thresholds[i] > thresholds[i - 1] if lower else thresholds[i] < thresholds[i - 1]
        if not ordered:
            check.problem("band-order", f"{path}.thresholds[{i}]", thresholds_list[i].line,
                          f"阈值应{word}严格排列：{_num(thresholds[i - 1])} 之后不能是 {_num(thresholds[i])}。")
            return None
    if numeric_values:
        sequence = values + [else_value]
        for i in range(1, len(sequence)):
            if sequence[i] > sequence[i - 1]:
                where = f"{path}.else" if i == len(values) else f"{path}.{values_key}[{i}]"
                line = fields["else"][0].line if i == len(values) and "else" in fields else values_list[min(i, len(values) - 1)].line
                check.problem("band-order", where, line,
                              f"分数应随档次递减：{_num(sequence[i - 1])} 之后不能是更高的 {_num(sequence[i])}。")
                return None
    return Band(tuple(thresholds), tuple(values), lower, else_value)


def _scalar(node):
    value = node.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return "" if value is None else str(value)


def _build_choice(node, path, check):
    entries = check.sequence(node, path, empty_code="empty-levels", what="选项列表") or []
    options = []
    for i, entry in enumerate(entries):
        fields = check.mapping(entry, f"{path}[{i}]", {"label", "score"}, ("label", "score"))
        if fields is None or "label" not in fields or "score" not in fields:
            continue
        options.append((check.text(fields["label"], f"{path}[{i}].label"),
                        check.number(fields["score"], f"{path}[{i}].score", default=0.0)))
    labels = [label for label, _ in options]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            check.problem("duplicate-id", f"{path}[{i}].label", entries[i].line, f"选项 \"{label}\" 重复。")
    return ChoiceRule(tuple(options)) if options else None


def _build_levels(node, path, check):
    entries = check.sequence(node, path, empty_code="empty-levels", what="等级列表") or []
    levels = []
    for i, entry in enumerate(entries):
        fields = check.mapping(entry, f"{path}[{i}]", {"score", "text"}, ("score",))
        if fields is None or "score" not in fields:
            continue
        levels.append((check.number(fields["score"], f"{path}[{i}].score", default=0.0),
                       check.text(fields.get("text"), f"{path}[{i}].text")))
    scores = [score for score, _ in levels]
    for i in range(1, len(scores)):
        if scores[i] >= scores[i - 1]:
            check.problem("band-order", f"{path}[{i}].score", entries[i].line,
                          f"等级分数应从高到低严格排列：{_num(scores[i - 1])} 之后不能是 {_num(scores[i])}。")
            return None
    return LevelsRule(tuple(levels)) if levels else None


def _build_total(entry, check, sections):
    if entry is None:
        return Total("sum", tuple((s, 1.0) for s in sections))
    fields = check.mapping(entry[0], "total", {"sum", "blend"})
    if fields is None:
        return Total("sum", ())
    if len(fields) != 1:
        check.problem("rule-count", "total", entry[0].line, "总分应写 sum（分组相加）或 blend（分组加权）之一。")
        return Total("sum", ())
    kind, (node, _) = next(iter(fields.items()))
    parts = []
    if kind == "sum":
        for child in check.sequence(node, "total.sum", empty_code="missing-key", what="分组列表") or []:
            parts.append((child.value, 1.0, child.line))
    else:
        mapping = check.mapping(node, "total.blend", set(sections) | {str(k) for k in (node.value or {})}) or {}
        for section_id, (child, key_line) in mapping.items():
            parts.append((section_id, check.number((child, key_line), f"total.blend.{section_id}", default=0.0), key_line))
        _check_weight_sum(check, "total.blend", node.line, "总分", [weight for _, weight, _ in parts])
    for section_id, _, line in parts:
        if section_id not in sections:
            known = "、".join(sections)
            check.problem("unknown-ref", f"total.{kind}", line, f"分组 \"{section_id}\" 不存在（已定义：{known}）。")
    return Total(kind, tuple((section_id, weight) for section_id, weight, _ in parts))


def _build_outcomes(entry, check, seen_ids):
    if entry is None:
        return []
    outcomes = []
    for i, node in enumerate(check.sequence(entry[0], "outcomes") or []):
        path = f"outcomes[{i}]"
        fields = check.mapping(node, _id_path(path, node), OUTCOME_KEYS, ("id", "label"))
        if fields is None or "id" not in fields:
            continue
        outcome_id = check.ident(fields["id"], f"{path}.id", seen_ids)
        path = f"outcomes.{outcome_id}"
        banded = [key for key in ("thresholds", "values", "else") if key in fields]
        if "base" in fields:
            if banded:
                check.problem("rule-count", path, node.line,
                              "结果应写 thresholds 和 values（按总分分档）或 base（按总分比例）之一，不能同时写。")
                continue
            base = check.number(fields["base"], f"{path}.base")
            if base is not None and base <= 0:
                check.problem("bad-value", f"{path}.base", fields["base"][0].line, f"基数应大于 0，实际为 {_num(base)}。")
            if base is not None:
                outcomes.append(Outcome(outcome_id, check.text(fields.get("label"), f"{path}.label"), None,
                                        check.boolean(fields.get("money"), f"{path}.money"), base))
            continue
        for key in ("thresholds", "values"):
            if key not in fields:
                check.problem("missing-key", join_path(path, key), node.line,
                              f"缺少必填的键 \"{key}\"（或用 base 按总分比例计算）。")
        numeric = all(isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
                      for n in (fields["values"][0].value if "values" in fields and
                                isinstance(fields["values"][0].value, list) else []))
        band = _build_band(fields, path, check, "values", numeric_values=numeric)
        if band is not None:
            outcomes.append(Outcome(outcome_id, check.text(fields.get("label"), f"{path}.label"), band,
                                    check.boolean(fields.get("money"), f"{path}.money")))
    return outcomes


def _build_header(entry, check):
    if entry is None:
        return [HeaderField(HEADER_LABELS[f], field=f) for f in HEADER_FIELDS]
    header = []
    for i, node in enumerate(check.sequence(entry[0], "header") or []):
        path = f"header[{i}]"
        fields = check.mapping(node, path, HEADER_KEYS)
        if fields is None:
            continue
        field = check.text(fields.get("field"), f"{path}.field")
        if field and field not in HEADER_FIELDS:
            close = difflib.get_close_matches(field, HEADER_FIELDS, n=1)
            hint = f"，是否应为 \"{close[0]}\"？" if close else "。"
            check.problem("unknown-ref", f"{path}.field", fields["field"][0].line, f"未知的表头字段 \"{field}\"{hint}")
            continue
        label = check.text(fields.get("label"), f"{path}.label") or HEADER_LABELS.get(field, "")
        header.append(HeaderField(label, field=field, text=check.text(fields.get("text"), f"{path}.text")))
    present = {h.field for h in header}
    for field in HEADER_FIELDS:
        if field not in present:
            check.problem("missing-key", "header", entry[0].line, f"表头缺少字段 \"{field}\"（{HEADER_LABELS[field]}）。")
    return header


def _build_columns(entry, check, rater_ids):
    if entry is None:
        check.problem("missing-key", "columns", 1, "缺少必填的键 \"columns\"。")
        return []
    columns = []
    for i, node in enumerate(check.sequence(entry[0], "columns", empty_code="missing-key", what="列") or []):
        path = f"columns[{i}]"
        fields = check.mapping(node, path, COLUMN_KEYS, ("label",))
        if fields is None:
            continue
        show = check.text(fields.get("show"), f"{path}.show")
        role = check.text(fields.get("input"), f"{path}.input")
        if bool(show) == bool(role):
            check.problem("rule-count", path, node.line, "每列应写 show（显示内容）或 input（输入角色）之一。")
        if show and show not in COLUMN_SHOWS:
            close = difflib.get_close_matches(show, COLUMN_SHOWS, n=1)
            hint = f"，是否应为 \"{close[0]}\"？" if close else f"（可用：{'、'.join(COLUMN_SHOWS)}）。"
            check.problem("unknown-ref", f"{path}.show", fields["show"][0].line, f"未知的列内容 \"{show}\"{hint}")
        if role and role not in {"value", "actual", "target", *rater_ids}:
            check.problem("unknown-ref", f"{path}.input", fields["input"][0].line, f"未知的输入角色 \"{role}\"。")
        width = check.number(fields.get("width"), f"{path}.width", percent_ok=False)
        columns.append(Column(check.text(fields.get("label"), f"{path}.label"), show, role, width,
                              check.text(fields.get("group"), f"{path}.group")))
    return columns


def _text_list(entry, path, check):
    if entry is None:
        return []
    return [check.text((node, node.line), f"{path}[{i}]") for i, node in enumerate(check.sequence(entry[0], path) or [])]


# ----------------------------------------------------------------- cross-checks
def check_columns_cover_inputs(form: Form, check: Checker, line: int = 1):
    """Collect a problem when an item's input, or its ratio's rate, has no column to be shown in."""
    roles = {column.input for column in form.columns if column.input}
    shows = {column.show for column in form.columns if column.show}
    for item in form.items():
        for role in item.roles:
            wanted = "value" if item.stacked or not role else role
            if wanted not in roles:
                check.problem("unknown-ref", "columns", line,
                              f"项目 {item.id} 的输入（{wanted}）没有对应的列：请在 columns 中加入 input: {wanted}。")
                return
        if item.ratio and "rate" not in shows:
            check.problem("unknown-ref", "columns", line,
                          f"项目 {item.id} 按比率（ratio）计分，比率没有对应的列：请在 columns 中加入 show: rate。")
            return
