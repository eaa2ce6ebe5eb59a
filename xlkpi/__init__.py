"""xlkpi: monthly KPI appraisal workbooks for customer-service departments."""

__version__ = "0.1.0"

from .errors import FormError, Problem, ScoringError, XlkpiError  # noqa: E402
from .forms import builtin_forms, check_form_file, get_form, load_form  # noqa: E402
from .scoring import excel_round, score  # noqa: E402

__all__ = [
    "__version__", "FormError", "Problem", "ScoringError", "XlkpiError", "builtin_forms",
    "check_form_file", "excel_round", "get_form", "load_form", "score", "render_workbook",
]


def render_workbook(*args, **kwargs):
    """Render one form for one employee and month; see `xlkpi.render.render_workbook`."""
    from .render import render_workbook as _render

    return _render(*args, **kwargs)
