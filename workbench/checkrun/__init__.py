"""Running checks, on the host: the runner, the results model, reports, progress.

The runner starts the lab's checks in a pytest subprocess (which loads `workbench.checks.plugin`,
the lab authors' in-pytest API), reads its event lines (`workbench.checks.wire`) and builds one
`CheckRun` (`results`, schema in SCHEMA.md) that every front end renders (`report`: rich, JSON,
JUnit XML) and records (`progress`). `imports` is the pre-check that each learner file loads.
A process that checks often forks that subprocess from a warm one (`warm`, `forkserver`).

Apart from `forkserver` (the warm checks process itself, which imports what checks use), this
package never runs inside the checks' pytest process; of `workbench.checks` it imports only the
wire format.
"""
