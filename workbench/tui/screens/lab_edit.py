"""The lab screen's keys for the learner's own files: `e` (the workbench steps aside for their
editor and comes back), `d` (their changes against the starter) and `h` (the hint ladder).

Suspending the app can go wrong in several ways, each told in one sentence (no editor set, an
editor that does not start, a terminal that cannot hand over).
"""

from __future__ import annotations

from typing import Any


def edit_in_editor(screen: Any, exercise: str | None) -> None:
    """Open the exercise's first learner file in $VISUAL / $EDITOR, suspending the app."""
    from textual.app import SuspendNotSupported

    from workbench.app.editing import HOW_TO_SET, EditorError, editor_command, open_in_editor

    try:
        path = screen.session.learner_path(exercise)
    except Exception as exc:  # no workspace yet, a lab without learner files
        screen.notify(getattr(exc, "message", None) or str(exc), severity="warning")
        return
    if editor_command() is None:
        screen.notify(
            f"No editor is set: {HOW_TO_SET}. Your file is {path}",
            title="Edit",
            severity="warning",
            timeout=15,
        )
        return
    failure: EditorError | None = None
    try:
        with screen.app.suspend():
            # Caught inside: an exception leaving the block would skip the app's resume.
            try:
                open_in_editor(path)
            except EditorError as exc:
                failure = exc
    except SuspendNotSupported:
        screen.notify(
            f"This terminal cannot hand over to an editor: open {path} yourself.",
            title="Edit",
            severity="warning",
            timeout=15,
        )
        return
    if failure is not None:
        screen.notify(f"{failure.message}. Your file is {path}", title="Edit", severity="error")
        return
    screen.refresh(layout=True)


def show_diff(screen: Any, exercise: str | None) -> None:
    """Push the diff of the exercise's learner files against the starter."""
    from workbench.tui.screens.diff import DiffScreen

    title = screen.lab.exercise(exercise).title if exercise else screen.lab.title
    try:
        diffs = screen.session.changes(exercise)
    except Exception as exc:  # no workspace yet: say so
        screen.notify(getattr(exc, "message", None) or str(exc), severity="warning")
        return
    screen.app.push_screen(DiffScreen(title, diffs))


def show_next_hint(screen: Any, exercise: str | None) -> None:
    """The exercise's next hint (counted), in a notification and in the checks tab."""
    from workbench.app.hints import NoHintError, next_hint
    from workbench.tui.widgets.checks import ChecksPanel

    if exercise is None:
        return
    try:
        hint = next_hint(screen.lab, exercise)
    except NoHintError as exc:
        screen.notify(f"{exc.message[0].upper()}{exc.message[1:]}.", title="Hint", timeout=5)
        return
    screen.query_one(ChecksPanel).show_hints(exercise, hint.number)
    more = "" if hint.last else " (h again for the next)"
    screen.notify(f"{hint.text}{more}", title=f"Hint {hint.number} of {hint.total}", timeout=20)
