"""The pattern catalog as a whole: every page, the problems between pages, and the labs.

A page's own problems come from `patterns.read_page`; here come the ones only the whole catalog
shows: two pages with one id or alias, a `related` id with no page, a "Try it" that names a lab
that does not exist. Which labs practise a pattern is never written on a page: it is computed
from the labs' `patterns:` lists, so a page and the labs cannot disagree.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.lab.patterns import PageProblem, Pattern, read_pages
from workbench.paths import LAB_FILE, catalog_dir, shipped_labs_dir

TRY_IT_LAB = re.compile(
    r"workbench (?:lab (?:init|start|stop|status|logs|restart|reset) |check |graph |diagram "
    r"|fault (?:clear |list )?)"
    r"([a-z0-9][a-z0-9_-]*)"
    r"|the `([a-z0-9][a-z0-9_-]*)` lab"
)
"""How a page's "Try it" names a lab: a command that takes it, or "the `saga` lab"."""


@dataclass(frozen=True)
class LabPatterns:
    """What the catalog needs of a lab: its id, its title and the patterns it names."""

    id: str
    title: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    folder: Path
    patterns: tuple[Pattern, ...]
    """The pages that could be read, in id order (a second page with a taken id is left out)."""
    problems: tuple[PageProblem, ...]
    labs: tuple[LabPatterns, ...]

    @property
    def exists(self) -> bool:
        return self.folder.is_dir()

    def get(self, word: str) -> Pattern | None:
        """The page whose id, or else one of whose aliases, is `word` (any case)."""
        key = word.strip().lower()
        for pattern in self.patterns:
            if pattern.id.lower() == key:
                return pattern
        for pattern in self.patterns:
            if key in (a.lower() for a in pattern.aliases):
                return pattern
        return None

    def suggest(self, word: str) -> str | None:
        """The id of the page `word` was probably meant to name (a typo of an id or alias)."""
        names: dict[str, str] = {}
        for pattern in self.patterns:
            names.setdefault(pattern.id.lower(), pattern.id)
            for alias in pattern.aliases:
                names.setdefault(alias.lower(), pattern.id)
        close = difflib.get_close_matches(word.strip().lower(), list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None

    def search(self, text: str) -> list[Pattern]:
        """Pages matching every word of `text` in their id, title, summary or aliases; the
        ones whose id, title or aliases match come first."""
        words = text.lower().split()
        if not words:
            return list(self.patterns)
        hits: list[tuple[int, str, Pattern]] = []
        for pattern in self.patterns:
            names = " ".join([pattern.id, pattern.title, *pattern.aliases]).lower()
            hay = f"{names} {pattern.summary.lower()}"
            if all(w in hay for w in words):
                hits.append((0 if all(w in names for w in words) else 1, pattern.id, pattern))
        return [p for _rank, _id, p in sorted(hits, key=lambda h: (h[0], h[1]))]

    def labs_of(self, pattern_id: str) -> list[LabPatterns]:
        """The labs whose `patterns:` name this page (by id or alias)."""
        out = []
        for lab in self.labs:
            named = (self.get(p) for p in lab.patterns)
            if any(p is not None and p.id == pattern_id for p in named):
                out.append(lab)
        return out

    def pages_of(self, lab_patterns: Iterable[str]) -> list[tuple[str, Pattern | None]]:
        """Each pattern a lab names, with its page (None when the catalog has none)."""
        return [(word, self.get(word)) for word in lab_patterns]

    def unknown(self, lab_patterns: Iterable[str]) -> list[str]:
        """The patterns a lab names that have no page."""
        return [word for word in lab_patterns if self.get(word) is None]


def load_catalog(folder: Path | None = None, labs: Sequence[LabPatterns] | None = None) -> Catalog:
    """Read every page and check them together; never raises for what a page says.

    `labs` defaults to the labs on the lab path (from the lab index, cached by file signature).
    """
    root = folder or catalog_dir()
    lab_list = tuple(labs) if labs is not None else shipped_and_path_labs()
    lab_ids = {lab.id for lab in lab_list}
    if labs is None:
        # A shipped lab exists even while WORKBENCH_LABS_PATH hides it from the lab list: the
        # shipped pages may name it.
        lab_ids |= {p.parent.name for p in shipped_labs_dir().glob(f"*/{LAB_FILE}")}
    readings = read_pages(root)
    problems: list[PageProblem] = [p for r in readings for p in r.problems]
    readable = [r.pattern for r in readings if r.pattern is not None]
    kept: list[Pattern] = []
    owners: dict[str, Pattern] = {}
    for pattern in readable:
        first = owners.get(pattern.id.lower())
        if first is not None:
            problems.append(
                PageProblem(
                    pattern.path,
                    pattern.lines.get("id"),
                    f"id {pattern.id!r} is already the id of {first.path.name}",
                )
            )
            continue
        owners[pattern.id.lower()] = pattern
        kept.append(pattern)
    problems.extend(_alias_problems(kept, owners))
    problems.extend(_related_problems(kept, owners))
    problems.extend(_try_it_problems(kept, lab_ids))
    problems.sort(key=lambda p: (str(p.file), p.line or 0, p.message))
    kept.sort(key=lambda p: p.id)
    return Catalog(root, tuple(kept), tuple(problems), lab_list)


def shipped_and_path_labs() -> tuple[LabPatterns, ...]:
    """The labs the workbench lists (the lab index: cheap while no lab folder changes)."""
    from workbench.lab.index import summaries

    return tuple(LabPatterns(s.id, s.title, tuple(s.patterns)) for s in summaries())


def _alias_problems(kept: list[Pattern], owners: dict[str, Pattern]) -> Iterable[PageProblem]:
    alias_owner: dict[str, Pattern] = {}
    for pattern in kept:
        line = pattern.lines.get("aliases")
        for alias in pattern.aliases:
            key = alias.lower()
            if key == pattern.id.lower():
                yield PageProblem(pattern.path, line, f"alias {alias!r} is the page's own id")
            elif key in owners:
                other = owners[key].path.name
                yield PageProblem(pattern.path, line, f"alias {alias!r} is the id of {other}")
            elif key in alias_owner and alias_owner[key] is not pattern:
                other = alias_owner[key].path.name
                yield PageProblem(
                    pattern.path, line, f"alias {alias!r} is also an alias in {other}"
                )
            else:
                alias_owner[key] = pattern


def _related_problems(kept: list[Pattern], owners: dict[str, Pattern]) -> Iterable[PageProblem]:
    for pattern in kept:
        for related in pattern.related:
            if related.lower() in owners:
                continue
            close = difflib.get_close_matches(related.lower(), list(owners), n=1, cutoff=0.6)
            hint = f"; did you mean {owners[close[0]].id!r}?" if close else ""
            yield PageProblem(
                pattern.path,
                pattern.lines.get("related"),
                f"related {related!r} is not a page of the catalog{hint}",
            )


def _try_it_problems(kept: list[Pattern], lab_ids: set[str]) -> Iterable[PageProblem]:
    for pattern in kept:
        heading = pattern.lines.get("## Try it")
        if heading is None:
            continue
        for offset, line in enumerate(_section_lines(pattern.body, "Try it")):
            for match in TRY_IT_LAB.finditer(line):
                lab = match.group(1) or match.group(2)
                if lab in lab_ids:
                    continue
                close = difflib.get_close_matches(lab, sorted(lab_ids), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield PageProblem(
                    pattern.path,
                    heading + 1 + offset,
                    f"Try it names the lab {lab!r}, which does not exist{hint}",
                )


def _section_lines(body: str, section: str) -> list[str]:
    """The lines after `## section` up to the next `## ` heading."""
    lines = body.split("\n")
    try:
        start = lines.index(f"## {section}") + 1
    except ValueError:
        return []
    out: list[str] = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        out.append(line)
    return out


def page_markdown(pattern: Pattern, catalog: Catalog, *, links: bool = False) -> str:
    """The page as a reader sees it: "Try it" begins with the labs that practise the pattern
    (computed from the labs), and with `links` the related pages and labs end it as links
    (`pattern:<id>`, `lab:<id>`) a viewer can follow."""
    labs = catalog.labs_of(pattern.id)
    if labs:
        named = [
            f"[`{lab.id}`](lab:{lab.id}) — {lab.title}" if links else f"`{lab.id}` — {lab.title}"
            for lab in labs
        ]
        practise = "Labs that practise it: " + "; ".join(named) + "."
    else:
        practise = "No lab yet."
    lines = pattern.body.split("\n")
    if "## Try it" in lines:
        at = lines.index("## Try it") + 1
        lines[at:at] = ["", practise, ""]
    text = "\n".join(lines).rstrip() + "\n"
    if links and pattern.related:
        related = []
        for rid in pattern.related:
            page = catalog.get(rid)
            label = page.title if page else rid
            related.append(f"[{label}](pattern:{rid})")
        text += "\n---\n\n**Related:** " + " · ".join(related) + "\n"
    return text
