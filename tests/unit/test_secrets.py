"""Driver and webhook secrets stay on the server: the audit log, the agents pages' data and the
logs carry "set / not set", and an edit that leaves a secret out keeps it."""

from __future__ import annotations

import json
import logging

from sqlalchemy import insert
from sqlmodel import col, select

from mission_control.models import Agent, AuditEvent, utcnow
from mission_control.services import agent_views, agents, audit, webhooks
from mission_control.services.actor import Actor
from mission_control.services.recording import _chain_hash
from mission_control.state.agents import AgentFormState, AgentRow

API_KEY = "sk-live-7f3c9d2a41b8e6f0"
HOOK_SECRET = "whsec-0c1d2e3f4a5b6c7d8e9f"
AGENT_SECRET = "agent-hmac-5e6f7a8b9c0d1e2f"
ADMIN = Actor.system("test")


def _openai_agent(session, workspace):
    agent = agents.create_agent(
        session=session, workspace_id=workspace.id, actor=ADMIN,
        data={"name": "Loki", "role": "dev", "driver_type": "openai",
              "driver_config": {"model": "m", "base_url": "http://127.0.0.1:9/v1", "api_key": API_KEY}},
    )
    session.commit()
    return agent


def _audit_text(session, workspace_id: int) -> str:
    session.expire_all()
    rows = session.exec(select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)).all()
    return json.dumps([[r.before, r.after] for r in rows])


def test_audit_rows_record_that_a_secret_is_set_never_its_value(session, workspace):
    agent = _openai_agent(session, workspace)
    agents.update_agent(session=session, workspace_id=workspace.id, agent_id=agent.id, actor=ADMIN,
                        data={"driver_config": {"model": "m2", "api_key": API_KEY + "-new"}})
    webhooks.create_webhook(session=session, workspace_id=workspace.id, url="https://hooks.example/x",
                            events=["task.review"], secret=HOOK_SECRET, actor=ADMIN)
    builder = agents.create_agent(session=session, workspace_id=workspace.id, actor=ADMIN,
                                  data={"name": "Shuri", "role": "dev", "driver_type": "webhook",
                                        "driver_config": {"url": "https://agent.example/wake",
                                                          "secret": AGENT_SECRET}})
    agents.delete_agent(session=session, workspace_id=workspace.id, agent_id=builder.id, actor=ADMIN)
    session.commit()
    stored = _audit_text(session, workspace.id)
    for secret in (API_KEY, HOOK_SECRET, AGENT_SECRET):
        assert secret not in stored
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.created")
                           .order_by(col(AuditEvent.id))).first()
    assert created is not None and created.after is not None
    assert created.after["driver_config"] == {"model": "m", "base_url": "http://127.0.0.1:9/v1",
                                              "api_key": "(set)"}
    assert audit.verify_chain(session=session, workspace_id=workspace.id).ok


def test_an_edit_without_the_secret_keeps_it_a_new_one_replaces_it_null_removes_it(session, workspace):
    agent = _openai_agent(session, workspace)

    def edit(config):
        agents.update_agent(session=session, workspace_id=workspace.id, agent_id=agent.id, actor=ADMIN,
                            data={"driver_config": config})
        session.commit()
        session.refresh(agent)
        return agent.driver_config.get("api_key")

    assert edit({"model": "m2", "base_url": "http://127.0.0.1:9/v1"}) == API_KEY  # left out: kept
    assert edit({"model": "m3", "api_key": ""}) == API_KEY  # blank (the form's empty field): kept
    assert agent.driver_config["model"] == "m3"
    assert edit({"model": "m3", "api_key": "sk-other"}) == "sk-other"  # replaced
    assert edit({"model": "m3", "api_key": None}) is None  # removed
    assert "api_key" not in agent.driver_config


def test_secrets_already_in_old_audit_rows_are_not_shown_and_the_chain_still_verifies(session, workspace):
    # A row as the previous version wrote it: the key in the snapshot, hashed with it.
    conn = session.connection()
    head = session.exec(select(AuditEvent.hash).where(AuditEvent.workspace_id == workspace.id)
                        .order_by(col(AuditEvent.id).desc())).first() or ""
    row = {"workspace_id": workspace.id, "actor_type": "system", "actor_id": None, "actor_name": "system",
           "action": "agent.created", "target_type": "agent", "target_id": 99, "before": None,
           "after": {"name": "Old", "driver_config": {"model": "m", "api_key": API_KEY}},
           "origin": "service", "at": utcnow(), "prev_hash": head}
    row["hash"] = _chain_hash(row)
    conn.execute(insert(AuditEvent.__table__), row)  # type: ignore[attr-defined]
    session.commit()
    rows = audit.list_events(session=session, workspace_id=workspace.id)
    shown = json.dumps(rows, default=str) + audit.export(rows, "csv") + audit.export(rows, "json")
    assert API_KEY not in shown
    old = next(r for r in rows if r["target_id"] == 99)
    assert old["after"]["driver_config"] == {"model": "m", "api_key": "(set)"}
    assert audit.verify_chain(session=session, workspace_id=workspace.id).ok


def test_the_agents_pages_get_set_or_not_set_and_the_edit_form_is_not_filled_with_it(session, workspace):
    agent = _openai_agent(session, workspace)
    agents.create_agent(session=session, workspace_id=workspace.id, actor=ADMIN,
                        data={"name": "Bare", "role": "dev", "driver_type": "openai",
                              "driver_config": {"model": "m"}})
    session.commit()
    roster = agent_views.roster(session=session, workspace_id=workspace.id)
    page = agent_views.agent_page(session=session, workspace_id=workspace.id, agent_id=agent.id)
    assert API_KEY not in json.dumps([roster, page])
    assert {r["name"]: r["driver_secrets"] for r in roster} == {"Bare": {"api_key": False},
                                                              "Loki": {"api_key": True}}
    assert page["agent"]["driver_config"] == {"model": "m", "base_url": "http://127.0.0.1:9/v1"}
    form = AgentFormState()
    AgentFormState.start_edit.fn(form, page["agent"])  # type: ignore[attr-defined]
    assert form.secrets_set == {"api_key": True}
    assert API_KEY not in json.dumps(form.dict(), default=str)
    AgentRow(**page["agent"])  # the page's typed row takes it as is


def test_logs_of_creating_and_editing_an_agent_do_not_hold_its_secret(session, workspace, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statements and their parameters
    agent = _openai_agent(session, workspace)
    agents.update_agent(session=session, workspace_id=workspace.id, agent_id=agent.id, actor=ADMIN,
                        data={"role": "ops", "driver_config": {"model": "m", "api_key": API_KEY + "2"}})
    session.commit()
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    assert API_KEY not in caplog.text
    assert session.get(Agent, agent.id).driver_config["api_key"] == API_KEY + "2"


def test_a_secret_nested_in_another_driver_setting_is_masked_too(session, workspace):
    agent = agents.create_agent(
        session=session, workspace_id=workspace.id, actor=ADMIN,
        data={"name": "Nest", "role": "dev", "driver_type": "openai",
              "driver_config": {"model": "m", "extra_body": {"provider": {"apiKey": API_KEY}}}},
    )
    session.commit()
    row = agent_views.agent_page(session=session, workspace_id=workspace.id, agent_id=agent.id)["agent"]
    assert API_KEY not in json.dumps(row) + _audit_text(session, workspace.id)
    assert "(set)" in row["driver_config"]["extra_body"]
    # Sent back as read (masked), it keeps the stored key.
    agents.update_agent(session=session, workspace_id=workspace.id, agent_id=agent.id, actor=ADMIN,
                        data={"driver_config": {"model": "m2", "extra_body": {"provider": {"apiKey": "(set)"}}}})
    session.commit()
    session.refresh(agent)
    assert agent.driver_config == {"model": "m2", "extra_body": {"provider": {"apiKey": API_KEY}}}
