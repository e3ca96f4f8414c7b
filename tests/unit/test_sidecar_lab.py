"""The sidecar lab's content, without starting anything: it validates, its hand-outs load, every
exercise has a page, hints and a TODO, its mutants apply to the solution, the shipper's blocks
(whole lines, long lines, bytes that are not text, a file followed by its identity across a
rename, atomic offsets) and the settings' rules (422 naming the field) keep their promises, and
the solution's shipper, run on those blocks, ships a rotated log once and in order.

The running services are in tests/integration/test_sidecar_services.py; the checks prove
themselves in the self-tests (local and Docker).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from workbench.authoring.mutants import mutant_problems, read_mutants
from workbench.checkrun.imports import check_imports
from workbench.lab import Lab, load_lab, validate_lab_dir

SIDECAR = Path(__file__).resolve().parents[2] / "labs" / "sidecar"
SERVICES = SIDECAR / "services"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(SIDECAR)


def test_the_lab_validates_without_problems() -> None:
    _lab, problems = validate_lab_dir(SIDECAR)
    assert problems == []


def test_every_exercise_has_a_page_hints_and_a_todo_in_the_starter(lab: Lab) -> None:
    assert [e.id for e in lab.exercises] == [
        "log-shipper",
        "timeouts-retries",
        "circuit-breaker",
        "bulkhead",
        "live-config",
    ]
    for exercise in lab.exercises:
        assert (SIDECAR / exercise.instructions).read_text(encoding="utf-8").startswith("# ")
        assert exercise.hints, f"{exercise.id} has no hints"
        (file,) = exercise.files
        starter = (SIDECAR / "starter" / file).read_text(encoding="utf-8")
        assert starter.count(f"TODO({exercise.id})") == 1, f"one TODO for {exercise.id}"


def test_the_sidecars_share_the_apps_network_and_its_log(lab: Lab) -> None:
    sidecars = {s.name: s for s in lab.services if s.sidecar_of}
    assert set(sidecars) == {"ambassador", "shipper"}
    assert all(s.sidecar_of == "legacy-app" for s in sidecars.values())
    app_mount = lab.service("legacy-app").volumes[0]
    shipper_mount = sidecars["shipper"].volumes[0]
    assert (app_mount.name, app_mount.read_only) == ("app-logs", False)
    assert (shipper_mount.name, shipper_mount.read_only) == ("app-logs", True)
    learner = sorted(s.name for s in lab.services if s.workspace)
    assert learner == ["ambassador", "shipper"]
    assert lab.broker is None


def test_every_mutant_names_its_mistake_and_targets_an_exercise(lab: Lab) -> None:
    mutants, _problems = read_mutants(lab)
    assert mutant_problems(lab) == []  # well written, and every patch applies to the solution
    by_exercise: dict[str, set[str]] = {}
    for mutant in mutants:
        assert mutant.description.endswith("."), mutant.name
        by_exercise.setdefault(mutant.exercise, set()).add(mutant.name)
    # The ten, plus the wrong answers written independently of the lab (whole files).
    assert by_exercise == {
        "log-shipper": {
            "offset-in-memory",
            "random-line-ids",
            "save-before-send",
            "rotation-skips-tail",
            "offset-without-file",
        },
        "timeouts-retries": {"retries-post-without-key", "no-timeout"},
        "circuit-breaker": {
            "breaker-never-closes",
            "breaker-counts-4xx",
            "breaker-ignores-timeouts",
            "breaker-counts-all-failures",
            "half-open-lets-all-through",
        },
        "bulkhead": {"one-shared-pool", "bulkhead-leaks-on-open-breaker"},
        "live-config": {"pools-sized-once"},
    }


def test_starter_solution_and_mutants_load_as_the_check_runner_loads_them(
    lab: Lab, tmp_path: Path
) -> None:
    mutants, _problems = read_mutants(lab)
    folders = [
        SIDECAR / "starter",
        SIDECAR / "solution",
        *(m.materialise(lab.solution_dir, tmp_path / m.name) for m in mutants),
    ]
    for folder in folders:
        problems = check_imports(folder, ["shipper.py", "ambassador.py"], starter=lab.starter_dir)
        assert problems == [], f"{folder.name}: {problems}"


# -- the shipper's blocks --------------------------------------------------------------------------


@pytest.fixture
def blocks() -> Iterator[ModuleType]:
    folder = str(SERVICES / "shipper")
    sys.path.insert(0, folder)
    try:
        yield importlib.import_module("ship_blocks")
    finally:
        sys.path.remove(folder)
        sys.modules.pop("ship_blocks", None)


def test_only_whole_lines_are_read(blocks: ModuleType) -> None:
    chunk = blocks.split_lines(b"one\ntwo\nthr", 100, 10)
    assert [(line.offset, line.text) for line in chunk.lines] == [(100, "one"), (104, "two")]
    assert chunk.end == 108  # the unfinished line is left for later


def test_a_long_line_comes_in_marked_parts_and_bad_bytes_are_replaced(
    blocks: ModuleType,
) -> None:
    long = b"x" * (blocks.MAX_LINE * 2 + 10)
    chunk = blocks.split_lines(long + b"\n" + b"caf\xe9\n", 0, 100)
    parts = chunk.lines[:3]
    assert [p.text[:12] for p in parts] == ["[part 1/3] x", "[part 2/3] x", "[part 3/3] x"]
    assert [p.offset for p in parts] == [0, blocks.MAX_LINE, 2 * blocks.MAX_LINE]
    assert chunk.lines[3].text == "caf\ufffd"
    assert chunk.end == len(long) + 1 + 5


def test_a_file_keeps_its_identity_across_a_rotation(blocks: ModuleType, tmp_path: Path) -> None:
    logs = blocks.Logs(tmp_path)
    assert logs.files() == []
    (tmp_path / "app.log").write_bytes(b"first")
    assert logs.files() == [], "listed before its first line is complete"
    (tmp_path / "app.log").write_bytes(b"first\nsecond\n")
    (before,) = logs.files()
    os.replace(tmp_path / "app.log", tmp_path / "app.log.1")
    (tmp_path / "app.log").write_bytes(b"new first\n")
    old, new = logs.files()
    assert (old.name, old.identity) == ("app.log.1", before.identity)
    assert new.identity != before.identity
    # A file read by the LogFile files() gave before the rename is still found by its inode.
    assert [line.text for line in logs.read(before, 6).lines] == ["second"]


def test_offsets_are_saved_whole_and_reach_the_crash_point(
    blocks: ModuleType, tmp_path: Path
) -> None:
    reached: list[str] = []
    offsets = blocks.Offsets(tmp_path, reached.append)
    assert offsets.load() == {}
    offsets.save({"file": "1-abc", "offset": 12})
    assert offsets.load() == {"file": "1-abc", "offset": 12}
    assert reached == ["after-save"]
    with pytest.raises(TypeError):
        offsets.save({"file": object()})
    assert offsets.load() == {"file": "1-abc", "offset": 12}, "a failed save keeps the old one"


@pytest.fixture
def collector_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real collector service's app (its own DATA_DIR), served in-process over ASGI."""
    monkeypatch.setenv("SERVICE_NAME", "collector")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "collector"))
    spec = importlib.util.spec_from_file_location(
        "collector_app", SERVICES / "collector" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_solution_shipper() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "shipper_solution", SIDECAR / "solution" / "shipper.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_solution_ships_a_rotated_log_once_and_in_order(
    blocks: ModuleType, collector_app: Any, tmp_path: Path
) -> None:
    import httpx

    shipper = load_solution_shipper()
    folder, data = tmp_path / "logs", tmp_path / "data"
    folder.mkdir()
    data.mkdir()
    logs, offsets = blocks.Logs(folder), blocks.Offsets(data, lambda _: None)

    async def scenario() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=collector_app.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://collector") as client:

            async def no_crash(_: str) -> None:
                return None

            collector = blocks.Collector(lambda: client, no_crash)

            async def drain() -> None:
                while await shipper.ship_once(logs, collector, offsets):
                    pass

            with (folder / "app.log").open("ab") as log:
                log.write(b"a1\na2\n")
            await drain()
            with (folder / "app.log").open("ab") as log:
                log.write(b"a3\n")
            os.replace(folder / "app.log", folder / "app.log.1")
            (folder / "app.log").write_bytes(b"b1\n")
            await drain()
            await drain()  # nothing new: nothing sent
            return dict((await client.get("/lines")).json())

    got = asyncio.run(scenario())
    assert [line["text"] for line in got["lines"]] == ["a1", "a2", "a3", "b1"]
    assert got["received_twice"] == 0
