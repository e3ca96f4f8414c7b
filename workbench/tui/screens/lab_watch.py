"""What the lab screen shows of watch mode: the header says what the loop does, the checks tab
fills as the checks finish, and a pass offers the next exercise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.app.watch import WatchEvent
    from workbench.tui.widgets.watch_indicator import WatchIndicator

ACTIVITY = {
    "waiting": "waiting for a save",
    "saved": "saved",
    "reloading": "reloading",
    "checking": "checking",
    "restarted": "saved again: starting over",
}


class WatchView:
    """Applies one watch event to the lab screen."""

    def __init__(self, screen: Any, indicator: WatchIndicator) -> None:
        self.screen = screen
        self.indicator = indicator

    def show(self, event: WatchEvent) -> None:
        from textual.widgets import TabbedContent

        from workbench.tui.widgets.activity import ActivityBar
        from workbench.tui.widgets.checks import ChecksPanel

        exercise = self.indicator.exercise
        assert exercise is not None
        panel = self.screen.query_one(ChecksPanel)
        activity = self.screen.query_one(ActivityBar)
        if event.kind in ACTIVITY:
            self.indicator.activity = ACTIVITY[event.kind]
        if event.kind == "waiting":
            self.screen.notify(f"Watch mode: {event.text}.", timeout=6)
        elif event.kind == "reloading":
            activity.begin(f"Waiting for {', '.join(event.services)} to reload…")
        elif event.kind == "checking":
            self.screen.query_one(TabbedContent).active = "checks"
            title = self.screen.lab.exercise(exercise).title
            panel.begin(exercise, title)
            activity.begin(f"Checking {title}…")
        elif event.kind == "check" and event.check is not None:
            check = event.check
            if check.kind == "collected":
                panel.set_total(check.total)
            elif check.kind == "finished" and check.result is not None:
                panel.add_result(check.result)
        elif event.kind == "restarted":
            panel.cancelled()
            activity.end()
        elif event.kind == "note":
            self.screen.notify(event.text, title="Watch mode", severity="warning", timeout=6)
        elif event.kind == "result" and event.run is not None:
            self._result(event, exercise, panel)
            activity.end()

    def _result(self, event: WatchEvent, exercise: str, panel: Any) -> None:
        run = event.run
        assert run is not None
        panel.finish(run, exercise)
        self.screen.instructions.mark_passed(self.screen.jobs.passed_exercises())
        if exercise not in run.passed_exercises():
            self.indicator.activity = "not passing yet"
            return
        self.indicator.activity = "passed"
        if event.next_exercise is None:
            then = "That was the last exercise: w stops watching."
        else:
            title = self.screen.lab.exercise(event.next_exercise).title
            then = f"Press n for the next one ({title}): watch mode follows."
        self.screen.notify(f"Every check passes. {then}", title="✓ Passed")
