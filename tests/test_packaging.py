"""The built wheel ships the code, the form definitions and the console script."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import require_module

ROOT = Path(__file__).resolve().parents[1]
FORMS = ["kefu_zhuanyuan.yaml", "dianhua_zhuanyuan.yaml", "hujiao_jingli.yaml", "wangdian_kefu.yaml",
         "kefu_zhuanyuan_menshi.yaml", "kefu_renyuan.yaml", "kefubu_jingli.yaml", "kefu_zhuguan.yaml"]


def clean_copy(tmp_path) -> Path:
    """The files a build reads, copied, so that the work tree gets no build/ or egg-info."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ["pyproject.toml", "setup.cfg", "README.md", "LICENSE"]:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ["xlkpi", "workbook_templates", "macros"]:
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    return src


@pytest.mark.slow
def test_wheel_contents(tmp_path):
    src = clean_copy(tmp_path)

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(src)],
        check=True, timeout=120,
    )
    (wheel,) = (tmp_path / "dist").glob("xlkpi-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (ep,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = zf.read(ep).decode()

    for form in FORMS:
        assert f"xlkpi/workbook_templates/{form}" in names
    assert "xlkpi/app/cli.py" in names
    assert {"xlkpi/macros/xlwings_udfs.bas", "xlkpi/macros/xlkpi_ribbon.bas"} <= names  # the VBA modules
    assert "xlkpi/data/rules.yaml" in names  # the default rules
    # a new subpackage under xlkpi/ must also be listed in setup.cfg [options] packages
    for py in (ROOT / "xlkpi").rglob("*.py"):
        assert py.relative_to(ROOT).as_posix() in names
    assert "xlkpi = xlkpi.app.cli:main" in entry_points


@pytest.mark.slow
def test_python_m_build_makes_an_installable_wheel(tmp_path):
    """What docs/excel.md tells the IT person to run (`python -m build`), without downloading
    a build environment: the sdist is made, the wheel is built from the sdist."""
    require_module("build")
    src = clean_copy(tmp_path)
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(src)],
                   check=True, timeout=300, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("xlkpi-*.whl")
    assert len(list((tmp_path / "dist").glob("xlkpi-*.tar.gz"))) == 1
    names = set(zipfile.ZipFile(wheel).namelist())
    for py in (ROOT / "xlkpi").rglob("*.py"):
        assert py.relative_to(ROOT).as_posix() in names
    assert {"xlkpi/macros/xlwings_udfs.bas", "xlkpi/macros/xlkpi_ribbon.bas", "xlkpi/data/demo_roster.csv"} <= names
    assert "xlkpi/workbook_templates/kefu_zhuanyuan.yaml" in names
