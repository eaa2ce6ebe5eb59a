"""A period's results from the ledger alone: a quarter, a year or any run of months.

`period_report` reads the ledger's results of the period's months and makes, by the rules
(`rules.py`):

* per employee: the months counted and the months missing (each with why: 无考核表, 未完成, 未汇总),
  the average total, the period's grade (the form's grade band on the average), the pay summed
  over the period, the place within form and department, the period's reward (eligibility as in
  the month, `rewards.py`), the pay recommendation, and the flags standing at the period's end;
* per department: people, people with results, the average of their averages, the completion
  rate, the place, the best department(s) named (ties all named); the same figures per form and
  department, each department placed among those with the same form; the distribution of grades
  per department and form, and of pay recommendations per department;
* the corrections and withdrawals recorded for the period's months.

Averages are exact means of the totals as they show (decimals, not binary floats), rounded half
away from zero to the form's decimals; the grade and the pay recommendation read the rounded
average, as a clerk reading the report would.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..base.periods import Period, parse_period
from ..forms.definitions import known_forms
from ..rules.scoring import outcome_value
from .flags import flags_for, quarter_of
from .ledger import CORRECTION, DEFAULT_LEDGER, RESTORATION, WITHDRAWAL, Ledger, LedgerError, describe_change
from .rewards import award_group, rank_values
from .settings import default_rules

NO_WORKBOOK, INCOMPLETE, NOT_COLLECTED = "无考核表", "未完成", "未汇总"
NO_RESULT = "无结果"

EMPLOYEE_COLUMNS = ["employee_id", "name", "department", "form_id", "form_name", "months_counted", "months_missing",
                    "missing", "average", "grade", "pay_total", "rank", "reward", "reward_note", "pay_advice", "flags"]
DEPARTMENT_COLUMNS = ["department", "employees", "with_results", "average", "completion", "rank", "best", "note"]
FORM_COLUMNS = ["form_name", "department", "employees", "with_results", "average", "completion", "rank", "note"]
CHANGE_COLUMNS = ["month", "employee_id", "name", "kind", "before_total", "after_total", "change", "before_file",
                  "after_file", "when", "user", "reason"]


@dataclass
class PeriodReport:
    """A period's results (see the module's text).

    Attributes:
        period: the `Period`.
        rules: the `Rules` applied.
        months: the months counted, oldest first.
        not_counted: months of the period not counted → why (`未汇总`, `规则不计`).
        employees: one row per employee (columns `EMPLOYEE_COLUMNS`, then one per counted month
            with that month's total).
        departments: one row per department (`DEPARTMENT_COLUMNS`).
        grades: the period's grades counted per department and form, for the forms with a grade
            (department, form_name, grade, count; `无结果` for those without an average).
        advice: the pay recommendations counted per department (department, then a column per
            recommendation and `无结果`).
        best: the best department(s); several when tied; empty when none takes part.
        forms: the departments compared form by form, one row per form and department
            (`FORM_COLUMNS`): the same figures as `departments`, and the department's place among
            the departments with that form (the same form, the same scale of totals).
        changes: the corrections, withdrawals and restorations recorded for the period's months
            (`CHANGE_COLUMNS`).
        ledger: the ledger file read.
        upgraded_from, backup: the ledger's earlier schema version and the copy kept of it, when
            reading it upgraded it (see `ledger.Ledger`).
    """

    period: Period
    rules: object
    months: list
    not_counted: dict
    employees: object
    departments: object
    grades: object
    advice: object
    best: list = field(default_factory=list)
    changes: object = None
    ledger: Path | None = None
    upgraded_from: int | None = None
    backup: Path | None = None
    forms: object = None

    def not_counted_by_reason(self) -> dict:
        """why → the months of the period not counted for that reason, oldest first."""
        groups = {}
        for month, why in self.not_counted.items():
            groups.setdefault(why, []).append(month)
        return groups


def _decimal(value) -> Decimal:
    return Decimal(repr(float(value)))


def _rounded(value: Decimal, decimals: int) -> float:
    return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _number(value) -> str:
    text = f"{float(value):.15g}"
    return "0" if text == "-0" else text


def counted_months(period: Period, collected, rules) -> tuple[list, dict]:
    """The months of `period` that count by the rules, and those that do not → why."""
    collected = set(collected)
    months, not_counted = [], {}
    for month in period.months:
        if month in rules.skip:
            not_counted[month] = "规则不计"
        elif rules.months == "collected" and month not in collected:
            not_counted[month] = NOT_COLLECTED
        else:
            months.append(month)
    return months, not_counted


def counted_totals(totals: dict, months: list, collected) -> tuple[dict, list]:
    """A person's totals of the counted `months` (month → total, of the months with one), and the
    months missing, each with why: 无考核表 (no result that month), 未完成 (a result without a
    total), 未汇总 (the month was never collected)."""
    found, missing = {}, []
    for month in months:
        if month not in totals:
            missing.append((month, NO_WORKBOOK if month in collected else NOT_COLLECTED))
        elif totals[month] is None:
            missing.append((month, INCOMPLETE))
        else:
            found[month] = totals[month]
    return found, missing


def period_average(totals: dict, months: list, rules, decimals: int = 2) -> float | None:
    """The average of a person's counted totals by the rules: over the months with a total
    (`missing: exclude`), or over every counted month, a missing one as 0 (`zero`); the exact mean
    of the totals as they show, rounded half away from zero to `decimals`. None without any."""
    counted = [_decimal(total) for total in totals.values()]
    if rules.missing == "zero":
        return _rounded(sum(counted, Decimal(0)) / len(months), decimals) if months else None
    return _rounded(sum(counted, Decimal(0)) / len(counted), decimals) if counted else None


def person_periods(records: list, collected, rules) -> list[dict]:
    """The quarters and years of one person's months (`Ledger.history`), each with its months
    counted, months missing, average and pay recommendation, by the same rules as the report."""
    totals = {record["month"]: record["total"] for record in records}
    labels = sorted({f"{month[:4]}-Q{quarter_of(month)[1]}" for month in totals})
    labels += sorted({month[:4] for month in totals})
    latest = known_forms().get(records[-1]["form_id"]) if records else None
    decimals = latest.decimals if latest is not None else 2
    found = []
    for label in labels:
        period = parse_period(label)
        months, _ = counted_months(period, collected, rules)
        counted, missing = counted_totals({month: total for month, total in totals.items() if month in months},
                                          months, collected)
        average = period_average(counted, months, rules, decimals)
        found.append({"period": period, "months_counted": len(counted), "missing": missing, "average": average,
                      "pay_advice": rules.pay_advice(average)})
    return found


def _flag_start(month: str) -> str:
    """The first month the flags of `month` look back to: the first of the quarter two quarters before."""
    year, quarter = quarter_of(month)
    for _ in range(2):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return f"{year:04d}-{(quarter - 1) * 3 + 1:02d}"


def period_report(period, ledger=DEFAULT_LEDGER, rules=None) -> PeriodReport:
    """A period's results from the ledger (see the module's text).

    Args:
        period: a `Period` or its text (`2026-Q4`, `2026`, `2026-07..2026-12`, `2026-11`).
        ledger: the ledger file.
        rules: the `Rules` (default: the default rules).

    Raises:
        UsageError: the period is not one xlkpi reads.
        LedgerError: the ledger does not exist or cannot be read, or holds no result of the period.
    """
    import pandas as pd

    period = period if isinstance(period, Period) else parse_period(period)
    rules = rules or default_rules()
    path = Path(ledger)
    if not path.is_file():
        raise LedgerError(f"历史记录文件 {path} 不存在。xlkpi collect 把它写在月份文件夹旁，请用 --ledger 指定，"
                          "例如 --ledger out/xlkpi-ledger.sqlite。")
    with Ledger(path) as book:
        collected = set(book.collected_months())
        months, not_counted = counted_months(period, collected, rules)
        rows = defaultdict(dict)
        for month, employee, name, department, form_id, total, grade, pay, status in book.period_results(
                period.first, period.last):
            if month in months:
                rows[employee][month] = (name, department, form_id, total, grade, pay, status)
        histories = defaultdict(list)
        if rows:
            start = _flag_start(period.last)
            for employee, month, total, rank in book.totals_up_to(period.last):
                if employee in rows and month >= start:
                    histories[employee].append({"month": month, "total": total, "rank": rank})
        changes = book.changes(first=period.first, last=period.last, kinds=(CORRECTION, WITHDRAWAL, RESTORATION))
        upgraded_from, backup = book.upgraded_from, book.backup
    if not rows:
        recorded = "、".join(months) if months else "无"
        raise LedgerError(f"历史记录 {path} 中没有 {period.label}（{period.first} 至 {period.last}）计入的考核结果"
                          f"（计入的月份：{recorded}）。请先用 xlkpi collect 汇总这些月份。")
    employees = _employee_rows(rows, months, collected, histories, rules, period)
    frame = pd.DataFrame(employees, columns=[*EMPLOYEE_COLUMNS, *months])
    departments, best = _departments(employees, rules)
    return PeriodReport(period, rules, months, not_counted, frame,
                        pd.DataFrame(departments, columns=DEPARTMENT_COLUMNS), _grades(pd, employees),
                        _advice(pd, employees, rules), best, _changes(pd, changes), path, upgraded_from, backup,
                        forms=pd.DataFrame(_forms(employees, rules), columns=FORM_COLUMNS))


def report_frame(period, ledger=DEFAULT_LEDGER, rules=None):
    """The period's results per employee, as a pandas DataFrame (see `PeriodReport.employees`)."""
    return period_report(period, ledger, rules).employees


def _employee_rows(rows: dict, months: list, collected: set, histories: dict, rules, period) -> list[dict]:
    forms = known_forms()
    made = []
    for employee in sorted(rows):
        by_month = rows[employee]
        latest = by_month[max(by_month)]
        name, department, form_id = latest[0], latest[1], latest[2]
        form = forms.get(form_id)
        decimals = form.decimals if form is not None else 2
        totals, missing = counted_totals({month: found[3] for month, found in by_month.items()}, months, collected)
        pays = [by_month[month][5] for month in totals if by_month[month][5] is not None]
        average = period_average(totals, months, rules, decimals)
        grade = None
        outcome = next((outcome for outcome in form.outcomes if outcome.id == "grade"), None) if form else None
        if outcome is not None and average is not None:
            grade = outcome_value(form, outcome, average)
        flags = flags_for(histories.get(employee, []), upto_month=period.last) if histories.get(employee) else []
        row = {"employee_id": employee, "name": name, "department": department, "form_id": form_id,
               "form_name": form.name if form is not None else form_id, "months_counted": len(totals),
               "months_missing": len(missing),
               "missing": "、".join(f"{month}（{why}）" for month, why in missing),
               "average": average, "grade": grade,
               "pay_total": _rounded(sum(map(_decimal, pays), Decimal(0)), 2) if pays else None,
               "rank": None, "reward": None, "reward_note": "", "pay_advice": rules.pay_advice(average),
               "flags": "；".join(flags)}
        row["_incomplete"] = (f"缺 {len(missing)} 个月（{'、'.join(month for month, _ in missing)}）"
                              if missing else None)
        row.update({month: totals.get(month) for month in months})
        made.append(row)
    groups = defaultdict(list)
    for row in made:
        groups[(row["form_id"], row["department"])].append(row)
    for group in groups.values():
        awards = award_group([row["average"] for row in group], [row["_incomplete"] for row in group], rules,
                             rules.period_rewards, what="平均分")
        for row, award in zip(group, awards):
            row.update(rank=award.rank, reward=award.reward, reward_note=award.note)
    for row in made:
        del row["_incomplete"]
    made.sort(key=lambda row: (row["form_id"], row["department"], row["rank"] is None, row["rank"] or 0,
                               row["employee_id"]))
    return made


def _compared(members: list, rules) -> dict:
    """A group's figures for the comparison: people, people with an average, the average of
    their averages, the completion rate (months counted ÷ months expected), and why the group is
    not compared when it has fewer people with results than the rules ask."""
    averages = [_decimal(row["average"]) for row in members if row["average"] is not None]
    expected = sum(row["months_counted"] + row["months_missing"] for row in members)
    done = sum(row["months_counted"] for row in members)
    note = ""
    if len(averages) < rules.department_min_employees:
        note = f"有结果的仅 {len(averages)} 人，少于 {rules.department_min_employees} 人，不参与评比"
    return {"employees": len(members), "with_results": len(averages),
            "average": _rounded(sum(averages, Decimal(0)) / len(averages), 2) if averages else None,
            "completion": done / expected if expected else None, "rank": None, "note": note}


def _place(rows: list, rules) -> list:
    """Rank `rows` (made by `_compared`) by average, those with a note taking no place; the
    averages of those compared, in `rows`' order (None for the others)."""
    competing = [row["average"] if not row["note"] and row["average"] is not None else None for row in rows]
    for row, place in zip(rows, rank_values(competing, rules.ranking)):
        row["rank"] = place
    return competing


def _departments(employees: list, rules) -> tuple[list, list]:
    """One row per department, and the best department(s)."""
    by_department = defaultdict(list)
    for row in employees:
        by_department[row["department"]].append(row)
    rows = [{"department": department, **_compared(by_department[department], rules), "best": False}
            for department in sorted(by_department)]
    competing = _place(rows, rules)
    top = max((average for average in competing if average is not None), default=None)
    best = [row["department"] for row, average in zip(rows, competing) if top is not None and average == top]
    for row in rows:
        row["best"] = row["department"] in best
        if row["best"] and len(best) > 1:
            row["note"] = f"并列最佳（{len(best)} 个部门）"
        elif row["best"]:
            row["note"] = "最佳部门"
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["department"]))
    return rows, best


def _forms(employees: list, rules) -> list:
    """One row per form and department: the departments compared form by form (see `PeriodReport`),
    the forms in the employees' order, the departments in place order."""
    by_form = defaultdict(lambda: defaultdict(list))
    for row in employees:
        by_form[row["form_name"]][row["department"]].append(row)
    made = []
    for form_name, departments in by_form.items():
        rows = [{"form_name": form_name, "department": department, **_compared(members, rules)}
                for department, members in sorted(departments.items())]
        _place(rows, rules)
        rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["department"]))
        made.extend(rows)
    return made


def grade_labels(form) -> list:
    """The labels of a form's grade, best first, or [] when it has none."""
    outcome = next((outcome for outcome in form.outcomes if outcome.id == "grade"), None)
    if outcome is None or outcome.band is None:
        return []
    return [*outcome.band.values, outcome.band.else_value]


def _grades(pd, employees: list):
    """The period's grades counted per department and form, for the forms with a grade: a
    DataFrame of (department, form_name, grade, count), every grade of the form listed (best
    first, then `无结果`), zeros included."""
    forms = known_forms()
    labels, counts = {}, defaultdict(lambda: defaultdict(int))
    for row in employees:
        form = forms.get(row["form_id"])
        if form is None or not grade_labels(form):
            continue
        labels.setdefault(row["form_name"], [str(label) for label in grade_labels(form)])
        counts[(row["department"], row["form_name"])][NO_RESULT if row["grade"] is None else str(row["grade"])] += 1
    records = [(department, form_name, label, found.get(label, 0))
               for (department, form_name), found in sorted(counts.items())
               for label in [*labels[form_name], NO_RESULT]]
    return pd.DataFrame(records, columns=["department", "form_name", "grade", "count"])


def _advice(pd, employees: list, rules):
    """The pay recommendations counted per department: a DataFrame, department × advice."""
    advices = [band.advice for band in rules.pay]
    counts = defaultdict(lambda: defaultdict(int))
    for row in employees:
        counts[row["department"]][row["pay_advice"] or NO_RESULT] += 1
    records = [{"department": department, **{advice: found.get(advice, 0) for advice in [*advices, NO_RESULT]}}
               for department, found in sorted(counts.items())]
    return pd.DataFrame(records, columns=["department", *advices, NO_RESULT])


def _changes(pd, changes: list):
    records = []
    for change in changes:
        after = change.after or {}
        records.append({"month": change.month, "employee_id": change.employee_id, "name": change.name,
                        "kind": change.label, "before_total": change.before.get("total"),
                        "after_total": after.get("total"), "change": describe_change(change.before, change.after),
                        "before_file": change.before.get("file"), "after_file": after.get("file"),
                        "when": change.run.started_at, "user": change.run.user_name, "reason": change.run.reason})
    return pd.DataFrame(records, columns=CHANGE_COLUMNS)


__all__ = ["period_report", "report_frame", "PeriodReport", "counted_months", "counted_totals", "period_average",
           "person_periods", "grade_labels",
           "EMPLOYEE_COLUMNS", "DEPARTMENT_COLUMNS", "FORM_COLUMNS", "CHANGE_COLUMNS"]
