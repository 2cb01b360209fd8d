"""Reading and verifying the append-only, hash-chained audit log.

Each AuditEvent carries `prev_hash` (the hash of the workspace's previous row) and `hash`
(SHA-256 over its own content and `prev_hash`; see recording.audit_hash). Editing a row breaks
its own hash; deleting or inserting a row breaks the next row's `prev_hash`. Deleting the
newest rows leaves a shorter chain that is still consistent, so `verify_chain` also accepts an
anchor (an id and hash seen by an earlier verification) that must still be there.

Secrets: rows are written redacted (recording.record_change). Rows written before that may
hold a driver's api_key or a webhook secret in `before`/`after`, and they stay as stored: the
hash covers those values, and a row rewritten without them no longer matches its hash, so
verification could no longer tell redaction from tampering (re-hashing the chain instead would
let anyone with database access rewrite history the same way). They are redacted on read,
here, so the log page, the API and exports never show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from mission_control.models import AuditEvent
from mission_control.services.recording import audit_hash
from mission_control.services.secrets import redact

BATCH = 1000


@dataclass
class ChainReport:
    workspace_id: int
    checked: int = 0
    head_id: int | None = None
    head_hash: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    *,
    session: Session,
    workspace_id: int,
    anchor_id: int | None = None,
    anchor_hash: str | None = None,
    max_problems: int = 100,
) -> ChainReport:
    """Walk the workspace's chain oldest to newest and list every break found."""
    report = ChainReport(workspace_id=workspace_id)
    prev = ""
    last_id = 0
    anchor_seen = anchor_id is None
    while True:
        rows = list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.workspace_id == workspace_id, col(AuditEvent.id) > last_id)
                .order_by(col(AuditEvent.id))
                .limit(BATCH)
            )
        )
        if not rows:
            break
        for row in rows:
            assert row.id is not None
            report.checked += 1
            if row.prev_hash != prev:
                report.problems.append(
                    {
                        "id": row.id,
                        "problem": "chain broken before this row: a row was deleted, inserted "
                        "or edited",
                    }
                )
            if audit_hash(row) != row.hash:
                report.problems.append(
                    {"id": row.id, "problem": "row content does not match its hash: edited"}
                )
            if anchor_id is not None and row.id == anchor_id:
                anchor_seen = True
                if row.hash != anchor_hash:
                    report.problems.append(
                        {"id": row.id, "problem": "anchor row's hash differs from the one recorded"}
                    )
            prev = row.hash
            last_id = row.id
        if len(report.problems) >= max_problems:
            break
    report.head_id = last_id or None
    report.head_hash = prev
    if not anchor_seen:
        report.problems.append(
            {"id": anchor_id, "problem": "anchor row is missing: newest rows were deleted"}
        )
    return report


EXPORT_FIELDS = ("id", "at", "actor_type", "actor_name", "origin", "action", "target_type", "target_id",
                 "before", "after", "hash")


def audit_row(row: AuditEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "actor_type": str(row.actor_type),
        "actor_name": row.actor_name,
        "origin": row.origin,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "before": redact(row.before),
        "after": redact(row.after),
        "hash": row.hash,
    }


def list_events(
    *,
    session: Session,
    workspace_id: int,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first. `action` matches a prefix ("task." = every task change)."""
    query = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
    if actor:
        query = query.where(AuditEvent.actor_name == actor.lstrip("@"))
    if action:
        query = query.where(col(AuditEvent.action).startswith(action))
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if before_id:
        query = query.where(col(AuditEvent.id) < before_id)
    rows = session.exec(query.order_by(col(AuditEvent.id).desc()).limit(max(1, min(limit, 10_000))))
    return [audit_row(r) for r in rows]


def export(rows: list[dict[str, Any]], fmt: str) -> str:
    """CSV (before/after as JSON text) or JSON lines are what auditors' tools read."""
    import csv
    import io
    import json

    if fmt == "json":
        return "\n".join(json.dumps(r, default=str, sort_keys=True) for r in rows) + ("\n" if rows else "")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "before": json.dumps(r["before"]) if r["before"] is not None else "",
                         "after": json.dumps(r["after"]) if r["after"] is not None else ""})
    return out.getvalue()
