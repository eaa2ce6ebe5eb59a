"""xlkpi: monthly KPI appraisal workbooks for customer-service departments.

The public API is imported lazily, so that `xlkpi.udfs` (the Excel functions)
and `xlkpi.scoring` load only the standard library, as xlwings Lite needs.
"""

__version__ = "0.1.0"

_API = {
    "FormError": "errors", "Problem": "errors", "ScoringError": "errors", "XlkpiError": "errors",
    "builtin_forms": "forms", "check_form_file": "forms", "get_form": "forms", "load_form": "forms",
    "excel_round": "scoring", "score": "scoring",
    "render_workbook": "render", "generate_month": "batch", "collect_month": "collect", "score_frame": "vectorized",
    "period_report": "report", "report_frame": "report", "load_rules": "rules",
}

__all__ = ["__version__", *_API]


def __getattr__(name):
    if name not in _API:
        raise AttributeError(f"module 'xlkpi' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_API[name]}", __name__), name)
    globals()[name] = value
    return value
