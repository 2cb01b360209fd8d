"""Browser tests: the real app served by `reflex run --env prod` in a subprocess, on the
test database, driven by Playwright on Debian's chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, data_dir: str) -> dict[str, str]:
    bun = ROOT / ".tools" / "node_modules" / ".bin" / "bun"
    env = {
        **os.environ,
        "MC_DATABASE_URL": database_url,
        "MC_DATA_DIR": data_dir,
        "MC_SEED_DEMO": "false",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{bun.parent}:{os.environ.get('PATH', '')}",
    }
    if bun.exists():
        env["REFLEX_BUN_PATH"] = str(bun)
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


@pytest.fixture(scope="session")
def app_server(engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve the app in production mode against the test database; yields its base URL."""
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="mc-e2e-")
    log_path = Path(data_dir) / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "reflex", "run", "--env", "prod",
            "--frontend-port", str(port), "--backend-port", str(port),
            "--backend-host", "127.0.0.1",
        ],
        cwd=ROOT,
        env=server_env(engine.url.render_as_string(hide_password=False), data_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited early:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/ping", timeout=2).status_code == 200 and httpx.get(url, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app did not start in time:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        # Playwright gives every launch a fresh, empty profile of its own.
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()
