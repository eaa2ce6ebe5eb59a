"""The performance benchmark: a month for 1,000 and 10,000 employees, side by side with openpyxl.

    python -m benchmarks.run            # N = 1,000 and 10,000 (a few minutes); writes benchmarks/results.md
    python -m benchmarks.run --quick    # N = 200 and 600, small samples: a smoke check, results not written

For each N it writes a roster (a mix of the three built-in forms over eight departments) and
measures, in a fresh temporary folder:

* `xlkpi generate` end to end: a subprocess, process start included;
* the floor: the same number of files written with one generated workbook's bytes;
* `xlkpi collect` end to end (read, validate, score, rank, ledger, summary workbook, every
  problem printed), after the benchmark filled half of the workbooks with random values;
* the openpyxl loops an HR engineer would write instead (`openpyxl_baseline.py`), on a sample
  of the files, per workbook.

Each xlkpi command and the floor run `--repeat` times (interleaved); the table gives the
median and the best run. Peak memory is the largest resident set of the command's processes
(its own or a worker's), from `wait4`. It also measures the scoring engine (`score_frame`)
on 1,000,000 rows and the Python-side cost of `KPI_BAND`.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from importlib import metadata
from pathlib import Path

FORMS = ("客服专员", "电话专员", "呼叫中心经理")
DEPARTMENTS = ("客服一部", "客服二部", "客服部&售后", "呼叫中心", "投诉组", "热线组", "回访组", "质检组")
MONTH = "2026-11"
RESULTS = Path(__file__).with_name("results.md")

TARGETS = {"generate_vs_openpyxl": 25, "generate_vs_floor": 2.0, "collect_vs_openpyxl": 30,
           "collect_per_second": 1000, "engine_rows_per_second": 1_000_000, "kpi_band_us": 10,
           "memory_growth": 1.5}


# ----------------------------------------------------------------- helpers
def write_roster(path: Path, count: int, seed: int = 1) -> None:
    """A roster of `count` employees: the three forms in turn, random departments and appraisers."""
    rng = random.Random(seed)
    lines = ["工号,姓名,部门,岗位,考核人"]
    for number in range(count):
        lines.append(f"E{100000 + number},员工{number},{rng.choice(DEPARTMENTS)},{FORMS[number % 3]},主管{number % 50}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def run_command(args, *, stdout, stderr) -> dict:
    """Run a command; its wall time, exit code and resource use (its own and its workers')."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "code": process.returncode, "peak_mb": usage.ru_maxrss / 1024,
            "cpu": usage.ru_utime + usage.ru_stime}


def xlkpi_command() -> list:
    """The `xlkpi` console script of this Python (a version manager's shim in front of it would add
    its own start-up), else the one on PATH, else the same entry point through `python -c`."""
    beside = Path(sys.executable).with_name("xlkpi")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("xlkpi")
    return [found] if found else [sys.executable, "-c", "from xlkpi.app.cli import main; main()"]


def compile_package() -> None:
    """Compile xlkpi's bytecode, as `pip install` does for an installed package. Without it (an
    editable install run with PYTHONDONTWRITEBYTECODE set) each command would compile the sources it
    imports again, a cost an installed package does not have."""
    import compileall

    import xlkpi

    compileall.compile_dir(str(Path(xlkpi.__file__).parent), quiet=1)


def write_floor(folder: Path, data: bytes, count: int) -> float:
    """Seconds to write `count` files holding `data`, spread over the departments' folders."""
    started = time.perf_counter()
    folders = [folder / department for department in DEPARTMENTS]
    for path in folders:
        path.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        with open(folders[number % len(folders)] / f"E{100000 + number}_copy.xlsx", "wb") as stream:
            stream.write(data)
    return time.perf_counter() - started


def fill_half(roster: Path, out: Path, seed: int = 7) -> int:
    """Fill every second employee's workbook with random values (see `filled.py`); returns how many."""
    from benchmarks.filled import FilledTemplate, fillings
    from xlkpi.forms.definitions import get_form
    from xlkpi.month.batch import workbook_path
    from xlkpi.month.roster import read_roster

    entries, _ = read_roster(roster)
    templates, values = {}, {}
    filled = 0
    for index, entry in enumerate(entries):
        if index % 2:
            continue
        form = get_form(entry.form_id)
        if form.id not in templates:
            templates[form.id] = FilledTemplate(form, MONTH)
            values[form.id] = iter(fillings(form, len(entries), seed=seed))
        data = templates[form.id].stamp(next(values[form.id]), name=entry.name, employee_id=entry.employee_id,
                                        department=entry.department, appraiser=entry.appraiser)
        workbook_path(out, MONTH, entry, form).write_bytes(data)
        filled += 1
    return filled


def _settle():
    """Let the disk catch up with what the previous step wrote before the next timed step."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(0.5)


def median(values):
    return statistics.median(values)


# ----------------------------------------------------------------- one size
def measure_size(count: int, work: Path, *, repeat: int, sample: int, log, split_too: bool = False) -> dict:
    roster = work / f"roster-{count}.csv"
    write_roster(roster, count)
    command = xlkpi_command()
    generate, floor, collect = [], [], []
    sample_file = None
    # nothing is deleted while timing: on this disk, deleting thousands of files slows the file
    # creations that follow; and the page cache is flushed before each timed run
    for attempt in range(repeat):
        out = work / f"out-{attempt}"
        _settle()
        result = run_command([*command, "generate", "--month", MONTH, "--roster", str(roster), "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if result["code"] != 0:
            raise SystemExit(f"xlkpi generate failed with exit code {result['code']}")
        generate.append(result)
        sample_file = sample_file or next((out / MONTH).rglob("*.xlsx"))
        data = sample_file.read_bytes()
        _settle()
        floor.append(write_floor(work / f"floor-{attempt}", data, count))
        log(f"  N={count}: generate {result['seconds']:.2f} s, floor {floor[-1]:.2f} s")
    out = work / "out-0"
    written = len(list((out / MONTH).rglob("*.xlsx")))
    if written != count:
        raise SystemExit(f"xlkpi generate wrote {written} workbooks, not {count}")
    filled = fill_half(roster, out)
    problems_file = work / "problems.txt"
    for _ in range(repeat):
        for leftover in (out / f"{MONTH}_汇总.xlsx", out / "xlkpi-ledger.sqlite"):
            leftover.unlink(missing_ok=True)
        _settle()
        with open(problems_file, "wb") as errors, open(work / "collect.txt", "wb") as output:
            result = run_command([*command, "collect", str(out / MONTH), "--month", MONTH],
                                 stdout=output, stderr=errors)
        if result["code"] not in (0, 1):
            raise SystemExit(f"xlkpi collect failed with exit code {result['code']}:\n"
                             + problems_file.read_text(encoding="utf-8")[-2000:])
        collect.append(result)
        log(f"  N={count}: collect {result['seconds']:.2f} s")
    summary_line = (work / "collect.txt").read_text(encoding="utf-8").splitlines()[0]
    problem_lines = len(problems_file.read_text(encoding="utf-8").splitlines())

    # the openpyxl loops, on a sample
    from benchmarks.openpyxl_baseline import build_workbook, collect_files
    from xlkpi.forms.definitions import get_form
    from xlkpi.month.batch import workbook_path
    from xlkpi.month.roster import read_roster

    entries, _ = read_roster(roster)
    step = max(1, len(entries) // sample)
    chosen = entries[::step][:sample]
    target = work / "openpyxl"
    target.mkdir()
    started = time.perf_counter()
    for entry in chosen:
        form = get_form(entry.form_id)
        build_workbook(form, entry.name, entry.employee_id, entry.department, MONTH, entry.appraiser,
                       target / f"{entry.employee_id}.xlsx")
    openpyxl_generate = (time.perf_counter() - started) / len(chosen)
    log(f"  N={count}: openpyxl generate {openpyxl_generate * 1000:.1f} ms/workbook ({len(chosen)} workbooks)")
    paths = [workbook_path(out, MONTH, entry, get_form(entry.form_id)) for entry in chosen]
    started = time.perf_counter()
    collect_files(paths, target / "summary.xlsx")
    openpyxl_collect = (time.perf_counter() - started) / len(paths)
    log(f"  N={count}: openpyxl collect {openpyxl_collect * 1000:.1f} ms/workbook ({len(paths)} workbooks)")
    shutil.rmtree(target)
    split = measure_split(roster, out, work, log) if split_too else None
    return {"count": count, "generate": generate, "floor": floor, "collect": collect, "filled": filled,
            "summary_line": summary_line, "problem_lines": problem_lines, "sample": len(chosen),
            "openpyxl_generate": openpyxl_generate, "openpyxl_collect": openpyxl_collect,
            "workbook_bytes": sample_file.stat().st_size if sample_file.exists() else None, "split": split}


# ----------------------------------------------------------------- where the time goes
def _per_item(function, items, repeat: int = 3) -> float:
    """Best-of-`repeat` seconds per item of calling `function` on each item."""
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            function(item)
        seconds = (time.perf_counter() - started) / len(items)
        best = seconds if best is None else min(best, seconds)
    return best


def measure_split(roster: Path, out: Path, work: Path, log, sample: int = 2000) -> dict:
    """Milliseconds per workbook of each step, measured in this process on one core, and the
    seconds of the steps `xlkpi collect` runs once for the whole month."""
    from xlkpi.base.safe_write import write_atomic, write_new
    from xlkpi.forms.definitions import get_form
    from xlkpi.month import monthly
    from xlkpi.month.batch import workbook_path
    from xlkpi.month.collect import collect_month, read_appraisal
    from xlkpi.month.ledger import Ledger
    from xlkpi.month.roster import read_roster
    from xlkpi.month.summary import summary_bytes
    from xlkpi.workbook.reader import WorkbookReader
    from xlkpi.workbook.render import form_template

    entries, _ = read_roster(roster)
    entries = entries[:sample]
    templates = {}
    for entry in entries:
        if entry.form_id not in templates:
            templates[entry.form_id] = form_template(get_form(entry.form_id), MONTH)
    header = [dict(name=e.name, employee_id=e.employee_id, department=e.department, appraiser=e.appraiser)
              for e in entries]
    pairs = list(zip([templates[e.form_id] for e in entries], header))
    result = {"stamp": _per_item(lambda pair: pair[0].stamp(**pair[1]), pairs)}
    data = [template.stamp(**fields) for template, fields in pairs]
    for label, writer in (("create (new)", write_new), ("create (atomic)", write_atomic),
                          ("create (plain)", _write_plain)):
        folders = [work / f"split-{label[8:-1]}" / department for department in DEPARTMENTS]
        for folder in folders:
            folder.mkdir(parents=True)
        _settle()
        started = time.perf_counter()
        for number, content in enumerate(data):
            writer(os.path.join(folders[number % len(folders)], f"{number}.xlsx"), content)
        result[label] = (time.perf_counter() - started) / len(data)

    paths = [str(workbook_path(out, MONTH, entry, get_form(entry.form_id))) for entry in entries]

    def read_bytes(path):
        with open(path, "rb") as stream:
            return stream.read()

    blobs = [read_bytes(path) for path in paths]
    result["read file"] = _per_item(read_bytes, paths)

    books = [WorkbookReader(io.BytesIO(blob)) for blob in blobs]
    parts = ["xl/sharedStrings.xml", *books[0].sheets.values()]
    result["inflate parts"] = _per_item(lambda book: [book.zip.read(part) for part in parts], books)

    def parse(blob):
        book = WorkbookReader(io.BytesIO(blob))
        book.key_values("_xlkpi")
        for where in book.defined_names().values():
            book.cell(*where)

    result["read cells"] = _per_item(parse, blobs)
    result["read + check + score"] = _per_item(lambda path: read_appraisal(path, month=MONTH), paths)

    # the month-wide steps, on the whole month
    started = time.perf_counter()
    frame, problems = collect_month(out / MONTH, MONTH)
    result["month: read every workbook (2 processes) and rank"] = time.perf_counter() - started
    frame = monthly.drop_duplicates(frame, problems)
    started = time.perf_counter()
    rows = monthly.ledger_rows(frame)
    with Ledger(work / "split-ledger.sqlite") as book:
        histories = monthly.earlier_histories(book, MONTH)
        book.record_month(MONTH, rows)
    flags = monthly.standing_flags(histories, rows, MONTH)
    result["month: ledger and flags"] = time.perf_counter() - started
    started = time.perf_counter()
    summary = summary_bytes(frame, problems, MONTH, flags)
    result["month: summary workbook"] = time.perf_counter() - started
    started = time.perf_counter()
    summary_bytes(frame, problems, MONTH, flags, fast=False)
    result["month: summary workbook, every cell through XlsxWriter's public API"] = time.perf_counter() - started
    started = time.perf_counter()
    text = "\n".join(str(problem) for problem in problems).encode("utf-8")
    with open(work / "split-problems.txt", "wb") as stream:
        stream.write(text)
    result["month: problem lines"] = time.perf_counter() - started
    result["summary bytes"] = len(summary)
    result["workbooks"] = len(entries)
    started = time.perf_counter()
    subprocess.run([*xlkpi_command(), "--help"], stdout=subprocess.DEVNULL, check=True)
    result["process start (xlkpi --help)"] = time.perf_counter() - started
    log("  split: " + ", ".join(f"{k} {v * 1000:.3f} ms" if v < 1 else f"{k} {v:.2f}" for k, v in result.items()
                                if k not in ("summary bytes", "workbooks")))
    return result


def _write_plain(path, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)


# ----------------------------------------------------------------- engine and KPI_BAND
def measure_engine(rows: int, log) -> dict:
    """`score_frame` on `rows` random rows per form (band boundaries, 5% blanks): rows per second."""
    import numpy as np
    import pandas as pd

    from xlkpi.forms.definitions import get_form
    from xlkpi.rules.sampling import random_filling
    from xlkpi.rules.vectorized import score_frame

    rng = random.Random(11)
    results = {}
    for name in FORMS:
        form = get_form(name)
        distinct = pd.DataFrame([random_filling(form, rng, blank_rate=0.05) for _ in range(4000)])
        picks = np.random.default_rng(5).integers(0, len(distinct), rows)
        frame = distinct.iloc[picks].reset_index(drop=True)
        best = None
        for _ in range(3):
            started = time.perf_counter()
            scored = score_frame(form, frame)
            seconds = time.perf_counter() - started
            best = seconds if best is None else min(best, seconds)
        assert len(scored) == rows
        results[name] = rows / best
        log(f"  engine {name}: {rows / best:,.0f} rows/s")
    return results


def measure_kpi_band(log) -> dict:
    """Microseconds per scalar KPI_BAND call, and per cell of one call on a 1,000-cell range."""
    from xlkpi.excel.udfs import KPI_BAND

    thresholds, scores = [[0.95, 0.9, 0.85, 0.8]], [[20, 15, 10, 5]]
    values = [0.5 + (i % 97) / 100 for i in range(1000)]
    calls = 50_000
    scalar = min(timeit.repeat(lambda: KPI_BAND(0.87, thresholds, scores), number=calls, repeat=3)) / calls * 1e6
    column = [[value] for value in values]
    ranged = min(timeit.repeat(lambda: KPI_BAND(column, thresholds, scores), number=20, repeat=3)) / 20 / 1000 * 1e6
    assert KPI_BAND(column, thresholds, scores)[3] == [KPI_BAND(values[3], thresholds, scores)]
    log(f"  KPI_BAND: {scalar:.2f} µs a scalar call, {ranged:.2f} µs a cell on a 1,000-cell range")
    return {"scalar_us": scalar, "range_cell_us": ranged}


# ----------------------------------------------------------------- report
def cpu_probe() -> float:
    """Milliseconds for a fixed pure-Python loop (best of 3): how fast this machine runs Python right now."""
    def loop():
        total = 0
        for number in range(2_000_000):
            total += number
        return total

    return min(timeit.repeat(loop, number=1, repeat=3)) * 1000


def machine_facts() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("xlkpi", "openpyxl", "XlsxWriter", "pandas", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "cpu": model,
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
            "load": load, "probe": cpu_probe()}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}" if seconds < 0.01 else f"{seconds * 1000:.1f}"


def report(facts: dict, sizes: list, engine: dict, band: dict, *, repeat: int, wall: float,
           engine_rows: int) -> tuple[str, list]:
    """The results as Markdown, and the targets with whether each is met."""
    lines = []
    versions = ", ".join(f"{name} {version}" for name, version in facts["versions"].items())
    load = facts["load"]
    lines.append(f"Run {facts['date']} on {facts['cores']} cores ({facts['cpu'] or 'unknown CPU'}), "
                 f"Python {facts['python']}, {versions}; {facts['platform']}.")
    if load:
        lines.append(f"Load average when the run started: {load[0]:.2f}. A fixed pure-Python loop took "
                     f"{facts['probe']:.0f} ms at the start and {facts['probe_end']:.0f} ms at the end of the run "
                     "(on this VM the same loop varies by up to 70% from minute to minute, idle or not): every "
                     "number below moves with it; the best run is the better estimate of the cost.")
    lines.append(f"Commands timed: `{' '.join(xlkpi_command())} generate|collect …`, each a new process; the floor "
                 "and the openpyxl loops run in the benchmark's process. No fsync: files land in the page cache. "
                 "xlkpi's bytecode is compiled first, as installing the package does.")
    lines.append(f"Each xlkpi command and the floor ran {repeat} times (median and best); the openpyxl loops ran on "
                 "a sample of the same workbooks and are given per workbook. Wall time of the whole benchmark: "
                 f"{wall:.0f} s.")
    lines.append("")
    lines.append("| N | job | way | total s (median / best) | ms per workbook | workbooks/s | peak memory MB | "
                 "openpyxl ÷ xlkpi |")
    lines.append("|---|---|---|---|---|---|---|---|")
    checks = []
    for size in sizes:
        n = size["count"]
        gen = [r["seconds"] for r in size["generate"]]
        col = [r["seconds"] for r in size["collect"]]
        flo = size["floor"]
        gen_mem = max(r["peak_mb"] for r in size["generate"])
        col_mem = max(r["peak_mb"] for r in size["collect"])
        og, oc = size["openpyxl_generate"], size["openpyxl_collect"]
        lines.append(f"| {n:,} | generate | `xlkpi generate` (subprocess, start included) | {median(gen):.2f} / "
                     f"{min(gen):.2f} | {_ms(median(gen) / n)} | {n / median(gen):,.0f} | {gen_mem:.0f} | "
                     f"{og / (median(gen) / n):,.0f}× |")
        lines.append(f"| {n:,} | generate | openpyxl loop, cell by cell (sample of {size['sample']}) | "
                     f"{og * n:.0f} (projected) | {_ms(og)} | {1 / og:,.0f} | — | 1× |")
        lines.append(f"| {n:,} | floor | write the same bytes N times | {median(flo):.2f} / {min(flo):.2f} | "
                     f"{_ms(median(flo) / n)} | {n / median(flo):,.0f} | — | generate ÷ floor: "
                     f"{median(gen) / median(flo):.2f}× (best ÷ best {min(gen) / min(flo):.2f}×) |")
        lines.append(f"| {n:,} | collect | `xlkpi collect` (subprocess: read, validate, score, rank, ledger, "
                     f"summary, {size['problem_lines']:,} problem lines) | {median(col):.2f} / {min(col):.2f} | "
                     f"{_ms(median(col) / n)} | {n / median(col):,.0f} | {col_mem:.0f} | "
                     f"{oc / (median(col) / n):,.0f}× |")
        lines.append(f"| {n:,} | collect | openpyxl loop: load_workbook, read names, xlkpi.score, openpyxl summary "
                     f"(sample of {size['sample']}) | {oc * n:.0f} (projected) | {_ms(oc)} | {1 / oc:,.0f} | — | 1× |")
        if n >= 10_000 or n == max(s["count"] for s in sizes):
            checks += [
                (f"generate ≥ {TARGETS['generate_vs_openpyxl']}× the openpyxl loop per workbook (N = {n:,})",
                 og / (median(gen) / n), og / (median(gen) / n) >= TARGETS["generate_vs_openpyxl"], "×"),
                (f"generate end to end within {TARGETS['generate_vs_floor']}× the write-bytes floor (N = {n:,})",
                 median(gen) / median(flo), median(gen) / median(flo) <= TARGETS["generate_vs_floor"], "×"),
                (f"collect ≥ {TARGETS['collect_vs_openpyxl']}× the openpyxl loop (N = {n:,})",
                 oc / (median(col) / n), oc / (median(col) / n) >= TARGETS["collect_vs_openpyxl"], "×"),
                (f"collect ≥ {TARGETS['collect_per_second']:,} workbooks/s (N = {n:,}; best run "
                 f"{n / min(col):,.0f}/s)", n / median(col), n / median(col) >= TARGETS["collect_per_second"], "/s"),
            ]
    lines.append("")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio_gen = max(r["peak_mb"] for r in large["generate"]) / max(r["peak_mb"] for r in small["generate"])
        ratio_col = max(r["peak_mb"] for r in large["collect"]) / max(r["peak_mb"] for r in small["collect"])
        lines.append(f"Memory as N grows {small['count']:,} → {large['count']:,} ({large['count'] // small['count']}× "
                     f"the workbooks): generate peak ×{ratio_gen:.2f}, collect peak ×{ratio_col:.2f}.")
        checks.append((f"memory flat as N grows {small['count']:,} → {large['count']:,}: collect peak ≤ "
                       f"{TARGETS['memory_growth']}× (generate ×{ratio_gen:.2f})",
                       ratio_col, ratio_col <= TARGETS["memory_growth"], "×"))
        lines.append("")
    for size in sizes:
        lines.append(f"N = {size['count']:,}: {size['filled']:,} workbooks filled by the benchmark, the rest blank; "
                     f"collect said: {size['summary_line']}")
    lines.append("")
    split = sizes[-1].get("split")
    if split:
        n = sizes[-1]["count"]
        lines.append(f"Where the time goes (N = {n:,}; per workbook, one core, in one process, best of 3 passes "
                     f"over {split['workbooks']:,} workbooks; the month-wide steps once, in one process):")
        lines.append("")
        lines.append("| step | ms per workbook |")
        lines.append("|---|---|")
        for key, label in (("stamp", "generate: stamp one workbook in memory (CPU)"),
                           ("create (new)", "generate: create the file in a new, staged folder (open, write, close)"),
                           ("create (atomic)", "generate: replace a file in an existing folder (temporary file, "
                                               "write, rename)"),
                           ("create (plain)", "floor: create the file (open, write, close)"),
                           ("read file", "collect: read the file's bytes"),
                           ("inflate parts", "collect: inflate its sheets and shared strings (zlib)"),
                           ("read cells", "collect: open, inflate and read the named cells (xlkpi.workbook.reader)"),
                           ("read + check + score", "collect: read, check every input, score, find problems")):
            lines.append(f"| {label} | {split[key] * 1000:.3f} |")
        lines.append("")
        lines.append("| month-wide step | seconds |")
        lines.append("|---|---|")
        for key in ("process start (xlkpi --help)", "month: read every workbook (2 processes) and rank",
                    "month: ledger and flags", "month: summary workbook",
                    "month: summary workbook, every cell through XlsxWriter's public API", "month: problem lines"):
            lines.append(f"| {key.replace('month: ', '')} | {split[key]:.2f} |")
        lines.append("")
    lines.append("| engine | rows/s |")
    lines.append("|---|---|")
    for name, rate in engine.items():
        lines.append(f"| `score_frame`, {name}, {engine_rows:,} rows | {rate:,.0f} |")
    lines.append("")
    lines.append(f"`KPI_BAND` (Python side): {band['scalar_us']:.2f} µs a scalar call; one call on a 1,000-cell range: "
                 f"{band['range_cell_us']:.2f} µs a cell.")
    slowest = min(engine.values())
    checks.append((f"engine ≥ {TARGETS['engine_rows_per_second']:,} rows/s (slowest form)", slowest,
                   slowest >= TARGETS["engine_rows_per_second"], " rows/s"))
    checks.append((f"KPI_BAND < {TARGETS['kpi_band_us']} µs a scalar call", band["scalar_us"],
                   band["scalar_us"] < TARGETS["kpi_band_us"], " µs"))
    lines.append("")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")
    for label, value, met, unit in checks:
        shown = f"{value:,.0f}{unit}" if value >= 100 else f"{value:.2f}{unit}"
        lines.append(f"| {label} | {shown} | {'yes' if met else 'NO'} |")
    return "\n".join(lines) + "\n", checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small N and samples; results.md is not written")
    parser.add_argument("--sizes", help="comma-separated N (default 1000,10000; quick: 200,600)")
    parser.add_argument("--sample", type=int, help="workbooks per openpyxl loop (default 300; quick: 20)")
    parser.add_argument("--repeat", type=int, help="runs of each xlkpi command (default 3; quick: 1)")
    parser.add_argument("--engine-rows", type=int, help="rows for score_frame (default 1,000,000; quick: 100,000)")
    parser.add_argument("--results", type=Path, default=None, help=f"where to write the results (default {RESULTS})")
    parser.add_argument("--work", type=Path, default=None, help="folder for the files (default: a temporary folder)")
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = [int(part) for part in args.sizes.split(",")] if args.sizes else ([200, 600] if quick else [1000, 10000])
    sample = args.sample or (20 if quick else 300)
    repeat = args.repeat or (1 if quick else 3)
    engine_rows = args.engine_rows or (100_000 if quick else 1_000_000)
    results_path = args.results or (None if quick else RESULTS)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    compile_package()
    facts = machine_facts()
    log(f"xlkpi benchmark: N = {', '.join(f'{n:,}' for n in sizes)}; {facts['cores']} cores, Python {facts['python']}")
    measured = []
    for count in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"xlkpi-bench-{count}-", dir=args.work))
        try:
            measured.append(measure_size(count, work, repeat=repeat, sample=sample, log=log,
                                         split_too=count == max(sizes)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    engine = measure_engine(engine_rows, log)
    band = measure_kpi_band(log)
    facts["probe_end"] = cpu_probe()
    text, checks = report(facts, measured, engine, band, repeat=repeat, wall=time.perf_counter() - started,
                         engine_rows=engine_rows)
    print(text)
    if results_path:
        header = ("# xlkpi benchmark results\n\nWritten by `python -m benchmarks.run` (see the README's "
                  "Performance section).\n\n")
        results_path.write_text(header + text, encoding="utf-8")
        log(f"written: {results_path}")
    return 0 if all(met for _, _, met, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
