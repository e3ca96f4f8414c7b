"""The event wire format between the checks' pytest process and the host: one JSON object a line.

Inside the pytest process the plugin appends one event per line to the file named by
`--workbench-results`, flushing each, so the host knows what finished even when a learner's code
takes the process down. On the host the runner (`workbench.checkrun.runner`) reads the lines as they
arrive. Both sides import this module and nothing else of each other, so it stays dependency-free
(standard library only): the pytest process must not load host code, and the host must not load
pytest.

Every event is an object with `"event"` naming its kind; in the order they are written:

- `collected`: `checks`, a list of `CollectedCheck` (the checks that will run, in order);
- `collect_error`: `id`, `message`, `details` (a check file that could not be loaded);
- `start`: `id` (a check began);
- `result`: the fields of `ResultFields` (a check finished; `outcome` is one of `OUTCOMES`);
- `finished`: `exitstatus`, `stopped` (the session ended normally; `stopped` says why it stopped
  early, or is null).
"""

from __future__ import annotations

import json
from typing import Any, NotRequired, TypedDict

COLLECTED = "collected"
COLLECT_ERROR = "collect_error"
START = "start"
RESULT = "result"
FINISHED = "finished"

OUTCOMES = ("passed", "failed", "error", "skipped")
"""The values of a result's `outcome` (the host's `Outcome` enum has the same values)."""


class CollectedCheck(TypedDict):
    id: str
    """pytest node id, e.g. `checks/test_pricing.py::test_total`."""
    name: str
    """Readable name (`total`), see `workbench.checks.messages.check_name`."""
    exercise: str | None
    hint: str | None


class ResultFields(TypedDict):
    id: str
    name: str
    exercise: str | None
    outcome: str
    message: str
    """The sentence for the learner; empty when passed."""
    hint: str | None
    duration: float
    details: str
    """Traceback and captured output (what -v shows)."""
    trace: NotRequired[list[dict[str, Any]]]
    """What the check set off in the services, in time order (only when it did not pass):
    records of the service kit (`workbench.servicekit.trace`) and the faults it injected."""
    trace_skipped: NotRequired[int]
    """Records left out of the middle of a huge trace."""


Event = dict[str, Any]


def encode(kind: str, **fields: Any) -> str:
    """One event as a line of the results file (newline included)."""
    return json.dumps({"event": kind, **fields}) + "\n"


def decode(line: bytes | str) -> Event | None:
    """The event on one line, or None for a line that is not one (torn, empty, not an object)."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return None
    return event
