"""Many open tabs, one change: each tab gets exactly its own view of it (its filters, its
person's bell), as the app's own socket protocol delivers it (no browser needed)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from mission_control.bench.socket_client import TabClient, card_titles, until
from mission_control.db import session_scope
from mission_control.models import UserRole
from mission_control.services import browser_sessions, notifications, tasks, users, workspaces
from mission_control.services.actor import Actor
from mission_control.state.board import BoardState
from mission_control.state.notifications import NotificationState

pytestmark = pytest.mark.e2e

BOARD = BoardState.get_full_name()
BELL = NotificationState.get_full_name()


def _person(workspace_id: int, handle: str, role: UserRole) -> tuple[int, str]:
    with session_scope() as session:
        user = users.create_user(session=session, workspace_id=workspace_id, handle=handle,
                                 display_name=handle.title(), role=role, actor=Actor.system("test"))
        token = browser_sessions.open_session(session=session, user=user)
    assert user.id is not None
    return user.id, token


def test_each_tab_gets_its_own_filters_and_bell(app_server, db):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="tabs", name="Tabs")
    assert ws.id is not None
    _, boss = _person(ws.id, "boss", UserRole.admin)
    ops_id, ops = _person(ws.id, "ops", UserRole.operator)

    async def scenario() -> None:
        plain, also_plain, urgent_only = (TabClient(app_server, session_token=boss) for _ in range(3))
        other_person = TabClient(app_server, session_token=ops)
        tabs = [plain, also_plain, urgent_only, other_person]
        try:
            for tab in tabs:
                await tab.connect()
            await until(lambda: all(t.value(BOARD, "loaded") for t in tabs), "every board loaded")
            await urgent_only.send(f"{BOARD}.set_filter_priority", value="high")
            await until(lambda: urgent_only.value(BOARD, "filter_priority") == "high", "the filter applied")

            # Written by this process: the app hears of it as of any other process's change.
            with session_scope() as session:
                for title, priority in (("Fix prod", "high"), ("Tidy up", "low")):
                    tasks.create_task(session=session, workspace_id=ws.id, actor=Actor.system("test"),
                                      data={"title": title, "priority": priority})
                notifications.notify(session, workspace_id=ws.id, kind="mention", text="@ops look",
                                     user_id=ops_id)

            both = {"Fix prod", "Tidy up"}
            await until(lambda: all(card_titles(t.vars) == both for t in (plain, also_plain, other_person)),
                         "both cards on every unfiltered tab")
            await until(lambda: other_person.value(BELL, "unread") == 1, "the bell of the person mentioned")
            await until(lambda: "Fix prod" in card_titles(urgent_only.vars), "the urgent card on the filtered tab")
            assert card_titles(urgent_only.vars) == {"Fix prod"}
            assert [t.value(BELL, "unread") for t in (plain, also_plain, urgent_only)] == [0, 0, 0]
        finally:
            await asyncio.gather(*(t.close() for t in tabs))

    # In a thread of its own: Playwright's sync API (other tests here) keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=120)
