"""The faults dialog: the faults this lab offers and the crash points its running services
declare, with their options; inject one or clear all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.lab.model import FaultKind, Lab, ServiceKind

CRASH = "crash"
DESCRIBE = {
    FaultKind.LATENCY: "add latency to every request",
    FaultKind.ERROR_RATE: "answer a share of requests with an error",
    FaultKind.FAIL_NEXT: "fail the next N requests",
    FaultKind.RESET: "drop a share of connections without an answer",
    FaultKind.KILL: "kill the process (it stays down)",
    FaultKind.PAUSE: "freeze the process (resume with u)",
    FaultKind.RESTART: "restart the process",
    FaultKind.PARTITION: "cut it off from the other services",
}
REQUEST_LEVEL = {FaultKind.LATENCY, FaultKind.ERROR_RATE, FaultKind.FAIL_NEXT, FaultKind.RESET}
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

CrashPoints = Callable[[], dict[str, list[str]]]
"""Asks the running services for their crash points ({service: points}); may block."""


@dataclass(frozen=True)
class Offer:
    """One line of the dialog: a fault of the lab on a service, or one of its crash points."""

    kind: str
    service: str
    point: str | None = None

    def label(self) -> str:
        if self.point is not None:
            what = f"exit (or hold) right at its crash point {self.point}"
        else:
            what = DESCRIBE[FaultKind(self.kind)]
        return f"{self.kind:<10} {self.service:<12} [dim]{what}[/]"


@dataclass(frozen=True)
class FaultChoice:
    """What the dialog decided: inject `kind` on `service` with `options`, or clear every fault."""

    kind: str
    service: str = ""
    options: dict[str, object] = field(default_factory=dict)

    @property
    def clear(self) -> bool:
        return self.kind == "clear"


def offered(lab: Lab) -> list[Offer]:
    """Every (fault, service) pair the lab offers, in lab order."""
    python = [s.name for s in lab.services if s.kind is ServiceKind.PYTHON]
    offers: list[Offer] = []
    for fault in lab.faults:
        for service in fault.services or python:
            offer = Offer(fault.kind.value, service)
            if offer not in offers:
                offers.append(offer)
    return offers


def crash_offers(points: dict[str, list[str]]) -> list[Offer]:
    """One line per crash point a running service declares."""
    return [Offer(CRASH, service, point) for service, names in points.items() for point in names]


class FaultsDialog(ModalScreen[FaultChoice | None]):
    """Pick a fault and a service; Enter injects it with the options below the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close"),
        Binding("ctrl+x", "clear_all", "Clear all faults"),
    ]

    def __init__(
        self, lab: Lab, selected: str | None = None, crash_points: CrashPoints | None = None
    ) -> None:
        super().__init__()
        self.lab = lab
        self.selected = selected
        self.offers = self._ordered(offered(lab))
        self._crash_points = crash_points

    def _ordered(self, offers: list[Offer]) -> list[Offer]:
        # The selected service's faults first: that is what the learner looks at.
        return sorted(offers, key=lambda o: o.service != self.selected) if self.selected else offers

    def compose(self) -> ComposeResult:
        """The list of faults, the options, the buttons."""
        with Vertical(id="faults-dialog", classes="dialog"):
            yield Static("[b]Inject a fault[/b] — Enter injects, ctrl+x clears all, Esc closes")
            yield OptionList(*self._options(), id="faults-list")
            with Horizontal(id="faults-options"):
                yield Label("ms")
                yield Input("500", id="fault-ms", type="integer")
                yield Label("rate")
                yield Input("0.5", id="fault-rate", type="number")
                yield Label("count")
                yield Input("3", id="fault-count", type="integer")
            with Horizontal(id="faults-filters"):
                yield Label("route")
                yield Input("", placeholder="all", id="fault-route")
                yield Label("method")
                yield Input("", placeholder="any", id="fault-method")
                yield Checkbox("hold", id="fault-hold", tooltip="crash: park, do not exit")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Inject", variant="warning", id="inject")
                yield Button("Clear all faults", variant="primary", id="clear")
                yield Button("Close", id="close")

    def _options(self) -> list[Option]:
        return [Option(offer.label(), id=str(i)) for i, offer in enumerate(self.offers)]

    def on_mount(self) -> None:
        """Focus the list; ask the running services for their crash points in the background."""
        if not self.offers and self._crash_points is None:
            self.notify("This lab offers no faults.", severity="warning")
        self.query_one("#faults-list", OptionList).focus()
        if self._crash_points is not None:
            self._load_crash_points(self._crash_points)

    @work(thread=True, exit_on_error=False, group="crash-points")
    def _load_crash_points(self, crash_points: CrashPoints) -> None:
        try:
            points = crash_points()
        except Exception:
            points = {}  # the lab stopped meanwhile: the lab's own faults are still offered
        self.app.call_from_thread(self._add_crash_points, points)

    def _add_crash_points(self, points: dict[str, list[str]]) -> None:
        extra = [o for o in crash_offers(points) if o not in self.offers]
        if not extra:
            if not self.offers:
                self.notify("This lab offers no faults.", severity="warning")
            return
        listing = self.query_one("#faults-list", OptionList)
        highlighted = listing.highlighted
        self.offers = self._ordered([*self.offers, *extra])
        listing.clear_options()
        listing.add_options(self._options())
        listing.highlighted = highlighted if highlighted is not None else 0

    @on(OptionList.OptionSelected, "#faults-list")
    def _picked(self) -> None:
        """Enter on a fault injects it."""
        self._inject()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Inject, clear, or close."""
        if event.button.id == "inject":
            self._inject()
        elif event.button.id == "clear":
            self.action_clear_all()
        else:
            self.dismiss(None)

    def action_clear_all(self) -> None:
        """Clear every fault of the run."""
        self.dismiss(FaultChoice("clear"))

    def action_dismiss_none(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)

    def _inject(self) -> None:
        options_list = self.query_one("#faults-list", OptionList)
        index = options_list.highlighted
        if index is None or not self.offers:
            self.notify("Pick a fault first.", severity="warning")
            return
        offer = self.offers[index]
        try:
            options = self._read_options(offer)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.dismiss(FaultChoice(offer.kind, offer.service, options))

    def _read_options(self, offer: Offer) -> dict[str, object]:
        if offer.point is not None:
            return {"point": offer.point, "hold": self.query_one("#fault-hold", Checkbox).value}
        kind = FaultKind(offer.kind)
        if kind not in REQUEST_LEVEL:
            return {}
        route = self.query_one("#fault-route", Input).value.strip() or None
        if route is not None and not route.startswith("/"):
            raise ValueError("A route starts with / (for example /orders); leave it empty for all.")
        method = self.query_one("#fault-method", Input).value.strip().upper() or None
        if method is not None and method not in HTTP_METHODS:
            raise ValueError(f"The method is one of {', '.join(HTTP_METHODS)}; empty for any.")
        options: dict[str, object] = {"route": route, "method": method}
        try:
            if kind is FaultKind.LATENCY:
                options["latency_ms"] = int(self.query_one("#fault-ms", Input).value)
            elif kind in (FaultKind.ERROR_RATE, FaultKind.RESET):
                options["rate"] = float(self.query_one("#fault-rate", Input).value)
            else:
                options["count"] = int(self.query_one("#fault-count", Input).value)
        except ValueError:
            raise ValueError(
                "Options: ms and count are whole numbers, rate is between 0 and 1 (e.g. 0.5)."
            ) from None
        if not 0.0 < float(str(options.get("rate", 0.5))) <= 1.0:
            raise ValueError("The rate is a share of requests between 0 and 1 (e.g. 0.5).")
        return {name: value for name, value in options.items() if value is not None}
