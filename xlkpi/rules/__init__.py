"""The scoring rules, once: the engine that scores one filled form (`scoring`), the same rules
vectorised over a month (`vectorized`), how a typed cell value is read (`cellvalues`), the
checks of each input (`inputs`), and fillings that exercise the rules: random ones (`sampling`)
and ones on every threshold (`boundaries`). The formula emitter and the KPI_* functions express
these rules.

May import: `xlkpi.base`, `xlkpi.forms`. Never a workbook, the month or Excel.
`scoring`, `cellvalues` and `inputs` use the standard library only (xlwings Lite runs them).
"""
