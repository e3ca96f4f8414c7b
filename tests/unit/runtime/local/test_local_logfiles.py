"""Log files: the last lines of big files, and following several files as they grow."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from workbench.runtime.local.logfiles import follow_logs, tail_lines


def test_tail_of_a_big_file_and_of_a_missing_one(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("".join(f"line {i} {'x' * 100}\n" for i in range(5000)))
    assert [line.split()[1] for line in tail_lines(log, 3)] == ["4997", "4998", "4999"]
    assert len(tail_lines(log, None)) == 5000
    assert tail_lines(log, 0) == []
    assert tail_lines(tmp_path / "missing.log", 5) == []


def test_follow_prints_the_tail_then_new_whole_lines_of_every_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("old a 1\nold a 2\n")
    b.write_text("")
    done = threading.Event()

    def write() -> None:
        time.sleep(0.1)
        with b.open("a") as f:
            f.write("new b 1\nhalf")
        time.sleep(0.1)
        with b.open("a") as f:
            f.write(" line\n")
        with a.open("a") as f:
            f.write("new a 3\n")
        time.sleep(0.3)
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen = [
        (line.service, line.text)
        for line in follow_logs({"a": a, "b": b}, tail=1, until=done.is_set, interval=0.02)
    ]
    writer.join()
    assert [text for name, text in seen if name == "a"] == ["old a 2", "new a 3"]
    assert [text for name, text in seen if name == "b"] == ["new b 1", "half line"]
