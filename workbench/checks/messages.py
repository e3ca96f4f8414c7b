"""Turning what a check raised into a sentence for the learner (used inside the pytest process).

A failed check says what is wrong in the words its author wrote (`assert cond, "sentence"`);
pytest's introspection (`assert 3 == 4`) belongs to -v only. Anything else a check raises means
it could not finish (the service was unreachable, a timeout, a bug): an *error*, not a verdict.
"""

from __future__ import annotations

import re

_TIMEOUT = re.compile(r"Timeout \(>([\d.]+)s\) from pytest-timeout")

# Exceptions from httpx / the OS that mean "the service did not answer", by class name so this
# module does not import httpx. `{who}` is the service's name when the plugin knows it.
_UNREACHABLE = {
    "ConnectError": "could not connect to {who} (is it running? did it crash?)",
    "ConnectTimeout": "{who} did not accept the connection in time",
    "ReadTimeout": "{who} did not answer in time",
    "WriteTimeout": "{who} did not accept the request in time",
    "PoolTimeout": "{who} did not answer in time",
    "RemoteProtocolError": "{who} closed the connection without answering (did it crash?)",
    "ConnectionRefusedError": "could not connect to {who} (is it running? did it crash?)",
}


def unreachable(exc: BaseException) -> bool:
    """Whether `exc` means a service did not answer (refused, timed out, hung up)."""
    return type(exc).__name__ in _UNREACHABLE


def check_name(test_name: str) -> str:
    """`test_total_with_TEN[2]` -> `total with TEN [2]`: how a learner sees a check's name."""
    name = test_name.removeprefix("test_")
    params = ""
    if "[" in name and name.endswith("]"):
        name, params = name.split("[", 1)
        params = f" [{params}"
    return name.replace("_", " ").strip() + params


def learner_message(exc: BaseException, when: str, service: str | None = None) -> tuple[str, str]:
    """(kind, message) for an exception raised by a check in phase `when`.

    kind is "failed" when the check gave a verdict (an assertion or `pytest.fail`) and "error" when
    it could not finish. `service` names the service that did not answer, when known.
    """
    name = type(exc).__name__
    text = str(exc)
    if name == "Failed":  # pytest.fail(...) — also how pytest-timeout ends a hanging check
        msg = getattr(exc, "msg", text) or text
        timeout = _TIMEOUT.search(msg)
        if timeout:
            return (
                "error",
                f"the check did not finish within {float(timeout.group(1)):g} s "
                "(something it waited on hangs)",
            )
        return ("failed" if when == "call" else "error"), msg
    if isinstance(exc, AssertionError):
        # Assertion rewriting appends "\nassert <introspection>" to the author's message.
        message = text.split("\nassert ", 1)[0].strip()
        if not message or message.startswith("assert "):
            first = (message or text).splitlines()[0] if (message or text) else ""
            message = f"a check condition was not met ({first})" if first else "the check failed"
        return ("failed" if when == "call" else "error"), message
    if name in _UNREACHABLE:
        return "error", _UNREACHABLE[name].format(who=service or "the service")
    if name in ("CheckSetupError", "LabNotRunningError", "EventsError"):
        return "error", text
    first_line = text.splitlines()[0] if text else ""
    detail = f"{name}: {first_line}" if first_line else name
    return "error", f"the check could not finish: {detail}"
