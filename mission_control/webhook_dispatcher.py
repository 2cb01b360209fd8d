"""Sends outbound webhook deliveries, off the request path.

`run_webhook_dispatcher()` is an app lifespan task (every worker may run one: each delivery
is claimed with a compare-and-set first, see `services.webhook_outbox.claim_due`). It sends
what is due as soon as a commit queues something (an in-process nudge) and otherwise looks
for due retries every `webhook_poll_s`. `deliver_due_now()` is one synchronous round, for
tests and scripts.

Each request is a JSON POST with
    X-MC-Event: task.review            X-MC-Delivery: <delivery id> (the same on retries)
    X-MC-Timestamp: <unix seconds>     X-MC-Signature: sha256=<hex HMAC-SHA256>
where the HMAC (key: the webhook's secret) is over "<timestamp>." + the raw body, as for the
webhook driver (`drivers.webhook.verify` checks it). With `slack_format` the body is just
{"text": "..."}, which Slack-compatible incoming webhooks accept.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

import httpx

from mission_control.config import Settings, get_settings
from mission_control.db import session_scope
from mission_control.drivers.webhook import sign
from mission_control.events import Event, bus
from mission_control.heartbeat.retry import RetryPolicy
from mission_control.models import utcnow
from mission_control.services import webhook_outbox
from mission_control.services.webhook_outbox import Outgoing

log = logging.getLogger(__name__)
NUDGES = {webhook_outbox.QUEUED, "webhook.redelivery_requested"}


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    status_code: int | None
    error: str


def body_of(job: Outgoing) -> bytes:
    data = (
        {"text": job.payload.get("text", "")} if job.slack_format else {"id": job.id, **job.payload}
    )
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode()


async def send(http: httpx.AsyncClient, job: Outgoing, timeout_s: float) -> Attempt:
    body = body_of(job)
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "mission-control-webhooks",
        "X-MC-Event": job.event,
        "X-MC-Delivery": str(job.id),
        "X-MC-Attempt": str(job.attempt),
        "X-MC-Timestamp": ts,
        "X-MC-Signature": sign(job.secret, ts, body),
    }
    try:
        resp = await http.post(job.url, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return Attempt(job.id, None, f"no answer within {timeout_s:g} s")
    except httpx.HTTPError as exc:
        return Attempt(job.id, None, f"{exc.__class__.__name__}: {exc}"[:500])
    error = "" if resp.is_success else f"HTTP {resp.status_code}: {resp.text[:200]}"
    return Attempt(job.id, resp.status_code, error)


def _claim(settings: Settings, now: datetime) -> list[Outgoing]:
    with session_scope() as session:
        return webhook_outbox.claim_due(
            session=session,
            now=now,
            lease_s=settings.webhook_timeout_s * 2 + 5,
            limit=settings.webhook_batch,
        )


def _record(settings: Settings, attempts: list[Attempt]) -> None:
    policy = RetryPolicy(
        base_s=settings.webhook_backoff_base_s, max_s=settings.webhook_backoff_max_s
    )
    with session_scope() as session:
        for attempt in attempts:
            webhook_outbox.record_attempt(
                session=session,
                delivery_id=attempt.delivery_id,
                now=utcnow(),
                status_code=attempt.status_code,
                error=attempt.error,
                max_attempts=settings.webhook_max_attempts,
                backoff=policy.delay,
            )


async def deliver_due(
    http: httpx.AsyncClient, settings: Settings | None = None, now: datetime | None = None
) -> int:
    """One round: claim what is due, send it concurrently, record the outcomes."""
    settings = settings or get_settings()
    jobs = await asyncio.to_thread(_claim, settings, now or utcnow())
    if not jobs:
        return 0
    attempts = await asyncio.gather(*(send(http, j, settings.webhook_timeout_s) for j in jobs))
    await asyncio.to_thread(_record, settings, list(attempts))
    return len(jobs)


def deliver_due_now(
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """One synchronous round (tests, scripts); returns how many deliveries were attempted."""

    async def once() -> int:
        async with httpx.AsyncClient(transport=transport) as http:
            return await deliver_due(http, settings, now)

    return asyncio.run(once())


async def run_webhook_dispatcher(settings: Settings | None = None) -> None:
    """Run until cancelled (register with `app.register_lifespan_task`)."""
    settings = settings or get_settings()
    loop = asyncio.get_running_loop()
    nudge = asyncio.Event()

    def on_event(event: Event) -> None:  # on the committing thread
        if event.type in NUDGES:
            loop.call_soon_threadsafe(nudge.set)

    unsubscribe = bus.subscribe(on_event)
    try:
        async with httpx.AsyncClient(follow_redirects=False) as http:
            while True:
                nudge.clear()
                try:
                    sent = await deliver_due(http, settings)
                except Exception:  # a database hiccup must not end the dispatcher
                    log.exception("webhook delivery round failed")
                    sent = 0
                if sent >= settings.webhook_batch:
                    continue  # more may be due right now
                with suppress(TimeoutError):
                    await asyncio.wait_for(nudge.wait(), settings.webhook_poll_s)
    finally:
        unsubscribe()
