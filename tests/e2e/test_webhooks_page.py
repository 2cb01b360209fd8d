"""An admin adds a webhook in the browser; the next review is delivered, signed, to a real
receiver on 127.0.0.1, and the delivery log shows it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from mission_control.db import session_scope
from mission_control.models import TaskStatus
from mission_control.services import agents, task_flow, tasks, workspaces
from mission_control.services.actor import Actor

pytestmark = pytest.mark.e2e


class Receiver(BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]] = []
    answer = threading.Event()  # held until the page has shown the delivery pending

    def do_POST(self) -> None:  # noqa: N802
        Receiver.answer.wait(20)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_admin_adds_a_webhook_and_sees_the_signed_delivery(app_server, login, db, receiver_port):  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", receiver_port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    actor = Actor.system("test")
    try:
        with session_scope() as session:
            ws = workspaces.create_workspace(session=session, slug="hooks", name="Hooks")
            friday = agents.create_agent(session=session, workspace_id=ws.id, data={"name": "Friday", "role": "dev"},
                                         actor=actor)
            task = tasks.create_task(session=session, workspace_id=ws.id, actor=actor,
                                     data={"title": "Ship it", "assignee_ids": [friday.id]})
            task_flow.move_task(session=session, workspace_id=ws.id, task_id=task.id, to=TaskStatus.in_progress,
                                actor=actor)
        page = login(ws.id)
        page.goto(f"{app_server}/webhooks")
        page.get_by_role("textbox", name="Webhook URL").fill("ftp://nope")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("http", exact=False).last).to_be_visible()
        # This machine's other ports are refused, with the reason, under the form.
        page.get_by_role("textbox", name="Webhook URL").fill(f"http://127.0.0.1:{receiver_port + 1}/hook")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("is a loopback address")).to_be_visible()
        page.get_by_role("textbox", name="Webhook URL").fill(f"http://127.0.0.1:{server.server_port}/hook")
        page.get_by_role("button", name="Add webhook").click()
        secret = page.locator("code").first.inner_text(timeout=10000)
        with session_scope() as session:
            task_flow.move_task(session=session, workspace_id=ws.id, task_id=task.id, to=TaskStatus.review,
                                actor=Actor.for_agent(friday.id, "Friday"))
        # The delivery shows up in the log while the receiver holds its answer, then turns
        # "delivered" on its own: the page is live, nobody clicks Refresh.
        row = page.get_by_role("row").filter(has_text="task.review")
        expect(row).to_contain_text("pending", timeout=15000)
        Receiver.answer.set()
        expect(row).to_contain_text("delivered", timeout=15000)
        headers, body = Receiver.got[-1]
        signed = f"{headers['X-MC-Timestamp']}.".encode() + body
        expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-MC-Signature"], expected)
        assert json.loads(body)["event"] == "task.review"
    finally:
        server.shutdown()
