"""Health (no key needed) and the audit log check (admin)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from mission_control.api.deps import Admin, QueryId, authenticate
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.observe import bearer_token, holds_metrics_token
from mission_control.api.schemas import AuditCheck, Health
from mission_control.api.schemas.base import NO_NUL
from mission_control.db import read_session
from mission_control.errors import MissionControlError
from mission_control.observe import health as health_checks
from mission_control.services import audit
from mission_control.services.authz import Permission

router = APIRouter(tags=["system"])


def _version() -> str:
    try:
        return version("mission-control")
    except PackageNotFoundError:
        return "dev"


@router.get(
    "/health",
    response_model=Health,
    summary="Liveness with database, Redis and memory checks",
    responses={503: {"model": Health, "description": "A dependency does not answer."}},
)
async def health(request: Request) -> Health | JSONResponse:
    """Open to anyone (load balancers): each check's ok or failing. The version and each
    check's detail (error text can name hosts and paths) only with an admin's key or
    MC_METRICS_TOKEN as `Authorization: Bearer`."""
    detailed = await _may_see_details(request)
    results = await run_in_threadpool(health_checks.run_checks)
    by_name = {r.name: r for r in results}
    body = Health(
        status="ok" if all(r.ok for r in results) else "unavailable",
        database="ok" if by_name["database"].ok else "unreachable",
        version=_version() if detailed else None,
        checks={r.name: _check_text(r, detailed) for r in results},
    )
    if body.status != "ok":
        return JSONResponse(body.model_dump(), status_code=503)
    return body


def _check_text(result: health_checks.CheckResult, detailed: bool) -> str:
    if not detailed:
        return "ok" if result.ok else "failing"
    return result.detail if result.ok else f"failing: {result.detail}"


async def _may_see_details(request: Request) -> bool:
    # Read by hand, not as a security dependency: the spec must not say health needs a key.
    token = bearer_token(request)
    if not token:
        return False
    if holds_metrics_token(request):
        return True
    creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    try:
        return (await authenticate(request, creds)).can(Permission.admin)
    except MissionControlError:  # a wrong key still gets the public answer, never a 401
        return False


@router.get(
    "/audit/verify",
    response_model=AuditCheck,
    summary="Verify the audit log's hash chain (admin)",
    responses=COMMON_RESPONSES,
)
def verify_audit(
    who: Admin,
    anchor_id: QueryId = None,
    anchor_hash: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditCheck:
    """Pass `anchor_id`/`anchor_hash` from an earlier check to also detect deleted newest rows."""
    with read_session() as session:
        report = audit.verify_chain(
            session=session,
            workspace_id=who.workspace_id,
            anchor_id=anchor_id,
            anchor_hash=anchor_hash,
        )
    return AuditCheck(
        ok=report.ok,
        workspace_id=report.workspace_id,
        checked=report.checked,
        head_id=report.head_id,
        head_hash=report.head_hash,
        problems=report.problems,
    )


@router.get(
    "/audit",
    summary="The audit log, newest first (admin); format=csv or json exports",
    responses={
        **COMMON_RESPONSES,
        200: {
            "description": "A page (JSON), or with `format` an export (CSV or JSON lines).",
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
    },
)
def list_audit(
    who: Admin,
    actor: Annotated[str, Query(max_length=64, pattern=NO_NUL)] = "",
    action: Annotated[str, Query(max_length=40, pattern=NO_NUL)] = "",
    target_type: Annotated[str, Query(max_length=30, pattern=NO_NUL)] = "",
    before_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[Literal["page", "csv", "json"], Query()] = "page",
) -> Response:
    with read_session() as session:
        rows = audit.list_events(session=session, workspace_id=who.workspace_id, actor=actor, action=action,
                                 target_type=target_type, before_id=before_id, limit=limit)
    if format == "csv":
        return PlainTextResponse(audit.export(rows, "csv"), media_type="text/csv")
    if format == "json":
        return PlainTextResponse(audit.export(rows, "json"), media_type="application/x-ndjson")
    next_cursor = rows[-1]["id"] if len(rows) == limit else None
    return JSONResponse(jsonable_encoder({"items": rows, "next_before_id": next_cursor}))
