"""Configuration of a lab service, read only from the environment (12-factor).

The runtime decides every value (loopback ports locally, container DNS names in Docker); the
service never guesses. The variables are the contract in `workbench.service_env` (the one module
of the workbench the kit imports): a peer `payment-gateway` comes from `PAYMENT_GATEWAY_URL`, a
volume `audit-log` from `VOLUME_AUDIT_LOG`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from workbench import service_env as contract
from workbench.servicekit.errors import KitConfigError

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def host_port(url: str) -> str:
    """`http://orders:8000/x` -> `orders:8000` (default ports filled in), for matching calls.

    Loopback names are one host: locally `localhost:41234` is the peer at `127.0.0.1:41234`.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{'127.0.0.1' if host in _LOOPBACK else host}:{port}"


@dataclass(frozen=True)
class Settings:
    service: str
    peers: dict[str, str] = field(default_factory=dict)
    """Peer service name -> base URL, from every `<PEER>_URL` with an http(s) URL."""
    nats_url: str | None = None
    workspace: Path | None = None
    data_dir: Path | None = None
    volumes: dict[str, Path] = field(default_factory=dict)
    """Volume name -> where it is mounted, from `VOLUME_<NAME>`."""
    lab: str | None = None
    run_id: str | None = None
    port: int | None = None

    @classmethod
    def from_env(cls, name: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        service = name or env.get(contract.SERVICE_NAME)
        if not service:
            raise KitConfigError(
                f"{contract.SERVICE_NAME} is not set: start the service with `workbench lab "
                "start`, or pass ServiceKit(name=...) when running it by hand"
            )
        port = env.get(contract.PORT)
        workspace = env.get(contract.WORKSPACE)
        data_dir = env.get(contract.DATA_DIR)
        return cls(
            service=service,
            peers=contract.peers_from(env, service),
            nats_url=env.get(contract.NATS_URL) or None,
            workspace=Path(workspace) if workspace else None,
            data_dir=Path(data_dir) if data_dir else None,
            volumes={name: Path(path) for name, path in contract.volumes_from(env).items()},
            lab=env.get(contract.LAB) or None,
            run_id=env.get(contract.RUN_ID) or None,
            port=int(port) if port and port.isdigit() else None,
        )

    def peer_url(self, peer: str) -> str:
        try:
            return self.peers[peer]
        except KeyError:
            raise KitConfigError(
                f"{self.service} has no address for peer {peer!r}: {contract.peer_var(peer)} is "
                f"not set. Is {peer!r} a python service of this lab (see lab.yaml)?"
            ) from None

    def peer_for(self, url: str) -> str | None:
        """The peer a URL points at (by host and port), so raw-URL calls count as peer calls."""
        target = host_port(url)
        for peer, base in self.peers.items():
            if host_port(base) == target:
                return peer
        return None

    def volume(self, name: str) -> Path:
        try:
            return self.volumes[name]
        except KeyError:
            raise KitConfigError(
                f"{self.service} has no volume {name!r}: {contract.volume_var(name)} is not set. "
                f"Declare it under the service's `volumes:` in lab.yaml."
            ) from None

    def data_path(self) -> Path:
        """The service's own writable folder (survives a restart of the service)."""
        if self.data_dir is None:
            raise KitConfigError(
                f"{self.service}: {contract.DATA_DIR} is not set; the runtime provides it"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def require_nats(self) -> str:
        if not self.nats_url:
            raise KitConfigError(
                f"{self.service}: {contract.NATS_URL} is not set. Does the lab declare a broker "
                f"(a service with `kind: nats`)?"
            )
        return self.nats_url
