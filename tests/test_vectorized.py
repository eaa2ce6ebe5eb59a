"""The vectorised engine (`score_frame`) gives the same digits as `xlkpi.score`, row for row.

Random fillings of every built-in form (band boundaries included, some inputs blank), plus
rows constructed to sit on rounding ties, where a float-rounding shortcut would differ from
Excel's ROUND: every `out_` value must be exactly equal (floats compared with ==, blank as
None from `score` and NaN or None from `score_frame`).
"""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest

from xlkpi.forms.definitions import builtin_forms, get_form
from xlkpi.rules.sampling import random_filling
from xlkpi.rules.scoring import excel_round, score
from xlkpi.rules.vectorized import score_frame

ROWS = 2000


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assert_same(form, rows: list) -> None:
    """score_frame over `rows` equals score on each row, for every out_ name score gives."""
    frame = score_frame(form, pd.DataFrame(rows))
    assert len(frame) == len(rows)
    columns = {name: frame[name].tolist() for name in frame.columns}
    mismatches = []
    for index, row in enumerate(rows):
        expected = score(form, row)
        assert set(expected) <= set(columns)
        for name, want in expected.items():
            got = columns[name][index]
            if want is None:
                same = _blank(got)
            elif isinstance(want, str):
                same = got == want
            else:
                same = not _blank(got) and not isinstance(got, str) and float(got) == float(want)
            if not same:
                mismatches.append((index, name, want, got))
    assert not mismatches, mismatches[:10]


def manager_full_marks() -> dict:
    """呼叫中心经理 with every actual at its default target (each item at 100)."""
    form = get_form("呼叫中心经理")
    targets = {spec.item: spec.default for spec in form.input_specs() if spec.role == "target"}
    values = {}
    for spec in form.input_specs():
        values[spec.name] = spec.default if spec.role == "target" else targets[spec.item]
    return values


@pytest.mark.parametrize("form_id", sorted(builtin_forms()))
def test_random_rows_score_alike(form_id):
    form = get_form(form_id)
    rng = random.Random(f"vectorized-{form_id}")
    rows = [random_filling(form, rng, blank_rate=rate) for rate in (0.0, 0.05, 0.3) for _ in range(ROWS // 3 + 1)]
    assert len(rows) >= ROWS
    assert any(value is None for row in rows for value in row.values())  # blanks are exercised
    assert_same(form, rows)


def test_the_manager_tie_rounds_up_like_excel():
    # 8970 of 10000 calls: 89.7 × 5% = 4.485, total 99.485 before rounding: Excel shows 99.49
    row = {**manager_full_marks(), "in_call_volume_actual": 8970}
    assert score("呼叫中心经理", row)["out_total"] == 99.49
    frame = score_frame("呼叫中心经理", pd.DataFrame([row]))
    assert frame["out_total"].iloc[0] == 99.49


def test_rows_on_rounding_ties_score_alike():
    """Sweeps of one input over many values: raw totals and subtotals land on .xx5 again and again."""
    manager = get_form("呼叫中心经理")
    base = manager_full_marks()
    rows = [{**base, "in_call_volume_actual": actual} for actual in range(8000, 10001, 5)]
    rows += [{**base, "in_satisfaction_actual": actual / 1000} for actual in range(600, 901, 3)]
    ties = 0
    for row in rows:
        scored = score(manager, row)
        total = scored["out_total"]
        raw = sum(scored[f"out_{item.id}_weighted"] for item in manager.items())
        ties += excel_round(raw, 2) != round(raw, 2)
        assert total == excel_round(raw, 2)
    assert ties > 0  # the sweep does cross rounding ties
    assert_same(manager, rows)

    # 电话专员: 自评 20% / 上级 80% blends of every level pair, and the 行为 levels: subtotals on halves
    phone = get_form("电话专员")
    rng = random.Random("ties")
    rows = [random_filling(phone, rng) for _ in range(300)]
    assert_same(phone, rows)
