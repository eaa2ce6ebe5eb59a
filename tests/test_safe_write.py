"""Writing safely: new files, atomic replacement, folders that appear whole."""

from __future__ import annotations

import os
import stat

import pytest

from xlkpi.base import safe_write
from xlkpi.base.safe_write import StagedFolder, write_atomic, write_new


def listing(folder) -> dict:
    """Every file under `folder`, hidden ones included: relative path → bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def test_write_new_refuses_an_existing_file(tmp_path):
    target = tmp_path / "a.xlsx"
    write_new(target, b"first")
    with pytest.raises(FileExistsError):
        write_new(target, b"second")
    assert target.read_bytes() == b"first"


def test_write_new_follows_the_umask(tmp_path):
    mask = os.umask(0o027)
    try:
        write_new(tmp_path / "a.xlsx", b"x")
        write_atomic(tmp_path / "b.xlsx", b"x")
    finally:
        os.umask(mask)
    for name in ("a.xlsx", "b.xlsx"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    real_write = os.write

    def half(handle, data):
        real_write(handle, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    (tmp_path / "kept.xlsx").write_bytes(b"old")
    monkeypatch.setattr(safe_write.os, "write", half)
    with pytest.raises(OSError):
        write_new(tmp_path / "new.xlsx", b"0123456789")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "kept.xlsx", b"0123456789")
    assert listing(tmp_path) == {"kept.xlsx": b"old"}


def test_a_staged_folder_appears_whole(tmp_path):
    final = tmp_path / "2026-11" / "客服部"
    folder = StagedFolder(final)
    write_new(folder.path / "a.xlsx", b"a")
    write_new(folder.path / "b.xlsx", b"b")
    assert not final.exists()
    assert folder.path.name.startswith(".客服部.xlkpi-partial-")
    assert folder.publish() == []
    assert listing(tmp_path) == {"2026-11/客服部/a.xlsx": b"a", "2026-11/客服部/b.xlsx": b"b"}


def test_an_empty_staged_folder_is_removed(tmp_path):
    folder = StagedFolder(tmp_path / "客服部")
    assert folder.publish() == []
    assert list(tmp_path.iterdir()) == []


def test_a_staged_folder_refuses_an_existing_folder(tmp_path):
    (tmp_path / "客服部").mkdir()
    with pytest.raises(FileExistsError):
        StagedFolder(tmp_path / "客服部")


def test_a_folder_that_appeared_meanwhile_is_merged_without_overwriting(tmp_path):
    final = tmp_path / "客服部"
    folder = StagedFolder(final)
    write_new(folder.path / "a.xlsx", b"ours")
    write_new(folder.path / "b.xlsx", b"ours")
    final.mkdir()  # another process made the folder and wrote a.xlsx in it
    (final / "a.xlsx").write_bytes(b"theirs")
    (final / "c.xlsx").write_bytes(b"theirs")
    assert folder.publish() == ["a.xlsx"]
    assert listing(tmp_path) == {"客服部/a.xlsx": b"theirs", "客服部/b.xlsx": b"ours", "客服部/c.xlsx": b"theirs"}


def test_discard(tmp_path):
    folder = StagedFolder(tmp_path / "客服部")
    write_new(folder.path / "a.xlsx", b"a")
    folder.discard()
    assert list(tmp_path.iterdir()) == []
