"""Scale-out mode: two backend workers sharing state through Redis (Reflex's Redis state
manager) with the cross-worker fan-out. A change made through the API, or by another process,
reaches the board in every open tab, whichever worker holds that tab's socket.

The workers' database poll is slowed down to longer than the budget, so only the fan-out can
carry a change to the tabs on the other worker in time."""

from __future__ import annotations

import shutil
import tempfile
import time

import httpx
import pytest
import redis

from mission_control import fanout
from mission_control.db import session_scope
from mission_control.events import bus
from mission_control.models import UserRole
from mission_control.services import agents, api_keys, browser_sessions, tasks, users, workspaces
from mission_control.services.actor import Actor
from mission_control.tools.appserver import session_cookie, start_app

pytestmark = pytest.mark.e2e
REDIS_URL = "redis://127.0.0.1:6379/7"
TABS = 4
BUDGET_MS = 3000  # generous: this checks delivery across workers; speed is in the benchmark
POLL_S = 5  # the fallback poll, out of the way


@pytest.fixture
def scaled_server(engine, db):  # type: ignore[no-untyped-def]
    """Set up after `db`, so the app stops before `db` empties the tables it is still using
    (on PostgreSQL that TRUNCATE otherwise deadlocks with the running app)."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("scale-out mode needs Redis on 127.0.0.1:6379")
    data_dir = tempfile.mkdtemp(prefix="mc-scale-")
    server = start_app(engine.url.render_as_string(hide_password=False), data_dir, extra_env={
        "REFLEX_REDIS_URL": REDIS_URL,
        "GRANIAN_WORKERS": "2",
        "MC_CHANGE_POLL_INTERVAL_S": str(POLL_S),
        # The embedded vector store belongs to one process; scale-out uses a Qdrant server for it.
        "MC_MEMORY_ENABLED": "false",
    })
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_changes_reach_every_tab_across_two_workers(scaled_server, browser):  # type: ignore[no-untyped-def]
    actor = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="scaled", name="Scaled")
        agents.create_agent(session=session, workspace_id=ws.id, data={"name": "Friday", "role": "dev"}, actor=actor)
        boss = users.create_user(session=session, workspace_id=ws.id, handle="boss", display_name="Boss",
                                 role=UserRole.admin, actor=actor)
        _, api_token = api_keys.create_key(session=session, workspace_id=ws.id, user_id=boss.id, name="t", actor=actor)
        signed_in = browser_sessions.open_session(session=session, user=boss)
    pages = []
    for _ in range(TABS):
        context = browser.new_context()
        context.add_cookies([session_cookie(scaled_server, signed_in)])
        pages.append(context.new_page())
    for page in pages:
        page.goto(scaled_server)
        page.wait_for_selector('[data-column="inbox"]', timeout=60000)
    # 1) through the API of whichever worker answers
    started = time.monotonic()
    r = httpx.post(f"{scaled_server}/api/v1/tasks", json={"title": "Made through the API"},
                   headers={"Authorization": f"Bearer {api_token}"}, timeout=30)
    assert r.status_code == 201
    for page in pages:
        page.get_by_role("link", name="Made through the API").wait_for(timeout=BUDGET_MS + 5000)
    api_ms = (time.monotonic() - started) * 1000
    # 2) from this process (another process, as far as the workers know), which announces its
    # changes on the fan-out as every app process does
    unsubscribe = bus.subscribe(fanout._Publisher(fanout.RedisFanout(REDIS_URL)))
    started = time.monotonic()
    try:
        with session_scope() as session:
            tasks.create_task(session=session, workspace_id=ws.id, data={"title": "Made elsewhere"}, actor=actor)
    finally:
        unsubscribe()
    for page in pages:
        page.get_by_role("link", name="Made elsewhere").wait_for(timeout=BUDGET_MS + 5000)
    other_ms = (time.monotonic() - started) * 1000
    assert api_ms < BUDGET_MS and other_ms < BUDGET_MS, (api_ms, other_ms)
