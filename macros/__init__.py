"""The VBA modules xlkpi puts into workbooks and its add-in, as source (installed as xlkpi.macros).

* `xlwings_udfs.bas`: the KPI_* wrappers exactly as xlwings' "Import Functions" writes them
  for `xlkpi.excel.udfs` (regenerate with `xlkpi udfs vba > macros/xlwings_udfs.bas`; a test keeps
  it equal to what xlwings generates);
* `xlkpi_ribbon.bas`: the callbacks of the add-in's 绩效考核 tab.

Files are kept with LF line ends; `xlkpi.excel.runtime.macro_text` reads them.
"""
