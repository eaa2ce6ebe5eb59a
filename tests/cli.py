"""Running `xlkpi` through click's test runner, as a clerk would call it."""

from __future__ import annotations

from click.testing import CliRunner

from xlkpi.app.cli import main


def run_cli(*args):
    """Invoke `xlkpi ARGS...`; stdout and stderr apart.

    A Python traceback never reaches the user: any exception other than the
    SystemExit that carries an exit code is raised in the test instead.
    """
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
