"""The bookkeeping behind every mutation: audit rows, the feed, the hash chain, events.

(services/recording.py, mission_control/events.py, db.session_scope)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from mission_control import db as mc_db
from mission_control.errors import NotFound
from mission_control.models import Activity, AuditEvent, Task
from mission_control.services import (
    agents,
    documents,
    messages,
    notifications,
    recording,
    task_flow,
    tasks,
    users,
)
from mission_control.services.actor import Actor
from mission_control.services.audit import verify_chain


@dataclass
class World:
    ws: int
    actor: Actor
    friday: int
    vision: int
    task: int  # assigned to Friday
    other_task: int
    doc: int
    note: int  # a notification for the operator


@pytest.fixture
def world(session, workspace, operator, make_agent, make_task) -> World:
    friday, vision = make_agent("Friday"), make_agent("Vision")
    task = make_task("Build export", assignee_ids=[friday.id])
    other = make_task("Write docs", assignee_ids=[friday.id])
    actor = Actor.for_user(operator.id, operator.handle, "ui")
    doc = documents.create_document(
        session=session, workspace_id=workspace.id, title="Spec", actor=actor
    )
    messages.post_message(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        body="@ops look",
        actor=Actor.system(),
    )
    session.commit()
    note = notifications.list_notifications(
        session=session, workspace_id=workspace.id, user_id=operator.id
    )[0]
    return World(workspace.id, actor, friday.id, vision.id, task.id, other.id, doc.id, note.id)


def _dependency(w: World, s: Any) -> None:
    task_flow.add_dependency(
        session=s, workspace_id=w.ws, task_id=w.task, depends_on_id=w.other_task, actor=w.actor
    )


# name -> (mutation, the audit actions it writes, which of them also make a feed line)
MUTATIONS: dict[str, tuple[Any, list[str], list[str]]] = {
    "create task": (
        lambda w, s: tasks.create_task(
            session=s, workspace_id=w.ws, data={"title": "New"}, actor=w.actor
        ),
        ["task.created"],
        ["task.created"],
    ),
    "update task": (
        lambda w, s: tasks.update_task(
            session=s, workspace_id=w.ws, task_id=w.task, data={"title": "X"}, actor=w.actor
        ),
        ["task.updated"],
        ["task.updated"],
    ),
    "assign": (
        lambda w, s: tasks.assign(
            session=s, workspace_id=w.ws, task_id=w.task, agent_id=w.vision, actor=w.actor
        ),
        ["task.assigned"],
        ["task.assigned"],
    ),
    "assign from the inbox (two changes)": (
        lambda w, s: tasks.assign(
            session=s,
            workspace_id=w.ws,
            task_id=tasks.create_task(
                session=s, workspace_id=w.ws, data={"title": "T"}, actor=w.actor
            ).id,
            agent_id=w.vision,
            actor=w.actor,
        ),
        ["task.created", "task.assigned", "task.moved"],
        ["task.created", "task.assigned", "task.moved"],
    ),
    "unassign": (
        lambda w, s: tasks.unassign(
            session=s, workspace_id=w.ws, task_id=w.task, agent_id=w.friday, actor=w.actor
        ),
        ["task.unassigned", "task.moved"],
        ["task.unassigned", "task.moved"],
    ),
    "move": (
        lambda w, s: task_flow.move_task(
            session=s, workspace_id=w.ws, task_id=w.task, to="in_progress", actor=w.actor
        ),
        ["task.moved"],
        ["task.moved"],
    ),
    "reorder": (
        lambda w, s: task_flow.move_task(
            session=s,
            workspace_id=w.ws,
            task_id=w.other_task,
            to="assigned",
            index=0,
            actor=w.actor,
        ),
        ["task.reordered"],
        [],
    ),
    "add dependency": (_dependency, ["task.dependency_added"], ["task.dependency_added"]),
    "remove dependency": (
        lambda w, s: (
            _dependency(w, s),
            task_flow.remove_dependency(
                session=s,
                workspace_id=w.ws,
                task_id=w.task,
                depends_on_id=w.other_task,
                actor=w.actor,
            ),
        ),
        ["task.dependency_added", "task.dependency_removed"],
        ["task.dependency_added", "task.dependency_removed"],
    ),
    "delete task": (
        lambda w, s: tasks.delete_task(
            session=s, workspace_id=w.ws, task_id=w.other_task, actor=w.actor
        ),
        ["task.deleted"],
        ["task.deleted"],
    ),
    "post message": (
        lambda w, s: messages.post_message(
            session=s, workspace_id=w.ws, task_id=w.task, body="hi", actor=w.actor
        ),
        ["message.posted"],
        ["message.posted"],
    ),
    "create document": (
        lambda w, s: documents.create_document(
            session=s, workspace_id=w.ws, title="Notes", actor=w.actor
        ),
        ["document.created"],
        ["document.created"],
    ),
    "update document": (
        lambda w, s: documents.update_document(
            session=s, workspace_id=w.ws, document_id=w.doc, content="new", actor=w.actor
        ),
        ["document.updated"],
        ["document.updated"],
    ),
    "create agent": (
        lambda w, s: agents.create_agent(
            session=s, workspace_id=w.ws, data={"name": "Wong", "role": "standup"}, actor=w.actor
        ),
        ["agent.created"],
        ["agent.created"],
    ),
    "update agent": (
        lambda w, s: agents.update_agent(
            session=s, workspace_id=w.ws, agent_id=w.friday, data={"role": "qa"}, actor=w.actor
        ),
        ["agent.updated"],
        ["agent.updated"],
    ),
    "pause agent": (
        lambda w, s: agents.set_paused(
            session=s, workspace_id=w.ws, agent_id=w.friday, paused=True, actor=w.actor
        ),
        ["agent.paused"],
        ["agent.paused"],
    ),
    "read notification": (
        lambda w, s: notifications.mark_read(
            session=s, workspace_id=w.ws, notification_id=w.note, actor=w.actor
        ),
        ["notification.read"],
        [],
    ),
    "read all notifications": (
        lambda w, s: notifications.mark_all_read(session=s, workspace_id=w.ws, actor=w.actor),
        ["notification.read_all"],
        [],
    ),
    "create operator": (
        lambda w, s: users.create_user(
            session=s, workspace_id=w.ws, handle="lead", display_name="Lead", actor=w.actor
        ),
        ["user.created"],
        ["user.created"],
    ),
}


# action -> (has a `before`, has an `after`)
CREATED, CHANGED, REMOVED = (False, True), (True, True), (True, False)
SHAPE = {
    "task.created": CREATED,
    "task.updated": CHANGED,
    "task.assigned": CREATED,
    "task.unassigned": REMOVED,
    "task.moved": CHANGED,
    "task.reordered": CHANGED,
    "task.dependency_added": CREATED,
    "task.dependency_removed": REMOVED,
    "task.deleted": REMOVED,
    "message.posted": CREATED,
    "document.created": CREATED,
    "document.updated": CHANGED,
    "agent.created": CREATED,
    "agent.updated": CHANGED,
    "agent.paused": CHANGED,
    "notification.read": CREATED,
    "notification.read_all": CREATED,
    "user.created": CREATED,
}


def _max_id(session, model) -> int:
    return session.exec(select(model.id).order_by(col(model.id).desc())).first() or 0


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_every_mutation_is_audited_once_and_fed_once(session, world, events, name):
    mutate, actions, fed = MUTATIONS[name]
    last_audit, last_activity = _max_id(session, AuditEvent), _max_id(session, Activity)
    events.clear()

    mutate(world, session)
    assert events == [], "published before commit"
    session.commit()

    audits = session.exec(
        select(AuditEvent).where(AuditEvent.id > last_audit).order_by(AuditEvent.id)
    ).all()
    assert [a.action for a in audits] == actions
    for audit in audits:
        assert (audit.actor_type, audit.actor_id, audit.actor_name, audit.origin) == (
            "user",
            world.actor.id,
            "ops",
            "ui",
        )
        assert audit.workspace_id == world.ws
        assert (audit.before is not None, audit.after is not None) == SHAPE[audit.action], (
            audit.action
        )

    feed = session.exec(
        select(Activity).where(Activity.id > last_activity).order_by(Activity.id)
    ).all()
    assert [a.event_type for a in feed] == fed
    assert all((a.actor_user_id, a.actor_name) == (world.actor.id, "ops") for a in feed)

    published = [e.type for e in events if e.type != "notification.created"]
    assert published == actions
    assert all(e.workspace_id == world.ws for e in events)


def test_the_audit_log_is_hash_chained_per_workspace(session, make_workspace, world, op_actor):
    other = make_workspace("other")
    for mutate, *_ in MUTATIONS.values():
        mutate(world, session)
        # interleave writes of another workspace: each workspace keeps its own chain
        tasks.create_task(
            session=session, workspace_id=other.id, data={"title": "elsewhere"}, actor=op_actor
        )
        session.commit()

    for ws_id in (world.ws, other.id):
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.workspace_id == ws_id).order_by(AuditEvent.id)
        ).all()
        assert len(rows) > 10
        assert rows[0].prev_hash == ""
        for prev, row in zip(rows, rows[1:], strict=False):
            assert row.prev_hash == prev.hash
        for row in rows:
            assert row.hash == recording.audit_hash(row)


def test_the_chain_holds_across_savepoints_and_transactions_with_several_changes(
    session, workspace, op_actor
):
    def create(title: str) -> None:
        tasks.create_task(session=session, workspace_id=workspace.id, data={"title": title}, actor=op_actor)

    create("one")
    create("two")  # appended after a head this transaction wrote itself
    dropped = session.begin_nested()
    create("rolled back")
    dropped.rollback()
    create("three")  # after a savepoint that took its row with it
    kept = session.begin_nested()
    create("four")
    kept.commit()
    create("five")  # after a savepoint that kept its row
    session.commit()
    create("six")  # a new transaction
    session.rollback()
    create("seven")  # after a rollback that took "six"
    session.commit()
    report = verify_chain(session=session, workspace_id=workspace.id)
    assert report.ok, report.problems
    titles = [t.title for t in session.exec(select(Task).where(Task.workspace_id == workspace.id))]
    assert titles == ["one", "two", "three", "four", "five", "seven"]


def test_an_edited_audit_row_no_longer_matches_its_hash(session, world):
    row = session.exec(select(AuditEvent).where(AuditEvent.action == "task.created")).first()
    assert row.hash == recording.audit_hash(row)
    session.exec(update(AuditEvent).where(AuditEvent.id == row.id).values(actor_name="mallory"))
    session.commit()
    session.expire_all()
    row = session.get(AuditEvent, row.id)
    assert row.hash != recording.audit_hash(row)


def _counts(session) -> tuple[int, int, int]:
    session.rollback()  # end any read snapshot so we see what other sessions committed
    return tuple(len(session.exec(select(m.id)).all()) for m in (Task, Activity, AuditEvent))  # type: ignore[return-value]


def test_session_scope_publishes_after_commit(session, workspace, op_actor, events):
    before = _counts(session)
    with mc_db.session_scope() as s:
        task = tasks.create_task(
            session=s, workspace_id=workspace.id, data={"title": "Ship"}, actor=op_actor
        )
        assert events == []
    assert [e.type for e in events] == ["task.created"]
    assert events[0].payload["task_id"] == task.id
    assert _counts(session) == tuple(n + 1 for n in before)


def test_a_rolled_back_unit_of_work_writes_and_publishes_nothing(
    session, workspace, op_actor, events
):
    before = _counts(session)
    with pytest.raises(RuntimeError, match="boom"), mc_db.session_scope() as s:
        tasks.create_task(
            session=s, workspace_id=workspace.id, data={"title": "Ship"}, actor=op_actor
        )
        raise RuntimeError("boom")
    assert events == []
    assert _counts(session) == before


def test_a_refusal_halfway_through_a_composite_call_rolls_back_the_first_half(
    session, workspace, make_workspace, make_agent, op_actor, events
):
    other = make_workspace("other")
    stranger = make_agent("Stranger", workspace_id=other.id)
    before = _counts(session)
    events.clear()
    # The task row is written before the foreign assignee is refused.
    with pytest.raises(NotFound), mc_db.session_scope() as s:
        tasks.create_task(
            session=s,
            workspace_id=workspace.id,
            data={"title": "Ship", "assignee_ids": [stranger.id]},
            actor=op_actor,
        )
    assert events == []
    assert _counts(session) == before
