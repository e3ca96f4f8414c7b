"""Soak: N start/stop cycles of a lab with random `kill -9`, then what is left (target: nothing).

Not a benchmark (its name is not bench_*.py, so `make bench` skips it) and not in `make test`: it
takes minutes. Run it from the repository root with the project's venv:

    .venv/bin/python bench/soak_start_stop.py --runtime local --cycles 100
    .venv/bin/python bench/soak_start_stop.py --runtime docker --cycles 30

Each cycle runs `workbench lab start LAB` as the user would (a CLI process) and picks at random:
a clean start; `kill -9` of the CLI mid-start; `kill -9` of a service (a process, or a container)
mid-start or after; both; or two starts at the same moment (exactly one may run the lab). Then
`workbench lab stop LAB`, and the inspection, without `workbench gc`:

- processes carrying the soak's markers in their environment (its private WORKBENCH_STATE_DIR,
  which every CLI and local service inherits, or the WORKBENCH_RUN_ID of a run seen);
- run folders left in the state folder;
- listening TCP ports that a run of the cycle recorded;
- on Docker, containers, networks and volumes labelled with the soak state folder's
  `io.workbench.state` key (see workbench/dockerengine/labels.py).

A cycle that leaves something prints it and is cleaned up with `workbench gc` (so the next cycle
starts clean). The script prints the figures and exits 1 if any cycle left anything or a double
start did not end with exactly one run and one refusal. Defaults: the shop fixture lab
(tests/fixtures/labs), a private state folder and workspace home in a temporary folder (the image
cache is the user's); the CLIs' output goes to --log.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from workbench.dockerengine import labels

REPO = Path(__file__).resolve().parent.parent
FIXTURE_LABS = REPO / "tests" / "fixtures" / "labs"
MODES = {"clean": 0.2, "kill-cli": 0.3, "kill-service": 0.2, "kill-both": 0.15, "double": 0.15}
CLI_TIMEOUT = 180.0
REFUSAL = "is already "
"""The loser of a double start says the lab "is already starting" or "is already running"."""


@dataclass
class Cycle:
    number: int
    mode: str
    run_ids: set[str] = field(default_factory=set)
    ports: set[int] = field(default_factory=set)
    exit_codes: list[int | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Soak:
    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.state = root / "state"
        self.env = dict(os.environ)
        self.env.update(
            WORKBENCH_STATE_DIR=str(self.state),
            WORKBENCH_HOME=str(root / "home"),
            WORKBENCH_LABS_PATH=args.labs_path,
            PYTHONUNBUFFERED="1",
        )
        os.environ["WORKBENCH_STATE_DIR"] = str(self.state)  # for labels.state_key()
        self.log = Path(args.log).open("wb")  # noqa: SIM115 (open for the whole soak)
        self.window = args.kill_window

    # -- driving the CLI ------------------------------------------------------------------------

    def workbench(self, *argv: str, capture: bool = False) -> subprocess.Popen[bytes]:
        self.log.write(f"\n$ workbench {' '.join(argv)}\n".encode())
        self.log.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "workbench", *argv],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else self.log,
            stderr=subprocess.STDOUT,
        )

    def start(self, *, capture: bool = False) -> subprocess.Popen[bytes]:
        return self.workbench(
            "lab", "start", self.args.lab, "--runtime", self.args.runtime,
            "--deadline", str(self.args.deadline), capture=capture,
        )  # fmt: skip

    def wait(self, proc: subprocess.Popen[bytes]) -> int | None:
        try:
            return proc.wait(timeout=CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None

    @contextmanager
    def watching(self, cycle: Cycle) -> Iterator[None]:
        """Note every run id and port the cycle's runs record, while the cycle runs."""
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                self.read_records(cycle)
                time.sleep(0.02)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            self.read_records(cycle)

    def read_records(self, cycle: Cycle) -> None:
        runs = self.state / "runs"
        for folder in runs.iterdir() if runs.is_dir() else ():
            cycle.run_ids.add(folder.name)
            with suppress(OSError, ValueError):
                record = json.loads((folder / "run.json").read_text())
                ports = record.get("extra", {}).get("ports", {})
                cycle.ports.update(int(port) for port in ports.values())

    # -- one cycle ------------------------------------------------------------------------------

    def cycle(self, number: int) -> Cycle:
        names = list(MODES)
        mode = "clean" if number == 1 else self.rng.choices(names, [MODES[n] for n in names])[0]
        cycle = Cycle(number, mode)
        began = time.monotonic()
        with self.watching(cycle):
            self.drive(cycle)
            stop = self.wait(self.workbench("lab", "stop", self.args.lab))
            cycle.exit_codes.append(stop)
        cycle.seconds = time.monotonic() - began
        cycle.leftovers = self.inspect(cycle)
        if number == 1 and not self.window:
            self.window = max(cycle.seconds, 1.0)  # a clean start and stop: the start's span
        return cycle

    def drive(self, cycle: Cycle) -> None:
        mode = cycle.mode
        if mode == "double":
            pair = [self.start(capture=True), self.start(capture=True)]
            said = []
            for cli in pair:
                out, _ = cli.communicate(timeout=CLI_TIMEOUT)
                self.log.write(out)
                said.append(out.decode(errors="replace"))
                cycle.exit_codes.append(cli.returncode)
            refused = [t for t in said if REFUSAL in t and "workbench lab status" in t]
            self.read_records(cycle)
            if len(refused) != 1 or len(cycle.run_ids) != 1:
                cycle.notes.append(
                    f"double start: {len(cycle.run_ids)} run(s), {len(refused)} refusal(s) "
                    "(want one of each)"
                )
            return
        cli = self.start()
        delay = self.rng.uniform(0.0, self.window or 3.0)
        if mode in ("kill-service", "kill-both"):
            time.sleep(delay)
            cycle.notes.append(f"service killed at {delay:.2f} s: {self.kill_service(cycle)}")
            delay = self.rng.uniform(0.0, 1.0)
        if mode in ("kill-cli", "kill-both"):
            time.sleep(delay)
            if cli.poll() is None:
                cli.send_signal(signal.SIGKILL)
                cycle.notes.append(f"CLI killed at {delay:.2f} s")
            else:
                cycle.notes.append(f"CLI had ended before the kill at {delay:.2f} s")
        cycle.exit_codes.append(self.wait(cli))

    def kill_service(self, cycle: Cycle) -> str:
        self.read_records(cycle)
        if self.args.runtime == "docker":
            containers = self.docker_objects()[0]
            services = [c for c in containers if c.labels.get(labels.ROLE) == "service"]
            if not services:
                return "none yet"
            victim = self.rng.choice(services)
            with suppress(Exception):
                victim.kill()  # SIGKILL
            return victim.name
        pids = [p for r in cycle.run_ids for p in pids_with_env("WORKBENCH_RUN_ID", r)]
        if not pids:
            return "none yet"
        victim_pid = self.rng.choice(pids)
        with suppress(ProcessLookupError):
            os.kill(victim_pid, signal.SIGKILL)
        return f"pid {victim_pid}"

    # -- what is left ---------------------------------------------------------------------------

    def inspect(self, cycle: Cycle) -> list[str]:
        left = []
        pids = set(pids_with_env("WORKBENCH_STATE_DIR", str(self.state)))
        for run_id in cycle.run_ids:
            pids.update(pids_with_env("WORKBENCH_RUN_ID", run_id))
        left += [f"process {pid}: {' '.join(cmdline(pid))[:120]}" for pid in sorted(pids)]
        runs = self.state / "runs"
        for folder in sorted(runs.iterdir()) if runs.is_dir() else ():
            what = sorted(p.name for p in folder.iterdir())
            left.append(f"run folder {folder.name} (holds {', '.join(what) or 'nothing'})")
        listening = listening_ports()
        left += [f"port {port} still listening" for port in sorted(cycle.ports & listening)]
        if self.args.runtime == "docker":
            containers, networks, volumes = self.docker_objects()
            left += [f"container {c.name} ({c.status})" for c in containers]
            left += [f"network {n.name}" for n in networks]
            left += [f"volume {v.name}" for v in volumes]
        return left

    def docker_objects(self) -> tuple[list, list, list]:  # type: ignore[type-arg]
        import docker

        client = docker.from_env()
        wanted = {"label": [f"{labels.STATE}={labels.state_key()}"]}
        try:
            for _ in range(20):
                try:
                    return (
                        client.containers.list(all=True, filters=wanted),
                        client.networks.list(filters=wanted),
                        client.volumes.list(filters=wanted),
                    )
                except docker.errors.NotFound:  # removed between the list and its inspection
                    time.sleep(0.05)
            raise RuntimeError("the engine's objects kept changing under the listing")
        finally:
            client.close()

    def gc(self) -> None:
        self.wait(self.workbench("gc"))


def pids_with_env(name: str, value: str) -> list[int]:
    needle = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ["(gone)"]
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part] or ["(zombie)"]


def listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", choices=("local", "docker"), default="local")
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--lab", default="shop")
    parser.add_argument("--labs-path", default=str(FIXTURE_LABS))
    parser.add_argument("--seed", type=int, default=None, help="for a repeatable sequence")
    parser.add_argument(
        "--kill-window",
        type=float,
        default=0.0,
        help="kills land within this many seconds of the start (default: the first cycle's span)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=60.0,
        help="each start's deadline (a start whose dependency was killed waits that long)",
    )
    parser.add_argument(
        "--log",
        default=str(Path(tempfile.gettempdir()) / "workbench-soak.log"),
        help="where the CLIs' output goes",
    )
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    print(f"soak: {args.cycles} cycles of {args.lab} on {args.runtime}, seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="workbench-soak-") as tmp:
        soak = Soak(args, Path(tmp))
        began = time.monotonic()
        dirty, refusals, modes = 0, 0, dict.fromkeys(MODES, 0)
        for number in range(1, args.cycles + 1):
            cycle = soak.cycle(number)
            modes[cycle.mode] += 1
            refusals += cycle.mode == "double" and not cycle.notes
            line = f"{number:4} {cycle.mode:<13} {cycle.seconds:5.1f} s  runs {len(cycle.run_ids)}"
            print(line + (f"  ({'; '.join(cycle.notes)})" if cycle.notes else ""), flush=True)
            problems = [n for n in cycle.notes if n.startswith("double start")]
            if cycle.leftovers or problems:
                dirty += 1
                for item in cycle.leftovers:
                    print(f"     LEFT: {item}", flush=True)
                soak.gc()
        print(
            f"\n{args.cycles} cycles on {args.runtime} in {time.monotonic() - began:.0f} s "
            f"({', '.join(f'{k} {v}' for k, v in modes.items())}); double starts refused: "
            f"{refusals}/{modes['double']}; cycles that left something: {dirty}"
        )
        print(f"CLI output: {args.log}")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
