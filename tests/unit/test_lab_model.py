"""The lab model: defaults, start order, lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import LabNotFoundError
from workbench.lab import Protocol, ServiceKind, find_lab, list_labs, load_lab

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "labs" / "shop"


def test_shop_lab_fields() -> None:
    lab = load_lab(SHOP)
    assert lab.path == SHOP.resolve()
    assert lab.runs_services
    assert lab.broker is not None and lab.broker.kind is ServiceKind.NATS
    assert lab.broker.container_port == 4222
    assert lab.service("orders").container_port == 8000
    assert lab.service("logship").sidecar_of == "audit"
    assert {link.protocol for link in lab.links} == {
        Protocol.HTTP,
        Protocol.EVENT,
        Protocol.NETNS,
        Protocol.VOLUME,
    }
    assert lab.exercise("pricing").files == ["pricing.py"]
    with pytest.raises(KeyError):
        lab.service("nope")


def test_start_order_respects_dependencies_and_sidecars() -> None:
    lab = load_lab(SHOP)
    waves = [[s.name for s in wave] for wave in lab.start_order()]
    position = {name: i for i, wave in enumerate(waves) for name in wave}
    assert position["broker"] < position["orders"] < position["gateway"]
    assert position["audit"] < position["logship"]
    assert position["audit"] < position["gateway"]
    assert sorted(position) == sorted(s.name for s in lab.services)


def test_find_lab_by_id_and_unknown(fixture_labs: Path) -> None:
    assert find_lab("shop").id == "shop"
    with pytest.raises(LabNotFoundError) as info:
        find_lab("nope")
    assert "shop" in (info.value.hint or "")


def test_list_labs_includes_fixture(fixture_labs: Path) -> None:
    ids = [entry.id for entry in list_labs()]
    assert "shop" in ids
