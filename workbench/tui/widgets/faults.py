"""The faults dialog: the faults this lab offers, with their options; inject one or clear all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.lab.model import FaultKind, Lab, ServiceKind

DESCRIBE = {
    FaultKind.LATENCY: "add latency to every request",
    FaultKind.ERROR_RATE: "answer a share of requests with an error",
    FaultKind.FAIL_NEXT: "fail the next N requests",
    FaultKind.KILL: "kill the process (it stays down)",
    FaultKind.PAUSE: "freeze the process (resume with u)",
    FaultKind.RESTART: "restart the process",
    FaultKind.PARTITION: "cut it off from the other services",
}
REQUEST_LEVEL = {FaultKind.LATENCY, FaultKind.ERROR_RATE, FaultKind.FAIL_NEXT}


@dataclass(frozen=True)
class FaultChoice:
    """What the dialog decided: inject `kind` on `service` with `options`, or clear every fault."""

    kind: str
    service: str = ""
    options: dict[str, object] = field(default_factory=dict)

    @property
    def clear(self) -> bool:
        return self.kind == "clear"


def offered(lab: Lab) -> list[tuple[FaultKind, str]]:
    """Every (fault, service) pair the lab offers, in lab order."""
    python = [s.name for s in lab.services if s.kind is ServiceKind.PYTHON]
    pairs: list[tuple[FaultKind, str]] = []
    for fault in lab.faults:
        for service in fault.services or python:
            if (fault.kind, service) not in pairs:
                pairs.append((fault.kind, service))
    return pairs


class FaultsDialog(ModalScreen[FaultChoice | None]):
    """Pick a fault and a service; Enter injects it with the options below the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close"),
        Binding("ctrl+x", "clear_all", "Clear all faults"),
    ]

    def __init__(self, lab: Lab, selected: str | None = None) -> None:
        super().__init__()
        self.lab = lab
        self.pairs = offered(lab)
        if selected:  # the selected service's faults first: that is what the learner looks at
            self.pairs.sort(key=lambda p: p[1] != selected)

    def compose(self) -> ComposeResult:
        """The list of faults, the options, the buttons."""
        with Vertical(id="faults-dialog", classes="dialog"):
            yield Static("[b]Inject a fault[/b] — Enter injects, ctrl+x clears all, Esc closes")
            yield OptionList(
                *[
                    Option(f"{kind.value:<10} {service:<12} [dim]{DESCRIBE[kind]}[/]", id=str(i))
                    for i, (kind, service) in enumerate(self.pairs)
                ],
                id="faults-list",
            )
            with Horizontal(id="faults-options"):
                yield Label("ms")
                yield Input("500", id="fault-ms", type="integer")
                yield Label("rate")
                yield Input("0.5", id="fault-rate", type="number")
                yield Label("count")
                yield Input("3", id="fault-count", type="integer")
                yield Label("route")
                yield Input("", placeholder="all", id="fault-route")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Inject", variant="warning", id="inject")
                yield Button("Clear all faults", variant="primary", id="clear")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        """Focus the list; a lab without faults says so."""
        if not self.pairs:
            self.notify("This lab offers no faults.", severity="warning")
        self.query_one("#faults-list", OptionList).focus()

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
        if index is None or not self.pairs:
            self.notify("Pick a fault first.", severity="warning")
            return
        kind, service = self.pairs[index]
        try:
            options = self._read_options(kind)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.dismiss(FaultChoice(kind.value, service, options))

    def _read_options(self, kind: FaultKind) -> dict[str, object]:
        if kind not in REQUEST_LEVEL:
            return {}
        route = self.query_one("#fault-route", Input).value.strip() or None
        if route is not None and not route.startswith("/"):
            raise ValueError("A route starts with / (for example /orders); leave it empty for all.")
        options: dict[str, object] = {"route": route}
        try:
            if kind is FaultKind.LATENCY:
                options["latency_ms"] = int(self.query_one("#fault-ms", Input).value)
            elif kind is FaultKind.ERROR_RATE:
                options["rate"] = float(self.query_one("#fault-rate", Input).value)
            else:
                options["count"] = int(self.query_one("#fault-count", Input).value)
        except ValueError:
            raise ValueError(
                "Options: ms and count are whole numbers, rate is between 0 and 1 (e.g. 0.5)."
            ) from None
        if not 0.0 < float(str(options.get("rate", 0.5))) <= 1.0:
            raise ValueError("The rate is a share of requests between 0 and 1 (e.g. 0.5).")
        return options
