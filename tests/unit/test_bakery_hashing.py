"""Content hashes: stable for the same inputs, different as soon as any one input changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from workbench.bakery import base as base_module
from workbench.bakery.base import base_hash
from workbench.bakery.hashing import ContentHash, tree_files
from workbench.bakery.nats import nats_hash
from workbench.bakery.root import PythonTarget, RootImage
from workbench.bakery.service import service_hash
from workbench.lab.loader import load_lab
from workbench.lab.model import Lab

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "labs" / "shop"
ROOT = RootImage(
    "workbench/root:x", "sha256:" + "1" * 64, PythonTarget("3.11", "glibc-2.36", "x86_64")
)


@pytest.fixture
def shop(tmp_path: Path) -> Lab:
    """A private copy of the fixture shop lab that a test may edit."""
    copy = tmp_path / "shop"
    shutil.copytree(SHOP, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return load_lab(copy)


def tree_digest(root: Path) -> str:
    return ContentHash("t").tree("x", root).digest


def test_same_inputs_give_the_same_digest_every_time(shop: Lab) -> None:
    orders = shop.service("orders")
    first = service_hash(shop, orders, "workbench/base:abc").digest
    assert service_hash(shop, orders, "workbench/base:abc").digest == first
    assert len(ContentHash("k").tag) == 12


def test_each_kind_of_tree_change_changes_the_digest(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    seen = [tree_digest(tmp_path)]

    (tmp_path / "pkg" / "a.py").write_text("x = 2\n")  # content
    seen.append(tree_digest(tmp_path))
    (tmp_path / "pkg" / "b.py").write_text("")  # an added (even empty) file
    seen.append(tree_digest(tmp_path))
    (tmp_path / "pkg" / "b.py").rename(tmp_path / "pkg" / "c.py")  # a rename
    seen.append(tree_digest(tmp_path))
    os.chmod(tmp_path / "pkg" / "c.py", 0o755)  # the executable bit
    seen.append(tree_digest(tmp_path))
    assert len(set(seen)) == 5
    (tmp_path / "pkg" / "c.py").unlink()  # back to an earlier state: back to its digest
    assert tree_digest(tmp_path) == seen[1]


def test_caches_and_editor_litter_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print()\n")
    before = tree_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "app.py~").write_text("old")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    assert tree_digest(tmp_path) == before
    assert [rel for rel, _ in tree_files(tmp_path)] == ["app.py"]


def test_fields_cannot_run_into_each_other() -> None:
    assert ContentHash("k").text("a", "bc").digest != ContentHash("k").text("ab", "c").digest
    assert ContentHash("k").text("a", "b").digest != ContentHash("other").text("a", "b").digest


def test_a_service_digest_follows_its_code_base_and_declaration(shop: Lab, tmp_path: Path) -> None:
    orders, audit = shop.service("orders"), shop.service("audit")
    before = {
        name: service_hash(shop, shop.service(name), "b:1").digest for name in ("orders", "audit")
    }

    (shop.path / "services" / "orders" / "app.py").write_text("# edited\n", encoding="utf-8")
    assert service_hash(shop, orders, "b:1").digest != before["orders"]
    assert service_hash(shop, audit, "b:1").digest == before["audit"], "other services keep tags"

    assert service_hash(shop, audit, "b:2").digest != before["audit"], "a new base rebuilds all"
    moved = audit.model_copy(update={"port": 9000})
    assert service_hash(shop, moved, "b:1").digest != before["audit"]
    renamed_app = audit.model_copy(update={"app": "app:api"})
    assert service_hash(shop, renamed_app, "b:1").digest != before["audit"]
    no_volume = audit.model_copy(update={"volumes": []})
    assert service_hash(shop, no_volume, "b:1").digest != before["audit"]


def test_the_base_digest_follows_root_kit_and_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = tmp_path / "servicekit"
    kit.mkdir()
    (kit / "__init__.py").write_text("")
    monkeypatch.setattr(base_module, "kit_dir", lambda: kit)
    first = base_hash(ROOT).digest
    assert base_hash(ROOT).digest == first

    (kit / "__init__.py").write_text("VERSION = 2\n")
    edited = base_hash(ROOT).digest
    assert edited != first

    other_root = RootImage(ROOT.name, "sha256:" + "2" * 64, ROOT.python)
    assert base_hash(other_root).digest != edited
    newer_python = RootImage(ROOT.name, ROOT.image_id, PythonTarget("3.12", "glibc-2.36", "x86_64"))
    assert base_hash(newer_python).digest != edited


def test_the_broker_digest_is_the_binary_and_its_dockerfile() -> None:
    assert nats_hash().digest == nats_hash().digest
