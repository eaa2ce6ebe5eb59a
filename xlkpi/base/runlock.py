"""Locks that prove a process is still at work, and let a later run clean up after one that died.

A `RunLock` is an exclusive lock on a small file, taken by a running process and
released by the operating system when that process ends, however it ends
(`kill -9` included). Whatever the process leaves out of sight while it works
(a staged folder, a summary written aside) is named after its lock; a later run
that can take the lock (`claim`) has the proof that nobody is working on those
things any more, and may remove them. No process id is ever tested for being
alive: ids are reused, and another machine's processes are not visible.

POSIX: `fcntl.flock`; Windows: `msvcrt.locking` on the file's first byte.
Written here rather than taken from `filelock`: a claim must also verify that the
file it locked is still the one at the path (a lock file removed and made anew
by another process in between), which that library does not offer.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


class LockHeld(Exception):
    """The lock is held by another process."""


class RunLock:
    """An exclusive lock on `path`, held until `release` (or the process's end).

    Raises:
        LockHeld: another process holds it (only when `wait` is false).
        OSError: the lock file cannot be created.
    """

    def __init__(self, path, *, wait: bool = False):
        self.path = Path(path)
        while True:
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                _lock(handle, wait)
            except BaseException:
                os.close(handle)
                raise
            if _same_file(handle, self.path):
                self.handle = handle
                return
            os.close(handle)  # removed (and perhaps made anew) while we waited for it: lock the new one

    def release(self, *, remove: bool = True) -> None:
        """Release the lock; `remove`: remove the lock file too (first, so that nobody claims it
        as abandoned in between)."""
        if self.handle is None:
            return
        if remove and fcntl is not None:
            _unlink(self.path)
        _unlock(self.handle)
        os.close(self.handle)
        self.handle = None
        if remove and fcntl is None:
            _unlink(self.path)  # Windows cannot remove an open file

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def claim(path) -> RunLock | None:
    """The lock at `path` when its file exists and no process holds it: the proof that whoever
    made it has ended. None when the file does not exist or another process holds the lock."""
    if not os.path.lexists(path):
        return None
    try:
        lock = RunLock(path)
    except (LockHeld, OSError):
        return None
    return lock


def _lock(handle: int, wait: bool) -> None:
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockHeld from None
        return
    mode = msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK
    try:
        msvcrt.locking(handle, mode, 1)
    except OSError:
        raise LockHeld from None


def _unlock(handle: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            os.lseek(handle, 0, os.SEEK_SET)
            msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)
    except OSError:
        pass


def _same_file(handle: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle), os.stat(path))
    except OSError:
        return False


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
