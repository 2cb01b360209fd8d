"""Documents in the browser: edit, see version 2 and its diff, restore version 1; stale saves;
create through the dialog; analytics renders its charts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from mission_control.db import session_scope
from mission_control.models import Document, DocumentVersion, UserRole
from mission_control.services import documents, tasks, users, workspaces
from mission_control.services.actor import Actor

pytestmark = pytest.mark.e2e

V1 = "# Launch plan\n\nShip on Monday.\nTell the team."


@pytest.fixture
def doc(db):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="docs", name="Docs squad")
        users.create_user(session=session, workspace_id=ws.id, handle="boss", display_name="Boss", role=UserRole.admin, actor=actor)
        task = tasks.create_task(session=session, workspace_id=ws.id, data={"title": "Plan the launch"}, actor=actor)
        d = documents.create_document(
            session=session, workspace_id=ws.id, title="Launch plan", content=V1, task_id=task.id, actor=actor
        )
    return {"ws": ws.id, "id": d.id, "task": task.id}


@pytest.fixture
def login(login):  # type: ignore[no-untyped-def]
    """The package's `login`, closing this test's pages after it: an open tab costs every
    live push a refresh, and later tests time theirs."""
    opened = []

    def new_page(*args, **kw):  # type: ignore[no-untyped-def]
        page = login(*args, **kw)
        opened.append(page)
        return page

    yield new_page
    for page in opened:
        page.context.close()


def _versions(db, doc_id: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        rows = s.exec(select(DocumentVersion).where(DocumentVersion.document_id == doc_id).order_by(DocumentVersion.version))
        return [(v.version, v.content) for v in rows]


def _open(login, doc, url: str):  # type: ignore[no-untyped-def]
    page = login(doc["ws"], viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.locator('[data-testid="editor"]').wait_for(timeout=30000)
    return page


def test_edit_see_version_2_and_its_diff_then_restore_version_1(app_server, login, doc, db):  # type: ignore[no-untyped-def]
    page = _open(login, doc, f"{app_server}/documents/{doc['id']}")
    expect(page.locator('[data-testid="task-link"]')).to_have_attribute("href", f"/tasks/{doc['task']}")
    editor = page.locator('[data-testid="editor"]')
    editor.fill("# Launch plan\n\nShip on Tuesday.\nTell the team.")
    expect(page.locator('[data-testid="preview"]')).to_contain_text("Ship on Tuesday.", timeout=3000)
    page.locator('[data-testid="save"]').click()

    page.locator("[data-sonner-toast]").filter(has_text="Saved version 2").wait_for(timeout=3000)
    expect(page.locator('[data-testid="editing-version"]')).to_have_text("version 2")
    assert [v for v, _ in _versions(db, doc["id"])] == [1, 2]

    page.locator('[data-testid="version"][data-version="2"] [data-testid="diff-version"]').click()
    diff = page.locator('[data-testid="diff"]')
    diff.wait_for(timeout=3000)
    changed = diff.locator('[data-kind="changed"]')
    expect(changed).to_have_count(1)
    expect(changed).to_have_text("Ship on Tuesday.")
    expect(diff).to_contain_text("Ship on Monday.")
    page.keyboard.press("Escape")
    diff.wait_for(state="detached", timeout=3000)

    page.locator('[data-testid="version"][data-version="1"] [data-testid="restore-version"]').click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Restore version 1?")
    assert len(_versions(db, doc["id"])) == 2  # nothing happens before the confirmation
    page.locator('[data-testid="confirm-restore"]').click()

    page.locator("[data-sonner-toast]").filter(has_text="Restored version 1 as version 3").wait_for(timeout=3000)
    expect(editor).to_have_value(V1)
    expect(page.locator('[data-testid="version"]')).to_have_count(3)
    assert _versions(db, doc["id"])[-1] == (3, V1)


def test_a_stale_save_keeps_my_text_and_offers_a_way_out(app_server, login, doc, db):  # type: ignore[no-untyped-def]
    page = _open(login, doc, f"{app_server}/documents/{doc['id']}")
    editor = page.locator('[data-testid="editor"]')
    editor.fill("my careful edit")
    page.get_by_text("Unsaved changes").wait_for(timeout=3000)
    with session_scope() as session:  # someone else saves first, e.g. an agent over the API
        documents.update_document(
            session=session, workspace_id=doc["ws"], document_id=doc["id"], content="their edit", actor=Actor.system("agent")
        )
    page.locator('[data-testid="version"][data-version="2"]').wait_for(timeout=2000)  # live, no reload
    page.locator('[data-testid="save"]').click()

    page.locator("[data-sonner-toast]").filter(has_text="Not saved: version 2 was saved").wait_for(timeout=3000)
    expect(editor).to_have_value("my careful edit")
    page.locator('[data-testid="save-over-latest"]').click()
    page.locator("[data-sonner-toast]").filter(has_text="Saved version 3").wait_for(timeout=3000)
    assert [c for _, c in _versions(db, doc["id"])] == [V1, "their edit", "my careful edit"]


def test_new_document_dialog_validates_then_opens_the_editor(app_server, login, doc, db):  # type: ignore[no-untyped-def]
    page = login(doc["ws"], viewport={"width": 375, "height": 667})
    page.goto(f"{app_server}/documents")
    page.locator('[data-testid="document-card"]').first.wait_for(timeout=30000)
    page.locator('[data-testid="new-document"]').click()
    page.locator('[data-testid="create-document"]').click()
    expect(page.locator('[data-testid="error-title"]')).to_have_text("Give the document a title.")

    page.get_by_label("Title").fill("Research notes")
    page.locator('[data-testid="create-document"]').click()
    page.wait_for_url("**/documents/*", timeout=5000)
    page.locator('[data-testid="editor"]').wait_for(timeout=10000)
    with Session(db) as s:
        assert s.exec(select(Document.title).order_by(Document.id)).all() == ["Launch plan", "Research notes"]

    page.goto(f"{app_server}/documents")
    search = page.get_by_label("Search documents")
    search.wait_for(timeout=30000)
    search.fill("zzz-no-such-text")
    page.get_by_text("No documents match these filters.").wait_for(timeout=3000)


def test_analytics_page_draws_its_charts(app_server, login, doc):  # type: ignore[no-untyped-def]
    page = login(doc["ws"], viewport={"width": 1440, "height": 900})
    page.goto(f"{app_server}/analytics")
    for testid in ("done-per-day", "time-per-column", "approval-rate", "heartbeats", "estimates"):
        page.locator(f'[data-testid="{testid}"]').wait_for(timeout=30000)
    expect(page.locator('[data-testid="done-per-day"] .recharts-surface')).to_have_count(1)
    expect(page.locator(f'[data-task-id="{doc["task"]}"]')).to_contain_text("no done tasks yet")
