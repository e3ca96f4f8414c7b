"""The event-loop watchdog: when the learner's code holds the service's event loop, say where.

A learner's `time.sleep(3)` (or a long loop) inside `async def` stops the whole service: no
request is answered, no event handled, and from outside every check only sees a timeout. So the
kit watches its own loop. A heartbeat coroutine notes the time every `BEAT_S`; a watcher thread
looks at that note, and while the heartbeat is more than `threshold_s` late it samples the loop
thread's Python stack (`sys._current_frames`). The innermost frame that is neither the standard
library, an installed package nor the workbench decides who is holding the loop: a file of the
learner's workspace (what `servicekit.learner` imports from) is the learner's code, recorded as
`checkout.py:3`; anything else (the lab's own service code, a machine too loaded to run the loop)
is not blamed on the learner. When the heartbeat runs again it measures how long the loop was
held and, when most samples found the learner's code, files a `Stall` with the line most of them
found.

Stalls are remembered for a while (`MEMORY_S`): `/ready` reports the recent ones, and
`/_admin/problems` lists them with their age, so a check that timed out can ask what happened
during it and name the line.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import sysconfig
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.servicekit.logs import KitLogger

BEAT_S = 0.05
THRESHOLD_S = 0.5
MEMORY_S = 20.0
"""How long a stall keeps `/ready` at 503 (and is listed by `/_admin/problems` with its age)."""
KEEP = 20
NOT_LEARNER = ""
"""The key of samples that found the loop outside the learner's code."""
HINT = "`time.sleep` in async code? use `await asyncio.sleep`"


@dataclass(frozen=True)
class Stall:
    where: str
    """`checkout.py:3`: the learner's line the loop was found in most often."""
    held_s: float
    ended: float
    """`time.monotonic()` when the loop ran again."""

    def sentence(self) -> str:
        return f"{self.where} held its event loop for {self.held_s:.1f} s — {HINT}"

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "where": self.where,
            "held_s": round(self.held_s, 2),
            "ago_s": round(now - self.ended, 2),
            "message": self.sentence(),
        }


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        paths.get("stdlib", ""),
        paths.get("purelib", ""),
        paths.get("platlib", ""),
        str(Path(__file__).resolve().parent.parent),  # the workbench package
    }
    return tuple(sorted(r for r in roots if r))


class LoopWatchdog:
    def __init__(
        self,
        workspace: Path | None,
        log: KitLogger,
        *,
        threshold_s: float = THRESHOLD_S,
        memory_s: float = MEMORY_S,
    ) -> None:
        self._workspace = str(workspace.resolve()) if workspace is not None else None
        self._log = log
        self.threshold_s = threshold_s
        self.memory_s = memory_s
        self._libraries = _library_roots()
        self._lock = threading.Lock()
        self._last_beat = time.monotonic()
        self._samples: Counter[str] = Counter()
        self._sampled_beat: float | None = None
        self._stalls: deque[Stall] = deque(maxlen=KEEP)
        self._loop_thread: int | None = None
        self._beat_task: asyncio.Task[None] | None = None
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start watching the running loop (called from the loop, at the service's start-up)."""
        if self._workspace is None or self._beat_task is not None:
            return  # no learner code to blame
        self._loop_thread = threading.get_ident()
        self._last_beat = time.monotonic()
        self._stop.clear()
        self._beat_task = asyncio.get_running_loop().create_task(self._beat(), name="watchdog")
        self._watcher = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._watcher.start()

    async def stop(self) -> None:
        self._stop.set()
        if self._beat_task is not None:
            self._beat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat_task
            self._beat_task = None
        if self._watcher is not None:
            self._watcher.join(1.0)
            self._watcher = None

    # -- what it found ---------------------------------------------------------------------------

    def stalls(self) -> list[Stall]:
        """Every stall still remembered, oldest first."""
        if threading.get_ident() == self._loop_thread:
            # Asked from the loop, so the loop runs: a stall the heartbeat has not filed yet
            # (the request that asks may run before the heartbeat does) has ended now.
            self._settle(time.monotonic())
        with self._lock:
            return list(self._stalls)

    def recent(self) -> list[Stall]:
        now = time.monotonic()
        return [s for s in self.stalls() if now - s.ended <= self.memory_s]

    def problems(self) -> list[str]:
        return [s.sentence() for s in self.recent()]

    def report(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [s.as_dict(now) for s in self.stalls()]

    # -- the two halves --------------------------------------------------------------------------

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(BEAT_S)
            self._settle(time.monotonic())

    def _settle(self, now: float) -> None:
        """The loop runs (we are on it): file the stall that ends now, if there was one."""
        with self._lock:
            held = now - self._last_beat
            self._last_beat = now
            samples, self._samples = self._samples, Counter()
            self._sampled_beat = None
            others = samples.pop(NOT_LEARNER, 0)
            if held <= self.threshold_s or not samples:
                return
            where, count = samples.most_common(1)[0]
            if count * 2 <= count + others:
                return  # mostly elsewhere (the lab's code, a loaded machine): not the learner's
            self._stalls.append(Stall(where, held, now))
        self._log.warning("event loop held by learner code", where=where, held_s=round(held, 2))

    def _watch(self) -> None:
        while not self._stop.wait(BEAT_S):
            with self._lock:
                late = time.monotonic() - self._last_beat
                beat = self._last_beat
            if late <= self.threshold_s or self._loop_thread is None:
                continue
            frame = sys._current_frames().get(self._loop_thread)
            where = self._learner_line(frame)
            with self._lock:
                if self._last_beat != beat:
                    continue  # the loop ran again meanwhile: this sample is of something else
                self._samples[where or NOT_LEARNER] += 1
                first = where is not None and self._sampled_beat != beat
                if first:
                    self._sampled_beat = beat
            if first:
                # Said while it happens: the log shows it even if the loop never comes back.
                self._log.warning("event loop held by learner code", where=where)

    def _learner_line(self, frame: FrameType | None) -> str | None:
        """`file.py:line` when the innermost frame of our own code is in the workspace."""
        root = self._workspace
        while frame is not None and root is not None:
            filename = frame.f_code.co_filename
            if filename.startswith((root + "/", root + "\\")):
                return f"{Path(filename).relative_to(root)}:{frame.f_lineno}"
            if not filename.startswith("<") and not filename.startswith(self._libraries):
                return None  # the service's own code (or the lab's): not the learner's doing
            frame = frame.f_back
        return None
