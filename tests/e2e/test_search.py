"""Search by meaning in the browser: the app's own indexer embeds new work, and a question in
other words finds it, with the matching passage shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mission_control.db import session_scope
from mission_control.services import tasks, workspaces
from mission_control.services.actor import Actor

from .search_page import search_until_found

pytestmark = pytest.mark.e2e


def test_a_question_in_other_words_finds_the_task(app_server, login, db):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="recall", name="Recall")
        tasks.create_task(session=session, workspace_id=ws.id, actor=actor, data={
            "title": "Speed up the CSV export", "description": "Exports of large accounts time out after 30 s."})
        tasks.create_task(session=session, workspace_id=ws.id, actor=actor, data={
            "title": "Write the onboarding email sequence", "description": "Three emails for new trial users."})
    page = login(ws.id)
    page.goto(f"{app_server}/search")
    hits = search_until_found(page, "downloading a spreadsheet of all customers is too slow")
    expect(hits.first).to_contain_text("Speed up the CSV export")
    expect(hits.first).to_contain_text("time out")  # the matching passage, not just a title
    # The unrelated task scores far below the answer: it is folded away, but one click shows it.
    expect(hits).to_have_count(1)
    page.get_by_role("button", name="Show 1 loose match").click()
    expect(hits).to_have_count(2)
    expect(hits.nth(1)).to_contain_text("onboarding email")
