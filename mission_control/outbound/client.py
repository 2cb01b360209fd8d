"""The one HTTP client for requests this server sends to URLs that tenants chose (webhooks,
agent drivers, any future fetch).

- Every address is checked when the connection is made: the host name is resolved here, each
  resolved address goes through the policy, and the socket connects to the checked address
  (TLS still verifies the certificate for the name). A check made earlier, by name, would
  let DNS rebinding through.
- Redirects are never followed, and proxy settings from the environment are ignored (a
  proxy would connect on our behalf, unchecked).
- Each request has one overall deadline (connect, send and the whole answer), so a server
  that drips a byte at a time cannot hold a send for longer than that.
- The answer is read up to a size cap, and uncompressed within the same cap.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import socket
import ssl
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import anyio
import certifi
import httpcore
import httpx

from mission_control.config import get_settings
from mission_control.outbound.policy import (
    OutboundError,
    Policy,
    Refused,
    TimedOut,
    TooLarge,
    Unreachable,
)

PolicySource = Callable[[], Policy]


def current_policy() -> Policy:
    """The deployment's policy, read on every connection (so a changed setting applies)."""
    return Policy.from_setting(get_settings().outbound_allow)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking before it connects."""

    def __init__(self, policy: PolicySource) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        policy = self._policy()
        policy.check_name(host, port)
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"could not resolve {host}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:  # every one: a mixed answer must not pick the private one
            policy.check_address(host, address, port)
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("unix sockets are not an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: PolicySource, *, max_connections: int) -> None:
        super().__init__(trust_env=False)
        # httpx has no public way to pass a network backend: give it a pool that uses ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=max_connections,
            max_keepalive_connections=min(20, max_connections),
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(policy),
        )


@dataclass(frozen=True)
class Answer:
    """A complete answer (body read within the cap)."""

    status_code: int
    host: str
    content: bytes
    headers: httpx.Headers

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def status_line(self) -> str:
        """What may be shown of a failed answer: never its body."""
        return f"HTTP {self.status_code} from {self.host}"

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class Client:
    """Use as `async with Client() as c: answer = await c.post(url, ...)`."""

    def __init__(
        self,
        policy: PolicySource = current_policy,
        *,
        max_connections: int = 100,
        user_agent: str = "mission-control",
    ) -> None:
        self._http = httpx.AsyncClient(
            transport=GuardedTransport(policy, max_connections=max_connections),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent},
        )

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def post(
        self,
        url: str,
        *,
        deadline_s: float,
        max_bytes: int | None = None,
        content: bytes | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST and read the answer, all within `deadline_s`. `max_bytes=0` skips the body
        (a webhook receiver's answer is only its status); None means the deployment's cap."""
        cap = get_settings().outbound_max_response_bytes if max_bytes is None else max_bytes
        try:
            host = httpx.URL(url).host or "?"
        except httpx.InvalidURL as exc:
            raise Refused("the URL is not valid") from exc
        try:
            async with asyncio.timeout(deadline_s):
                async with self._http.stream(
                    "POST", url, content=content, json=json, timeout=deadline_s,
                    headers={**(headers or {}), "Accept-Encoding": "identity"},
                ) as resp:
                    body = await _read(resp, cap, host) if cap else b""
                    return Answer(resp.status_code, host, body, resp.headers)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise TimedOut(f"{host} did not answer within {deadline_s:g} s") from exc
        except OutboundError:
            raise
        except httpx.HTTPError as exc:
            raise Unreachable(f"could not reach {host} ({exc.__class__.__name__})") from exc


async def _read(resp: httpx.Response, cap: int, host: str) -> bytes:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"{host} answered more than {cap} bytes")
    chunks, total = [], 0
    async for chunk in resp.aiter_raw():
        total += len(chunk)
        if total > cap:
            raise TooLarge(f"{host} answered more than {cap} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise Unreachable(f"{host} answered in an encoding we did not ask for ({encoding[:20]})")
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, detected
    try:
        body = inflate.decompress(raw, cap + 1)
    except zlib.error as exc:
        raise Unreachable(f"{host} answered a body that does not decompress") from exc
    if len(body) > cap or inflate.unconsumed_tail:
        raise TooLarge(f"{host} answered more than {cap} bytes (uncompressed)")
    return body
