"""Operator passwords: hashing (Argon2id, argon2-cffi), sign-in with lockout, first admin.

Sign-in failures are counted per operator. After `login_max_failures` in a row, sign-in is
refused for `login_lockout_s` seconds, doubling with each further failure (capped at 15
minutes); a success resets the count. Unknown handles take as long as wrong passwords and get
the same message, so sign-in does not reveal who exists.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from mission_control.config import get_settings
from mission_control.errors import Invalid, MissionControlError, RateLimited, Unauthenticated
from mission_control.models import User, UserRole, Workspace, utcnow
from mission_control.services import users, workspaces
from mission_control.services.actor import Actor
from mission_control.services.recording import record_change

MIN_PASSWORD = 12
MAX_LOCKOUT_S = 900
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


@dataclass
class LoginOutcome:
    """Result of a sign-in attempt. The caller commits (failures are counted) before raising."""

    user: User | None = None
    error: MissionControlError | None = None


def _refused() -> Unauthenticated:
    return Unauthenticated("wrong workspace, handle or password")


def check_login(
    *, session: Session, workspace_slug: str, handle: str, password: str
) -> LoginOutcome:
    settings = get_settings()
    now = utcnow()
    user = session.exec(
        select(User)
        .join(Workspace, col(Workspace.id) == col(User.workspace_id))
        .where(Workspace.slug == workspace_slug, User.handle == handle)
    ).first()
    if user is None or not user.is_active:
        verify_password(None, password)
        return LoginOutcome(error=_refused())
    if user.locked_until is not None and user.locked_until > now:
        wait = math.ceil((user.locked_until - now).total_seconds())
        return LoginOutcome(
            error=RateLimited(
                f"too many failed sign-ins for @{handle}; try again in {wait} s", retry_after=wait
            )
        )
    if not verify_password(user.password_hash, password):
        user.failed_login_count += 1
        over = user.failed_login_count - settings.login_max_failures
        if over >= 0:
            wait = min(MAX_LOCKOUT_S, settings.login_lockout_s * 2**over)
            user.locked_until = now + timedelta(seconds=wait)
            assert user.id is not None
            record_change(
                session,
                workspace_id=user.workspace_id,
                actor=Actor.system("auth"),
                action="user.locked_out",
                target_type="user",
                target_id=user.id,
                text=f"sign-in for @{handle} locked for {wait} s after "
                f"{user.failed_login_count} failures",
                after={"failed_login_count": user.failed_login_count, "lockout_s": wait},
                feed=False,
            )
        session.add(user)
        session.flush()
        return LoginOutcome(error=_refused())
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    session.flush()
    return LoginOutcome(user=user)


def set_password(*, session: Session, user: User, password: str, actor: Actor) -> User:
    user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    record_change(
        session,
        workspace_id=user.workspace_id,
        actor=actor,
        action="user.password_set",
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
