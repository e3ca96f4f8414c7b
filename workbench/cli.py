"""The `workbench` command: a thin layer that parses, calls one library function, and prints.

Command modules import only click at module level; heavy libraries (textual, docker, diagrams,
fastapi) are imported inside the commands that need them, so `workbench --help` stays fast.
"""

from __future__ import annotations

import sys

import click

from workbench import __version__
from workbench.commands import bake as bake_commands
from workbench.commands import check as check_commands
from workbench.commands import doctor as doctor_commands
from workbench.commands import fault as fault_commands
from workbench.commands import gc as gc_commands
from workbench.commands import graph as graph_commands
from workbench.commands import hint as hint_commands
from workbench.commands import lab as lab_commands
from workbench.commands import labs as labs_commands
from workbench.commands import patterns as patterns_commands
from workbench.commands import watch as watch_commands
from workbench.commands import workspace as workspace_commands
from workbench.errors import WorkbenchError


@click.group(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Architecture Workbench: learn microservice architecture by running it.

    With no command, opens the workbench (the terminal UI).

    \b
    Example:
      workbench                      # open the workbench
      workbench labs list            # the labs you can take
      workbench lab start saga       # run a lab's services
    """
    if ctx.invoked_subcommand is None:
        from workbench.commands.home import open_home

        open_home()


# Each area registers its own commands; see workbench/commands/.
cli.add_command(labs_commands.labs)
cli.add_command(lab_commands.lab)
cli.add_command(gc_commands.gc_cmd)
cli.add_command(fault_commands.fault_cmd)
cli.add_command(bake_commands.bake)
cli.add_command(bake_commands.images)
cli.add_command(check_commands.check)
cli.add_command(check_commands.progress_cmd)
cli.add_command(watch_commands.watch_cmd)
cli.add_command(hint_commands.hint_cmd)
cli.add_command(graph_commands.graph_cmd)
cli.add_command(graph_commands.diagram_cmd)
cli.add_command(doctor_commands.doctor_cmd)
cli.add_command(patterns_commands.patterns_cmd)
lab_commands.lab.add_command(workspace_commands.init_cmd)
lab_commands.lab.add_command(workspace_commands.reset_cmd)
lab_commands.lab.add_command(workspace_commands.edit_cmd)
lab_commands.lab.add_command(workspace_commands.diff_cmd)


def main() -> None:
    """Entry point: expected failures print a message and a hint, never a traceback."""
    try:
        # Without standalone mode click *returns* the code of `raise click.exceptions.Exit(n)`.
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except WorkbenchError as exc:
        from workbench.commands.output import print_error

        print_error(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
