"""SIGTERM and SIGHUP as Ctrl-C, for commands that must clean up what they started."""

from __future__ import annotations

import signal


class signals_interrupt:  # noqa: N801 - used like a function: `with signals_interrupt():`
    """Inside the block, SIGTERM and SIGHUP raise KeyboardInterrupt like Ctrl-C, so a closed
    terminal or a `kill` stops the lab and removes what the command made."""

    def __enter__(self) -> None:
        def interrupt(_sig: int, _frame: object) -> None:
            raise KeyboardInterrupt

        self._saved = {
            sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)
        }

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
