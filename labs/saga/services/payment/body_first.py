"""Read a request's whole body before anything else runs, as a real server would.

The service kit's latency fault waits *before* the endpoint runs. If the caller gives up during
that wait, Starlette would find the connection closed when it reads the body, and the work would
silently never happen. A slow participant in a real system still does the work after its caller
timed out — that is exactly the ambiguity this lab teaches (the step happened, the answer was
lost) — so this wrapper receives the body first and replays it to the app.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # disconnected before the body arrived: nothing to do the work with
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
