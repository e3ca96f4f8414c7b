"""Exercise log-shipper: every line of the app's log reaches the collector once, in order —
across a rotation, a kill, a crash on either side of the save, and a collector outage."""

from __future__ import annotations

import time

import pytest
from conftest import SHIP_WAIT_S, Logs, judge_once_in_order, marker, short

from workbench.checks import Faults

QUIET_S = 0.5
RESTART_WAIT_S = 4.0
"""After a restart the shipper must catch up: its start plus the usual two seconds."""


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "Read the whole lines after your offset, send them, then save the offset "
    "where the last one ended."
)
def test_every_line_reaches_the_collector_whole_and_in_order(logs: Logs) -> None:
    text = marker("order")
    expected = logs.write(5, text)
    # A line the app has begun but not finished: no one may see half of it.
    logs.write_lines([], tail=f"{text} half of a line, the rest comes")
    found = logs.wait_collected(text, expected)
    judge_once_in_order(found, expected, "the app wrote 5 lines", logs.shipper_error())
    finished = logs.write_lines([" and here it ends"]) + logs.write(2, text)
    found = logs.wait_collected(text, expected + finished)
    judge_once_in_order(found, expected + finished,
                        "the app wrote 5 lines, then a line in two writes and 2 more",
                        logs.shipper_error())  # fmt: skip


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "When the file you were shipping is now app.log.1, read it to its end, "
    "then go on with the new app.log from offset 0."
)
def test_a_rotation_loses_no_line(logs: Logs) -> None:
    text = marker("rotation")
    before = logs.write(2, text)
    logs.wait_collected(text, before)
    # The shipper is kept from reading while the app writes its last lines and rotates, so those
    # lines are in the old file only, unread, when the shipper looks again.
    logs.shipper_loop(running=False)
    try:
        tail = logs.write(4, f"{text} old file")
        logs.rotate()
        head = logs.write(3, f"{text} new file")
    finally:
        logs.shipper_loop(running=True)
    expected = before + tail + head
    found = logs.wait_collected(text, expected)
    judge_once_in_order(
        found,
        expected,
        "the app wrote 4 lines, rotated its log (app.log became "
        "app.log.1) and wrote 3 more in the new app.log",
        logs.shipper_error(),
    )
    after = logs.write(2, f"{text} later")
    found = logs.wait_collected(text, expected + after)
    judge_once_in_order(found, expected + after, "after a rotation, the app wrote 2 more lines",
                        logs.shipper_error())  # fmt: skip


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "When the file you saved is in neither app.log nor app.log.1 any more (two rotations while "
    "you were away), start again from the oldest file there is, at offset 0."
)
def test_a_shipper_that_missed_two_rotations_ships_what_remains(logs: Logs) -> None:
    text = marker("twice")
    before = logs.write(1, f"{text} before")
    logs.wait_collected(text, before)
    # While the shipper is away the app rotates twice: the file it was reading is deleted (its
    # unread lines are gone for everyone), and two files it has never seen remain.
    logs.shipper_loop(running=False)
    try:
        logs.write(2, f"{text} in the file rotated away")
        logs.rotate()
        older = logs.write(2, f"{text} now in app.log.1")
        logs.rotate()
        newest = logs.write(2, f"{text} now in app.log")
    finally:
        logs.shipper_loop(running=True)
    expected = before + older + newest
    found = [
        line for line in logs.wait_collected(text, expected) if "rotated away" not in line["text"]
    ]
    what = "while the shipper was away, the app rotated its log twice (its file is gone)"
    judge_once_in_order(found, expected, what, logs.shipper_error())


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "Keep the offset in offsets.save(), not in a variable: a restarted shipper "
    "starts from what it saved, not from the start of the file."
)
def test_a_killed_shipper_goes_on_where_it_was(logs: Logs, faults: Faults) -> None:
    text = marker("kill")
    first = logs.write(3, f"{text} first")
    logs.wait_collected(text, first)
    second = logs.write(3, f"{text} second")
    logs.wait_collected(text, first + second)
    faults.kill("shipper")
    third = logs.write(4, f"{text} while down")
    faults.restart("shipper")
    expected = first + second + third
    found = logs.wait_collected(text, expected, within=RESTART_WAIT_S)
    judge_once_in_order(found, expected, "the shipper was killed and restarted while the app "
                        "wrote 4 lines", logs.shipper_error())  # fmt: skip
    again = [line for line in found if line["text"] in first and line["times"] > 1]
    assert not again, (
        f"the shipper was killed after shipping two batches and restarted: the collector got "
        f"{len(again)} lines of the older batch again, first {short(again[0]['text'])!r}: a "
        "restarted shipper must go on from the offset it saved, not read the file from the start"
    )


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "A batch sent again after a crash must carry the same ids: derive them from "
    "the file's identity and the line's offset, never from a counter or uuid4()."
)
def test_a_crash_after_sending_doubles_nothing(logs: Logs, faults: Faults) -> None:
    text = marker("resend")
    warm = logs.write(1, f"{text} before")
    logs.wait_collected(text, warm)
    faults.crash_at("shipper", "after-send")
    crashed = logs.write(3, f"{text} crash")
    down = logs.wait_down("shipper")
    assert down, (
        "the shipper was armed to crash right after the collector took its next batch, but it "
        f"kept running: were the 3 new lines ever sent?{logs.shipper_error()}"
    )
    faults.restart("shipper")
    found = logs.wait_collected(text, warm + crashed, within=RESTART_WAIT_S)
    judge_once_in_order(found, warm + crashed, "the shipper crashed right after the collector "
                        "took a batch, before it saved its offset, and was restarted",
                        logs.shipper_error())  # fmt: skip


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "Send first, save second: an offset saved before its lines were sent points "
    "past lines nobody has."
)
def test_a_crash_after_saving_loses_nothing(logs: Logs, faults: Faults) -> None:
    text = marker("save")
    warm = logs.write(1, f"{text} before")
    logs.wait_collected(text, warm)
    faults.crash_at("shipper", "after-save")
    crashed = logs.write(3, f"{text} crash")
    down = logs.wait_down("shipper")
    assert down, (
        "the shipper was armed to crash right after it saved its next offset, but it kept "
        f"running: does it ever call offsets.save()?{logs.shipper_error()}"
    )
    faults.restart("shipper")
    later = logs.write(1, f"{text} after")
    found = logs.wait_collected(text, warm + crashed + later, within=RESTART_WAIT_S)
    judge_once_in_order(found, warm + crashed + later, "the shipper crashed right after saving "
                        "its offset and was restarted", logs.shipper_error())  # fmt: skip


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "When collector.send() raises, save nothing: the same lines are tried again "
    "on the next round, when the collector takes them."
)
def test_a_collector_outage_loses_nothing(logs: Logs, faults: Faults) -> None:
    text = marker("outage")
    warm = logs.write(1, f"{text} before")
    logs.wait_collected(text, warm)
    # The collector refuses the next batches (503) for a while, then takes them again.
    faults.fail_next("collector", 3, route="/lines", method="POST")
    during = logs.write(3, f"{text} while the collector refuses")
    expected = warm + during
    found = logs.wait_collected(text, expected, within=RESTART_WAIT_S)
    judge_once_in_order(found, expected, "the collector refused three batches (503), then took "
                        "them again", logs.shipper_error())  # fmt: skip


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "When there is nothing new to read, return 0: the loop asks again a tenth of a second "
    "later. An exception is for something that went wrong."
)
def test_a_quiet_log_raises_nothing(logs: Logs) -> None:
    since = time.time()
    text = marker("quiet")
    logs.wait_collected(text, logs.write(2, text))
    time.sleep(QUIET_S)  # nothing new: a few rounds of the loop with nothing to ship
    raised = logs.raised_since(since)
    assert not raised, (
        f"the app's log was quiet and the collector took every line, yet {raised}: a shipper "
        "that fails on a quiet log fills its log with errors and ships the next line only "
        "after its back-off"
    )


@pytest.mark.exercise("log-shipper")
@pytest.mark.hint(
    "The shipper only reads the app's log: keep your offsets with "
    "offsets.save(), never in a file beside the log."
)
def test_the_apps_log_is_never_written(logs: Logs) -> None:
    text = marker("untouched")
    logs.wait_collected(text, logs.write(2, text), within=SHIP_WAIT_S)
    files = logs.files()
    assert not files["unexpected"], (
        f"the app's log folder holds {', '.join(files['unexpected'])}, which the app never made: "
        "the shipper must not write beside the log (the volume is read-only in Docker)"
    )
    changed = [f["name"] for f in files["files"] if not f["intact"]]
    assert not changed, (
        f"{', '.join(changed)} no longer holds exactly what the app wrote: the shipper must never "
        "write to, truncate or rename the app's log"
    )
