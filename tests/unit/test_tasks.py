"""Creating, editing, assigning and deleting tasks (services/tasks.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from mission_control.errors import Invalid, NotFound
from mission_control.models import (
    Activity,
    AuditEvent,
    Notification,
    Task,
    TaskAssignee,
    TaskStatus,
)
from mission_control.services import task_flow, tasks


def _fresh(session, task_id):
    session.expire_all()
    return session.get(Task, task_id)


# --------------------------------------------------------------------------- create


def test_create_task_lands_at_the_end_of_the_inbox(session, workspace, op_actor, events):
    first = tasks.create_task(
        session=session, workspace_id=workspace.id, data={"title": "  Write docs  "}, actor=op_actor
    )
    second = tasks.create_task(
        session=session, workspace_id=workspace.id, data={"title": "Ship it"}, actor=op_actor
    )
    session.commit()

    assert (first.title, first.status, first.position) == ("Write docs", TaskStatus.inbox, 0)
    assert (second.status, second.position) == (TaskStatus.inbox, 1)
    assert second.created_by_user_id == op_actor.id
    feed = session.exec(
        select(Activity).where(Activity.event_type == "task.created").order_by(Activity.id)
    ).all()
    assert [a.text for a in feed] == [
        f"ops created task #{first.id} “Write docs”",
        f"ops created task #{second.id} “Ship it”",
    ]
    assert [e.type for e in events] == ["task.created", "task.created"]
    assert events[0].payload["task_id"] == first.id


def test_create_task_refuses_an_empty_title(session, workspace, op_actor, refused):
    err = refused(
        Invalid, tasks.create_task, workspace_id=workspace.id, data={"title": ""}, actor=op_actor
    )
    assert "title" in err.details["fields"]


def test_create_task_refuses_a_blank_title(session, workspace, op_actor, refused):
    err = refused(
        Invalid, tasks.create_task, workspace_id=workspace.id, data={"title": "   "}, actor=op_actor
    )
    assert err.message == "a task needs a title"
    assert err.details == {"fields": {"title": "required"}}


def test_create_task_refuses_a_title_over_200_characters(session, workspace, op_actor, refused):
    err = refused(
        Invalid,
        tasks.create_task,
        workspace_id=workspace.id,
        data={"title": "x" * 201},
        actor=op_actor,
    )
    assert "at most 200 characters" in err.details["fields"]["title"]
    assert "title" in err.message
    # 200 is fine
    task = tasks.create_task(
        session=session, workspace_id=workspace.id, data={"title": "x" * 200}, actor=op_actor
    )
    assert len(task.title) == 200


def test_create_task_refuses_a_due_date_without_timezone(session, workspace, op_actor, refused):
    err = refused(
        Invalid,
        tasks.create_task,
        workspace_id=workspace.id,
        data={"title": "Report", "due_at": "2030-01-31T17:00:00"},
        actor=op_actor,
    )
    assert "timezone" in err.details["fields"]["due_at"]
    task = tasks.create_task(
        session=session,
        workspace_id=workspace.id,
        data={"title": "Report", "due_at": "2030-01-31T17:00:00Z"},
        actor=op_actor,
    )
    session.commit()
    assert _fresh(session, task.id).due_at == datetime(2030, 1, 31, 17, tzinfo=UTC)


def test_create_task_with_assignees_and_dependencies(
    session, workspace, op_actor, make_agent, make_task
):
    friday = make_agent("Friday")
    before = make_task("Design the API")
    task = tasks.create_task(
        session=session,
        workspace_id=workspace.id,
        data={"title": "Build it", "assignee_ids": [friday.id], "depends_on_ids": [before.id]},
        actor=op_actor,
    )
    session.commit()
    assert task.status == TaskStatus.assigned
    assert tasks.assignee_ids(session, task.id) == [friday.id]
    assert [t.id for t in task_flow.unfinished_dependencies(session, task.id)] == [before.id]


# --------------------------------------------------------------------------- update


def test_update_task_changes_fields_and_audits_before_after(
    session, workspace, op_actor, make_task
):
    task = make_task("Old title")
    tasks.update_task(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        data={"title": "New title", "priority": "urgent"},
        actor=op_actor,
    )
    session.commit()
    task = _fresh(session, task.id)
    assert (task.title, task.priority) == ("New title", "urgent")
    audit = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert audit.action == "task.updated"
    assert (audit.before["title"], audit.after["title"]) == ("Old title", "New title")
    assert (audit.before["priority"], audit.after["priority"]) == ("medium", "urgent")


def test_update_task_refuses_a_blank_title(session, workspace, op_actor, make_task, refused):
    task = make_task("Keep me")
    err = refused(
        Invalid,
        tasks.update_task,
        workspace_id=workspace.id,
        task_id=task.id,
        data={"title": "  "},
        actor=op_actor,
    )
    assert err.details == {"fields": {"title": "required"}}
    assert _fresh(session, task.id).title == "Keep me"


def test_update_task_of_another_workspace_is_not_found(
    session, workspace, make_workspace, op_actor, make_task, refused
):
    other = make_workspace("other")
    foreign = make_task("Theirs", workspace_id=other.id)
    refused(
        NotFound,
        tasks.update_task,
        workspace_id=workspace.id,
        task_id=foreign.id,
        data={"title": "Mine now"},
        actor=op_actor,
    )
    assert _fresh(session, foreign.id).title == "Theirs"


# --------------------------------------------------------------------------- subtasks


def test_subtask_is_listed_under_its_parent(session, workspace, op_actor, make_task):
    parent = make_task("Launch")
    sub = tasks.create_task(
        session=session,
        workspace_id=workspace.id,
        data={"title": "Write announcement", "parent_task_id": parent.id},
        actor=op_actor,
    )
    session.commit()
    assert [t.id for t in tasks.subtasks(session, parent.id)] == [sub.id]
    feed = session.exec(select(Activity.text).order_by(Activity.id.desc())).first()
    assert feed == f"ops created subtask #{sub.id} “Write announcement” under #{parent.id}"


def test_subtask_under_a_parent_of_another_workspace_is_refused(
    session, workspace, make_workspace, op_actor, make_task, refused
):
    other = make_workspace("other")
    foreign = make_task("Theirs", workspace_id=other.id)
    err = refused(
        NotFound,
        tasks.create_task,
        workspace_id=workspace.id,
        data={"title": "Sneaky", "parent_task_id": foreign.id},
        actor=op_actor,
    )
    assert err.message == f"task {foreign.id} does not exist"


# --------------------------------------------------------------------------- assign / unassign


def test_assign_moves_an_inbox_task_to_assigned_and_notifies_the_agent(
    session, workspace, op_actor, make_agent, make_task, events
):
    friday = make_agent("Friday")
    task = make_task("Build export")
    events.clear()
    tasks.assign(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=friday.id,
        actor=op_actor,
    )
    session.commit()

    assert _fresh(session, task.id).status == TaskStatus.assigned
    notes = session.exec(select(Notification)).all()
    assert [(n.kind, n.recipient_agent_id, n.task_id) for n in notes] == [
        ("assignment", friday.id, task.id)
    ]
    assert notes[0].text == f"ops assigned you to #{task.id} “Build export”"
    assert [e.type for e in events] == ["task.assigned", "notification.created", "task.moved"]


def test_assign_twice_keeps_one_assignment(session, workspace, op_actor, make_agent, make_task):
    friday = make_agent("Friday")
    task = make_task("Build export", assignee_ids=[friday.id])
    tasks.assign(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=friday.id,
        actor=op_actor,
    )
    session.commit()
    assert tasks.assignee_ids(session, task.id) == [friday.id]
    assert len(session.exec(select(Notification)).all()) == 1


def test_assign_an_agent_of_another_workspace_is_refused(
    session, workspace, make_workspace, op_actor, make_agent, make_task, refused
):
    other = make_workspace("other")
    stranger = make_agent("Stranger", workspace_id=other.id)
    task = make_task("Build export")
    err = refused(
        NotFound,
        tasks.assign,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=stranger.id,
        actor=op_actor,
    )
    assert err.message == f"agent {stranger.id} does not exist"
    assert _fresh(session, task.id).status == TaskStatus.inbox


def test_unassigning_the_last_assignee_sends_an_assigned_task_back_to_the_inbox(
    session, workspace, op_actor, make_agent, make_task
):
    friday = make_agent("Friday")
    task = make_task("Build export", assignee_ids=[friday.id])
    tasks.unassign(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=friday.id,
        actor=op_actor,
    )
    session.commit()
    assert _fresh(session, task.id).status == TaskStatus.inbox
    assert tasks.assignee_ids(session, task.id) == []


def test_unassigning_one_of_two_keeps_the_task_assigned(
    session, workspace, op_actor, make_agent, make_task
):
    friday, vision = make_agent("Friday"), make_agent("Vision")
    task = make_task("Build export", assignee_ids=[friday.id, vision.id])
    tasks.unassign(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=friday.id,
        actor=op_actor,
    )
    session.commit()
    assert _fresh(session, task.id).status == TaskStatus.assigned
    assert tasks.assignee_ids(session, task.id) == [vision.id]


def test_unassigning_the_last_assignee_of_a_task_in_progress_is_refused(
    session, workspace, op_actor, make_agent, make_task, refused
):
    friday = make_agent("Friday")
    task = make_task("Build export", assignee_ids=[friday.id])
    task_flow.move_task(
        session=session,
        workspace_id=workspace.id,
        task_id=task.id,
        to="in_progress",
        actor=op_actor,
    )
    err = refused(
        Invalid,
        tasks.unassign,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=friday.id,
        actor=op_actor,
    )
    assert err.message == (
        f"task {task.id} is in progress: assign someone else before removing Friday, or move it back first"
    )
    assert tasks.assignee_ids(session, task.id) == [friday.id]
    assert _fresh(session, task.id).status == TaskStatus.in_progress


def test_unassigning_someone_not_assigned_is_refused(
    session, workspace, op_actor, make_agent, make_task, refused
):
    friday = make_agent("Friday")
    task = make_task("Build export")
    err = refused(
        Invalid,
        tasks.unassign,
        workspace_id=workspace.id,
        task_id=task.id,
        agent_id=friday.id,
        actor=op_actor,
    )
    assert err.message == f"Friday is not assigned to task {task.id}"


# --------------------------------------------------------------------------- delete


def test_delete_task_removes_it_with_its_subtasks_and_assignments(
    session, workspace, op_actor, make_agent, make_task, events
):
    friday = make_agent("Friday")
    parent = make_task("Launch", assignee_ids=[friday.id])
    sub = make_task("Announce", parent_task_id=parent.id)
    keep = make_task("Unrelated")
    parent_id, sub_id, keep_id = parent.id, sub.id, keep.id
    events.clear()
    tasks.delete_task(session=session, workspace_id=workspace.id, task_id=parent_id, actor=op_actor)
    session.commit()
    session.expunge_all()

    assert session.exec(select(Task.id)).all() == [keep_id]
    assert session.get(Task, sub_id) is None
    assert session.exec(select(TaskAssignee)).all() == []
    audit = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (audit.action, audit.target_id, audit.before["title"], audit.after) == (
        "task.deleted",
        parent_id,
        "Launch",
        None,
    )
    assert [e.type for e in events] == ["task.deleted"]


def test_delete_task_of_another_workspace_is_not_found(
    session, workspace, make_workspace, op_actor, make_task, refused
):
    other = make_workspace("other")
    foreign = make_task("Theirs", workspace_id=other.id)
    refused(
        NotFound, tasks.delete_task, workspace_id=workspace.id, task_id=foreign.id, actor=op_actor
    )
    assert _fresh(session, foreign.id) is not None


def test_delete_unknown_task_is_not_found(session, workspace, op_actor, refused):
    err = refused(
        NotFound, tasks.delete_task, workspace_id=workspace.id, task_id=999, actor=op_actor
    )
    assert err.message == "task 999 does not exist"


def test_two_agents_taking_the_same_card_at_once_do_not_both_get_it_alone(
    session, workspace, make_agent, make_task
):
    import threading
    import time

    from mission_control.db import session_scope
    from mission_control.services.actor import Actor

    friday, vision = make_agent("Friday"), make_agent("Vision")
    task = make_task("Contested")
    seen: dict[str, list[int]] = {}
    friday_in = threading.Event()

    def take(agent, hold_s: float) -> None:
        with session_scope() as s:
            tasks.assign(session=s, workspace_id=workspace.id, task_id=task.id, agent_id=agent.id,
                         actor=Actor.for_agent(agent.id, agent.name, "test"))
            seen[agent.name] = tasks.assignee_ids(s, task.id)
            friday_in.set()
            time.sleep(hold_s)  # Friday's unit is still open when Vision takes the card

    first = threading.Thread(target=take, args=(friday, 0.5))
    first.start()
    assert friday_in.wait(10)
    take(vision, 0)
    first.join(10)
    assert seen == {"Friday": [friday.id], "Vision": [friday.id, vision.id]}
    # Vision's unit saw the card as Friday left it: it was moved out of the inbox once
    session.rollback()
    moves = session.exec(
        select(AuditEvent.after).where(AuditEvent.action == "task.moved", AuditEvent.target_id == task.id)
    ).all()
    assert moves == [{"status": "assigned", "position": 0}]
