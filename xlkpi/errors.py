"""Errors and problems: what xlkpi refuses, and how it reports it.

`XlkpiError` and its branches are raised for things a caller must fix before
anything can go on (an unknown form, a malformed month). `Problem` is a record
of one defect found while checking a definition, a roster or a workbook:
checks collect every problem and return them all, instead of raising at the
first. Each problem carries a stable code from `CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass


class XlkpiError(Exception):
    """Base of every error xlkpi raises on purpose; its text is for the user."""

    exit_code = 1


class FormError(XlkpiError):
    """A form definition is invalid or cannot be found."""


class ScoringError(XlkpiError, ValueError):
    """An input cannot be scored: not a number, not one of the levels, out of range."""

    def __init__(self, message: str, *, name: str | None = None, code: str = "bad-value"):
        super().__init__(message)
        self.name = name
        self.code = code


class UsageError(XlkpiError):
    """A command-line value is malformed (a month, a path that exists)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One defect, with where it was found.

    Attributes:
        code: a slug from `CODES`.
        message: what was expected and what was found, in Chinese.
        file: the file the problem is in.
        line: 1-based line in a text file (definitions, rosters), else None.
        path: dotted path inside a definition (`sections.performance.items.revisit.weight`).
        sheet, cell, name: where in a workbook (`电话专员`, `G9`, `in_revisit_sup`).
    """

    code: str
    message: str
    file: str = ""
    line: int | None = None
    path: str = ""
    sheet: str = ""
    cell: str = ""
    name: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.sheet or self.cell:
            where = f"{where}: {self.sheet}!{self.cell}"
            if self.name:
                where = f"{where} ({self.name})"
        elif self.path:
            where = f"{where}: {self.path}"
        return f"{where} [{self.code}]: {self.message}"


CODES = {
    # form definitions
    "yaml-syntax": "the file is not valid YAML",
    "unknown-key": "a key the format does not know",
    "missing-key": "a required key is absent",
    "bad-type": "a value of the wrong kind",
    "bad-id": "an id that is not lower-case ASCII (a-z, 0-9, _)",
    "duplicate-id": "an id used twice in one form",
    "weight-sum": "weights that do not sum to 100%",
    "points-sum": "item points that do not add up to the section's points",
    "band-order": "band thresholds or scores that are not monotonic",
    "band-length": "thresholds and scores of different lengths",
    "empty-levels": "a level set or choice list with nothing in it",
    "unknown-ref": "a reference to a section, item or rater that does not exist",
    "rule-count": "an item with no scoring rule, or with more than one",
    "bad-value": "a number out of its allowed range",
    # inputs and workbooks
    "not-a-number": "text where a number belongs",
    "not-a-level": "a value outside the item's level set",
    "not-a-choice": "a value that is not one of the item's options",
    "out-of-range": "a number outside the allowed range",
    "blank": "a required input left blank",
    "not-an-integer": "a fraction where a whole number belongs",
    "damaged-file": "a file that is not a readable Excel workbook",
    "not-xlkpi": "a workbook xlkpi did not make (no _xlkpi record)",
    "unknown-version": "a form version this xlkpi does not know",
    "wrong-month": "a workbook of another month",
    "missing-name": "a defined name deleted from the workbook",
    "formula-overwritten": "a computed cell whose formula was replaced by a typed value",
    "write-failed": "a workbook that could not be written",
    "cached-mismatch": "a result saved in the workbook that differs from the recomputed one",
    # rosters
    "missing-column": "a roster without one of its required columns",
    "duplicate-employee": "an employee id used on two lines of a roster",
    "unknown-form": "a position that names no known form",
    "bad-encoding": "a text file in neither UTF-8 nor GBK/GB18030",
}
