"""Checking a URL when it is saved (a webhook, an agent's endpoint), for a clear message in
the form. This is a courtesy, not the guard: DNS can change after the check, so every
connection is checked again when it is made (`outbound.client`)."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

from mission_control.outbound.policy import Policy, Refused, as_ip

# Saving a form must not hang on a slow resolver: past this, the name is taken as it is.
RESOLVE_TIMEOUT_S = 2.0
_resolver = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbound-resolve")


def _addresses(host: str, port: int) -> list[str]:
    try:
        future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        infos = future.result(timeout=RESOLVE_TIMEOUT_S)
    except (OSError, FutureTimeout):
        return []  # not resolvable now: the connect-time check decides later
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(url: str, policy: Policy) -> str | None:
    """Why the policy would refuse `url` (its host as written or as it resolves now), or None.
    The scheme and shape of the URL are the caller's to check."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if not host:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the port is not a number from 1 to 65535"
    try:
        policy.check_name(host, port)
        addresses = [host] if as_ip(host) is not None else _addresses(host, port)
        for address in addresses:
            policy.check_address(host, address, port)
    except Refused as exc:
        return f"refused: {exc}"
    return None
