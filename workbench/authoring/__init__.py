"""Tools for lab authors, run on the author's machine: the self-test of a lab's checks.

`selftest` proves a lab's checks (they fail on starter/, pass on solution/, reject every mutant).
The rules lab.yaml must follow stay in `workbench.lab.rules`: the lab loader applies them every
time a lab is read.
"""
