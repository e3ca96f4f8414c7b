"""The TUI's own plumbing: logging set-up, progress for the lab list, and the registry of the lab
sessions its screens hold (so the app stops them on the way out, whatever happens).

The use cases themselves live in the application layer (`workbench.app`), shared with the CLI.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import paths

if TYPE_CHECKING:
    from workbench.app.session import LabSession
    from workbench.lab.model import Lab

log = logging.getLogger("workbench.tui")

_sessions: set[LabSession] = set()
_sessions_lock = threading.Lock()


def log_file() -> Path:
    """Where the TUI writes details of problems (tracebacks never go on screen)."""
    return paths.state_dir() / "tui.log"


def setup_logging() -> None:
    """Send the workbench's log records to the log file (once per process)."""
    root = logging.getLogger("workbench")
    if any(getattr(h, "_workbench_tui", False) for h in root.handlers):
        return
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler._workbench_tui = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def progress_text(lab: Lab) -> str:
    """The learner's progress on a lab for the lab list, e.g. '1/3' or '✓ 3/3'; '—' if none."""
    total = len(lab.exercises)
    if not total:
        return "—"
    passed = len(passed_exercises(lab))
    if passed == 0:
        return f"0/{total}"
    return f"✓ {passed}/{total}" if passed >= total else f"{passed}/{total}"


def passed_exercises(lab: Lab) -> set[str]:
    """Ids of the exercises of this lab the learner has passed (from the check engine's store)."""
    from workbench.checkrun import progress

    try:
        return {ex for ex, entry in progress.lab_progress(lab.id).items() if entry.passed}
    except Exception:  # a damaged progress file must not keep the lab list from opening
        log.exception("reading progress of %s", lab.id)
        return set()


def register(session: LabSession) -> None:
    """Remember a lab screen's session so the app can stop its run on the way out."""
    with _sessions_lock:
        _sessions.add(session)


def unregister(session: LabSession) -> None:
    with _sessions_lock:
        _sessions.discard(session)


def stop_all_sessions() -> None:
    """Stop every lab the TUI still runs (the last line of defence when the app exits)."""
    with _sessions_lock:
        sessions = list(_sessions)
    for session in sessions:
        try:
            session.stop()
        except Exception:
            log.exception("stopping %s on exit", session.lab.id)
