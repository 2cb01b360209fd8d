"""Outbound webhooks of a workspace (admins manage them) and their delivery log.

Which events exist, and when they fire, is in `webhook_outbox.py`; sending is done off the
request path by `mission_control.webhook_dispatcher`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, delete, select

from mission_control import outbound
from mission_control.errors import Invalid
from mission_control.events import EventType, WebhookEvent
from mission_control.models import Webhook, WebhookDelivery, utcnow
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace
from mission_control.services.queries import Page
from mission_control.services.recording import record_change, snapshot

WEBHOOK_EVENTS: dict[WebhookEvent, str] = {
    WebhookEvent.task_review: "a task entered review",
    WebhookEvent.agent_blocked: "an agent is blocked",
    WebhookEvent.operator_mentioned: "an operator was @mentioned",
    WebhookEvent.standup_published: "the standup was published",
}
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")
_EDITABLE = {"url", "events", "slack_format", "active", "secret"}


def _clean_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            f"'{url[:100]}' is not a web address: use http(s)://host/path",
            details={"fields": {"url": "an http or https URL"}},
        )
    refused = outbound.url_refusal(url)
    if refused:
        raise Invalid(f"webhook url {refused}", details={"fields": {"url": refused}})
    return url


def _clean_events(events: Sequence[str]) -> list[str]:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown or not events:
        known = ", ".join(WEBHOOK_EVENTS)
        problem = f"unknown: {', '.join(unknown)}" if unknown else "none chosen"
        raise Invalid(
            f"webhook events ({problem}) must be some of: {known}",
            details={"fields": {"events": f"some of {known}"}},
        )
    return sorted({str(e) for e in events})  # stored as plain strings, whatever came in


def _clean_secret(secret: str) -> str:
    if not 16 <= len(secret) <= 200:
        raise Invalid(
            "a webhook secret needs 16 to 200 characters",
            details={"fields": {"secret": "16 to 200 characters"}},
        )
    return secret


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def list_webhooks(*, session: Session, workspace_id: int) -> list[Webhook]:
    return list(
        session.exec(
            select(Webhook).where(Webhook.workspace_id == workspace_id).order_by(col(Webhook.id))
        )
    )


def create_webhook(
    *,
    session: Session,
    workspace_id: int,
    url: str,
    events: Sequence[str],
    actor: Actor,
    secret: str | None = None,
    slack_format: bool = False,
    active: bool = True,
) -> Webhook:
    """Add a webhook. Without `secret` one is generated; it signs every delivery."""
    hook = Webhook(
        workspace_id=workspace_id,
        url=_clean_url(url),
        events=_clean_events(events),
        secret=_clean_secret(secret) if secret is not None else new_secret(),
        slack_format=slack_format,
        active=active,
    )
    session.add(hook)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.webhook_created,
        target_type="webhook",
        target_id=hook.id,
        text=f"{actor.name} added a webhook to {urlsplit(hook.url).hostname}",
        after=snapshot(hook),
        details={"webhook_id": hook.id},
        feed=False,
    )
    return hook


def update_webhook(
    *, session: Session, workspace_id: int, webhook_id: int, data: dict[str, Any], actor: Actor
) -> Webhook:
    hook = get_in_workspace(session, Webhook, webhook_id, workspace_id)
    unknown = set(data) - _EDITABLE
    if unknown:
        raise Invalid(f"a webhook has no editable field {', '.join(sorted(unknown))}")
    before = snapshot(hook)
    if "url" in data:
        hook.url = _clean_url(data["url"])
    if "events" in data:
        hook.events = _clean_events(data["events"])
    if "secret" in data:
        hook.secret = _clean_secret(data["secret"])
    if "slack_format" in data:
        hook.slack_format = bool(data["slack_format"])
    if "active" in data:
        hook.active = bool(data["active"])
    hook.updated_at = utcnow()
    session.add(hook)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.webhook_updated,
        target_type="webhook",
        target_id=hook.id,
        text=f"{actor.name} changed webhook {hook.id}",
        before=before,
        after=snapshot(hook),
        details={"webhook_id": hook.id},
        feed=False,
    )
    return hook


def delete_webhook(*, session: Session, workspace_id: int, webhook_id: int, actor: Actor) -> None:
    """Remove a webhook and its delivery log."""
    hook = get_in_workspace(session, Webhook, webhook_id, workspace_id)
    before = snapshot(hook)
    session.exec(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook_id))
    session.delete(hook)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.webhook_deleted,
        target_type="webhook",
        target_id=webhook_id,
        text=f"{actor.name} removed webhook {webhook_id}",
        before=before,
        details={"webhook_id": webhook_id},
        feed=False,
    )


def list_deliveries(
    *,
    session: Session,
    workspace_id: int,
    webhook_id: int | None = None,
    status: str | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> Page[WebhookDelivery]:
    """The delivery log, newest first (pass `next_cursor` back as `cursor` for older ones)."""
    query = select(WebhookDelivery).where(WebhookDelivery.workspace_id == workspace_id)
    if webhook_id is not None:
        get_in_workspace(session, Webhook, webhook_id, workspace_id)
        query = query.where(WebhookDelivery.webhook_id == webhook_id)
    if status is not None:
        if status not in DELIVERY_STATUSES:
            raise Invalid(f"'{status}' is not a delivery status: {', '.join(DELIVERY_STATUSES)}")
        query = query.where(WebhookDelivery.status == status)
    if cursor is not None:
        query = query.where(col(WebhookDelivery.id) < cursor)
    rows = list(session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, rows[-1].id)
    return Page(rows, None)


def redeliver(
    *, session: Session, workspace_id: int, delivery_id: int, actor: Actor
) -> WebhookDelivery:
    """Send a delivery again (after fixing the receiver): back to pending, due now."""
    delivery = get_in_workspace(session, WebhookDelivery, delivery_id, workspace_id)
    if delivery.status == "pending":
        raise Invalid(f"delivery {delivery_id} is still pending: it will be retried on its own")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.attempts, delivery.error = "pending", 0, ""
    delivery.next_attempt_at = delivery.updated_at = utcnow()
    session.add(delivery)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.webhook_redelivery_requested,
        target_type="webhook_delivery",
        target_id=delivery_id,
        text=f"{actor.name} asked to send webhook delivery {delivery_id} again",
        before=before,
        after={"status": "pending"},
        details={"webhook_id": delivery.webhook_id, "delivery_id": delivery_id},
        feed=False,
    )
    return delivery
