"""Errors a user can act on: each carries what went wrong and what to do about it."""

from __future__ import annotations

from collections.abc import Sequence


class WorkbenchError(Exception):
    """An expected failure, shown to the user as a message plus a hint, never as a traceback."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class LabNotFoundError(WorkbenchError):
    """A lab id that no lab folder answers to."""


class LabInvalidError(WorkbenchError):
    """A lab whose lab.yaml has problems; `problems` lists every one of them."""

    def __init__(self, message: str, problems: Sequence[object]) -> None:
        super().__init__(message, "run `workbench labs validate PATH` to see every problem")
        self.problems = list(problems)


class RuntimeUnavailableError(WorkbenchError):
    """The runtime asked for cannot run here (no Docker engine, missing binary)."""


class NotRunningError(WorkbenchError):
    """A command that needs a running lab found none."""


class ServiceFailedError(WorkbenchError):
    """A service crashed or never became ready; carries the tail of its log."""

    def __init__(self, service: str, reason: str, log_tail: list[str]) -> None:
        tail = "\n".join(f"    {line}" for line in log_tail[-20:]) or "    (no output)"
        super().__init__(
            f"service {service!r} {reason}\n  last log lines:\n{tail}",
            f"fix the error above, then `workbench lab restart LAB {service}`",
        )
        self.service = service
        self.log_tail = log_tail


class StartFailedError(ServiceFailedError):
    """Some services of a run did not start; the run exists and the others keep running."""

    def __init__(
        self, lab_id: str, run_id: str, failed: dict[str, str], log_tails: dict[str, list[str]]
    ) -> None:
        service = next(iter(failed))
        super().__init__(service, failed[service], log_tails.get(service, []))
        others = [f"{name} ({reason})" for name, reason in failed.items() if name != service]
        if others:
            self.message += "\n  also failed: " + ", ".join(others)
        self.hint = (
            f"fix the error above, then `workbench lab restart {lab_id} {service}`; the other "
            f"services keep running (`workbench lab status {lab_id}`)"
        )
        self.lab_id = lab_id
        self.run_id = run_id
        self.failed = failed
        self.log_tails = log_tails
