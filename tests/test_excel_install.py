"""`xlkpi excel install`: the add-in into XLSTART, the settings xlwings reads, and what a computer
without Excel is told.

Windows is given to `install_addin` (its platform, environment and whether Excel is
registered) with folders under a temporary directory; the files written are real.
"""

from __future__ import annotations

import pytest

from xlkpi.base.errors import XlkpiError
from xlkpi.excel import install
from xlkpi.excel.addin import build_addin
from xlkpi.excel.install import NoExcel, install_addin

from .cli import run_cli

PYTHON = r"C:\Program Files\Python312\python.exe"


@pytest.fixture
def windows(tmp_path):
    return {"APPDATA": str(tmp_path / "Roaming"), "USERPROFILE": str(tmp_path / "张三")}


def test_install_puts_the_addin_into_xlstart(tmp_path, windows):
    report = install_addin(platform="win32", environ=windows, excel=True, python=PYTHON)
    target = tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xlkpi.xlam"
    assert report.addin == target
    assert target.read_bytes() == build_addin()
    assert [path.name for path in target.parent.iterdir()] == ["xlkpi.xlam"]  # no temporary file left


def test_install_writes_missing_settings_and_keeps_existing_ones(tmp_path, windows):
    own = tmp_path / "张三" / ".xlkpi" / "xlkpi.conf"
    xlwings_conf = tmp_path / "张三" / ".xlwings" / "xlwings.conf"
    xlwings_conf.parent.mkdir(parents=True)
    xlwings_conf.write_text('"CONDA PATH","C:\\conda"\n"CONDA ENV","base"\n', encoding="utf-8")
    report = install_addin(platform="win32", environ=windows, excel=True, python=PYTHON)
    assert own.read_bytes().decode("utf-8") == f'"INTERPRETER_WIN","{PYTHON}"\r\n'
    assert xlwings_conf.read_text(encoding="utf-8") == '"CONDA PATH","C:\\conda"\n"CONDA ENV","base"\n'
    assert report.settings == [f"已写入设置文件：{own}（INTERPRETER_WIN = {PYTHON}）",
                               f"已有设置文件，未改动：{xlwings_conf}（未设置 INTERPRETER_WIN：使用 PATH 上的 Python）"]
    again = install_addin(platform="win32", environ=windows, excel=True, python=r"C:\other\python.exe")
    assert again.settings[0] == f"已有设置文件，未改动：{own}（INTERPRETER_WIN = {PYTHON}）"
    assert own.read_bytes().decode("utf-8") == f'"INTERPRETER_WIN","{PYTHON}"\r\n'


def test_settings_are_read_the_way_xlwings_reads_them(tmp_path, windows, monkeypatch):
    """xlwings' own reader of its user settings (`xlwings.utils.read_user_config`) finds the interpreter."""
    import xlwings
    from xlwings import utils

    install_addin(platform="win32", environ=windows, excel=True, python=PYTHON)
    for name in ("xlkpi", "xlwings"):
        monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(tmp_path / "张三" / f".{name}" / f"{name}.conf"))
        assert utils.read_user_config() == {"interpreter_win": PYTHON}


def test_a_computer_that_is_not_windows_is_told_what_to_do(windows):
    with pytest.raises(NoExcel) as caught:
        install_addin(platform="linux", environ=windows, excel=False)
    message = str(caught.value)
    assert message.startswith("这台电脑不是 Windows")
    assert "xlkpi excel install" in message and "xlkpi excel addin --out xlkpi.xlam" in message
    assert r"%APPDATA%\Microsoft\Excel\XLSTART" in message


def test_windows_without_excel_is_told_what_to_do(tmp_path, windows):
    with pytest.raises(NoExcel, match="没有找到 Excel"):
        install_addin(platform="win32", environ=windows, excel=False)
    assert not (tmp_path / "Roaming").exists()


def test_xlstart_needs_appdata():
    with pytest.raises(XlkpiError, match="APPDATA"):
        install.xlstart_folder({})


def test_an_unwritable_xlstart_is_explained(tmp_path, windows, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(install, "write_atomic", refuse)
    with pytest.raises(XlkpiError, match="请关闭 Excel"):
        install_addin(platform="win32", environ=windows, excel=True, python=PYTHON)


def test_install_command_here_explains_in_chinese():
    result = run_cli("excel", "install")
    assert result.exit_code == 1
    assert "这台电脑不是 Windows" in result.stderr or "没有找到 Excel" in result.stderr
    assert "Traceback" not in result.output
