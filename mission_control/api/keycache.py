"""Who a bearer key belongs to, remembered for a moment so a busy agent's requests skip the
key lookup (three queries) on every call.

Entries live `MC_API_KEY_CACHE_S` seconds (0 turns the cache off) and are keyed by the token's
SHA-256 and the database engine, never by the token itself. Every change made through the
services that can alter the answer (a key revoked or issued, an operator deactivated, an agent
renamed or deleted, a workspace changed) empties the cache in this process as soon as it is
committed, so a revoked key is refused at once by the worker that revoked it; another worker
refuses it within the TTL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from mission_control import db as mc_db
from mission_control.events import Event, EventType, bus
from mission_control.services.api_keys import hash_token
from mission_control.services.authz import Principal

MAX_ENTRIES = 10_000
# Event types after which a cached answer may be wrong: who a key belongs to (whether its agent
# or user still exists and may act) and whether it still counts. An agent's check-ins, status
# changes and notes do not change that (names are fixed); clearing on them made a busy squad
# look every key up again.
INVALIDATING = EventType.about("api_key", "user", "workspace") | {EventType.agent_deleted}


@dataclass
class Entry:
    principal: Principal
    last_used: datetime | None  # when the key's use was last recorded (see api_keys.touch)
    expires: float  # time.monotonic()


class KeyCache:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[tuple[int, str], Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> tuple[int, str]:
        return id(mc_db.engine()), hash_token(token)

    def get(self, token: str) -> Entry | None:
        if self.ttl_s <= 0:
            return None
        key = self._key(token)
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, token: str, principal: Principal, last_used: datetime | None) -> Entry:
        entry = Entry(principal, last_used, time.monotonic() + self.ttl_s)
        if self.ttl_s > 0:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[self._key(token)] = entry
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def on_event(self, event: Event) -> None:
        if event.type in INVALIDATING:
            self.clear()


_caches: dict[float, KeyCache] = {}
_lock = threading.Lock()


def key_cache(ttl_s: float) -> KeyCache:
    """This process's cache for `ttl_s` (one bus subscription each, however many apps)."""
    with _lock:
        cache = _caches.get(ttl_s)
        if cache is None:
            cache = _caches[ttl_s] = KeyCache(ttl_s)
            bus.subscribe(cache.on_event)
        return cache
