"""`e` on the lab screen: the workbench steps aside for the learner's editor and comes back.

Kept apart from the screen: suspending the app, and every way it can go wrong, each told in one
sentence (no editor set, an editor that does not start, a terminal that cannot hand over).
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
