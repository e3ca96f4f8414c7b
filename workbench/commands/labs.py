"""`workbench labs ...`: the list of labs, and validation for lab authors."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.commands.completion import complete_lab


@click.group()
def labs() -> None:
    """List, validate and self-test labs."""


@labs.command("list")
def list_cmd() -> None:
    """List the labs you can take.

    \b
    Example:
      workbench labs list
    """
    print_lab_list()


def print_lab_list() -> None:
    from rich.markup import escape
    from rich.table import Table

    from workbench.commands.output import console
    from workbench.lab.index import summaries

    table = Table(title="Architecture Workbench labs", title_justify="left")
    for column in ("lab", "title", "patterns", "difficulty", "minutes", "exercises"):
        table.add_column(column, justify="right" if column in ("minutes", "exercises") else "left")
    entries = summaries()
    for entry in entries:
        if entry.problems:
            more = f" (+{entry.problems - 1} more)" if entry.problems > 1 else ""
            first = escape(entry.first_problem or "lab.yaml is not valid")
            invalid = f"[red]invalid: {first}{more}; see `workbench labs validate`[/]"
            table.add_row(escape(entry.id), invalid, "", "", "", "")
            continue
        table.add_row(
            escape(entry.id), escape(entry.title), escape(", ".join(entry.patterns)),
            entry.difficulty, str(entry.minutes), str(entry.exercises),
        )  # fmt: skip
    console().print(table)
    if not entries:
        console().print(
            "No labs found (set WORKBENCH_LABS_PATH to a folder of labs; `workbench doctor` "
            "shows where it looked)."
        )
    else:
        console().print("Start one with [bold]workbench lab start LAB[/].")


@labs.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate_cmd(paths: tuple[Path, ...]) -> None:
    """Check lab folders and report every problem, with file, field and line.

    Checks lab.yaml and the mutants (each patch is well formed and applies to solution/).
    Without PATH, validates every lab in the lab list. Exits 1 when any problem is found.

    \b
    Example:
      workbench labs validate labs/saga
    """
    from rich.markup import escape

    from workbench.authoring.mutants import mutant_problems
    from workbench.commands.output import console
    from workbench.lab import validate_lab_dir
    from workbench.lab.catalog import load_catalog
    from workbench.lab.index import lab_folders

    folders = list(paths) or lab_folders()
    catalog = load_catalog(labs=())
    total = 0
    for folder in folders:
        lab, problems = validate_lab_dir(folder)
        if lab is not None and not _oversized_mutants(lab.mutants_dir):
            problems = [*problems, *mutant_problems(lab)]
        total += len(problems)
        if problems:
            console().print(f"[red]✗[/] {escape(str(folder))}: {len(problems)} problem(s)")
            for problem in problems:
                console().print(f"  {escape(str(problem))}", soft_wrap=True)
        else:
            console().print(f"[green]✓[/] {escape(str(folder))}")
        # A lab's own words for its patterns are allowed; the shipped labs are held to the
        # catalog by a unit test, so here a missing page is a note, never a problem.
        for word in catalog.unknown(lab.patterns) if lab is not None else []:
            console().print(
                f"  [yellow]note:[/] pattern {escape(repr(word))} has no page in the catalog "
                "(`workbench patterns` lists the pages)",
                soft_wrap=True,
            )
    if total:
        raise click.exceptions.Exit(1)


def _oversized_mutants(folder: Path) -> bool:
    """Whether mutants/ holds a file over the size the workbench reads, or more files than a lab
    may hold: validation reports which; reading the patches would cost what the limits spare."""
    from itertools import islice

    from workbench.lab.limits import DEFAULT_LIMITS, too_big

    if not folder.is_dir():
        return False
    entries = list(islice(folder.iterdir(), DEFAULT_LIMITS.lab_files + 1))
    return len(entries) > DEFAULT_LIMITS.lab_files or any(
        too_big(path, DEFAULT_LIMITS.page_bytes) for path in entries if path.is_file()
    )


@labs.command("selftest")
@click.argument("lab_ids", metavar="[LAB]...", nargs=-1, shell_complete=complete_lab)
@click.option(
    "--runtime",
    type=click.Choice(["local", "docker"]),
    default="local",
    show_default=True,
    help="Where labs with services run during the self-test.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show each variant's check report.")
@click.option(
    "--generated",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Also run a sample of N generated mutants (see `labs mutate`); a survivor fails.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
def selftest_cmd(
    lab_ids: tuple[str, ...], runtime: str, verbose: bool, generated: int, seed: int
) -> None:
    """Prove a lab's checks: they fail on starter/, pass on solution/, reject every mutant.

    Each exercise needs at least one mutant (mutants/<name>.patch: a one-line description of
    the mistake, a line `exercise: <id>`, then a unified diff against solution/). A mutant whose
    patch no longer applies fails. Labs with services are started once per variant and stopped
    after. With --generated N, a seeded sample of N generated mutants (not recorded in
    mutants/EQUIVALENT.md) runs after them, the lab started once for all; each survivor fails,
    printed with its diff and fingerprint. Without LAB, self-tests every lab. Exits 1 on any
    failure.

    \b
    Examples:
      workbench labs selftest saga
      workbench labs selftest saga --generated 10 --seed 1
      workbench labs selftest --runtime docker
    """
    from workbench.commands.selftest import run_selftest

    if not run_selftest(lab_ids, runtime, verbose, generated=generated, seed=seed):
        raise click.exceptions.Exit(1)


@labs.command("mutate")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.option("--exercise", help="Only the files and checks of this exercise.")
@click.option(
    "--runtime",
    type=click.Choice(["local", "docker"]),
    default="local",
    show_default=True,
    help="Where the lab runs while its checks judge the mutants.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Run only the first N mutants.")
@click.option("--sample", type=click.IntRange(min=1), help="Run a random sample of N mutants.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample.")
@click.option(
    "--only",
    multiple=True,
    metavar="FINGERPRINT",
    help="Run only the mutant with this fingerprint (repeatable).",
)
@click.option(
    "--json",
    "json_path",
    metavar="PATH",
    help="Write the full report as JSON to PATH (`-`: stdout, the words go to stderr).",
)
@click.option(
    "--mutant-timeout",
    type=click.FloatRange(min=1),
    help="Seconds one mutant's checks may take [default: 3 × the solution's + 30, at least 60].",
)
def mutate_cmd(
    *,
    lab_id: str,
    exercise: str | None,
    runtime: str,
    limit: int | None,
    sample: int | None,
    seed: int,
    only: tuple[str, ...],
    json_path: str | None,
    mutant_timeout: float | None,
) -> None:
    """Find the mistakes the lab's checks miss: run them on generated mutants of the solution.

    Every single-point mutation of the solution's learner files (a statement deleted, a keyword
    argument dropped, two statements swapped, a number made 0, 1 or ten times bigger, a comparison
    or a boolean flipped, an except clause or a try removed, a helper skipped, an early return)
    runs against the checks of its exercises, with the lab started once. A mutant the checks pass
    is a survivor, printed as a diff with its fingerprint; record a harmless one in
    mutants/EQUIVALENT.md. Exits 0 when no unexplained mutant survives, 1 otherwise, 2 when the
    lab has no solution.

    \b
    Examples:
      workbench labs mutate saga
      workbench labs mutate saga --sample 20 --seed 1 --json report.json
      workbench labs mutate saga --only 3f9a0c21be
    """
    from workbench.commands.mutate import run_mutate

    code = run_mutate(
        lab_id, exercise=exercise, runtime=runtime, limit=limit, sample=sample, seed=seed,
        only=only, json_path=json_path, mutant_timeout=mutant_timeout,
    )  # fmt: skip
    if code:
        raise click.exceptions.Exit(code)


@labs.command("coverage")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.option(
    "--runtime",
    type=click.Choice(["local", "docker"]),
    default="local",
    show_default=True,
    help="Where the lab runs while its checks run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
def coverage_cmd(*, lab_id: str, runtime: str, as_json: bool) -> None:
    """Show which declared faults the lab's checks inject, and which none does.

    Runs every check on the solution with the lab started, recording each fault the checks'
    `faults` fixture injects. Rows: every service × fault kind of lab.yaml's `faults:` and every
    crash point the services declare; the checks that inject each; untouched cells in red.
    Exits 1 when a declared fault is untouched and not explained in mutants/COVERAGE.md, 2 when
    the lab has no solution.

    \b
    Example:
      workbench labs coverage saga
    """
    from workbench.commands.coverage import run_coverage

    code = run_coverage(lab_id, runtime=runtime, as_json=as_json)
    if code:
        raise click.exceptions.Exit(code)
