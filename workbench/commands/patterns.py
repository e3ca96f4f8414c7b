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
    # Plain click output: the listing imports no rich (it runs as often as `--help`).
    import shutil

    if not catalog.exists:
        click.echo(
            f"No pattern catalog at {catalog.folder}: the workbench was installed without its "
            "catalog/ folder (reinstall it from a clone or a wheel built from one)."
        )
        return
    if text and not shown:
        click.echo(f"no pattern matches {text!r}")
    elif shown:
        _print_table(catalog, shown, shutil.get_terminal_size().columns)
        click.echo("Read one with " + click.style("workbench patterns ID", bold=True) + ".")
    _print_problems(catalog)


def _print_table(catalog: Catalog, shown: list[Pattern], width: int) -> None:
    """One line per page, the summary cut to the terminal: a listing to scan. Plain padded
    columns: a rich Table costs more to lay out than the whole catalog costs to read."""
    rows = [(p.id, p.title, _labs_text(catalog, p) or "–", p.summary) for p in shown]
    header = ("pattern", "title", "labs", "summary")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    widths[1] = min(widths[1], 28)
    room = max(20, width - sum(widths) - 2 * 3)
    lines = [
        "  ".join(_cut(text, w).ljust(w) for text, w in zip(row[:3], widths, strict=True))
        + "  "
        + _cut(row[3], room)
        for row in [header, *rows]
    ]
    click.echo(lines[0].rstrip())
    click.echo("-" * min(width, len(max(lines, key=len))))
    for line in lines[1:]:
        click.echo(line.rstrip())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _labs_text(catalog: Catalog, pattern: Pattern) -> str:
    return ", ".join(lab.id for lab in catalog.labs_of(pattern.id))


def _print_problems(catalog: Catalog) -> None:
    if not catalog.problems:
        return
    click.echo(click.style("✗", fg="red") + f" {len(catalog.problems)} problem(s) in the catalog:")
    for problem in catalog.problems:
        click.echo(f"  {problem}")


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
