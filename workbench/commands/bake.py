"""`workbench bake` and `workbench images`: the Docker images labs run on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from workbench.commands.completion import complete_lab

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from workbench.bakery.bake import BakeReport
    from workbench.bakery.progress import BakeEvent
    from workbench.lab.model import Lab


@click.command()
@click.argument("lab_id", metavar="[LAB]", required=False, shell_complete=complete_lab)
@click.option("--all", "all_labs", is_flag=True, help="Bake the images of every lab.")
def bake(lab_id: str | None, all_labs: bool) -> None:
    """Build the Docker images a lab runs on (only what changed since the last bake).

    Layers: a root image (WORKBENCH_ROOT_IMAGE, else an offline Debian root built once with
    debootstrap), a base with Python packages and the service kit, then one thin image per
    service. `workbench lab start --runtime docker` bakes what is missing by itself.

    \b
    Example:
      workbench bake saga
      workbench bake --all
    """
    from workbench.errors import WorkbenchError

    if bool(lab_id) == all_labs:
        raise WorkbenchError(
            "name one lab, or give --all",
            "for example `workbench bake saga` (see `workbench labs list`)",
        )
    labs = _labs(lab_id)
    reports = _bake_with_progress(labs)
    _print_summary(reports)


def _labs(lab_id: str | None) -> list[Lab]:
    from workbench.lab import find_lab, list_labs

    if lab_id:
        return [find_lab(lab_id)]
    return [entry.lab for entry in list_labs() if entry.lab is not None]


def _bake_with_progress(labs: list[Lab]) -> list[BakeReport]:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from workbench.bakery.bake import bake_lab
    from workbench.commands.output import console
    from workbench.dockerengine import connect

    client = connect()
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<18}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[state]:<10}"),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[detail]}"),
    )
    with Progress(*columns, console=console(), transient=False) as progress:
        tracker = _Tracker(progress)
        return [bake_lab(lab, tracker.on_event, client=client) for lab in labs if lab.runs_services]


class _Tracker:
    """One progress bar per image, created when the bakery first mentions that image."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def on_event(self, event: BakeEvent) -> None:
        from workbench.bakery.progress import BakePhase

        task = self.tasks.get(event.image)
        if task is None:
            task = self.progress.add_task(event.image, total=None, state="", detail="")
            self.tasks[event.image] = task
        if event.phase is BakePhase.CACHED:
            self.progress.update(task, total=1, completed=1, state="cached", detail=event.tag)
        elif event.phase is BakePhase.BUILT:
            self.progress.update(task, total=1, completed=1, state="built", detail=event.tag)
        elif event.phase is BakePhase.FAILED:
            self.progress.update(task, total=1, completed=0, state="[red]failed", detail="")
        elif event.phase is BakePhase.STARTED:
            self.progress.update(task, state="building", detail=event.detail or event.tag)
        elif event.total:
            self.progress.update(
                task,
                total=event.total,
                completed=event.step,
                state=f"{event.step}/{event.total}",
                detail=event.detail,
            )
        else:
            self.progress.update(task, detail=event.detail)


def _print_summary(reports: list[BakeReport]) -> None:
    from workbench.commands.output import console

    built = sum(len(report.built) for report in reports)
    labs = ", ".join(report.lab for report in reports) or "no lab with services"
    if built:
        console().print(f"Baked {built} image(s) for {labs}.")
    else:
        console().print(f"Nothing to bake for {labs}: every image is up to date.")


@click.command()
@click.option(
    "--prune", is_flag=True, help="Remove every baked image (they are rebuilt on demand)."
)
@click.option(
    "--superseded",
    is_flag=True,
    help="With --prune: only images a newer bake replaced (keeps the newest of each).",
)
@click.option(
    "--lab",
    "lab_id",
    metavar="LAB",
    help="Only this lab's service images.",
    shell_complete=complete_lab,
)
def images(prune: bool, superseded: bool, lab_id: str | None) -> None:
    """List the images the bakery made, with size and age; --prune removes them.

    `workbench gc` never removes images: they are a cache that makes the next start fast.

    \b
    Example:
      workbench images
      workbench images --prune
      workbench images --prune --lab saga
      workbench images --prune --superseded
    """
    from rich.table import Table

    from workbench.bakery.images import human_age, human_size, list_images, prune_images
    from workbench.commands.output import console
    from workbench.dockerengine import connect
    from workbench.errors import WorkbenchError

    client = connect()
    if superseded and not prune:
        raise WorkbenchError(
            "--superseded goes with --prune", "`workbench images --prune --superseded`"
        )
    if prune:
        result = prune_images(client, lab_id, only_superseded=superseded)
        console().print(f"Removed {len(result.removed)} baked image(s).")
        for tag, why in result.kept:
            console().print(f"[yellow]kept[/] {tag}: {why}")
        return
    found = list_images(client, lab_id)
    if not found:
        console().print("No baked images yet: `workbench bake LAB` makes them.")
        return
    table = Table(title="Baked images", title_justify="left")
    table.add_column("image", no_wrap=True)  # a tag is copied whole, never cut
    for column in ("lab", "service", "size", "age"):
        table.add_column(column, justify="right" if column in ("size", "age") else "left")
    for info in found:
        table.add_row(
            info.tag,
            info.lab or "-",
            info.service or f"({info.kind})",
            human_size(info.size),
            human_age(info.age()),
        )
    console().print(table)
