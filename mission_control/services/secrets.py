"""The one place that knows which values are secrets, and how they are kept from leaving.

Driver API keys, webhook signing secrets, password hashes and tokens live only in their
database rows and in the code that uses them (drivers, the dispatcher). Everything that
shows or records a row (Reflex state, API responses, audit snapshots, run errors) goes
through `redact`, `public_config` or `scrub`, and carries only "set / not set"; the database
engine keeps statement parameters out of its errors and logs (db.py).

A name is secret when one of its words (split on `_`, `-`, `.`, camelCase) is secret-like:
`api_key`, `secret`, `X-Api-Token`, `authHeader`, `headers`, `password_hash`. New driver
settings named that way are covered without touching this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

# Shown (and written to the audit log) instead of a secret's value.
MASK = "(set)"

_SECRET_WORDS = frozenset({
    "secret", "secrets", "token", "password", "passwd", "passphrase", "apikey", "authorization",
    "auth", "credential", "credentials", "bearer", "cookie", "header", "headers", "signature",
})
# "key" alone is secret-like (api_key, access_key, private_key), except these public names.
_PUBLIC_KEYS = frozenset({"session_key"})
# The secrets each driver reads, so a form can say "not set" before any value exists.
DRIVER_SECRETS: dict[str, tuple[str, ...]] = {"openai": ("api_key",), "webhook": ("secret",)}
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


# Every audit row's snapshot goes through `redact`, and field names repeat: remember them.
@lru_cache(maxsize=4096)
def is_secret(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name)]
    if name.lower() in _PUBLIC_KEYS:
        return False
    return any(w in _SECRET_WORDS or w == "key" for w in words)


def redact(value: Any) -> Any:
    """A copy with every secret-named entry's value replaced by MASK (empty ones kept, so
    "not set" stays visible), at any depth."""
    if isinstance(value, Mapping):
        return {k: (_masked(v) if is_secret(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _masked(value: Any) -> Any:
    return value if value in (None, "", {}, []) else MASK


def public_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A driver config without its secrets (they are reported by `secret_status`)."""
    return {k: redact(v) for k, v in (config or {}).items() if not is_secret(str(k))}


def secret_status(driver_type: str, config: Mapping[str, Any] | None) -> dict[str, bool]:
    """Which secrets this driver has: its known ones (set or not) and any other stored."""
    cfg = config or {}
    status = {name: bool(cfg.get(name)) for name in DRIVER_SECRETS.get(str(driver_type), ())}
    status.update({str(k): bool(v) for k, v in cfg.items() if is_secret(str(k)) and str(k) not in status})
    return status


def keep_secrets(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """A config sent back without its secrets keeps them: a secret left out, blank or masked
    keeps the stored value, a new value replaces it, an explicit null removes it (at any depth
    of settings that are objects in both)."""
    merged = dict(new)
    for name in {*old, *new}:
        given = new.get(name, "")
        if is_secret(str(name)):
            if given is None:
                merged.pop(name, None)
            elif given in ("", MASK) and old.get(name):
                merged[name] = old[name]
        elif isinstance(given, Mapping) and isinstance(old.get(name), Mapping):
            merged[name] = keep_secrets(old[name], given)
    return merged


def values(config: Mapping[str, Any] | None) -> list[str]:
    """The secret strings in a config (for `scrub`)."""
    found: list[str] = []

    def walk(node: Any, secret: bool) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, secret or is_secret(str(k)))
        elif isinstance(node, list):
            for v in node:
                walk(v, secret)
        elif secret and isinstance(node, str) and len(node) >= 4:
            found.append(node)

    walk(config or {}, False)
    return found


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Text (an error a remote server answered, say) with any of `secrets` masked: an
    endpoint that echoes the key it refused must not put it on the agent's page."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):  # longest first
        text = text.replace(secret, MASK)
    return text
