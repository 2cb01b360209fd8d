"""Sends outbound webhook deliveries, off the request path.

`run_webhook_dispatcher()` is an app lifespan task (every worker may run one: each delivery
is claimed with a compare-and-set first, see `services.webhook_outbox.claim_due`). It sends
what is due as soon as a commit queues something (an in-process nudge) and otherwise looks
for due retries every `webhook_poll_s`. Each send is its own task with an overall deadline
(`webhook_timeout_s`), at most `webhook_batch` at once and `webhook_per_workspace` per
workspace, so a receiver that hangs holds only its own workspace's few slots.
`deliver_due_now()` is one synchronous round, for tests and scripts.

Requests go through the outbound policy (`mission_control.outbound`): a URL that resolves to
a private or loopback address is refused when connecting, and the delivery fails for good.

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

from mission_control import outbound
from mission_control.config import Settings, get_settings
from mission_control.db import session_scope
from mission_control.drivers.webhook import sign
from mission_control.events import Event, EventType, bus
from mission_control.heartbeat.retry import RetryPolicy
from mission_control.models import utcnow
from mission_control.services import webhook_outbox
from mission_control.services.webhook_outbox import Outgoing

log = logging.getLogger(__name__)
NUDGES = frozenset({EventType.webhook_queued, EventType.webhook_redelivery_requested})


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    status_code: int | None
    error: str
    permanent: bool = False  # the destination is refused: retrying cannot help


def body_of(job: Outgoing) -> bytes:
    data = (
        {"text": job.payload.get("text", "")} if job.slack_format else {"id": job.id, **job.payload}
    )
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode()


async def send(http: outbound.Client, job: Outgoing, deadline_s: float) -> Attempt:
    """One POST, done (answered, refused or given up) within `deadline_s`. Only the status
    is kept of the answer: its body is the receiver's, and is not echoed into the log."""
    body = body_of(job)
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-MC-Event": job.event,
        "X-MC-Delivery": str(job.id),
        "X-MC-Attempt": str(job.attempt),
        "X-MC-Timestamp": ts,
        "X-MC-Signature": sign(job.secret, ts, body),
    }
    try:
        answer = await http.post(
            job.url, content=body, headers=headers, deadline_s=deadline_s, max_bytes=0
        )
    except outbound.Refused as exc:
        return Attempt(job.id, None, f"refused: {exc}"[:500], permanent=True)
    except outbound.OutboundError as exc:
        return Attempt(job.id, None, str(exc)[:500])
    return Attempt(job.id, answer.status_code, "" if answer.is_success else answer.status_line)


def _client() -> outbound.Client:
    return outbound.Client(user_agent="mission-control-webhooks")


def _claim(
    settings: Settings, now: datetime, limit: int, busy: dict[int, int] | None = None
) -> list[Outgoing]:
    with session_scope() as session:
        return webhook_outbox.claim_due(
            session=session,
            now=now,
            lease_s=settings.webhook_timeout_s * 2 + 5,
            limit=limit,
            per_workspace=settings.webhook_per_workspace if busy is not None else None,
            busy=busy,
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
                permanent=attempt.permanent,
            )


async def deliver_due(
    http: outbound.Client, settings: Settings | None = None, now: datetime | None = None
) -> int:
    """One round: claim what is due, send it concurrently, record the outcomes."""
    settings = settings or get_settings()
    jobs = await asyncio.to_thread(_claim, settings, now or utcnow(), settings.webhook_batch)
    if not jobs:
        return 0
    attempts = await asyncio.gather(*(send(http, j, settings.webhook_timeout_s) for j in jobs))
    await asyncio.to_thread(_record, settings, list(attempts))
    return len(jobs)


def deliver_due_now(settings: Settings | None = None, *, now: datetime | None = None) -> int:
    """One synchronous round (tests, scripts); returns how many deliveries were attempted."""

    async def once() -> int:
        async with _client() as http:
            return await deliver_due(http, settings, now)

    return asyncio.run(once())


class _Sender:
    """The live dispatcher's sends, each its own task: a slow receiver holds its own send
    (and at most `webhook_per_workspace` of its workspace's), never a round of others."""

    def __init__(self, http: outbound.Client, settings: Settings, wake: asyncio.Event) -> None:
        self.http, self.settings, self.wake = http, settings, wake
        self.busy: dict[int, int] = {}  # workspace id -> deliveries being sent
        self.finished: list[Attempt] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def free(self) -> int:
        return self.settings.webhook_batch - sum(self.busy.values())

    async def step(self) -> int:
        """Record what finished, then start what is due and fits; returns how many started."""
        if self.finished:
            done, self.finished = self.finished, []
            await asyncio.to_thread(_record, self.settings, done)
        if self.free() <= 0:
            return 0
        jobs = await asyncio.to_thread(_claim, self.settings, utcnow(), self.free(), dict(self.busy))
        for job in jobs:
            self.busy[job.workspace_id] = self.busy.get(job.workspace_id, 0) + 1
            task = asyncio.create_task(self._send(job))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return len(jobs)

    async def _send(self, job: Outgoing) -> None:
        try:
            attempt = await send(self.http, job, self.settings.webhook_timeout_s)
        except Exception:  # a bug must not leave its slot taken; the lease expires into a retry
            log.exception("sending webhook delivery %s failed", job.id)
        else:
            self.finished.append(attempt)
        finally:
            left = self.busy.get(job.workspace_id, 1) - 1
            if left:
                self.busy[job.workspace_id] = left
            else:
                self.busy.pop(job.workspace_id, None)
            self.wake.set()

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.finished:  # sent but not yet written down: not sent again after a restart
            try:
                await asyncio.to_thread(_record, self.settings, self.finished)
            except Exception:
                log.exception("recording the last webhook attempts failed")


async def run_webhook_dispatcher(settings: Settings | None = None) -> None:
    """Run until cancelled (register with `app.register_lifespan_task`)."""
    settings = settings or get_settings()
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()  # something was queued, or a send finished

    def on_event(event: Event) -> None:  # on the committing thread
        if event.type in NUDGES:
            loop.call_soon_threadsafe(wake.set)

    unsubscribe = bus.subscribe(on_event)
    try:
        async with _client() as http:
            sender = _Sender(http, settings, wake)
            try:
                while True:
                    wake.clear()
                    try:
                        started = await sender.step()
                    except Exception:  # a database hiccup must not end the dispatcher
                        log.exception("webhook delivery round failed")
                        started = 0
                    if started and sender.free() > 0:
                        continue  # more may be due right now
                    with suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), settings.webhook_poll_s)
            finally:
                await sender.stop()
    finally:
        unsubscribe()
