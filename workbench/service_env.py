"""The service environment contract: what a runtime tells a lab service, and how it reads it back.

Every value a service needs comes from its environment (12-factor); the runtime decides each one
(loopback ports locally, DNS names and mount points in Docker) and the service never guesses.
Names follow lab.yaml: a peer `payment-gateway` is `PAYMENT_GATEWAY_URL`, a volume `audit-log` is
`VOLUME_AUDIT_LOG`.

Both runtimes build the environment with `service_env()` (each with its own addresses and paths)
and the service kit reads it back with `peers_from()`, `volumes_from()` and the names below. This
module imports nothing (it is copied into the images with the service kit), so the contract can
be read in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

SERVICE_NAME = "SERVICE_NAME"
PORT = "PORT"
"""The port the service listens on (inside its container, or on 127.0.0.1 locally)."""
NATS_URL = "NATS_URL"
"""The broker, when the lab has one (`nats://...`)."""
WORKSPACE = "WORKSPACE"
"""The learner's workspace, for services that load learner files."""
DATA_DIR = "DATA_DIR"
"""The service's own writable folder, kept across restarts of the service."""
LAB = "WORKBENCH_LAB"
RUN_ID = "WORKBENCH_RUN_ID"
"""Also how `workbench gc` finds a local process that was spawned but not yet recorded."""
APP = "WORKBENCH_APP"
"""The service's ASGI app (`app:app`), which the start gate loads once its gate opens."""
GATE = "WORKBENCH_GATE"
"""The file whose existence opens the service's gate (its dependencies are ready)."""
CRASH_EXIT_LOG = "crash point reached: exiting now"
"""What the kit logs as its last line when a crash point ends the process. Under uvicorn's
reloader the container outlives its worker, so this line is how the Docker runtime tells a
service a crash point ended from one still starting."""

URL_SUFFIX = "_URL"
"""`<PEER>_URL`: the base URL of a python peer service."""
VOLUME_PREFIX = "VOLUME_"
"""`VOLUME_<NAME>`: where a declared volume is mounted."""
NOT_PEERS = frozenset({NATS_URL})
"""Variables ending in _URL that are not peers."""


def env_key(name: str) -> str:
    """`payment-gateway` -> `PAYMENT_GATEWAY` (how lab names become env var stems)."""
    return name.upper().replace("-", "_")


def lab_name(key: str) -> str:
    """`PAYMENT_GATEWAY` -> `payment-gateway` (inverse of env_key; lab names have no `_`)."""
    return key.lower().replace("_", "-")


def peer_var(peer: str) -> str:
    """`payment-gateway` -> `PAYMENT_GATEWAY_URL`."""
    return env_key(peer) + URL_SUFFIX


def volume_var(volume: str) -> str:
    """`audit-log` -> `VOLUME_AUDIT_LOG`."""
    return VOLUME_PREFIX + env_key(volume)


def service_env(
    *,
    service: str,
    port: int,
    lab: str,
    run_id: str,
    peers: Mapping[str, str],
    nats_url: str | None,
    data_dir: str,
    volumes: Mapping[str, str],
    workspace: str | None = None,
    app: str | None = None,
    gate: str | None = None,
) -> dict[str, str]:
    """The contract's variables for one python service, from the runtime's own addresses.

    `peers`: peer service -> base URL (the service itself is left out); `volumes`: declared
    volume -> where the service sees it; `app` and `gate` only for a gated start.
    """
    env = {peer_var(peer): url for peer, url in peers.items() if peer != service}
    if nats_url is not None:
        env[NATS_URL] = nats_url
    if workspace is not None:
        env[WORKSPACE] = workspace
    env[DATA_DIR] = data_dir
    env.update({volume_var(name): path for name, path in volumes.items()})
    env.update({SERVICE_NAME: service, PORT: str(port), LAB: lab, RUN_ID: run_id})
    if app is not None:
        env[APP] = app
    if gate is not None:
        env[GATE] = gate
    return env


def peers_from(env: Mapping[str, str], service: str) -> dict[str, str]:
    """Peer service -> base URL, from every `<PEER>_URL` with an http(s) URL (not the service's
    own, not NATS_URL)."""
    peers: dict[str, str] = {}
    for key, value in env.items():
        if key.endswith(URL_SUFFIX) and key not in NOT_PEERS and value.startswith("http"):
            peer = lab_name(key[: -len(URL_SUFFIX)])
            if peer != service:
                peers[peer] = value.rstrip("/")
    return peers


def volumes_from(env: Mapping[str, str]) -> dict[str, str]:
    """Volume name -> where it is mounted, from every non-empty `VOLUME_<NAME>`."""
    return {
        lab_name(key[len(VOLUME_PREFIX) :]): value
        for key, value in env.items()
        if key.startswith(VOLUME_PREFIX) and value
    }
