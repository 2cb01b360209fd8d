"""`make screenshots`: every page at 1440×900 and 375×667 (plus dark mode) into ./screenshots/.

Serves the app on a fresh, seeded SQLite database in a temporary folder, so it never touches
your data. Run as `python -m mission_control.tools.screenshots`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from mission_control.config import ROOT
from mission_control.db import make_engine, session_scope, set_engine
from mission_control.seed import seed_demo
from mission_control.startup import install_event_hooks
from mission_control.tools.appserver import (
    CHROMIUM_ARGS,
    issue_browser_session,
    session_cookie,
    start_app,
)

PAGES = [
    ("board", "/"),
    ("task", "/tasks/7"),
    ("agents", "/agents"),
    ("agent", "/agents/2"),
    ("approvals", "/approvals"),
    ("working", "/working"),
    ("notifications", "/notifications"),
    ("documents", "/documents"),
    ("document", "/documents/1"),
    ("analytics", "/analytics"),
    ("audit", "/audit"),
    ("settings", "/settings"),
    ("webhooks", "/webhooks"),
    ("search", "/search?q=export%20is%20slow"),
]
VIEWPORTS = [(1440, 900), (375, 667)]


def _prepare(data_dir: Path) -> str:
    url = f"sqlite:///{data_dir / 'screens.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.cmd_opts = None
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    set_engine(engine)
    with session_scope() as session:
        seed_demo(session)
    return url


def main() -> None:
    from playwright.sync_api import sync_playwright

    install_event_hooks()
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="mc-shots-"))
    server = start_app(_prepare(data_dir), str(data_dir))
    token = issue_browser_session()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            for scheme in ("light", "dark"):
                for width, height in VIEWPORTS:
                    login = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
                    login.goto(server.url + "/login")
                    login.wait_for_load_state("networkidle")
                    login.screenshot(path=str(out / f"login-{width}x{height}-{scheme}.png"))
                    login.close()
                    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                    context.add_cookies([session_cookie(server.url, token)])  # type: ignore[list-item]
                    page = context.new_page()
                    for name, path in PAGES:
                        page.goto(server.url + path)
                        page.wait_for_load_state("networkidle")
                        page.wait_for_timeout(800)
                        target = out / f"{name}-{width}x{height}-{scheme}.png"
                        page.screenshot(path=str(target))
                        print(target.relative_to(ROOT))
                    context.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
