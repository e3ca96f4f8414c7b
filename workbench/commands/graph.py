"""`workbench graph` (the topology in the terminal, live while the lab runs) and
`workbench diagram` (exports: png, svg, dot, mermaid)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.commands.completion import complete_lab

if TYPE_CHECKING:
    import networkx as nx
    from rich.console import RenderableType

    from workbench.app.live import LiveTopology
    from workbench.lab.model import Lab


@click.command("graph")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.option(
    "--live", is_flag=True, help="Redraw every second from the running lab (Ctrl-C quits)."
)
@click.option(
    "--width",
    type=click.IntRange(40, 1000),
    default=None,
    help="Columns to draw in (default: the terminal's width).",
)
@click.option("--full", is_flag=True, help="Never collapse contexts, however big the graph.")
@click.option(
    "--design",
    is_flag=True,
    help="Draw your design (from your workspace files) instead, in labs that grade one.",
)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="With --design: read this folder instead of the lab's recorded workspace.",
)
def graph_cmd(
    *,
    lab_id: str,
    live: bool,
    width: int | None,
    full: bool,
    design: bool,
    workspace_dir: Path | None,
) -> None:
    """Draw the topology of LAB: services, broker, stores, who calls whom.

    While the lab runs, boxes are coloured by state and lines show the calls really made
    (counts, error rates); calls the lab does not declare are flagged as undeclared coupling.
    With --design, draw the design in your workspace files (labs with `design_graph:`).

    \b
    Example:
      workbench graph saga
      workbench graph saga --live
      workbench graph LAB --design     # labs with `design_graph:`
    """
    from workbench.app.live import LiveTopology
    from workbench.commands.output import console
    from workbench.errors import WorkbenchError
    from workbench.lab import find_lab

    spec = find_lab(lab_id)
    columns = width or console().width
    if design:
        if live:
            raise WorkbenchError(
                "--design draws your design files and --live the running lab: choose one"
            )
        _print_design(spec, workspace_dir, columns, full)
        return
    with LiveTopology(spec) as topology:
        if not live:
            # soft_wrap: a drawing wider than the terminal is cut by the terminal, never folded
            console().print(_frame(spec, topology, columns, full), soft_wrap=True)
            return
        _live(spec, topology, width, full)


def _live(spec: Lab, topology: LiveTopology, width: int | None, full: bool) -> None:
    from rich.live import Live

    from workbench.commands.output import console

    with Live(console=console(), auto_refresh=False, screen=False) as view:
        try:
            while True:
                started = time.monotonic()
                view.update(
                    _frame(spec, topology, width or console().width, full, live=True), refresh=True
                )
                time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
        except KeyboardInterrupt:
            pass


def _frame(
    spec: Lab, topology: LiveTopology, width: int, full: bool, live: bool = False
) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    from workbench.drawing import render
    from workbench.errors import NotRunningError

    header = Text.assemble((spec.title, "bold"), (f"  ({spec.id})", "grey62"))
    notes: list[Text] = []
    view = topology.current()
    g: nx.MultiDiGraph = view.graph
    if view.deployment is not None:
        d = view.deployment
        header.append(f"  · running on {d.runtime} ({d.run_id})", "green")
    elif isinstance(view.problem, NotRunningError):
        notes.append(
            Text(
                f"not running: this is the declared topology; start the lab "
                f"with `workbench lab start {spec.id}` to see it live",
                "yellow",
            )
        )
    elif view.problem is not None:
        notes.append(Text(f"live view unavailable: {view.problem.message}", "yellow"))
    if live:
        header.append(f"  · {time.strftime('%H:%M:%S')} · Ctrl-C to quit", "grey62")
    for u, v, kind in view.undeclared:
        notes.append(Text(f"undeclared coupling: {u} → {v} ({kind}) is not in lab.yaml", "magenta"))
    if g.number_of_nodes() == 0:
        more = f"; `workbench graph {spec.id} --design` draws yours" if spec.design_graph else ""
        notes.append(
            Text(f"a design lab: it runs no services, so there is no topology to draw{more}")
        )
    drawing = render(g, width, collapse="never" if full else "auto")
    if drawing.collapsed:
        notes.append(Text("contexts are collapsed to fit; --full draws every service", "grey62"))
    return Group(header, drawing.rich(), *notes)


def _print_design(spec: Lab, workspace_dir: Path | None, columns: int, full: bool) -> None:
    """The learner's design, or the problem with their files in its place (exit status 1)."""
    from rich.console import Group
    from rich.text import Text

    from workbench.app.design import design_view, require_design
    from workbench.commands.output import console
    from workbench.drawing import render

    require_design(spec)
    folder = _design_workspace(spec, workspace_dir)
    view = design_view(spec, folder)
    header = Text.assemble(
        (spec.title, "bold"), (f"  ({spec.id})", "grey62"), (f"  · your design in {folder}", "cyan")
    )
    if view.graph is None:
        console().print(Group(header, Text(str(view.problem), "red")), soft_wrap=True)
        raise click.exceptions.Exit(1)
    if view.graph.number_of_nodes() == 0:
        empty = Text("nothing to draw yet: your design files name no services", "yellow")
        console().print(Group(header, empty), soft_wrap=True)
        return
    drawing = render(view.graph, columns, collapse="never" if full else "auto")
    console().print(Group(header, drawing.rich()), soft_wrap=True)


def _design_workspace(spec: Lab, workspace_dir: Path | None) -> Path:
    from workbench.lab.workspace import require_workspace

    if workspace_dir is not None:
        return workspace_dir.resolve()
    return require_workspace(spec).resolve()


@click.command("diagram")
@click.argument("lab_id", metavar="[LAB]", required=False, shell_complete=complete_lab)
@click.option("--all-labs", is_flag=True, help="Export every lab in the lab list.")
@click.option(
    "--format",
    "formats",
    default="all",
    show_default=True,
    metavar="FORMAT",
    help="png, svg, dot, mermaid, a comma-separated list, or all.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("diagrams"),
    show_default=True,
    help="Folder to write into.",
)
@click.option(
    "--design",
    is_flag=True,
    help="Export your design (from your workspace files) as `<lab>-design.<ext>` instead.",
)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="With --design: read this folder instead of the lab's recorded workspace.",
)
def diagram_cmd(
    *,
    lab_id: str | None,
    all_labs: bool,
    formats: str,
    out_dir: Path,
    design: bool,
    workspace_dir: Path | None,
) -> None:
    """Export the architecture diagram of LAB (or of --all-labs) as files `<lab>.<ext>`.

    PNG and SVG need Graphviz; dot and mermaid (`.mmd`, renders on GitHub) do not.
    With --design, export the design in your workspace files (labs with `design_graph:`).

    \b
    Example:
      workbench diagram saga --format svg
      workbench diagram --all-labs --format all -o diagrams
      workbench diagram LAB --design --format mermaid
    """
    from rich.markup import escape

    from workbench.commands.output import console, err_console
    from workbench.drawing import export_lab, parse_formats
    from workbench.errors import WorkbenchError
    from workbench.lab import find_lab, list_labs

    chosen = parse_formats(formats)
    if bool(lab_id) == all_labs:
        raise WorkbenchError(
            "name one lab, or pass --all-labs",
            "e.g. `workbench diagram saga` or `workbench diagram --all-labs`",
        )
    if design:
        if all_labs:
            raise WorkbenchError(
                "--design exports one learner's design: name the lab instead of --all-labs"
            )
        for path in _export_design(find_lab(str(lab_id)), workspace_dir, chosen, out_dir):
            console().print(f"[green]✓[/] {escape(str(path))}")
        return
    labs: list[Lab] = []
    failed = 0
    if all_labs:
        for entry in list_labs():
            if entry.lab is None:
                failed += 1
                err_console().print(
                    f"[red]✗[/] {escape(entry.id)}: lab.yaml has "
                    f"{len(entry.problems)} problem(s); see "
                    f"`workbench labs validate {escape(str(entry.path))}`"
                )
            else:
                labs.append(entry.lab)
    else:
        labs.append(find_lab(str(lab_id)))
    for spec in labs:
        for path in export_lab(spec, chosen, out_dir):
            console().print(f"[green]✓[/] {escape(str(path))}")
    if failed:
        raise click.exceptions.Exit(1)


def _export_design(
    spec: Lab, workspace_dir: Path | None, formats: list[str], out_dir: Path
) -> list[Path]:
    from workbench.app.design import design_view, require_design
    from workbench.drawing import export_graph
    from workbench.errors import WorkbenchError

    require_design(spec)
    view = design_view(spec, _design_workspace(spec, workspace_dir))
    if view.graph is None:
        raise WorkbenchError(str(view.problem))
    return export_graph(view.graph, formats, out_dir, f"{spec.id}-design")
