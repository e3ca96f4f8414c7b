"""TUI benchmark: launch to lab list drawn, and key-press latency while a lab starts and while logs
stream at 200 lines/s (real local runtime, fixture shop lab). Prints figures and target ratios.

    .venv/bin/python bench/bench_tui.py

Targets (issue 6): launch < 1.0 s; key-press latency < 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from textual import events

REPO = Path(__file__).resolve().parent.parent
LABS = REPO / "tests" / "fixtures" / "labs"
LAUNCH_TARGET = 1.0
KEY_TARGET = 0.100

CHILD = """
import sys, time
t0 = float(sys.argv[1])
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab_list import LabListScreen

async def drawn(pilot):
    await pilot.pause()
    assert isinstance(pilot.app.screen, LabListScreen)
    assert pilot.app.screen.query_one("#labs").row_count > 0
    print(time.time() - t0, flush=True)
    pilot.app.exit()

WorkbenchApp(runtime="local").run(headless=True, size=(120, 40), auto_pilot=drawn)
"""


def launch_times(runs: int = 5) -> tuple[list[float], list[float]]:
    """From spawning the interpreter to the lab list drawn with its labs (headless): wall time,
    and the CPU time the process used (what the wall time would be on an idle machine)."""
    times, cpu = [], []
    for _ in range(runs):
        before = os.times()
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(t0)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        after = os.times()
        times.append(float(out.stdout.strip().splitlines()[-1]))
        cpu.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
    return times, cpu


async def _latency(pilot, kind: str, samples: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Press a key and time until its effect is drawn.

    kind 'tab': 2/3 switch the right-hand panel (a light action, like most keys);
    kind 'page': t toggles the instructions between exercise and theory (a Markdown re-render,
    the heaviest key of the lab screen).
    """
    from textual.widgets import TabbedContent

    from workbench.tui.screens.lab import LabScreen

    screen = pilot.app.screen
    assert isinstance(screen, LabScreen)
    tabs = screen.query_one(TabbedContent)
    out = []
    for _ in range(samples):
        if kind == "tab":
            key = "2" if tabs.active != "logs" else "3"

            def state() -> object:
                return tabs.active
        else:
            key = "t"

            def state() -> object:
                return screen.instructions.page

        before = state()
        t0 = time.perf_counter()
        # Post the key as the terminal driver does (pilot.press would also wait for the app to
        # go idle, which never happens while 200 lines/s arrive), then wait for its effect and
        # for the screen's next refresh.
        pilot.app.post_message(events.Key(key, key))
        while state() == before:
            await asyncio.sleep(0.001)
        await _next_frame(pilot.app)
        out.append(time.perf_counter() - t0)
        await asyncio.sleep(0.05)
    return out


async def _next_frame(app) -> None:  # type: ignore[no-untyped-def]
    drawn = asyncio.Event()
    app.call_after_refresh(drawn.set)
    await drawn.wait()


async def key_latency() -> dict[str, list[float]]:
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.lab import LabScreen

    init_workspace(find_lab("shop"))
    app = WorkbenchApp(lab_id="shop", runtime="local")
    results: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, LabScreen):
            await pilot.pause(0.01)
        screen = app.screen
        await app.workers.wait_for_complete()
        results["idle (tab)"] = await _latency(pilot, "tab", 10)
        results["idle (page)"] = await _latency(pilot, "page", 6)

        await pilot.press("s")
        starting: list[float] = []
        while screen.phase == "starting":
            starting += await _latency(pilot, "tab", 1)
        results["while starting (tab)"] = starting
        assert screen.phase == "running", "the lab did not start"

        deployment = screen.session.deployment
        assert deployment is not None
        await _while_streaming(pilot, deployment.run_dir / "logs" / "orders.log", results)
        await screen.stop_and_wait()
    return results


async def _while_streaming(pilot, log: Path, results: dict[str, list[float]]) -> None:  # type: ignore[no-untyped-def]
    """Append 200 JSON lines/s to a service's real log file (the runtime follows it)."""
    from workbench.tui.widgets.logs import LogsPanel

    stop = threading.Event()
    written = [0]

    def stream() -> None:
        with log.open("a", encoding="utf-8") as f:
            start = time.perf_counter()
            while not stop.is_set():
                due = int((time.perf_counter() - start) * 200)
                while written[0] < due:
                    line = {
                        "level": "info",
                        "service": "orders",
                        "msg": "bench line",
                        "n": written[0],
                        "request_id": "bench",
                    }
                    f.write(json.dumps(line) + "\n")
                    written[0] += 1
                f.flush()
                time.sleep(0.005)

    panel = pilot.app.screen.query_one(LogsPanel)
    received0 = panel.received
    thread = threading.Thread(target=stream, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    await pilot.pause(1.0)  # let the stream reach the panel
    results["while logs stream (tab)"] = await _latency(pilot, "tab", 30)
    results["while logs stream (page)"] = await _latency(pilot, "page", 6)
    stop.set()
    thread.join()
    seconds = time.perf_counter() - t0
    await pilot.pause(0.5)
    results["_shown_rate"] = [(panel.received - received0) / (seconds + 0.5)]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wb-bench-tui-") as tmp:
        os.environ["WORKBENCH_LABS_PATH"] = str(LABS)
        os.environ["WORKBENCH_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        os.environ["TEXTUAL_ANIMATIONS"] = "none"

        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        launches, cpu = launch_times()
        median = statistics.median(launches)
        print(
            f"launch to lab list drawn: median {median * 1000:.0f} ms "
            f"(min {min(launches) * 1000:.0f}, max {max(launches) * 1000:.0f}, n={len(launches)})"
            f"  target < {LAUNCH_TARGET * 1000:.0f} ms  ratio {median / LAUNCH_TARGET:.2f}; "
            f"CPU time {statistics.median(cpu) * 1000:.0f} ms"
        )

        results = asyncio.run(key_latency())
        rate = results.pop("_shown_rate")[0]
        for name, values in results.items():
            if not values:
                print(f"key-press latency {name}: no sample (phase too short)")
                continue
            p50 = statistics.median(values)
            worst = max(values)
            p95 = sorted(values)[max(0, int(len(values) * 0.95) - 1)]
            print(
                f"key-press latency {name}: median {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                f"max {worst * 1000:.1f} ms (n={len(values)})  target < "
                f"{KEY_TARGET * 1000:.0f} ms  ratio(p95) {p95 / KEY_TARGET:.2f}"
            )
        print(f"log lines reaching the panel while streaming: {rate:.0f} lines/s (written: 200/s)")


if __name__ == "__main__":
    main()
