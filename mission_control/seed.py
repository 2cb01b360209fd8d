"""Seed a demo workspace on first start: a squad of 10 agents, tasks in every column,
threads with @mentions and a document. Idempotent: does nothing once a workspace exists.

First start also gives the workspace an `admin` operator with a generated password, printed
once (there is no default password); later runs print nothing.

Run as `python -m mission_control.seed`. `--create-workspace SLUG [NAME]` adds another
workspace (a separate tenant) with its own admin, whose password is printed once: creating
workspaces is the platform owner's action (services/workspaces.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from mission_control.config import get_settings
from mission_control.db import session_scope
from mission_control.errors import MissionControlError
from mission_control.models import (
    DocumentType,
    DriverType,
    Priority,
    TaskStatus,
    User,
    UserRole,
    Workspace,
    utcnow,
)
from mission_control.services import (
    agents,
    auth,
    documents,
    messages,
    task_flow,
    tasks,
    users,
    workspaces,
)
from mission_control.services.actor import Actor
from mission_control.startup import install_event_hooks

log = logging.getLogger(__name__)

SQUAD = [
    ("Jarvis", "orchestrator", ["planning", "delegation", "triage"], DriverType.builtin, {"role": "orchestrator"}),
    ("Shuri", "researcher", ["research", "competitive-analysis", "summaries"], DriverType.external, {}),
    ("Loki", "writer", ["writing", "copy", "blog", "seo"], DriverType.external, {}),
    ("Friday", "developer", ["python", "backend", "api", "testing"], DriverType.external, {}),
    ("Vision", "qa", ["testing", "review", "qa"], DriverType.external, {}),
    ("Wanda", "designer", ["design", "ui", "figma"], DriverType.external, {}),
    ("Fury", "analyst", ["analytics", "sql", "metrics"], DriverType.external, {}),
    ("Pepper", "ops", ["ops", "deploy", "monitoring"], DriverType.external, {}),
    ("Argus", "watchdog", ["monitoring", "escalation"], DriverType.builtin, {"role": "watchdog"}),
    ("Wong", "standup", ["reporting", "standup"], DriverType.builtin, {"role": "standup"}),
]

# (title, priority, assignees, final column, due in days)
TASKS = [
    ("Triage inbound feature requests", Priority.medium, [], TaskStatus.inbox, None),
    ("Draft pricing page copy", Priority.low, [], TaskStatus.inbox, 7),
    ("Research competitor onboarding flows", Priority.high, ["Shuri"], TaskStatus.assigned, 3),
    ("Design new dashboard empty states", Priority.medium, ["Wanda"], TaskStatus.assigned, None),
    ("Build CSV export endpoint", Priority.high, ["Friday"], TaskStatus.in_progress, 2),
    ("Weekly metrics report", Priority.medium, ["Fury"], TaskStatus.in_progress, 1),
    ("Blog post: launching Mission Control", Priority.high, ["Loki"], TaskStatus.review, 1),
    ("Regression test plan for v0.2", Priority.medium, ["Vision"], TaskStatus.review, None),
    ("Set up uptime monitoring", Priority.urgent, ["Pepper"], TaskStatus.done, None),
    ("Outreach list for design partners", Priority.low, ["Pepper"], TaskStatus.done, None),
]


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def _walk_to(session: Session, ws_id: int, task_id: int, target: TaskStatus, actor: Actor) -> None:
    order = list(TaskStatus)
    for status in order[1 : order.index(target) + 1]:
        task_flow.move_task(session=session, workspace_id=ws_id, task_id=task_id, to=status, actor=actor)


def seed_demo(session: Session) -> bool:
    if workspaces.first_workspace(session=session) is not None:
        return False
    actor = Actor.system("seed")
    ws = workspaces.create_workspace(session=session, slug=get_settings().workspace_slug, name="Demo squad")
    assert ws.id is not None
    users.create_user(
        session=session, workspace_id=ws.id, handle="admin", display_name="Admin", role=UserRole.admin, actor=actor
    )
    by_name = {}
    for name, role, caps, driver, cfg in SQUAD:
        agent = agents.create_agent(
            session=session,
            workspace_id=ws.id,
            data={"name": name, "role": role, "capabilities": caps, "driver_type": driver, "driver_config": cfg},
            actor=actor,
        )
        by_name[name] = agent
    now = utcnow()
    created = {}
    for title, priority, who, column, due in TASKS:
        task = tasks.create_task(
            session=session,
            workspace_id=ws.id,
            data={
                "title": title,
                "priority": priority,
                "description": f"**Goal:** {title.lower()}.\n\n- keep it short\n- link sources",
                "due_at": now + timedelta(days=due) if due else None,
                "assignee_ids": [by_name[n].id for n in who],
            },
            actor=actor,
        )
        assert task.id is not None
        created[title] = task
        if column not in (TaskStatus.inbox, TaskStatus.assigned):
            _walk_to(session, ws.id, task.id, column, actor)
    blog = created["Blog post: launching Mission Control"]
    assert blog.id is not None
    loki = Actor.for_agent(_id(by_name["Loki"]), "Loki", "seed")
    jarvis = Actor.for_agent(_id(by_name["Jarvis"]), "Jarvis", "seed")
    first = messages.post_message(
        session=session,
        workspace_id=ws.id,
        task_id=blog.id,
        body="First draft is up for review. @Vision can you check the claims against the changelog?",
        actor=loki,
    )
    messages.post_message(
        session=session,
        workspace_id=ws.id,
        task_id=blog.id,
        body="On it. @Loki the benchmark numbers need a source link.",
        actor=Actor.for_agent(_id(by_name["Vision"]), "Vision", "seed"),
        parent_message_id=first.message.id,
    )
    export = created["Build CSV export endpoint"]
    assert export.id is not None
    messages.post_message(
        session=session,
        workspace_id=ws.id,
        task_id=export.id,
        body="@Friday please stream rows instead of building the file in memory. @admin FYI.",
        actor=jarvis,
    )
    documents.create_document(
        session=session,
        workspace_id=ws.id,
        title="Launch blog post",
        type=DocumentType.deliverable,
        task_id=blog.id,
        content="# Launching Mission Control\n\nA control room for your agent squad.\n",
        actor=loki,
    )
    return True


def announce_admin(creds: auth.AdminCredentials) -> None:
    """Print the first admin's generated password; it is never shown again."""
    print(
        "\n".join(
            [
                "",
                "=" * 64,
                f"  Admin sign-in for workspace '{creds.workspace_slug}' (shown once, keep it):",
                f"    handle:   {creds.handle}",
                f"    password: {creds.password}",
                "=" * 64,
                "",
            ]
        ),
        flush=True,
    )


def reset_admin_password(workspace_slug: str, handle: str = "admin") -> auth.AdminCredentials:
    """A lost admin password: issue a new generated one (the old one stops working)."""
    with session_scope() as session:
        user = session.exec(
            select(User).join(Workspace, col(Workspace.id) == col(User.workspace_id))
            .where(Workspace.slug == workspace_slug, User.handle == handle)
        ).first()
        if user is None:
            raise SystemExit(f"no operator @{handle} in workspace '{workspace_slug}'")
        password = auth.generate_password()
        # Ends the operator's browser sessions too: whoever had the old password is signed out.
        auth.set_password(session=session, user=user, password=password, actor=Actor.system("reset"))
    return auth.AdminCredentials(workspace_slug, handle, password)


def create_workspace(slug: str, name: str) -> auth.AdminCredentials:
    """A new tenant from the server's command line (the platform owner's door)."""
    try:
        with session_scope() as session:
            ws, handle, password = workspaces.create_with_admin(
                session=session, slug=slug, name=name, actor=Actor.system("cli")
            )
            created = ws.slug
    except MissionControlError as exc:
        raise SystemExit(exc.message) from exc
    return auth.AdminCredentials(created, handle, password)


def main() -> None:
    import sys

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    install_event_hooks()
    settings = get_settings()
    if "--reset-admin" in sys.argv[1:]:
        announce_admin(reset_admin_password(settings.workspace_slug))
        return
    if "--create-workspace" in sys.argv[1:]:
        rest = sys.argv[sys.argv.index("--create-workspace") + 1 :]
        if not rest:
            raise SystemExit("usage: python -m mission_control.seed --create-workspace SLUG [NAME]")
        announce_admin(create_workspace(rest[0], " ".join(rest[1:]) or rest[0]))
        return
    with session_scope() as session:
        seeded = seed_demo(session) if settings.seed_demo else False
        creds = auth.ensure_admin(session=session, workspace_slug=settings.workspace_slug)
    if settings.seed_demo:
        log.info("seeded the demo workspace" if seeded else "workspace exists; nothing to seed")
    if creds is not None:  # printed only after the commit, so it is a password that works
        announce_admin(creds)


if __name__ == "__main__":
    main()
