"""The services panel: each service of the lab with its state, URL and active faults."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import DataTable

from workbench.lab.model import Lab
from workbench.runtime.base import ServiceState, ServiceStatus
from workbench.tui.messages import ServiceSelected

STATE_STYLE = {
    "ready": "green",
    "starting": "yellow",
    "baking": "yellow",
    "waiting": "yellow",
    "crashed": "bold red",
    "failed": "bold red",
    "paused": "magenta",
    "stopped": "dim",
}


class ServicesPanel(DataTable[str | Text]):
    """One row per service; highlighting a row selects the service for the service actions."""

    def __init__(self, lab: Lab, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.lab = lab
        self.show_urls = True
        """Snapshot tests turn URLs off: ports change from run to run."""
        self._states: dict[str, tuple[str, str, str, str]] = {}

    def on_mount(self) -> None:
        """One row per service, all stopped."""
        self.add_column("Service", key="service")
        self.add_column("Kind", key="kind")
        self.add_column("State", key="state")
        self.add_column("URL / detail", key="url")
        for service in self.lab.services:
            kind = service.kind.value + (f"→{service.sidecar_of}" if service.sidecar_of else "")
            self.add_row(service.name, kind, _state("stopped"), "", key=service.name)
            self._states[service.name] = ("stopped", "", "", "")

    @property
    def selected(self) -> str | None:
        """The service under the cursor."""
        if not self.row_count or self.cursor_row < 0:
            return None
        return self.lab.services[self.cursor_row].name if self.lab.services else None

    def select(self, service: str) -> None:
        """Move the cursor to a service (from the topology view)."""
        names = [s.name for s in self.lab.services]
        if service in names and self.cursor_row != names.index(service):
            self.move_cursor(row=names.index(service))

    def set_phase(self, service: str, phase: str, detail: str = "") -> None:
        """Start-up progress for one service ('baking', 'starting', 'waiting', 'ready', ...)."""
        self._set(service, phase, "", detail, "")

    def set_statuses(self, statuses: list[ServiceStatus]) -> None:
        """The runtime's view of every service."""
        for status in statuses:
            faults = ", ".join(status.faults)
            self._set(status.service, status.state.value, status.url or "", status.detail, faults)

    def set_all_stopped(self) -> None:
        """After stop: every service stopped, no URL."""
        for service in self.lab.services:
            self._set(service.name, ServiceState.STOPPED.value, "", "", "")

    def state_of(self, service: str) -> str:
        """The state shown for a service."""
        return self._states.get(service, ("stopped", "", "", ""))[0]

    def _set(self, service: str, state: str, url: str, detail: str, faults: str) -> None:
        if service not in self._states or self._states[service] == (state, url, detail, faults):
            return
        self._states[service] = (state, url, detail, faults)
        shown = url if self.show_urls else ""
        extra = " ".join(x for x in (shown, detail, f"⚡{faults}" if faults else "") if x)
        self.update_cell(service, "state", _state(state), update_width=True)
        self.update_cell(service, "url", Text(extra, "dim" if not url else ""), update_width=True)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Selecting a row selects the service everywhere."""
        event.stop()
        if event.row_key.value is not None:
            self.post_message(ServiceSelected(str(event.row_key.value)))


def _state(state: str) -> Text:
    return Text(state, STATE_STYLE.get(state, ""))
