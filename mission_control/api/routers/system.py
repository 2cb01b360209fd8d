"""Health (no key needed) and the audit log check (admin)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mission_control.api.deps import Admin, QueryId
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.schemas import AuditCheck, Health
from mission_control.db import read_session
from mission_control.observe import health as health_checks
from mission_control.services import audit

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
def health() -> Health | JSONResponse:
    results = health_checks.run_checks()
    by_name = {r.name: r for r in results}
    body = Health(
        status="ok" if all(r.ok for r in results) else "unavailable",
        database="ok" if by_name["database"].ok else "unreachable",
        version=_version(),
        checks={r.name: r.detail if r.ok else f"failing: {r.detail}" for r in results},
    )
    if body.status != "ok":
        return JSONResponse(body.model_dump(), status_code=503)
    return body


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
