"""`workbench gc` for the local runtime: end every process and remove every run folder.

It works from the run folders alone, so it cleans up after a CLI that was killed with SIGKILL
half-way through a start: each recorded process group is ended only while its leader is still
the process that was recorded (same start time), so a recycled pid is never killed; processes
spawned but not yet recorded are found by the run id in their environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.runtime import runs
from workbench.runtime.local import procs


@dataclass
class GcReport:
    runs: list[str] = field(default_factory=list)
    """Run ids whose folders were removed."""
    processes: int = 0
    """Process groups (and unrecorded processes) ended."""


def gc_local() -> GcReport:
    """Stop and remove every run in the state folder; Docker runs' folders too (their containers
    are the Docker runtime's gc)."""
    report = GcReport()
    for folder in runs.run_folders():
        run_id = folder.name
        records = [r for r in procs.load_records(folder).values() if r.alive]
        procs.terminate_groups(records, grace=0.5)
        strays = procs.pids_with_env("WORKBENCH_RUN_ID", run_id)
        procs.kill_pids(strays)
        report.processes += len(records) + len(strays)
        runs.remove_run(folder)
        report.runs.append(run_id)
    return report
