"""Printing workbooks to PDF through LibreOffice, each PDF written atomically beside its workbook.

LibreOffice cannot run the KPI_* functions of the udf dialect (every computed
cell would print as #NAME?), so a udf workbook is printed from its native twin:
the same form, month and header texts, rendered with native formulas. For the
blank forms xlkpi writes, the two print the same page.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..base.errors import UsageError
from ..base.safe_write import write_atomic
from .cjkfonts import require_chinese_font
from .libreoffice import LibreOfficeMissing, convert, find_soffice


def print_pdf(form, workbook_path: Path, *, force: bool, **header) -> Path:
    """Print the form to `<workbook>.pdf` beside `workbook_path`, from the native dialect.

    `header`: name, employee_id, department, month, appraiser, as given to `render_workbook`.

    Raises:
        UsageError: the PDF exists and `force` is not given.
        LibreOfficeMissing: LibreOffice is not installed (the workbook is kept).
        FontMissing: no font that covers Chinese is installed (the workbook is kept).
    """
    from ..workbook.render import render_workbook

    pdf_path = Path(workbook_path).with_suffix(".pdf")
    if pdf_path.exists() and not force:
        raise UsageError(f"文件 {pdf_path} 已存在；如需覆盖，请加 --force。")
    _require_soffice(workbook_path)
    with tempfile.TemporaryDirectory(prefix="xlkpi-pdf-") as folder:
        twin = Path(folder, Path(workbook_path).stem + ".xlsx")
        render_workbook(form, out=twin, **header)
        print_beside([workbook_path], twins=[twin])
    return pdf_path


def print_month(written, *, roster, month: str, out_dir, dialect: str, jobs: int | None = None) -> list[str]:
    """Print the workbooks `generate_month` wrote (`written`, in `out_dir`) to PDFs beside them.

    In the udf dialect their native twins are generated from the same roster into a temporary
    folder and printed instead. Returns the PDFs' paths, in the order of `written`.

    Raises:
        LibreOfficeMissing: LibreOffice is not installed (the workbooks are kept).
        FontMissing: no font that covers Chinese is installed (the workbooks are kept).
    """
    if not written:
        return []
    _require_soffice(out_dir)
    processes = jobs or 2
    if dialect == "native":
        return print_beside(written, processes=processes)
    from ..month.batch import generate_month

    with tempfile.TemporaryDirectory(prefix="xlkpi-twins-") as folder:
        generate_month(roster, month, folder, dialect="native", jobs=jobs)
        twins = [os.path.join(folder, os.path.relpath(Path(path).with_suffix(".xlsx"), out_dir)) for path in written]
        return print_beside(written, twins=twins, processes=processes)


def print_beside(workbooks, *, twins=None, processes: int = 2) -> list[str]:
    """Print each workbook, or its twin when `twins` are given, to `<workbook>.pdf` beside the
    workbook; each PDF is written atomically. Returns the PDFs' paths."""
    workbooks = [Path(path) for path in workbooks]
    sources = [Path(path) for path in twins] if twins is not None else workbooks
    groups = []  # each: file name → index; a name met twice (two folders) goes to the next group
    for index, source in enumerate(sources):
        group = next((group for group in groups if source.stem not in group), None)
        if group is None:
            group = {}
            groups.append(group)
        group[source.stem] = index
    printed = [None] * len(sources)
    with tempfile.TemporaryDirectory(prefix="xlkpi-pdf-") as folder:
        for number, group in enumerate(groups):
            indexes = list(group.values())
            outputs = convert([sources[index] for index in indexes], Path(folder, str(number)), "pdf",
                              processes=processes)
            for index, output in zip(indexes, outputs):
                printed[index] = output
        targets = []
        for workbook, pdf in zip(workbooks, printed):
            target = workbook.with_suffix(".pdf")
            write_atomic(target, pdf.read_bytes())
            targets.append(str(target))
    return targets


def _require_soffice(kept) -> None:
    """Refuse to print without LibreOffice, or without a font that covers Chinese (`cjkfonts`)."""
    if find_soffice() is None:
        raise LibreOfficeMissing(f"考核表已生成（{kept}），但未生成 PDF：未找到 LibreOffice。"
                                 "请安装后重试，例如 apt-get install -y libreoffice-calc-nogui。")
    require_chinese_font(kept)
