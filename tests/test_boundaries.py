"""The boundary fillings land where they say: on every threshold of every item and outcome.

The parity tests (LibreOffice, the KPI_* functions) can only see a `>=` written as `>` if some
filling sits exactly on the threshold; these tests check that `boundary_fillings` gives such
fillings for every built-in form, with the totals worked out from the definitions (and, for
电话专员, whose levels cannot make every total, the nearest totals its levels do make).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import xlkpi
from xlkpi.forms.definitions import load_form
from xlkpi.rules.inputs import check_value
from xlkpi.rules.sampling import Boundary, boundary_fillings

FORMS = sorted(xlkpi.builtin_forms())

# the totals each form's outcome fillings must reach: each threshold of the outcomes' bands, 0.01
# below and above it; 电话专员's totals move in steps of 0.08 near its thresholds (自评 20% /
# 上级 80% of levels, then 业绩 80% / 行为 20%), so 89.99 and 90.01 cannot be reached
TOTALS = {
    "kefu_zhuanyuan": {90, 89.99, 90.01, 80, 79.99, 80.01, 60, 59.99, 60.01},
    "dianhua_zhuanyuan": {90, 89.92, 90.08, 80, 79.92, 80.08, 70, 69.92, 70.08},
    "hujiao_jingli": {91, 90.99, 91.01, 81, 80.99, 81.01, 71, 70.99, 71.01, 61, 60.99, 61.01},
    "kefubu_jingli": {91, 90.99, 91.01, 81, 80.99, 81.01, 71, 70.99, 71.01, 61, 60.99, 61.01},
    "kefu_zhuguan": {90, 89.99, 90.01, 80, 79.99, 80.01, 70, 69.99, 70.01},
    # and totals whose 绩效工资 (750 × 总分%) is a rounding tie: 50.01 → 375.075
    "wangdian_kefu": {90, 89.99, 90.01, 80, 79.99, 80.01, 70, 69.99, 70.01, 50.01},
    "kefu_zhuanyuan_menshi": set(),  # no outcome
    "kefu_renyuan": set(),
}


@pytest.fixture(scope="module")
def boundaries():
    return {form_id: boundary_fillings(form_id) for form_id in FORMS}


def test_every_form_has_its_totals_listed():
    assert sorted(TOTALS) == FORMS


@pytest.mark.parametrize("form_id", FORMS)
def test_the_outcome_thresholds_are_hit_exactly_and_beside(boundaries, form_id):
    form = xlkpi.get_form(form_id)
    totals = {xlkpi.score(form, boundary.filling)["out_total"] for boundary in boundaries[form_id]}
    assert TOTALS[form_id] <= totals, sorted(TOTALS[form_id] - totals)


@pytest.mark.parametrize("form_id", FORMS)
def test_each_filling_is_what_it_says(boundaries, form_id):
    """Complete, valid fillings; a filling named after a total scores that total; none twice."""
    form = xlkpi.get_form(form_id)
    specs = {spec.name: spec for spec in form.input_specs()}
    fillings = boundaries[form_id]
    assert fillings and all(isinstance(boundary, Boundary) for boundary in fillings)
    assert len({repr(sorted(boundary.filling.items())) for boundary in fillings}) == len(fillings)
    for what, filling in fillings:
        assert set(filling) == set(specs), what
        for name, value in filling.items():
            check_value(specs[name], value)  # raises if the sheet's validation would refuse it
        out = xlkpi.score(form, filling)
        if ": total " in what:
            named = float(what.split(": total ")[1].split(" ")[0])
            assert out["out_total"] == named, what
        elif "(no target: blank)" not in what:
            assert out["out_status"] == "已完成", what


def _single_input_bands(form):
    for item in form.items():
        if item.rule.kind == "band" and not item.ratio and not item.raters:
            yield item


@pytest.mark.parametrize("form_id", FORMS)
def test_every_band_threshold_is_typed_exactly_and_beside(boundaries, form_id):
    form = xlkpi.get_form(form_id)
    specs = {spec.name: spec for spec in form.input_specs()}
    typed = {}
    for _, filling in boundaries[form_id]:
        for name, value in filling.items():
            typed.setdefault(name, set()).add(value)
    for item in _single_input_bands(form):
        name = item.input_name()
        spec = specs[name]
        step = 1 if spec.integer else (0.0001 if spec.percent else 0.01)
        for threshold in item.rule.band.thresholds:
            assert threshold in typed[name], (name, threshold)
            for beside in (round(threshold - step, 10), round(threshold + step, 10)):
                low = spec.low if spec.low is not None else 0
                if low <= beside and (spec.high is None or beside <= spec.high):
                    assert beside in typed[name], (name, beside)


@pytest.mark.parametrize("form_id", FORMS)
def test_every_ratio_threshold_is_reached_exactly_and_beside(boundaries, form_id):
    form = xlkpi.get_form(form_id)
    for item in form.items():
        if not item.ratio:
            continue
        rates = set()
        for _, filling in boundaries[form_id]:
            num, den = filling[item.input_name("num")], filling[item.input_name("den")]
            if den:
                rates.add(Fraction(repr(num)) / Fraction(repr(den)))
        for threshold in item.rule.band.thresholds:
            exact = Fraction(repr(threshold))
            assert exact in rates, (item.id, threshold)
            assert any(rate < exact for rate in rates) and any(rate > exact for rate in rates)


def test_a_ratio_whose_binary_quotient_misses_the_threshold():
    """网店客服's 落实客单价 ≥ 1.12: a pair like 414.4 ÷ 370, 1.12 in decimals and 1.1199999999999999 in
    binary, where the sheet's ROUND(…, 9) decides."""
    pairs = [(filling["in_unit_price_num"], filling["in_unit_price_den"])
             for what, filling in boundary_fillings("网店客服") if "in binary just off" in what]
    assert len(pairs) == 3
    for num, den in pairs:
        assert Fraction(repr(num)) / den in (Fraction("1.12"), Fraction("1.08"), Fraction("1.06"))
        assert num / den not in (1.12, 1.08, 1.06)


def test_the_phone_form_says_where_a_total_cannot_be_reached(boundaries):
    whats = [boundary.what for boundary in boundaries["dianhua_zhuanyuan"]]
    assert "grade threshold 90: total 89.92 (nearest below; 89.99 not reachable)" in whats
    assert "grade threshold 90: total 90.08 (nearest above; 90.01 not reachable)" in whats


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "forms" / "valid").glob("*.yaml")),
                         ids=lambda path: path.stem)
def test_any_valid_definition(path):
    form = load_form(path)
    fillings = boundary_fillings(form)
    assert fillings
    for _, filling in fillings:
        xlkpi.score(form, filling)
