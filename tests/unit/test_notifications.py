"""Reading notifications (services/notifications.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mission_control.errors import Forbidden, NotFound
from mission_control.models import Activity, AuditEvent, Notification
from mission_control.services import messages, notifications
from mission_control.services.actor import Actor


@pytest.fixture
def setup(session, workspace, operator, make_user, make_agent, make_task, actor_for):
    """Two mentions for @ops, one for @lead and one for the agent Friday."""
    lead = make_user("lead")
    friday = make_agent("Friday")
    task = make_task("Build export")
    for body in ("@ops first", "@ops second", "@lead third", "@Friday fourth"):
        messages.post_message(
            session=session,
            workspace_id=workspace.id,
            task_id=task.id,
            body=body,
            actor=Actor.system("test"),
        )
    session.commit()
    return {"ops": operator, "lead": lead, "friday": friday}


def _mine(session, workspace_id, user):
    return notifications.list_notifications(
        session=session, workspace_id=workspace_id, user_id=user.id
    )


def _unread(session, workspace_id, **who):
    session.expire_all()
    return notifications.unread_count(session=session, workspace_id=workspace_id, **who)


def test_unread_count_per_recipient(session, workspace, setup):
    assert _unread(session, workspace.id, user_id=setup["ops"].id) == 2
    assert _unread(session, workspace.id, user_id=setup["lead"].id) == 1
    assert _unread(session, workspace.id, agent_id=setup["friday"].id) == 1
    newest_first = [n.text.split(": ", 1)[1] for n in _mine(session, workspace.id, setup["ops"])]
    assert newest_first == ["@ops second", "@ops first"]


def test_mark_one_read(session, workspace, setup, actor_for, events):
    ops = setup["ops"]
    note = _mine(session, workspace.id, ops)[0]
    events.clear()
    notifications.mark_read(
        session=session, workspace_id=workspace.id, notification_id=note.id, actor=actor_for(ops)
    )
    session.commit()
    assert _unread(session, workspace.id, user_id=ops.id) == 1
    assert session.get(Notification, note.id).read_at is not None
    audit = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (audit.action, audit.target_id, audit.actor_id) == ("notification.read", note.id, ops.id)
    # reading is private: audited, but not in the team feed
    assert (
        session.exec(select(Activity).where(Activity.event_type.startswith("notification"))).all()
        == []
    )
    assert [e.type for e in events] == ["notification.read"]

    # reading it again changes nothing
    events.clear()
    notifications.mark_read(
        session=session, workspace_id=workspace.id, notification_id=note.id, actor=actor_for(ops)
    )
    session.commit()
    assert events == []


def test_someone_elses_notification_cannot_be_marked_read(
    session, workspace, setup, actor_for, refused
):
    note = _mine(session, workspace.id, setup["ops"])[0]
    for intruder in (setup["lead"], setup["friday"]):
        err = refused(
            Forbidden,
            notifications.mark_read,
            workspace_id=workspace.id,
            notification_id=note.id,
            actor=actor_for(intruder),
        )
        assert err.message == f"notification {note.id} belongs to someone else"
    assert _unread(session, workspace.id, user_id=setup["ops"].id) == 2


def test_a_notification_of_another_workspace_is_not_found(
    session, make_workspace, workspace, setup, actor_for, refused
):
    other = make_workspace("other")
    note = _mine(session, workspace.id, setup["ops"])[0]
    refused(
        NotFound,
        notifications.mark_read,
        workspace_id=other.id,
        notification_id=note.id,
        actor=actor_for(setup["ops"]),
    )


def test_mark_all_read_returns_how_many_changed(session, workspace, setup, actor_for, events):
    ops = setup["ops"]
    events.clear()
    count = notifications.mark_all_read(
        session=session, workspace_id=workspace.id, actor=actor_for(ops)
    )
    session.commit()
    assert count == 2
    assert _unread(session, workspace.id, user_id=ops.id) == 0
    # nobody else's were touched
    assert _unread(session, workspace.id, user_id=setup["lead"].id) == 1
    assert _unread(session, workspace.id, agent_id=setup["friday"].id) == 1
    assert [e.type for e in events] == ["notification.read_all"]

    events.clear()
    assert (
        notifications.mark_all_read(
            session=session, workspace_id=workspace.id, actor=actor_for(ops)
        )
        == 0
    )
    session.commit()
    assert events == []


def test_an_agent_marks_all_its_notifications_read(session, workspace, setup, actor_for):
    friday = setup["friday"]
    assert (
        notifications.mark_all_read(
            session=session, workspace_id=workspace.id, actor=actor_for(friday)
        )
        == 1
    )
    session.commit()
    assert _unread(session, workspace.id, agent_id=friday.id) == 0
    assert _unread(session, workspace.id, user_id=setup["ops"].id) == 2


def test_the_system_has_no_notifications_to_read(session, workspace, setup, refused):
    refused(
        Forbidden,
        notifications.mark_all_read,
        workspace_id=workspace.id,
        actor=Actor.system("test"),
    )
