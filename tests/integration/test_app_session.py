"""The application layer's use cases on the real local runtime (the shop fixture lab): what both
front ends get when they open, start, act on services, inject faults and stop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.app.session import LabSession
from workbench.bakery.build import BakeError
from workbench.errors import WorkbenchError
from workbench.lab import find_lab
from workbench.runtime import fault_record
from workbench.runtime.base import ServiceState

pytestmark = pytest.mark.slow


@pytest.fixture
def session(fixture_labs: Path) -> Iterator[LabSession]:
    notes: list[str] = []
    one = LabSession(find_lab("shop"), "local", note=notes.append)
    one.notes = notes  # type: ignore[attr-defined]
    yield one
    one.stop()


def _state(session: LabSession, service: str) -> ServiceState:
    (status,) = [s for s in session.status() if s.service == service]
    return status.state


def test_a_second_session_adopts_the_run_and_acts_through_the_record(
    session: LabSession,
) -> None:
    deployment = session.start()
    other = LabSession(find_lab("shop"), "auto")
    assert other.open()
    assert other.require().run_id == deployment.run_id
    assert other.runtime_name == "local"  # a run belongs to the runtime that made it

    other.service_action("audit", "pause")
    assert [f.describe() for f in fault_record.active(deployment)] == ["paused"]
    assert _state(session, "audit") is ServiceState.PAUSED
    other.service_action("audit", "resume")
    assert fault_record.active(deployment) == []
    assert _state(session, "audit") is ServiceState.READY

    other.inject("latency", "orders", {"latency_ms": 100})
    other.restart("orders")
    assert fault_record.active(deployment) == []  # the new process has none of the old one's faults
    with pytest.raises(WorkbenchError, match="no service 'nope'"):
        other.restart("nope")

    # Crash points: what the TUI's faults dialog lists (kit services only, the broker has none).
    assert other.crash_points() == {"orders": ["published"]}
    fault = other.inject("crash", "orders", {"point": "published", "hold": True})
    assert fault is not None and fault.describe() == "hold at published"
    assert other.clear_faults() == 1


def test_open_removes_a_stale_run_saying_so(session: LabSession) -> None:
    from workbench.runtime.local import procs

    deployment = session.start()
    for pid in procs.pids_with_env("WORKBENCH_RUN_ID", deployment.run_id):
        _kill(pid)
    again = LabSession(find_lab("shop"), "local", note=session.notes.append)  # type: ignore[attr-defined]
    _wait_gone(deployment.run_id)
    assert not again.open()
    assert not deployment.run_dir.exists()
    assert any("none of its services runs any more" in n for n in session.notes)  # type: ignore[attr-defined]
    session.deployment = None  # nothing left to stop


def test_auto_falls_back_to_local_when_the_images_cannot_be_baked(
    session: LabSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.runtime import select

    real = select.get_runtime
    monkeypatch.setattr(
        select, "get_runtime", lambda name="auto": CannotBake() if name == "auto" else real(name)
    )
    session.runtime_choice = "auto"
    deployment = session.start()
    assert deployment.runtime == "local"
    assert session.runtime_name == "local"
    (note,) = session.notes  # type: ignore[attr-defined]
    assert "could not be baked (no root image to build on)" in note
    assert "local runtime instead" in note


def test_docker_chosen_explicitly_does_not_fall_back(
    session: LabSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.runtime import select

    monkeypatch.setattr(select, "get_runtime", lambda name="auto": CannotBake())
    session.runtime_choice = "docker"
    with pytest.raises(BakeError):
        session.start()
    assert session.deployment is None


class CannotBake:
    """A Docker runtime whose engine answers but cannot bake the lab's images."""

    name = "docker"

    def up(self, *_args: object, **_kwargs: object) -> None:
        raise BakeError("no root image to build on", "run `workbench bake --root`")


def _kill(pid: int) -> None:
    import contextlib
    import os
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _wait_gone(run_id: str) -> None:
    import time

    from workbench.runtime.local import procs

    deadline = time.monotonic() + 10
    while procs.pids_with_env("WORKBENCH_RUN_ID", run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
