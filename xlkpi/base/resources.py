"""Where xlkpi's own files are: installed as package data, or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]  # the repository root of a source checkout


def package_folder(package: str, checkout: str) -> Path:
    """The folder of the installed package `package` (e.g. `xlkpi.macros`); in a source checkout
    where it is not importable, the folder `checkout` under the repository root."""
    try:
        folder = resources.files(package)
        if folder.is_dir():
            return Path(str(folder))
    except ModuleNotFoundError:
        pass
    return CHECKOUT / checkout
