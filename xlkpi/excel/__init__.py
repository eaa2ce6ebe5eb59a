"""xlkpi in Excel: the artefacts that bring the KPI_* functions to Excel (the xlwings Lite module)."""
