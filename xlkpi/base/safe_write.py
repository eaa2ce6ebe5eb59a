"""Writing files so that a crash never leaves half a file under the final name.

Two ways, one for each situation a batch meets:

* `write_atomic`: a file in a folder people can already see is written to a
  temporary file beside it and renamed over the final name;
* `StagedFolder`: a folder that does not exist yet is filled out of sight, in a
  hidden sibling, and renamed into place whole; its files are written with
  `write_new` (no temporary file, no rename each: they are not seen until the
  folder is).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
PARTIAL = ".xlkpi-partial-"  # in the name of a staged folder
_temporary_numbers = itertools.count(1)


def write_new(path, data: bytes) -> None:
    """Create the file `path` holding `data`, with the permissions the umask allows.

    Refuses (FileExistsError) a path that exists. On any error the file is removed again:
    a failed write leaves nothing behind."""
    handle = os.open(path, _NEW_FILE, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
        finally:
            os.close(handle)
    except BaseException:
        _remove(path)
        raise


def write_atomic(path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The folder is created if needed. On any error the temporary file is removed
    and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = path.parent / f".~xlkpi-{os.getpid()}-{next(_temporary_numbers)}.tmp"
        try:
            write_new(temporary, data)
            break
        except FileExistsError:  # left by a process that had the same id: take the next name
            continue
    try:
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    return path


def _remove(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class StagedFolder:
    """A folder that appears complete or not at all.

    Files are written into `path`, a hidden sibling of `final`
    (`.<name>.xlkpi-partial-<process id>`); `publish` renames it to `final`. A crash
    leaves only the hidden folder (xlkpi's own blank files; safe to delete).

    Refuses (FileExistsError) a `final` folder that already exists.
    """

    def __init__(self, final):
        self.final = Path(final)
        if self.final.exists():
            raise FileExistsError(f"{self.final} already exists")
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.final.with_name(f".{self.final.name}{PARTIAL}{os.getpid()}")
        shutil.rmtree(self.path, ignore_errors=True)  # left by a crashed run of a process with the same id
        self.path.mkdir()

    def publish(self) -> list[str]:
        """Move the folder into place; an empty folder is removed instead.

        If `final` appeared meanwhile (another process), the files are moved into it one by one,
        never over a file that is there: the names of the files left out are returned (and
        removed with the hidden folder)."""
        names = os.listdir(self.path)
        if not names:
            self.path.rmdir()
            return []
        try:
            os.rename(self.path, self.final)
            return []
        except OSError:
            if not self.final.is_dir():
                raise
        left_out = []
        for name in names:
            target = self.final / name
            if target.exists():
                left_out.append(name)
            else:
                os.rename(self.path / name, target)
        shutil.rmtree(self.path, ignore_errors=True)
        return left_out

    def discard(self) -> None:
        """Remove the hidden folder and what it holds."""
        shutil.rmtree(self.path, ignore_errors=True)


def backup_copy(path) -> Path:
    """Copy `path` to `<name>.bak-N<suffix>` beside it (N the first free number); return the copy."""
    path = Path(path)
    number = 1
    while True:
        candidate = path.with_name(f"{path.stem}.bak-{number}{path.suffix}")
        if not candidate.exists():
            shutil.copy2(path, candidate)
            return candidate
        number += 1
