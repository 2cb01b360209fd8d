"""Operator passwords: hashing (Argon2id, argon2-cffi), checking a sign-in, first admin.

Checking a password costs tens of milliseconds of CPU by design, so callers run it off the event
loop and behind per-address and per-handle limits (`mission_control/sign_in.py`). An unknown
handle, another workspace's handle and a deactivated operator are checked against a dummy hash:
they take as long as a wrong password, write nothing and get the same message, so sign-in does
not reveal who exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from mission_control.errors import Invalid, Unauthenticated
from mission_control.events import EventType
from mission_control.models import User, UserRole, Workspace, utcnow
from mission_control.services import browser_sessions, users, workspaces
from mission_control.services.actor import Actor
from mission_control.services.recording import record_change

MIN_PASSWORD = 12
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password, only spends the same time")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD} characters",
            details={"fields": {"password": f"at least {MIN_PASSWORD} characters"}},
        )
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def refused() -> Unauthenticated:
    return Unauthenticated("wrong workspace, handle or password")


def check_login(*, session: Session, workspace_slug: str, handle: str, password: str) -> User | None:
    """The operator these credentials sign in, or None. A success records the sign-in time."""
    user = session.exec(
        select(User)
        .join(Workspace, col(Workspace.id) == col(User.workspace_id))
        .where(Workspace.slug == workspace_slug, User.handle == handle)
    ).first()
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    session.add(user)
    session.flush()
    return user


def set_password(*, session: Session, user: User, password: str, actor: Actor) -> User:
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    assert user.id is not None
    # Whoever knew the old password may be signed in somewhere: every browser signs in again.
    browser_sessions.end_all(session=session, user_id=user.id)
    record_change(
        session,
        workspace_id=user.workspace_id,
        actor=actor,
        action=EventType.user_password_set,
        target_type="user",
        target_id=user.id,
        text=f"{actor.name} set the password of @{user.handle}",
        feed=False,
    )
    return user


@dataclass(frozen=True)
class AdminCredentials:
    workspace_slug: str
    handle: str
    password: str


def ensure_admin(*, session: Session, workspace_slug: str) -> AdminCredentials | None:
    """First start: make sure the workspace has an admin who can sign in.

    Creates the workspace and/or an `admin` operator with a generated password (returned, to
    be shown once) when there is no active admin with a password; otherwise returns None.
    """
    actor = Actor.system("bootstrap")
    ws = session.exec(select(Workspace).where(Workspace.slug == workspace_slug)).first()
    if ws is None:
        ws = workspaces.create_workspace(session=session, slug=workspace_slug, name=workspace_slug)
    assert ws.id is not None
    admins = list(
        session.exec(
            select(User).where(
                User.workspace_id == ws.id, User.role == UserRole.admin, User.is_active
            )
        )
    )
    if any(a.password_hash for a in admins):
        return None
    password = generate_password()
    user = next((a for a in admins if a.handle == "admin"), None)
    if user is None:
        user = users.create_user(
            session=session,
            workspace_id=ws.id,
            handle="admin",
            display_name="Admin",
            role=UserRole.admin,
            actor=actor,
        )
    set_password(session=session, user=user, password=password, actor=actor)
    return AdminCredentials(ws.slug, user.handle, password)
