"""Runtimes run a lab's services: `local` (processes, the embedded default) and `docker`.

This package holds the contract and what both runtimes share: `base` (the `Runtime` protocol,
`Deployment`, statuses), `runs` (run folders), `readiness` (probes and the one wait loop),
`stale` (runs whose CLI died), `fault_record` (the active faults of a run), `kitadmin` (the
service kit's admin calls), `gc` (run folders and local processes), `select` (choosing a
runtime) and `sandbox` (where learner code runs outside the services: the host's `HostPython`;
the Docker runtime's is `runtime.docker.sandbox`). Each runtime is a package of its own:
`runtime.local`, `runtime.docker`.
"""
