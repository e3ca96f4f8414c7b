"""`workbench hint`: the next hint of an exercise (the hint ladder), counted in your progress."""

from __future__ import annotations

import click

from workbench.commands.completion import complete_exercise, complete_lab


@click.command("hint")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("exercise", required=False, shell_complete=complete_exercise)
def hint_cmd(lab_id: str, exercise: str | None) -> None:
    """Show the next hint of EXERCISE (default: the first exercise you have not passed yet).

    Hints come one at a time, once a check of the exercise has failed; each one you ask for is
    counted in your progress (graders see `hints_used` in `workbench check --json`). Asking
    again after the last one shows the last one again.

    \b
    Example:
      workbench hint saga compensation
    """
    from rich.markup import escape

    from workbench.app.hints import next_hint
    from workbench.checkrun.progress import lab_progress
    from workbench.commands.output import console
    from workbench.lab import find_lab

    lab = find_lab(lab_id)
    if exercise is None:
        done = {ex for ex, p in lab_progress(lab.id).items() if p.last_status == "passed"}
        exercise = next((e.id for e in lab.exercises if e.id not in done), None)
        if exercise is None:
            console().print(f"Every exercise of {escape(lab.id)} passes: no hint needed.")
            return
    else:
        from workbench.app.editing import exercise_files

        exercise_files(lab, exercise)  # a clear error for an unknown exercise
    hint = next_hint(lab, exercise)
    more = "" if hint.last else f" · `workbench hint {lab.id} {exercise}` for the next"
    console().print(
        f"[yellow]hint {hint.number} of {hint.total}[/] ({escape(exercise)}): "
        f"{escape(hint.text)}[dim]{escape(more)}[/]"
    )
