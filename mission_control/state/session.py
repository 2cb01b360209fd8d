"""Who is at the keyboard and which workspace the tab shows.

Signing in issues the operator a personal token (the same kind the API accepts) and keeps it in
an HttpOnly-less, SameSite=Strict cookie; every handler resolves that token again, so a revoked
token or a deactivated operator loses access on the next click, and roles mean the same thing in
the UI as in the API (services/authz.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import col, select

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError, Unauthenticated
from mission_control.models import ActorType, User, Workspace
from mission_control.services import api_keys, auth
from mission_control.services.actor import Actor
from mission_control.services.authz import Permission, Principal, require

COOKIE = "mc_session"
SESSION_DAYS = 7


@dataclass(frozen=True)
class UiContext:
    workspace_id: int
    workspace_name: str
    user_id: int
    handle: str
    role: str = ""
    key_id: int = 0

    @property
    def signed_in(self) -> bool:
        return bool(self.user_id)

    @property
    def principal(self) -> Principal:
        if not self.user_id:
            raise Unauthenticated("you are signed out; sign in again")
        return Principal(self.workspace_id, ActorType.user, self.user_id, self.handle, self.role, self.key_id)

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.user_id, self.handle, "ui")

    def require(self, permission: Permission) -> UiContext:
        require(self.principal, permission)
        return self


SIGNED_OUT = UiContext(0, "", 0, "")


def current_context(token: str) -> UiContext:
    """The signed-in operator for a session token, or SIGNED_OUT."""
    if not token:
        return SIGNED_OUT
    with read_session() as session:
        try:
            principal, _ = api_keys.authenticate(session=session, token=token)
        except Unauthenticated:
            return SIGNED_OUT
        if principal.user_id is None:
            return SIGNED_OUT  # an agent key is not a browser session
        ws = session.get(Workspace, principal.workspace_id)
        return UiContext(
            principal.workspace_id,
            ws.name if ws else "",
            principal.id,
            principal.name,
            principal.role,
            principal.key_id or 0,
        )


def default_workspace_slug() -> str:
    with read_session() as session:
        ws = session.exec(select(Workspace).order_by(col(Workspace.id))).first()
        return ws.slug if ws else ""


def sign_in(workspace: str, handle: str, password: str) -> str:
    """Check the password (with lockout) and issue a browser session token."""
    with session_scope() as session:
        outcome = auth.check_login(
            session=session, workspace_slug=workspace.strip(), handle=handle.strip().lstrip("@"),
            password=password,
        )
        if outcome.user is None:
            assert outcome.error is not None
            error = outcome.error
        else:
            user: User = outcome.user
            assert user.id is not None
            _, token = api_keys.create_key(
                session=session,
                workspace_id=user.workspace_id,
                user_id=user.id,
                name="browser sign-in",
                actor=Actor.for_user(user.id, user.handle, "ui"),
            )
            return token
    # Raised after the unit of work commits, so failure counts and lockouts are kept.
    raise error


def sign_out(token: str) -> None:
    ctx = current_context(token)
    if not ctx.signed_in:
        return
    with session_scope() as session:
        api_keys.revoke_key(
            session=session, workspace_id=ctx.workspace_id, key_id=ctx.key_id, actor=ctx.actor,
            owner_user_id=ctx.user_id,
        )


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
    """Parent of every page state: holds the session cookie and who it belongs to."""

    session_token: str = rx.Cookie(
        "", name=COOKIE, path="/", max_age=SESSION_DAYS * 86400, same_site="strict"
    )
    me_handle: str = ""
    me_role: str = ""
    me_workspace: str = ""
    login_workspace: str = ""
    login_error: str = ""
    login_busy: bool = False

    def context(self) -> UiContext:
        return current_context(self.session_token)

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
            here = self.router.url.path or "/"
            return rx.redirect(f"/login?next={here}")
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
        target = str(self.router.url.query_parameters.get("next", "/") or "/")
        # Only paths on this site: never bounce a user to another origin.
        return target if target.startswith("/") and not target.startswith("//") else "/"

    @rx.event
    def submit_login(self, form: dict[str, Any]) -> Any:
        workspace = str(form.get("workspace") or self.login_workspace or "")
        handle, password = str(form.get("handle") or ""), str(form.get("password") or "")
        if not handle.strip() or not password:
            self.login_error = "Enter your handle and password."
            return None
        self.login_workspace = workspace
        try:
            self.session_token = sign_in(workspace, handle, password)
        except MissionControlError as exc:
            self.login_error = exc.message
            return None
        self.login_error = ""
        ctx = self.context()
        self.me_handle, self.me_role, self.me_workspace = ctx.handle, ctx.role, ctx.workspace_name
        return rx.redirect(self._next_page())

    @rx.event
    def logout(self) -> Any:
        try:
            sign_out(self.session_token)
        except MissionControlError:
            pass  # already revoked elsewhere: signing out locally is still right
        self.session_token = ""
        self.me_handle = self.me_role = ""
        return rx.redirect("/login")
