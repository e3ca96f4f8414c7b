"""Removing a debootstrap target never deletes through a mount left in it by a killed run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from workbench.bakery.root import _mounts_below, _safe_remove, offline_tag


def test_a_bind_mount_inside_the_target_is_unmounted_not_emptied(tmp_path: Path) -> None:
    host_dev = tmp_path / "host-dev"
    host_dev.mkdir()
    (host_dev / "precious").write_text("must survive")
    target = tmp_path / "rootfs-123" / "dev"
    target.mkdir(parents=True)
    if os.geteuid() != 0:
        pytest.skip("needs root to bind-mount")
    done = subprocess.run(["mount", "--bind", str(host_dev), str(target)], check=False)
    if done.returncode != 0:
        pytest.skip("bind mounts are not allowed here")
    try:
        assert _mounts_below(tmp_path / "rootfs-123") == [str(target)]
        _safe_remove(tmp_path / "rootfs-123")
        assert not (tmp_path / "rootfs-123").exists()
        assert (host_dev / "precious").read_text() == "must survive"
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def test_removing_a_plain_folder_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    _safe_remove(tmp_path / "a")
    _safe_remove(tmp_path / "missing")
    assert not (tmp_path / "a").exists()


def test_the_offline_tag_names_the_suite_and_follows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    tag = offline_tag()
    assert tag.startswith("workbench/root:bookworm-")
    assert offline_tag() == tag
    monkeypatch.setenv("WORKBENCH_ROOT_SUITE", "trixie")
    assert offline_tag().startswith("workbench/root:trixie-")
