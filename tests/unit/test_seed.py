"""The demo workspace seeded on first start (mission_control/seed.py)."""

from __future__ import annotations

from sqlmodel import select

from mission_control import seed
from mission_control.models import (
    TASK_COLUMNS,
    Agent,
    AuditEvent,
    Document,
    Message,
    Notification,
    Task,
    User,
    Workspace,
)
from mission_control.services import board, recording


def test_seeding_an_empty_database(session, events):
    assert seed.seed_demo(session) is True
    session.commit()

    ws = session.exec(select(Workspace)).one()
    agents = session.exec(select(Agent)).all()
    assert len(agents) == 10
    assert len({a.role for a in agents}) == 10
    assert {a.name for a in agents} >= {"Jarvis", "Friday", "Wong"}

    snapshot = board.board_snapshot(session=session, workspace_id=ws.id)
    for column in TASK_COLUMNS:
        assert snapshot["columns"][column], f"no task in {column}"
    # every card past the inbox has someone on it
    for column in TASK_COLUMNS[1:]:
        assert all(card["assignees"] for card in snapshot["columns"][column])

    assert len(session.exec(select(Message)).all()) == 3
    doc = session.exec(select(Document)).one()
    assert (doc.title, doc.version) == ("Launch blog post", 1)
    assert session.exec(select(User.handle)).all() == ["admin"]
    names = {a.id: a.name for a in agents}
    mentioned = {
        names[n.recipient_agent_id] if n.recipient_agent_id else "@admin"
        for n in session.exec(select(Notification).where(Notification.kind == "mention"))
    }
    assert mentioned == {"Vision", "Loki", "Friday", "@admin"}

    rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert all(r.hash == recording.audit_hash(r) for r in rows)
    assert {r.origin for r in rows} == {"seed"}
    assert events, "seeding publishes its events after commit"


def test_seeding_twice_does_nothing_the_second_time(session):
    assert seed.seed_demo(session) is True
    session.commit()
    tasks_before = session.exec(select(Task.id)).all()
    audits_before = len(session.exec(select(AuditEvent.id)).all())

    assert seed.seed_demo(session) is False
    session.commit()
    assert session.exec(select(Task.id)).all() == tasks_before
    assert len(session.exec(select(AuditEvent.id)).all()) == audits_before
    assert len(session.exec(select(Workspace)).all()) == 1


def test_a_lost_admin_password_can_be_reset_from_the_shell(session):
    from mission_control.seed import reset_admin_password
    from mission_control.services import auth as auth_service

    creds = auth_service.ensure_admin(session=session, workspace_slug="lost")
    session.commit()
    fresh = reset_admin_password("lost")
    assert fresh.password != creds.password
    session.expire_all()
    assert auth_service.check_login(session=session, workspace_slug="lost", handle="admin", password=fresh.password)
    assert auth_service.check_login(session=session, workspace_slug="lost", handle="admin", password=creds.password) is None
