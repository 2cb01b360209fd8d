"""Bad input through the UI's handlers and the services behind every door: a message next to
the input, a toast or "not found", never an exception on the socket (run on PostgreSQL too,
whose text refuses NUL)."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from reflex.istate.data import RouterData

from mission_control.errors import Invalid, NotFound
from mission_control.models import Task
from mission_control.services import browser_sessions, messages, task_flow, tasks
from mission_control.services.browser_sessions import COOKIE
from mission_control.services.common import get_in_workspace, parse_id
from mission_control.state.agents import AgentDetailState
from mission_control.state.document import DocumentState
from mission_control.state.task import TaskState
from unit.signed_in import signed_in

HUGE = "99999999999999999999"


@pytest.fixture
def token(session, workspace, operator, op_actor):
    secret = browser_sessions.open_session(session=session, user=operator)
    session.commit()
    return secret


def opened(cls, token, **params):  # type: ignore[no-untyped-def]
    """A tab of `cls`'s page opened at a URL whose dynamic part is `params`."""
    s = cls()
    s.router = RouterData.from_router_data(
        {"headers": {"cookie": f"{COOKIE}={token}"}, "pathname": "/x", "query": params, "asPath": "/x"}
    )
    return s


@pytest.mark.parametrize("raw", [HUGE, "abc", "²", "-3", "0", " ", "1e3", "2147483648"])
def test_a_task_page_with_an_id_no_row_can_have_shows_not_found(db, token, raw):
    s = opened(TaskState, token, task_id=raw)
    TaskState.on_load.fn(s)
    assert (s.task_id, s.loaded, s.found) == (0, True, False)
    for cls, key in ((DocumentState, "doc_id"), (AgentDetailState, "agent_id")):
        other = opened(cls, token, **{key: raw})
        cls.on_load.fn(other)
        assert other.found is False


def test_ids_people_type_are_read_strictly():
    assert [parse_id(x) for x in ("12", "#12", " 7 ", "2147483647")] == [12, 12, 7, 2147483647]
    assert [parse_id(x) for x in (HUGE, "2147483648", "１２", "12a", "", None)] == [0] * 6


def test_services_take_any_id_from_a_socket_as_not_found(session, workspace):
    for bad in (10**20, -1, 0, "12", 2**63):
        with pytest.raises(NotFound):
            get_in_workspace(session, Task, bad, workspace.id)  # type: ignore[arg-type]


def run(result):  # type: ignore[no-untyped-def]
    """A handler's outcome; the ones that write run beside the event loop (coroutines)."""
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def test_task_page_refuses_bad_input_next_to_it(session, workspace, make_task, token):
    task = make_task("Ship")
    s = opened(TaskState, token, task_id=str(task.id))
    TaskState.on_load.fn(s)
    for typed in ("275760-01-01", "9999-12-31", "not a date", "0001-01-01"):
        run(TaskState.set_due.fn(s, typed))
        assert "from 1971 to 9997" in s.due_error
    session.expire_all()
    assert session.get(Task, task.id).due_at is None
    run(TaskState.set_due.fn(s, "2031-05-01"))
    assert s.due_error == "" and s.due_at.startswith("2031-05-01")
    s.new_dependency = HUGE
    assert "number of the task" in str(run(TaskState.add_dependency.fn(s)))
    s.draft = "hello\x00world"
    assert "NUL" in str(run(TaskState.send.fn(s)))
    assert s.draft == "hello\x00world"  # kept, so it can be fixed


def test_nul_and_huge_numbers_from_any_door_are_refused(session, workspace, make_task, op_actor):
    task = make_task("Ship")
    with pytest.raises(Invalid) as nul:
        messages.post_message(session=session, workspace_id=workspace.id, task_id=task.id, body="a\x00b",
                              actor=op_actor)
    assert "NUL" in nul.value.details["fields"]["body"]
    session.rollback()
    with pytest.raises(Invalid) as big:
        tasks.update_task(session=session, workspace_id=workspace.id, task_id=task.id,
                          data={"title": "t\x00"}, actor=op_actor)
    assert "title" in big.value.details["fields"]
    session.rollback()
    with pytest.raises(Invalid):  # a card dropped "at" 10**20 by a crafted socket frame
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to="assigned",
                            index=10**20, actor=op_actor)
    session.rollback()
    with pytest.raises(NotFound):
        tasks.create_task(session=session, workspace_id=workspace.id, data={"title": "x", "parent_task_id": 10**20},
                          actor=op_actor)


def test_search_and_filter_boxes_take_nul_and_novels_without_a_crash(session, workspace, make_user, op_actor):
    from mission_control.models import UserRole
    from mission_control.state.audit import AuditState
    from mission_control.state.documents import DocumentsState

    admin = make_user("boss", role=UserRole.admin)
    secret = browser_sessions.open_session(session=session, user=admin)
    session.commit()
    docs = signed_in(DocumentsState, secret)
    DocumentsState.set_search.fn(docs, "spec\x00" + "x" * 100_000)
    assert docs.items == [] and docs.loaded
    log = signed_in(AuditState, secret)
    AuditState.apply_filters.fn(log, {"actor": "a\x00", "action": "task.\x00", "target_type": "x" * 10_000})
    assert log.rows == [] and log.allowed
