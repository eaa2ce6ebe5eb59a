"""Excel functions (KPI_*) for xlwings: thin wrappers over the rules in `scoring.py`.

Each function reads its arguments the way Excel hands them over and calls one
scoring primitive; the rule itself lives only in `scoring.py`. Pure standard
library plus xlwings, so the module also runs in xlwings Lite (Pyodide): `xlkpi
excel lite` prints it, with the engine code it uses, as one `main.py`
(`xlkpi/excel/lite.py`). Without xlwings the decorators do nothing and the
functions are plain Python.

What the functions accept:

* None for a blank cell; floats (classic xlwings) and ints (Lite); numbers typed
  as text (`'85%'`, `' 85 '`, `'８５％'`), read by `cellvalues.to_number`.
* Ranges as 1-D or 2-D lists or tuples, read row by row.
* An error in an input: every argument is declared `err_to_str=True`, so both
  runtimes hand an error cell over as its text (`'#N/A'`; classic xlwings would
  otherwise give None, the same as a blank cell). A text that starts with an
  error code and a space (`'#NUM! count: …'`, a KPI_* result in classic
  xlwings) is an error too. Classic xlwings hands over error codes it does not
  know (#SPILL!, #CALC!…) as COM integers; those are recognised as well.
* An optional argument given as None (classic passes None for a blank cell)
  takes its default; so does an optional range whose cells are all blank.

What they return:

* A blank value gives a blank result (None; both runtimes show it as an empty
  text ""). The rule's own parameters (thresholds, points_each, max_points) must
  be filled: a problem with them is reported even when the value is blank.
* A fault never escapes as a Python exception the runtime would show as a
  traceback. Each fault has an Excel error code, the argument it concerns and
  a reason in Chinese (`KpiError`):

  - an input that is itself an error gives that error (#N/A stays #N/A; an
    error other than Excel's seven classic ones gives #VALUE!);
  - an argument of the wrong kind gives #VALUE!: text that is not a number,
    TRUE/FALSE, a percentage typed as text (`'85%'`) compared with numbers
    that are not percentages (thresholds 60–90) or the reverse, ranges of
    different lengths, a blank rule parameter, a count typed as a percentage;
  - a number the rule refuses gives #NUM!: a negative count, a level outside
    1–5, a weight outside 0–1, a number that is not finite;
  - raters whose weights add up to 0 give #DIV/0!.

* How the fault reaches the cell depends on the runtime (read in xlwings
  0.37.8's source and xlwings Server's Wasm runtime, on which Lite is built):

  - classic xlwings (Windows, COM): a raised exception shows as text in the
    cell (the VBA wrapper assigns `Err.Description`, the whole traceback), not
    as an error; a returned error text stays text, `'#N/A'` too (xlwings issue
    #776): ISERROR is FALSE, ISTEXT TRUE.
  - xlwings Lite (Office.js): a raised exception becomes a real #VALUE!, its
    text shown on the cell's error flag; a returned text exactly equal to
    `'#DIV/0!'`, `'#N/A'`, `'#NAME?'`, `'#NULL!'`, `'#NUM!'`, `'#REF!'` or
    `'#VALUE!'` becomes that real error; any other text stays text.

  So the functions return, in classic xlwings, the text `<code> <argument>:
  <reason>` (`#NUM! count: 次数不能为负数，实际为 -1`): formulas downstream test
  ISNUMBER or `LEFT(x,1)="#"`, not ISERROR. In Office.js (`OFFICE_JS`: Pyodide,
  or xlwings' own `XLWINGS_ON_SERVER`), a #VALUE! fault is raised (a real
  #VALUE!, its reason on the error flag) and any other fault returns its bare
  code (a real #N/A, #NUM!, #DIV/0!: Excel allows no message on #NUM! and
  #DIV/0!; an input error explains itself in its own cell).
* KPI_BAND given a range as `value` returns the scores in the range's shape (a
  list of lists for a 2-D range, a list for a 1-D list), so one call scores a
  whole column; a cell that cannot be read holds its own fault (its text in
  classic, its bare code in Office.js). A 1×1 range gives a single score.
  `value` is declared `ndim=2` so that Excel hands over a column as a column
  (xlwings' default would flatten it and the result would spill as a row).

Band ranges (KPI_BAND thresholds and scores) are read in pairs, position by
position: a pair whose threshold is blank is left out (a range longer than
its bands), a blank score beside a threshold is an error, and both ranges
must have the same number of cells. KPI_GRADE drops blank cells from its
thresholds and its labels.
"""

from __future__ import annotations

import os
import sys

from ..base.errors import ScoringError
from ..rules.cellvalues import NotANumber, flatten, is_blank, normalize_text, to_number
from ..rules.scoring import (
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
# Office.js custom functions (xlwings Lite in Pyodide, xlwings Server): a raised exception
# becomes a real #VALUE! and an exact error text a real error. Classic xlwings: both are text.
OFFICE_JS = sys.platform == "emscripten" or os.environ.get("XLWINGS_ON_SERVER") == "true"
# Excel's seven classic errors: the ones both runtimes hand over as text with err_to_str,
# and the only texts Lite turns back into real errors.
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
# Every error by its xlErr number. COM hands an error over as the int 0x800A0000 + number;
# classic xlwings turns the seven into text (err_to_str) and passes the newer ones on as ints.
_XL_ERRORS = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
              2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
              2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!", 2051: "#EXTERNAL!",
              2052: "#BUSY!", 2053: "#PYTHON!"}
_COM_ERROR_BASE = -2146828288  # 0x800A0000 as a signed 32-bit int: + xlErr number
_COM_ERROR_LOW, _COM_ERROR_HIGH = _COM_ERROR_BASE + 2000, _COM_ERROR_BASE + 2100
_INF = float("inf")
_HUGE = 1e308  # ints beyond this do not fit a double: to_number reports them
# What a rule's refusal (a ScoringError code) is in Excel's terms.
_RULE_ERRORS = {"out-of-range": "#NUM!", "not-a-level": "#NUM!", "weight-sum": "#DIV/0!"}


# --------------------------------------------------------------------- faults
class KpiError(ValueError):
    """A fault a KPI_* function reports: an Excel error code, the argument, the reason.

    `str()` is `<argument>: <reason>`, what Lite shows on a #VALUE!'s error flag;
    `text` is `<code> <argument>: <reason>`, what classic xlwings shows in the cell.
    """

    def __init__(self, code: str, argument: str, reason: str):
        reason = str(reason).rstrip("。")
        super().__init__(f"{argument}: {reason}")
        self.code = code
        self.argument = argument
        self.reason = reason

    @property
    def text(self) -> str:
        return f"{self.code} {self.argument}: {self.reason}"


def error_text(argument: str, reason, code: str = "#VALUE!") -> str:
    """The text classic xlwings shows for a fault: `<code> <argument>: <reason>`."""
    return KpiError(code, argument, reason).text


def error_code(value):
    """The Excel error `value` stands for, or None: an error text (`'#N/A'`, or a KPI_*
    fault text `'#NUM! count: …'`), or a COM error integer classic xlwings passed on."""
    if type(value) is str:
        if value[:1] != "#":
            return None
        if value in ERROR_CODES:
            return value
        code = value.split(" ", 1)[0]
        if code in ERROR_CODES and " " in value:
            return code
        return value if value in _XL_ERRORS.values() else None
    if type(value) is int and _COM_ERROR_LOW <= value < _COM_ERROR_HIGH:
        return _XL_ERRORS.get(value - _COM_ERROR_BASE, "#VALUE!")
    return None


def _input_error(argument: str, value, where: str = "") -> KpiError:
    """The fault for an input that is itself an Excel error: the same error, if Excel has it
    among its seven classic ones (Lite can return only those), else #VALUE!."""
    code = error_code(value)
    shown = value if type(value) is str else code
    return KpiError(code if code in ERROR_CODES else "#VALUE!", argument, f"{where or '输入'}是错误值 {shown}")


def _fault(error: Exception, function: str, names: dict) -> KpiError:
    """The fault for an exception raised while reading arguments or scoring.

    `names` maps a ScoringError code to the argument(s) it concerns, "" to the
    argument of any other code. An unexpected exception is named by `function`.
    """
    if isinstance(error, KpiError):
        return error
    if isinstance(error, ScoringError):
        return KpiError(_RULE_ERRORS.get(error.code, "#VALUE!"), names.get(error.code, names[""]), error)
    return KpiError("#VALUE!", function, f"{type(error).__name__}: {error}")


def _deliver(fault: KpiError):
    """A function's fault as its runtime can show it (see the module docstring)."""
    if not OFFICE_JS:
        return fault.text
    if fault.code == "#VALUE!":
        raise fault  # Office.js: a real #VALUE!, the reason on the error flag
    return fault.code


def _cell_fault(fault: KpiError):
    """A fault inside an array result: its text (classic), its bare code (Office.js)."""
    return fault.code if OFFICE_JS else fault.text


# --------------------------------------------------------------------- reading arguments
def _number(argument: str, value):
    """One cell as a float, None for a blank; floats take a fast path."""
    if type(value) is float and -_INF < value < _INF:  # NaN fails both comparisons
        return value
    if type(value) is int and -_HUGE < value < _HUGE and not _COM_ERROR_LOW <= value < _COM_ERROR_HIGH:
        return float(value)  # xlwings Lite hands over ints
    return _read(argument, value)


def _read(argument: str, value, where: str = ""):
    """A cell that is not a plain finite number: text, a blank, an error, a boolean."""
    if error_code(value) is not None:
        raise _input_error(argument, value, where)
    try:
        return to_number(value)
    except NotANumber as error:
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        raise KpiError("#NUM!" if numeric else "#VALUE!", argument, f"{where}{error}") from None


def _required(argument: str, value):
    """A rule parameter that must be filled (a blank is an error, not a blank result)."""
    number = _number(argument, value)
    if number is None:
        raise KpiError("#VALUE!", argument, "不能为空")
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
    if error_code(value) is not None:
        raise _input_error(argument, value)
    raise KpiError("#VALUE!", argument, f"应为 TRUE 或 FALSE，实际为 {value!r}")


def _cells(argument: str, value) -> list:
    """Every cell of a scalar or range as a number or None, row by row."""
    return [cell if type(cell) is float and -_INF < cell < _INF else _cell(argument, position, cell)
            for position, cell in enumerate(flatten(value), 1)]


def _cell(argument: str, position: int, cell):
    if type(cell) is int and -_HUGE < cell < _HUGE and not _COM_ERROR_LOW <= cell < _COM_ERROR_HIGH:
        return float(cell)
    return _read(argument, cell, f"第 {position} 个值")


def _bands(thresholds, scores):
    """Band ranges read in pairs: blank thresholds dropped, lengths checked."""
    limits = _cells("thresholds", thresholds)
    values = _cells("scores", scores)
    if len(limits) != len(values):
        raise KpiError("#VALUE!", "thresholds, scores",
                       f"阈值有 {len(limits)} 个，分数有 {len(values)} 个，个数应相同")
    if None not in limits and None not in values:
        return limits, values
    kept_limits, kept_values = [], []
    for position, (limit, value) in enumerate(zip(limits, values), 1):
        if limit is None:
            continue
        if value is None:
            raise KpiError("#VALUE!", "scores", f"第 {position} 个分数为空，而阈值为 {limit:g}")
        kept_limits.append(limit)
        kept_values.append(value)
    if not kept_limits:
        raise KpiError("#VALUE!", "thresholds", "没有阈值")
    return kept_limits, kept_values


def _labels(value) -> list:
    """Grade labels from a range: text or numbers, blank cells dropped."""
    labels = []
    for position, cell in enumerate(flatten(value), 1):
        if cell is None or (isinstance(cell, str) and is_blank(cell)):
            continue
        if error_code(cell) is not None:
            raise _input_error("labels", cell, f"第 {position} 个等级")
        if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
            raise KpiError("#VALUE!", "labels", f"第 {position} 个等级应为文本或数字，实际为 {cell!r}")
        labels.append(cell)
    return labels


def _is_range(value) -> bool:
    return type(value) is list or type(value) is tuple


# --------------------------------------------------------------------- percentages and plain numbers
def _percent(cell) -> bool:
    """True for a number typed as text with a per-cent sign (`'85%'`, `'８５％'`)."""
    return type(cell) is str and normalize_text(cell).endswith("%")


def _same_scale(arguments: str, raws: list, numbers: list) -> None:
    """Refuse percentages typed as text compared with numbers that are not percentages.

    `raws` are the cells of the arguments compared with each other (a value and its
    thresholds, an actual and its target), `numbers` what they read as. `'85%'` is
    0.85, so beside thresholds typed as 60–90 it would silently score nothing;
    beside `'60%'` or 0.6 it is right. A number above 1 in magnitude that was not
    typed with `%` cannot be a fraction of 100%: beside a percentage typed as
    text, the two were written in different units.

    Raises:
        KpiError: #VALUE!, a percentage typed as text beside such a number.
    """
    percent = next((raw for raw in raws if _percent(raw)), None)
    if percent is None:
        return
    for raw, number in zip(raws, numbers):
        if number is not None and abs(number) > 1 and not _percent(raw):
            raise KpiError("#VALUE!", arguments,
                           f"{percent.strip()!r} 是百分数，而 {number:g} 不是：请统一写成百分数（如 85% 与 60%）"
                           "或小数（0.85 与 0.6）")


def _plain(argument: str, value) -> None:
    """Refuse a percentage typed as text where a count belongs."""
    if type(value) is str and _percent(value):
        raise KpiError("#VALUE!", argument, f"次数不能是百分数，实际为 {value.strip()!r}")


def _with_text(value) -> bool:
    """True if a scalar or any cell of a range is text (only text can hold a `%`)."""
    kind = type(value)
    if kind is str:
        return True
    if kind is list or kind is tuple:
        for cell in value:
            kind = type(cell)
            if kind is str or ((kind is list or kind is tuple) and str in map(type, cell)):
                return True
    return False


# --------------------------------------------------------------------- the functions
_BAND_ERRORS = {"band-length": "thresholds, scores", "": "value"}


def _band(cell, limits, values, lower, otherwise, scale):
    """One value's band score; `scale` (raw thresholds, their numbers) checks a `%` typed as text."""
    number = _number("value", cell)
    if scale is not None:
        _same_scale("value, thresholds", [cell, *scale[0]], [number, *scale[1]])
    return band_score(number, limits, values, lower_is_better=lower, else_score=otherwise)


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, err_to_str=True,
        doc="The value to score: a number (blank gives blank), or a range to score every cell of it. "
            "要评分的值；可为整列。")
@xw.arg("thresholds", ndim=2, err_to_str=True, doc="Band thresholds, in any order; blank cells are "
                                                   "skipped. 分档阈值。")
@xw.arg("scores", ndim=2, err_to_str=True, doc="The score of each threshold, same count as thresholds. "
                                               "各档得分。")
@xw.arg("lower_is_better", err_to_str=True,
        doc="TRUE: lower is better, bands tried from the lowest up with <=. Default FALSE: from the "
            "highest down with >=. 是否越低越好。")
@xw.arg("else_score", err_to_str=True, doc="Score when no band is reached; default 0. 未达任何档时的得分。")
def KPI_BAND(value, thresholds, scores, lower_is_better=False, else_score=0):
    """Band score: the score of the first threshold reached (>= from the top; <= from the bottom if lower_is_better), else else_score. A range of values gives a range of scores. 分档得分。"""
    try:
        limits, values = _bands(thresholds, scores)
        lower = _flag("lower_is_better", lower_is_better, False)
        otherwise = _optional("else_score", else_score, 0.0)
        scale = None  # the thresholds' cells and numbers, when text may hold a `%`
        if _with_text(value) or _with_text(thresholds):
            scale = flatten(thresholds), _cells("thresholds", thresholds)
        if not _is_range(value):
            return _band(value, limits, values, lower, otherwise, scale)

        def each(cell):
            try:
                return _band(cell, limits, values, lower, otherwise, scale)
            except Exception as error:  # noqa: BLE001 - a cell's fault stays in its cell
                return _cell_fault(_fault(error, "KPI_BAND", _BAND_ERRORS))

        if len(value) == 1 and _is_range(value[0]) and len(value[0]) == 1:
            return _band(value[0][0], limits, values, lower, otherwise, scale)  # a 1×1 range
        return [[each(cell) for cell in row] if _is_range(row) else each(row) for row in value]
    except Exception as error:  # noqa: BLE001 - Excel gets an error, never a traceback
        return _deliver(_fault(error, "KPI_BAND", _BAND_ERRORS))


@xw.func(category=CATEGORY)
@xw.arg("count", err_to_str=True, doc="Number of occurrences (blank gives blank). 次数。")
@xw.arg("points_each", err_to_str=True, doc="Points deducted per occurrence. 每次扣分。")
@xw.arg("max_points", err_to_str=True, doc="The item's full points. 满分。")
@xw.arg("floor", err_to_str=True, doc="Lowest possible score; default 0 (扣完为止). 最低分。")
def KPI_DEDUCT(count, points_each, max_points, floor=0):
    """Deduction score: max_points less points_each per occurrence, never below floor. 扣分：满分减每次扣分×次数，扣完为止。"""
    try:
        each = _required("points_each", points_each)
        full = _required("max_points", max_points)
        lowest = _optional("floor", floor, 0.0)
        occurrences = _number("count", count)
        _plain("count", count)
        return deduct_score(occurrences, each, full, lowest)
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_DEDUCT", {"": "count"}))


@xw.func(category=CATEGORY)
@xw.arg("level", err_to_str=True, doc="A level from 1 to 5 (a blended level such as 3.4 is allowed; "
                                      "blank gives blank). 等级 1–5。")
@xw.arg("points_per_level", err_to_str=True, doc="Points per level; default 10 (1级10分 … 5级50分). 每级分数。")
def KPI_LEVEL(level, points_per_level=10):
    """Points of a 1–5 level: level × points_per_level. 等级得分：级数×每级分数。"""
    try:
        points = _optional("points_per_level", points_per_level, 10.0)
        return level_points(_number("level", level), points)
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_LEVEL", {"": "level"}))


@xw.func(category=CATEGORY)
@xw.arg("actual", err_to_str=True, doc="Actual value (blank gives blank). 实际值。")
@xw.arg("target", err_to_str=True, doc="Target value (blank gives blank). 目标值。")
@xw.arg("lower_is_better", err_to_str=True,
        doc="TRUE: lower is better, score = target/actual (an actual of 0 scores the cap). Default "
            "FALSE: actual/target. 是否越低越好。")
@xw.arg("cap", err_to_str=True, doc="Highest achievement ratio; default 1 (at most 100). 达成率上限。")
def KPI_ACHIEVE(actual, target, lower_is_better=False, cap=1):
    """Achievement score: min(actual/target, cap) × 100, or target/actual when lower is better. 目标达成得分。"""
    try:
        lower = _flag("lower_is_better", lower_is_better, False)
        ceiling = _optional("cap", cap, 1.0)
        achieved, wanted = _number("actual", actual), _number("target", target)
        _same_scale("actual, target", [actual, target], [achieved, wanted])
        return achievement_score(achieved, wanted, lower_is_better=lower, cap=ceiling)
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_ACHIEVE", {"": "actual, target"}))


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=2, err_to_str=True, doc="Each rater's score (自评, 上级, …); blank raters are left "
                                               "out. 各评分人的得分。")
@xw.arg("weights", ndim=2, err_to_str=True, doc="Each rater's weight, same count as scores; renormalised "
                                                "over the raters who scored. 各评分人的权重。")
def KPI_RATERS(scores, weights):
    """Raters' blend: Σ score×weight ÷ Σ weight over the raters who scored; blank if none has. 评分人加权：只按已评分者的权重折算。"""
    try:
        numbers = _cells("scores", scores)
        if _with_text(scores):
            _same_scale("scores", flatten(scores), numbers)
        return rater_blend(numbers, _cells("weights", weights))
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_RATERS", {"band-length": "scores, weights", "": "weights"}))


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=2, err_to_str=True, doc="Item scores; blank if any is blank. 各项得分。")
@xw.arg("weights", ndim=2, err_to_str=True, doc="Item weights, same count as scores. 各项权重。")
def KPI_WEIGHTED(scores, weights):
    """Weighted sum: Σ score × weight; blank until every score is filled. 加权合计。"""
    try:
        numbers = _cells("scores", scores)
        if _with_text(scores):
            _same_scale("scores", flatten(scores), numbers)
        return weighted_sum(numbers, _cells("weights", weights))
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_WEIGHTED", {"band-length": "scores, weights", "": "weights"}))


@xw.func(category=CATEGORY)
@xw.arg("performance", err_to_str=True, doc="Performance score (业绩考核得分).")
@xw.arg("behaviour", err_to_str=True, doc="Behaviour score (行为考核得分).")
@xw.arg("performance_weight", err_to_str=True, doc="Share of performance, 0 to 1; default 0.8 (80%). "
                                                   "业绩权重。")
def KPI_BLEND(performance, behaviour, performance_weight=0.8):
    """performance × w + behaviour × (1 − w), w default 80%; blank if either is blank. 总分=业绩×80%+行为×20%。"""
    try:
        weight = _optional("performance_weight", performance_weight, 0.8)
        first, second = _number("performance", performance), _number("behaviour", behaviour)
        _same_scale("performance, behaviour", [performance, behaviour], [first, second])
        return blend(first, second, weight)
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_BLEND", {"": "performance_weight"}))


@xw.func(category=CATEGORY)
@xw.arg("total", err_to_str=True, doc="The total score (blank gives blank). 总分。")
@xw.arg("thresholds", ndim=2, err_to_str=True, doc="Grade thresholds, highest first; default 90, 80, 70. "
                                                   "等级阈值。")
@xw.arg("labels", ndim=2, err_to_str=True, doc="Grade labels, one more than thresholds; default A, B, C, D. "
                                               "等级名称。")
def KPI_GRADE(total, thresholds=None, labels=None):
    """Grade of a total: the label of the first threshold reached from the top, else the last label. 考核等级。"""
    try:
        numbers = _cells("thresholds", thresholds)
        given = [limit for limit in numbers if limit is not None]
        limits = given or list(DEFAULT_GRADE_THRESHOLDS)
        names = _labels(labels)
        number = _number("total", total)
        if type(total) is str or _with_text(thresholds):
            raws, read = (flatten(thresholds), numbers) if given else (limits, limits)
            _same_scale("total, thresholds", [total, *raws], [number, *read])
        return grade(number, limits, names or list(DEFAULT_GRADE_LABELS))
    except Exception as error:  # noqa: BLE001
        return _deliver(_fault(error, "KPI_GRADE", {"band-length": "thresholds, labels", "": "total"}))
