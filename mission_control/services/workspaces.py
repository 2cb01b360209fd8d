from __future__ import annotations

from sqlmodel import Session, select

from mission_control.errors import Conflict, NotFound
from mission_control.models import Workspace


def create_workspace(*, session: Session, slug: str, name: str) -> Workspace:
    if session.exec(select(Workspace).where(Workspace.slug == slug)).first():
        raise Conflict(f"a workspace called '{slug}' already exists")
    ws = Workspace(slug=slug, name=name)
    session.add(ws)
    session.flush()
    return ws


def get_workspace_by_slug(*, session: Session, slug: str) -> Workspace:
    ws = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
    if ws is None:
        raise NotFound(f"workspace '{slug}' does not exist")
    return ws


def first_workspace(*, session: Session) -> Workspace | None:
    return session.exec(select(Workspace).order_by(Workspace.id)).first()  # type: ignore[arg-type]
