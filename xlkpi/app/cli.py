"""The `xlkpi` command: forms, scoring and Excel helpers for HR clerks.

Every command is a plain function registered on the `main` group. An
`XlkpiError` raised anywhere below `main` is shown as `错误：<message>` on
stderr with the error's exit code (`CommandError`); a clerk never sees a
Python traceback for a mistake xlkpi knows about. Messages are in Chinese,
click's own texts included (`clitexts`). A long command shows its progress with
`click.progressbar` on a terminal, and nothing when its output goes elsewhere.

To add a command, write a function and decorate it with `@main.command()`
(or `@forms.command()` for a subcommand of `xlkpi forms`); raise
`XlkpiError` (or a branch) for anything the user must fix.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import click

from .. import __version__
from ..base.errors import ScoringError, UsageError, XlkpiError
from ..base.periods import parse_month
from ..base.progress import reporting
from ..forms.definitions import check_form_file, get_form, known_forms, load_form, use_form_folders
from ..forms.model import HEADER_LABELS, ROLE_LABELS
from . import clitexts


# --------------------------------------------------------------------- errors
class CommandError(click.ClickException):
    """An `XlkpiError` as click shows it: `Error: <message>` on stderr, the error's exit code."""

    def __init__(self, error: XlkpiError):
        super().__init__(str(error))
        self.exit_code = getattr(error, "exit_code", 1)


clitexts.install()


class ChineseParams:
    """A command whose usage and help name every value in Chinese (`clitexts.metavar`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", clitexts.OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if not getattr(param, "is_flag", False):
                param.metavar = clitexts.metavar(param.metavar or param.make_metavar(ctx))
        return params


class XlkpiCommand(ChineseParams, click.Command):
    """A command of `xlkpi`: its help and usage in Chinese."""


class XlkpiGroup(ChineseParams, click.Group):
    """A click group that turns every error of its commands into a Chinese message and an exit code:
    an `XlkpiError` as it is; an OS or library error explained (`errors.explain`); an unexpected
    error (a defect of xlkpi) explained too, its traceback written to a log file whose path the
    message gives. A Python traceback never reaches the clerk. Its commands and groups are
    of the same kinds, so that every help and usage is in Chinese."""

    command_class = XlkpiCommand
    group_class = type  # a subgroup is an XlkpiGroup too

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", clitexts.SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except XlkpiError as error:
            raise CommandError(error) from None
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise CommandError(XlkpiError("已中断：操作被用户取消。已写出的文件都是完整的；可以重新运行。")) from None
        except Exception as error:  # noqa: BLE001 - the last line of defence: never a traceback
            raise CommandError(XlkpiError(_unexpected(error))) from None


def _unexpected(error: BaseException) -> str:
    """The message of an error xlkpi did not foresee: explained, and its traceback kept in a log file."""
    import tempfile
    import time
    import traceback

    from ..base.errors import explain

    text = explain(error)
    try:
        log = Path(tempfile.gettempdir()) / f"xlkpi-error-{time.strftime('%Y%m%d-%H%M%S')}.log"
        log.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
        where = f"详细信息已写入 {log}，请把该文件发给维护人员。"
    except OSError:
        where = "请把这条信息发给维护人员。"
    if isinstance(error, (OSError, MemoryError)) or text.startswith(("历史", "文件", "文字", "无法", "内存", "系统")):
        return f"{text}。{where}"
    return f"xlkpi 内部错误：{text}。这是程序的缺陷，不是操作造成的；已写出的文件都是完整的。{where}"


# --------------------------------------------------------------------- text helpers
def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide and full-width characters (中文) count 2."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def table(rows, gap: str = "  ") -> list[str]:
    """Rows of cells as lines whose columns line up in a terminal; the last cell is not padded."""
    rows = [[str(cell) for cell in row] for row in rows]
    if not rows:
        return []
    count = max(len(row) for row in rows)
    widths = [max((display_width(row[i]) for row in rows if i < len(row)), default=0) for i in range(count)]
    lines = []
    for row in rows:
        cells = [pad(cell, widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        lines.append(gap.join(cells).rstrip())
    return lines


def fmt_number(value) -> str:
    """A number as Excel shows it (15 significant digits, no trailing `.0`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    text = f"{float(value):.15g}"
    return "0" if text == "-0" else text


def fmt_percent(value) -> str:
    """A fraction as a percentage: 0.75 → `75%`."""
    return f"{float(f'{value * 100:.13g}'):g}%"


def _resolve_form(key: str):
    """A built-in form by id or Chinese name, or a definition file by path."""
    if key.endswith((".yaml", ".yml")):
        return load_form(key)
    return get_form(key)


def forms_option():
    """`--forms DIR` (may be repeated): folders of the user's own definitions, known besides the
    built-in forms to this command and the processes it starts (see `forms.use_form_folders`)."""

    def use(ctx, param, folders):
        if folders:
            use_form_folders(folders)

    return click.option("--forms", "form_folders", multiple=True, expose_value=False, callback=use,
                        type=click.Path(exists=True, file_okay=False), metavar="DIR",
                        help="自己的表单定义所在的文件夹（可重复），与内置表单一起使用。")


# --------------------------------------------------------------------- main
@click.group(cls=XlkpiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="xlkpi", message="%(prog)s %(version)s")
def main():
    """xlkpi：月度绩效考核表（Excel）的生成、检查与计分。"""


# --------------------------------------------------------------------- forms
@main.group(invoke_without_command=True)
@forms_option()
@click.pass_context
def forms(ctx):
    """列出可用的考核表单（内置的，以及 --forms 文件夹中的）；子命令检查或查看表单定义。"""
    if ctx.invoked_subcommand is not None:
        return
    listed = known_forms().values()
    counts = [sum(1 for _ in form.items()) for form in listed]
    digits = max((len(str(count)) for count in counts), default=1)
    rows = [[form.id, form.name, f"v{form.version}", f"{count:>{digits}} 项", form.title]
            for form, count in zip(listed, counts)]
    for line in table(rows):
        click.echo(line)


@forms.command("check")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def forms_check(files):
    """检查表单定义文件（YAML），报告每个文件的全部问题。

    每个问题一行，写到错误输出：`文件:行: 位置 [代码]: 说明`。
    全部文件通过检查时退出码为 0，否则为 1。
    """
    check_files(files, check_form_file)


def check_files(files, check) -> None:
    """Check each file with `check` (file → (result, problems)): every problem on its own line to
    stderr, then a count; exit status 1 when any file has a problem."""
    failed = 0
    count = 0
    for file in files:
        _, problems = check(file)
        for problem in problems:
            click.echo(str(problem), err=True)
        count += len(problems)
        failed += bool(problems)
    if failed:
        passed = len(files) - failed
        click.echo(f"发现 {count} 个问题：{failed} 个文件未通过检查，{passed} 个文件通过检查。")
        click.get_current_context().exit(1)
    click.echo(f"{len(files)} 个文件通过检查。")


@forms.command("show")
@click.argument("form")
def forms_show(form):
    """显示表单的输入（in_...）和结果（out_...）名称。

    表单为表单 id（如 dianhua_zhuanyuan）、中文名（如 电话专员）或定义文件路径。
    """
    form = _resolve_form(form)
    click.echo(f"{form.name}（{form.id}）v{form.version}  {form.title}")
    click.echo("")
    click.echo("表头：")
    rows = []
    for field in form.header:
        if field.field:
            rows.append([f"hdr_{field.field}", field.label or HEADER_LABELS[field.field]])
    for line in table(rows):
        click.echo(f"  {line}")
    click.echo("")
    click.echo("输入：")
    items = {item.id: item for item in form.items()}
    rows = []
    for spec in form.input_specs():
        item = items[spec.item]
        if spec.role:
            label = f"{item.name}（{spec.label or ROLE_LABELS.get(spec.role, spec.role)}）"
        else:
            label = item.name if spec.label == item.name else f"{item.name} — {spec.label}"
        rows.append([spec.name, label, _describe_input(spec)])
    for line in table(rows):
        click.echo(f"  {line}")
    click.echo("")
    click.echo("结果：")
    rows = [[name, label] for name, label in _output_labels(form)]
    for line in table(rows):
        click.echo(f"  {line}")


def _describe_input(spec) -> str:
    """What a clerk may type into one input, in words."""
    if spec.kind == "choice":
        return "选项：" + " / ".join(spec.allowed)
    if spec.kind == "level":
        return "等级分数：" + "、".join(fmt_number(value) for value in spec.allowed)
    if spec.kind == "rating":
        return f"等级：1–{len(spec.allowed)}（整数）"
    show = fmt_percent if spec.percent else fmt_number
    parts = ["百分数" if spec.percent else ("整数" if spec.integer else "数字")]
    if spec.low is not None and spec.high is not None:
        parts.append(f"{show(spec.low)}–{show(spec.high)}")
    elif spec.low is not None:
        parts.append(f"≥ {show(spec.low)}")
    elif spec.high is not None:
        parts.append(f"≤ {show(spec.high)}")
    if spec.unit:
        parts.append(f"单位：{spec.unit}")
    if spec.default is not None:
        parts.append(f"默认 {show(spec.default)}")
    return "，".join(parts)


def _output_labels(form):
    """(out_ name, what it is) for every result of the form, in table order."""
    labels = {}
    for section in form.sections:
        for item in section.items:
            labels[f"out_{item.id}_rate"] = f"{item.name} 比率（分子÷分母）"
            labels[f"out_{item.id}"] = f"{item.name} 得分"
            labels[f"out_{item.id}_weighted"] = f"{item.name} 加权得分"
        labels[f"out_{section.id}"] = f"{section.name} 合计"
    labels["out_total"] = "总分"
    for outcome in form.outcomes:
        labels[f"out_{outcome.id}"] = outcome.label or outcome.id
    labels["out_status"] = "填写状态（已完成 / 未完成：N 项未填，M 项填写有误）"
    return [(name, labels.get(name, "")) for name in form.output_names()]


# --------------------------------------------------------------------- score
@main.command("score")
@click.argument("form")
@click.argument("values", nargs=-1, metavar="[名称=值]...")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def score_command(form, values, as_json):
    """按表单计算一份填写的得分，列出全部结果（out_...）。

    值按单元格中的写法填写，如 in_leave=0.5、in_fcr_actual=80%、in_duty=按要求完成。
    未填写的输入视为空白；目标值（如 in_fcr_target）未填写时取表单的默认值。
    """
    from ..rules.scoring import score

    form = _resolve_form(form)
    known = [spec.name for spec in form.input_specs()]
    inputs = {}
    for text in values:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"输入应写成 名称=值（如 in_leave=1），实际为 \"{text}\"。")
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"是否应为 \"{close[0]}\"？" if close else f"可用的输入：{'、'.join(known)}。"
            raise UsageError(f"表单 {form.name} 没有输入 \"{name}\"。{hint}")
        inputs[name] = value
    try:
        out = score(form, inputs)
    except ScoringError as error:
        where = f"{error.name}：" if error.name else ""
        raise ScoringError(f"{where}{error}", name=error.name, code=error.code) from None
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    rows = [[name, "" if value is None else fmt_number(value)] for name, value in out.items()]
    for line in table(rows):
        click.echo(line)


# --------------------------------------------------------------------- render
def month_option(required: bool = False, default=None, when_left_out: str = ""):
    """The `--month YYYY-MM` option, checked as click checks a value; `when_left_out` says which
    month a command takes without it (its help says so)."""

    def check(ctx, param, value):
        if value is None:
            return None
        try:
            return parse_month(value)
        except UsageError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from None

    return click.option("--month", required=required, default=default, callback=check,
                        metavar="YYYY-MM", help=f"考核月份，例如 2026-11{when_left_out}。")


@main.command("render")
@click.option("--form", "form_key", required=True, help="表单：中文名（电话专员）或 id（dianhua_zhuanyuan）。")
@click.option("--name", required=True, help="被考核人姓名。")
@click.option("--employee-id", required=True, help="工号。")
@click.option("--department", required=True, help="部门。")
@month_option(required=True)
@click.option("--appraiser", default="", help="考核人。")
@click.option("--dialect", type=click.Choice(["native", "udf"]), default="native", show_default=True,
              help="native：任何表格软件都能计算的公式；udf：KPI_* 自定义函数（.xlsm，需 xlwings）。")
@click.option("--password", default=None, help="工作表保护密码（默认无密码）。")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="输出文件。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件。")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 打印为 PDF（与工作簿同名）。")
def render_command(form_key, name, employee_id, department, month, appraiser, dialect, password, out, force, pdf):
    """为一名员工生成一个月的考核表。"""
    from ..workbook.render import render_workbook

    form = _resolve_form(form_key)
    out_path = Path(out)
    if dialect == "udf" and out_path.suffix.lower() != ".xlsm":
        raise UsageError(f"udf 公式的工作簿含宏函数，应保存为 .xlsm，而不是 {out_path.name}。")
    if dialect == "native" and out_path.suffix.lower() not in (".xlsx", ""):
        raise UsageError(f"native 公式的工作簿应保存为 .xlsx，而不是 {out_path.name}。")
    if out_path.suffix == "":
        out_path = out_path.with_suffix(".xlsx")
    written = render_workbook(form, name=name, employee_id=employee_id, department=department, month=month,
                              appraiser=appraiser, dialect=dialect, password=password, out=out_path, force=force)
    click.echo(f"已生成 {written}")
    if pdf:
        from ..office.printing import print_pdf

        pdf_path = print_pdf(form, written, name=name, employee_id=employee_id, department=department,
                             month=month, appraiser=appraiser, force=force)
        click.echo(f"已生成 {pdf_path}")


# --------------------------------------------------------------------- the monthly batch
@contextmanager
def progress_bar(label: str):
    """A progress callback (done, total) drawing `click.progressbar` on stderr while the block
    runs; None when stderr is not a terminal (piped, redirected, a test), so nothing is written."""
    stream = sys.stderr
    if not stream.isatty() or os.environ.get("TERM") == "dumb":
        yield None
        return
    bars = []

    def show(done, total):
        if not bars:
            bars.append(click.progressbar(length=total, label=label, file=stream, width=30,
                                          show_pos=True, show_eta=True).__enter__())
        bars[0].update(done - bars[0].pos)

    try:
        yield show
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


PROBLEMS_PER_ECHO = 1000


def print_problems(problems) -> None:
    """Every problem on its own line to stderr, a thousand lines at a time (a month's tens of
    thousands of lines are never one string)."""
    lines = []
    for problem in problems:
        lines.append(str(problem))
        if len(lines) >= PROBLEMS_PER_ECHO:
            click.echo("\n".join(lines), err=True)
            lines = []
    if lines:
        click.echo("\n".join(lines), err=True)


@main.command("generate")
@month_option(when_left_out="；不填则为本月")
@click.option("--roster", type=click.Path(), default=None,
              help="名单文件（CSV 或 XLSX）；不填则用内置示例名单。")
@click.option("--out", "out_dir", type=click.Path(), default="out", show_default=True,
              help="输出文件夹。")
@click.option("--dialect", type=click.Choice(["native", "udf"]), default="native", show_default=True,
              help="native：任何表格软件都能计算的公式；udf：KPI_* 自定义函数（.xlsm）。")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="并行进程数（默认：CPU 核数）。")
@click.option("--force", is_flag=True, help="覆盖已填写的考核表（先保留备份）。")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 把每张考核表打印为 PDF。")
@forms_option()
def generate_command(month, roster, out_dir, dialect, jobs, force, pdf):
    """为名单上的每个人生成本月的空白考核表。"""
    from ..month.batch import generate_month

    with progress_bar("生成考核表") as show:
        report = generate_month(roster, month, out_dir, dialect=dialect, jobs=jobs, force=force, progress=show)
    for path in report.skipped:
        click.echo(f"已跳过（与生成时不同，可能已填写；未覆盖）：{path}")
    for path in report.backups:
        click.echo(f"已备份：{path}")
    for path in report.moved:
        click.echo(f"已移除（员工已调到其他部门，原表未填写，新表已生成）：{path}")
    for note in report.notes:
        click.echo(note)
    print_problems(report.problems)
    if pdf and report.written:
        from ..office.printing import print_month

        pdfs = print_month(report.written, roster=roster, month=report.month, out_dir=out_dir, dialect=dialect,
                           jobs=jobs)
        click.echo(f"已打印 PDF：{len(pdfs)} 份")
    click.echo(f"完成：生成 {len(report.written)} 份，跳过 {len(report.skipped)} 份，问题 {len(report.problems)} 个，"
               f"用时 {report.seconds:.1f} 秒。输出：{Path(out_dir).resolve()}")
    if report.problems:
        raise SystemExit(1)


def rules_option():
    """`--rules FILE`: a file of rules replacing the default rules' keys it names (see docs/rules.md)."""
    return click.option("--rules", "rules_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                        help="考核结果运用规则文件（排名、奖励、调薪建议等；只写要改的键）。默认：内置规则。")


def load_rules_option(rules_file):
    """The rules in force for `--rules FILE` (the defaults without it)."""
    from ..month.settings import load_rules

    return load_rules(rules_file)


@main.command("collect")
@click.argument("directory", type=click.Path())
@month_option(when_left_out="；不填则按文件夹名（如 2026-11），或表中记录最多的月份")
@click.option("--out", type=click.Path(), default=None, help="汇总工作簿（默认：月份文件夹旁）。")
@click.option("--ledger", type=click.Path(), default=None, help="历史记录文件（默认：月份文件夹旁）。")
@click.option("--ranking", type=click.Choice(["dense", "competition"]), default=None,
              help="dense：中国式排名（1,2,2,3）；competition：1,2,2,4。默认按规则文件（dense）。")
@click.option("--rewards", default=None, help="前三名奖励（元），并列同奖，例如 500,300,200。默认按规则文件。")
@rules_option()
@click.option("--reason", default=None, metavar="原因",
              help="更正已完成结果的原因（如 \"申诉复核：……\"），随更正记入历史记录；已完成的结果有变化时必须填写。")
@click.option("--force", is_flag=True, help="替换已存在的汇总工作簿。")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="并行进程数。")
@forms_option()
def collect_command(directory, month, out, ledger, ranking, rewards, rules_file, reason, force, jobs):
    """汇总一个月已填写的考核表：检查、重新计分、排名、写入汇总表和历史记录。"""
    from ..month.collect import parse_rewards
    from ..month.monthly import close_month

    amounts = None if rewards is None else parse_rewards(rewards)
    rules = load_rules_option(rules_file)
    with progress_bar("读取考核表") as show, reporting(show):
        report = close_month(directory, month, out=out, ledger=ledger, ranking=ranking, rewards=amounts,
                             rules=rules, reason=reason, force=force, jobs=jobs)
    if report.recovered:
        click.echo(report.recovered)
    print_problems(report.problems)
    done = int((report.frame["out_status"] == "已完成").sum()) if len(report.frame) else 0
    click.echo(f"{report.month}：汇总 {len(report.frame)} 份（已完成 {done} 份），问题 {len(report.problems)} 个，"
               f"预警 {len(report.flags)} 人。")
    for line in record_lines(report):
        click.echo(line)
    click.echo(f"汇总表：{report.summary}")
    click.echo(f"历史记录：{report.ledger}")
    if report.problems:
        raise SystemExit(1)


def upgrade_lines(opened) -> list[str]:
    """The line telling that opening the ledger upgraded it (`opened`: anything with `upgraded_from`
    and `backup`, such as a `Ledger`), or none."""
    if getattr(opened, "upgraded_from", None) is None:
        return []
    return [f"历史记录已从格式版本 {opened.upgraded_from} 升级到当前版本；升级前的文件备份为 {opened.backup}。"]


def record_lines(report) -> list[str]:
    """What recording the month changed in the ledger, for the clerk: an upgrade of the ledger,
    each correction with its reason, the workbooks withdrawn or back."""
    from ..month.ledger import CORRECTION, RESTORATION, WITHDRAWAL, describe_change

    lines = upgrade_lines(report)
    record = report.record
    if record is None:
        return lines
    corrections = record.of_kind(CORRECTION)
    if corrections:
        lines.append(f"更正 {len(corrections)} 人（原因：{corrections[0].run.reason}），更正前的结果已保留在历史记录中：")
        for change in corrections:
            lines.append(f"  {change.employee_id} {change.name}：{describe_change(change.before, change.after)}")
    withdrawn = record.of_kind(WITHDRAWAL)
    if withdrawn:
        lines.append(f"撤回 {len(withdrawn)} 份（未完成的考核表这次没有找到或无法读取，已在历史记录中标记为撤回）："
                     + _names(withdrawn))
    restored = record.of_kind(RESTORATION)
    if restored:
        lines.append(f"恢复 {len(restored)} 份（之前撤回的考核表又读到了）：" + _names(restored))
    return lines


def _names(changes, most: int = 20) -> str:
    """`E1 张三、E2 李四……`: the first `most` people of `changes`."""
    shown = "、".join(f"{change.employee_id} {change.name}" for change in changes[:most])
    return shown + ("……" if len(changes) > most else "")


# --------------------------------------------------------------------- rules
@main.group("rules", invoke_without_command=True)
@click.pass_context
def rules_group(ctx):
    """考核结果运用规则：不带子命令时输出内置的默认规则文件（可另存后修改）。"""
    if ctx.invoked_subcommand is not None:
        return
    from ..month.settings import default_rules_text

    text = default_rules_text()
    click.echo(text, nl=not text.endswith("\n"))


@rules_group.command("check")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def rules_check(files):
    """检查规则文件，报告每个文件的全部问题（每个问题一行，写到错误输出）。"""
    from ..month.settings import check_rules_file

    check_files(files, check_rules_file)


@rules_group.command("show")
@rules_option()
def rules_show(rules_file):
    """列出正在使用的规则（内置默认规则，或加上 --rules 文件后的结果）。"""
    rules = load_rules_option(rules_file)
    for line in table([[name, value] for name, value in rules.lines()]):
        click.echo(line)


# --------------------------------------------------------------------- udfs
@main.group()
def udfs():
    """Excel 自定义函数（KPI_*）。"""


@udfs.command("vba")
def udfs_vba():
    """输出 KPI_* 函数的 VBA 模块文本（可导入 Excel 的 .bas 模块）。"""
    from ..excel.vba import udf_vba_module

    text = udf_vba_module()
    click.echo(text, nl=not text.endswith("\n"))


# --------------------------------------------------------------------- excel
@main.group("excel")
def excel():
    """在 Excel 中使用 KPI_* 函数：加载项（“绩效考核”选项卡）、xlwings Lite 模块。"""


@excel.command("lite")
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False),
              help="写入此文件（UTF-8），而不是输出到屏幕；已存在的文件会被替换。")
def excel_lite(out_file):
    """输出 xlwings Lite 用的 main.py：KPI_* 函数及其所需的全部代码，只用 Python 标准库。

    在 Excel 的 xlwings Lite 任务窗格中，把它的全部内容粘贴进 main.py 即可。
    """
    from ..excel.lite import lite_module

    text = lite_module()
    if out_file is None:
        click.echo(text, nl=False)
        return
    from ..base.safe_write import write_atomic

    try:
        write_atomic(out_file, text.encode("utf-8"))
    except OSError as error:
        raise XlkpiError(f"无法写入 {out_file}：{error.strerror or error}") from None
    click.echo(f"已写入 {out_file}（{len(text.splitlines())} 行）。在 xlwings Lite 中把它的全部内容粘贴进 main.py。")


@excel.command("addin")
@click.option("--out", default="xlkpi.xlam", show_default=True, type=click.Path(dir_okay=False),
              help="加载项文件（.xlam）。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件。")
def excel_addin(out, force):
    """生成 Excel 加载项 xlkpi.xlam（KPI_* 函数和“绩效考核”选项卡）。"""
    from ..base.safe_write import write_atomic
    from ..excel.addin import build_addin

    path = Path(out)
    if not path.suffix.lower() == ".xlam":
        raise UsageError(f"加载项文件名应以 .xlam 结尾，实际为 {path.name}。")
    if path.exists() and not force:
        raise UsageError(f"文件 {path} 已存在；如需覆盖，请加 --force。")
    data = build_addin()
    try:
        write_atomic(path, data)
    except OSError as error:
        raise XlkpiError(f"无法写入 {path}：{error.strerror or error}") from None
    click.echo(f"已生成加载项：{path.resolve()}（{len(data):,} 字节）。安装：xlkpi excel install")


@excel.command("install")
def excel_install():
    """把加载项装进 Excel 的启动文件夹（XLSTART），Excel 每次启动都会加载它。"""
    from ..excel.install import install_addin

    report = install_addin()
    click.echo(f"已安装加载项：{report.addin}")
    for line in report.settings:
        click.echo(line)
    click.echo("请重新启动 Excel；“绩效考核”选项卡出现即表示加载成功。")


# --------------------------------------------------------------------- history and reports
def ledger_option():
    return click.option("--ledger", "ledger_file", default=None, type=click.Path(),
                        help="历史记录文件（默认：当前文件夹或 out 文件夹下的 xlkpi-ledger.sqlite）。")


def find_ledger(ledger_file) -> Path:
    """The ledger `--ledger` names, else where `xlkpi collect` puts it for the default `--out out`,
    or the current folder.

    Raises:
        LedgerError: there is no such file.
    """
    from ..month.ledger import DEFAULT_LEDGER, LedgerError

    if ledger_file:
        path = Path(ledger_file)
    else:
        candidates = [Path(DEFAULT_LEDGER), Path("out") / DEFAULT_LEDGER]
        path = next((candidate for candidate in candidates if candidate.is_file()), candidates[0])
    if not path.is_file():
        raise LedgerError(f"历史记录文件 {path} 不存在。xlkpi collect 把它写在月份文件夹旁，请用 --ledger 指定，"
                          "例如 --ledger out/xlkpi-ledger.sqlite。")
    return path


@main.command("history")
@click.argument("employee_id", metavar="工号")
@ledger_option()
@rules_option()
@click.option("--all", "show_all", is_flag=True, help="也列出填写中的更新（默认只列更正、撤回和恢复）。")
@forms_option()
def history_command(employee_id, ledger_file, rules_file, show_all):
    """列出一名员工历月的考核结果、更正记录、按季度和年度的调薪建议，以及截至最近一个月的预警。"""
    from ..month.flags import flags_for
    from ..month.ledger import CORRECTION, RESTORATION, WITHDRAWAL, Ledger, LedgerError, describe_change
    from ..month.report import person_periods

    path = find_ledger(ledger_file)
    rules = load_rules_option(rules_file)
    employee_id = employee_id.strip()
    with Ledger(path) as ledger:
        records = ledger.history(employee_id)
        changes = ledger.changes(employee_id=employee_id)
        collected = ledger.collected_months()
    for line in upgrade_lines(ledger):
        click.echo(line, err=True)
    if not records and not changes:
        raise LedgerError(f"历史记录 {path} 中没有工号 \"{employee_id}\" 的考核记录。")
    forms = {form.id: form.name for form in known_forms().values()}

    def cell(value):
        return "" if value is None else fmt_number(value)

    latest = records[-1] if records else changes[-1].before
    department = f"  {latest['department']}" if latest["department"] else ""
    click.echo(f"{latest['name']}（{latest['employee_id']}）{department}")
    rows = [["月份", "表单", "总分", "等级", "绩效金额", "排名", "状态"]]
    for record in records:
        rows.append([record["month"], forms.get(record["form_id"], record["form_id"]), cell(record["total"]),
                     cell(record["grade"]), cell(record["pay"]), cell(record["rank"]), record["status"] or ""])
    for line in table(rows) if records else ["没有有效的考核结果（已全部撤回）。"]:
        click.echo(line)
    shown = changes if show_all else [change for change in changes if change.kind in (CORRECTION, WITHDRAWAL,
                                                                                           RESTORATION)]
    if shown:
        click.echo("更正与撤回：" if not show_all else "全部变动：")
        for change in shown:
            who = f"，{change.run.user_name}" if change.run.user_name else ""
            why = f"，原因：{change.run.reason}" if change.run.reason else ""
            when = change.run.started_at.replace("T", " ")[:16]
            click.echo(f"  {change.month}  {change.label}：{describe_change(change.before, change.after)}"
                       f"（{when}{who}{change_files(change)}{why}）")
    if records:
        click.echo("调薪建议（按期间平均分）：")
        rows = [["期间", "计入月数", "缺月", "平均分", "调薪建议"]]
        for found in person_periods(records, collected, rules):
            missing = "、".join(f"{month}（{why}）" for month, why in found["missing"])
            rows.append([found["period"].label, found["months_counted"], missing, cell(found["average"]),
                         found["pay_advice"] or ""])
        for line in table(rows):
            click.echo(f"  {line}")
        standing = flags_for(records)
        if standing:
            click.echo(f"预警（截至 {latest['month']}）：{'、'.join(standing)}")
        else:
            click.echo(f"无预警（截至 {latest['month']}）")


def change_files(change) -> str:
    """The file a change's results came from, for `xlkpi history`: `，文件：X` when the earlier
    and the new result came from the same file; nothing when the files differ (the change's
    description names both), for a withdrawal (its description names the file) or without a file."""
    before = change.before.get("file")
    if change.after is None or not before or change.after.get("file") not in (None, before):
        return ""
    return f"，文件：{before}"


def report_path(ledger: Path, period) -> Path:
    """Where a period's report goes by default: beside the ledger, `<period>_期间汇总.xlsx`."""
    return ledger.parent / f"{period.label.replace('..', '至')}_期间汇总.xlsx"


@main.command("report")
@click.argument("period", metavar="期间")
@ledger_option()
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="报表工作簿（默认：历史记录文件旁的 <期间>_期间汇总.xlsx）。")
@rules_option()
@click.option("--force", is_flag=True, help="替换已存在的报表工作簿。")
@forms_option()
def report_command(period, ledger_file, out, rules_file, force):
    """季度、年度或任意几个月的考核结果：平均分、排名、奖励、部门比较、调薪建议、更正记录。

    期间写作 2026-Q4（季度）、2026（年度）、2026-07..2026-12（月份区间）或 2026-11（月份）。
    只读取历史记录，不读取考核表。
    """
    from ..base.periods import parse_period
    from ..month.report import period_report
    from ..month.report_book import check_report_path, write_report

    period = parse_period(period)
    path = find_ledger(ledger_file)
    rules = load_rules_option(rules_file)
    target = check_report_path(Path(out) if out else report_path(path, period), force=force)
    report = period_report(period, path, rules)
    for line in upgrade_lines(report):
        click.echo(line, err=True)
    written = write_report(target, report, force=force)
    frame = report.employees
    click.echo(f"{period.title}（{period.first} 至 {period.last}）：{len(frame)} 人，"
               f"计入月份：{'、'.join(report.months)}。")
    for why, months in report.not_counted_by_reason().items():
        click.echo(f"未计入（{why}）：{'、'.join(months)}")
    rewarded = frame[frame["reward"].notna()]
    best = "、".join(report.best) if report.best else "无（没有部门达到参与评比的人数）"
    click.echo(f"奖励 {len(rewarded)} 人，合计 {fmt_number(float(rewarded['reward'].sum()))} 元；最佳部门：{best}；"
               f"更正与撤回 {len(report.changes)} 条。")
    advice = frame["pay_advice"].fillna("无结果").value_counts()
    listed = [band.advice for band in rules.pay] + ["无结果"]
    click.echo("调薪建议：" + "，".join(f"{name} {int(advice.get(name, 0))} 人" for name in listed
                                   if name != "无结果" or advice.get(name, 0)) + "。")
    click.echo(f"报表：{written}")


__all__ = ["main", "CommandError", "XlkpiGroup"]
