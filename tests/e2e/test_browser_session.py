"""The browser's session: a cookie page scripts cannot read, which the agent API refuses, and
which, once ended, stops every open tab at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import expect

from mission_control.bench.socket_client import TabClient, card_titles, until
from mission_control.db import session_scope
from mission_control.models import User, UserRole
from mission_control.services import auth, browser_sessions, tasks, users, workspaces
from mission_control.services.actor import Actor
from mission_control.services.browser_sessions import COOKIE

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("test")
PASSWORD = "correct horse battery"


@pytest.fixture
def lead(db):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="night", name="Night shift")
        user = users.create_user(session=session, workspace_id=ws.id, handle="lead", display_name="Lead",
                                 role=UserRole.admin, actor=SYSTEM)
        auth.set_password(session=session, user=user, password=PASSWORD, actor=SYSTEM)
        tasks.create_task(session=session, workspace_id=ws.id, actor=SYSTEM, data={"title": "Night watch"})
    return {"ws": ws.id, "slug": "night", "user": user.id}


def test_signing_in_sets_a_cookie_page_scripts_cannot_read_and_the_api_refuses(app_server, browser, lead):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    page.goto(f"{app_server}/login?next=/")
    # The page fills in the first workspace once its socket is up; typing before then ran
    # into that (the field read "nightnight").
    expect(page.locator("#workspace")).not_to_have_value("", timeout=15000)
    page.fill("#workspace", lead["slug"])
    page.fill("#handle", "lead")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Night watch").first).to_be_visible(timeout=30000)  # signed in, on the board

    [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert not cookie["secure"]  # served over plain http here; Secure behind https
    assert COOKIE not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()
    # Nor do the page's socket frames (Reflex leaves the handshake's cookie header out).
    assert frames and not any(cookie["value"] in f or COOKIE in f for f in frames)
    r = httpx.get(f"{app_server}/api/v1/me", headers={"Authorization": f"Bearer {cookie['value']}"})
    assert r.status_code == 401

    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url("**/login/", timeout=30000)
    assert [c for c in context.cookies() if c["name"] == COOKIE] == []
    with session_scope() as session:
        assert browser_sessions.resolve(session=session, token=cookie["value"]) is None


def test_a_used_or_forged_ticket_signs_nobody_in(app_server, browser, lead):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{app_server}/auth/session?ticket=forged&next=//evil.example/")
    page.wait_for_url("**/login/?next=/", timeout=30000)  # and never to another site
    assert [c for c in context.cookies() if c["name"] == COOKIE] == []


def _end(how: str, user_id: int, workspace_id: int, token: str) -> None:
    with session_scope() as session:
        if how == "signed out":
            browser_sessions.end(session=session, token=token)
        elif how == "password changed":
            user = session.get(User, user_id)
            auth.set_password(session=session, user=user, password="a brand new passphrase", actor=SYSTEM)
        else:
            users.set_active(session=session, workspace_id=workspace_id, user_id=user_id, active=False, actor=SYSTEM)


@pytest.mark.parametrize("how", ["signed out", "password changed", "deactivated"])
def test_an_ended_session_stops_its_open_tabs_at_once(app_server, lead, how):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        token = browser_sessions.open_session(session=session, user=session.get(User, lead["user"]))
        colleague = users.create_user(session=session, workspace_id=lead["ws"], handle="other",
                                      display_name="Other", role=UserRole.operator, actor=SYSTEM)
        other_token = browser_sessions.open_session(session=session, user=colleague)

    async def scenario() -> None:
        tabs = [TabClient(app_server, session_token=token) for _ in range(2)]
        bystander = TabClient(app_server, session_token=other_token)
        try:
            for tab in (*tabs, bystander):
                await tab.connect()
            await until(lambda: all("Night watch" in card_titles(t.vars) for t in (*tabs, bystander)), "boards")
            await asyncio.to_thread(_end, how, lead["user"], lead["ws"], token)
            # Both tabs of the ended session are sent to sign in, without a click.
            await until(lambda: all(any(e.get("name") == "_redirect" for e in t.browser_events) for t in tabs),
                         "the ended session's tabs sent to sign in")
            with session_scope() as session:
                tasks.create_task(session=session, workspace_id=lead["ws"], actor=SYSTEM, data={"title": "After"})
            await until(lambda: "After" in card_titles(bystander.vars), "the other operator's tab updated")
            await asyncio.sleep(0.5)
            assert all("After" not in card_titles(t.vars) for t in tabs)  # nothing more for them
        finally:
            await asyncio.gather(*(t.close() for t in (*tabs, bystander)))

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=120)
