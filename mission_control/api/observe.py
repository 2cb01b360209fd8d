"""Request ids, latency metrics and an access log line for every API request (ASGI middleware),
and the /metrics route.

Only paths under the API prefix are timed per route; everything else (the UI, Reflex's socket)
passes straight through so the middleware costs nothing there.
"""

from __future__ import annotations

import hmac
import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mission_control.api.errors import error_response
from mission_control.config import get_settings
from mission_control.observe import logs
from mission_control.observe.metrics import CALLBACKS, http_latency

access = logging.getLogger("mission_control.access")
HEADER = b"x-request-id"


class RequestObserver:
    def __init__(self, app: ASGIApp, *, prefix: str, log_requests: bool = True) -> None:
        self.app = app
        self.prefix = prefix
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER), None)
        rid = logs.new_request_id(incoming)
        token = logs.request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER],
                    (HEADER, rid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            if route.startswith("/") and not route.startswith(self.prefix):
                # FastAPI leaves the router's own (prefix-less) route in the scope.
                route = self.prefix.rstrip("/") + route
            http_latency.labels(scope["method"], route, str(status)).observe(elapsed)
            if self.log_requests or status >= 500:
                access.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={"status": status, "route": route, "duration_ms": round(elapsed * 1000, 2)},
                )
            logs.request_id.reset(token)


router = APIRouter(include_in_schema=False)


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def holds_metrics_token(request: Request) -> bool:
    """The caller sent MC_METRICS_TOKEN (never true while it is unset)."""
    expected: str = request.app.state.metrics_token
    given = bearer_token(request)
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@router.get("/metrics", response_model=None)
def metrics(request: Request) -> Response:
    """Prometheus text format, for whoever holds MC_METRICS_TOKEN (`Authorization: Bearer`);
    off while it is unset. Route names, queue depths and error counts tell a stranger how the
    installation is built and used.

    With several workers (PROMETHEUS_MULTIPROC_DIR set before they start), counters and
    histograms are the sum over every worker; gauges read at scrape time are this worker's.
    """
    if not request.app.state.metrics_token:
        return error_response(404, "not_found", "metrics are off: set MC_METRICS_TOKEN to scrape them")
    if not holds_metrics_token(request):
        return error_response(
            401, "unauthenticated", "send `Authorization: Bearer <MC_METRICS_TOKEN>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not get_settings().prometheus_multiproc_dir:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(CALLBACKS)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
