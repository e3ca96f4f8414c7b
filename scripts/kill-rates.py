"""Print each lab's kill rate from the reports `make mutate` wrote (`.mutate/<lab>.json`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(folder: str) -> None:
    for path in sorted(Path(folder).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        rate = data["kill_rate"]
        counts = data["counts"]
        print(
            f"{path.stem}: kill rate {rate:.1%}" if rate is not None else f"{path.stem}: no rate",
            f"({counts['survived']} survived, {counts['equivalent']} equivalent, "
            f"{data['generated']} generated, {data['duration'] / 60:.1f} min)",
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".mutate")
