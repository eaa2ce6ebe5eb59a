"""Running `xlkpi` in a forked child, to stop it the hard way at a chosen point or under a file-size limit.

The child is a fork of the test process (no interpreter start-up, pandas already imported), so a
test can run the same command dozens of times, each stopped at another point, in a few seconds.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

KILLED = 137  # what the child exits with when it is stopped at its point, like `kill -9`


def run_forked(args, *, out: Path, crash_at: int | None = None, points=(), file_size: int | None = None,
               before=None) -> int:
    """Run `xlkpi ARGS` in a forked child; its stdout and stderr go to `out`. Returns its exit code.

    `points`: (object, attribute name) of functions; each call of one is two points, just before
    and just after it. With `crash_at` N the child ends with `os._exit(KILLED)` at the Nth point.
    `file_size`: the largest file the child may write (RLIMIT_FSIZE; a write beyond it fails
    with EFBIG, as on a full disk). `before`: called in the child first.
    """
    reading, writing = os.pipe()  # a pipe, not a file: the child's file-size limit must not cut its output
    pid = os.fork()
    if pid == 0:  # the child
        code = 70
        try:
            os.close(reading)
            handle = writing
            os.dup2(handle, 1)
            os.dup2(handle, 2)
            sys.stdout = os.fdopen(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = os.fdopen(2, "w", encoding="utf-8", closefd=False)
            counter = [0]
            for owner, name in points:
                setattr(owner, name, _counted(getattr(owner, name), counter, crash_at))
            if before:
                before()
            if file_size is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
            from xlkpi.app.cli import main

            try:
                main([str(arg) for arg in args], prog_name="xlkpi")
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:  # noqa: BLE001
            import traceback

            traceback.print_exc()
            code = 71
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(writing)
    chunks = []
    with os.fdopen(reading, "rb") as stream:
        for chunk in iter(lambda: stream.read(65536), b""):
            chunks.append(chunk)
    Path(out).write_bytes(b"".join(chunks))
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _counted(function, counter, crash_at):
    def wrapped(*args, **kwargs):
        _point(counter, crash_at)
        result = function(*args, **kwargs)
        _point(counter, crash_at)
        return result

    return wrapped


def _point(counter, crash_at):
    counter[0] += 1
    if counter[0] == crash_at:
        os._exit(KILLED)
