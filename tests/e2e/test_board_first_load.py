"""The board's first load in the browser: a signed-out visitor, a first screen of a big inbox,
"Show more", the filters, what a card shows, and the feed beside it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from mission_control.db import session_scope
from mission_control.models import utcnow
from mission_control.services import agents, tasks, workspaces
from mission_control.services.actor import Actor
from mission_control.state.board import CARD_CAP
from mission_control.state.feed import FEED_SIZE

pytestmark = pytest.mark.e2e
EXTRA = 5  # inbox cards past the first screen


@pytest.fixture
def big_inbox(db):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="big", name="Big squad")
        friday = agents.create_agent(session=session, workspace_id=ws.id, data={"name": "Friday", "role": "dev"},
                                     actor=actor)
        first = tasks.create_task(session=session, workspace_id=ws.id, data={"title": "Chore 0"}, actor=actor)
        for i in range(1, CARD_CAP + EXTRA):
            tasks.create_task(session=session, workspace_id=ws.id, data={"title": f"Chore {i}"}, actor=actor)
        urgent = tasks.create_task(
            session=session, workspace_id=ws.id, actor=actor,
            data={"title": "Fire drill", "priority": "urgent", "assignee_ids": [friday.id],
                  "due_at": utcnow() + timedelta(days=2, hours=1), "depends_on_ids": [first.id]},
        )
    return {"ws": ws.id, "urgent": urgent.id}


def test_signed_out_visitor_is_sent_to_sign_in(app_server, browser):  # type: ignore[no-untyped-def]
    page = browser.new_context().new_page()
    page.goto(app_server)
    page.wait_for_url("**/login?next=/**", timeout=30000)


def test_big_inbox_shows_a_first_screen_then_the_rest_and_filters_narrow_it(app_server, login, big_inbox):  # type: ignore[no-untyped-def]
    page = login(big_inbox["ws"])
    page.goto(app_server)
    inbox = page.locator('[data-column="inbox"] [data-testid="task-card"]')
    expect(inbox).to_have_count(CARD_CAP, timeout=30000)
    expect(page.get_by_test_id("stat-open")).to_have_text(str(CARD_CAP + EXTRA + 1))
    more = page.locator('[data-column="inbox"] [data-testid="show-more"]')
    expect(more).to_have_text(f"Show {EXTRA} more")
    more.click()
    expect(inbox).to_have_count(CARD_CAP + EXTRA)
    expect(more).to_have_count(0)

    feed = page.get_by_test_id("feed-item")  # newest first, and how long ago
    expect(feed).to_have_count(FEED_SIZE)
    expect(feed.filter(has_text="“Fire drill”").first).to_contain_text("a few seconds ago")

    card = page.locator(f'[data-column="assigned"] [data-task-id="{big_inbox["urgent"]}"]')
    for shown in ("urgent", "blocked", "@Friday", "due in 2 days", "Fire drill"):
        expect(card).to_contain_text(shown)
    expect(card.get_by_role("link", name="Fire drill")).to_have_attribute("href", f"/tasks/{big_inbox['urgent']}")

    page.get_by_label("Filter tasks by text").fill("chore 7")
    expect(inbox).to_have_count(1)
    expect(inbox).to_contain_text("Chore 7")
    expect(card).to_have_count(0)
    page.get_by_role("button", name="Clear").click()
    expect(inbox).to_have_count(CARD_CAP + EXTRA)  # what "Show more" opened stays open

    page.get_by_role("combobox").nth(1).click()  # the toolbar's selects: assignee, then priority
    page.get_by_role("option", name="urgent").click()
    expect(inbox).to_have_count(0)
    expect(page.locator('[data-column="inbox"]')).to_contain_text("No matching tasks")
    expect(card).to_have_count(1)

    page.evaluate("window.__same_page = true")  # gone if the title link reloaded the whole app
    card.get_by_role("link", name="Fire drill").click()
    page.wait_for_url(f"**/tasks/{big_inbox['urgent']}**")
    expect(page.get_by_role("heading", name="Fire drill")).to_be_visible()
    assert page.evaluate("window.__same_page === true")
