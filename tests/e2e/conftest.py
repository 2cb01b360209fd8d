"""Browser tests: the real app served by `reflex run --env prod` in a subprocess, on the
test database, driven by Playwright on Debian's chromium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from mission_control.tools.appserver import CHROMIUM_ARGS, start_app


@pytest.fixture(scope="package")
def app_server(engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve the app in production mode against the test database; yields its base URL."""
    data_dir = tempfile.mkdtemp(prefix="mc-e2e-")
    server = start_app(engine.url.render_as_string(hide_password=False), data_dir)
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
