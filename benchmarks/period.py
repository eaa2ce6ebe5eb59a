"""The period report's benchmark: twelve collected months of the benchmark's roster, then the
quarter's and the year's report.

    python -m benchmarks.period                 # N = 10,000: twelve months collected, then the reports
    python -m benchmarks.period --count 1000    # a smaller roster
    python -m benchmarks.period --quick         # N = 300: a smoke check

For each month of 2026 it writes every employee's workbook filled with random values (band
boundaries included; one in ten left partly blank, so unfinished), as `benchmarks/filled.py`
does, and closes the month (`monthly.close_month`: read, check, score, rank, ledger, summary).
Then it collects one month again after changing one workbook in a hundred (corrections, with a
reason), and times `xlkpi report 2026-Q4` and `xlkpi report 2026` end to end (a new process
each, start-up included; peak memory from `wait4`), and in this process the report's two steps:
reading the ledger and computing (`report.period_report`) and writing the workbook
(`report_book.report_bytes`). It prints a table and, unless `--quick`, writes it to
`benchmarks/period-results.md`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import run_command, write_roster, xlkpi_command

RESULTS = Path(__file__).with_name("period-results.md")
MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]


def fill_month(roster: Path, out: Path, month: str, seed: int, *, changed=None) -> int:
    """Every employee's workbook of `month`, filled at random (one in ten partly blank); with
    `changed` (a set of employee ids), only those, filled again with other values. Returns how many."""
    from benchmarks.filled import FilledTemplate
    from xlkpi.forms.definitions import get_form
    from xlkpi.month.batch import workbook_path
    from xlkpi.month.roster import read_roster
    from xlkpi.rules.sampling import random_filling

    entries, _ = read_roster(roster)
    rng = random.Random(seed)
    templates = {}
    written = 0
    for index, entry in enumerate(entries):
        if changed is not None and entry.employee_id not in changed:
            continue
        form = get_form(entry.form_id)
        if form.id not in templates:
            templates[form.id] = FilledTemplate(form, month)
        filling = random_filling(form, rng, blank_rate=0.2 if index % 10 == 9 else 0.0)
        data = templates[form.id].stamp(filling, name=entry.name, employee_id=entry.employee_id,
                                        department=entry.department, appraiser=entry.appraiser)
        path = workbook_path(out, month, entry, form)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
    return written


def measure(count: int, work: Path, log) -> dict:
    from xlkpi.month.monthly import close_month
    from xlkpi.month.report import period_report
    from xlkpi.month.report_book import report_bytes

    roster = work / "roster.csv"
    write_roster(roster, count)
    out = work / "out"
    ledger = out / "xlkpi-ledger.sqlite"
    months = []
    for number, month in enumerate(MONTHS):
        started = time.perf_counter()
        fill_month(roster, out, month, seed=number)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        report = close_month(out / month, month, jobs=2)
        seconds = time.perf_counter() - started
        months.append({"month": month, "fill": filled, "close": seconds, "rows": len(report.frame)})
        log(f"  {month}: filled {filled:.1f} s, closed {seconds:.1f} s, ledger {ledger.stat().st_size / 1e6:.1f} MB")
    size_before = ledger.stat().st_size
    # an appeal round: one workbook in a hundred of November filled again, the month collected again
    from xlkpi.month.roster import read_roster

    entries, _ = read_roster(roster)
    changed = {entry.employee_id for entry in entries[::100]}
    fill_month(roster, out, "2026-11", seed=99, changed=changed)
    started = time.perf_counter()
    again = close_month(out / "2026-11", "2026-11", jobs=2, force=True, reason="申诉复核：基准测试")
    recollect = time.perf_counter() - started
    from xlkpi.month.ledger import CORRECTION

    corrections = len(again.record.of_kind(CORRECTION))
    updates = len(again.record.changes) - corrections
    log(f"  2026-11 again: {len(changed)} workbooks changed, {corrections} corrections, {updates} other changes, "
        f"{recollect:.1f} s")

    command = xlkpi_command()
    reports = {}
    for label in ("2026-Q4", "2026"):
        runs = []
        for attempt in range(3):
            target = work / f"report-{label}-{attempt}.xlsx"
            with open(work / "report.txt", "wb") as output:
                result = run_command([*command, "report", label, "--ledger", str(ledger), "--out", str(target)],
                                     stdout=output, stderr=subprocess.STDOUT)
            if result["code"] != 0:
                raise SystemExit(f"xlkpi report {label} failed:\n" + (work / "report.txt").read_text(encoding="utf-8"))
            runs.append(result)
        started = time.perf_counter()
        computed = period_report(label, ledger)
        compute = time.perf_counter() - started
        started = time.perf_counter()
        data = report_bytes(computed)
        book = time.perf_counter() - started
        reports[label] = {"runs": runs, "compute": compute, "book": book, "bytes": len(data),
                          "employees": len(computed.employees), "changes": len(computed.changes),
                          "line": (work / "report.txt").read_text(encoding="utf-8").splitlines()[:3]}
        log(f"  xlkpi report {label}: {statistics.median(r['seconds'] for r in runs):.2f} s "
            f"(compute {compute:.2f} s, workbook {book:.2f} s)")
    return {"count": count, "months": months, "ledger_bytes": ledger.stat().st_size, "size_before": size_before,
            "recollect": recollect, "changed": len(changed), "corrections": corrections, "updates": updates,
            "reports": reports}


def table(result: dict) -> list[str]:
    count = result["count"]
    closes = [month["close"] for month in result["months"]]
    lines = [f"N = {count:,} employees, twelve months of 2026 (a mix of three forms over eight departments; "
             "one workbook in ten unfinished).", "",
             "| step | seconds | notes |", "|---|---|---|",
             f"| close one month (`close_month`: read, score, rank, ledger, summary) | median {statistics.median(closes):.2f}, "
             f"first {closes[0]:.2f}, last {closes[-1]:.2f} | the ledger growing to {result['size_before'] / 1e6:.1f} MB |",
             f"| collect a month again, {result['changed']} workbooks changed, `--reason` | {result['recollect']:.2f} | "
             f"{result['corrections']} corrections and {result['updates']} other changes (ranks moved, unfinished "
             f"workbooks) recorded, earlier versions kept; ledger {result['ledger_bytes'] / 1e6:.1f} MB |"]
    for label, found in result["reports"].items():
        runs = found["runs"]
        lines.append(f"| `xlkpi report {label}` (new process) | median {statistics.median(r['seconds'] for r in runs):.2f}, "
                     f"best {min(r['seconds'] for r in runs):.2f} | peak {max(r['peak_mb'] for r in runs):.0f} MB; "
                     f"{found['employees']:,} employees, {found['changes']} changes listed; "
                     f"workbook {found['bytes'] / 1e6:.1f} MB |")
        lines.append(f"| — reading the ledger and computing (`period_report`) | {found['compute']:.2f} | |")
        lines.append(f"| — writing the workbook (`report_bytes`) | {found['book']:.2f} | |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    count = 300 if args.quick else args.count

    def log(text):
        print(text, file=sys.stderr, flush=True)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="xlkpi-period-") as folder:
        result = measure(count, Path(folder), log)
    lines = [f"# Period report benchmark ({datetime.date.today().isoformat()})", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
             f"load average {load:.1f} at the start.", "", *table(result), ""]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
