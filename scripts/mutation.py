"""Mutation testing of xlkpi's modules with cosmic-ray: put one small bug into a module at a time,
run the tests that guard it, and report every bug they did not notice (a surviving mutant).

    pip install -e '.[mutation]'
    python scripts/mutation.py                       # the rules, emitter, reader and collect
    python scripts/mutation.py xlkpi/excel/udfs.py         # any module: its tests are found by name
    python scripts/mutation.py xlkpi/excel/udfs.py --tests tests/test_udfs.py tests/test_parity_udf.py
    python scripts/mutation.py --jobs 2 --out mutation-report
    python scripts/mutation.py --named               # the five mutants of issue 15, each by hand

Each module is mutated in a copy of the repository (the working tree is never touched), so that
several modules run at once (`--jobs`). The operators are cosmic-ray's, narrowed to the faults
the rules can have: a comparison moved across its boundary (`>=` → `>`, `<` → `<=`) or negated
(`>=` → `<`), `==`/`!=` and `is`/`is not` swapped, `+`/`-` and `*`/`/` swapped, `and`/`or`
swapped, `True`/`False` swapped, a unary minus or a `not` removed. Left out as mostly noise
here: bit operators, `**`, `//` and `%` in place of arithmetic, `<` in place of `==`, numbers
replaced, `not` added to every condition, exceptions replaced, loops skipped, variables
inserted. See docs/mutation-testing.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module → the tests that guard it (a module not listed: tests/test_<name>.py and any test
# file that imports it by name)
GUARDS = {  # fastest first: a run stops at its first failure
    "xlkpi/rules/scoring.py": ["tests/test_scoring.py", "tests/test_scoring_more_forms.py", "tests/test_boundaries.py",
                         "tests/test_vectorized.py"],
    "xlkpi/rules/cellvalues.py": ["tests/test_cellvalues.py", "tests/test_udfs.py", "tests/test_scoring.py"],
    "xlkpi/rules/inputs.py": ["tests/test_inputs.py", "tests/test_scoring.py", "tests/test_scoring_more_forms.py",
                        "tests/test_monthly_roundtrip.py"],
    "xlkpi/workbook/formulas.py": ["tests/test_render.py", "tests/test_parity_udf.py", "tests/test_parity_libreoffice.py"],
    **{module: ["tests/test_reader.py", "tests/test_collect_files.py", "tests/test_monthly_roundtrip.py"]
       for module in ("xlkpi/workbook/reader.py", "xlkpi/workbook/zip_package.py", "xlkpi/workbook/plain_xml.py", "xlkpi/workbook/workbook_part.py",
                      "xlkpi/workbook/shared_strings.py")},
    "xlkpi/month/collect.py": ["tests/test_collect_files.py", "tests/test_header_texts.py", "tests/test_monthly_roundtrip.py",
                         "tests/test_reader.py"],
}
DEFAULT_MODULES = ["xlkpi/workbook/formulas.py", "xlkpi/workbook/reader.py", "xlkpi/rules/scoring.py", "xlkpi/month/collect.py",
                   "xlkpi/rules/inputs.py", "xlkpi/workbook/zip_package.py", "xlkpi/workbook/workbook_part.py", "xlkpi/workbook/plain_xml.py",
                   "xlkpi/rules/cellvalues.py", "xlkpi/workbook/shared_strings.py"]  # the longest first

EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_.*_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)$",
    r"core/ReplaceBinaryOperator_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)_.*",
    r"core/ReplaceBinaryOperator_(Add_Mul|Add_Div|Sub_Mul|Sub_Div|Mul_Add|Mul_Sub|Div_Add|Div_Sub)$",
    r"core/ReplaceComparisonOperator_(Eq|NotEq)_(Lt|LtE|Gt|GtE|Is|IsNot)$",
    r"core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE)_(Eq|NotEq|Is|IsNot)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot)_(Eq|NotEq|Lt|LtE|Gt|GtE)$",
    r"core/ReplaceComparisonOperator_(Gt_Lt|Lt_Gt|GtE_LtE|LtE_GtE|Gt_GtE|Lt_LtE)$",
    r"core/ReplaceUnaryOperator_.*_(Invert|UAdd)$",
    r"core/(VariableInserter|VariableReplacer|RemoveDecorator|AddNot|NumberReplacer|ExceptionReplacer)$",
    r"core/(ZeroIterationForLoop|ReplaceBreakWithContinue|ReplaceContinueWithBreak)$",
]


# module → environment for its test runs: the LibreOffice parity test with its boundary fillings
# and no random ones (a mutant that a random filling alone would catch is caught by a boundary one)
ENVIRONMENT = {"xlkpi/workbook/formulas.py": {"XLKPI_PARITY_RANDOM": "0", "CI": "true"}}

# the five faults issue 15 found the suite blind to: (what, file, text, replacement, tests)
NAMED = [
    ("collect reads xlkpi's own backups (<name>.bak-1.xlsx)", "xlkpi/month/collect.py",
     " or _BACKUP.search(stem):", ":", ["tests/test_collect_files.py"]),
    ("to_number computes '74.99%' as 74.99 / 100 in binary", "xlkpi/rules/cellvalues.py",
     "result = float(number / 100 if percent else number)", "result = float(number) / 100 if percent else float(number)",
     ["tests/test_cellvalues.py"]),
    ("thousands separators no longer read ('8,970')", "xlkpi/rules/cellvalues.py",
     "    if _GROUPED.fullmatch(text):\n        text = text.replace(\",\", \"\")\n", "", ["tests/test_cellvalues.py"]),
    ("the _xHHHH_ escape of stamped texts handles upper-case hex only", "xlkpi/workbook/stamp.py",
     'r"_(?=x[0-9A-Fa-f]{4}_)"', 'r"_(?=x[0-9A-F]{4}_)"', ["tests/test_stamp.py"]),
    ("a grade boundary in the formula emitter: >= written as >", "xlkpi/workbook/formulas.py",
     'op = "<=" if lower_is_better else ">="', 'op = "<=" if lower_is_better else ">"',
     ["tests/test_parity_libreoffice.py"]),
    ("a lower-is-better band in the formula emitter: <= written as <", "xlkpi/workbook/formulas.py",
     'op = "<=" if lower_is_better else ">="', 'op = "<" if lower_is_better else ">="',
     ["tests/test_parity_libreoffice.py"]),
]


def run_named() -> int:
    """Apply each named mutant in a copy of the repository and run its tests; 1 if any survives."""
    survived = 0
    for what, module, text, replacement, tests in NAMED:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="xlkpi-mutation-") as scratch:
            copy = Path(scratch)
            copy_repository(copy)
            source = (copy / module).read_text(encoding="utf-8")
            if source.count(text) != 1:
                print(f"not applied (the code changed): {what}")
                survived += 1
                continue
            (copy / module).write_text(source.replace(text, replacement), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": str(copy), **ENVIRONMENT.get(module, {})}
            done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "0",
                                   *tests], cwd=copy, env=env, capture_output=True, text=True)
        killed = done.returncode == 1
        survived += not killed
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
        print(f"{'killed' if killed else 'SURVIVED'} in {time.monotonic() - started:.0f} s: {what}"
              + (f"\n    {failed[0]}" if failed else ""))
    return 1 if survived else 0


def guards_of(module: str) -> list[str]:
    """The test files that guard `module`: listed in GUARDS, or found by name."""
    if module in GUARDS:
        return GUARDS[module]
    name = Path(module).stem
    found = sorted({f"tests/test_{name}.py"} | {str(path.relative_to(ROOT)) for path in (ROOT / "tests").glob("test_*.py")
                                               if f"xlkpi.{name}" in path.read_text(encoding="utf-8")
                                               or f"from xlkpi import {name}" in path.read_text(encoding="utf-8")})
    return [path for path in found if (ROOT / path).exists()]


def config(module: str, tests: list[str], timeout: float) -> str:
    """A cosmic-ray configuration (TOML) for one module."""
    command = f"{sys.executable} -m pytest -x -q -p no:cacheprovider -n 0 " + " ".join(tests)
    excluded = ",\n  ".join(json.dumps(pattern) for pattern in EXCLUDED_OPERATORS)
    return (f'[cosmic-ray]\nmodule-path = "{module}"\ntimeout = {timeout}\nexcluded-modules = []\n'
            f"test-command = {json.dumps(command)}\n\n[cosmic-ray.distributor]\nname = \"local\"\n\n"
            f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [\n  {excluded},\n]\n")


def copy_repository(target: Path) -> None:
    """The tracked files of the working tree (as they are now, changes included) under `target`."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            destination = target / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def keep_sample(session: Path, size: int, seed: int = 15) -> None:
    """Leave `size` of the session's pending mutants, drawn at random (seeded); mark the others skipped."""
    import random

    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(session), WorkDB.Mode.open) as db:
        pending = sorted(item.job_id for item in db.pending_work_items)
        if len(pending) <= size:
            return
        kept = set(random.Random(seed).sample(pending, size))
        for job_id in pending:
            if job_id not in kept:
                db.set_result(job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not in the sample"))


def run_module(module: str, tests: list[str], out: Path, timeout: float, sample: int = 0) -> dict:
    """Mutate `module` in a copy of the repository; the session's figures and its survivors."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="xlkpi-mutation-") as scratch:
        copy = Path(scratch)
        copy_repository(copy)
        name = Path(module).stem
        (copy / "cr.toml").write_text(config(module, tests, timeout), encoding="utf-8")
        session = out / f"{name}.sqlite"
        session.unlink(missing_ok=True)
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1", **ENVIRONMENT.get(module, {})}
        bin_dir = Path(sys.executable).parent

        def cr(*args):
            subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=copy, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        cr("cosmic-ray", "init", "cr.toml", str(session))
        cr("cr-filter-operators", str(session), "cr.toml")
        if sample:
            keep_sample(session, sample)
        cr("cosmic-ray", "exec", "cr.toml", str(session))
        dump = subprocess.run([str(bin_dir / "cosmic-ray"), "dump", str(session)], cwd=copy, env=env,
                              capture_output=True, text=True, check=True).stdout
    return summarise(module, dump, time.monotonic() - started)


def summarise(module: str, dump: str, seconds: float) -> dict:
    """Counts by outcome, and each survivor with its line, operator and diff. A mutant the tests
    refuse to import (incompetent) or that runs past the timeout counts as killed."""
    counts = {"mutants": 0, "killed": 0, "survived": 0, "timeout": 0, "incompetent": 0, "skipped": 0}
    survivors = []
    for line in dump.splitlines():
        work, result = json.loads(line)
        if result is None:
            continue
        worker, outcome = result.get("worker_outcome"), result.get("test_outcome")
        if worker == "skipped":
            counts["skipped"] += 1
            continue
        counts["mutants"] += 1
        if outcome == "survived" and worker == "normal":
            counts["survived"] += 1
            mutation = work["mutations"][0]
            survivors.append({"line": mutation["start_pos"][0], "operator": mutation["operator_name"],
                              "function": mutation.get("definition_name", ""), "diff": result.get("diff", "")})
        else:
            counts["killed"] += 1
            if outcome == "incompetent":
                counts["incompetent"] += 1
            elif worker != "normal":
                counts["timeout"] += 1
    return {"module": module, **counts, "seconds": round(seconds), "survivors": sorted(survivors, key=lambda s: s["line"])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=DEFAULT_MODULES, help="modules to mutate (xlkpi/rules/scoring.py)")
    parser.add_argument("--tests", nargs="+", help="test files to run against each mutant (default: the module's guards)")
    parser.add_argument("--jobs", type=int, default=2, help="modules mutated at once")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a test run may take before the mutant counts as killed")
    parser.add_argument("--out", default="mutation-report", help="folder for the sessions and the report (report.json)")
    parser.add_argument("--sample", type=int, default=0, help="mutants per module, drawn at random (default: all)")
    parser.add_argument("--named", action="store_true", help="only the five mutants of issue 15 (and one more), by hand")
    args = parser.parse_args(argv)
    if args.named:
        return run_named()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        reports = list(pool.map(lambda module: run_module(module, args.tests or guards_of(module), out, args.timeout,
                                                         args.sample),
                                args.modules))
    (out / "report.json").write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{'module':24} {'mutants':>8} {'killed':>7} {'survived':>9} {'seconds':>8}")
    for report in reports:
        print(f"{report['module']:24} {report['mutants']:8} {report['killed']:7} {report['survived']:9} {report['seconds']:8}")
    total = {key: sum(report[key] for report in reports) for key in ("mutants", "killed", "survived")}
    print(f"{'all':24} {total['mutants']:8} {total['killed']:7} {total['survived']:9} {round(time.monotonic() - started):8}")
    for report in reports:
        for survivor in report["survivors"]:
            print(f"\nsurvived: {report['module']}:{survivor['line']} ({survivor['function']}) {survivor['operator']}\n"
                  f"{survivor['diff']}")
    return 0 if total["survived"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
