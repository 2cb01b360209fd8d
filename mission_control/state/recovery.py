"""Open tabs survive a restart of the Redis that holds their Reflex state.

In scale-out mode (REFLEX_REDIS_URL) every tab's state lives in Redis. A Redis without
persistence that restarts (or is flushed) comes back empty, while the tabs stay connected to
their workers: from then on each tab talks to a fresh state for its token, one that is signed
out, has loaded no page and knows no route. Live updates no longer refresh the page it is on,
its bell drops to zero and its next click answers "you are signed out".

Each worker keeps a marker key in that Redis and looks at it every second. When the marker is
gone, the states went with it: the worker asks every tab whose socket it holds to hydrate
again, and each sends what it sends on a reconnect (its session cookie, its route), so Reflex
rebuilds its state and reruns the page's on_load (which also signs the tab up for live updates
again). Neither the page nor the socket is reloaded: the DOM, scroll position and anything typed
stay. The restart also reset Redis' keyspace notifications, on which Reflex's lock waiters
rely, so they are switched on again first.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import reflex as rx

log = logging.getLogger(__name__)

MARKER = "mc:state_store_epoch"
NUDGE_KEY = "mc-rehydrate"
CHECK_S = 1.0


async def current_epoch(redis: Any) -> bytes:
    """The store's epoch marker; a new one if the store lost it (whoever notices first sets it)."""
    epoch = await redis.get(MARKER)
    if epoch is None:
        await redis.set(MARKER, uuid.uuid4().hex, nx=True)
        epoch = await redis.get(MARKER)
    return bytes(epoch or b"")


async def rehydrate_tabs(app: rx.App) -> int:
    """Ask every tab whose socket this worker holds to send its hydrate event again."""
    import reflex as rx
    from reflex.event import Event
    from reflex.state import StateUpdate
    from reflex.utils.token_manager import RedisTokenManager

    namespace = app.event_namespace
    if namespace is None:
        return 0
    tokens = namespace._token_manager
    if isinstance(tokens, RedisTokenManager):  # its relay from other workers gave up during the outage
        tokens.ensure_lost_and_found_task(namespace.emit_update)
    mine = [token for token, record in list(tokens.token_to_socket.items())
            if record.instance_id == tokens.instance_id]
    # Reflex's frontend answers any browser-storage removal by hydrating again (its cookies and
    # route included), as on a reconnect; removing a key nobody sets changes nothing else.
    update = StateUpdate(events=Event.from_event_type(rx.remove_session_storage(NUDGE_KEY)))
    for token in mine:
        try:
            await namespace.emit_update(update, token)
        except Exception:  # one tab's trouble must not keep the others stale
            log.exception("could not ask a tab to rebuild its state")
    return len(mine)


async def watch_state_store(app: rx.App) -> None:
    """Lifespan task: a no-op unless Reflex keeps its state in Redis."""
    from reflex.istate.manager.redis import StateManagerRedis, enable_keyspace_notifications

    manager = app.state_manager
    if not isinstance(manager, StateManagerRedis):
        return
    redis = manager.redis
    seen: bytes | None = None
    failing = False
    while True:
        await asyncio.sleep(CHECK_S)
        try:
            epoch = await current_epoch(redis)
            if seen is not None and epoch != seen:
                await enable_keyspace_notifications(redis)
                asked = await rehydrate_tabs(app)
                log.warning("the Redis holding the tabs' state was reset; %d tab(s) asked to rebuild it", asked)
        except Exception as exc:  # Redis away: nothing to do until it is back
            if not failing:
                log.warning("cannot reach the Redis holding the tabs' state: %r", exc)
            failing = True
            continue
        failing, seen = False, epoch
