"""Checks: the pytest plugin, runner, reports, progress and lab self-tests.

Lab checks import only `eventually` from here; this module stays light (no pytest, no rich) so a
check file imports fast and the front ends can import the results model without the runner.
"""

from workbench.checks.wait import eventually

__all__ = ["eventually"]
