"""Outbound webhooks of the workspace and their delivery log (admins)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from mission_control.api.deps import Admin, Cursor, Limit, PathId
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.schemas import Page
from mission_control.api.schemas.hooks import (
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)
from mission_control.db import read_session, session_scope
from mission_control.errors import NotFound
from mission_control.models import Webhook, WebhookDelivery
from mission_control.services import webhooks
from mission_control.services.common import get_in_workspace

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=COMMON_RESPONSES)

Status = Literal["pending", "delivered", "failed", "cancelled"]


@router.get("", response_model=list[WebhookOut], summary="The workspace's webhooks (admin)")
def list_webhooks(who: Admin) -> list[WebhookOut]:
    with read_session() as session:
        rows = webhooks.list_webhooks(session=session, workspace_id=who.workspace_id)
        return [WebhookOut.model_validate(h) for h in rows]


@router.post("", response_model=WebhookCreated, status_code=201, summary="Add a webhook (admin)")
def create_webhook(body: WebhookIn, who: Admin) -> WebhookCreated:
    """A generated signing secret is in the response (shown this once); one the caller chose
    is not echoed back."""
    with session_scope() as session:
        hook = webhooks.create_webhook(
            session=session,
            workspace_id=who.workspace_id,
            url=body.url,
            events=list(body.events),
            secret=body.secret,
            slack_format=body.slack_format,
            active=body.active,
            actor=who.actor(),
        )
        created = WebhookCreated.model_validate(hook)
        if body.secret is not None:
            created.secret = None
        return created


@router.get("/{webhook_id}", response_model=WebhookOut, summary="One webhook (admin)")
def get_webhook(webhook_id: PathId, who: Admin) -> WebhookOut:
    with read_session() as session:
        return WebhookOut.model_validate(
            get_in_workspace(session, Webhook, webhook_id, who.workspace_id)
        )


@router.patch("/{webhook_id}", response_model=WebhookOut, summary="Change a webhook (admin)")
def update_webhook(webhook_id: PathId, body: WebhookPatch, who: Admin) -> WebhookOut:
    with session_scope() as session:
        hook = webhooks.update_webhook(
            session=session,
            workspace_id=who.workspace_id,
            webhook_id=webhook_id,
            data=body.model_dump(exclude_unset=True, exclude_none=True),
            actor=who.actor(),
        )
        return WebhookOut.model_validate(hook)


@router.delete(
    "/{webhook_id}", status_code=204, response_class=Response, summary="Remove a webhook (admin)"
)
def delete_webhook(webhook_id: PathId, who: Admin) -> Response:
    with session_scope() as session:
        webhooks.delete_webhook(
            session=session, workspace_id=who.workspace_id, webhook_id=webhook_id, actor=who.actor()
        )
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="A webhook's delivery log, newest first (admin)",
)
def list_deliveries(
    webhook_id: PathId,
    who: Admin,
    status: Annotated[Status | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DeliveryOut]:
    with read_session() as session:
        page = webhooks.list_deliveries(
            session=session,
            workspace_id=who.workspace_id,
            webhook_id=webhook_id,
            status=status,
            cursor=cursor,
            limit=limit,
        )
        return Page(
            items=[DeliveryOut.model_validate(d) for d in page.items],
            next_cursor=page.next_cursor,
        )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    summary="Send a finished delivery again (admin)",
)
def redeliver(webhook_id: PathId, delivery_id: PathId, who: Admin) -> DeliveryOut:
    with session_scope() as session:
        found = get_in_workspace(session, WebhookDelivery, delivery_id, who.workspace_id)
        if found.webhook_id != webhook_id:
            raise NotFound(f"webhook {webhook_id} has no delivery {delivery_id}")
        delivery = webhooks.redeliver(
            session=session,
            workspace_id=who.workspace_id,
            delivery_id=delivery_id,
            actor=who.actor(),
        )
        return DeliveryOut.model_validate(delivery)
