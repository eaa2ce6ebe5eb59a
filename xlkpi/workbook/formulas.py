"""The scoring rules of `scoring.py` written as Excel formulas, in two dialects.

* `native`: functions that Excel 2010+, WPS and LibreOffice all compute (IF,
  AND, OR, MIN, MAX, COUNT, ROUND, INT, ROUNDUP, NA); no add-in, no dynamic arrays.
* `udf`: the same cells as calls to the KPI_* functions of `udfs.py`, where
  one exists for the rule; the native formula where none does (steps, several
  counts, ratios, a floor of none, an amount proportional to the total).

Entries are judged as `inputs.check_value` judges them, never by coercion (text
compares above numbers in Excel and LibreOffice): a number cell takes a number
(ISNUMBER, not a logical value) within its range and whole if it must be; a level
cell one of its levels; a choice cell one of its labels, EXACT. An item with an
entry the sheet refuses shows `填写有误` (`scoring.WRONG_ENTRY`) in its score cell,
as does an item that cannot be scored (a ratio over 0); its totals stay blank,
and 填写状态 counts blank and wrong items apart (`scoring.status_text`). In the
udf dialect, 填写状态 says so when the KPI_* functions are not available (#NAME?, or
#VALUE! from the workbook's VBA wrappers without xlwings), and a KPI_* fault (classic
xlwings returns it as text "#VALUE! value: …") counts as a wrong entry.

Each formula performs the engine's arithmetic in the engine's order, so that
the sheet and `xlkpi.score` give the same double before rounding. Formulas
refer to cells by their defined names (`in_attendance`, `out_performance`);
a range argument of a KPI_* call uses the cells' A1 addresses.
"""

from __future__ import annotations

from ..forms.model import Form
from ..rules.scoring import SNAP_DECIMALS, STATUS_DONE, STATUS_PENDING, WRONG_ENTRY, ordered_bands, snap15

DIALECTS = ("native", "udf")
MARK = '"' + WRONG_ENTRY + '"'
UNAVAILABLE = "自定义函数不可用：请启用宏，并按 docs/excel.md 安装 xlwings"
# ERROR.TYPE of the errors a KPI_* cell shows when the functions cannot run: #NAME? (macros
# disabled, or no add-in) and #VALUE! (the workbook's VBA wrapper ran but xlwings' Python did not;
# LibreOffice runs the wrappers and gives this). An entry the sheet refuses never reaches KPI_*
# (the item shows 填写有误 first); a fault of a KPI_* function in classic xlwings is text "#…".
UNAVAILABLE_ERRORS = "{3,5}"


def number(value) -> str:
    """A number as formula text Excel reads back to the same double (15 digits at most).

    Raises:
        ValueError: the number needs more than 15 significant digits.
    """
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if float(f"{value:.15g}") != value:
        raise ValueError(f"{value!r} 超过 Excel 的 15 位有效数字")
    return text.replace("e", "E")


def literal(value) -> str:
    """A number or a text as a formula literal (text quoted, `"` doubled)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    return '"' + str(value).replace('"', '""') + '"'


def array(values) -> str:
    """An array constant: `{1,2,3}` or `{"A","B"}`."""
    return "{" + ",".join(literal(value) for value in values) + "}"


def entry_ok(spec, x: str) -> str:
    """TRUE when the filled cell `x` holds what `inputs.check_value` accepts for `spec`; never an error.

    A number cell: a number that is not a logical value (LibreOffice counts TRUE as a
    number), within the spec's range, whole where it must be; a level cell: one of its
    levels; a choice cell: text EXACTly one of its labels.
    """
    if spec.kind == "choice":
        labels = ",".join(f"EXACT({x},{literal(label)})" for label in spec.allowed)
        return f"IF(ISTEXT({x}),OR({labels}),FALSE)"
    tests = [f"NOT(ISLOGICAL({x}))"]
    if spec.kind in ("level", "rating"):
        tests.append("OR(" + ",".join(f"{x}={number(level)}" for level in spec.allowed) + ")")
    else:
        if spec.low is not None:
            tests.append(f"{x}>={number(spec.low)}")
        if spec.high is not None:
            tests.append(f"{x}<={number(spec.high)}")
        if spec.integer:
            tests.append(f"{x}=INT({x})")
    return f"IF(ISNUMBER({x}),AND({','.join(tests)}),FALSE)"


def blank_if(names, expression: str) -> str:
    """`expression`, or "" while any of the named cells is blank."""
    if len(names) == 1:
        test = f'{names[0]}=""'
    else:
        test = "OR(" + ",".join(f'{name}=""' for name in names) + ")"
    return f'IF({test},"",{expression})'


def nested_if(value: str, pairs, lower_is_better: bool, else_value) -> str:
    """First band reached, tried in order: IF(v>=t1,s1,IF(v>=t2,s2,else))."""
    op = "<=" if lower_is_better else ">="
    formula = literal(else_value)
    for threshold, result in reversed(pairs):
        formula = f"IF({value}{op}{number(threshold)},{literal(result)},{formula})"
    return formula


class FormulaWriter:
    """Formulas of one form's computed cells.

    Args:
        form: the form.
        dialect: `native` or `udf`.
        address: a function giving the A1 address of a defined name's cell
            (used for the range arguments of KPI_* calls).
    """

    def __init__(self, form: Form, dialect: str = "native", address=None):
        if dialect not in DIALECTS:
            raise ValueError(f"未知的公式方言 {dialect!r}（可用：native、udf）")
        self.form = form
        self.udf = dialect == "udf"
        self.address = address
        self.specs = {spec.name: spec for spec in form.input_specs()}

    def formulas(self) -> dict:
        """Every `out_...` name → its formula text, with the leading `=`."""
        result = {}
        for section in self.form.sections:
            for item in section.items:
                if item.ratio:
                    result[f"out_{item.id}_rate"] = "=" + self.rate(item)
                result[f"out_{item.id}"] = "=" + self.item(item)
                if section.total == "weighted":
                    result[f"out_{item.id}_weighted"] = "=" + self.weighted(item)
            result[f"out_{section.id}"] = "=" + self.section_total(section)
        result["out_total"] = "=" + self.total()
        for outcome in self.form.outcomes:
            result[f"out_{outcome.id}"] = "=" + self.outcome(outcome)
        calling = [name for name, formula in result.items() if "KPI_" in formula]
        result["out_status"] = "=" + self.status(calling)
        return result

    # ------------------------------------------------------------ entries
    def guarded(self, names, expression: str, *, any_filled: bool = False) -> str:
        """`expression` once the item's entries are in; "" while it waits for one (any input
        blank, or with `any_filled` every input blank); 填写有误 where a filled cell holds
        what the sheet refuses, whatever the others hold. `expression` may take every
        filled cell as valid."""
        specs = [self.specs[name] for name in names]
        if len(names) == 1:
            x = names[0]
            return f'IF(COUNTBLANK({x}),"",IF({entry_ok(specs[0], x)},{expression},{MARK}))'
        fine = "AND(" + ",".join(f"OR(COUNTBLANK({x}),{entry_ok(spec, x)})" for x, spec in zip(names, specs)) + ")"
        blanks = "+".join(f"COUNTBLANK({x})" for x in names)
        waiting = f"{blanks}={len(names)}" if any_filled else blanks
        return f'IF({fine},IF({waiting},"",{expression}),{MARK})'

    # ------------------------------------------------------------ items
    def item(self, item) -> str:
        """An item's score: blank, 填写有误, or the rule's score."""
        if item.raters:
            return self._raters(item)
        if item.rule.kind == "achieve":
            return self._achieve(item)
        if item.ratio:
            rate = f"out_{item.id}_rate"
            return f"IF(ISNUMBER({rate}),{self._score(item.rule, rate)},{rate})"
        if item.counts:
            return self._counts(item)
        x = item.input_name()
        return self.guarded([x], self._score(item.rule, x))

    def rate(self, item) -> str:
        """A ratio item's rate, num ÷ den rounded to 9 decimals: blank while either is blank;
        填写有误 for a wrong entry and for a den of 0."""
        num, den = item.input_name("num"), item.input_name("den")
        return self.guarded([num, den], f"IF({den}=0,{MARK},ROUND({num}/{den},{SNAP_DECIMALS}))")

    def _counts(self, item) -> str:
        """A deduct or bonus item with several counts: points − n1×e1 − n2×e2 …, or n1×e1 + n2×e2 …"""
        rule = item.rule
        names = [item.input_name(count.id) for count in item.counts]
        terms = [f"{name}*{number(count.each)}" for name, count in zip(names, item.counts)]
        if rule.kind == "deduct":
            expression = number(rule.points) + "".join(f"-{term}" for term in terms)
            if rule.floor is not None:
                expression = f"MAX({number(rule.floor)},{expression})"
        else:
            expression = "+".join(terms)
            if rule.cap is not None:
                expression = f"MIN({number(rule.cap)},{expression})"
        return self.guarded(names, expression)

    @staticmethod
    def _steps(rule, x: str) -> str:
        """points − steps on the wrong side × deduct (+ steps on the good side × add), within floor and cap.

        Steps are counted on the quotient rounded to 9 decimals (ROUND), then INT (whole
        steps) or ROUNDUP (started steps), as `scoring.step_count` does.
        """
        target = number(rule.target)
        below, above = f"MAX(0,{target}-{x})", f"MAX(0,{x}-{target})"
        worse, better = (above, below) if rule.lower_is_better else (below, above)

        def count(distance):
            quotient = f"ROUND({distance}/{number(rule.step)},{SNAP_DECIMALS})"
            return f"ROUNDUP({quotient},0)" if rule.partial else f"INT({quotient})"

        expression = f"{number(rule.points)}-{count(worse)}*{number(rule.deduct)}"
        if rule.add:
            expression += f"+{count(better)}*{number(rule.add)}"
        if rule.floor is not None:
            expression = f"MAX({number(rule.floor)},{expression})"
        if rule.cap is not None:
            expression = f"MIN({number(rule.cap)},{expression})"
        return expression

    def _score(self, rule, x: str) -> str:
        """The score of the valid, filled value `x` under a rule that scores one value."""
        kind = rule.kind
        if kind == "band":
            band = rule.band
            if self.udf:
                return (f"KPI_BAND({x},{array(band.thresholds)},{array(band.values)},"
                        f"{'TRUE' if band.lower_is_better else 'FALSE'},{number(band.else_value)})")
            pairs = ordered_bands(band.thresholds, band.values, band.lower_is_better)
            return nested_if(x, pairs, band.lower_is_better, band.else_value)
        if kind == "choice":
            *options, (_, last) = rule.options
            chain = number(last)  # the entry is one of the labels: the last is what remains
            for label, score in reversed(options):
                chain = f"IF(EXACT({x},{literal(label)}),{number(score)},{chain})"
            return chain
        if kind in ("levels", "range"):
            return x
        if kind == "rating":
            if self.udf:
                return f"KPI_LEVEL({x},{number(rule.points_per_level)})"
            return f"{x}*{number(rule.points_per_level)}"
        if kind == "deduct":
            if rule.floor is None:
                return f"{number(rule.points)}-{x}*{number(rule.each)}"
            if self.udf:
                return f"KPI_DEDUCT({x},{number(rule.each)},{number(rule.points)},{number(rule.floor)})"
            return f"MAX({number(rule.floor)},{number(rule.points)}-{x}*{number(rule.each)})"
        if kind == "steps":
            return self._steps(rule, x)
        if kind == "bonus":
            expression = f"{x}*{number(rule.each)}"
            if rule.cap is not None:
                expression = f"MIN({number(rule.cap)},{expression})"
            return expression
        raise ValueError(f"规则 {kind} 不能单独成式")

    def _achieve(self, item) -> str:
        """Achievement of the target; a higher-is-better target of 0 cannot be achieved: 填写有误."""
        rule = item.rule
        actual, target = item.input_name("actual"), item.input_name("target")
        cap = number(rule.cap)
        if self.udf:
            expression = (f"KPI_ACHIEVE({actual},{target},{'TRUE' if rule.lower_is_better else 'FALSE'},"
                          f"{cap})")
        elif rule.lower_is_better:
            expression = f"IF({actual}=0,{number(rule.cap * 100)},MIN({target}/{actual},{cap})*100)"
        else:
            expression = f"MIN({actual}/{target},{cap})*100"
        if not rule.lower_is_better:
            expression = f"IF({target}=0,{MARK},{expression})"
        return self.guarded([target, actual], expression)

    def _raters(self, item) -> str:
        rule = item.rule
        raters = [self.form.rater(rater_id) for rater_id in item.raters]
        names = [item.input_name(rater.id) for rater in raters]
        weights = [rater.weight for rater in raters]
        contiguous = self._range(names)
        if self.udf and contiguous and rule.kind in ("levels", "range", "rating"):
            expression = f"KPI_RATERS({contiguous},{array(weights)})"
            if rule.kind == "rating":
                expression = f"KPI_LEVEL({expression},{number(rule.points_per_level)})"
            return self.guarded(names, expression, any_filled=True)
        if rule.kind == "choice":
            values = [self._score(rule, name) for name in names]
        else:
            values = names
        numerator = "+".join(f"IF(COUNTBLANK({name}),0,{value}*{number(weight)})"
                             for name, value, weight in zip(names, values, weights))
        denominator = "+".join(f"IF(COUNTBLANK({name}),0,{number(weight)})" for name, weight in zip(names, weights))
        expression = f"({numerator})/({denominator})"
        if rule.kind == "rating":
            expression += f"*{number(rule.points_per_level)}"
        return self.guarded(names, expression, any_filled=True)

    def _range(self, names):
        """`F5:G5` when the named cells are side by side in one row, in order; else None."""
        if self.address is None:
            return None
        from .layout import a1  # noqa: PLC0415  (layout is pure; imported here to keep this module standalone)

        cells = [self.address(name) for name in names]
        rows = {row for row, _ in cells}
        cols = [col for _, col in cells]
        if len(rows) != 1 or cols != list(range(cols[0], cols[0] + len(cols))):
            return None
        return f"{a1(*cells[0])}:{a1(*cells[-1])}"

    def weighted(self, item) -> str:
        """An item's weighted score (考核得分): score × weight; blank while the score is not a number."""
        name = f"out_{item.id}"
        return f'IF(ISNUMBER({name}),{name}*{number(item.weight)},"")'

    # ------------------------------------------------------------ totals
    def section_total(self, section) -> str:
        """A section's subtotal, rounded; blank until every item is scored."""
        if section.total == "weighted":
            parts = [f"out_{item.id}_weighted" for item in section.items]
            scores = [f"out_{item.id}" for item in section.items]
            contiguous = self._range(scores)
            if self.udf and contiguous:
                weights = array(item.weight for item in section.items)
                return self._complete(scores, f"ROUND(KPI_WEIGHTED({contiguous},{weights}),{self.form.decimals})")
        else:
            parts = [f"out_{item.id}" for item in section.items]
        return self._complete(parts, f"ROUND({'+'.join(parts)},{self.form.decimals})")

    def total(self) -> str:
        """The form total from the section subtotals, rounded."""
        total = self.form.total
        parts = [f"out_{section_id}" for section_id, _ in total.parts]
        if total.kind == "blend":
            weights = [weight for _, weight in total.parts]
            if self.udf and len(parts) == 2 and snap15(1 - weights[0]) == weights[1]:
                expression = f"KPI_BLEND({parts[0]},{parts[1]},{number(weights[0])})"
            else:
                expression = "+".join(f"{part}*{number(weight)}" for part, weight in zip(parts, weights))
        else:
            expression = "+".join(parts)
        return self._complete(parts, f"ROUND({expression},{self.form.decimals})")

    def outcome(self, outcome) -> str:
        """A band on the rounded total (grade, pay, coefficient), or base × total ÷ 100 rounded."""
        if outcome.base is not None:
            return blank_if(["out_total"], f"ROUND(out_total*{number(outcome.base)}/100,{self.form.decimals})")
        band = outcome.band
        if self.udf and not band.lower_is_better:
            labels = list(band.values) + [band.else_value]
            return f"KPI_GRADE(out_total,{array(band.thresholds)},{array(labels)})"
        pairs = ordered_bands(band.thresholds, band.values, band.lower_is_better)
        return blank_if(["out_total"], nested_if("out_total", pairs, band.lower_is_better, band.else_value))

    def status(self, calling=()) -> str:
        """填写状态 as `scoring.status_text` words it, from the items' cells: a number is scored,
        an empty text is blank, anything else (`填写有误`, an error) is wrong. In the udf
        dialect, when any cell of `calling` (those that call KPI_*) is #NAME? or #VALUE!
        (`UNAVAILABLE_ERRORS`), it says that the functions are not available instead."""
        names = [f"out_{item.id}" for item in self.form.items()]
        n = len(names)
        scored = f"COUNT({','.join(names)})"
        blank = "(" + "+".join(f"COUNTBLANK({name})" for name in names) + ")"
        pending = literal(STATUS_PENDING)
        formula = (f"IF({scored}={n},{literal(STATUS_DONE)},"
                   f'IF({scored}+{blank}={n},{pending}&{blank}&" 项未填",'
                   f'{pending}&IF({blank}>0,{blank}&" 项未填，","")&({n}-{scored}-{blank})&" 项{WRONG_ENTRY}"))')
        if self.udf and calling:
            unavailable = "OR(" + ",".join(f"ISNUMBER(MATCH(IFERROR(ERROR.TYPE({name}),0),{UNAVAILABLE_ERRORS},0))"
                                           for name in calling) + ")"
            formula = f"IF({unavailable},{literal(UNAVAILABLE)},{formula})"
        return formula

    @staticmethod
    def _complete(names, expression: str) -> str:
        return f'IF(COUNT({",".join(names)})<{len(names)},"",{expression})'
