from datetime import datetime

from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, workspace_fk


class BrowserSession(SQLModel, table=True):
    """An operator signed in in a browser. Not an API key: the agent API refuses it.

    Created by a password sign-in with only a one-time `ticket_hash`; the browser trades the
    ticket for the session token at /auth/session, which sets it as an HttpOnly cookie. Only
    SHA-256 hashes are stored. A row is deleted when the session ends (sign-out, password
    change, deactivation) and pruned once it has expired.
    """

    __tablename__ = "browser_session"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    user_id: int = Field(foreign_key="user.id", nullable=False, index=True, ondelete="CASCADE")
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = created_at_field()
    last_seen_at: datetime = created_at_field()
