"""The operator's notifications: the bell's unread count and the inbox page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.services import notifications
from mission_control.services.authz import Permission
from mission_control.state import live, toast
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState, UiContext, set_if_changed


@dataclass
class NoteItem:
    id: int = 0
    kind: str = ""
    text: str = ""
    task_id: int = 0
    read: bool = False
    created_at: str = ""


def read_bell(workspace_id: int, user_id: int, unread_only: bool) -> tuple[int, list[NoteItem]]:
    """The bell's count and the inbox rows for one operator (shared by tabs of the same person)."""
    if not user_id:
        return 0, []
    with read_session() as session:
        unread = notifications.unread_count(session=session, workspace_id=workspace_id, user_id=user_id)
        rows = notifications.list_notifications(
            session=session, workspace_id=workspace_id, user_id=user_id, unread_only=unread_only, limit=100
        )
    return unread, [
        NoteItem(
            id=n.id or 0,
            kind=n.kind,
            text=n.text,
            task_id=n.task_id or 0,
            read=n.read_at is not None,
            created_at=n.created_at.isoformat(),
        )
        for n in rows
    ]


class NotificationState(SessionState):
    unread: int = 0
    items: list[NoteItem] = []
    unread_only: bool = False
    loaded: bool = False

    def refresh(self, ctx: UiContext | None = None) -> None:
        ctx = ctx or self.context()
        self.apply_bell(*read_bell(ctx.workspace_id, ctx.user_id, self.unread_only))

    def apply_bell(self, unread: int, items: list[NoteItem]) -> None:
        # `items` may be shared by the tabs of one person (the live push reads it once).
        set_if_changed(self, "unread", unread)
        set_if_changed(self, "items", items)
        set_if_changed(self, "loaded", True)

    def load(self, ctx: UiContext) -> None:
        live.watch_tab(self.router.session.client_token, ctx)
        self.refresh(ctx)

    @rx.event
    def on_load(self) -> None:
        self.load(self.context())

    @rx.event
    def toggle_unread_only(self, value: bool) -> None:
        self.unread_only = value
        self.refresh()

    def _change(self, fn: Any, **kwargs: Any) -> Any:
        try:
            ctx = self.context().require(Permission.read)
            with session_scope() as session:
                fn(session=session, workspace_id=ctx.workspace_id, actor=ctx.actor, **kwargs)
        except MissionControlError as exc:
            return toast.error(exc.message)
        self.refresh()
        return None

    @rx.event
    @off_loop
    def mark_read(self, notification_id: int) -> Any:
        return self._change(notifications.mark_read, notification_id=notification_id)

    @rx.event
    @off_loop
    def mark_all_read(self) -> Any:
        return self._change(notifications.mark_all_read)
