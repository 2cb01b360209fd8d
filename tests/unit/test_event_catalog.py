"""The typed event catalog (mission_control/events.py): events carry an EventType member, no
module spells an event's name as a string, savepoints keep or drop what they parked, and the
session hooks install once however often they are asked to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlmodel import select

from mission_control import fanout
from mission_control.errors import Invalid
from mission_control.events import Event, EventType, WebhookEvent, savepoint
from mission_control.models import AuditEvent, Task
from mission_control.services import tasks
from mission_control.startup import install_event_hooks

PACKAGE = Path(__file__).resolve().parents[2] / "mission_control"
NAMES = {m.value for m in EventType} | {m.value for m in WebhookEvent}
PREFIXES = tuple({m.value.partition(".")[0] + "." for m in [*EventType, *WebhookEvent]})


def test_an_event_with_a_plain_string_type_is_refused():
    with pytest.raises(TypeError, match="EventType"):
        Event(type="task.moved", workspace_id=1)  # type: ignore[arg-type]
    assert Event(type=EventType.task_moved, workspace_id=1).type == "task.moved"


def _spelled_event_names(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
            found.append(f"{path.name}:{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.JoinedStr) and node.values:  # f"task.{verb}"
            head = node.values[0]
            if isinstance(head, ast.Constant) and str(head.value).startswith(PREFIXES):
                found.append(f"{path.name}:{node.lineno}: f{head.value!r}...")
    return found


def test_no_module_spells_an_event_name_outside_the_catalog():
    """A renamed or mistyped literal would reach no subscriber and fail no type check."""
    spelled = [hit for path in sorted(PACKAGE.rglob("*.py")) if path.name != "events.py"
               for hit in _spelled_event_names(path)]
    assert spelled == []


def test_events_about_a_subject_are_the_members_named_for_it():
    assert EventType.about("webhook") == {m for m in EventType if m.value.startswith("webhook.")}
    with pytest.raises(ValueError, match="no events about taks"):
        EventType.about("taks")


def test_a_notice_of_an_unknown_type_is_no_event():
    assert fanout.event_of({"type": "task.exploded", "workspace_id": 1}) is None
    known = fanout.event_of({"type": "task.moved", "workspace_id": 1, "payload": {"task_id": 3}})
    assert known is not None and known.type is EventType.task_moved


def test_audit_rows_store_the_event_names_as_plain_strings(session, workspace, op_actor, events):
    tasks.create_task(session=session, workspace_id=workspace.id, data={"title": "Ship it"}, actor=op_actor)
    session.commit()
    actions = session.exec(select(AuditEvent.action)).all()
    assert "task.created" in actions and all(type(a) is str for a in actions)
    assert [e.type for e in events] == [EventType.task_created]


def test_a_savepoint_keeps_what_it_parked_when_it_succeeds(session, workspace, op_actor, events):
    with savepoint(session) as parked:
        tasks.create_task(session=session, workspace_id=workspace.id, data={"title": "Kept"}, actor=op_actor)
    assert [e.type for e in parked] == [EventType.task_created]
    assert events == []  # parked, not published: the real commit is still to come
    session.commit()
    assert [e.type for e in events] == [EventType.task_created]


def test_a_failed_savepoint_drops_what_it_parked_and_nothing_else(session, workspace, op_actor, events):
    tasks.create_task(session=session, workspace_id=workspace.id, data={"title": "Before"}, actor=op_actor)
    with pytest.raises(Invalid), savepoint(session):
        tasks.create_task(session=session, workspace_id=workspace.id, data={"title": "Refused"}, actor=op_actor)
        raise Invalid("refused")
    session.commit()
    assert [e.type for e in events] == [EventType.task_created]
    assert [t.title for t in session.exec(select(Task)).all()] == ["Before"]


def test_installing_the_hooks_again_publishes_each_event_once(session, workspace, op_actor, events):
    install_event_hooks()
    install_event_hooks()
    tasks.create_task(session=session, workspace_id=workspace.id, data={"title": "Once"}, actor=op_actor)
    session.commit()
    assert [e.type for e in events] == [EventType.task_created]
