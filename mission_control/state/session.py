"""Who is at the keyboard and which workspace the tab shows.

Until operator sign-in lands (API/auth issue), the UI acts as the workspace's first admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from mission_control.db import read_session
from mission_control.models import User, UserRole
from mission_control.services import workspaces
from mission_control.services.actor import Actor


@dataclass(frozen=True)
class UiContext:
    workspace_id: int
    workspace_name: str
    user_id: int
    handle: str

    @property
    def actor(self) -> Actor:
        if self.user_id:
            return Actor.for_user(self.user_id, self.handle, "ui")
        return Actor.system("ui")


def current_context() -> UiContext:
    with read_session() as session:
        ws = workspaces.first_workspace(session=session)
        if ws is None or ws.id is None:
            return UiContext(0, "No workspace", 0, "")
        user = session.exec(
            select(User)
            .where(User.workspace_id == ws.id, User.role == UserRole.admin, User.is_active)
            .order_by(col(User.id))
        ).first()
        if user is None or user.id is None:
            return UiContext(ws.id, ws.name, 0, "")
        return UiContext(ws.id, ws.name, user.id, user.handle)


def current_workspace() -> tuple[int, str]:
    ctx = current_context()
    return ctx.workspace_id, ctx.workspace_name
