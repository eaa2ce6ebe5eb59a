"""LibreOffice: recalculating and converting workbooks headless (`libreoffice`), printing
the forms and the summary to PDF (`printing`) and refusing to print without a Chinese font
(`cjkfonts`).

May import: `xlkpi.base`, `xlkpi.forms`, `xlkpi.workbook`, `xlkpi.month`.
"""
