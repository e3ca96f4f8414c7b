"""What each container of a run looks like, as plain data (no engine, no `docker` import).

`ContainerSpec` is everything the engine is told when a container is created: image, command,
environment, mounts, network, labels and the hardening every container gets. Building specs is
pure, so names, env, hardening and start order are unit-tested without an engine; the
`containers` module turns a spec into an engine call.

Containers of a run:
- one per service (python: uvicorn with --reload; nats: the scratch image's nats-server);
  a sidecar joins its main service's network namespace (`network_mode=container:<main>`), so it
  has no DNS name of its own: peers reach it as `http://<main>:<sidecar port>`;
- an `edge` container (see `edge`) forwarding host ports to the services;
- `primer` containers, created and removed, never started, that give the broker's fresh volume
  to the service user (see `primer_specs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workbench import service_env as contract
from workbench.dockerengine import labels
from workbench.lab.model import Lab, Service, ServiceKind
from workbench.runtime.docker import names

SERVICE_USER = "10001:10001"
SERVICE_UID = 10001
MEM_LIMIT = "256m"
PIDS_LIMIT = 256
STOP_TIMEOUT = 2
"""Seconds between SIGTERM and SIGKILL when a container is stopped."""

WORKSPACE_MOUNT = "/workspace"
DATA_MOUNT = "/data"
SERVICE_DIR = "/srv/service"
KIT_PYTHONPATH = "/opt/kit"
"""Where the bakery's base image puts the service kit, when the image does not say (PYTHONPATH)."""

GATE_MOUNT = "/opt/wbgate"
GATE_MODULE = "wbgate"
"""The start gate (`servicekit/gate.py`, as the local runtime runs it), copied into the run folder
and mounted read-only: each container imports its libraries at once and loads its own code when
its gate file appears (its dependencies are ready), so a start costs one parallel warm-up, not one
per wave."""


@dataclass(frozen=True)
class MountSpec:
    target: str
    source: str
    """A volume name (kind `volume`) or an absolute host path (kind `bind`)."""
    kind: Literal["volume", "bind"] = "volume"
    read_only: bool = False


@dataclass(frozen=True)
class VolumeSpec:
    name: str
    """Engine name of the volume (unique per run)."""
    labels: dict[str, str]
    owner: str
    """`data-<service>` or `vol-<declared name>`: what the volume is for."""


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    service: str
    image: str
    command: list[str]
    labels: dict[str, str]
    environment: dict[str, str] = field(default_factory=dict)
    mounts: list[MountSpec] = field(default_factory=list)
    network: str | None = None
    """The network the container is created on (its DNS name there: `aliases`)."""
    aliases: list[str] = field(default_factory=list)
    also_on: list[str] = field(default_factory=list)
    """Further networks the container joins before it starts (the edge: the default bridge)."""
    network_mode: str | None = None
    """`container:<name>` for sidecars, `none` for primers; excludes `network`."""
    hostname: str | None = None
    ports: dict[str, tuple[str, None]] = field(default_factory=dict)
    """Container port (`8000/tcp`) -> (host ip, None: the engine picks a free host port)."""
    user: str = SERVICE_USER
    read_only: bool = True
    tmpfs: dict[str, str] = field(default_factory=lambda: {"/tmp": ""})
    cap_drop: list[str] = field(default_factory=lambda: ["ALL"])
    cap_add: list[str] = field(default_factory=list)
    security_opt: list[str] = field(default_factory=lambda: ["no-new-privileges"])
    mem_limit: str = MEM_LIMIT
    pids_limit: int = PIDS_LIMIT
    working_dir: str | None = None
    stop_timeout: int = STOP_TIMEOUT


def dns_name(lab: Lab, service: Service) -> str:
    """The name other containers reach a service by: a sidecar answers on its main's name."""
    return service.sidecar_of or service.name


def internal_url(lab: Lab, service: Service) -> str:
    scheme = "nats" if service.kind is ServiceKind.NATS else "http"
    return f"{scheme}://{dns_name(lab, service)}:{service.container_port}"


def volumes_of(lab: Lab, run_id: str) -> list[VolumeSpec]:
    """A DATA_DIR volume per python service and one per declared volume (shared by name)."""
    found: dict[str, VolumeSpec] = {}
    for service in lab.services:
        if service.kind is ServiceKind.PYTHON:
            owner = f"data-{service.name}"
            found[owner] = VolumeSpec(
                names.volume_name(lab.id, run_id, owner),
                labels.run_labels(lab.id, run_id, service=service.name),
                owner,
            )
        for volume in service.volumes:
            owner = f"vol-{volume.name}"
            found.setdefault(
                owner,
                VolumeSpec(
                    names.volume_name(lab.id, run_id, owner),
                    labels.run_labels(lab.id, run_id),
                    owner,
                ),
            )
    broker = lab.broker
    if broker is not None:
        owner = f"data-{broker.name}"
        found[owner] = VolumeSpec(
            names.volume_name(lab.id, run_id, owner),
            labels.run_labels(lab.id, run_id, service=broker.name),
            owner,
        )
    return list(found.values())


def service_env(
    lab: Lab,
    service: Service,
    run_id: str,
    *,
    workspace: bool,
    image_pythonpath: str | None = None,
    force_polling: bool = False,
    gated: bool = False,
) -> dict[str, str]:
    """The environment of one python service container: the contract (`workbench.service_env`)
    with DNS names and mount points, the gate when `gated`, and PYTHONPATH."""
    env = contract.service_env(
        service=service.name,
        port=service.container_port,
        lab=lab.id,
        run_id=run_id,
        peers={p.name: internal_url(lab, p) for p in lab.services if p.kind is ServiceKind.PYTHON},
        nats_url=internal_url(lab, lab.broker) if lab.broker is not None else None,
        data_dir=DATA_MOUNT,
        volumes={v.name: v.mount for v in service.volumes},
        workspace=WORKSPACE_MOUNT if workspace else None,
        app=service.app if gated else None,
        gate=f"{GATE_MOUNT}/open/{service.name}" if gated else None,
    )
    path = [WORKSPACE_MOUNT] if workspace else []
    if gated:
        path.append(GATE_MOUNT)
    path.append(image_pythonpath or KIT_PYTHONPATH)
    env["PYTHONPATH"] = ":".join(path)
    env.update(
        PYTHONUNBUFFERED="1",
        # The root and the workspace are read-only: don't try to write byte code beside sources.
        # (Not PYTHONPYCACHEPREFIX: Python then ignores the image's precompiled byte code too,
        # and every start compiles FastAPI from source.)
        PYTHONDONTWRITEBYTECODE="1",
    )
    if force_polling:
        # File events do not cross the VM boundary of Docker Desktop's bind mounts.
        env["WATCHFILES_FORCE_POLLING"] = "true"
    env.update(service.env)  # the lab author's word wins, as with the local runtime
    return env


def uvicorn_command(service: Service, *, workspace: bool, gated: bool = False) -> list[str]:
    """uvicorn with --reload watching the service code and the learner's workspace."""
    command = [
        "python", "-m", "uvicorn", f"{GATE_MODULE}:app" if gated else service.app,
        "--host", "0.0.0.0", "--port", str(service.container_port),
        "--app-dir", SERVICE_DIR,
        "--reload", "--reload-dir", SERVICE_DIR,
        "--no-access-log",  # the service kit logs every request itself, as JSON
    ]  # fmt: skip
    if workspace:
        command += ["--reload-dir", WORKSPACE_MOUNT]
    return command


def nats_command(service: Service) -> list[str]:
    """Arguments to the image's nats-server entrypoint: JetStream on, its store in /data."""
    return ["-a", "0.0.0.0", "-p", str(service.container_port), "-js", "-sd", DATA_MOUNT]


def service_spec(
    lab: Lab,
    service: Service,
    run_id: str,
    image: str,
    *,
    network: str,
    workspace: str | None,
    image_pythonpath: str | None = None,
    force_polling: bool = False,
    gate_dir: str | None = None,
) -> ContainerSpec:
    """The container of one service.

    `workspace` is the host folder to mount, if any (mounted only when `service.workspace`);
    `gate_dir` the run's gate folder (with the gate module and an `open/` folder of gate files),
    when the start is gated.
    """
    volumes = {v.owner: v.name for v in volumes_of(lab, run_id)}
    name = names.container_name(lab.id, service.name, run_id)
    run_labels = labels.run_labels(lab.id, run_id, service=service.name, role="service")
    mounts = [MountSpec(DATA_MOUNT, volumes[f"data-{service.name}"])]
    mounts += [
        MountSpec(v.mount, volumes[f"vol-{v.name}"], read_only=v.read_only) for v in service.volumes
    ]
    if service.kind is ServiceKind.NATS:
        return ContainerSpec(
            name=name,
            service=service.name,
            image=image,
            command=nats_command(service),
            labels=run_labels,
            mounts=mounts,
            network=network,
            aliases=[service.name],
            hostname=service.name,
        )
    if not service.workspace:
        # It loads no learner files: no mount, no WORKSPACE, and a save does not restart it.
        workspace = None
    if workspace is not None:
        mounts.append(MountSpec(WORKSPACE_MOUNT, workspace, kind="bind", read_only=True))
    if gate_dir is not None:
        mounts.append(MountSpec(GATE_MOUNT, gate_dir, kind="bind", read_only=True))
    sidecar = service.sidecar_of is not None
    return ContainerSpec(
        name=name,
        service=service.name,
        image=image,
        command=uvicorn_command(
            service, workspace=workspace is not None, gated=gate_dir is not None
        ),
        labels=run_labels,
        environment=service_env(
            lab,
            service,
            run_id,
            workspace=workspace is not None,
            image_pythonpath=image_pythonpath,
            force_polling=force_polling,
            gated=gate_dir is not None,
        ),
        mounts=mounts,
        network=None if sidecar else network,
        aliases=[] if sidecar else [service.name],
        network_mode=(
            f"container:{names.container_name(lab.id, service.sidecar_of, run_id)}"
            if service.sidecar_of
            else None
        ),
        # A container in another's network namespace has that one's hostname.
        hostname=None if sidecar else service.name,
        working_dir=SERVICE_DIR,
    )


def primer_specs(lab: Lab, run_id: str, image: str) -> list[ContainerSpec]:
    """Containers that give the broker's fresh volumes to the service user; never started.

    A new named volume takes the owner of the folder it is first mounted on, when the engine
    *creates* the container (copy-up). The bakery's images carry every mount point of a python
    service owned by uid 10001 (`/data` in the base image, declared volumes in the thin ones),
    so their volumes need nothing. The broker's image is `FROM scratch` and has no `/data`: one
    container of a python image, mounting the volume on its `/data`, is created and removed
    again before the broker's container exists. No container runs as root for this.
    """
    volumes = {v.owner: v.name for v in volumes_of(lab, run_id)}
    primed = [f"data-{s.name}" for s in lab.services if s.kind is ServiceKind.NATS]
    primed += [f"vol-{v.name}" for s in lab.services if s.kind is ServiceKind.NATS
               for v in s.volumes]  # fmt: skip
    return [
        ContainerSpec(
            name=names.role_container_name(lab.id, run_id, f"primer-{index}"),
            service="primer",
            image=image,
            command=["true"],
            labels=labels.run_labels(lab.id, run_id, role="primer"),
            mounts=[MountSpec(DATA_MOUNT, volumes[owner], read_only=True)],
            network_mode="none",
            mem_limit="16m",
            pids_limit=4,
        )
        for index, owner in enumerate(dict.fromkeys(primed))
    ]


def python_command(script: str, *args: str) -> list[str]:
    return ["python", "-c", script, *args]


def image_pythonpath(image_env: list[str] | None) -> str | None:
    """PYTHONPATH from an image's `Config.Env` (`["KEY=value", ...]`), to extend, not replace."""
    for item in image_env or []:
        key, _, value = item.partition("=")
        if key == "PYTHONPATH":
            return value or None
    return None


def main_services(lab: Lab) -> list[Service]:
    """Services with a network namespace of their own (everything but sidecars)."""
    return [s for s in lab.services if s.sidecar_of is None]


def sidecars_of(lab: Lab, main: str) -> list[Service]:
    return [s for s in lab.services if s.sidecar_of == main]
