"""One appraisal workbook: where each cell is (`layout`), the formulas that compute it
(`formulas`), writing it (`render`) at a readable print size (`pagefit`), stamping a rendered
template for each employee (`stamp`) and reading a filled workbook back (`reader`, over
`zip_package`, `plain_xml`, `workbook_part` and `shared_strings`).

May import: `xlkpi.base`, `xlkpi.forms`, `xlkpi.rules`, `xlkpi.excel`. Never the month.
"""
