"""The native formulas, recalculated by LibreOffice, agree with xlkpi.score on every cell.

For each built-in form, the fillings that land exactly on every threshold of its
items and outcomes and just beside them (`boundary_fillings`: a count of exactly 2,
a rate of exactly 75%, a total of exactly 90 and 89.99), an empty one, and 160
random ones (blanks, partial fillings, seeded) are rendered, recalculated by
LibreOffice headless in one batch, read back by defined name, and compared with the
engine: a `>=` written as `>` in any band, grade or pay shows here.
"""

from __future__ import annotations

import os
import random

import pytest

import xlkpi
from xlkpi.office.libreoffice import convert
from xlkpi.rules.sampling import boundary_fillings, random_filling
from xlkpi.workbook.render import Employee, build_workbook

from .sheetvalues import defined_cells, layout_cells, mismatches, read_values

# random fillings per form, besides the boundary fillings (about 45 a form) and an empty one; the
# mutation run (docs/mutation-testing.md) lowers it through the environment to keep each run short
FILLINGS_PER_FORM = int(os.environ.get("XLKPI_PARITY_RANDOM", "160"))
# One xdist worker builds the module's batch; with `--dist loadgroup` the others never repeat it.
pytestmark = pytest.mark.xdist_group("libreoffice")
FORMS = sorted(xlkpi.builtin_forms())


def fillings(form, count, seed):
    """Every boundary filling, an empty one, and `count` random ones, full and partial (the udf
    parity test uses them too)."""
    return [filling for _, filling in labelled_fillings(form, count, seed)]


def labelled_fillings(form, count, seed):
    """`fillings` as (what, filling): what a boundary filling hits, `empty`, `random N`."""
    rng = random.Random(seed)
    result = [(boundary.what, boundary.filling) for boundary in boundary_fillings(form)]
    result.append(("empty", {spec.name: None for spec in form.input_specs() if spec.role != "target"}))
    for index in range(count):
        blank_rate = 0.0 if index % 4 else rng.choice([0.1, 0.3, 0.7])
        result.append((f"random {index}", random_filling(form, rng, blank_rate=blank_rate)))
    return result


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    """{form id: [(what, filling, recalculated path)]}, all converted in one LibreOffice batch."""
    source = tmp_path_factory.mktemp("rendered")
    target = tmp_path_factory.mktemp("recalculated")
    plan = {}
    files = []
    for seed, form_id in enumerate(FORMS):
        form = xlkpi.get_form(form_id)
        plan[form_id] = []
        for index, (what, filling) in enumerate(labelled_fillings(form, FILLINGS_PER_FORM, seed)):
            path = source / f"{form_id}_{index:03d}.xlsx"
            employee = Employee("测试员", f"T{index:03d}", "客服部", "2026-11")
            path.write_bytes(build_workbook(form, employee, values=filling))
            plan[form_id].append((what, filling, path))
            files.append(path)
    converted = dict(zip(files, convert(files, target, "xlsx", processes=2)))
    return {form_id: [(what, filling, converted[path]) for what, filling, path in entries]
            for form_id, entries in plan.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", FORMS)
def test_defined_names_survive_recalculation(recalculated, form_id):
    form = xlkpi.get_form(form_id)
    _, _, path = recalculated[form_id][0]
    assert defined_cells(path) == layout_cells(form)


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", FORMS)
def test_every_computed_cell_equals_the_engine(recalculated, form_id):
    form = xlkpi.get_form(form_id)
    cells = {name: cell for name, cell in layout_cells(form).items() if name.startswith("out_")}
    failures = []
    for what, filling, path in recalculated[form_id]:
        engine = xlkpi.score(form, filling)
        wrong = mismatches(form, read_values(path, cells), engine)
        if wrong:
            failures.append((path.name, what, filling, wrong))
    assert len(recalculated[form_id]) >= FILLINGS_PER_FORM
    shown = "\n".join(f"{name} [{what}]: {wrong}" for name, what, _, wrong in failures[:8])
    assert not failures, f"{len(failures)} workbooks differ; first: {failures[0]}\n{shown}"


@pytest.mark.libreoffice
def test_fillings_cover_blanks_boundaries_and_every_outcome(recalculated):
    """The fillings are not all alike: some complete, some partial, every grade reached."""
    for form_id in FORMS:
        form = xlkpi.get_form(form_id)
        results = [xlkpi.score(form, filling) for _, filling, _ in recalculated[form_id]]
        statuses = {result["out_status"] == "已完成" for result in results}
        assert statuses == {True, False}
        for outcome in form.outcomes:
            reached = {result[f"out_{outcome.id}"] for result in results} - {None}
            assert len(reached) >= 2, (form_id, outcome.id, reached)
