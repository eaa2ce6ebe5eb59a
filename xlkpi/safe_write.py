"""Writing files so that a crash never leaves half a file under the final name."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_atomic(path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The folder is created if needed. On any error the temporary file is removed
    and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".~xlkpi-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
