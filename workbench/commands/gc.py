"""`workbench gc`: remove everything earlier runs left behind (processes, containers, folders)."""

from __future__ import annotations

import click


@click.command("gc")
@click.option("--all-states", is_flag=True,
              help="Docker: also remove what other workbench state folders (other users, "
              "tests) started on this engine, not only this one's.")
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
    from workbench.runtime.gc import gc_local
    from workbench.runtime.select import DOCKER_MODULE

    report = gc_local()
    console().print(
        f"removed {len(report.runs)} run folder(s), ended {report.processes} local process group(s)"
    )
    import importlib.util

    if importlib.util.find_spec(DOCKER_MODULE) is None:
        return
    import importlib

    docker_gc = getattr(importlib.import_module(DOCKER_MODULE), "gc_all", None)
    if docker_gc is None:
        return
    from workbench.errors import WorkbenchError

    try:
        result = docker_gc(everything=all_states)
    except WorkbenchError as exc:
        err_console().print(f"[yellow]docker:[/] {exc.message}")
        return
    if result is not None:
        console().print(f"docker: {result}")
