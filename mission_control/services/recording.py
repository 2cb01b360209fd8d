"""The bookkeeping every mutation does: an Activity row, a hash-chained AuditEvent, an event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, insert
from sqlmodel import Session, SQLModel, col, select

from mission_control.events import Event, EventType, record
from mission_control.models import Activity, AuditEvent, Workspace, utcnow
from mission_control.services.actor import Actor
from mission_control.services.secrets import redact


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row, for the audit log's before/after."""
    # Enum columns load back as plain strings; that is expected, so no serializer warnings.
    return None if obj is None else obj.model_dump(mode="json", warnings=False)


def audit_hash(row: AuditEvent) -> str:
    return _chain_hash({name: getattr(row, name) for name in _HASHED})


_HASHED = ("workspace_id", "actor_type", "actor_id", "actor_name", "action", "target_type",
           "target_id", "before", "after", "origin", "at", "prev_hash")


def _chain_hash(values: Mapping[str, Any]) -> str:
    body = {name: values[name] for name in _HASHED}
    body["actor_type"] = str(body["actor_type"])
    body["at"] = body["at"].isoformat()
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# The bookkeeping rows are written with prepared Core statements on the unit's connection:
# every mutation pays for them, and building ORM objects and a flush for rows nobody reads
# back in the same unit cost about five times as much (measured: ~200 us vs ~35 us a row).
_AUDIT_HEAD = (
    select(AuditEvent.hash)  # type: ignore[call-overload]
    .where(col(AuditEvent.workspace_id) == bindparam("workspace_id"))
    .order_by(col(AuditEvent.id).desc())
    .limit(1)
)
# Serialise chain appends per workspace (SQLite needs nothing: its write units are already
# exclusive, see db._sqlite_begin). FOR NO KEY UPDATE, not FOR UPDATE: every insert of a row
# referencing the workspace holds FOR KEY SHARE on it, which FOR UPDATE would wait for, so two
# concurrent writers would deadlock on PostgreSQL.
_LOCK_WORKSPACE = (
    select(Workspace.id)  # type: ignore[call-overload]
    .where(col(Workspace.id) == bindparam("workspace_id"))
    .with_for_update(key_share=True)
)
_INSERT_AUDIT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]
_INSERT_ACTIVITY = insert(Activity.__table__)  # type: ignore[attr-defined]


def _last_audit_hash(conn: Connection, workspace_id: int) -> str:
    if conn.dialect.name != "sqlite":
        conn.execute(_LOCK_WORKSPACE, {"workspace_id": workspace_id})
    return conn.execute(_AUDIT_HEAD, {"workspace_id": workspace_id}).scalar() or ""


# The chain heads this transaction wrote, so its next append need not read the head back
# (several changes per transaction are common: batched API writes, a move and its
# side effects). Safe because nobody else can append meanwhile: SQLite's write lock and
# PostgreSQL's lock on the workspace row (_LOCK_WORKSPACE) are held until the transaction
# ends. Keyed by the transaction object, so a new transaction starts empty; an append inside
# a savepoint forgets them all, since the savepoint may be rolled back.
_HEADS = "mc_audit_heads"


def _known_heads(session: Session) -> dict[int, str] | None:
    if session.in_nested_transaction():
        session.info.pop(_HEADS, None)
        return None
    tx = session.get_transaction()
    held = session.info.get(_HEADS)
    if held is None or held[0] is not tx:
        held = session.info[_HEADS] = (tx, {})
    heads: dict[int, str] = held[1]
    return heads


def record_change(
    session: Session,
    *,
    workspace_id: int,
    actor: Actor,
    action: EventType,
    target_type: str,
    target_id: int | None,
    text: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    task_id: int | None = None,
    details: dict[str, Any] | None = None,
    feed: bool = True,
) -> int | None:
    """Write the audit row (always) and the feed line (unless `feed=False`), park the event.
    Returns the feed line's id."""
    session.flush()  # the change itself first: the feed line refers to it
    conn = session.connection()
    heads = _known_heads(session)
    prev = heads.get(workspace_id) if heads is not None else None
    now = utcnow()
    audit: dict[str, Any] = {
        "workspace_id": workspace_id,
        "actor_type": str(actor.type),
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action.value,
        "target_type": target_type,
        "target_id": target_id,
        # Secrets never enter the log: the chain hashes what is stored, so a value written
        # here could never be removed again without breaking it (see services/audit.py).
        "before": redact(before),
        "after": redact(after),
        "origin": actor.origin,
        "at": now,
        "prev_hash": _last_audit_hash(conn, workspace_id) if prev is None else prev,
    }
    audit["hash"] = _chain_hash(audit)
    conn.execute(_INSERT_AUDIT, audit)
    if heads is not None:
        heads[workspace_id] = audit["hash"]
    activity_id = None
    if feed:
        inserted = conn.execute(
            _INSERT_ACTIVITY,
            {
                "workspace_id": workspace_id,
                "event_type": action.value,
                "actor_type": str(actor.type),
                "actor_agent_id": actor.agent_id,
                "actor_user_id": actor.user_id,
                "actor_name": actor.name,
                "task_id": task_id,
                "text": text[:500],
                "details": details or {},
                "created_at": now,
            },
        ).inserted_primary_key
        activity_id = inserted[0] if inserted else None
    record(
        session,
        Event(
            type=action,
            workspace_id=workspace_id,
            payload={
                "target_type": target_type,
                "target_id": target_id,
                "task_id": task_id,
                "activity_id": activity_id,
                **(details or {}),
            },
        ),
    )
    return activity_id
