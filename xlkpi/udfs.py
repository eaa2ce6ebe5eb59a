"""Excel functions (KPI_*) for xlwings: thin wrappers over the rules in `scoring.py`.

Each function reads its arguments the way Excel hands them over and calls one
scoring primitive; the rule itself lives only in `scoring.py`. Pure standard
library plus xlwings, so the module also runs in xlwings Lite (Pyodide).
Without xlwings the decorators do nothing and the functions are plain Python.

What the functions accept:

* None for a blank cell; floats (classic xlwings) and ints (Lite); numbers typed
  as text (`'85%'`, `' 85 '`, `'８５％'`), read by `cellvalues.to_number`.
* Ranges as 1-D or 2-D lists or tuples, read row by row.
* An optional argument given as None (classic passes None for a blank cell)
  takes its default; so does an optional range whose cells are all blank.

What they return:

* A blank value gives a blank result (None; Excel shows an empty cell). The
  rule's own parameters (thresholds, points_each, max_points) must be filled:
  a problem with them is reported even when the value is blank.
* Bad input gives an error text, never an exception:
  `#VALUE! <argument>: <reason>`, e.g. `#VALUE! value: 文本 'abc' 不是数字`. In
  classic xlwings the text shows in the cell; formulas downstream should test
  ISNUMBER rather than ISERROR.
* KPI_BAND given a range as `value` returns the scores in the range's shape (a
  list of lists for a 2-D range, a list for a 1-D list), so one call scores a
  whole column; a cell that cannot be read holds its own error text. A 1×1
  range gives a single score. `value` is declared `ndim=2` so that Excel hands
  over a column as a column (xlwings' default would flatten it and the result
  would spill as a row).

Band ranges (KPI_BAND thresholds and scores) are read in pairs, position by
position: a pair whose threshold is blank is left out (a range longer than
its bands), a blank score beside a threshold is an error, and both ranges
must have the same number of cells. KPI_GRADE drops blank cells from its
thresholds and its labels.
"""

from __future__ import annotations

from .cellvalues import NotANumber, flatten, is_blank, to_number
from .errors import ScoringError
from .scoring import (
    DEFAULT_GRADE_LABELS,
    DEFAULT_GRADE_THRESHOLDS,
    achievement_score,
    band_score,
    blend,
    deduct_score,
    grade,
    level_points,
    rater_blend,
    weighted_sum,
)

try:
    import xlwings as xw
except ImportError:  # no xlwings: plain functions, same behaviour
    class _Decorators:
        """Stand-ins for xlwings' func/arg/ret that return the function unchanged."""

        @staticmethod
        def func(f=None, **options):
            return f if callable(f) else (lambda g: g)

        @staticmethod
        def arg(name, convert=None, **options):
            return lambda g: g

        @staticmethod
        def ret(convert=None, **options):
            return lambda g: g

    xw = _Decorators()

__all__ = ["KPI_ACHIEVE", "KPI_BAND", "KPI_BLEND", "KPI_DEDUCT", "KPI_GRADE", "KPI_LEVEL",
           "KPI_RATERS", "KPI_WEIGHTED"]

CATEGORY = "xlkpi"
_INF = float("inf")
_HUGE = 1e308  # ints beyond this do not fit a double: to_number reports them


# --------------------------------------------------------------------- reading arguments
class _ArgumentError(ValueError):
    """An argument Excel handed over that cannot be read."""

    def __init__(self, argument: str, reason: str):
        super().__init__(reason)
        self.argument = argument


def error_text(argument: str, reason) -> str:
    """The text a KPI_* function returns for bad input: `#VALUE! <argument>: <reason>`."""
    return f"#VALUE! {argument}: {str(reason).rstrip('。')}"


def _failure(error: Exception, function: str, names: dict) -> str:
    """The error text for an exception raised while reading arguments or scoring.

    `names` maps a ScoringError code to the argument(s) it concerns, "" to the
    argument of any other code. An unexpected exception is named by `function`.
    """
    if isinstance(error, _ArgumentError):
        return error_text(error.argument, error)
    if isinstance(error, ScoringError):
        return error_text(names.get(error.code, names[""]), error)
    return error_text(function, f"{type(error).__name__}: {error}")


def _number(argument: str, value):
    """One cell as a float, None for a blank; floats take a fast path."""
    if type(value) is float and -_INF < value < _INF:  # NaN fails both comparisons
        return value
    if type(value) is int and -_HUGE < value < _HUGE:  # xlwings Lite hands over ints
        return float(value)
    try:
        return to_number(value)
    except NotANumber as error:
        raise _ArgumentError(argument, str(error)) from None


def _required(argument: str, value):
    """A rule parameter that must be filled (a blank is an error, not a blank result)."""
    number = _number(argument, value)
    if number is None:
        raise _ArgumentError(argument, "不能为空")
    return number


def _optional(argument: str, value, default):
    """An optional number: None or a blank cell gives `default`."""
    number = _number(argument, value)
    return default if number is None else number


def _flag(argument: str, value, default: bool) -> bool:
    """A TRUE/FALSE argument: a bool, 1 or 0; None or a blank gives `default`."""
    if value is True or value is False:
        return value
    if value is None or (isinstance(value, str) and is_blank(value)):
        return default
    if type(value) in (int, float) and value in (0, 1):
        return bool(value)
    raise _ArgumentError(argument, f"应为 TRUE 或 FALSE，实际为 {value!r}")


def _cells(argument: str, value) -> list:
    """Every cell of a scalar or range as a number or None, row by row."""
    return [cell if type(cell) is float and -_INF < cell < _INF else _cell(argument, position, cell)
            for position, cell in enumerate(flatten(value), 1)]


def _cell(argument: str, position: int, cell):
    if type(cell) is int and -_HUGE < cell < _HUGE:
        return float(cell)
    try:
        return to_number(cell)
    except NotANumber as error:
        raise _ArgumentError(argument, f"第 {position} 个值：{error}") from None


def _bands(thresholds, scores):
    """Band ranges read in pairs: blank thresholds dropped, lengths checked."""
    limits = _cells("thresholds", thresholds)
    values = _cells("scores", scores)
    if len(limits) != len(values):
        raise _ArgumentError("thresholds, scores",
                             f"阈值有 {len(limits)} 个，分数有 {len(values)} 个，个数应相同")
    if None not in limits and None not in values:
        return limits, values
    kept_limits, kept_values = [], []
    for position, (limit, value) in enumerate(zip(limits, values), 1):
        if limit is None:
            continue
        if value is None:
            raise _ArgumentError("scores", f"第 {position} 个分数为空，而阈值为 {limit:g}")
        kept_limits.append(limit)
        kept_values.append(value)
    if not kept_limits:
        raise _ArgumentError("thresholds", "没有阈值")
    return kept_limits, kept_values


def _labels(value) -> list:
    """Grade labels from a range: text or numbers, blank cells dropped."""
    labels = []
    for position, cell in enumerate(flatten(value), 1):
        if cell is None or (isinstance(cell, str) and is_blank(cell)):
            continue
        if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
            raise _ArgumentError("labels", f"第 {position} 个等级应为文本或数字，实际为 {cell!r}")
        labels.append(cell)
    return labels


def _is_range(value) -> bool:
    return type(value) is list or type(value) is tuple


# --------------------------------------------------------------------- the functions
_BAND_ERRORS = {"band-length": "thresholds, scores", "": "value"}


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, doc="The value to score: a number (blank gives blank), or a range to score "
                             "every cell of it. 要评分的值；可为整列。")
@xw.arg("thresholds", ndim=2, doc="Band thresholds, in any order; blank cells are skipped. 分档阈值。")
@xw.arg("scores", ndim=2, doc="The score of each threshold, same count as thresholds. 各档得分。")
@xw.arg("lower_is_better", doc="TRUE: lower is better, bands tried from the lowest up with <=. "
                               "Default FALSE: from the highest down with >=. 是否越低越好。")
@xw.arg("else_score", doc="Score when no band is reached; default 0. 未达任何档时的得分。")
def KPI_BAND(value, thresholds, scores, lower_is_better=False, else_score=0):
    """Band score: the score of the first threshold reached (>= from the top; <= from the bottom if lower_is_better), else else_score. A range of values gives a range of scores. 分档得分。"""
    try:
        limits, values = _bands(thresholds, scores)
        lower = _flag("lower_is_better", lower_is_better, False)
        otherwise = _optional("else_score", else_score, 0.0)
        if not _is_range(value):
            number = _number("value", value)
            return band_score(number, limits, values, lower_is_better=lower, else_score=otherwise)

        def one(cell):
            try:
                number = _number("value", cell)
                return band_score(number, limits, values, lower_is_better=lower, else_score=otherwise)
            except Exception as error:  # noqa: BLE001 - a cell's error text stays in its cell
                return _failure(error, "KPI_BAND", _BAND_ERRORS)

        if len(value) == 1 and _is_range(value[0]) and len(value[0]) == 1:
            return one(value[0][0])  # a single cell read as a 1×1 range
        return [[one(cell) for cell in row] if _is_range(row) else one(row) for row in value]
    except Exception as error:  # noqa: BLE001 - Excel gets a text, never a traceback
        return _failure(error, "KPI_BAND", _BAND_ERRORS)


@xw.func(category=CATEGORY)
@xw.arg("count", doc="Number of occurrences (blank gives blank). 次数。")
@xw.arg("points_each", doc="Points deducted per occurrence. 每次扣分。")
@xw.arg("max_points", doc="The item's full points. 满分。")
@xw.arg("floor", doc="Lowest possible score; default 0 (扣完为止). 最低分。")
def KPI_DEDUCT(count, points_each, max_points, floor=0):
    """Deduction score: max_points less points_each per occurrence, never below floor. 扣分：满分减每次扣分×次数，扣完为止。"""
    try:
        each = _required("points_each", points_each)
        full = _required("max_points", max_points)
        lowest = _optional("floor", floor, 0.0)
        return deduct_score(_number("count", count), each, full, lowest)
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_DEDUCT", {"": "count"})


@xw.func(category=CATEGORY)
@xw.arg("level", doc="A level from 1 to 5 (a blended level such as 3.4 is allowed; blank gives "
                     "blank). 等级 1–5。")
@xw.arg("points_per_level", doc="Points per level; default 10 (1级10分 … 5级50分). 每级分数。")
def KPI_LEVEL(level, points_per_level=10):
    """Points of a 1–5 level: level × points_per_level. 等级得分：级数×每级分数。"""
    try:
        points = _optional("points_per_level", points_per_level, 10.0)
        return level_points(_number("level", level), points)
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_LEVEL", {"": "level"})


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="Actual value (blank gives blank). 实际值。")
@xw.arg("target", doc="Target value (blank gives blank). 目标值。")
@xw.arg("lower_is_better", doc="TRUE: lower is better, score = target/actual (an actual of 0 "
                               "scores the cap). Default FALSE: actual/target. 是否越低越好。")
@xw.arg("cap", doc="Highest achievement ratio; default 1 (at most 100). 达成率上限。")
def KPI_ACHIEVE(actual, target, lower_is_better=False, cap=1):
    """Achievement score: min(actual/target, cap) × 100, or target/actual when lower is better. 目标达成得分。"""
    try:
        lower = _flag("lower_is_better", lower_is_better, False)
        ceiling = _optional("cap", cap, 1.0)
        return achievement_score(_number("actual", actual), _number("target", target),
                                 lower_is_better=lower, cap=ceiling)
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_ACHIEVE", {"": "actual, target"})


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=2, doc="Each rater's score (自评, 上级, …); blank raters are left out. "
                              "各评分人的得分。")
@xw.arg("weights", ndim=2, doc="Each rater's weight, same count as scores; renormalised over the "
                               "raters who scored. 各评分人的权重。")
def KPI_RATERS(scores, weights):
    """Raters' blend: Σ score×weight ÷ Σ weight over the raters who scored; blank if none has. 评分人加权：只按已评分者的权重折算。"""
    try:
        return rater_blend(_cells("scores", scores), _cells("weights", weights))
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_RATERS", {"band-length": "scores, weights", "": "weights"})


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=2, doc="Item scores; blank if any is blank. 各项得分。")
@xw.arg("weights", ndim=2, doc="Item weights, same count as scores. 各项权重。")
def KPI_WEIGHTED(scores, weights):
    """Weighted sum: Σ score × weight; blank until every score is filled. 加权合计。"""
    try:
        return weighted_sum(_cells("scores", scores), _cells("weights", weights))
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_WEIGHTED", {"band-length": "scores, weights", "": "weights"})


@xw.func(category=CATEGORY)
@xw.arg("performance", doc="Performance score (业绩考核得分).")
@xw.arg("behaviour", doc="Behaviour score (行为考核得分).")
@xw.arg("performance_weight", doc="Share of performance, 0 to 1; default 0.8 (80%). 业绩权重。")
def KPI_BLEND(performance, behaviour, performance_weight=0.8):
    """performance × w + behaviour × (1 − w), w default 80%; blank if either is blank. 总分=业绩×80%+行为×20%。"""
    try:
        weight = _optional("performance_weight", performance_weight, 0.8)
        return blend(_number("performance", performance), _number("behaviour", behaviour), weight)
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_BLEND", {"": "performance_weight"})


@xw.func(category=CATEGORY)
@xw.arg("total", doc="The total score (blank gives blank). 总分。")
@xw.arg("thresholds", ndim=2, doc="Grade thresholds, highest first; default 90, 80, 70. 等级阈值。")
@xw.arg("labels", ndim=2, doc="Grade labels, one more than thresholds; default A, B, C, D. 等级名称。")
def KPI_GRADE(total, thresholds=None, labels=None):
    """Grade of a total: the label of the first threshold reached from the top, else the last label. 考核等级。"""
    try:
        limits = [limit for limit in _cells("thresholds", thresholds) if limit is not None]
        names = _labels(labels)
        return grade(_number("total", total), limits or list(DEFAULT_GRADE_THRESHOLDS),
                     names or list(DEFAULT_GRADE_LABELS))
    except Exception as error:  # noqa: BLE001
        return _failure(error, "KPI_GRADE", {"band-length": "thresholds, labels", "": "total"})
