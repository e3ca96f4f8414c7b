"""The instructions viewer: the current exercise's page, the lab's theory page, pattern pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Markdown, Static

from workbench.lab.model import Lab
from workbench.tui.messages import ExerciseChanged


@dataclass(frozen=True)
class Page:
    """What the viewer shows: an exercise (by index), the theory page, or a pattern page."""

    kind: str
    """'exercise', 'theory' or 'pattern'."""
    key: str = ""
    """Exercise id or pattern id."""


class InstructionsViewer(Vertical):
    """A title line saying where you are, and the Markdown page below it."""

    page: reactive[Page] = reactive(Page("theory"), init=False)

    def __init__(self, lab: Lab, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lab = lab
        self.exercise_index = 0
        self.passed: set[str] = set()
        """Exercises the learner has passed, marked ✓ in the title line."""
        self.workspace: Path | None = None
        """Where the learner edits the files (shown under the exercise title)."""

    def compose(self) -> ComposeResult:
        """Title line, then the scrollable page."""
        yield Static(id="instructions-title")
        with VerticalScroll(id="instructions-scroll"):
            yield Markdown(id="instructions-page", open_links=False)

    def on_mount(self) -> None:
        """Start on the first exercise (the theory page when the lab has no exercises)."""
        self.border_title = "Instructions"
        if self.lab.exercises:
            self.page = Page("exercise", self.lab.exercises[0].id)
        else:
            self.page = Page("theory")

    @property
    def current_exercise(self) -> str | None:
        """The exercise the checks run for: the one shown, or the last one shown."""
        if not self.lab.exercises:
            return None
        return self.lab.exercises[self.exercise_index].id

    def next_exercise(self, step: int = 1) -> bool:
        """Move to the next (or previous) exercise; False when there is none that way."""
        if not self.lab.exercises:
            return False
        if self.page.kind != "exercise":  # from theory or a pattern, come back to the exercise
            self.page = Page("exercise", self.lab.exercises[self.exercise_index].id)
            return True
        index = self.exercise_index + step
        if not 0 <= index < len(self.lab.exercises):
            return False
        self.exercise_index = index
        self.page = Page("exercise", self.lab.exercises[index].id)
        return True

    def toggle_theory(self) -> None:
        """Show the theory page, or go back to the exercise from it."""
        if self.page.kind == "theory" and self.lab.exercises:
            self.page = Page("exercise", self.lab.exercises[self.exercise_index].id)
        else:
            self.page = Page("theory")

    def show_pattern(self, pattern_id: str) -> None:
        """Show a pattern catalog page."""
        self.page = Page("pattern", pattern_id)

    def set_workspace(self, workspace: Path | None) -> None:
        """Say where the learner's files are."""
        self.workspace = workspace
        self._render_title()

    def mark_passed(self, passed: set[str]) -> None:
        """Update which exercises are passed (the ✓ in the title line)."""
        self.passed = set(passed)
        self._render_title()

    def watch_page(self, page: Page) -> None:
        """Load the page's Markdown and say where we are."""
        self.query_one("#instructions-page", Markdown).update(self._page_markdown(page))
        self.query_one("#instructions-scroll", VerticalScroll).scroll_home(animate=False)
        self._render_title()
        if page.kind == "exercise":
            self.post_message(ExerciseChanged(page.key))
        elif page.kind == "theory":
            self.post_message(ExerciseChanged(None))

    def _render_title(self) -> None:
        page = self.page
        title = self.query_one("#instructions-title", Static)
        if page.kind == "exercise":
            total = len(self.lab.exercises)
            exercise = self.lab.exercises[self.exercise_index]
            mark = "[green]✓[/] " if exercise.id in self.passed else ""
            files = ", ".join(exercise.files)
            where = f" [dim]in[/] {escape(str(self.workspace))}" if self.workspace else ""
            number = f"Exercise {self.exercise_index + 1}/{total}"
            title.update(
                f"{mark}[b]{number}[/b] · {escape(exercise.title)}"
                + (f"\n[dim]edit:[/] {escape(files)}{where}" if files else "")
            )
        elif page.kind == "theory":
            title.update(f"[b]Theory[/b] · {self.lab.title}")
        else:
            title.update(f"[b]Pattern[/b] · {page.key}")

    def _page_markdown(self, page: Page) -> str:
        if page.kind == "exercise":
            exercise = self.lab.exercise(page.key)
            text = _read(self.lab.path / exercise.instructions)
            if text is None:
                return (
                    f"# {exercise.title}\n\n*(the instructions page "
                    f"`{exercise.instructions}` is missing from the lab)*"
                )
            return text
        if page.kind == "theory":
            text = _read(self.lab.path / "README.md")
            return text if text is not None else f"# {self.lab.title}\n\n{self.lab.summary}"
        from workbench.lab.catalog import load_catalog, page_markdown

        catalog = load_catalog()
        pattern = catalog.get(page.key)
        if pattern is None:
            return f"# {page.key}\n\n*(no catalog page for this pattern yet)*"
        # The same page the pattern catalog shows (its "Try it" computed from the labs).
        return page_markdown(pattern, catalog)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
