"""Browser sessions and UI sign-in: a session lives on the server, ends when it should, and
signing in is limited per address and per handle without telling who exists."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from mission_control import sign_in as password_sign_in
from mission_control.config import get_settings
from mission_control.db import session_scope
from mission_control.errors import RateLimited, Unauthenticated
from mission_control.models import BrowserSession, UserRole, utcnow
from mission_control.seed import reset_admin_password
from mission_control.services import auth, browser_sessions, users
from mission_control.state.session import SessionState, current_context, sign_in, sign_out
from unit.signed_in import signed_in

PASSWORD = "a long passphrase"


@pytest.fixture
def lead(session, workspace, op_actor):  # type: ignore[no-untyped-def]
    user = users.create_user(session=session, workspace_id=workspace.id, handle="lead", display_name="Lead",
                             role=UserRole.viewer, actor=op_actor)
    auth.set_password(session=session, user=user, password=PASSWORD, actor=op_actor)
    session.commit()
    return user


@pytest.fixture
def fresh_limits():  # type: ignore[no-untyped-def]
    """Sign-in limits of this test alone (the defaults: 10 per address, 20 per handle)."""
    limits = password_sign_in.SignInLimits.from_settings(get_settings())
    password_sign_in.use_limits(limits)
    yield limits
    password_sign_in.use_limits(password_sign_in.SignInLimits.from_settings(get_settings()))


def _redeem(ticket: str) -> str | None:
    with session_scope() as s:
        return browser_sessions.redeem(session=s, ticket=ticket)


def _signed_in_token(workspace: Any, handle: str = "lead", address: str = "10.0.0.1") -> str:
    token = _redeem(asyncio.run(sign_in(workspace.slug, handle, PASSWORD, address)))
    assert token is not None
    return token


def test_sign_in_gives_a_one_time_ticket_for_a_session_that_sign_out_ends(db, workspace, lead, fresh_limits):
    with pytest.raises(Unauthenticated):
        asyncio.run(sign_in(workspace.slug, "lead", "nope"))
    ticket = asyncio.run(sign_in(workspace.slug, "@lead", PASSWORD))
    assert not current_context(ticket).signed_in  # the ticket itself signs nobody in
    token = _redeem(ticket)
    assert token is not None and token.startswith("mcs_")
    assert _redeem(ticket) is None  # once only
    ctx = current_context(token)
    assert ctx.handle == "lead" and ctx.role == "viewer" and ctx.workspace_id == workspace.id
    sign_out(token)
    assert not current_context(token).signed_in
    assert not current_context("mco_forged_token").signed_in


def test_a_ticket_not_used_within_30_seconds_is_worthless(session, lead):
    start = utcnow()
    ticket = browser_sessions.start(session=session, user=lead, now=start)
    session.commit()
    assert browser_sessions.redeem(session=session, ticket=ticket, now=start + timedelta(seconds=31)) is None


def test_a_session_ends_after_the_idle_timeout_and_after_its_lifetime(session, lead, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "session_idle_timeout_s", 3600)
    monkeypatch.setattr(settings, "session_max_age_s", 4 * 3600)
    t0 = utcnow()
    token = browser_sessions.open_session(session=session, user=lead, now=t0)
    session.commit()

    def live_at(hours: float) -> bool:
        return browser_sessions.resolve(session=session, token=token, now=t0 + timedelta(hours=hours)) is not None

    session_id = browser_sessions.resolve(session=session, token=token, now=t0).id
    assert live_at(0.9) and not live_at(1.0)  # idle for an hour: ended
    # Used every 50 minutes, it lives on, but never past its lifetime.
    for used_at in (0.8, 1.6, 2.4, 3.2):
        assert live_at(used_at)
        browser_sessions.touch(session=session, session_id=session_id, now=t0 + timedelta(hours=used_at))
        session.commit()
    assert live_at(3.9) and not live_at(4.0)


def test_signing_in_again_prunes_ended_sessions_instead_of_piling_them_up(session, lead, monkeypatch):
    monkeypatch.setattr(get_settings(), "session_idle_timeout_s", 3600)
    t0 = utcnow()
    for i in range(5):
        browser_sessions.open_session(session=session, user=lead, now=t0 + timedelta(hours=2 * i))
        session.commit()
    assert len(session.exec(select(BrowserSession)).all()) == 1


@pytest.mark.parametrize("how", ["password changed", "admin password reset", "deactivated"])
def test_a_password_change_or_deactivation_ends_every_browser_session(db, workspace, lead, op_actor, fresh_limits, how):
    token = _signed_in_token(workspace)
    assert current_context(token).signed_in
    with session_scope() as s:
        user = s.get(type(lead), lead.id)
        if how == "password changed":
            auth.set_password(session=s, user=user, password="another long passphrase", actor=op_actor)
        elif how == "deactivated":
            users.set_active(session=s, workspace_id=workspace.id, user_id=lead.id, active=False, actor=op_actor)
    if how == "admin password reset":
        reset_admin_password(workspace.slug, "lead")
    assert not current_context(token).signed_in


def test_a_browser_session_is_not_an_api_key(db, workspace, lead, fresh_limits):
    from fastapi.testclient import TestClient

    from mission_control.api.app import create_api

    token = _signed_in_token(workspace)
    client = TestClient(create_api())
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_every_handler_reads_the_workspace_from_the_session_not_the_tab(db, workspace, lead, fresh_limits, make_task):
    from mission_control.state.feed import FeedState

    make_task("Visible while signed in")
    token = _signed_in_token(workspace)
    feed = signed_in(FeedState, token)
    feed.load(feed.context())
    assert feed.items
    sign_out(token)
    FeedState.set_filter_kind.fn(feed, "tasks")  # same tab, session ended: nothing is read
    assert feed.items == []


# ----------------------------------------------------------------------------- sign-in limits


def _attempt(workspace: Any, handle: str, password: str, address: str) -> str:
    try:
        asyncio.run(sign_in(workspace.slug, handle, password, address))
    except RateLimited:
        return "limited"
    except Unauthenticated as exc:
        return exc.message
    return "ok"


def test_an_unknown_handle_is_refused_like_a_wrong_password_and_as_slowly(db, workspace, lead, fresh_limits, monkeypatch):
    from argon2 import PasswordHasher

    checks: list[str] = []
    real = PasswordHasher.verify

    def counted(self, hash, password):  # type: ignore[no-untyped-def]
        checks.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    wrong = _attempt(workspace, "lead", "nope", "10.0.0.1")
    ghost = _attempt(workspace, "ghost", "nope", "10.0.0.2")
    other_ws = _attempt(type(workspace)(slug="elsewhere", name="x"), "lead", "nope", "10.0.0.3")
    assert wrong == ghost == other_ws == "wrong workspace, handle or password"
    # Each paid for one full Argon2 check (the unknown ones against a dummy hash of the same cost).
    assert len(checks) == 3 and all(h.startswith("$argon2id$") for h in checks)


def test_one_address_hits_its_own_limit_before_it_can_lock_out_a_handle(db, workspace, lead, fresh_limits):
    attacker = [_attempt(workspace, "lead", f"guess {i}", "203.0.113.9") for i in range(12)]
    assert attacker[:10] == ["wrong workspace, handle or password"] * 10
    assert attacker[10:] == ["limited", "limited"]
    assert _attempt(workspace, "lead", PASSWORD, "198.51.100.7") == "ok"  # the operator still gets in


def test_a_handle_under_attack_is_refused_for_a_bounded_time_and_unknown_ones_alike(db, workspace, lead):
    password_sign_in.use_limits(password_sign_in.SignInLimits("100/minute", "5/4 seconds"))
    try:
        ghost = [_attempt(workspace, "ghost", "nope", f"192.0.2.{i}") for i in range(6)]
        results = [_attempt(workspace, "lead", "nope", "192.0.2.0")]
        first_counted = time.monotonic()  # the oldest failure in the handle's window
        results += [_attempt(workspace, "lead", "nope", f"192.0.2.{i}") for i in range(1, 6)]
        assert results == ghost  # the same for a handle that does not exist
        assert results[-1] == "limited"
        assert _attempt(workspace, "lead", PASSWORD, "198.51.100.7") == "limited"
        for _ in range(3):  # refusals while the window is full do not extend it
            assert _attempt(workspace, "lead", "nope", "192.0.2.99") == "limited"
        time.sleep(max(0.0, first_counted + 4.05 - time.monotonic()))
        assert _attempt(workspace, "lead", PASSWORD, "198.51.100.7") == "ok"
    finally:
        password_sign_in.use_limits(password_sign_in.SignInLimits.from_settings(get_settings()))


def test_the_sign_in_form_checks_the_password_off_the_event_loop(db, workspace, lead, fresh_limits, monkeypatch):
    """A slow password check must not freeze every other tab served by the same loop."""
    real_verify = auth.verify_password
    checked_on: list[int] = []

    def slow_verify(password_hash: str | None, password: str) -> bool:
        checked_on.append(threading.get_ident())
        time.sleep(0.5)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", slow_verify)
    state = signed_in(SessionState, "", path="/login")

    async def scenario() -> float:
        worst = 0.0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal worst
            while not stop.is_set():
                t0 = time.perf_counter()
                await asyncio.sleep(0.01)
                worst = max(worst, time.perf_counter() - t0)

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        out = SessionState.submit_login.fn(state, {"workspace": workspace.slug, "handle": "lead", "password": "nope"})
        if inspect.isasyncgen(out):
            async for _ in out:
                pass
        elif inspect.iscoroutine(out):
            await out
        stop.set()
        await tick
        return worst

    loop_thread: list[int] = []

    async def main() -> float:
        loop_thread.append(threading.get_ident())
        return await scenario()

    worst = asyncio.run(main())
    assert checked_on and checked_on[0] != loop_thread[0]
    assert worst < 0.25, f"the event loop stalled for {worst:.2f} s"
    assert state.login_error == "wrong workspace, handle or password" and not state.login_busy


def test_the_session_route_sets_an_httponly_strict_cookie_once_and_secure_behind_https(db, lead):
    from fastapi.testclient import TestClient

    from mission_control.api.app import create_api

    client = TestClient(create_api())

    def ticket() -> str:
        with session_scope() as s:
            return browser_sessions.start(session=s, user=s.get(type(lead), lead.id))

    first = ticket()
    r = client.get(f"/auth/session?ticket={first}&next=/tasks/7", headers={"X-Forwarded-Proto": "https"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/tasks/7"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("mc_session=mcs_") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" in cookie and "Max-Age=604800" in cookie
    again = client.get(f"/auth/session?ticket={first}&next=/tasks/7", follow_redirects=False)
    assert again.headers["location"] == "/login?next=/tasks/7" and "set-cookie" not in again.headers
    plain = client.get(f"/auth/session?ticket={ticket()}&next=https://evil.example/", follow_redirects=False)
    assert plain.headers["location"] == "/" and "Secure" not in plain.headers["set-cookie"]
    # A page on another site cannot sign a visitor in with the attacker's own ticket.
    forged = client.get(f"/auth/session?ticket={ticket()}", headers={"Sec-Fetch-Site": "cross-site"},
                        follow_redirects=False)
    assert "set-cookie" not in forged.headers


def test_use_keeps_a_session_alive_but_live_pushes_do_not(db, lead):
    import contextvars

    from mission_control.state import session as ui_session

    with session_scope() as s:
        token = browser_sessions.open_session(session=s, user=s.get(type(lead), lead.id),
                                              now=utcnow() - timedelta(minutes=5))

    def last_seen() -> Any:
        with session_scope() as s:
            return browser_sessions.resolve(session=s, token=token).last_seen_at

    before = last_seen()

    def as_push() -> None:
        ui_session.PUSHING.set(True)
        ui_session.current_context(token)

    contextvars.copy_context().run(as_push)
    ui_session._touches.submit(lambda: None).result()  # whatever was queued has run
    assert last_seen() == before
    ui_session.current_context(token)  # a click
    ui_session._touches.submit(lambda: None).result()
    assert last_seen() > before


def test_a_flood_of_sign_ins_waits_in_a_bounded_queue(db, workspace, lead, monkeypatch):
    password_sign_in.use_limits(password_sign_in.SignInLimits("100/minute", "100/minute"))
    monkeypatch.setattr(password_sign_in, "MAX_WAITING", 4)
    real_verify = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: time.sleep(0.2) or real_verify(h, p))

    async def flood() -> list[str]:
        async def one(i: int) -> str:
            try:
                await sign_in(workspace.slug, "lead", "nope", f"192.0.2.{i}")
            except RateLimited as exc:
                return exc.message
            except Unauthenticated:
                return "refused"
            return "ok"

        return await asyncio.gather(*(one(i) for i in range(10)))

    try:
        outcomes = asyncio.run(flood())
    finally:
        password_sign_in.use_limits(password_sign_in.SignInLimits.from_settings(get_settings()))
    assert outcomes.count("refused") == 4  # checked, on the pool
    assert outcomes.count("sign-in is busy; try again in a few seconds") == 6  # turned away at once
