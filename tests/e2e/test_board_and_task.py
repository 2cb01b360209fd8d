"""Operator flows in the browser: drag a card, move it by menu, talk on a task with @mentions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from mission_control.db import session_scope
from mission_control.models import Notification, Task, TaskStatus, UserRole
from mission_control.services import agents, tasks, users, workspaces
from mission_control.services.actor import Actor

pytestmark = pytest.mark.e2e


@pytest.fixture
def board(db):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="ui", name="UI squad")
        users.create_user(session=session, workspace_id=ws.id, handle="boss", display_name="Boss", role=UserRole.admin, actor=actor)
        friday = agents.create_agent(session=session, workspace_id=ws.id, data={"name": "Friday", "role": "developer"}, actor=actor)
        agents.create_agent(session=session, workspace_id=ws.id, data={"name": "Vision", "role": "qa"}, actor=actor)
        ready = tasks.create_task(
            session=session, workspace_id=ws.id, data={"title": "Ready to start", "assignee_ids": [friday.id]}, actor=actor
        )
        loose = tasks.create_task(session=session, workspace_id=ws.id, data={"title": "Nobody owns me"}, actor=actor)
    return {"ws": ws.id, "ready": ready.id, "loose": loose.id, "friday": friday.id}


def _status(db, task_id: int) -> TaskStatus:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        task = s.get(Task, task_id)
        assert task is not None
        return task.status


def test_drag_card_to_next_column_persists_and_other_browser_sees_it(app_server, login, board, db):  # type: ignore[no-untyped-def]
    first, second = login(board["ws"]), login(board["ws"])
    for page in (first, second):
        page.goto(app_server)
        page.wait_for_selector(f'[data-column="assigned"] [data-task-id="{board["ready"]}"]', timeout=30000)

    first.locator(f'[data-task-id="{board["ready"]}"]').drag_to(first.locator('[data-column="in_progress"]'), steps=10)

    second.wait_for_selector(f'[data-column="in_progress"] [data-task-id="{board["ready"]}"]', timeout=2000)
    assert _status(db, board["ready"]) == TaskStatus.in_progress
    first.reload()
    first.wait_for_selector(f'[data-column="in_progress"] [data-task-id="{board["ready"]}"]', timeout=10000)


def test_refused_drag_explains_why_and_card_stays(app_server, login, board, db):  # type: ignore[no-untyped-def]
    page = login(board["ws"])
    page.goto(app_server)
    card = page.locator(f'[data-task-id="{board["loose"]}"]')
    card.wait_for(timeout=30000)
    card.drag_to(page.locator('[data-column="assigned"]'), steps=10)
    toast = page.locator("[data-sonner-toast]").filter(has_text="has no assignee")
    toast.wait_for(timeout=3000)
    assert page.locator(f'[data-column="inbox"] [data-task-id="{board["loose"]}"]').count() == 1
    assert _status(db, board["loose"]) == TaskStatus.inbox


def test_move_by_keyboard_menu(app_server, login, board, db):  # type: ignore[no-untyped-def]
    page = login(board["ws"])
    page.goto(app_server)
    menu = page.locator(f'[data-task-id="{board["ready"]}"] [data-testid="move-menu"]')
    menu.wait_for(timeout=30000)
    menu.focus()
    page.keyboard.press("Enter")
    page.get_by_role("menuitem", name="Move to In progress").click()
    page.wait_for_selector(f'[data-column="in_progress"] [data-task-id="{board["ready"]}"]', timeout=3000)
    assert _status(db, board["ready"]) == TaskStatus.in_progress


def test_mention_autocomplete_posts_and_notifies(app_server, login, board, db):  # type: ignore[no-untyped-def]
    page, watcher = login(board["ws"]), login(board["ws"])
    url = f"{app_server}/tasks/{board['ready']}"
    page.goto(url)
    watcher.goto(url)
    composer = page.locator('[data-testid="composer"]')
    composer.wait_for(timeout=30000)
    watcher.locator('[data-testid="composer"]').wait_for(timeout=30000)
    composer.fill("Can you review this, @Vi")
    page.locator('[data-testid="mention-option"]', has_text="@Vision").click()
    expect(composer).to_have_value("Can you review this, @Vision ", timeout=3000)
    composer.type("and @nobody too")
    page.get_by_role("button", name="Send").click()

    page.locator("[data-sonner-toast]").filter(has_text="@nobody").wait_for(timeout=3000)
    watcher.locator('[data-testid="message"]', has_text="Can you review this").wait_for(timeout=2000)
    with Session(db) as s:
        notes = s.exec(select(Notification).where(Notification.kind == "mention")).all()
    assert len(notes) == 1 and notes[0].task_id == board["ready"]
    expect(composer).to_have_value("", timeout=3000)


def test_unknown_task_page_says_so(app_server, login, board):  # type: ignore[no-untyped-def]
    page = login(board["ws"])
    page.goto(f"{app_server}/tasks/99999")
    page.get_by_text("Task not found").wait_for(timeout=30000)


def test_operator_mention_lights_the_bell_live_and_can_be_read(app_server, login, board, db):  # type: ignore[no-untyped-def]
    from mission_control.services import messages

    page = login(board["ws"])
    page.goto(app_server)
    page.wait_for_selector('[data-column="inbox"]', timeout=30000)
    assert page.locator('[data-testid="bell-count"]').count() == 0
    with session_scope() as session:
        messages.post_message(
            session=session,
            workspace_id=board["ws"],
            task_id=board["ready"],
            body="@boss I need a decision on the schema",
            actor=Actor.for_agent(board["friday"], "Friday"),
        )
    bell = page.locator('[data-testid="bell-count"]')
    bell.wait_for(timeout=1500)
    assert bell.inner_text() == "1"

    page.goto(f"{app_server}/notifications")
    row = page.locator('[data-testid="notification"]', has_text="I need a decision")
    row.wait_for(timeout=30000)
    page.get_by_role("button", name="Mark all read").click()
    page.locator('[data-testid="bell-count"]').wait_for(state="detached", timeout=3000)
    expect(row).to_have_attribute("data-read", "true", timeout=3000)
