"""Processes the local runtime owns: records in the run folder, signals that never hit a stranger.

Every service runs in its own process group (its leader is the process we spawned), so one signal
reaches the uvicorn reloader *and* its worker. A record keeps the leader's pid together with its
start time (from /proc), because pids are recycled: a signal is only sent when the pid still
belongs to the process we started. This is Linux-only (/proc); elsewhere the start time is unknown
and the pid alone is trusted.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PROC = Path("/proc")
PROCS_DIR = "procs"


@dataclass(frozen=True)
class ProcessRecord:
    """The leader of one service's process group, as recorded when it was spawned."""

    service: str
    pid: int
    start_time: int | None
    """Clock ticks since boot (/proc/<pid>/stat field 22); None when /proc is unavailable."""
    argv: list[str]

    def save(self, run_dir: Path) -> None:
        folder = run_dir / PROCS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{self.service}.json.tmp"
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        tmp.replace(folder / f"{self.service}.json")

    @property
    def alive(self) -> bool:
        """Whether the group we started still has live processes (and the pid is not recycled)."""
        if not group_is_ours(self):
            return False
        if state_of(self.pid) not in (None, "Z"):
            return True  # the leader lives: no need to scan every process of the machine
        return bool(group_members(self.pid))


def record_process(run_dir: Path, service: str, pid: int, argv: list[str]) -> ProcessRecord:
    record = ProcessRecord(service, pid, start_time_of(pid), argv)
    record.save(run_dir)
    return record


def load_records(run_dir: Path) -> dict[str, ProcessRecord]:
    records: dict[str, ProcessRecord] = {}
    for file in sorted((run_dir / PROCS_DIR).glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            records[data["service"]] = ProcessRecord(**data)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a half-written record of a crashed CLI; gc's environment scan covers it
    return records


def forget(run_dir: Path, service: str) -> None:
    (run_dir / PROCS_DIR / f"{service}.json").unlink(missing_ok=True)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may contain spaces)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def start_time_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    # After the name: state is field 3 of the man page, starttime field 22 -> index 19 here.
    return int(fields[19]) if fields and len(fields) > 19 else None


def state_of(pid: int) -> str | None:
    """One-letter process state ('R', 'S', 'T' stopped, 'Z' zombie), None when gone."""
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def is_same_process(pid: int, start_time: int | None) -> bool:
    if not PROC.is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = _stat_fields(pid)
    if not fields or fields[0] == "Z":
        return False
    return start_time is None or int(fields[19]) == start_time


def group_table() -> dict[int, list[int]]:
    """Live (non-zombie) processes by process group, from one scan of /proc (a few ms)."""
    table: dict[int, list[int]] = {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        # index 0 is the state, index 2 the process group id (fields 3 and 5 of proc(5))
        if fields and len(fields) > 2 and fields[0] != "Z":
            table.setdefault(int(fields[2]), []).append(int(entry.name))
    return table


def group_members(pgid: int) -> list[int]:
    """Live processes in a process group: uvicorn's reloader, its worker and tracker, usually."""
    return group_table().get(pgid, [])


def family(pid: int) -> list[int]:
    """A live process and its descendants (from /proc/<pid>/task/*/children: no full scan).

    Cheap enough to poll; it misses descendants whose parent died (they are re-parented), which
    `group_members` still finds.
    """
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        if state_of(current) in (None, "Z"):
            continue
        found.append(current)
        try:
            tasks = list((PROC / str(current) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            with contextlib.suppress(OSError, ValueError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def cmdline_of(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_reloading(record: ProcessRecord) -> bool:
    """A `uvicorn --reload` group: a reloader leader, a worker that runs the app, a tracker."""
    return "--reload" in record.argv


def _runs(pid: int, marker: str) -> bool:
    return any(marker in part for part in cmdline_of(pid))


def app_running(record: ProcessRecord, members: list[int]) -> bool:
    """Whether the process that runs the service's code is alive in the group.

    With --reload that is the worker the reloader spawned (multiprocessing `spawn_main`); the
    reloader and multiprocessing's resource tracker outlive a worker that crashed on import.
    """
    if not is_reloading(record):
        return record.pid in members
    return any(pid != record.pid and _runs(pid, "spawn_main") for pid in members)


def tracker_running(members: list[int]) -> bool:
    """multiprocessing's resource tracker: started just before the worker, it outlives it."""
    return any(_runs(pid, "resource_tracker") for pid in members)


def pids_with_env(name: str, value: str) -> list[int]:
    """Our processes whose environment has name=value (gc's net for pids no record caught)."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue  # another user's process, or gone
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def group_is_ours(record: ProcessRecord) -> bool:
    """Whether pid/pgid still names the group we started.

    While the leader exists (even as a zombie) its start time decides. Once it is gone, Linux keeps
    the number reserved as long as any member of the group lives, so live members are ours.
    """
    if not PROC.is_dir():
        return is_same_process(record.pid, None)
    fields = _stat_fields(record.pid)
    if fields:
        return record.start_time is None or int(fields[19]) == record.start_time
    return True


def signal_group(record: ProcessRecord, sig: signal.Signals) -> bool:
    """Send sig to the record's process group if it is still ours; False if it is gone."""
    if not group_is_ours(record) or (PROC.is_dir() and not group_members(record.pid)):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(record.pid, sig)
        return True
    return False


def terminate_groups(records: list[ProcessRecord], grace: float = 1.0) -> None:
    """SIGTERM every group at once, wait up to `grace` seconds, then SIGKILL what is left.

    The app process gets its graceful shutdown; once it has exited, the helpers left in its group
    (uvicorn's reloader, multiprocessing's resource tracker) hold nothing worth waiting for and
    are killed at once, which halves the stop time. Stopped (paused) groups get SIGCONT too, or
    they would never act on the SIGTERM.
    """
    live = [r for r in records if signal_group(r, signal.SIGTERM)]
    for record in live:
        signal_group(record, signal.SIGCONT)
    deadline = time.monotonic() + grace
    pending = {r.pid: r for r in live}
    while pending:
        for pid in pending:
            reap(pid)
        table = group_table()  # one scan of /proc per round, whatever the number of groups
        for pid, record in list(pending.items()):
            members = table.get(pid, [])
            if not members:
                del pending[pid]
            elif not app_running(record, members):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(0.005)
    for pid in pending:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    # SIGKILL is not instant: wait (briefly) until the kernel has really ended every member.
    until = time.monotonic() + 2.0
    while pending and time.monotonic() < until:
        for pid in pending:
            reap(pid)
        table = group_table()
        pending = {pid: r for pid, r in pending.items() if table.get(pid)}
        time.sleep(0.005)
    for record in live:
        reap(record.pid)


def kill_pids(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def reap(pid: int) -> None:
    """Collect the exit status if pid is our child, so long-lived callers leave no zombies."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
