"""xlkpi: monthly KPI appraisal workbooks for customer-service departments.

The public API is imported lazily, so that `xlkpi.excel.udfs` (the Excel functions)
and `xlkpi.rules.scoring` load only the standard library, as xlwings Lite needs.
"""

__version__ = "0.1.0"

_API = {
    "FormError": "base.errors", "Problem": "base.errors", "ScoringError": "base.errors", "XlkpiError": "base.errors",
    "builtin_forms": "forms.definitions", "check_form_file": "forms.definitions", "get_form": "forms.definitions", "load_form": "forms.definitions",
    "excel_round": "rules.scoring", "score": "rules.scoring",
    "render_workbook": "workbook.render", "generate_month": "month.batch", "collect_month": "month.collect", "score_frame": "rules.vectorized",
    "period_report": "month.report", "report_frame": "month.report", "load_rules": "month.settings",
}

from . import aliases as _aliases  # noqa: E402

_aliases.install()

__all__ = ["__version__", *_API]


def __getattr__(name):
    if name not in _API:
        raise AttributeError(f"module 'xlkpi' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_API[name]}", __name__), name)
    globals()[name] = value
    return value
