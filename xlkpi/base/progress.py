"""Progress of a long step, reported to whoever asked for it.

A command that wants to show progress runs the step inside `reporting(callback)`; the step
calls `report(done, total)` as it goes, which reaches the callback, or nothing when no one
asked (the library used from Python, tests). The callback lives in a context variable, so the
steps between the command and the loop need no extra argument.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_CALLBACK: ContextVar = ContextVar("xlkpi_progress", default=None)


@contextmanager
def reporting(callback):
    """Within the block, `report(done, total)` calls `callback(done, total)` (None: nothing)."""
    token = _CALLBACK.set(callback)
    try:
        yield
    finally:
        _CALLBACK.reset(token)


def report(done: int, total: int) -> None:
    """Say that `done` of `total` are done, to the callback of `reporting`, if any."""
    callback = _CALLBACK.get()
    if callback is not None:
        callback(done, total)
