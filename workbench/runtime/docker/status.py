"""What `status` says about each service: the container's state, then its readiness.

One engine call lists the run's containers; running ones are probed (their readiness path, or the
broker's greeting, through the edge) in parallel, so a hung service costs one probe timeout, not
one per service.
"""

from __future__ import annotations

import docker
from docker.models.containers import Container

from workbench.dockerengine import labels
from workbench.dockerengine.parallel import parallel
from workbench.runtime import fault_record
from workbench.runtime.base import Deployment, Endpoint, ServiceState, ServiceStatus
from workbench.runtime.docker import network
from workbench.runtime.docker.containers import log_tail, run_containers
from workbench.runtime.docker.waits import crash_point_exit, started_at, worker_died
from workbench.runtime.readiness import nats_ready, readiness_report

PROBE_TIMEOUT = 1.0


def service_statuses(client: docker.DockerClient, deployment: Deployment) -> list[ServiceStatus]:
    found: dict[str, Container] = {}
    for container in run_containers(client, deployment.run_id):
        if container.labels.get(labels.ROLE) == "service":
            found[container.labels[labels.SERVICE]] = container
    faults = fault_record.by_service(deployment)
    sidecars: dict[str, str] = dict(deployment.extra.get("sidecars", {}))
    paths = _readiness_paths(deployment)

    def one(name: str) -> ServiceStatus:
        endpoint = deployment.endpoints[name]
        state, detail = _state(found.get(name), endpoint, deployment, paths.get(name, "/ready"))
        if name in sidecars:
            detail = f"sidecar of {sidecars[name]}" + (f"; {detail}" if detail else "")
        return ServiceStatus(name, state, endpoint.url, detail, tuple(faults.get(name, ())))

    return parallel(one, list(deployment.endpoints))


def _state(
    container: Container | None, endpoint: Endpoint, deployment: Deployment, path: str
) -> tuple[ServiceState, str]:
    if container is None:
        return ServiceState.STOPPED, "no container"
    state = container.attrs.get("State", {})
    status = state.get("Status", container.status)
    if status == "paused":
        return ServiceState.PAUSED, "paused (docker pause)"
    if status in ("exited", "dead"):
        code = state.get("ExitCode")
        if code == 0:
            return ServiceState.STOPPED, "exited"
        reason = "killed (SIGKILL)" if code == 137 else f"exited with code {code}"
        if state.get("OOMKilled"):
            reason = "killed: out of memory"
        return ServiceState.CRASHED, reason
    if status in ("created", "restarting"):
        return ServiceState.STARTING, "not started yet" if status == "created" else "restarting"
    partitioned = network.is_partitioned(container, deployment.lab_id, deployment.run_id)
    note = "partitioned: cut off from the lab network" if partitioned else ""
    port = int(endpoint.url.rsplit(":", 1)[1])
    if endpoint.kind == "nats":
        ready, problems = nats_ready(port, PROBE_TIMEOUT), list[str]()
    else:
        ready, problems = readiness_report(port, path, PROBE_TIMEOUT)
    if ready:
        return ServiceState.READY, note
    tail = log_tail(container, 200, since=started_at(container))
    if crash_point_exit(tail):
        return ServiceState.CRASHED, "exited at a crash point"
    if worker_died(tail):
        return ServiceState.CRASHED, "its app failed to load; fix the code and save to reload"
    return ServiceState.STARTING, "; ".join(filter(None, [note, *problems])) or "not ready yet"


def _readiness_paths(deployment: Deployment) -> dict[str, str]:
    """Each service's readiness path, from the lab (the default when the lab cannot be read)."""
    from workbench.lab import load_lab

    try:
        return {s.name: s.readiness for s in load_lab(deployment.lab_path).services}
    except Exception:  # the lab folder changed since the start: probe the default path
        return {}
