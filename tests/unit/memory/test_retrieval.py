"""A heartbeat's context carries the memories relevant to the agent's tasks and mentions: its
own and the squad's, never another agent's private ones, de-duplicated, within the budget, and
the run record says what was recalled with which score."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from mission_control.heartbeat import context
from mission_control.memory import retrieval
from mission_control.models import HeartbeatRun, MemoryItem
from mission_control.services import agent_signals, messages
from mission_control.services.actor import Actor

from ..heartbeat.conftest import FakeDriver

SYSTEM = Actor.system("test")


@pytest.fixture
def recall_on(monkeypatch, store, embedder):
    monkeypatch.setattr(context, "memory_provider", retrieval.provide)


def note(session, workspace, agent, text, shared=False):
    agent_signals.remember(session=session, workspace_id=workspace.id, agent_id=agent.id, text=text, shared=shared,
                           actor=SYSTEM)


def test_the_agent_recalls_what_matters_for_its_tasks_and_mentions(
        session, workspace, make_agent, make_task, op_actor, index, beat, recall_on):
    friday, vision = make_agent("Friday"), make_agent("Vision")
    make_task("Add the VAT column to the invoice CSV export", assignee_ids=[friday.id])
    other = make_task("Landing page copy")
    note(session, workspace, friday, "Finance wants VAT as its own column, rounded to two decimals")
    note(session, workspace, vision, "VAT rates differ per country; never hardcode 20%")
    note(session, workspace, vision, "Invoice exports must use semicolons for the German office", shared=True)
    note(session, workspace, friday, "The office coffee machine is broken again")
    note(session, workspace, friday, "Staging deploys need the ops channel's approval")
    messages.post_message(session=session, workspace_id=workspace.id, task_id=other.id,
                          body="@Friday where do staging deploys get approved?", actor=op_actor)
    index()
    driver = FakeDriver()
    beat(friday, driver)
    recalled = driver.calls[0].context["memories"]
    texts = [m["text"] for m in recalled]
    assert "Finance wants VAT as its own column, rounded to two decimals" in texts
    assert "Invoice exports must use semicolons for the German office" in texts  # shared by Vision
    assert "Staging deploys need the ops channel's approval" in texts  # from the mention
    assert not any("never hardcode" in t for t in texts)  # Vision's private note
    assert not any("coffee" in t for t in texts)  # not relevant enough
    assert all(0.3 <= m["score"] <= 1 for m in recalled)
    assert [m["score"] for m in recalled] == sorted((m["score"] for m in recalled), reverse=True)
    run = session.exec(select(HeartbeatRun).where(HeartbeatRun.agent_id == friday.id)).one()
    assert [(r["id"], r["score"]) for r in run.memories] == [(m["id"], m["score"]) for m in recalled]
    hits = {m.id: m.hits for m in session.exec(select(MemoryItem).where(col(MemoryItem.id).in_(
        [m["id"] for m in recalled])))}
    assert set(hits.values()) == {1}


def test_what_the_context_already_shows_and_repeats_are_left_out(session, workspace, make_agent, make_task,
                                                                  op_actor, index, recall_on):
    friday = make_agent("Friday")
    task = make_task("Migrate the billing database to PostgreSQL 16", assignee_ids=[friday.id])
    messages.post_message(session=session, workspace_id=workspace.id, task_id=task.id,
                          body="Billing migration: take a snapshot before the PostgreSQL upgrade", actor=op_actor)
    note(session, workspace, friday, "Before any billing database migration, take a snapshot")
    note(session, workspace, friday, "Before any billing database migration, take a snapshot", shared=True)
    index()
    session.commit()
    built = context.build(session, friday, now=task.created_at, budget=16000)
    kinds = [(m["kind"], m["text"]) for m in built.data["memories"]]
    assert ("task", task.title) not in kinds  # the task itself is in the context already
    assert not any(k == "message" for k, _ in kinds)  # so is its thread
    assert [t for _, t in kinds].count("Before any billing database migration, take a snapshot") == 1


def test_memories_stay_within_the_context_budget(session, workspace, make_agent, make_task, index, recall_on):
    friday = make_agent("Friday")
    task = make_task("Write the onboarding email sequence", assignee_ids=[friday.id])
    for text in ("Onboarding emails: keep subject lines under 50 characters",
                 "Welcome emails perform best when sent within an hour of sign-up",
                 "The email sequence must link to the getting-started guide",
                 "Marketing signs off every customer email before it is sent",
                 "Email templates live in the lifecycle folder of the design drive",
                 "Personalise onboarding messages with the customer's first name"):
        note(session, workspace, friday, text + ". " + "Details follow. " * 15)
    index()
    session.commit()
    roomy = context.build(session, friday, now=task.created_at, budget=16000)
    tight = context.build(session, friday, now=task.created_at, budget=roomy.chars - 900)
    assert len(roomy.data["memories"]) == 6
    assert 0 < len(tight.data["memories"]) < 6 and tight.chars <= roomy.chars - 900
    assert any("memories left out" in t for t in tight.data["truncated"])
    assert len(tight.memories) == len(tight.data["memories"])
