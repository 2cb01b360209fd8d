"""The one place domain errors become HTTP responses, all shaped

    {"error": {"code": "not_found", "message": "task 12 does not exist", "details": {}}}

NotFound 404 · Conflict 409 · Forbidden 403 · Unauthenticated 401 · RateLimited 429
(+ Retry-After) · Invalid and request validation 422 (details.fields: field → message).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount, Route

from mission_control.errors import (
    Conflict,
    Forbidden,
    Invalid,
    MissionControlError,
    NotFound,
    RateLimited,
    Unauthenticated,
)

STATUS: list[tuple[type[MissionControlError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (Unauthenticated, 401),
    (RateLimited, 429),
    (Invalid, 422),
]
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, invalid.")
    message: str = Field(description="What was refused and why, for a person to act on.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Extra data, e.g. `fields` (field → message)."
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


log = logging.getLogger(__name__)


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


# Documented error responses, merged into every route's OpenAPI entry.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("The request body could not be read (e.g. not UTF-8 JSON)."),
    401: _doc("Missing, unknown or revoked key."),
    403: _doc("The caller's role (or identity) does not allow this."),
    404: _doc("No such object in the caller's workspace."),
    413: _doc("Request body larger than the limit."),
    422: _doc("Invalid input; `details.fields` maps each field to its problem."),
    429: _doc("Rate limited; retry after the `Retry-After` seconds."),
}
CONFLICT_RESPONSE: dict[int | str, dict[str, Any]] = {409: _doc("Conflicts with current state.")}


def status_for(exc: MissionControlError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MissionControlError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return error_response(status_for(exc), exc.code, exc.message, exc.details, headers)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts) or "input"


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        fields.setdefault(_field_name(err.get("loc", ())), str(err.get("msg", "invalid")))
    summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return error_response(422, "invalid", f"invalid input — {summary}", {"fields": fields})


def _allowed_methods(request: Request) -> set[str]:
    """Every method served at this path. Starlette's 405 names only the first route that
    matched the path, though GET and POST on one path are separate routes."""
    # Not the UI mounted beneath the API (served with Reflex): it takes any method anywhere.
    routes = [
        r for r in request.app.router.routes
        if not isinstance(r, Mount) and getattr(r, "endpoint", None) is not _unrouted
    ]
    # Asked method by method: included routers keep their routes to themselves.
    return {
        method
        for method in PROBED_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    }


PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
ANY_METHOD = [*PROBED_METHODS, "OPTIONS", "TRACE", "CONNECT"]


def _allow_header(methods: set[str]) -> str:
    return ", ".join(sorted(methods | {"OPTIONS"}))


async def _unrouted(request: Request) -> Response:
    """Whatever no API route took, under the API prefix: answered here, in the API's own
    shape, instead of falling through to the UI mounted beneath (a plain-text 404, or a 405
    naming only the UI's GET and HEAD). OPTIONS lists what the path serves."""
    methods = _allowed_methods(request)
    if not methods:
        path = request.scope["path"][:200]
        return error_response(404, "not_found", f"no API endpoint at {path!r}")
    allow = {"Allow": _allow_header(methods)}
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=allow)
    return error_response(
        405, "method_not_allowed", f"{request.method} is not served here; use {allow['Allow']}",
        headers=allow,
    )


def install_fallback(app: FastAPI, prefix: str) -> None:
    """Last route: every method on every path under `prefix` (see _unrouted)."""
    for path in (prefix, f"{prefix}/{{rest:path}}"):
        app.router.routes.append(Route(path, _unrouted, methods=ANY_METHOD, include_in_schema=False))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allow_header(_allowed_methods(request))
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


async def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    # Values no request schema could rule out (NUL in a query string, on PostgreSQL).
    assert isinstance(exc, DataError)
    return error_response(
        422,
        "invalid",
        "invalid input: the database refused a value (text must not contain NUL characters)",
    )


async def _database_away(_request: Request, exc: Exception) -> JSONResponse:
    # The database is unreachable (restarting, network cut) or busy: nothing was written.
    log.warning("database unavailable: %s", str(exc).splitlines()[0][:200])
    response = error_response(
        503,
        "database_unavailable",
        "the database cannot be reached right now; nothing was changed, try again in a few seconds",
    )
    response.headers["Retry-After"] = "5"
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "unexpected server error; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(MissionControlError, _domain_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _database_away)
    app.add_exception_handler(InterfaceError, _database_away)
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
