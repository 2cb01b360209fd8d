"""Creating, editing and pausing agents (services/agents.py), and operators' handles."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mission_control.errors import Conflict, Invalid, NotFound
from mission_control.models import Agent, AgentStatus, AuditEvent
from mission_control.services import agents, users


def _create(session, workspace, op_actor, **data):
    agent = agents.create_agent(
        session=session, workspace_id=workspace.id, data=data, actor=op_actor
    )
    session.commit()
    return agent


def _fresh(session, agent_id):
    session.expire_all()
    return session.get(Agent, agent_id)


def test_create_agent(session, workspace, op_actor, events):
    agent = _create(
        session,
        workspace,
        op_actor,
        name="Friday",
        role="Code Reviewer",
        capabilities=[" Python ", "python", "", "API"],
        heartbeat_interval_s=60,
    )
    agent = _fresh(session, agent.id)
    assert (agent.name, agent.role, agent.heartbeat_interval_s) == ("Friday", "Code Reviewer", 60)
    assert agent.capabilities == ["python", "api"]
    assert agent.session_key == "agent:code-reviewer:friday"
    assert (agent.status, agent.paused, agent.driver_type) == ("idle", False, "external")
    assert [e.type for e in events] == ["agent.created"]
    assert [a.name for a in agents.list_agents(session=session, workspace_id=workspace.id)] == [
        "Friday"
    ]


def test_session_keys_stay_unique_across_workspaces(session, workspace, make_workspace, op_actor):
    other = make_workspace("other")
    mine = _create(session, workspace, op_actor, name="Friday", role="dev")
    theirs = agents.create_agent(
        session=session,
        workspace_id=other.id,
        data={"name": "Friday", "role": "dev"},
        actor=op_actor,
    )
    session.commit()
    assert mine.session_key == "agent:dev:friday"
    assert theirs.session_key == "agent:dev:friday:other"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "9lives", "role": "dev"}, "name"),
        ({"name": "has space", "role": "dev"}, "name"),
        ({"name": "", "role": "dev"}, "name"),
        ({"name": "A" * 41, "role": "dev"}, "name"),
        ({"name": "Friday", "role": ""}, "role"),
        ({"name": "Friday", "role": "dev", "heartbeat_interval_s": 29}, "heartbeat_interval_s"),
        ({"name": "Friday", "role": "dev", "capabilities": ["x" * 41]}, "capabilities"),
        ({"name": "Friday", "role": "dev", "driver_type": "telepathy"}, "driver_type"),
    ],
)
def test_create_agent_refuses_invalid_fields(session, workspace, op_actor, refused, data, field):
    err = refused(
        Invalid, agents.create_agent, workspace_id=workspace.id, data=data, actor=op_actor
    )
    assert list(err.details["fields"]) == [field]
    assert field in err.message


def test_a_heartbeat_of_30_seconds_is_the_minimum(session, workspace, op_actor):
    assert _create(
        session, workspace, op_actor, name="Fast", role="dev", heartbeat_interval_s=30
    ).id


def test_duplicate_names_are_refused_case_insensitively(
    session, workspace, op_actor, make_agent, refused
):
    make_agent("Friday")
    err = refused(
        Conflict,
        agents.create_agent,
        workspace_id=workspace.id,
        data={"name": "FRIDAY", "role": "dev"},
        actor=op_actor,
    )
    assert err.message == (
        "the name 'FRIDAY' is already used by an agent in this workspace; "
        "names must be unique so @mentions are unambiguous"
    )


def test_an_agent_cannot_take_an_operators_handle(session, workspace, operator, op_actor, refused):
    err = refused(
        Conflict,
        agents.create_agent,
        workspace_id=workspace.id,
        data={"name": "Ops", "role": "dev"},
        actor=op_actor,
    )
    assert "already used by an operator" in err.message


def test_an_operator_cannot_take_an_agents_name(session, workspace, make_agent, op_actor, refused):
    make_agent("Friday")
    err = refused(
        Conflict,
        users.create_user,
        workspace_id=workspace.id,
        handle="friday",
        display_name="F",
        actor=op_actor,
    )
    assert "already an agent's name" in err.message


def test_all_is_reserved_for_mentioning_everyone(session, workspace, op_actor, refused):
    err = refused(
        Invalid,
        agents.create_agent,
        workspace_id=workspace.id,
        data={"name": "All", "role": "dev"},
        actor=op_actor,
    )
    assert err.message == "'All' is reserved: @all mentions every agent"
    refused(
        Invalid,
        users.create_user,
        workspace_id=workspace.id,
        handle="all",
        display_name="x",
        actor=op_actor,
    )


def test_the_same_name_in_another_workspace_is_fine(session, make_workspace, make_agent):
    other = make_workspace("other")
    make_agent("Friday")
    assert make_agent("Friday", workspace_id=other.id).id


def test_update_agent(session, workspace, op_actor, make_agent, events):
    agent = make_agent("Friday", role="dev")
    events.clear()
    agents.update_agent(
        session=session,
        workspace_id=workspace.id,
        agent_id=agent.id,
        data={
            "description": "Backend work",
            "capabilities": ["SQL", " sql", "Go"],
            "heartbeat_interval_s": 120,
        },
        actor=op_actor,
    )
    session.commit()
    agent = _fresh(session, agent.id)
    assert (agent.description, agent.capabilities, agent.heartbeat_interval_s) == (
        "Backend work",
        ["sql", "go"],
        120,
    )
    audit = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (
        audit.action,
        audit.before["heartbeat_interval_s"],
        audit.after["heartbeat_interval_s"],
    ) == ("agent.updated", 900, 120)
    assert [e.type for e in events] == ["agent.updated"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"heartbeat_interval_s": 5}, "heartbeat_interval_s"),
        ({"capabilities": ["y" * 41]}, "capabilities"),
        ({"role": ""}, "role"),
    ],
)
def test_update_agent_refuses_invalid_fields(
    session, workspace, op_actor, make_agent, refused, data, field
):
    agent = make_agent("Friday")
    err = refused(
        Invalid,
        agents.update_agent,
        workspace_id=workspace.id,
        agent_id=agent.id,
        data=data,
        actor=op_actor,
    )
    assert list(err.details["fields"]) == [field]
    assert _fresh(session, agent.id).heartbeat_interval_s == 900


def test_update_agent_of_another_workspace_is_not_found(
    session, make_workspace, op_actor, make_agent, refused
):
    other = make_workspace("other")
    agent = make_agent("Friday")
    refused(
        NotFound,
        agents.update_agent,
        workspace_id=other.id,
        agent_id=agent.id,
        data={"role": "x"},
        actor=op_actor,
    )


def test_pause_and_resume(session, workspace, op_actor, make_agent, events):
    agent = make_agent("Friday")
    events.clear()
    agents.set_paused(
        session=session, workspace_id=workspace.id, agent_id=agent.id, paused=True, actor=op_actor
    )
    session.commit()
    agent = _fresh(session, agent.id)
    assert (agent.paused, agent.status) == (True, AgentStatus.offline)

    agents.set_paused(
        session=session, workspace_id=workspace.id, agent_id=agent.id, paused=False, actor=op_actor
    )
    session.commit()
    agent = _fresh(session, agent.id)
    assert (agent.paused, agent.status) == (False, AgentStatus.idle)
    assert [e.type for e in events] == ["agent.paused", "agent.resumed"]


def test_pausing_a_paused_agent_records_nothing(session, workspace, op_actor, make_agent, events):
    agent = make_agent("Friday")
    agents.set_paused(
        session=session, workspace_id=workspace.id, agent_id=agent.id, paused=True, actor=op_actor
    )
    session.commit()
    audits = len(session.exec(select(AuditEvent)).all())
    events.clear()
    agents.set_paused(
        session=session, workspace_id=workspace.id, agent_id=agent.id, paused=True, actor=op_actor
    )
    session.commit()
    assert len(session.exec(select(AuditEvent)).all()) == audits
    assert events == []


def test_pausing_an_agent_of_another_workspace_is_not_found(
    session, make_workspace, op_actor, make_agent, refused
):
    other = make_workspace("other")
    agent = make_agent("Friday")
    refused(
        NotFound,
        agents.set_paused,
        workspace_id=other.id,
        agent_id=agent.id,
        paused=True,
        actor=op_actor,
    )
    assert _fresh(session, agent.id).paused is False
