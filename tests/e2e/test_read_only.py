"""A viewer sees every control that would change something read-only, disabled and saying
why on hover, instead of enabled controls whose submit is refused; likewise an admin who is
not the platform owner and the workspace form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from mission_control.db import session_scope
from mission_control.models import TaskStatus, UserRole
from mission_control.services import agents, documents, task_flow, tasks, working_state, workspaces
from mission_control.services.actor import Actor

pytestmark = pytest.mark.e2e
VIEWER_WHY = "viewers can look but not change anything"


@pytest.fixture
def squad(db):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="watch", name="Watch")
        friday = agents.create_agent(session=session, workspace_id=ws.id, data={"name": "Friday", "role": "dev"},
                                     actor=actor)
        task = tasks.create_task(session=session, workspace_id=ws.id, actor=actor,
                                 data={"title": "Ship it", "assignee_ids": [friday.id]})
        for status in (TaskStatus.in_progress, TaskStatus.review):
            task_flow.move_task(session=session, workspace_id=ws.id, task_id=task.id, to=status, actor=actor)
        doc = documents.create_document(session=session, workspace_id=ws.id, title="Spec", content="v1",
                                        task_id=task.id, actor=actor)
        documents.update_document(session=session, workspace_id=ws.id, document_id=doc.id, content="v2", actor=actor)
        working_state.write(session=session, workspace_id=ws.id, notes="one", actor=actor, base_version=0)
        working_state.write(session=session, workspace_id=ws.id, notes="two", actor=actor, base_version=1)
        other = workspaces.create_workspace(session=session, slug="tenant", name="Tenant")
    return {"ws": ws.id, "task": task.id, "doc": doc.id, "friday": friday.id, "other": other.id}


def read_only(control: Locator, why: str = VIEWER_WHY) -> None:
    """Disabled, and its title (the tooltip) says why."""
    expect(control).to_be_disabled()
    expect(control).to_have_attribute("title", re.compile(re.escape(why), re.IGNORECASE))


def visit(page: Page, url: str, ready: Locator) -> None:
    page.goto(url)
    expect(ready).to_be_visible(timeout=30000)


def test_a_viewer_sees_read_only_controls_on_every_page(app_server, login, squad):  # type: ignore[no-untyped-def]
    page = login(squad["ws"], handle="watcher", role=UserRole.viewer)

    visit(page, app_server, page.get_by_test_id("task-card").first)
    read_only(page.get_by_test_id("move-menu").first)
    expect(page.get_by_test_id("task-card").first).to_have_attribute("aria-disabled", "true")

    visit(page, f"{app_server}/tasks/{squad['task']}", page.get_by_test_id("composer"))
    for control in (
        page.get_by_test_id("composer"),
        page.get_by_role("button", name="Send"),
        page.get_by_placeholder("New subtask title"),
        page.get_by_role("button", name="Add", exact=True),
        page.get_by_placeholder("Task number, e.g. 12"),
        page.get_by_role("button", name="Add dependency"),
        page.get_by_test_id("due-date"),
        page.get_by_role("combobox", name="Status"),
        page.get_by_role("checkbox", name="Friday"),
        page.get_by_role("button", name="Edit"),
    ):
        read_only(control)

    visit(page, f"{app_server}/documents", page.get_by_test_id("new-document"))
    read_only(page.get_by_test_id("new-document"))
    visit(page, f"{app_server}/documents/{squad['doc']}", page.get_by_test_id("editor"))
    for control in (page.get_by_test_id("editor"), page.get_by_role("textbox", name="Title"),
                    page.get_by_test_id("save"), page.get_by_test_id("restore-version").first):
        read_only(control)

    visit(page, f"{app_server}/working", page.get_by_role("button", name="Edit notes"))
    read_only(page.get_by_role("button", name="Edit notes"))
    read_only(page.get_by_role("button", name="Restore").first)

    visit(page, f"{app_server}/approvals", page.get_by_test_id("review-card"))
    read_only(page.get_by_test_id("approve"))
    read_only(page.get_by_test_id("reject"))

    visit(page, f"{app_server}/agents", page.get_by_test_id("new-agent"))
    read_only(page.get_by_test_id("new-agent"), "Only an admin can do this.")
    visit(page, f"{app_server}/agents/{squad['friday']}", page.get_by_role("button", name="Wake now"))
    read_only(page.get_by_role("button", name="Wake now"))


def test_only_the_platform_owner_may_use_the_new_workspace_form(app_server, login, squad):  # type: ignore[no-untyped-def]
    # "watch" was created first: its admins own the platform; "tenant"'s admin does not.
    tenant = login(squad["other"], handle="tenantadmin", role=UserRole.admin)
    visit(tenant, f"{app_server}/settings", tenant.get_by_role("button", name="Create workspace"))
    read_only(tenant.get_by_role("button", name="Create workspace"), "only the platform owner creates workspaces")
    read_only(tenant.get_by_role("textbox", name="New workspace slug"), "only the platform owner")
    owner = login(squad["ws"], handle="boss", role=UserRole.admin)
    visit(owner, f"{app_server}/settings", owner.get_by_role("button", name="Create workspace"))
    expect(owner.get_by_role("button", name="Create workspace")).to_be_enabled()
