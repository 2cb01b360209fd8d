"""A lean HTTP/1.1 keep-alive client for load benchmarks.

On a two-core machine the load generator shares the CPU with the server it measures. httpx
costs about 1-2 ms of CPU per request, as much as the server's whole write path, so it capped
what a run could show. Like wrk or hey, this client prebuilds its request head and parses only
the status line and Content-Length: about a tenth of that cost. It speaks just enough HTTP for
JSON POSTs to our own server on loopback; anything else (chunked replies, redirects, TLS) is
out of scope, and an unexpected reply raises rather than being guessed at.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class LeanConnection:
    """One keep-alive connection; `post_json` returns the status code (the body is read and
    dropped, as a real client would read it)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        url = urlsplit(base)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"lean client speaks plain http to a host: {base!r}")
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/")
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._head = f"Host: {self.host}:{self.port}\r\n{extra}Content-Type: application/json\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> LeanConnection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass

    async def post_json(self, path: str, body: Any) -> int:
        assert self._reader is not None and self._writer is not None, "use `async with`"
        payload = json.dumps(body).encode()
        self._writer.write(
            f"POST {self.prefix}{path} HTTP/1.1\r\n{self._head}Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        if length is None:
            raise RuntimeError(f"reply without Content-Length: {head[:200]!r}")
        await self._reader.readexactly(length)
        return status
