"""Lab validation benchmark: figures and ratios to the targets of issue 19 (item 6).

1. a generated lab.yaml declaring 80,000 links, validated as `workbench labs validate` does
   (default limits): it is refused, and the refusal must be quick (target < 1 s);
2. the same generated labs with the limits lifted, at 5k / 10k / 20k / 80k links: validation is
   linear, so 80k links cost about 8x what 10k do (target ratio < 10), and the peak memory of
   the process stays moderate (target < 600 MB at 80k);
3. the shipped labs (target < 100 ms each).

Each figure is one run in a fresh process: CPU time of the validation (wall time on a shared
machine says more about the neighbours), memory is that process's peak RSS.

Figures (2 shared cores, CPU seconds for 5k / 10k / 20k / 80k links, peak at 80k):
  before issue 19: 2.94 / 5.32 / 12.74 / 54.38 s, 614 MB (80k/10k 10.2x); the 80k-link lab was
                   accepted after 54 s (the issue measured 2.4 / 4.4 / 9.6 / 44.5 s, 607 MB)
  after:           0.67 / 1.91 / 3.41 / 14.52 s, 398 MB (80k/10k 7.6x); with the default limits
                   the 80k-link lab is refused in 0.2 ms (its 4.6 MiB lab.yaml is not read)

Run: .venv/bin/python bench/bench_lab_validation.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SERVICES = 100

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from workbench.lab.limits import DEFAULT_LIMITS, Limits
from workbench.lab.loader import validate_lab_dir

lifted = Limits(
    lab_file_bytes=1 << 30, yaml_nodes=1 << 30,
    sections=tuple((name, 1 << 30) for name, _ in DEFAULT_LIMITS.sections),
)
started, cpu = time.perf_counter(), time.process_time()
limits = lifted if sys.argv[2] == "lifted" else DEFAULT_LIMITS
lab, problems = validate_lab_dir(Path(sys.argv[1]), limits)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({
    "seconds": seconds,
    "cpu": cpu,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "problems": [p.message for p in problems][:3],
    "valid": lab is not None and not problems,
}))
"""


def generate(folder: Path, links: int, services: int = SERVICES) -> Path:
    """A valid lab (every service shares one code folder) declaring `links` http links."""
    lab = folder / "generated"
    (lab / "services" / "svc").mkdir(parents=True, exist_ok=True)
    (lab / "services" / "svc" / "app.py").write_text("app = None\n")
    names = [f"s{i}" for i in range(services)]
    out = [
        "format_version: 1",
        "id: generated",
        "title: Generated",
        "summary: A generated lab for the validation benchmark.",
        "difficulty: beginner",
        "minutes: 5",
        "services:",
    ]
    out += [f"  - {{name: {name}, source: services/svc}}" for name in names]
    out.append("links:")
    out += [
        f"  - {{from: {names[i % services]}, to: {names[(i * 7 + 1) % services]}, "
        f"protocol: http, label: call {i}}}"
        for i in range(links)
    ]
    (lab / "lab.yaml").write_text("\n".join(out) + "\n")
    return lab


def measure(lab: Path, limits: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(lab), limits],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        check=True,
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def report(name: str, value: float, target: float, unit: str) -> None:
    ratio = value / target
    verdict = "ok" if ratio < 1 else "OVER"
    print(
        f"  {name:<52} {value:8.2f} {unit:<3} target < {target:g} {unit}  "
        f"ratio {ratio:5.2f}  {verdict}"
    )


def bench_refusal(tmp: Path) -> None:
    print("an 80,000-link lab.yaml, default limits (what `workbench labs validate` does)")
    lab = generate(tmp / "refused", 80_000)
    size = (lab / "lab.yaml").stat().st_size / 1024 / 1024
    result = measure(lab, "default")
    cpu_ms = float(result["cpu"]) * 1000  # type: ignore[arg-type]
    report(f"refused ({size:.1f} MiB lab.yaml), CPU", cpu_ms, 1000, "ms")
    print(f"  message: {result['problems'][0]}")  # type: ignore[index]


def bench_scaling(tmp: Path) -> None:
    print("generated labs, limits lifted: validation is linear in the links")
    seconds: dict[int, float] = {}
    for links in (5_000, 10_000, 20_000, 80_000):
        lab = generate(tmp / f"n{links}", links)
        result = measure(lab, "lifted")
        assert result["valid"], result["problems"]
        seconds[links] = float(result["cpu"])  # type: ignore[arg-type]
        wall = float(result["seconds"])  # type: ignore[arg-type]
        peak = float(result["rss_mb"])  # type: ignore[arg-type]
        print(
            f"  {links:>6,} links: {seconds[links]:6.2f} s CPU ({wall:6.2f} s wall), "
            f"peak {peak:5.0f} MB"
        )
        if links == 80_000:
            report("peak memory at 80k links", float(result["rss_mb"]), 600, "MB")  # type: ignore[arg-type]
    report("CPU 80k / CPU 10k (linear: 8)", seconds[80_000] / seconds[10_000], 10, "x")


def bench_shipped() -> None:
    from workbench.lab.index import lab_folders

    print("the shipped labs, default limits")
    for folder in lab_folders():
        result = measure(folder, "default")
        assert result["valid"], result["problems"]
        report(f"{folder.name}, CPU", float(result["cpu"]) * 1000, 100, "ms")  # type: ignore[arg-type]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-lab-validation-") as tmp:
        bench_refusal(Path(tmp))
        bench_scaling(Path(tmp))
    bench_shipped()


if __name__ == "__main__":
    main()
