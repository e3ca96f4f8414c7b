"""`workbench patterns [ID]`: the pattern catalog, listed, searched or one page read."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.lab.catalog import Catalog
    from workbench.lab.patterns import Pattern


def complete_pattern(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    from click.shell_completion import CompletionItem

    from workbench.lab.patterns import page_files
    from workbench.paths import catalog_dir

    root = catalog_dir()
    names = [p.stem for p in page_files(root)] if root.is_dir() else []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


@click.command("patterns")
@click.argument("pattern_id", metavar="[ID]", required=False, shell_complete=complete_pattern)
@click.option("-s", "--search", "text", metavar="TEXT", help="Only pages matching every word.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table or a page.")
def patterns_cmd(pattern_id: str | None, text: str | None, as_json: bool) -> None:
    """The pattern catalog: every pattern the course teaches, one page each.

    Without ID, lists the pages (id, title, the labs that practise it, summary); `--search`
    keeps those whose id, title, summary or aliases hold every word. With ID (or an alias),
    shows that page, then its related pages and labs.

    \b
    Examples:
      workbench patterns
      workbench patterns --search "outlier detection"
      workbench patterns circuit-breaker
    """
    from workbench.lab.catalog import load_catalog

    catalog = load_catalog()
    if pattern_id is not None:
        _show_page(catalog, pattern_id, as_json)
        return
    shown = catalog.search(text or "")
    if as_json:
        click.echo(json.dumps(_listing_json(catalog, shown), indent=2))
        return
    _print_listing(catalog, shown, text)


def _listing_json(catalog: Catalog, shown: list[Pattern]) -> dict[str, object]:
    return {
        "catalog": str(catalog.folder),
        "patterns": [_pattern_json(catalog, p) for p in shown],
        "problems": [
            {"file": str(p.file), "line": p.line, "problem": p.message} for p in catalog.problems
        ],
    }


def _pattern_json(catalog: Catalog, pattern: Pattern) -> dict[str, object]:
    return {
        "id": pattern.id,
        "title": pattern.title,
        "summary": pattern.summary,
        "labs": [lab.id for lab in catalog.labs_of(pattern.id)],
        "related": list(pattern.related),
        "aliases": list(pattern.aliases),
        "seeds": list(pattern.seeds),
        "path": str(pattern.path),
    }


def _print_listing(catalog: Catalog, shown: list[Pattern], text: str | None) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from workbench.commands.output import console

    out = console()
    if not catalog.exists:
        out.print(
            f"No pattern catalog at {escape(str(catalog.folder))}: the workbench was installed "
            "without its catalog/ folder (reinstall it from a clone or a wheel built from one)."
        )
        return
    if text and not shown:
        out.print(f"no pattern matches {text!r}", markup=False)
    elif shown:
        # One line per page (the summary cut to the terminal): a listing to scan, and a table
        # without wrapping renders in a third of the time.
        table = Table(title="Pattern catalog", title_justify="left", box=box.SIMPLE_HEAD)
        # Explicit widths: rich squeezes no-wrap columns to nothing when the text is wider.
        widths = [
            max(len(p.id) for p in shown),
            min(26, max(len(p.title) for p in shown)),
            max(4, *(len(_labs_text(catalog, p)) for p in shown)),
        ]
        widths.append(max(20, out.width - sum(widths) - 3 * len(widths) - 2))
        for name, width in zip(("pattern", "title", "labs", "summary"), widths, strict=True):
            table.add_column(name, width=width, no_wrap=True, overflow="ellipsis")
        for pattern in shown:
            labs = _labs_text(catalog, pattern)
            table.add_row(
                escape(pattern.id),
                escape(pattern.title),
                escape(labs) or "[dim]–[/]",
                escape(pattern.summary),
            )
        out.print(table)
        out.print("Read one with [bold]workbench patterns ID[/].")
    _print_problems(catalog)


def _labs_text(catalog: Catalog, pattern: Pattern) -> str:
    return ", ".join(lab.id for lab in catalog.labs_of(pattern.id))


def _print_problems(catalog: Catalog) -> None:
    from rich.markup import escape

    from workbench.commands.output import console

    if not catalog.problems:
        return
    console().print(f"[red]✗[/] {len(catalog.problems)} problem(s) in the catalog:")
    for problem in catalog.problems:
        console().print(f"  {escape(str(problem))}", soft_wrap=True)


def _show_page(catalog: Catalog, word: str, as_json: bool) -> None:
    pattern = catalog.get(word)
    if pattern is None:
        broken = [p for p in catalog.problems if p.file.stem == word and p.line in (None, 1, 2)]
        if broken and not any(p.id == word for p in catalog.patterns):
            raise WorkbenchError(f"the page of {word!r} cannot be read: {broken[0]}")
        guess = catalog.suggest(word)
        maybe = f"; did you mean {guess!r}?" if guess else ""
        raise WorkbenchError(
            f"no pattern {word!r}{maybe}", "`workbench patterns --search WORD` finds pages"
        )
    if as_json:
        from workbench.lab.catalog import page_markdown

        data = _pattern_json(catalog, pattern)
        data["markdown"] = page_markdown(pattern, catalog)
        click.echo(json.dumps(data, indent=2))
        return
    from rich.markdown import Markdown
    from rich.markup import escape

    from workbench.commands.output import console
    from workbench.lab.catalog import page_markdown

    out = console()
    out.print(Markdown(page_markdown(pattern, catalog), hyperlinks=False))
    out.print()
    related = []
    for rid in pattern.related:
        page = catalog.get(rid)
        related.append(f"{rid} ({page.title})" if page else rid)
    out.print(f"[bold]Related:[/] {escape(', '.join(related)) or '–'}")
    labs = catalog.labs_of(pattern.id)
    text = ", ".join(f"{lab.id} ({lab.title})" for lab in labs) or "no lab yet"
    out.print(f"[bold]Labs:[/] {escape(text)}")
    problems = [p for p in catalog.problems if p.file == pattern.path]
    for problem in problems:
        out.print(f"[red]✗[/] {escape(str(problem))}", soft_wrap=True)
