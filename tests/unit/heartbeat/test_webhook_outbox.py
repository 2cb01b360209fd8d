"""Webhook deliveries from changes the heartbeat engine makes: written with the run's commit,
one per applied change, none for an action that was refused (its SAVEPOINT rolled back)."""

from __future__ import annotations

from sqlmodel import select

from mission_control.models import TaskStatus, WebhookDelivery
from mission_control.services import task_flow, webhooks

from .conftest import FakeDriver, reply


def _deliveries(session) -> list[tuple[str, str]]:
    session.commit()
    session.expire_all()
    rows = session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id))
    return [(d.event, d.payload["text"]) for d in rows]


def _subscribe(session, workspace, op_actor, *events: str) -> None:
    webhooks.create_webhook(
        session=session,
        workspace_id=workspace.id,
        url="http://127.0.0.1:9/hook",
        events=list(events),
        actor=op_actor,
    )
    session.commit()


def _in_progress(session, task, actor):
    task_flow.move_task(
        session=session,
        workspace_id=task.workspace_id,
        task_id=task.id,
        to=TaskStatus.in_progress,
        actor=actor,
    )
    session.commit()
    return task


def test_an_agents_run_queues_deliveries_only_for_what_it_applied(
    session, workspace, make_agent, make_task, op_actor, beat
):
    _subscribe(session, workspace, op_actor, "task.review", "agent.blocked")
    friday = make_agent("Friday", driver_type="openai")
    task = _in_progress(session, make_task("Ship it", assignee_ids=[friday.id]), op_actor)
    driver = FakeDriver(
        reply(
            {"type": "set_task_status", "task_id": task.id, "status": "review"},
            {"type": "set_task_status", "task_id": 999, "status": "review"},  # refused
            {"type": "report_blocker", "reason": "need the staging password"},
        )
    )
    out = beat(friday, driver, trigger="manual")
    assert out.called
    assert _deliveries(session) == [
        ("task.review", f"Friday moved #{task.id} “Ship it” from in progress to review"),
        ("agent.blocked", "Friday is blocked: need the staging password"),
    ]


def test_the_standup_role_publishing_is_delivered(
    session, workspace, make_agent, make_task, op_actor, beat
):
    _subscribe(session, workspace, op_actor, "standup.published")
    wong = make_agent(
        "Wong", role="standup", driver_type="builtin", driver_config={"role": "standup"}
    )
    friday = make_agent("Friday")
    task = _in_progress(session, make_task("Write tests", assignee_ids=[friday.id]), op_actor)
    assert beat(wong, None).outcome == "ok"
    [(event, text)] = _deliveries(session)
    assert event == "standup.published" and text.startswith("*Standup ")
    assert f"#{task.id} “Write tests” (in progress)" in text
