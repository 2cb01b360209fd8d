"""Which addresses this server may send requests to.

By default only public addresses: a webhook or agent URL is chosen by a tenant (or steered by a
prompt injection), so it must not reach this machine, the private network around it, or the
cloud metadata service. `MC_OUTBOUND_ALLOW` lists the exceptions an operator vouches for
(a local model server, say), as comma-separated entries:

    127.0.0.1:11434        an address and port
    [::1]:8000             an IPv6 address and port
    10.0.0.0/24:8000       a network (CIDR) and port
    ollama:11434           a host name and port (every address it resolves to)
    10.0.0.5  or  10.0.0.5:*   an address (or network, or name) on any port

The check runs on every address a name resolves to, at connect time (`outbound.http`), so a
name that resolves to a public address when the webhook is saved and to a private one later
(DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "MC_OUTBOUND_ALLOW"
# Names of cloud metadata services (their addresses are link-local or private anyway; the
# names are refused too, so the message is clear even where the resolver answers oddly).
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.internal",
    "instance-data", "instance-data.ec2.internal", "metadata.tencentyun.com",
})
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(Exception):
    """A request to another host did not get a usable answer. The message is ours, short,
    and never quotes what the remote host sent (it may echo a secret back).

        OutboundError
         ├── Refused        the destination is not allowed (never worth retrying)
         ├── Unreachable    no connection (refused, reset, no such name)
         ├── TimedOut       no complete answer within the request's deadline
         └── TooLarge       the answer was bigger than the cap
    """

    transient = True


class Refused(OutboundError):
    """The destination is not one this server may send to (the message says why)."""

    transient = False


class Unreachable(OutboundError):
    pass


class TimedOut(OutboundError):
    pass


class TooLarge(OutboundError):
    transient = False


@dataclass(frozen=True)
class Entry:
    name: str | None  # a host name, lower case, or None for a network
    network: Network | None
    port: int | None  # None: any port

    def matches(self, host: str, ip: IPAddress | None, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.name is not None:
            return self.name == host
        return ip is not None and self.network is not None and ip in self.network


def _entry(raw: str) -> Entry:
    text = raw.strip()
    port: int | None = None
    if text.startswith("["):  # [v6] or [v6]:port or [v6/len]:port
        inside, _, rest = text[1:].partition("]")
        target = inside
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{SETTING} entry '{raw}': expected [address]:port")
            port = _port(rest[1:], raw)
    elif text.count(":") == 1:
        target, _, port_text = text.partition(":")
        port = _port(port_text, raw)
    else:
        target = text  # a bare name, IPv4 address or network, or an unbracketed IPv6 address
    if not target:
        raise ValueError(f"{SETTING} entry '{raw}' names no host")
    try:
        return Entry(None, ipaddress.ip_network(target, strict=False), port)
    except ValueError:
        pass
    name = target.lower().rstrip(".")
    if not all(part and (part.replace("-", "").replace("_", "").isalnum()) for part in name.split(".")):
        raise ValueError(f"{SETTING} entry '{raw}' is neither an address, a network nor a host name")
    return Entry(name, None, port)


def _port(text: str, raw: str) -> int | None:
    if text == "*":
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{SETTING} entry '{raw}': '{text}' is not a port (1-65535 or *)")
    return int(text)


@lru_cache(maxsize=8)
def parse_allow(setting: str) -> tuple[Entry, ...]:
    """The entries of an allow-list setting; ValueError naming a malformed one."""
    return tuple(_entry(part) for part in setting.split(",") if part.strip())


def as_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def why_not_public(ip: IPAddress) -> str | None:
    """None for a public unicast address; otherwise what kind of address it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = why_not_public(inner)
            return f"an IPv6 form of {inner}, {why}" if why else None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class Policy:
    allow: tuple[Entry, ...] = ()

    @classmethod
    def from_setting(cls, setting: str) -> Policy:
        return cls(parse_allow(setting))

    def allowed(self, host: str, ip: IPAddress | None, port: int) -> bool:
        return any(e.matches(host, ip, port) for e in self.allow)

    def check_name(self, host: str, port: int) -> None:
        """Refuse a cloud metadata service by name, before resolving it."""
        name = host.lower().rstrip(".")
        if name in METADATA_NAMES and not self.allowed(name, None, port):
            raise Refused(f"{host} is a cloud metadata service")

    def check_address(self, host: str, address: str, port: int) -> None:
        """Refuse one resolved address of `host` unless it is public or allow-listed."""
        ip = as_ip(address)
        if ip is None:
            raise Refused(f"{host} resolved to something that is not an IP address")
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # an allow-list entry for 127.0.0.1 covers ::ffff:127.0.0.1
        name = host.lower().rstrip(".")
        if self.allowed(name, ip, port):
            return
        why = why_not_public(ip)
        if why is None:
            return
        if as_ip(host) is not None:
            raise Refused(f"{ip} is {why}; {self.hint(str(ip), port)}")
        # Not which address: a tenant must not learn how internal names resolve.
        raise Refused(f"{host} resolves to {why.split(' (')[0]}; {self.hint(name, port)}")

    @staticmethod
    def hint(host: str, port: int) -> str:
        target = f"[{host}]" if ":" in host else host
        return f"an operator can allow it by listing {target}:{port} in {SETTING}"
