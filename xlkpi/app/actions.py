"""What the add-in's buttons do, as plain functions on paths, each returning the text to show.

* `generate_this_month(roster)`: the month's workbooks for everyone on the roster, in
  a `YYYY-MM` folder beside it (as `xlkpi generate --roster <roster> --out <its folder>`).
* `collect_this_month(path)`: the month folder `path` lies in, or the latest month
  folder beside it that is not in the future; collected as `xlkpi collect` does, the
  summary replaced after keeping a copy of the old one (the click is the request).
* `check_workbook(path)`: every problem of one appraisal workbook, or its result.
* `function_help()`: the KPI_* functions, their arguments and what they compute.

Every failure xlkpi knows is returned as Chinese text, never raised: the text is what
the clerk sees in Excel. They read saved files only; nothing here touches an open workbook.
"""

from __future__ import annotations

import datetime
import inspect
import re
from pathlib import Path

from ..base.errors import XlkpiError
from ..base.periods import current_month

SHOWN_PROBLEMS = 15
_MONTH_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def generate_this_month(roster, *, today: datetime.date | None = None) -> str:
    """Generate this month's workbooks beside the roster file `roster`."""
    from ..month.batch import generate_month

    roster = Path(roster)
    if roster.suffix.lower() not in (".csv", ".xlsx"):
        return (f"当前工作簿 {roster.name} 不是名单：请打开名单（CSV 或 XLSX，列为 工号、姓名、部门、岗位、考核人）"
                "后再点“生成本月考核表”。")
    month = current_month(today)
    try:
        report = generate_month(roster, month, roster.parent)
    except XlkpiError as error:
        return str(error)
    lines = [f"{month}：生成 {len(report.written)} 份考核表，跳过 {len(report.skipped)} 份（已填写，未覆盖）。",
             f"文件夹：{roster.parent / month}"]
    return "\n".join(lines + _problem_lines(report.problems))


def month_folder(path, *, today: datetime.date | None = None) -> Path | None:
    """The month folder for `path`: the `YYYY-MM` folder it lies in, else the latest `YYYY-MM`
    folder beside it up to the current month; None when there is none."""
    path = Path(path)
    for folder in path.parents:
        if _MONTH_FOLDER.match(folder.name):
            return folder
    latest = current_month(today)
    folders = [entry for entry in path.parent.iterdir()
               if entry.is_dir() and _MONTH_FOLDER.match(entry.name) and entry.name <= latest]
    return max(folders, key=lambda entry: entry.name) if folders else None


def collect_this_month(path, *, today: datetime.date | None = None) -> str:
    """Collect the month folder of `path` (see `month_folder`); the old summary is kept as a copy."""
    from ..base.safe_write import backup_copy
    from ..month.monthly import close_month, default_paths

    folder = month_folder(path, today=today)
    if folder is None:
        return (f"{Path(path).parent} 里没有月份文件夹（如 {current_month(today)}）：请打开名单或某张考核表，"
                "它们旁边应有“生成本月考核表”生成的月份文件夹。")
    summary, _ = default_paths(folder, folder.name)
    try:
        kept = backup_copy(summary) if summary.exists() else None
        report = close_month(folder, folder.name, force=True)
    except (XlkpiError, OSError) as error:
        return f"汇总 {folder} 时出错：{getattr(error, 'strerror', None) or error}"
    done = int((report.frame["out_status"] == "已完成").sum()) if len(report.frame) else 0
    lines = [f"{report.month}：汇总 {len(report.frame)} 份（已完成 {done} 份），问题 {len(report.problems)} 个，"
             f"预警 {len(report.flags)} 人。", f"汇总表：{report.summary}"]
    if kept:
        lines.append(f"原汇总表已备份为：{kept.name}")
    return "\n".join(lines + _problem_lines(report.problems))


def check_workbook(path) -> str:
    """Check one appraisal workbook as `xlkpi collect` checks it: its problems, or its result."""
    from ..month.collect import read_appraisal

    path = Path(path)
    appraisal, problems = read_appraisal(path, shown_as=path.name)
    if appraisal is None:
        return "\n".join(problem.message for problem in problems)
    header = appraisal.header
    who = f"{header.get('hdr_name', '')}（{header.get('hdr_employee_id', '')}），{appraisal.month}"
    if not problems:
        total = appraisal.outputs.get("out_total")
        return f"{who}：没有发现问题。总分 {_number(total)}。"
    return "\n".join([f"{who}：发现 {len(problems)} 个问题。"] + _problem_lines(problems, prefix=False))


def function_help() -> str:
    """The KPI_* functions: each one's signature (brackets: optional) and its description."""
    from ..excel import udfs

    lines = ["KPI_* 函数（安装 xlkpi 加载项后，任何工作簿都能使用）："]
    for name in sorted(name for name in dir(udfs) if name.startswith("KPI_")):
        function = getattr(udfs, name)
        arguments = [parameter.name if parameter.default is inspect.Parameter.empty else f"[{parameter.name}]"
                     for parameter in inspect.signature(function).parameters.values()]
        lines.append(f"={name}({', '.join(arguments)})")
        lines.append(f"    {(inspect.getdoc(function) or '').splitlines()[0]}")
    return "\n".join(lines)


def _problem_lines(problems, *, prefix: bool = True) -> list:
    problems = list(problems)
    lines = [("问题：" if prefix and index == 0 else "") + str(problem)
             for index, problem in enumerate(problems[:SHOWN_PROBLEMS])]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"……还有 {len(problems) - SHOWN_PROBLEMS} 个问题（完整列表见汇总表的问题工作表或命令行）。")
    return lines


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.15g}"
    return "（未算出）" if value is None else str(value)
