"""Looking an image up by tag or id."""

from __future__ import annotations

from typing import Any

import docker
from docker.errors import APIError, ImageNotFound


def find_image(client: docker.DockerClient, name: str) -> Any | None:
    """The image with this tag or id, or None."""
    try:
        return client.images.get(name)
    except ImageNotFound:
        return None
    except APIError as exc:
        if exc.status_code == 404:
            return None
        raise
