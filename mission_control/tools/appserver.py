"""Start the real app (`reflex run --env prod`) in a subprocess on a free loopback port.

Used by the browser tests and `make screenshots`, so both see exactly what `make run` serves.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from mission_control.config import ROOT, child_env

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, data_dir: str) -> dict[str, str]:
    bun = ROOT / ".tools" / "node_modules" / ".bin" / "bun"
    env = child_env(
        path_first=[ROOT / ".venv" / "bin", bun.parent],
        MC_DATABASE_URL=database_url,
        MC_DATA_DIR=data_dir,
        MC_SEED_DEMO="false",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
    )
    if bun.exists():
        env["REFLEX_BUN_PATH"] = str(bun)
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


@dataclass
class AppServer:
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_app(
    database_url: str, data_dir: str, *, timeout_s: float = 240, extra_env: dict[str, str] | None = None
) -> AppServer:
    port = free_port()
    log_path = Path(data_dir) / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "reflex", "run", "--env", "prod",
                "--frontend-port", str(port), "--backend-port", str(port),
                "--backend-host", "127.0.0.1",
            ],
            cwd=ROOT,
            env={**server_env(database_url, data_dir), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AppServer(proc, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{server.url}/ping", timeout=2).status_code == 200 and (
                httpx.get(server.url, timeout=5).status_code == 200
            ):
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"app did not start in time:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.5)


def issue_browser_session(handle: str = "admin") -> str:
    """A signed-in browser session for `handle` (tests and screenshots skip the login form):
    the token the /auth/session route would set as the HttpOnly cookie.

    Uses the process's configured database (db.set_engine), like the services do.
    """
    from sqlmodel import select

    from mission_control.db import session_scope
    from mission_control.models import User
    from mission_control.services import browser_sessions

    with session_scope() as session:
        user = session.exec(select(User).where(User.handle == handle)).first()
        if user is None or user.id is None:
            raise RuntimeError(f"no operator @{handle} to sign in as")
        return browser_sessions.open_session(session=session, user=user)


def session_cookie(base_url: str, token: str) -> dict[str, object]:
    """The session cookie as /auth/session sets it, for Playwright's `context.add_cookies`."""
    from mission_control.services.browser_sessions import COOKIE

    return {"name": COOKIE, "value": token, "url": base_url, "httpOnly": True, "sameSite": "Strict"}
