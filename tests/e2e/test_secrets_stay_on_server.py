"""An admin gives an agent an API key in the form and a webhook a signing secret through the
API; neither the admin's nor a viewer's browser ever receives them (socket frames, page
HTML), not even after a live push, and the edit form keeps the key without showing it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from mission_control.db import session_scope
from mission_control.models import Agent, UserRole, Webhook
from mission_control.services import api_keys, users, workspaces
from mission_control.services.actor import Actor

pytestmark = pytest.mark.e2e

API_KEY = "sk-e2e-4b1d9c7e2f80a3d6"
NEW_KEY = "sk-e2e-rotated-91c0e5d7b2"
HOOK_SECRET = "whsec-e2e-6a2f0b8c4d1e9f37"
SECRETS = (API_KEY, NEW_KEY, HOOK_SECRET)


def _frames(page: Page) -> list[str]:
    """Every socket frame the page receives from the server, as text."""
    got: list[str] = []

    def on_socket(ws) -> None:  # type: ignore[no-untyped-def]
        ws.on("framereceived", lambda payload: got.append(
            payload if isinstance(payload, str) else payload.decode("utf-8", "replace")))

    page.on("websocket", on_socket)
    return got


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_driver_and_webhook_secrets_never_reach_a_browser(app_server, login, db):  # type: ignore[no-untyped-def]
    seed = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="vault", name="Vault")
        chief = users.create_user(session=session, workspace_id=ws.id, handle="chief", display_name="Chief",
                                  role=UserRole.admin, actor=seed)
        _, token = api_keys.create_key(session=session, workspace_id=ws.id, user_id=chief.id, name="api",
                                       actor=seed)
    api = httpx.Client(base_url=f"{app_server}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    # The admin creates an OpenAI-compatible agent with a key, in the form.
    admin = login(ws.id, handle="boss", role=UserRole.admin)
    admin_frames = _frames(admin)
    admin.goto(f"{app_server}/agents")
    admin.get_by_test_id("new-agent").click()
    admin.fill("#agent-name", "Loki")
    admin.fill("#agent-role", "coder")
    admin.get_by_role("combobox").click()
    admin.get_by_role("option", name="openai").click()
    admin.fill("#agent-model", "llama3.1:8b")
    admin.fill("#agent-base_url", "https://llm.example/v1")
    admin.fill("#agent-api_key", API_KEY)
    admin.get_by_test_id("agent-save").click()
    admin.wait_for_url("**/agents/*", timeout=15000)
    expect(admin.get_by_role("heading", name="Loki")).to_be_visible(timeout=15000)
    assert _leaks("\n".join(admin_frames)) == [], "the form sent the typed key back to the browser"
    secret_row = admin.get_by_test_id("driver-secret")
    expect(secret_row).to_contain_text("api_key")
    expect(secret_row).to_contain_text("set")
    expect(secret_row).not_to_contain_text("not set")
    with Session(db) as s:
        loki = s.exec(select(Agent).where(Agent.name == "Loki")).one()
        assert loki.driver_config["api_key"] == API_KEY
        loki_id = loki.id

    # ... and a webhook with a secret of its own, through the API.
    hook = api.post("/webhooks", json={"url": "https://hooks.example/in", "events": ["task.review"],
                                       "secret": HOOK_SECRET})
    assert hook.status_code == 201, hook.text

    # Editing: the key field is empty (not pre-filled), says a key is set, and saving it
    # blank keeps the key.
    admin.get_by_role("button", name="Edit").click()
    key_input = admin.locator("#agent-api_key")
    expect(key_input).to_have_value("")
    expect(key_input).to_have_attribute("placeholder", "set: leave blank to keep it, or type a new one")
    admin.fill("#agent-role", "lead coder")
    admin.get_by_test_id("agent-save").click()
    expect(admin.get_by_text("lead coder")).to_be_visible(timeout=15000)
    with Session(db) as s:
        assert s.get(Agent, loki_id).driver_config["api_key"] == API_KEY

    admin.goto(f"{app_server}/webhooks")
    expect(admin.get_by_text("secret set")).to_be_visible(timeout=15000)
    admin.goto(f"{app_server}/audit")
    expect(admin.get_by_test_id("audit-row").first).to_be_visible(timeout=15000)
    admin_html = admin.content()

    # A viewer looks around while the key is replaced through the API (a live push to both).
    viewer = login(ws.id, handle="watcher", role=UserRole.viewer)
    viewer_frames = _frames(viewer)
    viewer.goto(f"{app_server}/agents")
    card = viewer.get_by_test_id("agent-card").filter(has_text="Loki")
    expect(card).to_contain_text("lead coder", timeout=15000)
    admin.goto(f"{app_server}/agents/{loki_id}")
    expect(admin.get_by_text("lead coder")).to_be_visible(timeout=15000)
    changed = api.patch(f"/agents/{loki_id}", json={"role": "reviewer",
                                                     "driver_config": {"model": "llama3.1:8b", "api_key": NEW_KEY}})
    assert changed.status_code == 200, changed.text
    expect(card).to_contain_text("reviewer", timeout=15000)  # pushed, no reload
    expect(admin.get_by_text("reviewer", exact=True)).to_be_visible(timeout=15000)  # to the admin too
    viewer.goto(f"{app_server}/agents/{loki_id}")
    expect(viewer.get_by_test_id("driver-secret")).to_contain_text("set", timeout=15000)
    expect(viewer.get_by_test_id("driver-secret")).not_to_contain_text("not set")
    with Session(db) as s:
        assert s.get(Agent, loki_id).driver_config["api_key"] == NEW_KEY
    viewer_html = viewer.content()
    viewer.goto(f"{app_server}/webhooks")
    expect(viewer.get_by_text("Webhooks are managed by admins.")).to_be_visible(timeout=15000)
    viewer.goto(f"{app_server}/audit")
    expect(viewer.get_by_text("The audit log is for admins.")).to_be_visible(timeout=15000)

    # The admin replaces the webhook's secret (the new one is shown to them once) and removes
    # the agent's key.
    admin.goto(f"{app_server}/webhooks")
    admin.get_by_role("button", name="Replace secret").click()
    admin.get_by_role("button", name="Replace", exact=True).click()
    shown = admin.locator("code").first.inner_text(timeout=15000)
    admin.get_by_role("button", name="Done").click()
    admin.goto(f"{app_server}/agents/{loki_id}")
    admin.get_by_role("button", name="Edit").click()
    admin.get_by_text("Remove the stored API key").click()
    admin.get_by_test_id("agent-save").click()
    expect(admin.get_by_test_id("driver-secret")).to_contain_text("not set", timeout=15000)
    with Session(db) as s:
        assert s.get(Webhook, hook.json()["id"]).secret == shown != HOOK_SECRET
        assert "api_key" not in s.get(Agent, loki_id).driver_config

    assert any("Loki" in f for f in admin_frames) and any("reviewer" in f for f in viewer_frames)
    assert _leaks("\n".join(admin_frames)) == [], "the admin's browser received a secret"
    assert _leaks("\n".join(viewer_frames)) == [], "the viewer's browser received a secret"
    assert _leaks(admin_html + viewer_html) == []
