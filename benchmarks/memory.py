"""Peak memory of `xlkpi collect`, all its processes together, on a normal month and on zip bombs.

`python -m benchmarks.memory` generates a month of N workbooks (half filled, as the main
benchmark fills them), collects it, and reports the peak of the summed resident sets of the
collect process and its workers (sampled from /proc every 5 ms; Linux), and the largest single
process (from wait4). Then it turns some workbooks into zip bombs (a sheet that inflates to
1.5 GB from 1.5 MB on disk) and collects again. xlkpi promises a peak under 500 MB whatever the
workbooks hold.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.run import MONTH, fill_half, write_roster, xlkpi_command

LIMIT_MB = 500


def _tree(pid: int) -> list:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as stream:
                    todo.extend(int(child) for child in stream.read().split())
        except OSError:
            continue
    return found


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576
    except (OSError, IndexError, ValueError):
        return 0.0


def collect_peak(month_dir: Path, *, jobs: int | None = None) -> dict:
    """Run `xlkpi collect` on `month_dir`; its exit code, seconds, the peak of its processes' summed
    resident sets and the largest single process, in MB."""
    args = [*xlkpi_command(), "collect", str(month_dir), "--force"]
    if jobs:
        args += ["--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], sum(_rss_mb(pid) for pid in _tree(process.pid)))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    return {"code": os.waitstatus_to_exitcode(status), "seconds": time.perf_counter() - started,
            "peak_mb": peak[0], "largest_mb": usage.ru_maxrss / 1024}


def make_month(work: Path, count: int) -> Path:
    roster = work / "roster.csv"
    write_roster(roster, count)
    subprocess.run([*xlkpi_command(), "generate", "--month", MONTH, "--roster", str(roster), "--out",
                    str(work / "out")], check=True, stdout=subprocess.DEVNULL)
    fill_half(roster, work / "out")
    return work / "out" / MONTH


def bomb(month_dir: Path, how_many: int, size: int) -> list:
    """Turn `how_many` workbooks of the month into zip bombs of `size` inflated bytes."""
    from tests.faults.workbooks import inflate_bomb, sheet_part
    from xlkpi.workbook.reader import WorkbookReader

    bombed = []
    for path in sorted(month_dir.rglob("*.xlsx"))[:how_many]:
        with WorkbookReader(path) as reader:
            sheet = next(name for name in reader.sheets if not name.startswith("_"))
        inflate_bomb(path, sheet_part(path, sheet), size)
        bombed.append(path)
    return bombed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--bombs", type=int, default=4)
    parser.add_argument("--bomb-mb", type=int, default=1500)
    parser.add_argument("--jobs", type=int, default=None)
    options = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="xlkpi-memory-"))
    try:
        month = make_month(work, options.count)
        normal = collect_peak(month, jobs=options.jobs)
        print(f"normal month, {options.count} workbooks: peak {normal['peak_mb']:.0f} MB all processes, "
              f"largest process {normal['largest_mb']:.0f} MB, {normal['seconds']:.1f} s, exit {normal['code']}")
        bombed = bomb(month, options.bombs, options.bomb_mb * 1048576)
        on_disk = sum(path.stat().st_size for path in bombed) / len(bombed) / 1048576
        bombs = collect_peak(month, jobs=options.jobs)
        print(f"with {len(bombed)} zip bombs ({on_disk:.1f} MB each on disk, {options.bomb_mb} MB inflated): "
              f"peak {bombs['peak_mb']:.0f} MB all processes, largest process {bombs['largest_mb']:.0f} MB, "
              f"{bombs['seconds']:.1f} s, exit {bombs['code']}")
        worst = max(normal["peak_mb"], bombs["peak_mb"])
        print(f"limit {LIMIT_MB} MB: {'met' if worst < LIMIT_MB else 'MISSED'}")
        return 0 if worst < LIMIT_MB else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
