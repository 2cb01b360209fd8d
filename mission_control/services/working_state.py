"""The squad's WORKING.md: a board summary rendered from the database plus a notes section
that agents and operators write.

Every write is a new version with its author. A write names the version it read
(`base_version`); if someone wrote since, it is refused with Conflict (no lost update).
`mode="append"` adds to the latest notes instead and needs no base version, because it is
applied to whatever is current inside the transaction. History, diff and restore never
rewrite old versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from mission_control.errors import Conflict, Invalid, NotFound
from mission_control.events import EventType
from mission_control.models import Agent, User, WorkingStateVersion, Workspace, utcnow
from mission_control.services.actor import Actor
from mission_control.services.recording import record_change
from mission_control.services.textdiff import unified
from mission_control.services.working_render import render

MAX_NOTES = 50_000


@dataclass(frozen=True)
class WorkingState:
    version: int  # 0 until the first write
    notes: str
    content: str  # rendered now, from the board and the notes
    author: str
    updated_at: datetime | None


@dataclass(frozen=True)
class VersionInfo:
    version: int
    author: str
    created_at: datetime
    notes: str


def _latest(session: Session, workspace_id: int) -> WorkingStateVersion | None:
    return session.exec(
        select(WorkingStateVersion)
        .where(WorkingStateVersion.workspace_id == workspace_id)
        .order_by(col(WorkingStateVersion.version).desc())
        .limit(1)
    ).first()


def latest_version(session: Session, workspace_id: int) -> int:
    row = _latest(session, workspace_id)
    return row.version if row else 0


def author_name(session: Session, row: WorkingStateVersion) -> str:
    """Who wrote a version, as shown to people: an agent name, @handle or "system"."""
    if row.author_agent_id is not None:
        agent = session.get(Agent, row.author_agent_id)
        return agent.name if agent else f"agent {row.author_agent_id}"
    if row.author_user_id is not None:
        user = session.get(User, row.author_user_id)
        return f"@{user.handle}" if user else f"user {row.author_user_id}"
    return "system"


def read(*, session: Session, workspace_id: int, now: datetime | None = None) -> WorkingState:
    if session.get(Workspace, workspace_id) is None:
        raise NotFound(f"workspace {workspace_id} does not exist")
    row = _latest(session, workspace_id)
    notes = row.notes if row else ""
    version = row.version if row else 0
    content = render(session, workspace_id, notes=notes, version=version, now=now or utcnow())
    return WorkingState(
        version=version,
        notes=notes,
        content=content,
        author=author_name(session, row) if row else "",
        updated_at=row.created_at if row else None,
    )


def write(
    *,
    session: Session,
    workspace_id: int,
    notes: str,
    actor: Actor,
    base_version: int | None = None,
    mode: Literal["replace", "append"] = "replace",
) -> WorkingStateVersion:
    """Save a new version of the notes. `replace` needs `base_version` (the version you read)."""
    if mode not in ("replace", "append"):
        raise Invalid(f"'{mode}' is not a write mode; use replace or append")
    # Serialise writers of one workspace (PostgreSQL; SQLite write units are exclusive anyway).
    ws = session.exec(select(Workspace).where(Workspace.id == workspace_id).with_for_update(key_share=True)).first()
    if ws is None:
        raise NotFound(f"workspace {workspace_id} does not exist")
    row = _latest(session, workspace_id)
    current = row.version if row else 0
    if mode == "replace":
        if base_version is None:
            raise Invalid(
                "replacing the WORKING.md notes needs base_version (the version you read); "
                "use mode=append to add without it"
            )
        if base_version != current:
            who = author_name(session, row) if row else "someone"
            raise Conflict(
                f"WORKING.md changed since you read it (you read version {base_version}, "
                f"it is now version {current}, written by {who}); read it again and reapply",
                details={"current_version": current},
            )
        new_notes = notes
    else:
        old = row.notes.rstrip() if row else ""
        new_notes = f"{old}\n\n{notes.strip()}" if old else notes.strip()
        if not notes.strip():
            raise Invalid("nothing to append: the notes are empty")
    if len(new_notes) > MAX_NOTES:
        raise Invalid(f"WORKING.md notes are limited to {MAX_NOTES} characters (these have {len(new_notes)})")
    if row is not None and new_notes == row.notes:
        return row  # nothing changed: no empty version
    version = current + 1
    now = utcnow()
    entry = WorkingStateVersion(
        workspace_id=workspace_id,
        version=version,
        notes=new_notes,
        content=render(session, workspace_id, notes=new_notes, version=version, now=now),
        author_agent_id=actor.agent_id,
        author_user_id=actor.user_id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.working_state_updated,
        target_type="working_state",
        target_id=entry.id,
        text=f"{actor.name} updated WORKING.md (version {version})",
        before={"version": current},
        after={"version": version, "mode": mode},
        details={"version": version},
    )
    return entry


def get_version(*, session: Session, workspace_id: int, version: int) -> WorkingStateVersion:
    row = session.exec(
        select(WorkingStateVersion).where(
            WorkingStateVersion.workspace_id == workspace_id, WorkingStateVersion.version == version
        )
    ).first()
    if row is None:
        latest = latest_version(session, workspace_id)
        raise NotFound(f"WORKING.md has no version {version} (latest is {latest})")
    return row


def history(*, session: Session, workspace_id: int, limit: int = 50) -> list[VersionInfo]:
    rows = session.exec(
        select(WorkingStateVersion)
        .where(WorkingStateVersion.workspace_id == workspace_id)
        .options(defer(WorkingStateVersion.content))  # type: ignore[arg-type]  # the whole rendered page
        .order_by(col(WorkingStateVersion.version).desc())
        .limit(limit)
    )
    return [
        VersionInfo(version=r.version, author=author_name(session, r), created_at=r.created_at, notes=r.notes)
        for r in rows
    ]


def diff(
    *,
    session: Session,
    workspace_id: int,
    from_version: int,
    to_version: int,
    part: Literal["notes", "content"] = "notes",
) -> str:
    """A unified diff between two versions (of the notes, or of the whole rendered document)."""
    old = get_version(session=session, workspace_id=workspace_id, version=from_version)
    new = get_version(session=session, workspace_id=workspace_id, version=to_version)
    a = (old.notes if part == "notes" else old.content).splitlines(keepends=True)
    b = (new.notes if part == "notes" else new.content).splitlines(keepends=True)
    return "".join(unified(a, b, fromfile=f"WORKING.md@{from_version}", tofile=f"WORKING.md@{to_version}"))


def restore(
    *, session: Session, workspace_id: int, version: int, actor: Actor, base_version: int | None = None
) -> WorkingStateVersion:
    """Bring back an old version's notes as a new version (history is never rewritten)."""
    old = get_version(session=session, workspace_id=workspace_id, version=version)
    base = base_version if base_version is not None else latest_version(session, workspace_id)
    return write(
        session=session, workspace_id=workspace_id, notes=old.notes, actor=actor, base_version=base
    )
