"""Browser tests: the real app served by `reflex run --env prod` in a subprocess, on the
test database, driven by Playwright on Debian's chromium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from mission_control.tools.appserver import CHROMIUM_ARGS, free_port, start_app


@pytest.fixture(scope="package")
def receiver_port() -> int:
    """The one loopback port the app server may send to (a test's webhook receiver): the
    outbound policy refuses loopback unless MC_OUTBOUND_ALLOW lists it."""
    return free_port()


@pytest.fixture(scope="package")
def app_server(engine, receiver_port) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve the app in production mode against the test database; yields its base URL."""
    data_dir = tempfile.mkdtemp(prefix="mc-e2e-")
    # Rate limits off: the API fuzz run (test_api_served.py) sends hundreds of calls a minute,
    # failed sign-ins among them, all from 127.0.0.1 (the limits have their own unit tests).
    server = start_app(engine.url.render_as_string(hide_password=False), data_dir,
                       extra_env={"MC_OUTBOUND_ALLOW": f"127.0.0.1:{receiver_port},127.0.0.1:9",
                                  "MC_API_RATE_LIMIT": "100000/minute",
                                  "MC_API_AUTH_FAILURE_LIMIT": "100000/minute",
                                  "MC_LOGIN_ADDRESS_LIMIT": "100000/minute",
                                  "MC_LOGIN_HANDLE_LIMIT": "100000/minute"})
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        # Playwright gives every launch a fresh, empty profile of its own.
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def login(browser, app_server):  # type: ignore[no-untyped-def]
    """Open a page signed in as `handle` of `workspace_id` (created as `role` if missing): a new
    browser context holding a fresh session cookie (HttpOnly, SameSite=Strict), as the sign-in
    form's /auth/session route sets it."""
    from sqlmodel import select

    from mission_control.db import session_scope
    from mission_control.models import User, UserRole
    from mission_control.services import browser_sessions, users
    from mission_control.services.actor import Actor
    from mission_control.tools.appserver import session_cookie

    def new_page(workspace_id: int, handle: str = "boss", role: str = UserRole.admin, **context_kw):  # type: ignore[no-untyped-def]
        with session_scope() as session:
            user = session.exec(select(User).where(User.workspace_id == workspace_id, User.handle == handle)).first()
            if user is None:
                user = users.create_user(session=session, workspace_id=workspace_id, handle=handle,
                                         display_name=handle.title(), role=role, actor=Actor.system("test"))
            token = browser_sessions.open_session(session=session, user=user)
        context = browser.new_context(**context_kw)
        context.add_cookies([session_cookie(app_server, token)])
        return context.new_page()

    return new_page
