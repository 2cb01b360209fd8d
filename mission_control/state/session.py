"""Who is at the keyboard and which workspace the tab shows.

The browser's credential is a server-side session (services/browser_sessions.py) in an
HttpOnly, SameSite=Strict cookie that page scripts cannot read. Reflex's own cookies are
written by page script, so this one is set by plain HTTP routes (api/browser_auth.py): the
sign-in form checks the password over the socket, then sends the browser to /auth/session
with a one-time ticket, and the response sets the cookie. The browser sends it in the
socket's handshake; every handler resolves it again (`context()`), so an ended session, an
expired one or a deactivated operator loses access on the next click, and roles mean the same
thing in the UI as in the API (services/authz.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session, col, select

from mission_control import sign_in as password_sign_in
from mission_control.db import read_session, session_scope
from mission_control.errors import RateLimited, Unauthenticated
from mission_control.models import ActorType, User, Workspace
from mission_control.services import browser_sessions
from mission_control.services.actor import Actor
from mission_control.services.authz import Permission, Principal, require
from mission_control.services.browser_sessions import COOKIE, safe_next

SIGN_IN_ERRORS = (Unauthenticated, RateLimited)


@dataclass(frozen=True)
class UiContext:
    workspace_id: int
    workspace_name: str
    user_id: int
    handle: str
    role: str = ""
    session_id: int = 0

    @property
    def signed_in(self) -> bool:
        return bool(self.user_id)

    @property
    def principal(self) -> Principal:
        if not self.user_id:
            raise Unauthenticated("you are signed out; sign in again")
        return Principal(self.workspace_id, ActorType.user, self.user_id, self.handle, self.role)

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.user_id, self.handle, "ui")

    def require(self, permission: Permission) -> UiContext:
        require(self.principal, permission)
        return self


SIGNED_OUT = UiContext(0, "", 0, "")
# Use of a session is recorded off the handler's thread: a click never waits on a write.
_touches = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mc-session-touch")
# Set while the live push re-reads a tab's page: that is not the operator using the session,
# and must not keep a tab left open from ever idling out.
PUSHING: ContextVar[bool] = ContextVar("mc_live_push", default=False)


def _touch(session_id: int) -> None:
    with session_scope() as session:
        browser_sessions.touch(session=session, session_id=session_id)


def context_of(live: browser_sessions.LiveSession | None) -> UiContext:
    if live is None:
        return SIGNED_OUT
    return UiContext(live.workspace_id, live.workspace_name, live.user_id, live.handle, live.role, live.id)


def current_context(token: str) -> UiContext:
    """The signed-in operator for a session token, or SIGNED_OUT."""
    if not token:
        return SIGNED_OUT
    with read_session() as session:
        live = browser_sessions.resolve(session=session, token=token)
    if live is not None and not PUSHING.get() and browser_sessions.needs_touch(live.last_seen_at):
        _touches.submit(_touch, live.id)
    return context_of(live)


def token_from_cookies(header: str) -> str:
    """The session token in a Cookie header ("" if none). By hand: one malformed cookie of
    another app on this host must not hide ours (http.cookies gives up on the whole header)."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value.strip().strip('"')
    return ""


def default_workspace_slug() -> str:
    with read_session() as session:
        ws = session.exec(select(Workspace).order_by(col(Workspace.id))).first()
        return ws.slug if ws else ""


def _start_session(session: Session, user: User) -> str:
    return browser_sessions.start(session=session, user=user)


async def sign_in(workspace: str, handle: str, password: str, address: str = "unknown") -> str:
    """Check the password (off the event loop, limited) and return a one-time sign-in ticket."""
    return await password_sign_in.sign_in(
        limits=password_sign_in.current_limits(), address=address, workspace=workspace, handle=handle,
        password=password, issue=_start_session,
    )


def sign_out(token: str) -> None:
    """End the session this token belongs to (nothing if it already ended)."""
    if token:
        with session_scope() as session:
            browser_sessions.end(session=session, token=token)


def go_to(path: str) -> Any:
    """A full page load, not an in-app navigation: the page's new socket then carries the
    cookies as they are now (an HTTP route may just have set or cleared the session)."""
    return rx.call_script(f"window.location.replace({json.dumps(path)})")


def to_sign_in(here: str) -> Any:
    return rx.redirect(f"/login?next={quote(safe_next(here), safe='/')}")


def set_if_changed(state: rx.State, name: str, value: Any) -> None:
    """Assign a var only when its value differs: Reflex sends (and, with Redis, stores) every
    var that was assigned, so an unchanged board column would cost every tab on every push.
    Reads the raw value (no change-tracking proxy); the same object short-cuts the compare.
    (A function, not a SessionState method: Reflex binds a parent state's methods to the
    parent's instance, which does not have the page's vars.)"""
    current = state.get_value(name)
    if current is not value and current != value:
        setattr(state, name, value)


class SessionState(rx.State):
    """Parent of every page state: who the tab's session cookie belongs to."""

    me_handle: str = ""
    me_role: str = ""
    me_workspace: str = ""
    login_workspace: str = ""
    login_error: str = ""
    login_busy: bool = False

    def credential(self) -> str:
        """The session token from the socket's handshake (never sent to the page: Reflex
        leaves the cookie header out of what it serializes)."""
        return token_from_cookies(self.router.headers.cookie)

    def context(self) -> UiContext:
        return current_context(self.credential())

    @rx.var
    def can_work(self) -> bool:
        return self.me_role in ("operator", "admin")

    @rx.var
    def is_admin(self) -> bool:
        return self.me_role == "admin"

    @rx.event
    def require_sign_in(self) -> Any:
        """First on_load of every page: who is this, or off to the sign-in page."""
        ctx = self.context()
        self.me_handle, self.me_role, self.me_workspace = ctx.handle, ctx.role, ctx.workspace_name
        if not ctx.signed_in:
            return to_sign_in(self.router.url.path or "/")
        return None

    @rx.event
    def login_on_load(self) -> Any:
        if self.context().signed_in:
            return rx.redirect(self._next_page())
        self.login_error, self.login_busy = "", False
        if not self.login_workspace:
            self.login_workspace = default_workspace_slug()
        return None

    def _next_page(self) -> str:
        return safe_next(str(self.router.url.query_parameters.get("next", "/") or "/"))

    @rx.event
    async def submit_login(self, form: dict[str, Any]) -> AsyncIterator[Any]:
        workspace = str(form.get("workspace") or self.login_workspace or "")
        handle, password = str(form.get("handle") or ""), str(form.get("password") or "")
        if not handle.strip() or not password:
            self.login_error = "Enter your handle and password."
            return
        self.login_workspace, self.login_error, self.login_busy = workspace, "", True
        yield
        try:
            ticket = await sign_in(workspace, handle, password, self.router.session.client_ip)
        except SIGN_IN_ERRORS as exc:
            self.login_error, self.login_busy = exc.message, False
            return
        # The cookie is set by that HTTP response; the page it lands on signs in from it.
        yield go_to(f"/auth/session?ticket={ticket}&next={quote(self._next_page(), safe='/')}")

    @rx.event
    async def logout(self) -> Any:
        # Ended here, so every tab of this session is dropped even if the page never loads the
        # route; the route clears the cookie (page script cannot). A write: off the loop.
        await asyncio.to_thread(sign_out, self.credential())
        self.me_handle = self.me_role = ""
        return go_to("/auth/sign-out")
