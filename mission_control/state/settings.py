"""`/settings`: my API tokens; operators of the workspace (admins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.models import UserRole
from mission_control.services import api_keys, auth, users, workspaces
from mission_control.services.authz import Permission
from mission_control.state import toast
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState

ROLES = [r.value for r in UserRole]


@dataclass
class TokenRow:
    id: int = 0
    prefix: str = ""
    name: str = ""
    created_at: str = ""
    last_used_at: str = ""


@dataclass
class OperatorRow:
    id: int = 0
    handle: str = ""
    display_name: str = ""
    role: str = ""
    active: bool = True
    last_login_at: str = ""


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


class SettingsState(SessionState):
    tokens: list[TokenRow] = []
    operators: list[OperatorRow] = []
    loaded: bool = False
    shown_secret: str = ""  # a new token or password, shown once
    shown_label: str = ""
    new_handle: str = ""
    new_role: str = "operator"
    form_error: str = ""
    ws_error: str = ""
    platform_owner: bool = False  # may create workspaces (services/workspaces.py)

    def refresh(self) -> None:
        ctx = self.context()
        if not ctx.signed_in:
            return
        with read_session() as session:
            keys = [k for k in api_keys.list_keys(session=session, workspace_id=ctx.workspace_id, user_id=ctx.user_id)
                    if k.revoked_at is None]
            self.tokens = [TokenRow(k.id or 0, k.prefix, k.name, _iso(k.created_at), _iso(k.last_used_at))
                           for k in keys]
            people = users.list_users(session=session, workspace_id=ctx.workspace_id) if ctx.role == "admin" else []
            self.platform_owner = workspaces.is_platform_owner(session=session, actor=ctx.actor)
            self.operators = [OperatorRow(u.id or 0, u.handle, u.display_name, str(u.role), u.is_active,
                                          _iso(u.last_login_at)) for u in people]
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.shown_secret, self.form_error = "", ""
        self.refresh()

    def _show(self, label: str, secret: str) -> None:
        self.shown_label, self.shown_secret = label, secret

    @rx.event
    def hide_secret(self) -> None:
        self.shown_secret = ""

    @rx.event
    @off_loop
    def new_token(self, form: dict[str, Any]) -> Any:
        name = str(form.get("name", "")).strip() or "personal token"
        try:
            ctx = self.context().require(Permission.read)
            with session_scope() as session:
                _, token = api_keys.create_key(session=session, workspace_id=ctx.workspace_id, user_id=ctx.user_id,
                                               name=name, actor=ctx.actor)
        except MissionControlError as exc:
            return toast.error(exc.message)
        self._show(f"Token “{name}” — use it as MC_API_KEY for the mc CLI or the MCP server:", token)
        self.refresh()
        return None

    @rx.event
    @off_loop
    def revoke_token(self, key_id: int) -> Any:
        try:
            ctx = self.context().require(Permission.read)
            with session_scope() as session:
                api_keys.revoke_key(session=session, workspace_id=ctx.workspace_id, key_id=key_id, actor=ctx.actor,
                                    owner_user_id=ctx.user_id)
        except MissionControlError as exc:
            return toast.error(exc.message)
        self.refresh()
        return toast.success("Token revoked")

    @rx.event
    def set_new_handle(self, value: str) -> None:
        self.new_handle, self.form_error = value, ""

    @rx.event
    def set_new_role(self, value: str) -> None:
        self.new_role = value

    @rx.event
    @off_loop
    def add_operator(self) -> Any:
        handle = self.new_handle.strip().lstrip("@")
        if not handle:
            self.form_error = "Enter a handle (used in @mentions)."
            return None
        password = auth.generate_password()
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                user = users.create_user(session=session, workspace_id=ctx.workspace_id, handle=handle,
                                         display_name=handle, role=UserRole(self.new_role), actor=ctx.actor)
                auth.set_password(session=session, user=user, password=password, actor=ctx.actor)
        except MissionControlError as exc:
            self.form_error = exc.message
            return None
        self.new_handle = ""
        self._show(f"Password for @{handle} ({self.new_role}) — hand it over now; it is not stored in clear:", password)
        self.refresh()
        return None

    @rx.event
    @off_loop
    def set_active(self, user_id: int, active: bool) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
            if user_id == ctx.user_id and not active:
                return toast.error("You cannot deactivate yourself; ask another admin.")
            with session_scope() as session:
                users.set_active(session=session, workspace_id=ctx.workspace_id, user_id=user_id, active=active,
                                 actor=ctx.actor)
        except MissionControlError as exc:
            return toast.error(exc.message)
        self.refresh()
        return None


    @rx.event
    @off_loop
    def rename_workspace(self, form: dict[str, Any]) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                ws = workspaces.rename_workspace(session=session, workspace_id=ctx.workspace_id,
                                                 name=str(form.get("name", "")), actor=ctx.actor)
                self.me_workspace = ws.name
        except MissionControlError as exc:
            self.ws_error = exc.message
            return None
        self.ws_error = ""
        return toast.success("Workspace renamed")

    @rx.event
    @off_loop
    def create_workspace(self, form: dict[str, Any]) -> Any:
        slug, name = str(form.get("slug", "")).strip().lower(), str(form.get("name", "")).strip()
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                ws, handle, password = workspaces.create_with_admin(session=session, slug=slug, name=name or slug,
                                                                    actor=ctx.actor)
                label = f"Workspace “{ws.name}” created. Its admin signs in with workspace {ws.slug}, handle @{handle}:"
        except MissionControlError as exc:
            self.ws_error = exc.message
            return None
        self.ws_error = ""
        self._show(label, password)
        return None
