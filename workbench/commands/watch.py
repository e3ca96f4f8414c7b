"""`workbench watch`: check an exercise again on every save of its files, in a plain terminal."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.commands.completion import complete_exercise, complete_lab

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.app.watch import Watch, WatchEvent


@click.command("watch")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("exercise", required=False, shell_complete=complete_exercise)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Watch this folder instead of the lab's recorded workspace.",
)
@click.option(
    "--timeout", type=float, default=30.0, show_default=True, help="Seconds one check may take."
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and what happened.")
def watch_cmd(
    *,
    lab_id: str,
    exercise: str | None,
    workspace_dir: Path | None,
    timeout: float,
    verbose: bool,
) -> None:
    """Check EXERCISE of LAB again every time you save one of its files.

    Without EXERCISE, watches the first exercise you have not passed yet. Each save waits for
    the services to reload your code, then runs the exercise's checks; saving again while they
    run starts them over. When the exercise passes, it says which one comes next. The lab must
    be running when the exercise talks to its services (`workbench lab start LAB`); files-only
    exercises need nothing running. Ctrl-C quits and leaves the lab as it was.

    \b
    Examples:
      workbench watch saga                 # the first exercise not passed yet
      workbench watch saga compensation    # one exercise
    """
    from workbench.app.checking import watch_of
    from workbench.commands.output import console
    from workbench.lab import find_lab

    watch = watch_of(find_lab(lab_id), exercise, workspace=workspace_dir)
    watch.check_timeout = timeout
    out = console()
    printer = _Printer(watch, out, verbose=verbose)
    printer.intro()
    stop = threading.Event()
    thread = threading.Thread(target=watch.run, args=(printer.on_event, stop), daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        stop.set()
        thread.join(10)
        out.print(f"\nStopped watching; {_left_as_it_was(watch)}")


def _left_as_it_was(watch: Watch) -> str:
    if watch.deployment is None:
        return "nothing was started or stopped."
    return f"{watch.lab.id} keeps running (`workbench lab stop {watch.lab.id}` stops it)."


class _Printer:
    """Turns the watch's events into lines on the terminal."""

    def __init__(self, watch: Watch, out: Console, *, verbose: bool) -> None:
        self.watch = watch
        self.out = out
        self.verbose = verbose

    def intro(self) -> None:
        from rich.markup import escape

        ex = self.watch.lab.exercise(self.watch.exercise)
        files = ", ".join(self.watch.files) or "no file"
        self.out.print(
            f"[bold]Watching {escape(self.watch.lab.id)} · {escape(ex.title)}[/] "
            f"({escape(ex.id)}): {escape(files)} in {escape(str(self.watch.workspace))}"
        )
        self.out.print("[dim]Save to check; Ctrl-C quits.[/]")

    def on_event(self, event: WatchEvent) -> None:
        from rich.markup import escape

        from workbench.checkrun.report import print_report

        kind = event.kind
        if kind == "waiting":
            self.out.print(f"[yellow]waiting:[/] {escape(event.text)}")
        elif kind == "saved":
            self.out.rule(f"saved {escape(', '.join(event.files))}", align="left")
        elif kind == "reloading":
            self.out.print(f"[dim]waiting for {escape(', '.join(event.services))} to reload…[/]")
        elif kind == "checking":
            self.out.print("[dim]checking…[/]")
        elif kind == "restarted":
            self.out.print("[yellow]saved again while checking: starting over[/]")
        elif kind == "note":
            self.out.print(f"[yellow]note:[/] {escape(event.text)}")
        elif kind == "result" and event.run is not None:
            print_report(event.run, self.out, verbose=self.verbose)
            for ex in event.newly_passed:
                self.out.print(f"[green]★[/] exercise {escape(ex)} done — see `workbench progress`")
            if self.watch.exercise in event.run.passed_exercises():
                self._offer_next(event.next_exercise)
        elif kind == "idle":
            self.out.print("[dim]watching for the next save (Ctrl-C quits)[/]")

    def _offer_next(self, next_exercise: str | None) -> None:
        lab = self.watch.lab.id
        if next_exercise is None:
            self.out.print("[green]That was the last exercise of this lab.[/]")
        else:
            self.out.print(
                f"[green]Next:[/] `workbench watch {lab} {next_exercise}` (Ctrl-C here first)"
            )
