"""What a clerk may type into one input cell: the bounds and whole numbers, with the messages
the clerk reads, written out."""

from __future__ import annotations

import pytest

from xlkpi.base.errors import ScoringError
from xlkpi.forms.definitions import get_form
from xlkpi.forms.model import InputSpec
from xlkpi.rules.inputs import check_value


def spec_of(form_id: str, name: str):
    return next(spec for spec in get_form(form_id).input_specs() if spec.name == name)


@pytest.mark.parametrize("spec, typed, message", [
    (InputSpec(name="in_x", item="x", role="", label="x", low=0), -0.5, "应不小于 0，实际为 -0.5。"),  # a low bound only
    (spec_of("客服专员", "in_skill"), 10.5, "应在 0 到 10 之间，实际为 10.5。"),    # both bounds
    (InputSpec(name="in_x", item="x", role="", label="x", high=5), 6, "应不大于 5，实际为 6。"),  # a high bound only
])
def test_out_of_range(spec, typed, message):
    with pytest.raises(ScoringError) as caught:
        check_value(spec, typed)
    assert (caught.value.code, str(caught.value), caught.value.name) == ("out-of-range", message, spec.name)


@pytest.mark.parametrize("spec, typed, expected", [
    (spec_of("客服专员", "in_leave"), 0, 0.0),
    (spec_of("客服专员", "in_leave"), 0.5, 0.5),
    (spec_of("客服专员", "in_skill"), 10, 10.0),
    (spec_of("客服专员", "in_skill"), 0, 0.0),
    (InputSpec(name="in_x", item="x", role="", label="x", high=5), -3, -3.0),
    (InputSpec(name="in_x", item="x", role="", label="x"), -3, -3.0),
])
def test_within_range(spec, typed, expected):
    assert check_value(spec, typed) == expected


def test_whole_numbers():
    spec = spec_of("客服专员", "in_attendance")
    assert check_value(spec, 2) == 2.0
    with pytest.raises(ScoringError) as caught:
        check_value(spec, 1.5)
    assert (caught.value.code, str(caught.value)) == ("not-an-integer", "应为整数，实际为 1.5。")


def test_alternatives_as_a_message_lists_them():
    from xlkpi.rules.inputs import alternatives

    assert alternatives([20.0, 10.0, 0.0]) == "20、10 或 0"
    assert alternatives([20, 10]) == "20 或 10"
    assert alternatives([5]) == "5"
    assert alternatives([]) == ""
