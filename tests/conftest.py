"""Shared fixtures: LibreOffice must run in CI, never skip there."""

from __future__ import annotations

import os

import pytest

from xlkpi.office.libreoffice import find_soffice


@pytest.fixture(scope="session")
def soffice():
    """The soffice path; skipped on a developer machine without LibreOffice, a failure in CI."""
    path = find_soffice()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path
