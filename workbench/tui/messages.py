"""Messages the widgets and screens of the workbench exchange, as small dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class LabChosen(Message):
    """The learner picked a lab in the lab list (by id)."""

    lab_id: str


@dataclass
class ServiceSelected(Message):
    """A service was selected in the topology or the services panel."""

    service: str


@dataclass
class ExerciseChanged(Message):
    """The instructions viewer moved to another exercise (or the theory page when id is None)."""

    exercise_id: str | None


@dataclass
class StartProgress(Message):
    """A start-up step of one service (posted from the start worker's thread)."""

    service: str
    phase: str
    detail: str = ""


@dataclass
class WorkDone(Message):
    """Long work (start, stop, checks, a service action) ended; `error` says how it failed."""

    job: str
    error: BaseException | None = None
    result: object = None


@dataclass
class CheckProgress(Message):
    """The check runner reported the number of checks (`total`) or one finished check."""

    total: int | None = None
    result: object = None


@dataclass
class LiveUpdate(Message):
    """Fresh service states, and the topology with them and the observed traffic merged in."""

    statuses: list[object]
    graph: object


@dataclass
class SessionNote(Message):
    """Something the lab session says the learner should know (a stale run removed, a fallback
    to the local runtime); posted from worker threads."""

    text: str


@dataclass
class DesignUpdate(Message):
    """The learner's design, drawn again from their files (`workbench.app.design.DesignView`);
    posted from a worker thread."""

    view: object


@dataclass
class WatchUpdate(Message):
    """What watch mode is doing (`workbench.app.watch.WatchEvent`); posted from its thread."""

    event: object
