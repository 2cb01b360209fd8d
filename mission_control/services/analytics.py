"""Read models for the analytics page, computed from the audit log and the heartbeat runs.

Every status change is an AuditEvent (`task.created` starts a task in the inbox,
`task.moved` carries before/after status), so the audit log is the task's whole timeline.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from mission_control.events import EventType
from mission_control.models import (
    TASK_COLUMNS,
    Agent,
    AuditEvent,
    HeartbeatRun,
    Task,
    TaskAssignee,
    TaskStatus,
    utcnow,
)
from mission_control.services.task_flow import label

Timeline = list[tuple[datetime, str]]
_ORDER = {str(s): i for i, s in enumerate(TASK_COLUMNS)}


def status_timelines(*, session: Session, workspace_id: int) -> dict[int, Timeline]:
    """task id -> [(when, status entered)], oldest first, for tasks that still exist."""
    existing = set(session.exec(select(Task.id).where(Task.workspace_id == workspace_id)))
    rows = session.exec(
        select(AuditEvent.target_id, AuditEvent.action, AuditEvent.at, AuditEvent.after)
        .where(
            AuditEvent.workspace_id == workspace_id,
            AuditEvent.target_type == "task",
            col(AuditEvent.action).in_((EventType.task_created, EventType.task_moved)),
        )
        .order_by(col(AuditEvent.id))
    )
    timelines: dict[int, Timeline] = defaultdict(list)
    for task_id, action, at, after in rows:
        if task_id is None or task_id not in existing:
            continue
        status = (after or {}).get("status") or (str(TaskStatus.inbox) if action == EventType.task_created else "")
        if status:
            timelines[task_id].append((at, str(status)))
    return dict(timelines)


def _moves(session: Session, workspace_id: int, since: datetime | None = None) -> list[tuple[int, datetime, str, str]]:
    """(task id, when, from, to) for every column change, oldest first."""
    query = select(AuditEvent.target_id, AuditEvent.at, AuditEvent.before, AuditEvent.after).where(
        AuditEvent.workspace_id == workspace_id,
        AuditEvent.target_type == "task",
        AuditEvent.action == EventType.task_moved,
    )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    out = []
    for task_id, at, before, after in session.exec(query.order_by(col(AuditEvent.id))):
        frm, to = (before or {}).get("status", ""), (after or {}).get("status", "")
        if task_id is not None and frm and to:
            out.append((int(task_id), at, str(frm), str(to)))
    return out


def done_per_day(
    *, session: Session, workspace_id: int, days: int = 14, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Tasks moved to done on each of the last `days` UTC days (today included), zeros kept."""
    today = (now or utcnow()).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=(now or utcnow()).tzinfo)
    counts = Counter(
        at.date() for _, at, _, to in _moves(session, workspace_id, since=start) if to == TaskStatus.done
    )
    return [
        {"day": (first + timedelta(days=i)).isoformat()[5:], "done": counts.get(first + timedelta(days=i), 0)}
        for i in range(days)
    ]


def time_in_columns(
    *, session: Session, workspace_id: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Hours tasks spent in each column before moving on (an open stay counts up to now).

    `avg_hours` is per visit, so a task sent back to in progress twice counts twice there.
    Done is left out: it is where tasks stay.
    """
    now = now or utcnow()
    total: dict[str, float] = defaultdict(float)
    visits: Counter[str] = Counter()
    for timeline in status_timelines(session=session, workspace_id=workspace_id).values():
        for (start, status), (end, _) in zip(timeline, [*timeline[1:], (now, "")], strict=True):
            if status == TaskStatus.done:
                continue
            total[status] += max(0.0, (end - start).total_seconds()) / 3600
            visits[status] += 1
    return [
        {
            "status": str(s),
            "column": label(s).capitalize(),
            "total_hours": round(total[str(s)], 2),
            "avg_hours": round(total[str(s)] / visits[str(s)], 2) if visits[str(s)] else 0.0,
            "visits": visits[str(s)],
        }
        for s in TASK_COLUMNS
        if s != TaskStatus.done
    ]


def approval_rates(*, session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """Per assignee: reviews approved (review -> done) and sent back (review -> an earlier column).

    A review counts for every agent assigned to the task now.
    """
    approved: Counter[int] = Counter()
    rejected: Counter[int] = Counter()
    reviewed = [(t, to) for t, _, frm, to in _moves(session, workspace_id) if frm == TaskStatus.review]
    owners: dict[int, list[int]] = defaultdict(list)
    if reviewed:
        for task_id, agent_id in session.exec(
            select(TaskAssignee.task_id, TaskAssignee.agent_id).where(TaskAssignee.workspace_id == workspace_id)
        ):
            owners[task_id].append(agent_id)
    for task_id, to in reviewed:
        if to == TaskStatus.done:
            tally = approved
        elif _ORDER.get(to, len(_ORDER)) < _ORDER[TaskStatus.review]:
            tally = rejected
        else:
            continue
        for agent_id in owners.get(task_id, []):
            tally[agent_id] += 1
    names = {a.id: a.name for a in session.exec(select(Agent).where(Agent.workspace_id == workspace_id))}
    rows = []
    for agent_id in sorted(set(approved) | set(rejected), key=lambda i: names.get(i, "").lower()):
        ok, back = approved[agent_id], rejected[agent_id]
        rows.append(
            {
                "agent": names.get(agent_id, f"agent {agent_id}"),
                "approved": ok,
                "rejected": back,
                "rate": round(100 * ok / (ok + back)),
            }
        )
    return rows


def heartbeat_outcomes(
    *, session: Session, workspace_id: int, days: int = 14, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Heartbeat runs per outcome over the last `days` days, most frequent first."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.exec(
        select(HeartbeatRun.outcome, func.count())
        .where(HeartbeatRun.workspace_id == workspace_id, HeartbeatRun.started_at >= since)
        .group_by(HeartbeatRun.outcome)
    )
    return [
        {"outcome": outcome, "runs": int(n)}
        for outcome, n in sorted(rows, key=lambda r: (-int(r[1]), r[0]))
    ]
