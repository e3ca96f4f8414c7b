"""`workbench gc`: remove everything earlier runs left behind (processes, containers, folders)."""

from __future__ import annotations

import click


@click.command("gc")
@click.option(
    "--all-states",
    is_flag=True,
    help="Docker: also remove what other workbench state folders (other users, "
    "tests) started on this engine, not only this one's.",
)
def gc_cmd(all_states: bool) -> None:
    """Stop and remove every run: processes, run folders, and Docker containers, networks and
    volumes of the workbench. Safe after a crash or `kill -9`: only processes that are still the
    ones a run recorded are ended.

    \b
    Example:
      workbench gc
      workbench gc --all-states     # every io.workbench.* container, network, volume
    """
    from workbench.commands.output import console, err_console
    from workbench.errors import WorkbenchError
    from workbench.runtime.docker import gc_all as docker_gc_all
    from workbench.runtime.gc import gc_local

    report = gc_local()
    console().print(
        f"removed {len(report.runs)} run folder(s), ended {report.processes} local process group(s)"
    )
    try:
        # Cheap without an engine: it pings first, and imports the Docker SDK only when one answers.
        result = docker_gc_all(everything=all_states)
    except WorkbenchError as exc:
        err_console().print(f"[yellow]docker:[/] {exc.message}")
        return
    console().print(f"docker: {result}")
