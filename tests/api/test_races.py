"""Two people (or agents) acting on the same task or document at the same moment, as truly
parallel requests through a live server: one wins, the other is told it came second (409),
and nothing is left half-true. On PostgreSQL the requests run side by side, so the test holds
the row while they arrive, then lets go; on SQLite they take turns at the write gate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from mission_control.db import session_scope
from mission_control.models import (
    Activity,
    Document,
    DocumentVersion,
    Message,
    Task,
    TaskAssignee,
    TaskStatus,
)
from mission_control.services import task_flow
from mission_control.services.actor import Actor

API = "/api/v1"
SEED = Actor.system("test")
Call = tuple[str, str, dict[str, str], dict[str, Any] | None]


@contextmanager
def held(db: Engine, model: Any, row_id: int) -> Iterator[None]:
    """Hold `model`'s row `row_id` (PostgreSQL) or SQLite's write lock until the block ends."""
    if db.dialect.name == "sqlite":
        with session_scope() as s:
            s.execute(text("SELECT 1"))  # the unit's BEGIN IMMEDIATE: every writer waits
            yield
        return
    with Session(db) as s:
        s.exec(select(model).where(model.id == row_id).with_for_update(key_share=True)).one()
        yield
        s.rollback()


def race(live_url: str, db: Engine, model: Any, row_id: int, calls: list[Call]) -> list[httpx.Response]:
    """Send `calls` at once while the row is held, so all of them are in before any can act."""
    answers: list[httpx.Response | None] = [None] * len(calls)

    def send(i: int, call: Call) -> None:
        method, path, headers, body = call
        answers[i] = httpx.request(method, f"{live_url}{API}{path}", headers=headers, json=body, timeout=30)

    threads = [threading.Thread(target=send, args=(i, c)) for i, c in enumerate(calls)]
    with held(db, model, row_id):
        for t in threads:
            t.start()
        time.sleep(0.5)  # every request is now waiting for the row
    for t in threads:
        t.join(30)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def _warm(live_url: str, *headers: dict[str, str]) -> None:
    """A key's first use records itself (a write of its own): get that out of the race."""
    for h in headers:
        assert httpx.get(f"{live_url}{API}/me", headers=h, timeout=10).status_code == 200


def _to_review(session: Session, workspace_id: int, task_id: int) -> None:
    for status in (TaskStatus.assigned, TaskStatus.in_progress, TaskStatus.review):
        task_flow.move_task(session=session, workspace_id=workspace_id, task_id=task_id, to=status, actor=SEED)
    session.commit()


def _moves(session: Session, task_id: int) -> list[tuple[str, str]]:
    session.rollback()  # a fresh snapshot
    return [
        (d["from"], d["to"])
        for d in session.exec(
            select(Activity.details)
            .where(Activity.task_id == task_id, Activity.event_type == "task.moved")
            .order_by(col(Activity.id))
        )
        if d
    ]


def _consistent(session: Session, task_id: int) -> None:
    """Each recorded move starts where the one before it ended, and the last is where the task is."""
    moves = _moves(session, task_id)
    for (_, to), (frm, _) in zip(moves, moves[1:], strict=False):
        assert frm == to, f"a move from {frm} recorded after a move to {to}: {moves}"
    task = session.get(Task, task_id)
    assert task is not None and str(task.status) == moves[-1][1]


def test_approve_and_reject_at_once_one_wins_the_other_gets_409(live_url, squad, session, db):
    team = squad.a
    _to_review(session, team.workspace_id, team.task_id)
    _warm(live_url, team.auth("operator"), team.auth("admin"))
    answers = race(live_url, db, Task, team.task_id, [
        ("POST", f"/tasks/{team.task_id}/approve", team.auth("operator"), {"note": "ship it"}),
        ("POST", f"/tasks/{team.task_id}/reject", team.auth("admin"), {"reason": "needs tests"}),
    ])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert "not in review" in loser.json()["error"]["message"]
    _consistent(session, team.task_id)
    assert sum(1 for frm, _ in _moves(session, team.task_id) if frm == "review") == 1
    decisions = session.exec(select(Message.body).where(
        Message.task_id == team.task_id, Message.type == "status_update")).all()
    assert len(decisions) == 1, decisions


def test_two_moves_out_of_one_column_at_once_take_turns(live_url, squad, session, db):
    team = squad.a
    _to_review(session, team.workspace_id, team.task_id)
    _warm(live_url, team.auth("operator"), team.auth("admin"))
    answers = race(live_url, db, Task, team.task_id, [
        ("POST", f"/tasks/{team.task_id}/move", team.auth("operator"), {"status": "done"}),
        ("POST", f"/tasks/{team.task_id}/move", team.auth("admin"), {"status": "in_progress"}),
    ])
    codes = sorted(a.status_code for a in answers)
    if db.dialect.name == "sqlite":
        # One after the other: the second moves it on from the first's column, if the rules
        # allow it from there (done -> in progress does; in progress -> done skips review).
        assert codes in ([200, 200], [200, 422]), [a.text for a in answers]
    else:
        assert codes == [200, 409], [a.text for a in answers]  # the task left review while it waited
    _consistent(session, team.task_id)
    assert sum(1 for frm, _ in _moves(session, team.task_id) if frm == "review") == 1


def test_moving_a_task_while_its_last_assignee_is_removed_keeps_the_rules(live_url, squad, session, db):
    team = squad.a  # its task is `assigned` to one agent
    task_flow.move_task(session=session, workspace_id=team.workspace_id, task_id=team.task_id,
                        to=TaskStatus.assigned, actor=SEED)
    session.commit()
    _warm(live_url, team.auth("operator"), team.auth("admin"))
    answers = race(live_url, db, Task, team.task_id, [
        ("POST", f"/tasks/{team.task_id}/move", team.auth("operator"), {"status": "in_progress"}),
        ("DELETE", f"/tasks/{team.task_id}/assignees/{team.agent_id}", team.auth("admin"), None),
    ])
    assert {a.status_code for a in answers} <= {200, 409, 422}, [a.text for a in answers]
    assert 200 in {a.status_code for a in answers}
    _consistent(session, team.task_id)
    task = session.get(Task, team.task_id)
    assignees = session.exec(select(TaskAssignee).where(TaskAssignee.task_id == team.task_id)).all()
    assert task is not None
    if task.status in (TaskStatus.assigned, TaskStatus.in_progress, TaskStatus.review):
        assert assignees, f"task {task.id} is {task.status} with nobody assigned"


def test_two_saves_of_the_same_version_at_once_one_wins_the_other_gets_409(live_url, squad, session, db):
    team = squad.a
    _warm(live_url, team.auth("agent"), team.auth("agent2"))
    doc = f"/documents/{team.document_id}"
    answers = race(live_url, db, Document, team.document_id, [
        ("PUT", doc, team.auth("agent"), {"content": "mine", "base_version": 1}),
        ("PUT", doc, team.auth("agent2"), {"content": "theirs", "base_version": 1}),
    ])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["error"]["details"]["current_version"] == 2
    session.rollback()
    versions = session.exec(select(DocumentVersion.version).where(
        DocumentVersion.document_id == team.document_id).order_by(col(DocumentVersion.version))).all()
    assert list(versions) == [1, 2]
