"""`workbench labs selftest`: prove that each lab's checks reject the starter and the mutants."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.status import Status


def run_selftest(
    lab_ids: tuple[str, ...], runtime: str, verbose: bool, *, generated: int = 0, seed: int = 0
) -> bool:
    """Self-test the labs named (every lab in the lab list when none); True when all pass."""
    from rich.markup import escape

    from workbench.authoring.selftest import selftest
    from workbench.checkrun.report import print_report
    from workbench.commands.output import console, err_console
    from workbench.lab import find_lab, list_labs

    out = console()
    labs = [find_lab(i) for i in lab_ids] if lab_ids else []
    all_ok = True
    if not lab_ids:
        for entry in list_labs():
            if entry.lab is None:
                out.print(
                    f"[red]✗[/] {escape(entry.id)}: invalid lab.yaml "
                    "(see `workbench labs validate`)"
                )
                all_ok = False
            else:
                labs.append(entry.lab)
    for lab in labs:
        out.print(
            f"[bold]{escape(lab.id)}[/]"
            + (
                f" [dim](runtime {runtime})[/]"
                if lab.needs_services()
                else " [dim](files only: nothing to start)[/]"
            )
        )
        with err_console().status(f"self-testing {lab.id}…") as status:

            def step(message: str, status: Status = status) -> None:
                status.update(escape(message))

            report = selftest(lab, runtime=runtime, on_step=step, generated=generated, seed=seed)
        for variant in report.variants:
            mark = "[green]✓[/]" if variant.ok else "[red]✗[/]"
            out.print(f"  {mark} {escape(variant.variant)}: {escape(variant.expectation)}")
            if not variant.ok or verbose:
                out.print(f"      {escape(variant.detail)}")
            if verbose and variant.run is not None:
                print_report(variant.run, out, verbose=False)
        for problem in report.problems:
            out.print(f"  [red]✗[/] {escape(problem)}")
        out.print("  [green]self-test passed[/]" if report.ok else "  [red]self-test FAILED[/]")
        all_ok = all_ok and report.ok
    return all_ok
