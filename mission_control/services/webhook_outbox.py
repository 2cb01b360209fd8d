"""The webhook outbox: deliveries are written in the same transaction as the change that
caused them (a `before_commit` hook over the events parked on the session), so a crash can
neither lose one nor send one for a change that was rolled back. The dispatcher
(`mission_control.webhook_dispatcher`) claims due rows and records how each attempt went.

    event (parked on the session)                      webhook event
    task.moved to review                            -> task.review
    agent.status -> blocked                         -> agent.blocked
    notification.created (mention of an operator)  -> operator.mentioned
    document.created by a builtin `standup` agent   -> standup.published
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from mission_control.events import Event, EventType, WebhookEvent, pending, record
from mission_control.models import (
    Activity,
    Agent,
    Document,
    DriverType,
    Notification,
    User,
    Webhook,
    WebhookDelivery,
    Workspace,
    utcnow,
)

MAX_TEXT = 3000
RETRYABLE_STATUS = {408, 425, 429}


def _activity_text(session: Session, event: Event) -> str:
    activity_id = event.payload.get("activity_id")
    row = session.get(Activity, activity_id) if activity_id else None
    return row.text if row else ""


def _task_review(session: Session, event: Event) -> tuple[str, dict[str, Any]] | None:
    if event.type != EventType.task_moved or event.payload.get("to") != "review":
        return None
    data = {"task_id": event.payload.get("task_id"), "from": event.payload.get("from")}
    return _activity_text(session, event), data


def _agent_blocked(session: Session, event: Event) -> tuple[str, dict[str, Any]] | None:
    if event.type != EventType.agent_status or event.payload.get("status") != "blocked":
        return None
    agent = session.get(Agent, event.payload.get("agent_id") or 0)
    data = {
        "agent_id": event.payload.get("agent_id"),
        "agent": agent.name if agent else None,
        "reason": agent.blocked_reason if agent else "",
    }
    text = _activity_text(session, event) or f"{data['agent']} is blocked"
    return text, data


def _operator_mentioned(session: Session, event: Event) -> tuple[str, dict[str, Any]] | None:
    p = event.payload
    if event.type != EventType.notification_created or p.get("kind") != "mention" or not p.get("user_id"):
        return None
    note = session.get(Notification, p.get("notification_id") or 0)
    user = session.get(User, p["user_id"])
    data = {
        "user_id": p["user_id"],
        "handle": user.handle if user else None,
        "task_id": p.get("task_id"),
        "message_id": note.message_id if note else None,
    }
    text = note.text if note else "an operator was mentioned"
    return (f"@{data['handle']}: {text}" if user else text), data


def _standup_published(session: Session, event: Event) -> tuple[str, dict[str, Any]] | None:
    if event.type != EventType.document_created:
        return None
    doc = session.get(Document, event.payload.get("document_id") or 0)
    author = (
        session.get(Agent, doc.created_by_agent_id) if doc and doc.created_by_agent_id else None
    )
    if doc is None or author is None or author.driver_type != DriverType.builtin:
        return None
    if (author.driver_config or {}).get("role") != "standup":
        return None
    data = {"document_id": doc.id, "title": doc.title, "content": doc.content}
    return f"*{doc.title}*\n{doc.content}", data


MAPPERS: dict[WebhookEvent, Callable[[Session, Event], tuple[str, dict[str, Any]] | None]] = {
    WebhookEvent.task_review: _task_review,
    WebhookEvent.agent_blocked: _agent_blocked,
    WebhookEvent.operator_mentioned: _operator_mentioned,
    WebhookEvent.standup_published: _standup_published,
}
SOURCE_TYPES = frozenset({EventType.task_moved, EventType.agent_status, EventType.notification_created,
                          EventType.document_created})


def enqueue(session: Session, events: list[Event]) -> list[WebhookDelivery]:
    """Write a pending delivery per (event, subscribed active webhook). Called before commit."""
    relevant = [e for e in events if e.type in SOURCE_TYPES]
    if not relevant:
        return []
    workspace_ids = {e.workspace_id for e in relevant}
    hooks = list(
        session.exec(
            select(Webhook).where(
                col(Webhook.workspace_id).in_(workspace_ids), col(Webhook.active).is_(True)
            )
        )
    )
    if not hooks:
        return []
    made: list[WebhookDelivery] = []
    now = utcnow()
    for event in relevant:
        targets = [h for h in hooks if h.workspace_id == event.workspace_id]
        for name, mapper in MAPPERS.items():
            wanted = [h for h in targets if name in h.events]
            found = mapper(session, event) if wanted else None
            if found is None:
                continue
            text, data = found
            ws = session.get(Workspace, event.workspace_id)
            payload = {
                "event": name.value,
                "workspace": {"id": event.workspace_id, "slug": ws.slug if ws else ""},
                "occurred_at": event.at.isoformat(),
                "text": text[:MAX_TEXT],
                "data": data,
            }
            for hook in wanted:
                assert hook.id is not None
                delivery = WebhookDelivery(
                    workspace_id=event.workspace_id,
                    webhook_id=hook.id,
                    event=name.value,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
                session.add(delivery)
                made.append(delivery)
    if made:
        session.flush()
        for ws_id in {d.workspace_id for d in made}:
            record(session, Event(type=EventType.webhook_queued, workspace_id=ws_id))
    return made


def _outbox(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT: the outer commit sees everything parked
    parked = pending(session)
    if parked and isinstance(session, Session):
        enqueue(session, parked)


def install() -> None:
    """Queue deliveries in the same transaction as the change they announce (idempotent)."""
    if not sa_event.contains(OrmSession, "before_commit", _outbox):
        sa_event.listen(OrmSession, "before_commit", _outbox)


# --------------------------------------------------------------------------- delivery state


@dataclass(frozen=True)
class Outgoing:
    """One claimed delivery, with what the dispatcher needs to send it (no ORM objects)."""

    id: int
    workspace_id: int
    webhook_id: int
    event: str
    url: str
    secret: str
    slack_format: bool
    payload: dict[str, Any]
    attempt: int  # 1-based number of this attempt


def _due(now: datetime, per_workspace: int | None, busy: Mapping[int, int]) -> Any:
    """Ids of due deliveries; with `per_workspace`, only each workspace's oldest few (fewer
    for a workspace with `busy` sends), so one workspace's backlog never fills a round."""
    due: list[Any] = [
        col(WebhookDelivery.status) == "pending", col(WebhookDelivery.next_attempt_at) <= now
    ]
    if per_workspace is None:
        return select(WebhookDelivery.id).where(*due)
    full = [ws for ws, n in busy.items() if n >= per_workspace]
    if full:
        due.append(col(WebhookDelivery.workspace_id).not_in(full))
    rank = func.row_number().over(
        partition_by=col(WebhookDelivery.workspace_id),
        order_by=(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id)),
    )
    ranked = select(col(WebhookDelivery.id).label("id"), rank.label("rank")).where(*due).subquery()
    return select(ranked.c.id).where(ranked.c.rank <= per_workspace)


def claim_due(
    *,
    session: Session,
    now: datetime,
    lease_s: float,
    limit: int,
    per_workspace: int | None = None,
    busy: Mapping[int, int] | None = None,
) -> list[Outgoing]:
    """Take up to `limit` due deliveries, at most `per_workspace` at once per workspace
    counting the `busy` ones (workspace id -> deliveries being sent). Each is pushed
    `lease_s` into the future with a compare-and-set, so another worker's dispatcher skips
    it (and a crashed sender's claim simply expires into a retry)."""
    busy = dict(busy or {})
    rows = session.exec(
        select(WebhookDelivery, Webhook)
        .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
        .where(col(WebhookDelivery.id).in_(_due(now, per_workspace, busy)))
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
    ).all()
    claimed: list[Outgoing] = []
    for delivery, hook in rows:
        if not hook.active:
            delivery.status, delivery.error = "cancelled", "the webhook was turned off"
            delivery.next_attempt_at, delivery.updated_at = None, now
            session.add(delivery)
            continue
        if per_workspace is not None and busy.get(delivery.workspace_id, 0) >= per_workspace:
            continue
        taken = session.exec(  # type: ignore[call-overload]
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == delivery.id,
                col(WebhookDelivery.next_attempt_at) == delivery.next_attempt_at,
                col(WebhookDelivery.status) == "pending",
            )
            .values(next_attempt_at=now + timedelta(seconds=lease_s))
        )
        if taken.rowcount != 1:
            continue
        busy[delivery.workspace_id] = busy.get(delivery.workspace_id, 0) + 1
        claimed.append(
            Outgoing(
                id=delivery.id or 0,
                workspace_id=delivery.workspace_id,
                webhook_id=hook.id or 0,
                event=delivery.event,
                url=hook.url,
                secret=hook.secret,
                slack_format=hook.slack_format,
                payload=dict(delivery.payload),
                attempt=delivery.attempts + 1,
            )
        )
    session.flush()
    return claimed


def record_attempt(
    *,
    session: Session,
    delivery_id: int,
    now: datetime,
    status_code: int | None,
    error: str,
    max_attempts: int,
    backoff: Callable[[int], float],
    permanent: bool = False,
) -> WebhookDelivery | None:
    """Record one attempt: delivered on 2xx; otherwise retried after `backoff(attempts)`
    seconds, unless it failed for good (a 4xx, or `permanent`: a destination the outbound
    policy refuses) or the attempts are used up."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return None  # deleted (with its webhook) or redelivered meanwhile
    delivery.attempts += 1
    delivery.response_code = status_code
    delivery.updated_at = now
    ok = status_code is not None and 200 <= status_code < 300
    if ok:
        delivery.status, delivery.error = "delivered", ""
        delivery.delivered_at, delivery.next_attempt_at = now, None
    else:
        delivery.error = error[:500]
        permanent = permanent or (
            (status_code is not None and 400 <= status_code < 500)
            and status_code not in RETRYABLE_STATUS
        )
        if permanent or delivery.attempts >= max_attempts:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff(delivery.attempts))
    session.add(delivery)
    session.flush()
    # Not audited (a delivery is not a change to the squad), but an open webhooks page shows it.
    record(session, Event(type=EventType.webhook_attempted, workspace_id=delivery.workspace_id,
                          payload={"delivery_id": delivery.id, "status": delivery.status}))
    return delivery
