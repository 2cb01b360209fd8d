"""`/webhooks` (admins): outbound webhooks and their delivery log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.services import webhooks
from mission_control.services.authz import Permission
from mission_control.state import toast
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState

EVENTS = [event.value for event in webhooks.WEBHOOK_EVENTS]


@dataclass
class HookRow:
    id: int = 0
    url: str = ""
    events: list[str] = field(default_factory=list)
    slack_format: bool = False
    active: bool = True
    secret_set: bool = True  # whether, never what: the secret itself stays on the server


@dataclass
class DeliveryRow:
    id: int = 0
    webhook_id: int = 0
    event: str = ""
    status: str = ""
    attempts: int = 0
    response_code: int = 0
    error: str = ""
    created_at: str = ""


class WebhooksState(SessionState):
    hooks: list[HookRow] = []
    deliveries: list[DeliveryRow] = []
    loaded: bool = False
    allowed: bool = True
    new_url: str = ""
    new_events: list[str] = EVENTS
    new_slack: bool = False
    form_error: str = ""
    new_secret: str = ""

    def refresh(self) -> None:
        try:
            ctx = self.context().require(Permission.admin)
        except MissionControlError:
            self.allowed, self.loaded = False, True
            return
        with read_session() as session:
            hooks = webhooks.list_webhooks(session=session, workspace_id=ctx.workspace_id)
            page = webhooks.list_deliveries(session=session, workspace_id=ctx.workspace_id, limit=50)
        self.hooks = [HookRow(h.id or 0, h.url, list(h.events), h.slack_format, h.active, bool(h.secret))
                      for h in hooks]
        self.deliveries = [
            DeliveryRow(d.id or 0, d.webhook_id, d.event, d.status, d.attempts, d.response_code or 0, d.error,
                        d.created_at.isoformat())
            for d in page.items
        ]
        self.allowed = self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.new_secret, self.form_error = "", ""
        self.refresh()

    @rx.event
    def refresh_now(self) -> None:
        self.refresh()

    @rx.event
    def set_new_url(self, value: str) -> None:
        self.new_url, self.form_error = value, ""

    @rx.event
    def toggle_event(self, event: str, on: bool) -> None:
        self.new_events = [e for e in EVENTS if (e in self.new_events and e != event) or (e == event and on)]

    @rx.event
    def set_new_slack(self, value: bool) -> None:
        self.new_slack = value

    def _admin(self, change: Any) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                result = change(session=session, workspace_id=ctx.workspace_id, actor=ctx.actor)
        except MissionControlError as exc:
            return exc
        self.refresh()
        return result

    @rx.event
    @off_loop
    def create(self) -> Any:
        url, events, slack = self.new_url.strip(), list(self.new_events), self.new_slack
        result = self._admin(lambda **kw: webhooks.create_webhook(url=url, events=events, slack_format=slack, **kw).secret)
        if isinstance(result, MissionControlError):
            self.form_error = result.message
            return None
        self.new_url, self.new_secret = "", str(result)
        return toast.success("Webhook added")

    @rx.event
    @off_loop
    def set_active(self, webhook_id: int, active: bool) -> Any:
        result = self._admin(lambda **kw: webhooks.update_webhook(webhook_id=webhook_id, data={"active": active}, **kw))
        return toast.error(result.message) if isinstance(result, MissionControlError) else None

    @rx.event
    @off_loop
    def replace_secret(self, webhook_id: int) -> Any:
        """A new generated secret, shown once to the admin who asked (like a new webhook's)."""
        secret = webhooks.new_secret()
        result = self._admin(lambda **kw: webhooks.update_webhook(webhook_id=webhook_id, data={"secret": secret}, **kw))
        if isinstance(result, MissionControlError):
            return toast.error(result.message)
        self.new_secret = secret
        return toast.success("Secret replaced: update the receiver")

    @rx.event
    @off_loop
    def delete(self, webhook_id: int) -> Any:
        result = self._admin(lambda **kw: webhooks.delete_webhook(webhook_id=webhook_id, **kw))
        return toast.error(result.message) if isinstance(result, MissionControlError) else toast.success("Webhook removed")

    @rx.event
    @off_loop
    def redeliver(self, delivery_id: int) -> Any:
        result = self._admin(lambda **kw: webhooks.redeliver(delivery_id=delivery_id, **kw))
        return toast.error(result.message) if isinstance(result, MissionControlError) else toast.info("Queued again")

    @rx.event
    def hide_secret(self) -> None:
        self.new_secret = ""
