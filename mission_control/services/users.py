from __future__ import annotations

import re

from sqlmodel import Session, func, select

from mission_control.errors import Conflict, Invalid
from mission_control.events import EventType
from mission_control.models import Agent, User, UserRole
from mission_control.services import browser_sessions, mentions
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace
from mission_control.services.recording import record_change, snapshot

HANDLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


def create_user(
    *,
    session: Session,
    workspace_id: int,
    handle: str,
    display_name: str,
    role: UserRole = UserRole.operator,
    email: str | None = None,
    password_hash: str | None = None,
    actor: Actor,
) -> User:
    if not HANDLE_RE.match(handle):
        raise Invalid(
            f"'{handle}' is not a valid handle: start with a letter, then letters, digits, - or _"
        )
    taken = session.exec(
        select(User).where(
            User.workspace_id == workspace_id, func.lower(User.handle) == handle.lower()
        )
    ).first()
    if taken:
        raise Conflict(f"the handle '@{handle}' is already taken in this workspace")
    if handle.lower() == mentions.EVERYONE:
        raise Invalid(f"'{handle}' is reserved: @{mentions.EVERYONE} mentions every agent")
    if session.exec(
        select(Agent.id).where(
            Agent.workspace_id == workspace_id, func.lower(Agent.name) == handle.lower()
        )
    ).first():
        raise Conflict(
            f"the handle '@{handle}' is already an agent's name in this workspace; "
            "names must be unique so @mentions are unambiguous"
        )
    user = User(
        workspace_id=workspace_id,
        handle=handle,
        display_name=display_name or handle,
        role=role,
        email=email,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    after = snapshot(user)
    if after:
        after.pop("password_hash", None)
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.user_created,
        target_type="user",
        target_id=user.id,
        text=f"{actor.name} added operator @{handle} ({role})",
        after=after,
    )
    return user


def list_users(*, session: Session, workspace_id: int) -> list[User]:
    return list(
        session.exec(select(User).where(User.workspace_id == workspace_id).order_by(User.handle))  # type: ignore[arg-type]
    )


def set_active(*, session: Session, workspace_id: int, user_id: int, active: bool, actor: Actor) -> User:
    """Deactivate (or reactivate) an operator: a deactivated one's tokens stop working and their
    browser sessions end at once."""
    user = get_in_workspace(session, User, user_id, workspace_id)
    if user.is_active == active:
        return user
    user.is_active = active
    session.add(user)
    session.flush()
    if not active:
        browser_sessions.end_all(session=session, user_id=user_id)
    verb = "reactivated" if active else "deactivated"
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.user_reactivated if active else EventType.user_deactivated,
        target_type="user",
        target_id=user.id,
        text=f"{actor.name} {verb} operator @{user.handle}",
        before={"is_active": not active},
        after={"is_active": active},
    )
    return user
