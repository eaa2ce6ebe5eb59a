"""Shared fixtures: LibreOffice must run in CI, never skip there."""

from __future__ import annotations

import importlib
import os

import pytest

from xlkpi.office.libreoffice import find_soffice


def needed(what: str, install: str):
    """A runtime a test needs is missing: skipped on a developer machine, a failure in CI
    (`CI=true`), where `.ci/run` or the test extras install it."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI: {install}")
    pytest.skip(f"{what} is not installed ({install})")


def require_module(name: str):
    """The module `name`, imported; `needed` when it is missing (test extras: pip install -e '.[test,udf]')."""
    try:
        return importlib.import_module(name)
    except ImportError:
        needed(f"the Python package {name}", "pip install -e '.[test,udf]' (scripts/test does)")


@pytest.fixture(scope="session")
def soffice():
    """The soffice path; skipped on a developer machine without LibreOffice, a failure in CI."""
    path = find_soffice()
    if path is None:
        needed("LibreOffice (soffice)", ".ci/run installs libreoffice-calc-nogui")
    return path
