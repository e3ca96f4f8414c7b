"""`eventually`: poll a condition with a deadline, for eventual consistency in checks.

Runs inside the checks' pytest process (lab checks import it as `from workbench.checks import
eventually`). Checks never `time.sleep`: they poll until the system has converged, and fail with a
sentence for the learner when it has not within the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    predicate: Callable[[], T],
    within: float = 5.0,
    interval: float = 0.05,
    message: str = "",
) -> T:
    """Call `predicate` until it returns something truthy, and return that value.

    An exception from the predicate counts as "not yet" (a service may still be starting); when
    the deadline passes, the check fails with `message` (and the last error, for -v).
    """
    deadline = time.monotonic() + within
    last_error: BaseException | None = None
    while True:
        try:
            value = predicate()
        except Exception as exc:  # any error is "not yet" until the deadline
            last_error = exc
        else:
            if value:
                return value
            last_error = None
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    text = message or f"the condition did not become true within {within:g} s"
    if last_error is not None:
        # The learner reads `message`; the last error is kept as the cause for -v.
        raise AssertionError(text) from last_error
    raise AssertionError(text)
