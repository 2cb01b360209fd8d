"""Request limits: per-key rate limiting (moving windows) and a request body cap."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Protocol

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mission_control.api.errors import error_response
from mission_control.errors import RateLimited


class Windows(Protocol):
    def hit(self, item: RateLimitItem, *ids: str) -> bool: ...
    def test(self, item: RateLimitItem, *ids: str) -> bool: ...
    def reset_at(self, item: RateLimitItem, *ids: str) -> float: ...


class LocalWindows:
    """Moving windows kept in this process: the hit times of each key, oldest first.

    The `limits` library's memory storage starts a timer thread every few milliseconds under
    load and pays for it on every request; a deque per key is O(1) per hit and needs no thread.
    """

    def __init__(self) -> None:
        self._hits: dict[str, tuple[int, deque[float]]] = {}  # key -> (window s, hit times)
        self._lock = threading.Lock()
        self._since_sweep = 0

    def _window(self, item: RateLimitItem, ids: tuple[str, ...], now: float) -> deque[float]:
        key = item.key_for(*ids)
        found = self._hits.get(key)
        if found is None:
            found = self._hits[key] = (item.get_expiry(), deque())
        hits = found[1]
        horizon = now - found[0]
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits

    def hit(self, item: RateLimitItem, *ids: str) -> bool:
        now = time.time()
        with self._lock:
            self._sweep(now)
            hits = self._window(item, ids, now)
            if len(hits) >= item.amount:
                return False
            hits.append(now)
            return True

    def test(self, item: RateLimitItem, *ids: str) -> bool:
        with self._lock:
            return len(self._window(item, ids, time.time())) < item.amount

    def reset_at(self, item: RateLimitItem, *ids: str) -> float:
        now = time.time()
        with self._lock:
            hits = self._window(item, ids, now)
            return (hits[0] if hits else now) + item.get_expiry()

    def _sweep(self, now: float) -> None:
        # Now and then forget keys whose window has emptied (keys and client addresses come
        # and go; their windows must not pile up).
        self._since_sweep += 1
        if self._since_sweep < 10_000:
            return
        self._since_sweep = 0
        for key in [k for k, (span, hits) in self._hits.items() if not hits or hits[-1] <= now - span]:
            del self._hits[key]


class SharedWindows:
    """Moving windows in a `limits` storage (e.g. redis://), shared by every worker."""

    def __init__(self, storage_uri: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, item: RateLimitItem, *ids: str) -> bool:
        return self._limiter.hit(item, *ids)

    def test(self, item: RateLimitItem, *ids: str) -> bool:
        return self._limiter.test(item, *ids)

    def reset_at(self, item: RateLimitItem, *ids: str) -> float:
        return float(self._limiter.get_window_stats(item, *ids).reset_time)


class RateLimiter:
    """Moving-window limits: one for each key, one for refused credentials per client address."""

    def __init__(self, per_key: str, auth_failures: str, storage_uri: str = "memory://") -> None:
        memory = storage_uri.rstrip("/") in ("memory:", "memory:/", "")
        self._windows: Windows = LocalWindows() if memory else SharedWindows(storage_uri)
        self.per_key: RateLimitItem = parse(per_key)
        self.auth_failures: RateLimitItem = parse(auth_failures)

    def _retry_after(self, item: RateLimitItem, *ids: str) -> int:
        return max(1, math.ceil(self._windows.reset_at(item, *ids) - time.time()))

    def hit_key(self, key_id: int) -> None:
        """Count one request for a key; RateLimited (429) once over the limit."""
        if not self._windows.hit(self.per_key, "key", str(key_id)):
            wait = self._retry_after(self.per_key, "key", str(key_id))
            raise RateLimited(
                f"this key is over its limit of {self.per_key}; retry in {wait} s",
                retry_after=wait,
            )

    def check_client(self, client: str) -> None:
        """Refuse a client address that has had too many refused credentials recently."""
        if not self._windows.test(self.auth_failures, "authfail", client):
            wait = self._retry_after(self.auth_failures, "authfail", client)
            raise RateLimited(
                f"too many refused credentials from this address; retry in {wait} s",
                retry_after=wait,
            )

    def record_failure(self, client: str) -> None:
        self._windows.hit(self.auth_failures, "authfail", client)


class BodySizeLimit:
    """ASGI middleware: refuse request bodies over `max_bytes` under `prefix` with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, prefix: str = "/api/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._too_big()(scope, receive, send)
                    return
        # Read the body here (bounded), then replay it: chunked uploads are capped as well.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                chunks = []
                await self.app(scope, _replay([message]), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_big()(scope, receive, send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replay: list[Message] = [
            {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        ]
        await self.app(scope, _replay(replay, receive), send)


    def _too_big(self) -> ASGIApp:
        return error_response(
            413,
            "payload_too_large",
            f"request body is larger than the {self.max_bytes} byte limit",
            {"limit_bytes": self.max_bytes},
        )


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
