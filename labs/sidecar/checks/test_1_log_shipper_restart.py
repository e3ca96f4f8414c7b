"""Exercise log-shipper, the restart that meets a rotation: a shipper that was down while the app
rotated its log must come back to the file it was in, wherever that file is now."""

from __future__ import annotations

import pytest
from conftest import Logs, judge_once_in_order, marker

from workbench.checks import Faults

RESTART_WAIT_S = 4.0


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "Save which file you were in (its identity) with the offset: after a restart the offset "
    "belongs to that file, which may be app.log.1 by now, not to whatever app.log is."
)
def test_a_shipper_down_during_a_rotation_finishes_the_old_file(logs: Logs, faults: Faults) -> None:
    text = marker("down-rotation")
    before = logs.write(3, f"{text} before")
    logs.wait_collected(text, before)
    faults.kill("shipper")
    old = logs.write(4, f"{text} old file, while down")
    logs.rotate()
    new = logs.write(3, f"{text} new file, while down")
    faults.restart("shipper")
    expected = before + old + new
    found = logs.wait_collected(text, expected, within=RESTART_WAIT_S)
    judge_once_in_order(
        found,
        expected,
        "while the shipper was down, the app wrote 4 lines, rotated its log (app.log became "
        "app.log.1) and wrote 3 more; then the shipper was restarted",
        logs.shipper_error(),
    )
