"""Pattern catalog benchmark: figures and ratios to the targets of issue 17.

1. read and validate a catalog of 40 pages (the shipped pages, topped up with renamed copies),
   as `workbench patterns` does: every page parsed, sections checked, ids, aliases, related ids
   and "Try it" labs checked across pages (target < 50 ms);
2. the TUI's pattern screen over those 40 pages: one keystroke's filter (search, then the list
   rebuilt), median over a typed word (target < 20 ms);
3. `workbench patterns` in a fresh process, wall time, beside `workbench --help` (target < 0.3 s,
   the --help budget).

Figures are medians; CPU time for (1) (wall time on a shared machine says more about the
neighbours), wall time for (2) and (3), which is what a person waits for.

Figures (2 shared cores, load about 3.5, 37 shipped pages + 3 copies):
  read and validate 40 pages: 13.6 ms CPU (0.27 of the target)
  one keystroke: 1.4 ms to filter and rebuild the list, 9.9 ms with the repaint (the prompts are
                 built once: parsing each option's markup on every keystroke cost 6 ms more)
  `workbench patterns`: 0.18 s wall, `--help` 0.10 s (a rich Table listing took 0.5-0.6 s)

Run: .venv/bin/python bench/bench_catalog.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGES = 40


def catalog_of_40(folder: Path) -> Path:
    """The shipped pages, plus renamed copies of the first ones up to 40 pages."""
    from workbench.paths import catalog_dir

    shipped = sorted(p for p in catalog_dir().glob("*.md") if p.name != "README.md")
    for page in shipped:
        shutil.copy(page, folder / page.name)
    for index, page in enumerate(shipped[: max(0, PAGES - len(shipped))]):
        new_id = f"{page.stem}-copy{index}"
        text = page.read_text().replace(f"id: {page.stem}\n", f"id: {new_id}\n", 1)
        # A copy's aliases would collide with its original's: give it none.
        lines = [
            "aliases: []" if line.startswith("aliases:") else line for line in text.splitlines()
        ]
        (folder / f"{new_id}.md").write_text("\n".join(lines) + "\n")
    return folder


def read_and_validate(folder: Path, runs: int = 30) -> tuple[float, int, int]:
    from workbench.lab.catalog import load_catalog, shipped_and_path_labs

    labs = shipped_and_path_labs()
    times = []
    catalog = load_catalog(folder, labs)
    for _ in range(runs):
        started = time.process_time()
        catalog = load_catalog(folder, labs)
        times.append(time.process_time() - started)
    return statistics.median(times), len(catalog.patterns), len(catalog.problems)


async def filter_keystrokes(folder: Path) -> tuple[float, float]:
    """Median of one keystroke's filter alone, and of the filter plus the repaint (the Pilot's
    own wait for an idle app, measured with nothing to do, taken off)."""
    from textual.app import App

    from workbench.lab.catalog import load_catalog
    from workbench.tui.screens.catalog import PatternCatalogScreen

    screen = PatternCatalogScreen(load_catalog(folder))
    app: App[None] = App()
    fills, repaints, idle = [], [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(screen)
        await pilot.pause()
        for _ in range(5):
            for query in ("", "c", "ci", "cir", "circ", "circu", "circui", "circuit", "retry"):
                started = time.perf_counter()
                screen.fill(query)
                filled = time.perf_counter()
                await pilot.pause()
                fills.append(filled - started)
                repaints.append(time.perf_counter() - started)
                started = time.perf_counter()
                await pilot.pause()
                idle.append(time.perf_counter() - started)
    return statistics.median(fills), statistics.median(repaints) - statistics.median(idle)


def command_seconds(*args: str, runs: int = 5) -> float:
    exe = REPO / ".venv" / "bin" / "workbench"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [str(exe), *args], capture_output=True, check=True, env={**os.environ, "COLUMNS": "120"}
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = catalog_of_40(Path(tmp))
        cpu, pages, problems = read_and_validate(folder)
        print(
            f"read and validate {pages} pages: {cpu * 1000:.1f} ms CPU "
            f"({problems} problems; target < 50 ms, {cpu / 0.050:.2f} of it)"
        )
        fill, repaint = asyncio.run(filter_keystrokes(folder))
        print(
            f"TUI filter, one keystroke over {pages} pages: {fill * 1000:.1f} ms to filter and "
            f"rebuild the list (target < 20 ms, {fill / 0.020:.2f} of it); "
            f"{repaint * 1000:.1f} ms with the repaint"
        )
    listing = command_seconds("patterns")
    help_time = command_seconds("--help")
    print(
        f"`workbench patterns`: {listing:.2f} s wall (target < 0.3 s, {listing / 0.3:.2f} of it); "
        f"`workbench --help`: {help_time:.2f} s"
    )


if __name__ == "__main__":
    main()
