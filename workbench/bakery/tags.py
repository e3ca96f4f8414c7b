"""Image tags of the bakery: every tag starts with one repository prefix (`workbench/` by default).

What an image *is* (root, base, a lab's service, the broker) is in its `io.workbench.` labels
(`workbench.dockerengine.labels`); the tag's hash part says which inputs made it.
"""

from __future__ import annotations

import os

PREFIX_ENV = "WORKBENCH_IMAGE_PREFIX"
DEFAULT_PREFIX = "workbench"


def repository() -> str:
    """Prefix of every tag the bakery makes: workbench/root, workbench/base, workbench/<lab>-<svc>.

    WORKBENCH_IMAGE_PREFIX gives a separate set of images on the same engine (the cold-bake
    benchmark uses it so it neither reuses nor disturbs the images everyone else runs on).
    """
    return os.environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX
