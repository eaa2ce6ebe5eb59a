"""Old module names, kept working: before the modules moved into their parts (0.2), they
were `xlkpi.<module>` (`xlkpi.collect`, `xlkpi.udfs`, …). Importing an old name gives the
module under its new name, with a DeprecationWarning; workbooks made earlier call
`xlkpi.udfs` from their VBA and keep computing.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    'batch': 'month.batch',
    'boundaries': 'rules.boundaries',
    'cellvalues': 'rules.cellvalues',
    'cjkfonts': 'office.cjkfonts',
    'cli': 'app.cli',
    'clitexts': 'app.clitexts',
    'closing': 'month.closing',
    'collect': 'month.collect',
    'errors': 'base.errors',
    'excel.actions': 'app.actions',
    'excel.glue': 'app.glue',
    'flags': 'month.flags',
    'form_builder': 'forms.builder',
    'form_source': 'forms.source',
    'formulas': 'workbook.formulas',
    'inputs': 'rules.inputs',
    'layout': 'workbook.layout',
    'ledger': 'month.ledger',
    'ledger_sql': 'month.ledger_sql',
    'libreoffice': 'office.libreoffice',
    'manifest': 'month.manifest',
    'model': 'forms.model',
    'monthly': 'month.monthly',
    'pagefit': 'workbook.pagefit',
    'periods': 'base.periods',
    'plain_xml': 'workbook.plain_xml',
    'printing': 'office.printing',
    'progress': 'base.progress',
    'reader': 'workbook.reader',
    'render': 'workbook.render',
    'report': 'month.report',
    'report_book': 'month.report_book',
    'rewards': 'month.rewards',
    'roster': 'month.roster',
    'runlock': 'base.runlock',
    'safe_write': 'base.safe_write',
    'sampling': 'rules.sampling',
    'scoring': 'rules.scoring',
    'shared_strings': 'workbook.shared_strings',
    'stamp': 'workbook.stamp',
    'summary': 'month.summary',
    'table_xml': 'month.table_xml',
    'udfs': 'excel.udfs',
    'vba': 'excel.vba',
    'vectorized': 'rules.vectorized',
    'workbook_part': 'workbook.workbook_part',
    'workers': 'base.workers',
    'zip_package': 'workbook.zip_package',
}


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str):
        self.new = new

    def create_module(self, spec):
        module = importlib.import_module(self.new)
        self.own_spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        """Nothing to run: the module was run under its new name. It keeps its own spec, which
        the import system replaced with the alias's (`find_spec` of the new name reads it)."""
        module.__spec__ = self.own_spec


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        """A spec for an old name (`xlkpi.collect`) that loads the module's new name."""
        prefix, _, old = name.partition(".")
        if prefix != "xlkpi" or old not in MOVED:
            return None
        new = f"xlkpi.{MOVED[old]}"
        warnings.warn(f"{name} is now {new}", DeprecationWarning, stacklevel=2)
        return importlib.util.spec_from_loader(name, _Alias(new))


def install() -> None:
    """Make the old names importable (once)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
