"""An admin grants an agent deleting through the agent form; the change is audited."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from mission_control.models import Agent, AuditEvent, UserRole
from mission_control.services import agent_views, browser_sessions
from mission_control.state.agents import AgentFormState
from unit.signed_in import signed_in


def test_the_agent_form_grants_and_withdraws_deleting(session, workspace, make_user, make_agent, op_actor):
    admin = make_user("boss", role=UserRole.admin)
    token = browser_sessions.open_session(session=session, user=admin)
    friday = make_agent("Friday")
    session.commit()
    form = signed_in(AgentFormState, token)
    for grant in (True, False):
        [row] = agent_views.roster(session=session, workspace_id=workspace.id)
        AgentFormState.start_edit.fn(form, row)
        assert form.can_delete is (not grant)  # the form shows what is stored
        AgentFormState.set_can_delete.fn(form, grant)
        asyncio.run(AgentFormState.save.fn(form))  # saves run beside the event loop
        assert form.errors == {}
        session.rollback()  # end this test's read snapshot; the form wrote in its own unit
        assert session.get(Agent, friday.id).can_delete is grant
    session.rollback()
    changes = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.updated")).all()
    assert [(a.before["can_delete"], a.after["can_delete"]) for a in changes] == [(False, True), (True, False)]
