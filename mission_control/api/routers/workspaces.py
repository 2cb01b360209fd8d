"""The caller's workspace (read; admins rename it) and new workspaces (admins)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mission_control.api.deps import Admin, Reader
from mission_control.api.errors import COMMON_RESPONSES, CONFLICT_RESPONSE
from mission_control.api.schemas import In, WorkspaceOut
from mission_control.db import read_session, session_scope
from mission_control.models import Workspace
from mission_control.services import workspaces

router = APIRouter(tags=["workspaces"], responses=COMMON_RESPONSES)


class WorkspacePatch(In):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[^\x00]*$")


class WorkspaceCreate(In):
    slug: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9-]*$",
                      description="Lowercase letters, digits and -; used to sign in.")
    name: str = Field(min_length=1, max_length=80, pattern=r"^[^\x00]*$")


class WorkspaceCreated(BaseModel):
    workspace: WorkspaceOut
    admin_handle: str
    admin_password: str = Field(description="Shown once; the new workspace's admin signs in with it.")


@router.get("/workspace", response_model=WorkspaceOut, summary="The caller's workspace")
def get_workspace(who: Reader) -> WorkspaceOut:
    with read_session() as session:
        return WorkspaceOut.model_validate(session.get(Workspace, who.workspace_id))


@router.patch("/workspace", response_model=WorkspaceOut, summary="Rename the workspace (admin)")
def rename_workspace(body: WorkspacePatch, who: Admin) -> WorkspaceOut:
    with session_scope() as session:
        ws = workspaces.rename_workspace(session=session, workspace_id=who.workspace_id, name=body.name,
                                         actor=who.actor())
        return WorkspaceOut.model_validate(ws)


@router.post("/workspaces", response_model=WorkspaceCreated, status_code=201, responses=CONFLICT_RESPONSE,
             summary="Create a workspace with its own first admin (admin)")
def create_workspace(body: WorkspaceCreate, who: Admin) -> WorkspaceCreated:
    """A separate tenant: nobody of the caller's workspace can see into it; its admin gets a
    generated password, returned once."""
    with session_scope() as session:
        ws, handle, password = workspaces.create_with_admin(session=session, slug=body.slug, name=body.name,
                                                            actor=who.actor())
        out = WorkspaceOut.model_validate(ws)
    return WorkspaceCreated(workspace=out, admin_handle=handle, admin_password=password)
