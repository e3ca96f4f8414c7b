"""Generated mutants: single-point mutations of a lab's solution, run against its checks.

`operators` makes the mutations (text edits spliced into the solution's source), `fingerprint`
names each one stably, `equivalents` reads the lab's reviewed harmless survivors, `engine` runs
the checks on each mutant with the lab started once, and `report` counts and explains the result.
"""
