"""What an HR engineer scripts today instead of xlkpi: openpyxl loops.

`build_workbook` writes one employee's appraisal workbook cell by cell with openpyxl, with the
content of the form xlkpi generates: the title merged across the table, the header fields, the
table's header and one row per item (texts, levels, input cells shaded and unlocked, a formula
per score), subtotals, total and outcomes as formulas, notes and signature lines, borders,
fonts, fills, widths and row heights, a dropdown or range check on every input, the defined
names, sheet protection and an A4 page setup. It takes the positions and formulas from xlkpi's
layout so that both workbooks hold the same cells; everything else is plain openpyxl.

`collect_files` is the matching read-back script: `load_workbook` each file, read the inputs
through the defined names, score them with `xlkpi.score`, and write a summary with openpyxl.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from xlkpi.base.errors import ScoringError
from xlkpi.rules.scoring import score
from xlkpi.workbook.formulas import FormulaWriter
from xlkpi.workbook.layout import a1, build_layout, col_letter
from xlkpi.workbook.render import input_validation, levels_text

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNDERLINE = Border(bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
SECTION_FILL = PatternFill("solid", fgColor="EDEDED")
FONT = Font(name="宋体", size=10)
BOLD = Font(name="宋体", size=10, bold=True)
TITLE = Font(name="宋体", size=16, bold=True)
WRAP = Alignment(vertical="center", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=True)


def _style(cell, font=FONT, border=BOX, alignment=WRAP, fill=None, number_format=None):
    cell.font = font
    cell.border = border
    cell.alignment = alignment
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format


def _merge(sheet, row, first, last, value, **style):
    cell = sheet.cell(row=row + 1, column=first + 1, value=value)
    _style(cell, **style)
    for col in range(first + 1, last + 1):
        _style(sheet.cell(row=row + 1, column=col + 1), **style)
    if last > first:
        sheet.merge_cells(start_row=row + 1, start_column=first + 1, end_row=row + 1, end_column=last + 1)


def build_workbook(form, name: str, employee_id: str, department: str, month: str, appraiser: str, path):
    """Write one employee's workbook at `path` with openpyxl, cell by cell."""
    layout = build_layout(form)
    formulas = FormulaWriter(form, "native", lambda n: layout.cells[n]).formulas()
    specs = {spec.name: spec for spec in form.input_specs()}
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = layout.sheet
    sheet.sheet_view.showGridLines = False
    for col, column in enumerate(form.columns):
        sheet.column_dimensions[col_letter(col)].width = (column.width or 12) + 0.71

    ncols = layout.ncols
    _merge(sheet, layout.rows["title"], 0, ncols - 1, form.title, font=TITLE, border=Border(), alignment=CENTER)
    sheet.row_dimensions[layout.rows["title"] + 1].height = 30
    values = {"name": name, "employee_id": employee_id, "department": department, "position": form.position,
              "month": month, "appraiser": appraiser}
    for row, (label_first, label_last), (value_first, value_last), header in layout.header_cells:
        _merge(sheet, row, label_first, label_last, f"{header.label}：", font=BOLD, border=Border())
        text = values[header.field] if header.field else header.text
        fill = INPUT_FILL if header.field == "appraiser" else None
        _merge(sheet, row, value_first, value_last, text, border=UNDERLINE, fill=fill)
        sheet.row_dimensions[row + 1].height = 20

    head_row = layout.rows["table_header"]
    grouped = any(column.group for column in form.columns)
    for col, column in enumerate(form.columns):
        _style(sheet.cell(row=head_row + 1, column=col + 1, value=column.group or column.label), font=BOLD,
               alignment=CENTER, fill=HEAD_FILL)
        if grouped:
            _style(sheet.cell(row=head_row + 2, column=col + 1, value=column.label if column.group else None),
                   font=BOLD, alignment=CENTER, fill=HEAD_FILL)

    validations = {}
    for section in form.sections:
        title_row, subtotal_row = layout.section_rows[section.id]
        if title_row is not None:
            _merge(sheet, title_row, 0, ncols - 1, section.name, font=BOLD, fill=SECTION_FILL)
        for entry in (e for e in layout.item_rows if e.section is section):
            item, row = entry.item, entry.row
            for col, column in enumerate(form.columns):
                cell = sheet.cell(row=row + 1, column=col + 1)
                show = column.show
                if column.input:
                    role = "" if column.input == "value" else column.input
                    input_name = item.input_name(role)
                    if input_name in specs and layout.cells.get(input_name) == (row, col):
                        spec = specs[input_name]
                        cell.value = spec.default
                        _style(cell, alignment=CENTER, fill=INPUT_FILL,
                               number_format="0.0%" if spec.percent else None)
                        cell.protection = openpyxl.styles.Protection(locked=False)
                        rule = input_validation(spec, item)
                        if rule:
                            key = (rule["validate"], str(rule.get("source")), rule.get("minimum"), rule.get("maximum"),
                                   rule.get("value"))
                            validations.setdefault(key, (rule, []))[1].append(a1(row, col))
                    else:
                        _style(cell)
                    continue
                if show == "seq":
                    cell.value = entry.seq
                elif show == "name":
                    cell.value = item.name
                elif show == "points":
                    cell.value = item.points
                elif show == "weight":
                    cell.value = item.weight
                    cell.number_format = "0%"
                elif show == "text":
                    cell.value = item.text
                elif show == "levels":
                    cell.value = levels_text(item)
                elif show == "note":
                    cell.value = item.note
                elif show == "prompt":
                    cell.value = item.prompt
                elif show in ("score", "weighted", "rate"):
                    out = {"score": f"out_{item.id}", "weighted": f"out_{item.id}_weighted",
                           "rate": f"out_{item.id}_rate"}[show]
                    cell.value = formulas.get(out)
                    cell.number_format = "0.00"
                _style(cell, alignment=CENTER if show in ("seq", "points", "weight", "score", "weighted") else WRAP)
            sheet.row_dimensions[row + 1].height = 48
        result_col = layout.result_col(section)
        _merge(sheet, subtotal_row, 0, result_col - 1, f"{section.name}合计", font=BOLD, alignment=RIGHT)
        _style(sheet.cell(row=subtotal_row + 1, column=result_col + 1, value=formulas[f"out_{section.id}"]),
               font=BOLD, alignment=CENTER, number_format="0.00")
    for row, label, out in layout.result_rows:
        col = layout.cells[out][1]
        _merge(sheet, row, 0, col - 1, label, font=BOLD, alignment=RIGHT)
        _style(sheet.cell(row=row + 1, column=col + 1, value=formulas[out]), font=BOLD, alignment=CENTER,
               number_format="0.00" if out == "out_total" else None)
        sheet.row_dimensions[row + 1].height = 20
    for offset, note in enumerate(form.notes):
        _merge(sheet, layout.rows["notes"] + offset, 0, ncols - 1, note, border=Border())
    for offset, line in enumerate(form.signatures):
        _merge(sheet, layout.rows["signatures"] + offset, 0, ncols - 1, line, border=Border())

    for rule, cells in validations.values():
        kind = {"integer": "whole"}.get(rule["validate"], rule["validate"])
        if kind == "list":
            validation = DataValidation(type="list", formula1='"' + ",".join(map(str, rule["source"])) + '"')
        elif "minimum" in rule:
            validation = DataValidation(type=kind, operator="between", formula1=str(rule["minimum"]),
                                        formula2=str(rule["maximum"]))
        else:
            validation = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(rule["value"]))
        validation.promptTitle, validation.prompt = rule["input_title"], rule["input_message"]
        validation.errorTitle, validation.error = rule["error_title"], rule["error_message"]
        validation.showInputMessage = validation.showErrorMessage = True
        for ref in cells:
            validation.add(ref)
        sheet.add_data_validation(validation)

    quoted = "'" + layout.sheet.replace("'", "''") + "'"
    for defined, (row, col) in layout.cells.items():
        workbook.defined_names[defined] = DefinedName(defined, attr_text=f"{quoted}!${col_letter(col)}${row + 1}")

    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if form.landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{head_row + 1}:{layout.rows['table_start']}"
    meta = workbook.create_sheet("_xlkpi")
    for row, (key, value) in enumerate({"form_id": form.id, "form_version": str(form.version),
                                        "employee_id": employee_id, "month": month}.items(), start=1):
        meta.cell(row=row, column=1, value=key)
        meta.cell(row=row, column=2, value=value)
    meta.sheet_state = "hidden"
    workbook.save(path)


def collect_files(paths, summary_path) -> int:
    """Read each workbook with openpyxl, score it with `xlkpi.score`, write a summary; returns the rows."""
    from xlkpi.forms.definitions import builtin_forms

    forms = builtin_forms()
    rows = []
    for path in paths:
        workbook = openpyxl.load_workbook(path)
        meta = {row[0]: row[1] for row in workbook["_xlkpi"].iter_rows(values_only=True)}
        form = forms[meta["form_id"]]
        inputs = {}
        header = {}
        for defined, definition in workbook.defined_names.items():
            for title, coordinate in definition.destinations:
                value = workbook[title][coordinate.replace("$", "")].value
                if defined.startswith("in_"):
                    inputs[defined] = value
                elif defined.startswith("hdr_"):
                    header[defined] = value
        try:
            outputs = score(form, inputs)
        except ScoringError:
            outputs = {}
        rows.append([header.get("hdr_employee_id"), header.get("hdr_name"), header.get("hdr_department"), form.name,
                     outputs.get("out_total"), outputs.get("out_status"), str(Path(path).name)])
    summary = openpyxl.Workbook()
    sheet = summary.active
    sheet.title = "汇总"
    sheet.append(["工号", "姓名", "部门", "岗位", "总分", "填写状态", "文件"])
    for row in rows:
        sheet.append(row)
    summary.save(summary_path)
    return len(rows)
