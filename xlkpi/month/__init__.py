"""A month's work and its history: the roster (`roster`), generating the month's workbooks
(`batch`, `manifest`), collecting the filled ones (`collect`), the summary workbook (`summary`,
its fast table writer `table_xml`),
the ledger of results and its SQL (`ledger`, `ledger_sql`), flags across months (`flags`), the
month's close as one transaction (`monthly`, `closing`), and the period reports, rewards and
their settings (`report`, `report_book`, `rewards`, `settings`).

May import: `xlkpi.base`, `xlkpi.forms`, `xlkpi.rules`, `xlkpi.workbook`.
"""
