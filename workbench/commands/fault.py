"""`workbench fault`: break a running lab on purpose, and undo it."""

from __future__ import annotations

from typing import Any

import click

from workbench.commands.completion import complete_fault_args


@click.command(
    "fault",
    context_settings={"ignore_unknown_options": False},
)
@click.argument(
    "args",
    nargs=-1,
    metavar="LAB SERVICE KIND | clear LAB | list LAB",
    shell_complete=complete_fault_args,
)
@click.option("--ms", type=click.IntRange(min=1), help="latency: added delay in milliseconds.")
@click.option("--rate", type=click.FloatRange(0.0, 1.0), help="error_rate, reset: share hit.")
@click.option("--count", type=click.IntRange(min=1), help="fail_next: how many requests fail.")
@click.option("--route", help="Only requests whose path starts with this (e.g. /orders).")
@click.option("--method", help="Only requests with this HTTP method (e.g. POST).")
@click.option("--at", "point", metavar="POINT", help="crash: the crash point (the service's own).")
@click.option("--key", help="crash: only when reached for this key (e.g. an order id).")
@click.option("--hold", is_flag=True, help="crash: park the work that reaches it, do not exit.")
@click.option(
    "--status",
    "status_code",
    type=click.IntRange(400, 599),
    help="HTTP status of failed requests (default 503).",
)
def fault_cmd(
    args: tuple[str, ...],
    *,
    ms: int | None,
    rate: float | None,
    count: int | None,
    route: str | None,
    method: str | None,
    point: str | None,
    key: str | None,
    hold: bool,
    status_code: int | None,
) -> None:
    """Inject a fault into SERVICE of a running LAB, list the active ones, or clear them all.

    \b
    KIND is one of:
      kill        end the service abruptly (state: crashed)
      pause       freeze it (SIGSTOP locally, docker pause)
      restart     restart it (same URL)
      partition   cut it off from the other services (Docker: network disconnect;
                  local: every request to it fails with 503, see the docs)
      latency     delay its requests (--ms N [--route /x])
      error_rate  fail a fraction of its requests (--rate F [--status S] [--route /x])
      fail_next   fail its next N requests (--count N [--status S] [--route /x])
      reset       close connections without an answer ([--rate F] [--route /x])
      crash       exit at one of the service's crash points (--at POINT [--key K]
                  [--hold]); without --at it names the points the service has
    Request faults take --method M too (e.g. --method POST: only POSTs).

    \b
    Example:
      workbench fault saga payment latency --ms 800    # past the order's 0.5 s step timeout
      workbench fault saga shipping error_rate --rate 0.5 --route /shipments
      workbench fault saga order kill
      workbench fault saga order crash --at charge     # dies right after a charge
      workbench fault saga payment reset --method POST
      workbench fault list saga
      workbench fault clear saga
    """
    from workbench.app.session import LabSession
    from workbench.commands.output import console

    if len(args) == 2 and args[0] in ("clear", "list"):
        session = LabSession.of_run(args[1])
        lab_id = session.require().lab_id
        if args[0] == "list":
            active = session.faults()
            for one in active:
                console().print(f"{one.service:<14} {one.describe()}")
            if not active:
                console().print(f"no active faults in {lab_id}")
            return
        undone = session.clear_faults()
        console().print(f"cleared {undone} fault(s) in {lab_id}")
        return
    if len(args) != 3:
        raise click.UsageError(
            "expected LAB SERVICE KIND (e.g. `workbench fault saga payment latency --ms 800`), "
            "`workbench fault list LAB` or `workbench fault clear LAB`"
        )
    lab_id, service, kind = args
    session = LabSession.of_run(lab_id)
    deployment = session.require()
    options: dict[str, Any] = {"latency_ms": ms, "rate": rate, "count": count,
                               "route": route, "method": method, "status": status_code,
                               "point": point, "key": key, "hold": hold or None}  # fmt: skip
    with console().status(f"{kind} on {service}…"):
        fault = session.inject(kind, service, {k: v for k, v in options.items() if v is not None})
    if fault is None:
        console().print(f"[green]✓[/] {service} restarted at {deployment.url(service)}")
    else:
        console().print(
            f"[yellow]⚡[/] {service}: {fault.describe()}  (undo with `workbench fault clear "
            f"{deployment.lab_id}`)"
        )
