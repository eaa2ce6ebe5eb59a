"""The native formulas, recalculated by LibreOffice, agree with xlkpi.score on every cell.

For each built-in form, 200+ fillings (band boundaries, blanks, partial
fillings, seeded) are rendered, recalculated by LibreOffice headless in one
batch, read back by defined name, and compared with the engine.
"""

from __future__ import annotations

import random

import pytest

import xlkpi
from xlkpi.libreoffice import convert
from xlkpi.render import Employee, build_workbook
from xlkpi.sampling import random_filling

from .sheetvalues import defined_cells, layout_cells, mismatches, read_values

FILLINGS_PER_FORM = 200
# One xdist worker builds the module's batch; with `--dist loadgroup` the others never repeat it.
pytestmark = pytest.mark.xdist_group("libreoffice")
FORMS = sorted(xlkpi.builtin_forms())


def fillings(form, count, seed):
    """Full fillings, partial ones, an empty one, and one with every input at a boundary."""
    rng = random.Random(seed)
    result = [{spec.name: None for spec in form.input_specs() if spec.role != "target"}]
    for index in range(count - 1):
        blank_rate = 0.0 if index % 4 else rng.choice([0.1, 0.3, 0.7])
        result.append(random_filling(form, rng, blank_rate=blank_rate))
    return result


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    """{form id: [(filling, recalculated path)]}, all converted in one LibreOffice batch."""
    source = tmp_path_factory.mktemp("rendered")
    target = tmp_path_factory.mktemp("recalculated")
    plan = {}
    files = []
    for seed, form_id in enumerate(FORMS):
        form = xlkpi.get_form(form_id)
        plan[form_id] = []
        for index, filling in enumerate(fillings(form, FILLINGS_PER_FORM, seed)):
            path = source / f"{form_id}_{index:03d}.xlsx"
            employee = Employee("测试员", f"T{index:03d}", "客服部", "2026-11")
            path.write_bytes(build_workbook(form, employee, values=filling))
            plan[form_id].append((filling, path))
            files.append(path)
    converted = dict(zip(files, convert(files, target, "xlsx", processes=2)))
    return {form_id: [(filling, converted[path]) for filling, path in entries] for form_id, entries in plan.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", FORMS)
def test_defined_names_survive_recalculation(recalculated, form_id):
    form = xlkpi.get_form(form_id)
    _, path = recalculated[form_id][0]
    assert defined_cells(path) == layout_cells(form)


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", FORMS)
def test_every_computed_cell_equals_the_engine(recalculated, form_id):
    form = xlkpi.get_form(form_id)
    cells = {name: cell for name, cell in layout_cells(form).items() if name.startswith("out_")}
    failures = []
    for filling, path in recalculated[form_id]:
        engine = xlkpi.score(form, filling)
        wrong = mismatches(form, read_values(path, cells), engine)
        if wrong:
            failures.append((path.name, filling, wrong))
    assert len(recalculated[form_id]) >= FILLINGS_PER_FORM
    assert not failures, f"{len(failures)} workbooks differ; first: {failures[0]}"


@pytest.mark.libreoffice
def test_fillings_cover_blanks_boundaries_and_every_outcome(recalculated):
    """The fillings are not all alike: some complete, some partial, every grade reached."""
    for form_id in FORMS:
        form = xlkpi.get_form(form_id)
        results = [xlkpi.score(form, filling) for filling, _ in recalculated[form_id]]
        statuses = {result["out_status"] == "已完成" for result in results}
        assert statuses == {True, False}
        for outcome in form.outcomes:
            reached = {result[f"out_{outcome.id}"] for result in results} - {None}
            assert len(reached) >= 2, (form_id, outcome.id, reached)
