"""Workspaces (tenants): creating one with its own first admin, renaming.

Creating a workspace is the platform owner's call, not a tenant's: the admins of the
installation's first workspace (the one made at first start) may, and so may the command line
on the server (`python -m mission_control.seed --create-workspace SLUG [NAME]`). Admins of any
other workspace administer only their own.
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from mission_control.errors import Conflict, Forbidden, Invalid, NotFound
from mission_control.events import EventType
from mission_control.models import ActorType, User, UserRole, Workspace
from mission_control.services.actor import Actor

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise Invalid("a workspace name has 1 to 80 characters", details={"fields": {"name": "1 to 80 characters"}})
    return name


def create_workspace(*, session: Session, slug: str, name: str) -> Workspace:
    if not SLUG_RE.match(slug or ""):
        raise Invalid(
            f"'{slug}' is not a valid workspace slug: up to 40 lowercase letters, digits or -, starting with a letter",
            details={"fields": {"slug": "lowercase letters, digits and -"}},
        )
    if session.exec(select(Workspace).where(Workspace.slug == slug)).first():
        raise Conflict(f"a workspace called '{slug}' already exists", details={"fields": {"slug": "already taken"}})
    ws = Workspace(slug=slug, name=_check_name(name))
    session.add(ws)
    session.flush()
    return ws


def is_platform_owner(*, session: Session, actor: Actor) -> bool:
    """An active admin of the first workspace, or the server's own command line (system)."""
    if actor.type == ActorType.system:
        return True
    if actor.user_id is None:
        return False
    user = session.get(User, actor.user_id)
    home = first_workspace(session=session)
    return bool(user and home and user.is_active and user.role == UserRole.admin
                and user.workspace_id == home.id)


def require_platform_owner(*, session: Session, actor: Actor) -> None:
    if not is_platform_owner(session=session, actor=actor):
        home = first_workspace(session=session)
        raise Forbidden(
            "only the platform owner creates workspaces: an admin of the first workspace"
            f"{f' ({home.slug})' if home else ''}, or `python -m mission_control.seed "
            "--create-workspace` on the server",
            details={"required": "platform_owner"},
        )


def create_with_admin(*, session: Session, slug: str, name: str, actor: Actor) -> tuple[Workspace, str, str]:
    """A new tenant and its first admin; returns (workspace, admin handle, password shown once).
    The platform owner's action (see the module docstring)."""
    from mission_control.services import auth
    from mission_control.services.recording import record_change

    require_platform_owner(session=session, actor=actor)
    ws = create_workspace(session=session, slug=slug, name=name)
    assert ws.id is not None
    creds = auth.ensure_admin(session=session, workspace_slug=ws.slug)
    assert creds is not None
    record_change(
        session,
        workspace_id=ws.id,
        actor=actor,
        action=EventType.workspace_created,
        target_type="workspace",
        target_id=ws.id,
        text=f"{actor.name} created workspace {ws.name} ({ws.slug})",
        after={"slug": ws.slug, "name": ws.name},
        feed=False,
    )
    return ws, creds.handle, creds.password


def rename_workspace(*, session: Session, workspace_id: int, name: str, actor: Actor) -> Workspace:
    from mission_control.services.recording import record_change

    ws = session.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound(f"workspace {workspace_id} does not exist")
    before, ws.name = ws.name, _check_name(name)
    session.add(ws)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.workspace_renamed,
        target_type="workspace",
        target_id=workspace_id,
        text=f"{actor.name} renamed the workspace to {ws.name}",
        before={"name": before},
        after={"name": ws.name},
        feed=False,
    )
    return ws


def get_workspace_by_slug(*, session: Session, slug: str) -> Workspace:
    ws = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
    if ws is None:
        raise NotFound(f"workspace '{slug}' does not exist")
    return ws


def first_workspace(*, session: Session) -> Workspace | None:
    return session.exec(select(Workspace).order_by(Workspace.id)).first()  # type: ignore[arg-type]
