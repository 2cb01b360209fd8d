"""Builtin roles through the real runner: the orchestrator assigns by capability, workload and
availability and explains itself; the standup writes the day's document; the watchdog
escalates stuck tasks to operators, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select, update

from mission_control.db import session_scope
from mission_control.drivers.builtin.orchestrator import matches
from mission_control.models import (
    Agent,
    AgentStatus,
    Document,
    Message,
    Notification,
    Task,
    TaskStatus,
    utcnow,
)
from mission_control.services import agents, messages, task_flow, tasks, working_state


def _assignees(session, task_id):
    session.commit()
    return [session.get(Agent, a).name for a in tasks.assignee_ids(session, task_id)]


def _thread(session, task_id):
    session.commit()
    return [m.body for m in session.exec(select(Message).where(Message.task_id == task_id).order_by(col(Message.id)))]


def test_capability_matching():
    assert matches(["python", "api", "competitive-analysis"], "Build the Python API for analysis") == ["python", "api"]
    assert matches(["writing", "research"], "Write a blog post from our researcher notes") == ["writing", "research"]
    assert matches(["design"], "Deploy the service") == []


def test_the_orchestrator_assigns_by_capability_workload_and_availability(session, workspace, make_agent, make_task, op_actor, beat):
    jarvis = make_agent("Jarvis", role="orchestrator", driver_type="builtin", driver_config={"role": "orchestrator"})
    make_agent("Wong", role="standup", driver_type="builtin", driver_config={"role": "standup"}, capabilities=["python"])
    friday = make_agent("Friday", capabilities=["python", "backend"])
    make_agent("Pym", capabilities=["python", "backend"])
    loki = make_agent("Loki", capabilities=["writing", "blog"])
    make_agent("Vision", capabilities=["writing", "review"])
    make_task("Old backend work", assignee_ids=[friday.id])  # Friday is busier than Pym
    agents.set_status(session=session, workspace_id=workspace.id, agent_id=loki.id, status=AgentStatus.offline,
                      actor=op_actor)
    session.commit()
    backend = make_task("Python backend for exports", priority="high")
    blog = make_task("Write the launch blog post")
    odd = make_task("Negotiate the office lease")
    out = beat(jarvis, None)
    assert out.outcome == "ok", out.error
    assert _assignees(session, backend.id) == ["Pym"]  # matches python+backend, 0 open vs Friday's 1
    assert _assignees(session, blog.id) == ["Vision"]  # Loki matches better but is offline
    assert _assignees(session, odd.id) == []
    assert session.get(Task, backend.id).status == TaskStatus.assigned
    [why] = _thread(session, backend.id)
    assert why.startswith("Assigned to Pym: matches python, backend; 0 open tasks before this; available.")
    assert "Also considered: Friday (matches python, backend, 1 open)" in why
    assert _thread(session, odd.id) == [
        "Not assigned: no available agent has a capability matching this task. Assign it by hand or add a capability."]
    # Nothing new on the board: the next wake is skipped; a new task makes it look again,
    # without repeating what it already said about the odd one.
    assert beat(jarvis, None).outcome == "skipped"
    make_task("Review the backend docs")
    assert beat(jarvis, None).outcome == "ok"
    assert len(_thread(session, odd.id)) == 1


def test_the_standup_writes_the_days_document_once(session, workspace, make_agent, make_task, op_actor, beat):
    wong = make_agent("Wong", role="standup", driver_type="builtin", driver_config={"role": "standup"})
    friday, vision = make_agent("Friday"), make_agent("Vision")
    make_agent("Idle")
    shipped = make_task("Ship CSV export", assignee_ids=[friday.id])
    for col_ in (TaskStatus.in_progress, TaskStatus.review, TaskStatus.done):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=shipped.id, to=col_, actor=op_actor)
    doing = make_task("Write tests", assignee_ids=[vision.id])
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=doing.id, to=TaskStatus.in_progress,
                        actor=op_actor)
    waiting = make_task("Deploy", assignee_ids=[vision.id], depends_on_ids=[doing.id])
    session.commit()
    assert beat(wong, None).outcome == "ok"
    session.commit()
    [doc] = session.exec(select(Document))
    assert doc.title == f"Standup {utcnow():%Y-%m-%d}" and doc.created_by_agent_id == wong.id
    friday_part = doc.content.split("## Friday")[1].split("##")[0]
    vision_part = doc.content.split("## Vision")[1].split("##")[0]
    assert f"**Done:** #{shipped.id} “Ship CSV export”" in friday_part
    assert f"**In progress:** #{doing.id} “Write tests” (in progress)" in vision_part
    assert f"#{waiting.id} “Deploy” waits on unfinished dependencies" in vision_part
    assert "Nothing to report for: Idle" in doc.content
    messages.post_message(session=session, workspace_id=workspace.id, task_id=doing.id, body="@Wong more",
                          actor=op_actor)
    working_state.write(session=session, workspace_id=workspace.id, notes="new focus", base_version=0, actor=op_actor)
    session.commit()
    # One standup per day: a mention or a WORKING.md change is not a reason for a builtin role.
    assert beat(wong, None).outcome == "skipped"


def test_the_watchdog_escalates_stuck_tasks_to_operators_once(session, workspace, make_agent, make_task, operator, op_actor, beat):
    dog = make_agent("Argus", role="watchdog", driver_type="builtin",
                     driver_config={"role": "watchdog", "stuck_after_hours": {"review": 24, "assigned": 12}})
    friday = make_agent("Friday")
    stuck = make_task("Review the API", assignee_ids=[friday.id])
    for col_ in (TaskStatus.in_progress, TaskStatus.review):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=stuck.id, to=col_, actor=op_actor)
    blocker = make_task("Get credentials", assignee_ids=[friday.id])
    waits = make_task("Call the API", assignee_ids=[friday.id], depends_on_ids=[blocker.id])
    fresh_task = make_task("Fresh", assignee_ids=[friday.id])
    session.commit()
    assert beat(dog, None).outcome == "skipped"  # nothing is old yet
    with session_scope() as s:  # time passes: 2 days for the review, 13 hours for the waiting task
        s.exec(update(Task).where(col(Task.id) == stuck.id).values(status_changed_at=utcnow() - timedelta(days=2)))
        s.exec(update(Task).where(col(Task.id).in_([waits.id, blocker.id])).values(
            status_changed_at=utcnow() - timedelta(hours=13)))
    assert beat(dog, None).outcome == "ok"
    [review_msg] = _thread(session, stuck.id)
    assert review_msg.startswith(f"Escalation: #{stuck.id} “Review the API” has been in review for 2.0 days (limit 24 hours)")
    assert review_msg.endswith("Assignees: Friday. @ops")
    [wait_msg] = _thread(session, waits.id)
    assert f"waiting on unfinished #{blocker.id} (assigned)" in wait_msg
    assert _thread(session, fresh_task.id) == []
    notes = session.exec(select(Notification).where(Notification.recipient_user_id == operator.id)).all()
    assert sorted(n.task_id for n in notes) == sorted([stuck.id, waits.id, blocker.id])
    assert beat(dog, None).outcome == "skipped"  # escalated once per stay in a column
