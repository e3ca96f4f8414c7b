"""`workbench lab init` and `workbench lab reset`: the learner's workspace (in the `lab` group)."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.commands.completion import complete_exercise, complete_lab


@click.command("init")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument(
    "folder", metavar="[DIR]", required=False, type=click.Path(path_type=Path, file_okay=False)
)
def init_cmd(lab_id: str, folder: Path | None) -> None:
    """Create your workspace for LAB: a copy of the lab's starter files to edit.

    Without DIR it goes to ~/workbench-labs/LAB ($WORKBENCH_HOME/LAB when WORKBENCH_HOME is
    set). The workbench remembers where it is, so `workbench check LAB` and `workbench lab start
    LAB` find it from any folder. An existing, non-empty folder is never overwritten.

    \b
    Examples:
      workbench lab init saga              # ~/workbench-labs/saga
      workbench lab init saga ./my-saga    # a folder of your choice
    """
    from rich.markup import escape

    from workbench.commands.output import console
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace, starter_files

    lab = find_lab(lab_id)
    target = init_workspace(lab, folder)
    out = console()
    out.print(f"[green]✓[/] workspace for {escape(lab.id)}: [bold]{escape(str(target))}[/]")
    for rel in starter_files(lab):
        out.print(f"    {escape(rel)}")
    first = lab.exercises[0] if lab.exercises else None
    if first is not None:
        files = ", ".join(first.files) or "the files above"
        out.print(f"Next: read {escape(first.instructions)} in the lab, edit {escape(files)}, then")
    if lab.runs_services:
        out.print(f"  workbench lab start {lab.id}    # run the services on your code")
    out.print(f"  workbench check {lab.id}        # get feedback")


@click.command("reset")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("exercise", required=False, shell_complete=complete_exercise)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Reset this folder instead of the lab's recorded workspace.",
)
def reset_cmd(lab_id: str, exercise: str | None, workspace_dir: Path | None) -> None:
    """Put back the starter files of EXERCISE (or of the whole lab) in your workspace.

    Nothing is lost: the files it replaces are first copied into
    .workbench-backup/<date-time>/ inside the workspace.

    \b
    Examples:
      workbench lab reset saga retries     # only the files of the retries exercise
      workbench lab reset saga             # every starter file
    """
    from rich.markup import escape

    from workbench.commands.output import console
    from workbench.lab import find_lab
    from workbench.lab.workspace import reset

    lab = find_lab(lab_id)
    result = reset(lab, exercise, workspace=workspace_dir.resolve() if workspace_dir else None)
    out = console()
    what = f"exercise {exercise}" if exercise else "every exercise"
    out.print(
        f"[green]✓[/] restored the starter files of {escape(what)} in "
        f"{escape(str(result.workspace))}:"
    )
    for rel in result.restored:
        out.print(f"    {escape(rel)}")
    if result.backup is not None:
        out.print(f"Your previous version is in [bold]{escape(str(result.backup))}[/]")


@click.command("edit")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("file", required=False)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Edit in this folder instead of the lab's recorded workspace.",
)
def edit_cmd(lab_id: str, file: str | None, workspace_dir: Path | None) -> None:
    """Open FILE of your workspace for LAB in your editor ($VISUAL, else $EDITOR).

    Without FILE, opens the learner file of the first exercise you have not passed yet. FILE is
    relative to the workspace. Running services reload when you save it.

    \b
    Examples:
      workbench lab edit saga                  # the file of your current exercise
      workbench lab edit cqrs projection.py
    """
    from workbench.app.editing import learner_file, open_in_editor
    from workbench.checkrun.progress import lab_progress
    from workbench.lab import find_lab
    from workbench.lab.workspace import require_workspace

    lab = find_lab(lab_id)
    workspace = workspace_dir.resolve() if workspace_dir else require_workspace(lab)
    done = {ex for ex, p in lab_progress(lab.id).items() if p.last_status == "passed"}
    current = next((e.id for e in lab.exercises if e.id not in done and e.files), None)
    path = learner_file(lab, workspace, file, exercise=current if file is None else None)
    code = open_in_editor(path)
    if code:
        raise click.exceptions.Exit(code)


@click.command("diff")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("exercise", required=False, shell_complete=complete_exercise)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Compare this folder instead of the lab's recorded workspace.",
)
def diff_cmd(lab_id: str, exercise: str | None, workspace_dir: Path | None) -> None:
    """Show what you changed against the starter files: a unified diff per learner file.

    \b
    Examples:
      workbench lab diff saga                  # every exercise's files
      workbench lab diff saga compensation     # one exercise's
    """
    from rich.syntax import Syntax

    from workbench.app.editing import diff_against_starter, exercise_files
    from workbench.commands.output import console
    from workbench.lab import find_lab
    from workbench.lab.workspace import require_workspace

    lab = find_lab(lab_id)
    workspace = workspace_dir.resolve() if workspace_dir else require_workspace(lab)
    out = console()
    diffs = diff_against_starter(lab, workspace, exercise_files(lab, exercise))
    for item in diffs:
        if item.diff:
            out.print(Syntax(item.diff, "diff", theme="ansi_dark", background_color="default"))
        else:
            out.print(f"[dim]{item.file}: unchanged since the starter[/]")
