"""Calls to a service kit's admin endpoints (`/_admin/faults`), with errors a user can act on.

Standard library only: the CLI and the runtime use it, and importing httpx would cost start time.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from workbench.errors import WorkbenchError


def call(
    base_url: str,
    method: str,
    path: str,
    body: object = None,
    *,
    service: str,
    lab_id: str,
    timeout: float = 3.0,
) -> dict[str, object]:
    """One JSON request to the kit of the service at base_url; the decoded JSON object back."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise WorkbenchError(
            f"service {service!r} does not answer on its admin endpoint ({exc or 'timeout'})",
            f"is it running, or paused? see `workbench lab status {lab_id}`",
        ) from None
    finally:
        conn.close()
    if response.status >= 400:
        raise WorkbenchError(
            f"service {service!r} refused {method} {path}: HTTP {response.status} "
            f"{raw[:300].decode('utf-8', 'replace')}",
            "check the fault options (see `workbench fault --help`)",
        )
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
