"""HTTP clients for the checks' process, all on one TLS context.

An httpx client reads and parses the CA bundle into a new TLS context when it is made: 50–90 ms
each here, although the lab's services speak plain HTTP. A check makes two or three clients (its
`http`, its `stats`, a lab helper's own), so a lab of thirty checks spent seconds on it. Lab
checks that need a client of their own make it with `client(...)` too.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


@cache
def tls() -> ssl.SSLContext:
    """The process's one TLS context (made on first use: most runs never speak TLS)."""
    import httpx

    return httpx.create_ssl_context()


def client(**options: Any) -> httpx.Client:
    """`httpx.Client(**options)` on the shared TLS context."""
    import httpx

    options.setdefault("verify", tls())
    return httpx.Client(**options)
