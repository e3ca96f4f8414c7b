"""The faults dialog: the lab's faults, the crash points running services declare (asked in the
background), and the options each kind takes (method, hold)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Checkbox, Input, OptionList

from workbench.lab import find_lab
from workbench.tui.widgets.faults import FaultChoice, FaultsDialog

pytestmark = pytest.mark.tui


class DialogApp(App[None]):
    CSS_PATH = str(Path(__file__).resolve().parents[2] / "workbench" / "tui" / "workbench.tcss")

    def __init__(self, dialog: FaultsDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.choice: FaultChoice | str | None = "open"

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._chosen)

    def _chosen(self, choice: FaultChoice | None) -> None:
        self.choice = choice


def _labels(dialog: FaultsDialog) -> list[str]:
    listing = dialog.query_one("#faults-list", OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_crash_points_of_running_services_are_offered(tui_labs: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    dialog = FaultsDialog(find_lab("shop"), "orders", crash_points=lambda: {"orders": ["paid"]})
    app = DialogApp(dialog)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any("paid" in label for label in _labels(dialog)),
                         within=5, what="the crash point was listed")  # fmt: skip
        crash = next(i for i, o in enumerate(dialog.offers) if o.point == "paid")
        dialog.query_one("#faults-list", OptionList).highlighted = crash
        dialog.query_one("#fault-hold", Checkbox).value = True
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.choice != "open", within=5, what="a choice")
    assert app.choice == FaultChoice("crash", "orders", {"point": "paid", "hold": True})


async def test_request_faults_take_a_method_and_a_bad_one_is_refused(  # type: ignore[no-untyped-def]
    tui_labs: Path, wait_until
) -> None:
    dialog = FaultsDialog(find_lab("shop"), "orders", crash_points=dict)
    app = DialogApp(dialog)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        fail_next = next(i for i, o in enumerate(dialog.offers)
                         if (o.kind, o.service) == ("fail_next", "orders"))  # fmt: skip
        dialog.query_one("#faults-list", OptionList).highlighted = fail_next
        dialog.query_one("#fault-method", Input).value = "FETCH"
        await pilot.press("enter")
        await pilot.pause()
        assert app.choice == "open"  # refused with a notification, the dialog stays
        dialog.query_one("#fault-method", Input).value = "post"
        dialog.query_one("#faults-list", OptionList).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.choice != "open", within=5, what="a choice")
    assert app.choice == FaultChoice("fail_next", "orders", {"method": "POST", "count": 3})
