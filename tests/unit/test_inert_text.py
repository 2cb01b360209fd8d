"""Text users and agents wrote, handed to Reflex as a toast or a redirect, stays text: Reflex
reads `<reflex.Var>ID</reflex.Var>` in such strings as a reference to a compiled var, and a
non-numeric ID made it loop forever (the worker hung, its memory growing)."""

from __future__ import annotations

import subprocess
import sys
import threading

from reflex.istate.data import RouterData

from mission_control.services import browser_sessions
from mission_control.services.browser_sessions import COOKIE, safe_next
from mission_control.state.session import SessionState

HOSTILE = "Ship <reflex.Var>x</reflex.Var> it <reflex.Var>99999</reflex.Var>"


def test_a_toast_quoting_hostile_text_is_built_at_once_and_shows_the_text():
    # A subprocess, so a regression hangs only it (killed by the timeout), not the test run.
    code = (
        "from mission_control.state import toast\n"
        f"spec = toast.error({HOSTILE!r})\n"
        "print(str(spec))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Ship" in done.stdout and "reflex.Var" in done.stdout and "99999" in done.stdout


def test_the_page_after_sign_in_cannot_carry_the_var_marker():
    assert "<" not in safe_next("/tasks/<reflex.Var>x</reflex.Var>")
    assert safe_next("/tasks/3?tab=thread#m-4") == "/tasks/3?tab=thread#m-4"


def test_a_sign_in_link_with_a_hostile_next_page_redirects_without_hanging(session, operator):
    token = browser_sessions.open_session(session=session, user=operator)
    session.commit()
    s = SessionState()
    s.router = RouterData.from_router_data({
        "headers": {"cookie": f"{COOKIE}={token}"},
        "pathname": "/login",
        "query": {"next": "/<reflex.Var>x</reflex.Var>"},
        "asPath": "/login?next=/%3Creflex.Var%3Ex%3C/reflex.Var%3E",
    })
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(SessionState.login_on_load.fn(s)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "building the redirect hung"
    assert result and "<reflex.Var>" not in str(result[0])
