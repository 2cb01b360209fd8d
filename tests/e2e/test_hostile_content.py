"""Whatever an agent writes is shown, never run: hostile text stored through the API in every
field an agent or admin can fill, then every page that shows it opened as an admin. No script
runs, no dialog opens, no frame, object or `javascript:` link appears, and the Content-Security-
Policy stays quiet on the normal pages while they update live."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from mission_control.db import session_scope
from mission_control.models import UserRole
from mission_control.services import api_keys, tasks, users, workspaces
from mission_control.services.actor import Actor

from .search_page import search_until_found

pytestmark = pytest.mark.e2e

MARK = "PWNTEST"
# Every payload that could run sets window.__pwned (recorded below) or opens a dialog.
PAYLOADS = [
    '<script>window.__pwned="script"</script>',
    '<img src=x onerror="window.__pwned=\'img\'">',
    '<svg onload="window.__pwned=\'svg\'"><script>window.__pwned="svg-script"</script></svg>',
    '<iframe srcdoc="<script>parent.__pwned=\'iframe\'</script>"></iframe>',
    "[click me](javascript:window.__pwned='md-link')",
    "[spaced](  JaVaScRiPt:alert('md-link-case'))",
    "<javascript:alert('autolink')>",
    "[by reference][evil]\n\n[evil]: javascript:alert('reference')",
    "![image](javascript:alert('md-image'))",
    "![quote trick](x\" onerror=\"alert('attr'))",
    "![remote](http://example.invalid/pixel.png) ![proto](//example.invalid/p.png)",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)",
    '<a href="javascript:alert(\'a-tag\')">anchor</a>',
    '<details open ontoggle="alert(\'details\')">x</details>',
    '<object data="javascript:alert(\'object\')"></object><embed src="javascript:alert(\'embed\')">',
    '<base href="https://example.invalid/"><meta http-equiv="refresh" content="0;url=javascript:alert(\'meta\')">',
    '<form action="javascript:alert(\'form\')"><button formaction="javascript:alert(1)">go</button></form>',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(\'mxss\')">',
    "$\\href{javascript:alert('katex')}{katex}$",
    "\u202eRTL override\u202c \u2066isolate\u2069 zero\u200bwidth\u200c\u200d\ufeff joiners",
]
ALL = "\n\n".join(f"{MARK} {p}" for p in PAYLOADS)
LONG = MARK + " " + "W" * 15000 + " \u202e" + "x" * 2000
SHORT = f'{MARK} <img src=x onerror="alert(1)">'  # fits 40-character fields

GUARD = """
window.__pwnLog = [];
Object.defineProperty(window, "__pwned", {configurable: false, get() { return undefined; },
  set(v) { window.__pwnLog.push(String(v)); }});
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "")));
"""

AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on")) bad.push(`${el.tagName} ${name}`);
      if (["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"].includes(name)
          && /^(javascript|vbscript|data):/.test(value)) bad.push(`${el.tagName} ${name}=${a.value.slice(0, 60)}`);
    }
  }
  for (const tag of ["iframe", "frame", "object", "embed", "base", "meta[http-equiv]", "form[action]"]) {
    if (document.querySelector(tag)) bad.push(tag);
  }
  for (const img of document.images) {
    const url = new URL(img.getAttribute("src") || location.href, location.href);
    if (url.origin !== location.origin && url.protocol !== "https:") bad.push("img " + img.src);
  }
  return {bad, pwned: window.__pwnLog || [], csp: window.__csp || []};
}"""


@pytest.fixture
def hostile(app_server, db) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A workspace where an agent (and its admin) stored hostile text in every field they can."""
    seed = Actor.system("test")
    with session_scope() as session:
        ws = workspaces.create_workspace(session=session, slug="hostile", name="Hostile")
        boss = users.create_user(session=session, workspace_id=ws.id, handle="boss", display_name="Boss",
                                 role=UserRole.admin, actor=seed)
        _, admin_token = api_keys.create_key(session=session, workspace_id=ws.id, user_id=boss.id, name="api",
                                             actor=seed)
        tasks.create_task(session=session, workspace_id=ws.id, data={"title": "Plain neighbour"}, actor=seed)
    api = f"{app_server}/api/v1"
    admin = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30)

    def ok(response: httpx.Response) -> Any:
        assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.text}"
        return response.json()

    agent = ok(admin.post("/agents", json={"name": "Mallory", "role": SHORT[:40], "description": ALL[:2000]}))
    key = ok(admin.post(f"/agents/{agent['id']}/keys", json={"name": "main"}))
    bot = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {key['token']}"}, timeout=30)
    titles = [ok(bot.post("/tasks", json={"title": f"{MARK} {p}"[:200], "priority": "high"}))["id"]
              for p in PAYLOADS[:6]]
    main = ok(bot.post("/tasks", json={"title": f"{MARK} {PAYLOADS[3]}"[:200], "description": ALL,
                                        "assignee_ids": [agent["id"]]}))["id"]
    ok(bot.post(f"/tasks/{main}/subtasks", json={"title": f"{MARK} {PAYLOADS[1]}"}))
    thread = ok(bot.post(f"/tasks/{main}/messages", json={"body": f"@boss {ALL}"}))
    ok(bot.post(f"/tasks/{main}/messages", json={"body": ALL, "parent_message_id": thread["id"]}))
    ok(bot.post(f"/tasks/{main}/messages", json={"body": LONG}))
    doc = ok(bot.post("/documents", json={"title": f"{MARK} {PAYLOADS[3]}"[:200], "content": ALL,
                                           "task_id": main}))
    ok(bot.put(f"/documents/{doc['id']}", json={"content": ALL + f"\n\n{MARK} second {PAYLOADS[0]}",
                                                 "base_version": 1}))
    ok(bot.put("/state/working-md", json={"notes": ALL, "base_version": 0}))
    ok(bot.post(f"/agents/{agent['id']}/heartbeat", json={"status": "blocked", "note": f"{MARK} {PAYLOADS[3]}"[:200]}))
    for column in ("in_progress", "review"):
        ok(bot.post(f"/tasks/{main}/move", json={"status": column}))
    ok(admin.patch("/workspace", json={"name": SHORT}))
    yield {"ws": ws.id, "task": main, "doc": doc["id"], "agent": agent["id"], "titles": titles, "api": api,
           "bot": bot}
    # The server outlives this test, and the next one reuses these row ids: let the indexer
    # finish embedding this text first, or it could file it under the next test's rows.
    deadline = time.monotonic() + 120
    while ok(admin.get("/memory/status"))["pending"] and time.monotonic() < deadline:
        time.sleep(0.5)


def _open(login, ws_id: int):  # type: ignore[no-untyped-def]
    page = login(ws_id, viewport={"width": 1440, "height": 1000})
    page.add_init_script(GUARD)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page, dialogs


def _assert_inert(page, dialogs: list[str], where: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(700)  # a load error or a toggle event would have fired by now
    found = page.evaluate(AUDIT)
    assert found["pwned"] == [], f"{where}: script ran: {found['pwned']}"
    assert dialogs == [], f"{where}: dialog opened: {dialogs}"
    assert found["bad"] == [], f"{where}: live markup: {found['bad']}"
    # The policy is the second line: here it should have had nothing to refuse.
    assert found["csp"] == [], f"{where}: markup reached the policy: {found['csp']}"


def test_hostile_text_in_every_field_shows_as_text_on_every_page(app_server, login, hostile):  # type: ignore[no-untyped-def]
    page, dialogs = _open(login, hostile["ws"])
    base = app_server
    mark = page.get_by_text(MARK, exact=False)

    page.goto(f"{base}/")
    page.wait_for_selector(f'[data-task-id="{hostile["titles"][0]}"]', timeout=30000)
    _assert_inert(page, dialogs, "board")

    page.goto(f"{base}/tasks/{hostile['task']}")
    expect(page.get_by_test_id("message").first).to_be_visible(timeout=30000)
    expect(page.get_by_test_id("reply").first).to_contain_text("<iframe srcdoc=")  # shown, as text
    expect(page.get_by_text("<script>window.__pwned=\"script\"</script>").first).to_be_visible()
    _assert_inert(page, dialogs, "task page")

    page.goto(f"{base}/documents/{hostile['doc']}")
    expect(page.get_by_test_id("preview")).to_contain_text("<img src=x onerror=", timeout=30000)
    _assert_inert(page, dialogs, "document preview")
    page.get_by_test_id("editor").fill(f"{MARK} typed {PAYLOADS[3]} {PAYLOADS[4]}")
    expect(page.get_by_test_id("preview")).to_contain_text("typed", timeout=5000)
    _assert_inert(page, dialogs, "document editor preview")
    page.locator('[data-testid="version"][data-version="2"] [data-testid="diff-version"]').click()
    expect(page.get_by_test_id("diff")).to_contain_text("second", timeout=10000)
    _assert_inert(page, dialogs, "document diff")

    pages = ["/approvals", "/working", "/agents", f"/agents/{hostile['agent']}", "/notifications", "/documents",
             "/analytics", "/audit", "/settings", "/webhooks"]
    for path in pages:
        page.goto(f"{base}{path}")
        expect(mark.first).to_be_visible(timeout=30000)
        _assert_inert(page, dialogs, path)

    page.goto(f"{base}/search")
    search_until_found(page, "script iframe srcdoc image onerror")
    _assert_inert(page, dialogs, "search")


def test_normal_pages_work_live_under_the_content_security_policy(app_server, browser, login, hostile):  # type: ignore[no-untyped-def]
    refused: list[str] = []

    def watch(page):  # type: ignore[no-untyped-def]
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    def nothing_refused() -> None:
        assert page.evaluate("window.__csp") == [] and refused == [], f"CSP blocked: {refused}"

    signed_out = browser.new_context()
    page = watch(signed_out.new_page())
    page.add_init_script(GUARD)
    page.goto(f"{app_server}/tasks/{hostile['task']}")
    page.wait_for_url("**/login?next=**", timeout=30000)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    nothing_refused()
    signed_out.close()

    page, dialogs = _open(login, hostile["ws"])
    watch(page)
    page.goto(app_server)
    page.wait_for_selector('[data-column="inbox"]', timeout=30000)
    assert "script-src" in httpx.get(app_server).headers["content-security-policy"]
    # The socket is up: a task the agent adds now appears without a reload.
    created = hostile["bot"].post("/tasks", json={"title": "Arrives live"}).json()
    page.wait_for_selector(f'[data-task-id="{created["id"]}"]', timeout=10000)
    nothing_refused()
    # A handler's toast is delivered as script by Reflex: it must still show.
    page.goto(f"{app_server}/working")
    page.get_by_role("button", name="Edit notes").click()
    page.get_by_role("textbox", name="Squad notes").fill("Fresh notes")
    page.get_by_role("button", name="Save notes").click()
    page.locator("[data-sonner-toast]").filter(has_text="WORKING.md saved as version 2").wait_for(timeout=10000)
    nothing_refused()
    # The audit export arrives as a data: URL download, which the policy must not block.
    page.goto(f"{app_server}/audit")
    with page.expect_download(timeout=15000) as download:
        page.get_by_role("button", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    nothing_refused()
    assert dialogs == []
