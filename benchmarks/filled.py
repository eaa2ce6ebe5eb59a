"""Filled workbooks for the benchmark, written fast.

Typing values into thousands of workbooks with openpyxl would take minutes. Instead each form is
rendered once for the month with a distinct marker in every input (a number such as 987654003 in
a numeric input, a text such as `@@IN-007@@` in a choice input), and each filled workbook is the
stamped template (`xlkpi.workbook.stamp.Template`) with the markers replaced by the values typed: numbers
as numbers, choices as text, exactly the cells a clerk fills in Excel. The formulas are the
template's, with no cached results, as in any workbook Python writes.
"""

from __future__ import annotations

import random

from xlkpi.forms.definitions import get_form
from xlkpi.rules.sampling import random_filling
from xlkpi.workbook.render import Employee, render_bytes
from xlkpi.workbook.stamp import PLACEHOLDERS, Template, xml_text

_NUMBER_MARK = 987654000


def _number(value) -> bytes:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)).encode()
    return repr(value).encode()


class FilledTemplate:
    """One form's template for one month whose inputs can be filled per workbook."""

    def __init__(self, form, month: str):
        self.form = get_form(form)
        self.marks = {}
        values = {}
        for index, spec in enumerate(self.form.input_specs(), start=1):
            if spec.kind == "choice":
                mark = f"@@IN-{index:03d}@@"
                values[spec.name] = mark
                self.marks[spec.name] = ("text", mark.encode())
            else:
                values[spec.name] = _NUMBER_MARK + index
                self.marks[spec.name] = ("number", f"<v>{_NUMBER_MARK + index}</v>".encode())
        employee = Employee(PLACEHOLDERS["name"], PLACEHOLDERS["employee_id"], PLACEHOLDERS["department"],
                            month, PLACEHOLDERS["appraiser"])
        data = render_bytes(self.form, employee, values=values)
        self.template = Template(data, tokens=[token for _, token in self.marks.values()])

    def stamp(self, filling: dict, **header) -> bytes:
        """The workbook of one employee with `filling` (input name → value or None) typed in."""
        extra = []
        for name, (kind, token) in self.marks.items():
            value = filling.get(name)
            if kind == "text":
                extra.append((token, xml_text("" if value is None else str(value))))
            elif value is None or value == "":
                extra.append((token, b""))  # <c r=".." s=".."></c>: an empty cell
            else:
                extra.append((token, b"<v>" + _number(value) + b"</v>"))
        return self.template.stamp(extra=extra, **header)


def fillings(form, count: int, seed: int = 0) -> list:
    """`count` random fillings of `form` (band boundaries included), reproducible by `seed`."""
    rng = random.Random(seed)
    form = get_form(form)
    return [random_filling(form, rng) for _ in range(count)]
