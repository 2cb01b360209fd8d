"""The logic behind the agents and WORKING.md pages, without a browser (sign-in: test_browser_sessions.py)."""

from __future__ import annotations

import pytest

from mission_control.errors import Conflict, Invalid
from mission_control.services import agent_views, agents
from mission_control.state.agents import field_errors, form_payload
from mission_control.state.working import diff_lines


def _form(**over: str) -> dict[str, str]:
    base = {"name": "Shuri", "role": "researcher", "description": "", "interval_min": "15",
            "driver_type": "external", "model": "", "base_url": "", "api_key": "", "url": "",
            "secret": "", "builtin_role": "orchestrator"}
    return {**base, **over}


def test_form_turns_minutes_into_seconds_and_keeps_only_the_drivers_settings():
    data, errors = form_payload(_form(interval_min="2.5", driver_type="openai", model=" llama3 ", url="x"), ["a"])
    assert errors == {}
    assert data["heartbeat_interval_s"] == 150
    assert data["driver_config"] == {"model": "llama3"}  # the webhook url typed earlier is dropped


@pytest.mark.parametrize("minutes", ["", "abc", "0.1", "5000"])
def test_form_refuses_an_interval_a_person_can_fix(minutes):
    _, errors = form_payload(_form(interval_min=minutes), [])
    assert "between 0.5 and 1440" in errors["interval"]


def test_service_errors_land_under_the_right_inputs(session, workspace, op_actor):
    agents.create_agent(session=session, workspace_id=workspace.id, data={"name": "Shuri", "role": "dev"}, actor=op_actor)
    with pytest.raises(Conflict) as taken:
        agents.create_agent(session=session, workspace_id=workspace.id, data={"name": "shuri", "role": "dev"}, actor=op_actor)
    assert "already used by an agent" in field_errors(taken.value)["name"]
    with pytest.raises(Invalid) as bad:
        agents.create_agent(session=session, workspace_id=workspace.id,
                            data={"name": "Loki", "role": "", "driver_type": "webhook", "driver_config": {"url": "ftp://x"}},
                            actor=op_actor)
    errors = field_errors(bad.value)
    assert errors["role"] == "required"
    assert "http" in errors["url"] and "16 characters" in errors["secret"]


def test_builtin_agents_need_a_known_role_and_edits_are_checked_too(session, workspace, op_actor):
    with pytest.raises(Invalid, match="choose one of: orchestrator, standup, watchdog"):
        agents.create_agent(session=session, workspace_id=workspace.id,
                            data={"name": "Odd", "role": "x", "driver_type": "builtin", "driver_config": {"role": "seer"}},
                            actor=op_actor)
    bot = agents.create_agent(session=session, workspace_id=workspace.id, data={"name": "Bot", "role": "x"}, actor=op_actor)
    with pytest.raises(Invalid, match="model name is required"):
        agents.update_agent(session=session, workspace_id=workspace.id, agent_id=bot.id,
                            data={"driver_type": "openai"}, actor=op_actor)


def test_roster_counts_open_tasks_and_shows_paused_agents(session, workspace, op_actor, make_agent, make_task):
    friday = make_agent("Friday")
    make_task(title="one", assignee_ids=[friday.id])
    agents.set_paused(session=session, workspace_id=workspace.id, agent_id=friday.id, paused=True, actor=op_actor)
    [row] = agent_views.roster(session=session, workspace_id=workspace.id)
    assert row["open_tasks"] == 1 and row["status"] == "paused"


def test_diff_lines_mark_additions_and_removals():
    lines = diff_lines("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same")
    assert [(d.kind, d.text) for d in lines] == [("hunk", "@@ -1 +1 @@"), ("del", "-old"), ("add", "+new"), ("same", " same")]
