"""Bakery: no-op bake, rebake after a one-file edit, and (with --cold) a cold offline bake.

Prints figures and their ratio to the targets of issue 3: no-op bake < 1 s, rebake after a
one-file service edit < 10 s, cold offline bake of root + base + a lab < 3 min (reported).
Not a test: nothing fails on a slow machine. Uses a private copy of the fixture shop lab, so it
neither reuses nor removes anyone else's service images; --cold also uses its own image prefix
and an empty cache folder (so debootstrap, pip download and every build really happen), and
removes what it made afterwards.

    .venv/bin/python bench/bench_bakery.py [--rounds N] [--cold]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "labs" / "shop"
sys.path.insert(0, str(REPO))

from workbench.bakery.bake import BakeReport, bake_lab  # noqa: E402
from workbench.bakery.images import list_images, prune_images  # noqa: E402
from workbench.bakery.progress import BakeEvent  # noqa: E402
from workbench.bakery.tags import PREFIX_ENV  # noqa: E402
from workbench.dockerengine import connect  # noqa: E402
from workbench.dockerengine.removal import remove_images  # noqa: E402
from workbench.lab import load_lab  # noqa: E402
from workbench.lab.model import Lab  # noqa: E402

NOOP_TARGET = 1.0
REBAKE_TARGET = 10.0
COLD_TARGET = 180.0


def private_lab(parent: Path) -> Lab:
    lab_id = f"bench{secrets.token_hex(3)}"
    folder = parent / lab_id
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    yaml = folder / "lab.yaml"
    yaml.write_text(re.sub(r"(?m)^id: shop$", f"id: {lab_id}", yaml.read_text()))
    return load_lab(folder)


def timed(lab: Lab) -> tuple[float, BakeReport]:
    started = time.perf_counter()
    report = bake_lab(lab)
    return time.perf_counter() - started, report


def timed_lab_only(lab: Lab) -> tuple[float, BakeReport]:
    """A bake that did not have to rebuild the shared base (another engineer may edit the service
    kit meanwhile, and that rightly rebuilds the base): such rounds are bakes of something else."""
    for _ in range(5):
        seconds, report = timed(lab)
        if not any(image.image == "base" for image in report.built):
            return seconds, report
        print("  (round discarded: the service kit changed meanwhile, so the base was rebuilt)")
    raise SystemExit("the service kit keeps changing; run the benchmark again later")


def line(name: str, seconds: float, target: float | None = None) -> None:
    ratio = f"   {seconds / target:5.2f}× of the {target:g} s target" if target else ""
    print(f"  {name:<44} {seconds:7.2f} s{ratio}")


def warm(lab: Lab, rounds: int) -> None:
    first, report = timed(lab)
    built = ", ".join(i.image for i in report.built) or "nothing"
    line(f"first bake of the copy (built: {built})", first)

    noops = [timed_lab_only(lab)[0] for _ in range(rounds)]
    line(f"no-op bake, library call (median of {rounds})", statistics.median(noops), NOOP_TARGET)
    cli = []
    env = {**os.environ, "WORKBENCH_LABS_PATH": str(lab.path.parent)}
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "workbench"), "bake", lab.id],
            env=env,
            check=True,
            capture_output=True,
        )
        cli.append(time.perf_counter() - started)
    line("no-op `workbench bake` incl. start-up (median)", statistics.median(cli), NOOP_TARGET)

    app = lab.path / "services" / "orders" / "app.py"
    rebakes = []
    for i in range(rounds):
        app.write_text(app.read_text() + f"\n# bench edit {i}\n")
        seconds, report = timed_lab_only(lab)
        assert [b.service for b in report.built] == ["orders"], report.built
        rebakes.append(seconds)
    line(
        f"rebake after a one-file edit (median of {rounds})",
        statistics.median(rebakes),
        REBAKE_TARGET,
    )


def cold(parent: Path) -> None:
    prefix = f"wbcold{secrets.token_hex(3)}"
    cache = parent / "cold-cache"
    saved = {key: os.environ.get(key) for key in (PREFIX_ENV, "WORKBENCH_CACHE_DIR")}
    os.environ[PREFIX_ENV] = prefix
    os.environ["WORKBENCH_CACHE_DIR"] = str(cache)
    lab = private_lab(parent)
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def on_progress(event: BakeEvent) -> None:
        """First time each phase of the root build shows up: where a cold bake spends its time."""
        for word in (
            "Retrieving",
            "Extracting",
            "Unpacking",
            "Configuring",
            "pack root",
            "docker import",
        ):
            if event.image == "root" and word in event.detail and word not in marks:
                marks[word] = time.perf_counter() - started
        if event.image == "base" and "base" not in marks:
            marks["base"] = time.perf_counter() - started

    try:
        seconds_started = time.perf_counter()
        report = bake_lab(lab, on_progress)
        seconds = time.perf_counter() - seconds_started
        print("  root timeline: " + ", ".join(f"{k} at {v:.0f} s" for k, v in marks.items()))
        for image in report.images:
            line(f"  {image.image} ({'built' if image.built else 'cached'})", image.seconds)
        line("cold offline bake: root + base + lab + broker", seconds, COLD_TARGET)
    finally:
        removed = _remove_prefixed(prefix)
        print(f"  (removed the {removed} image(s) of this cold run)")
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _remove_prefixed(prefix: str) -> int:
    client = connect()
    mine = [i for i in list_images(client) if i.tag.startswith(prefix + "/")]
    removed, _kept = remove_images(client, [client.images.get(i.image_id) for i in mine])
    return len(removed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="also time a bake from nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        parent = Path(tmp)
        lab = private_lab(parent)
        print(f"bakery benchmark (lab copy {lab.id!r}, {args.rounds} rounds)")
        try:
            warm(lab, args.rounds)
        finally:
            prune_images(connect(), lab.id)
        if args.cold:
            cold(parent)
        else:
            print("  cold offline bake: skipped (run with --cold; takes about a minute)")


if __name__ == "__main__":
    main()
