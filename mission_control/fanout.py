"""Cross-worker change notifications: every committed event is announced to every process.

The in-process bus (`events.py`) only reaches subscribers in the writer's process. With
several workers (or the CLI's writes through another worker), each worker's live-update
watcher would otherwise learn about a change only at its next database poll. A fan-out
backend relays a tiny notice ("something changed in workspace 3") so every watcher wakes at
once; the poll stays as the fallback, so a lost notice costs latency, never correctness.

Backends (one Protocol, contract-tested against real servers):
  RedisFanout     Redis pub/sub (MC_REDIS_URL or REFLEX_REDIS_URL)
  PostgresFanout  PostgreSQL LISTEN/NOTIFY on the app's own database
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, make_url, text

from mission_control.config import Settings, get_settings
from mission_control.events import Event, EventType, bus

log = logging.getLogger(__name__)

CHANNEL = "mc_changes"
_origin: tuple[int, str] = (0, "")


def origin() -> str:
    """This process's name on the channel, so a listener can tell its own notices apart.

    Made per process id, not once at import: the app server imports the app and then forks
    its workers, and a name they all inherited would make every worker drop every other
    worker's notices as its own (leaving only the poll to carry changes across workers).
    """
    global _origin
    pid = os.getpid()
    if _origin[0] != pid:
        _origin = (pid, f"{pid}-{uuid.uuid4().hex[:8]}")
    return _origin[1]
Notice = dict[str, Any]
OnNotice = Callable[[Notice], None]


def _ids_and_flags(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload's scalar fields (ids, kinds, flags), so a listener in another process can act
    as the writer's own subscribers do (the engine wakes `agent_id`). Long strings stay out:
    NOTIFY payloads stop at 8,000 bytes."""
    return {k: v for k, v in payload.items()
            if v is None or isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= 40)}


def notice_of(event: Event) -> str:
    return json.dumps({
        "origin": origin(), "type": event.type, "workspace_id": event.workspace_id, "seq": event.seq,
        "payload": _ids_and_flags(event.payload),
    })


def event_type_of(notice: Notice) -> EventType | None:
    """The notice's event type; None for one this version does not know (a process running
    another version during a rolling upgrade)."""
    try:
        return EventType(str(notice.get("type")))
    except ValueError:
        return None


def event_of(notice: Notice) -> Event | None:
    """The event a notice announces, as far as it travels (scalar payload fields only)."""
    kind = event_type_of(notice)
    if kind is None:
        return None
    return Event(type=kind, workspace_id=int(notice.get("workspace_id") or 0),
                 payload=dict(notice.get("payload") or {}))


class Fanout(Protocol):
    name: str

    def publish(self, event: Event) -> None:
        """Announce a committed event (called on the writer's thread; must be quick)."""

    async def listen(self, on_notice: OnNotice, on_ready: Callable[[], None] | None = None) -> None:
        """Call `on_notice` for every notice from any process, until cancelled or broken;
        `on_ready()` once subscribed."""


class RedisFanout:
    name = "redis"

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        # Pub/sub ignores the database number: name the channel after it, so deployments (or
        # test runs) sharing one Redis on different databases do not hear each other.
        self.channel = f"{CHANNEL}:{self._client.connection_pool.connection_kwargs.get('db', 0)}"

    def publish(self, event: Event) -> None:
        self._client.publish(self.channel, notice_of(event))

    async def listen(self, on_notice: OnNotice, on_ready: Callable[[], None] | None = None) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2.0)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            if on_ready:
                on_ready()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    on_notice(json.loads(message["data"]))
        finally:
            await pubsub.aclose()
            await client.aclose()


class PostgresFanout:
    name = "postgres"

    def __init__(self, sqlalchemy_url: str) -> None:
        self.url = make_url(sqlalchemy_url)
        self._engine: Engine | None = None

    def publish(self, event: Event) -> None:
        if self._engine is None:  # a small pool of its own, in autocommit: NOTIFY goes out now
            self._engine = create_engine(
                self.url, pool_size=2, max_overflow=2, pool_pre_ping=True,
                isolation_level="AUTOCOMMIT",
            )
        with self._engine.connect() as conn:
            conn.execute(text("SELECT pg_notify(:ch, :msg)"), {"ch": CHANNEL, "msg": notice_of(event)})

    async def listen(self, on_notice: OnNotice, on_ready: Callable[[], None] | None = None) -> None:
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            if on_ready:
                on_ready()
            async for note in conn.notifies():
                on_notice(json.loads(note.payload))


def from_settings(settings: Settings | None = None) -> Fanout | None:
    s = settings or get_settings()
    kind = s.event_fanout
    url = s.resolved_database_url
    if kind == "redis" or (kind == "auto" and s.redis_url):
        if not s.redis_url:
            raise ValueError("MC_EVENT_FANOUT=redis needs MC_REDIS_URL")
        return RedisFanout(s.redis_url)
    if kind == "postgres" or (kind == "auto" and url.startswith("postgresql")):
        return PostgresFanout(url)
    return None


class _Publisher:
    """Bus subscriber that forwards events; pauses a few seconds after a failure so a dead
    Redis does not slow every write (the watchers' poll covers the gap)."""

    def __init__(self, fanout: Fanout, pause_s: float = 5.0) -> None:
        self.fanout = fanout
        self.pause_s = pause_s
        self._paused_until = 0.0

    def __call__(self, event: Event) -> None:
        if time.monotonic() < self._paused_until:
            return
        try:
            self.fanout.publish(event)
        except Exception as exc:
            self._paused_until = time.monotonic() + self.pause_s
            log.warning("event fan-out (%s) failed, pausing %.0f s: %r", self.fanout.name,
                        self.pause_s, exc)


_installed: dict[str, Callable[[], None]] = {}
_install_lock = threading.Lock()


def install_publisher(settings: Settings | None = None) -> Fanout | None:
    """Forward this process's events to the fan-out (once per process; no-op without one)."""
    fanout = from_settings(settings)
    if fanout is None:
        return None
    with _install_lock:
        if fanout.name not in _installed:
            _installed[fanout.name] = bus.subscribe(_Publisher(fanout))
            log.info("event fan-out: publishing to %s", fanout.name)
    return fanout


async def listen_forever(fanout: Fanout, on_notice: OnNotice, *, retry_s: float = 1.0,
                         max_retry_s: float = 5.0) -> None:
    """Keep listening across outages (reconnects with backoff up to `max_retry_s`, so notices
    flow again within seconds of the server's return); cancel to stop."""
    delay = retry_s
    while True:
        started = time.monotonic()
        try:
            await fanout.listen(on_notice)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("event fan-out (%s) listener lost: %r; retrying in %.0f s",
                        fanout.name, exc, delay)
        if time.monotonic() - started > 30:
            delay = retry_s  # it had been working: start the backoff over
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_retry_s)
