"""The log shipper: every line of legacy-app's log to the collector, once, in order.

The saved state names the file being shipped (by identity, which survives a rename) and the
offset reached in it. Lines get ids from that identity and their offset, so the same line has
the same id however often it is read: a batch re-sent after a crash is recognised, not doubled.
"""

from __future__ import annotations

from typing import Any


async def ship_once(logs: Any, collector: Any, offsets: Any) -> int:
    files = logs.files()
    if not files:
        return 0  # no log yet: wait for the app's first line
    state = offsets.load()
    position = next((i for i, f in enumerate(files) if f.identity == state.get("file")), None)
    if position is None:
        # Nothing saved, or the file we were in was rotated away twice: start at the oldest.
        position, offset = 0, 0
    else:
        offset = int(state.get("offset", 0))
    current = files[position]
    chunk = logs.read(current, offset)
    if chunk.lines:
        batch = [{"id": f"{current.identity}@{line.offset}", "text": line.text}
                 for line in chunk.lines]  # fmt: skip
        # Send first, save second: a crash in between re-sends this batch under the same ids.
        await collector.send(batch)
        offsets.save({"file": current.identity, "offset": chunk.end})
        return len(batch)
    if position + 1 < len(files):
        # Our file was rotated and is read to its end: go on with the next one from its start.
        offsets.save({"file": files[position + 1].identity, "offset": 0})
        return 1
    return 0
