"""xlkpi in Excel: the KPI_* functions (`udfs`), the VBA module xlwings writes for them
(`vba`), and the artefacts that bring them to Excel.

* `cfb` writes a Compound File (MS-CFB), the container of a `vbaProject.bin`.
* `ovba` writes a VBA project (MS-OVBA): its `dir` and `PROJECT` streams and compressed
  module sources, source only, for Excel to compile when it opens the file.
* `runtime` holds the VBA that xlkpi ships: xlwings' own modules from the pinned package
  (the standalone runtime, the custom add-in runtime and its dictionary class) as Excel
  stores them after importing them, and the KPI_* wrapper module xlwings' "Import
  Functions" writes; it builds (once per process) the project a udf workbook carries.
* `udf_workbook` adds that project and the `xlwings.conf` sheet to a udf workbook.
* `addin` builds `xlkpi.xlam`; `ribbon` is its 绩效考核 tab (customUI XML and the VBA
  callback that hands each button to Python through xlwings' RunPython).
* `install` puts the add-in where Excel opens it at start-up (XLSTART).
* `lite` writes the xlwings Lite module.

May import: `xlkpi.base` and `xlkpi.rules` only (the KPI_* functions stay light enough for Excel
and xlwings Lite). The add-in's buttons, which run the month's work, live in `xlkpi.app`.
"""
