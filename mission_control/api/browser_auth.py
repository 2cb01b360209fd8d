"""The two plain HTTP routes of browser sign-in: only an HTTP response can set (or clear) the
HttpOnly session cookie, which page scripts can then neither read nor forge.

    GET /auth/session?ticket=…&next=/path   the sign-in form's one-time ticket -> cookie, 303 next
    GET /auth/sign-out                      ends the session, clears the cookie, 303 /login

Outside /api/v1 and out of the OpenAPI spec: they are for browsers, not agents.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from mission_control.config import get_settings
from mission_control.db import session_scope
from mission_control.services import browser_sessions
from mission_control.services.browser_sessions import COOKIE, safe_next

router = APIRouter(include_in_schema=False)


def _secure(request: Request) -> bool:
    mode = get_settings().session_cookie_secure
    if mode != "auto":
        return mode == "always"
    # Behind a TLS-terminating proxy the app sees http; the proxy says what the browser used.
    # A client lying here only makes its own browser drop the cookie.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _cross_site(request: Request) -> bool:
    """A request another site started (a link, a form): it must not sign anyone in or out."""
    return request.headers.get("sec-fetch-site", "") == "cross-site"


def _redirect(to: str) -> RedirectResponse:
    response = RedirectResponse(to, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the ticket was in this URL
    return response


def _redeem(ticket: str) -> str | None:
    with session_scope() as session:
        return browser_sessions.redeem(session=session, ticket=ticket)


def _end(token: str) -> None:
    with session_scope() as session:
        browser_sessions.end(session=session, token=token)


@router.get("/auth/session")
async def open_session(request: Request, ticket: str = "", next: str = "/") -> RedirectResponse:
    target = safe_next(next)
    token = None if _cross_site(request) else await run_in_threadpool(_redeem, ticket[:200])
    if token is None:  # used, expired or forged: sign in again
        return _redirect(f"/login?next={quote(target, safe='/')}")
    response = _redirect(target)
    response.set_cookie(
        COOKIE, token, max_age=get_settings().session_max_age_s, path="/", httponly=True,
        samesite="strict", secure=_secure(request),
    )
    return response


@router.get("/auth/sign-out")
async def sign_out(request: Request) -> RedirectResponse:
    if _cross_site(request):
        return _redirect("/")
    token = request.cookies.get(COOKIE, "")
    if token:
        await run_in_threadpool(_end, token)
    response = _redirect("/login")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response
