"""Worker processes that end with the process that started them.

`ProcessPoolExecutor`'s workers wait on a pipe for their next task; when their
parent is killed (`kill -9`) that pipe never closes (the workers hold its other
end themselves), and they wait forever. `pool` starts each worker with a watch
that ends it as soon as its parent is gone: it waits on the parent's sentinel
(ready when the parent ends, on every platform) and, on POSIX, also looks at
the parent's process id (which changes when the worker is handed to init).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait

WATCH_EVERY = 0.5  # seconds between two looks at the parent


def _watch(parent_pid: int) -> None:
    parent = multiprocessing.parent_process()
    sentinel = parent.sentinel if parent is not None else None
    while True:
        if sentinel is not None:
            try:
                if wait([sentinel], timeout=WATCH_EVERY):
                    break
            except OSError:
                break
        else:
            threading.Event().wait(WATCH_EVERY)
        if os.name == "posix" and os.getppid() != parent_pid:
            break
    os._exit(1)  # the parent is gone: nobody will ever read what this worker would send


def _start_watch(parent_pid: int, initializer, initargs) -> None:
    threading.Thread(target=_watch, args=(parent_pid,), name="xlkpi-parent-watch", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def pool(jobs: int, *, context=None, initializer=None, initargs=()) -> ProcessPoolExecutor:
    """A `ProcessPoolExecutor` of `jobs` workers that end when this process ends, however it ends."""
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_watch,
                               initargs=(os.getpid(), initializer, initargs))
