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
    from rich.markup import escape

    from workbench.app.cleanup import collect_garbage
    from workbench.commands.output import console, err_console

    done = collect_garbage(all_states=all_states)
    console().print(
        f"removed {len(done.local.runs)} run folder(s), ended {done.local.processes} local "
        "process group(s)"
    )
    if done.docker_problem is not None:
        err_console().print(f"[yellow]docker:[/] {escape(done.docker_problem)}")
    else:
        console().print(f"docker: {done.docker}")
