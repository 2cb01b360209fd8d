"""Browser sessions: an operator signed in in a browser, checked server-side on every use.

A session is not an API key: its token (`mcs_…`) lives only in an HttpOnly cookie and the agent
API does not accept it. Sign-in goes in two steps, because only an HTTP response can set an
HttpOnly cookie and the sign-in form talks over the UI's socket:

    password checked -> `start`: a session row holding only a one-time ticket (30 s)
    browser opens /auth/session?ticket=… -> `redeem`: the ticket becomes the session token,
                                             set as the cookie by that response

A session ends when its operator signs out, when their password is set or reset, when they
are deactivated (the row is deleted: every later use is refused), after
`session_idle_timeout_s` without use, and `session_max_age_s` after sign-in. Use is recorded
at most once a minute, so an active tab costs no write per event.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import ColumnElement, delete, or_, update
from sqlmodel import Session, col, select

from mission_control.config import get_settings
from mission_control.events import EventType
from mission_control.models import BrowserSession, User, Workspace, utcnow
from mission_control.services.actor import Actor
from mission_control.services.recording import record_change

COOKIE = "mc_session"
TOKEN_KIND = "mcs"
TICKET_S = 30
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class LiveSession:
    id: int
    workspace_id: int
    workspace_name: str
    user_id: int
    handle: str
    role: str
    last_seen_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    settings = get_settings()
    return timedelta(seconds=settings.session_idle_timeout_s), timedelta(seconds=settings.session_max_age_s)


def safe_next(target: str | None) -> str:
    """A path on this site to go to after signing in; anything else (another origin, a
    scheme, control characters) becomes "/"."""
    target = target or "/"
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(c) < 0x21 or c == "\\" for c in target)
    ):
        return "/"
    # Percent-encoded past the URL's own punctuation: `<` and `>` in a redirect's path would
    # also let `<reflex.Var>…` (Reflex's var marker, see state/toast.py) hang the worker.
    return quote(target, safe="/?&=#%-._~:@!$'()*+,;")


def _record(session: Session, workspace_id: int, user_id: int, handle: str, action: EventType, text: str) -> None:
    """Audited; the event it publishes after commit also wakes the live push, which drops the
    tabs of a session that ended."""
    record_change(
        session, workspace_id=workspace_id, actor=Actor.for_user(user_id, handle, "ui"), action=action,
        target_type="user", target_id=user_id, text=f"@{handle} {text}", feed=False,
    )


def prune(*, session: Session, now: datetime | None = None) -> None:
    """Delete expired sessions and unused tickets."""
    now = now or utcnow()
    idle, max_age = _limits()
    session.exec(
        delete(BrowserSession).where(  # type: ignore[call-overload]
            or_(
                col(BrowserSession.last_seen_at) <= now - idle,
                col(BrowserSession.created_at) <= now - max_age,
                (col(BrowserSession.token_hash).is_(None))
                & (col(BrowserSession.created_at) <= now - timedelta(seconds=TICKET_S)),
            )
        )
    )


def start(*, session: Session, user: User, now: datetime | None = None) -> str:
    """After a successful password check: a session waiting for its browser; returns the
    one-time ticket (valid TICKET_S seconds) that `redeem` trades for the session token."""
    now = now or utcnow()
    assert user.id is not None
    prune(session=session, now=now)
    ticket = secrets.token_urlsafe(32)
    row = BrowserSession(
        workspace_id=user.workspace_id, user_id=user.id, ticket_hash=_hash(ticket), created_at=now, last_seen_at=now
    )
    session.add(row)
    _record(session, user.workspace_id, user.id, user.handle, EventType.user_signed_in, "signed in in a browser")
    return ticket


def redeem(*, session: Session, ticket: str, now: datetime | None = None) -> str | None:
    """Trade a ticket for the session token, once, within TICKET_S seconds; None otherwise."""
    if not ticket:
        return None
    now = now or utcnow()
    token = f"{TOKEN_KIND}_{secrets.token_urlsafe(32)}"
    # One UPDATE guarded by the ticket: of two concurrent redemptions only one changes a row.
    result = session.exec(
        update(BrowserSession)  # type: ignore[call-overload]
        .where(
            col(BrowserSession.ticket_hash) == _hash(ticket),
            col(BrowserSession.created_at) > now - timedelta(seconds=TICKET_S),
        )
        .values(ticket_hash=None, token_hash=_hash(token), last_seen_at=now)
    )
    return token if result.rowcount == 1 else None


def open_session(*, session: Session, user: User, now: datetime | None = None) -> str:
    """A signed-in session without a password (tests, screenshots, benchmarks)."""
    token = redeem(session=session, ticket=start(session=session, user=user, now=now), now=now)
    assert token is not None
    return token


def _expired(row: BrowserSession, now: datetime) -> bool:
    idle, max_age = _limits()
    return now - row.last_seen_at >= idle or now - row.created_at >= max_age


def _live(session: Session, where: ColumnElement[bool], now: datetime) -> list[LiveSession]:
    rows = session.exec(
        select(BrowserSession, User, Workspace)
        .join(User, col(User.id) == col(BrowserSession.user_id))
        .join(Workspace, col(Workspace.id) == col(BrowserSession.workspace_id))
        .where(where, col(User.is_active), col(User.workspace_id) == col(BrowserSession.workspace_id))
    )
    out = []
    for row, user, ws in rows:
        if row.token_hash is None or _expired(row, now):
            continue
        assert row.id is not None and user.id is not None
        out.append(LiveSession(row.id, ws.id or 0, ws.name, user.id, user.handle, str(user.role), row.last_seen_at))
    return out


def resolve(*, session: Session, token: str, now: datetime | None = None) -> LiveSession | None:
    """The live session a cookie carries, or None (unknown, ended, expired, deactivated)."""
    if not token.startswith(f"{TOKEN_KIND}_"):
        return None
    found = _live(session, col(BrowserSession.token_hash) == _hash(token), now or utcnow())
    return found[0] if found else None


def live_sessions(*, session: Session, ids: set[int], now: datetime | None = None) -> dict[int, LiveSession]:
    """Of these session ids, the ones still live (one query, for the live push)."""
    if not ids:
        return {}
    return {s.id: s for s in _live(session, col(BrowserSession.id).in_(ids), now or utcnow())}


def needs_touch(last_seen_at: datetime, now: datetime | None = None) -> bool:
    return (now or utcnow()) - last_seen_at >= TOUCH_EVERY


def touch(*, session: Session, session_id: int, now: datetime | None = None) -> None:
    """Record use (not audited: bookkeeping, not a change anyone made)."""
    session.exec(
        update(BrowserSession)  # type: ignore[call-overload]
        .where(col(BrowserSession.id) == session_id)
        .values(last_seen_at=now or utcnow())
    )


def end(*, session: Session, token: str) -> bool:
    """Sign-out: the session the cookie carries ends now. False if it had already ended."""
    found = resolve(session=session, token=token)
    if found is None:
        return False
    session.exec(delete(BrowserSession).where(col(BrowserSession.id) == found.id))  # type: ignore[call-overload]
    _record(session, found.workspace_id, found.user_id, found.handle, EventType.user_signed_out, "signed out")
    return True


def end_all(*, session: Session, user_id: int) -> None:
    """Every browser session of an operator ends (password set, deactivated). The caller
    records the change that caused it, which also wakes the live push to drop their tabs."""
    session.exec(delete(BrowserSession).where(col(BrowserSession.user_id) == user_id))  # type: ignore[call-overload]
