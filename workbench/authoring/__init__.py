"""Tools for lab authors, run on the author's machine: the self-test and mutants.

`selftest` proves a lab's checks (they fail on starter/, pass on solution/, reject every mutant);
`mutants` reads `mutants/<name>.patch` and lays each over a copy of the solution with `patches`, a
strict unified-diff applier. The rules lab.yaml must follow stay in `workbench.lab.rules`: the lab
loader applies them every time a lab is read.
"""
