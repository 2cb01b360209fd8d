"""The app's lifespan task for the heartbeat engine.

Register it once (`app.register_lifespan_task(run_heartbeat_engine)`); every worker runs it,
and only the worker holding the database lease runs the scheduler. The others keep trying
every `renew_s` and take over when the holder's lease expires (it died) or is released (it
stopped cleanly). Cancelling the task stops the scheduler and releases the lease.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from mission_control.config import get_settings
from mission_control.heartbeat.lease import Lease
from mission_control.heartbeat.scheduler import HeartbeatEngine

log = logging.getLogger(__name__)


async def run_heartbeat_engine(
    *,
    holder: str | None = None,
    ttl_s: float | None = None,
    renew_s: float | None = None,
    engine_factory: Callable[[Lease], HeartbeatEngine] | None = None,
    on_change: Callable[[str, Lease], Any] | None = None,
) -> None:
    """Run until cancelled. `on_change("started"|"stopped", lease)` is for tests and logs."""
    settings = get_settings()
    if not settings.heartbeat_enabled:
        log.info("heartbeat engine disabled (MC_HEARTBEAT_ENABLED=false)")
        return
    ttl = ttl_s if ttl_s is not None else settings.heartbeat_lease_ttl_s
    renew = renew_s if renew_s is not None else settings.heartbeat_lease_renew_s
    lease = Lease(holder=holder, ttl_s=ttl)
    factory = engine_factory or (lambda held: HeartbeatEngine(fence=held.fence))
    engine: HeartbeatEngine | None = None
    valid_until = 0.0  # monotonic time until which our last renewal is good (with a margin)

    async def stop_engine() -> None:
        nonlocal engine
        if engine is not None:
            running, engine = engine, None
            await running.stop()
            log.info("heartbeat scheduler stopped in %s", lease.holder)
            if on_change:
                on_change("stopped", lease)

    try:
        while True:
            asked = time.monotonic()
            try:
                held = await asyncio.to_thread(lease.acquire_or_renew)
                if held:
                    valid_until = asked + ttl - renew / 2
            except Exception:
                log.exception("could not renew the scheduler lease")
                held = engine is not None and time.monotonic() < valid_until
            if held and engine is None:
                candidate = factory(lease)
                try:
                    await candidate.start()
                except Exception:
                    log.exception("heartbeat engine failed to start")
                    await candidate.stop()
                else:
                    # Starting can take longer than the lease under load: renew before running
                    # on, and step back if another worker took over in the meantime.
                    if await asyncio.to_thread(lease.acquire_or_renew):
                        valid_until = time.monotonic() + ttl - renew / 2
                        engine = candidate
                        log.info("heartbeat scheduler running in %s", lease.holder)
                        if on_change:
                            on_change("started", lease)
                    else:
                        await candidate.stop()
            elif not held and engine is not None:
                await stop_engine()
            await asyncio.sleep(renew)
    finally:
        await stop_engine()
        if lease.held:
            try:
                await asyncio.to_thread(lease.release)
            except Exception:
                log.exception("could not release the scheduler lease")
