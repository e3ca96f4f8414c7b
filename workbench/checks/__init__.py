"""The lab authors' API: what runs inside the checks' pytest process.

The pytest plugin (`plugin`, loaded by the host's runner with `-p workbench.checks.plugin`), the
fixtures lab checks ask for (`fixtures`; what the system really did: `stats`, `topology`,
`events`), `eventually` (`wait`), fault injection from a check (`faults`), naming the service a
check could not reach and the learner's line that held its event loop (`stalls`), turning what
a check raised into a sentence (`messages`) and the event lines the plugin writes for the host
(`wire`). The host side (runner, results, reports) is `workbench.checkrun`;
nothing here imports it.

Lab checks import `eventually`, `learner_design` (the learner's design graph, `design`) and, for a
fixture wider than one check, `Faults` from here; this
module stays light (no pytest, no rich) so a check file imports fast.
"""

from workbench.checks.design import learner_design
from workbench.checks.faults import Faults
from workbench.checks.wait import eventually

__all__ = ["Faults", "eventually", "learner_design"]
