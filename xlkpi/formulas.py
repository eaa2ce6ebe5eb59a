"""The scoring rules of `scoring.py` written as Excel formulas, in two dialects.

* `native`: functions that Excel 2010+, WPS and LibreOffice all compute (IF,
  AND, OR, MIN, MAX, COUNT, ROUND, INT, ROUNDUP, NA); no add-in, no dynamic arrays.
* `udf`: the same cells as calls to the KPI_* functions of `udfs.py`, where
  one exists for the rule; the native formula where none does (steps, several
  counts, ratios, a floor of none, an amount proportional to the total).

Each formula performs the engine's arithmetic in the engine's order, so that
the sheet and `xlkpi.score` give the same double before rounding. Formulas
refer to cells by their defined names (`in_attendance`, `out_performance`);
a range argument of a KPI_* call uses the cells' A1 addresses.
"""

from __future__ import annotations

from .model import Form
from .scoring import SNAP_DECIMALS, ordered_bands, snap15

DIALECTS = ("native", "udf")


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
        result["out_status"] = "=" + self.status()
        return result

    # ------------------------------------------------------------ items
    def item(self, item) -> str:
        """An item's score."""
        if item.raters:
            return self._raters(item)
        if item.rule.kind == "achieve":
            return self._achieve(item)
        if item.ratio:
            return self._single(item.rule, f"out_{item.id}_rate")
        if item.counts:
            return self._counts(item)
        return self._single(item.rule, item.input_name())

    def rate(self, item) -> str:
        """A ratio item's rate, num ÷ den rounded to 9 decimals: blank while either is blank, and for a den of 0."""
        num, den = item.input_name("num"), item.input_name("den")
        return blank_if([num, den], f'IF({den}=0,"",ROUND({num}/{den},{SNAP_DECIMALS}))')

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
        return blank_if(names, expression)

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
        return blank_if([x], expression)

    def _single(self, rule, x: str) -> str:
        kind = rule.kind
        if kind == "band":
            band = rule.band
            if self.udf:
                return (f"KPI_BAND({x},{array(band.thresholds)},{array(band.values)},"
                        f"{'TRUE' if band.lower_is_better else 'FALSE'},{number(band.else_value)})")
            pairs = ordered_bands(band.thresholds, band.values, band.lower_is_better)
            return blank_if([x], nested_if(x, pairs, band.lower_is_better, band.else_value))
        if kind == "choice":
            chain = "NA()"
            for label, score in reversed(rule.options):
                chain = f"IF({x}={literal(label)},{number(score)},{chain})"
            return blank_if([x], chain)
        if kind in ("levels", "range"):
            return blank_if([x], x)
        if kind == "rating":
            if self.udf:
                return f"KPI_LEVEL({x},{number(rule.points_per_level)})"
            return blank_if([x], f"{x}*{number(rule.points_per_level)}")
        if kind == "deduct":
            if rule.floor is None:
                return blank_if([x], f"{number(rule.points)}-{x}*{number(rule.each)}")
            if self.udf:
                return f"KPI_DEDUCT({x},{number(rule.each)},{number(rule.points)},{number(rule.floor)})"
            return blank_if([x], f"MAX({number(rule.floor)},{number(rule.points)}-{x}*{number(rule.each)})")
        if kind == "steps":
            return self._steps(rule, x)
        if kind == "bonus":
            expression = f"{x}*{number(rule.each)}"
            if rule.cap is not None:
                expression = f"MIN({number(rule.cap)},{expression})"
            return blank_if([x], expression)
        raise ValueError(f"规则 {kind} 不能单独成式")

    def _achieve(self, item) -> str:
        rule = item.rule
        actual, target = item.input_name("actual"), item.input_name("target")
        if self.udf:
            return (f"KPI_ACHIEVE({actual},{target},{'TRUE' if rule.lower_is_better else 'FALSE'},"
                    f"{number(rule.cap)})")
        cap = number(rule.cap)
        if rule.lower_is_better:
            expression = f"IF({actual}=0,{number(rule.cap * 100)},MIN({target}/{actual},{cap})*100)"
        else:
            expression = f'IF({target}=0,"",MIN({actual}/{target},{cap})*100)'
        return blank_if([actual, target], expression)

    def _raters(self, item) -> str:
        rule = item.rule
        raters = [self.form.rater(rater_id) for rater_id in item.raters]
        names = [item.input_name(rater.id) for rater in raters]
        weights = [rater.weight for rater in raters]
        contiguous = self._range(names)
        if self.udf and contiguous and rule.kind in ("levels", "range", "rating"):
            blended = f"KPI_RATERS({contiguous},{array(weights)})"
            if rule.kind == "rating":
                return f"KPI_LEVEL({blended},{number(rule.points_per_level)})"
            return blended
        if rule.kind == "choice":
            values = [self._single(rule, name) for name in names]
        else:
            values = names
        numerator = "+".join(f'IF({name}="",0,{value}*{number(weight)})'
                             for name, value, weight in zip(names, values, weights))
        denominator = "+".join(f'IF({name}="",0,{number(weight)})' for name, weight in zip(names, weights))
        expression = f"({numerator})/({denominator})"
        if rule.kind == "rating":
            expression += f"*{number(rule.points_per_level)}"
        test = "AND(" + ",".join(f'{name}=""' for name in names) + ")"
        return f'IF({test},"",{expression})'

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
        """An item's weighted score (考核得分): score × weight."""
        name = f"out_{item.id}"
        return blank_if([name], f"{name}*{number(item.weight)}")

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

    def status(self) -> str:
        """`已完成`, or `未完成：N 项未填` counting the items not yet scored."""
        names = [f"out_{item.id}" for item in self.form.items()]
        count = f"COUNT({','.join(names)})"
        n = len(names)
        return f'IF({count}={n},"已完成","未完成："&({n}-{count})&" 项未填")'

    @staticmethod
    def _complete(names, expression: str) -> str:
        return f'IF(COUNT({",".join(names)})<{len(names)},"",{expression})'
