"""Which workspace a browser tab is looking at (sign-in arrives with the API/auth work)."""

from __future__ import annotations

from mission_control.db import read_session
from mission_control.services import workspaces


def current_workspace() -> tuple[int, str]:
    """The workspace shown to operators: the first one, until sign-in picks it per user."""
    with read_session() as session:
        ws = workspaces.first_workspace(session=session)
        if ws is None or ws.id is None:
            return 0, "No workspace"
        return ws.id, ws.name
