"""The record generate keeps of what it wrote, so that it can prove a workbook untouched.

`<month>/.xlkpi-generated.json` maps each workbook generate wrote (its path inside the
month folder, with `/`) to its employee and the SHA-256 of every version of its bytes
generate wrote there. A workbook whose bytes hash to one of them is exactly what
generate wrote: nobody has touched it, and it may be replaced. Anything else — a value
typed, a remark below the table, a formula, a file saved again by Excel — is touched.
The bytes' hash does not depend on how xlkpi makes them, so the record survives
upgrades; its `format` and `version` say what it is.

Every hash is recorded before its bytes are written (`Journal`, one line per workbook,
appended by the process that writes it), and merged into the record when the run ends
or, after a run that was stopped, by the next run (see `batch.py`): a stopped run never
leaves a workbook it wrote unproven. A record that is missing, damaged or of a newer
format proves nothing: every existing workbook then counts as touched (and is skipped,
and the run says why).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..base.safe_write import write_atomic

RECORD = ".xlkpi-generated.json"
JOURNAL = ".xlkpi-journal-"  # + run id + ".txt"
FORMAT = "xlkpi-generated"
VERSION = 1
KEEP = 8  # hashes kept per workbook
LARGEST = 8 * 1024 * 1024  # a file larger than this was not written by generate


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path) -> str | None:
    """The SHA-256 of the file at `path`; None when it cannot be read or is larger than any workbook
    generate writes."""
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size > LARGEST:
                return None
            return digest(stream.read())
    except OSError:
        return None


class Manifest:
    """The record of a month folder. `state`: `ok`, `missing`, `damaged` or `newer` (a format this
    xlkpi does not know); only `ok` and `missing` are written back."""

    def __init__(self, month_dir):
        self.path = Path(month_dir) / RECORD
        self.files = {}
        self.state = "missing"
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError):
            self.state = "damaged"
            return
        try:
            record = json.loads(text)
            if record.get("format") != FORMAT or not isinstance(record.get("version"), int):
                raise ValueError
            if record["version"] > VERSION:
                self.state = "newer"
                return
            files = record["files"]
            for name, entry in files.items():
                if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), list)):
                    raise ValueError
            self.files = files
            self.state = "ok"
        except (ValueError, TypeError, KeyError, AttributeError):
            self.state = "damaged"

    def known(self, relative: str) -> tuple:
        """The hashes generate wrote at `relative` (none when the record proves nothing)."""
        entry = self.files.get(relative)
        return tuple(entry["sha256"]) if entry else ()

    def employee(self, relative: str):
        entry = self.files.get(relative)
        return entry.get("employee") if entry else None

    def add(self, relative: str, sha256: str, employee: str) -> None:
        entry = self.files.setdefault(relative, {"employee": employee, "sha256": []})
        entry["employee"] = employee
        if sha256 in entry["sha256"]:
            entry["sha256"].remove(sha256)
        entry["sha256"].append(sha256)
        del entry["sha256"][:-KEEP]

    def forget(self, relative: str) -> None:
        self.files.pop(relative, None)

    def merge_journals(self, month_dir, run: str | None = None) -> None:
        """Add the lines of the journals of run `run` (every run's when None) and remove them."""
        prefix = JOURNAL + (f"{run}-" if run is not None else "")
        for entry in os.scandir(month_dir):
            if entry.name.startswith(prefix) and entry.name.endswith(".txt"):
                self.merge_journal(entry.path)

    def merge_journal(self, path) -> None:
        try:
            with open(path, encoding="utf-8", errors="replace") as stream:
                for line in stream:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 3 and len(parts[1]) == 64:
                        self.add(parts[0], parts[1], parts[2])
            os.unlink(path)
        except OSError:
            pass

    def save(self) -> None:
        """Write the record (atomically). A damaged or newer record is kept beside it first."""
        if self.state in ("damaged", "newer") and self.path.exists():
            os.replace(self.path, self.path.with_name(f"{RECORD}.{self.state}"))
        record = {"format": FORMAT, "version": VERSION, "files": dict(sorted(self.files.items()))}
        write_atomic(self.path, json.dumps(record, ensure_ascii=False, indent=0).encode("utf-8"))
        self.state = "ok"

    def note(self) -> str | None:
        """Why existing workbooks cannot be proven untouched, in Chinese; None when they can."""
        if self.state == "damaged":
            return (f"生成记录 {self.path} 已损坏（已另存为 {RECORD}.damaged）：无法证明已有的考核表未被改动，"
                    "它们都未覆盖。如需重新生成，请加 --force（会先备份）。")
        if self.state == "newer":
            return (f"生成记录 {self.path} 由更新版本的 xlkpi 写出：无法证明已有的考核表未被改动，它们都未覆盖。"
                    "请升级 xlkpi，或加 --force（会先备份）。")
        return None


class Journal:
    """Lines `path<TAB>sha256<TAB>employee`, appended before each workbook is written, by one process."""

    def __init__(self, month_dir, run: str):
        self.path = Path(month_dir) / f"{JOURNAL}{run}-{os.getpid()}.txt"
        self.handle = None

    def write(self, relative: str, sha256: str, employee: str) -> None:
        if self.handle is None:
            self.handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the chunk
        self.handle.write(f"{relative}\t{sha256}\t{employee}\n")
        self.handle.flush()  # in the file (the page cache) before the workbook: a killed run keeps it

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
