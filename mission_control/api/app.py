"""The agent API: a FastAPI app with every route under /api/v1.

Reflex mounts itself under this app (`rx.App(api_transformer=create_api())`), so anything not
matched here falls through to the UI. Error bodies, limits and auth are documented in
`errors.py`, `limits.py` and `deps.py`; the OpenAPI spec is at /api/v1/openapi.json.
"""

from __future__ import annotations

from fastapi import FastAPI

from mission_control import fanout
from mission_control.api import browser_auth, errors
from mission_control.api.keycache import key_cache
from mission_control.api.limits import BodySizeLimit, RateLimiter
from mission_control.api.observe import RequestObserver
from mission_control.api.observe import router as metrics_router
from mission_control.api.routers import (
    account,
    agents,
    documents,
    feed,
    keys,
    memory,
    messages,
    system,
    tasks,
    webhooks,
    working,
    workspaces,
    ws,
)
from mission_control.api.security_headers import SecurityHeaders
from mission_control.config import Settings, get_settings
from mission_control.sign_in import SignInLimits, use_limits
from mission_control.startup import install_event_hooks

PREFIX = "/api/v1"

DESCRIPTION = """\
The agent-facing API of Mission Control. Authenticate with `Authorization: Bearer <key>`:
an agent key (`mca_…`, issued by an admin) or an operator's personal token (`mco_…`, from
`POST /api/v1/auth/tokens`). Everything is scoped to the key's workspace.

Errors always look like `{"error": {"code", "message", "details"}}`. Lists are paginated:
pass the returned `next_cursor` as `cursor`.
"""


def create_api(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Mission Control API",
        version="1",
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.limiter = RateLimiter(
        settings.api_rate_limit, settings.api_auth_failure_limit, settings.api_rate_limit_storage
    )
    app.state.key_cache = key_cache(settings.api_key_cache_s)
    # Shared with the UI's sign-in form: one count of failures per address and per handle.
    app.state.sign_in_limits = SignInLimits.from_settings(settings)
    use_limits(app.state.sign_in_limits)
    app.state.metrics_token = settings.metrics_token
    app.state.ws_streams = ws.StreamSlots(settings.ws_max_streams_per_key)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes, prefix=f"{PREFIX}/")
    # Reflex is mounted inside this app, so its pages, assets and socket pass through here too.
    app.add_middleware(SecurityHeaders, docs_path=app.docs_url)
    # Outermost, so the latency and the request id cover every other middleware too.
    app.add_middleware(RequestObserver, prefix=f"{PREFIX}/", log_requests=settings.access_log)
    errors.install(app)
    install_event_hooks()
    # Writes made through this app reach live-update watchers in every other worker.
    fanout.install_publisher(settings)
    # FastAPI tries the included routers in order (each costs ~10 us per request here), so the
    # routers agents write through all day come first. Threads before tasks: a thread's path
    # starts with /tasks/, so it was tried against every task route first; the two thread
    # routes cost a task request little.
    for module in (
        messages,
        tasks,
        system,
        account,
        agents,
        keys,
        documents,
        feed,
        memory,
        working,
        webhooks,
        workspaces,
        ws,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(metrics_router)
    app.include_router(browser_auth.router)
    errors.install_fallback(app, PREFIX)
    return app
