"""Admin and reviewer flows: sign in, create an agent through the form (with a validation error),
approve and reject reviews on a phone-sized screen."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from mission_control.db import session_scope
from mission_control.models import Agent, Message, Notification, Task, TaskStatus, UserRole
from mission_control.services import agents, auth, documents, task_flow, tasks, users, workspaces
from mission_control.services.actor import Actor

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 375, "height": 667}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def crew(db):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="crew", name="Crew")
        friday = agents.create_agent(session=session, workspace_id=ws.id,
                                     data={"name": "Friday", "role": "developer"}, actor=actor)
    return {"ws": ws.id, "friday": friday.id, "slug": "crew"}


def test_sign_in_form_refuses_a_wrong_password_then_lets_the_operator_in(app_server, browser, crew):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        user = users.create_user(session=session, workspace_id=crew["ws"], handle="lead", display_name="Lead",
                                 role=UserRole.operator, actor=Actor.system("test"))
        auth.set_password(session=session, user=user, password="correct horse battery", actor=Actor.system("test"))
    page = browser.new_context().new_page()
    page.goto(f"{app_server}/agents")
    page.wait_for_url("**/login?next=/agents**", timeout=30000)  # signed out: sent to sign in
    expect(page.locator("#workspace")).not_to_have_value("", timeout=15000)  # the page's own guess first
    page.fill("#workspace", crew["slug"])
    page.fill("#handle", "lead")
    page.fill("#password", "wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("wrong workspace, handle or password")
    page.fill("#password", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/agents/", timeout=10000)
    expect(page.get_by_test_id("agent-card")).to_have_count(1)
    # An operator (not admin) may not create agents: the button is read-only and says why.
    expect(page.get_by_test_id("new-agent")).to_be_disabled()
    expect(page.get_by_test_id("new-agent")).to_have_attribute("title", "Only an admin can do this.")


def test_admin_creates_an_agent_through_the_form_after_fixing_a_mistake(app_server, login, crew, db):  # type: ignore[no-untyped-def]
    page = login(crew["ws"])
    page.goto(f"{app_server}/agents")
    page.get_by_test_id("new-agent").click()
    page.fill("#agent-name", "Friday")  # taken
    page.fill("#agent-role", "researcher")
    page.fill("#agent-capabilities", "research")
    page.keyboard.press("Enter")
    page.fill("#agent-capabilities", "writing")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("capability")).to_have_count(2)
    page.fill("#agent-interval", "0.1")
    page.get_by_test_id("agent-save").click()
    expect(page.get_by_test_id("error-interval")).to_contain_text("between 0.5 and 1440")
    page.fill("#agent-interval", "30")
    page.get_by_test_id("agent-save").click()
    expect(page.get_by_test_id("error-name")).to_contain_text("already used by an agent")
    with Session(db) as s:  # nothing half-created
        assert len(s.exec(select(Agent).where(Agent.workspace_id == crew["ws"])).all()) == 1
    page.fill("#agent-name", "Shuri")
    page.get_by_test_id("agent-save").click()
    page.wait_for_url("**/agents/*", timeout=10000)
    expect(page.get_by_role("heading", name="Shuri")).to_be_visible()
    with Session(db) as s:
        shuri = s.exec(select(Agent).where(Agent.name == "Shuri")).one()
        assert shuri.role == "researcher" and shuri.capabilities == ["research", "writing"]
        assert shuri.heartbeat_interval_s == 1800
    # The new agent gets its key here, shown once, and it works against the API at once.
    page.get_by_role("button", name="Issue key").click()
    token = page.get_by_test_id("new-token").inner_text(timeout=10000)
    me = httpx.get(f"{app_server}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["name"] == "Shuri"
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_test_id("key-row")).to_have_count(1)


def _two_reviews(crew) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    ids = []
    with session_scope() as session:
        for title in ("Write the launch post", "Fix the flaky export"):
            task = tasks.create_task(session=session, workspace_id=crew["ws"],
                                     data={"title": title, "assignee_ids": [crew["friday"]]}, actor=actor)
            for step in (TaskStatus.in_progress, TaskStatus.review):
                task_flow.move_task(session=session, workspace_id=crew["ws"], task_id=task.id, to=step, actor=actor)
            ids.append(task.id)
        documents.create_document(session=session, workspace_id=crew["ws"], title="Launch post",
                                  content="# Launch\nWe ship today.", task_id=ids[0], actor=actor)
    return ids[0], ids[1]


def test_reviewer_approves_and_rejects_on_a_phone(app_server, login, crew, db):  # type: ignore[no-untyped-def]
    post, export = _two_reviews(crew)
    page = login(crew["ws"], handle="reviewer", role=UserRole.operator, **PHONE)
    page.goto(f"{app_server}/approvals")
    cards = page.get_by_test_id("review-card")
    expect(cards).to_have_count(2, timeout=30000)
    expect(cards.first).to_contain_text("We ship today")  # the deliverable is shown
    approve = cards.filter(has_text="launch post").get_by_test_id("approve")
    box = approve.bounding_box()
    assert box and box["height"] >= 44 and box["x"] + box["width"] <= 375  # thumb-sized, on screen
    approve.tap()
    expect(cards).to_have_count(1)
    cards.first.get_by_test_id("reject").tap()
    page.get_by_test_id("confirm-reject").tap()  # no reason yet: refused
    expect(page.get_by_text("Say what needs to change")).to_be_visible()
    page.get_by_test_id("reject-reason").fill("The export still times out on 10k rows")
    page.get_by_test_id("confirm-reject").tap()
    expect(page.get_by_text("Nothing waiting for review.")).to_be_visible()
    with Session(db) as s:
        assert s.get(Task, post).status == TaskStatus.done
        assert s.get(Task, export).status == TaskStatus.in_progress
        thread = [m.body for m in s.exec(select(Message).where(Message.task_id == export))]
        assert any("10k rows" in body and "@Friday" in body for body in thread)
        note = s.exec(select(Notification).where(Notification.recipient_agent_id == crew["friday"],
                                                 Notification.task_id == export)).all()
        assert note, "the assignee was not notified"
