"""The checks panel: progress while checks run, then ✓/✗ per check with the message and hint."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ProgressBar, Static

from workbench.checkrun.results import CheckResult, CheckRun, ExerciseStatus, Outcome

MARK = {
    Outcome.PASSED: ("✓", "green"),
    Outcome.FAILED: ("✗", "red"),
    Outcome.ERROR: ("!", "bold red"),
    Outcome.SKIPPED: ("–", "dim"),
}


class ChecksPanel(Vertical):
    """Shows one check run: live while it runs, then the verdict with hints."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._results: list[CheckResult] = []
        self._hints: list[str] = []
        self._hints_used = 0
        self._exercise: str | None = None
        self.last_run: CheckRun | None = None
        self.shown: RenderableType = ""
        """What the results area shows (tests read it as text)."""

    def compose(self) -> ComposeResult:
        """Headline, progress bar, the list of results."""
        yield Static("Press [b]c[/b] to check the current exercise.", id="checks-headline")
        yield ProgressBar(id="checks-progress", show_eta=False, show_percentage=False)
        with VerticalScroll(id="checks-scroll"):
            yield Static(id="checks-results")

    def prompt(self, title: str) -> None:
        """Between runs: say which exercise `c` would check (keeps the last results)."""
        if self.last_run is None and not self._results:
            self.query_one("#checks-headline", Static).update(
                f"Press [b]c[/b] to check [b]{title}[/b]."
            )

    def begin(self, exercise: str, title: str) -> None:
        """A run starts: clear the list and show an indeterminate bar."""
        self._results = []
        self.last_run = None
        self.query_one("#checks-headline", Static).update(
            f"Checking [b]{title}[/b] ({exercise})…  [dim]Escape cancels[/]"
        )
        bar = self.query_one("#checks-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#checks-results", Static).update("")

    def set_total(self, total: int) -> None:
        """The runner knows how many checks it will run."""
        self.query_one("#checks-progress", ProgressBar).update(total=max(total, 1))

    def add_result(self, result: CheckResult) -> None:
        """One check finished."""
        self._results.append(result)
        self.query_one("#checks-progress", ProgressBar).advance(1)
        self.query_one("#checks-results", Static).update(_render(self._results, None))

    def finish(self, run: CheckRun, exercise: str) -> None:
        """The run ended: the verdict, every check, and the hints where something failed."""
        self.last_run = run
        self._exercise = exercise
        self._results = run.results_for(exercise) or list(run.results)
        self.query_one("#checks-progress", ProgressBar).display = False
        status = run.exercise_status(exercise)
        headline = self.query_one("#checks-headline", Static)
        title = run.exercise_titles.get(exercise, exercise)
        if run.error:
            headline.update(Text(f"! The checks could not run: {run.error}", "bold red"))
        elif run.import_problems:
            headline.update(Text("✗ Your code does not import — fix this first:", "bold red"))
        elif status is ExerciseStatus.PASSED:
            headline.update(Text(f"✓ {title}: every check passes. Well done!", "bold green"))
        elif status is ExerciseStatus.NO_CHECKS:
            headline.update(Text(f"{title} has no checks.", "dim"))
        else:
            failed = sum(1 for r in self._results if not r.ok)
            headline.update(
                Text(f"✗ {title}: {failed} of {len(self._results)} check(s) not passing", "red")
            )
        self._hints = []
        if status is not ExerciseStatus.PASSED:
            self._hints = run.exercise_hints.get(exercise, [])
        self._hints_used = run.hints_used.get(exercise, 0)
        self._show_final()

    def show_hints(self, exercise: str, used: int) -> None:
        """The learner asked for another hint: show the first `used` of the exercise's (when
        the panel shows that exercise's run)."""
        if self.last_run is not None and self._exercise == exercise:
            self._hints_used = used
            self._show_final()

    def _show_final(self) -> None:
        self.shown = _render(self._results, self.last_run, hints=self._hints, used=self._hints_used)
        self.query_one("#checks-results", Static).update(self.shown)

    def cancelled(self) -> None:
        """The learner cancelled the run."""
        self.query_one("#checks-progress", ProgressBar).display = False
        self.query_one("#checks-headline", Static).update(
            Text("Check cancelled. Press c to run it again.", "yellow")
        )

    def failed(self, message: str) -> None:
        """The run could not start (not running, no workspace, ...)."""
        self.query_one("#checks-progress", ProgressBar).display = False
        self.query_one("#checks-headline", Static).update(Text(message, "red"))


def _render(
    results: list[CheckResult],
    run: CheckRun | None,
    *,
    hints: list[str] | None = None,
    used: int = 0,
) -> RenderableType:
    parts: list[RenderableType] = []
    if run is not None:
        for problem in run.import_problems:
            parts.append(Text(f"  {problem}", "red"))
    table = Table.grid(padding=(0, 1))
    table.add_column(width=1)
    table.add_column(ratio=1)
    for result in results:
        mark, style = MARK[result.outcome]
        body = Text(result.name, style="bold" if not result.ok else "")
        if result.message and not result.ok:
            body.append(f"\n{result.message}")
        if result.hint and not result.ok:
            body.append(f"\nhint: {result.hint}", style="yellow")
        table.add_row(Text(mark, style=style), body)
    parts.append(table)
    if hints:
        # The hint ladder: one at a time, on request (h), each counted in the progress.
        parts.append(Text("\nHints for this exercise:", "bold yellow"))
        tips = Table.grid(padding=(0, 1))
        tips.add_column(width=1)
        tips.add_column(ratio=1)
        for hint in hints[:used]:
            tips.add_row(Text("•", "yellow"), Text(hint, "yellow"))
        if used < len(hints):
            tips.add_row(Text("h", "bold"), Text(f"shows hint {used + 1} of {len(hints)}", "dim"))
        parts.append(tips)
    return Group(*parts)
