"""A mutation's fingerprint: ten hex characters that name it across unrelated edits of the file.

It hashes what the mutation is, not where it is: the file, the enclosing function's qualified
name, the operator, the mutated node's source text with its layout ignored, the replacement, and
the occurrence among identical (function, operator, text, replacement) mutations of that function
(the second `0.05` in `_retry` is not the first). Adding a function above, or re-wrapping a line,
keeps it; changing the mutated code, or moving it to another function, gives a new one, and the
lab's `mutants/EQUIVALENT.md` then reports the old one as stale.
"""

from __future__ import annotations

import hashlib

LENGTH = 10


def fingerprint(
    file: str, qualname: str, operator: str, *, node_text: str, replacement: str, occurrence: int
) -> str:
    parts = (file, qualname, operator, node_text, replacement, str(occurrence))
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
    return digest[:LENGTH]
