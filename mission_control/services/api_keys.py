"""API keys for agents and personal tokens for operators.

A token looks like `mca_k3v9x2qp_<43 random characters>` (`mca` for an agent key, `mco` for
an operator token). It is shown once, when created; the database keeps only its public
prefix (`mca_k3v9x2qp`, for lookup and for people to tell keys apart) and the SHA-256 of the
whole token. A token carries 256 bits of randomness, so a fast hash is the standard choice
here (a slow password hash protects low-entropy secrets, which these are not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from mission_control.errors import Invalid, NotFound, Unauthenticated
from mission_control.events import EventType
from mission_control.models import ActorType, Agent, ApiKey, User, utcnow
from mission_control.services.actor import Actor
from mission_control.services.authz import Principal
from mission_control.services.common import get_in_workspace
from mission_control.services.recording import record_change

AGENT_KIND = "mca"
USER_KIND = "mco"
_ALPHABET = string.ascii_lowercase + string.digits
TOUCH_EVERY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(kind: str) -> tuple[str, str]:
    public = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    prefix = f"{kind}_{public}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def _describe(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "agent_id": key.agent_id,
        "user_id": key.user_id,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def create_key(
    *,
    session: Session,
    workspace_id: int,
    actor: Actor,
    agent_id: int | None = None,
    user_id: int | None = None,
    name: str = "",
) -> tuple[ApiKey, str]:
    """Issue a key for an agent or a token for an operator; returns (row, token shown once)."""
    if (agent_id is None) == (user_id is None):
        raise Invalid("a key belongs to exactly one agent or one operator")
    if agent_id is not None:
        owner = get_in_workspace(session, Agent, agent_id, workspace_id).name
        kind = AGENT_KIND
    else:
        assert user_id is not None
        owner = "@" + get_in_workspace(session, User, user_id, workspace_id).handle
        kind = USER_KIND
    name = (name or "").strip()[:80]
    prefix, token = _new_token(kind)
    key = ApiKey(
        workspace_id=workspace_id,
        agent_id=agent_id,
        user_id=user_id,
        name=name,
        prefix=prefix,
        key_hash=hash_token(token),
    )
    session.add(key)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.api_key_created,
        target_type="api_key",
        target_id=key.id,
        text=f"{actor.name} issued key {prefix}… for {owner}",
        after=_describe(key),
        feed=False,
    )
    return key, token


def _owned_key(
    session: Session, workspace_id: int, key_id: int, owner_user_id: int | None
) -> ApiKey:
    key = get_in_workspace(session, ApiKey, key_id, workspace_id)
    if owner_user_id is not None and key.user_id != owner_user_id:
        raise NotFound(f"api key {key_id} does not exist")
    return key


def revoke_key(
    *,
    session: Session,
    workspace_id: int,
    key_id: int,
    actor: Actor,
    owner_user_id: int | None = None,
) -> ApiKey:
    """Revoke a key at once. `owner_user_id` limits this to that operator's own tokens."""
    key = _owned_key(session, workspace_id, key_id, owner_user_id)
    if key.revoked_at is not None:
        return key
    before = _describe(key)
    key.revoked_at = utcnow()
    session.add(key)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.api_key_revoked,
        target_type="api_key",
        target_id=key.id,
        text=f"{actor.name} revoked key {key.prefix}…",
        before=before,
        after=_describe(key),
        feed=False,
    )
    return key


def rotate_key(
    *,
    session: Session,
    workspace_id: int,
    key_id: int,
    actor: Actor,
    owner_user_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Revoke a key and issue its replacement (same owner and name) in one unit of work."""
    old = _owned_key(session, workspace_id, key_id, owner_user_id)
    if old.revoked_at is not None:
        raise Invalid(f"key {old.prefix}… is revoked; issue a new key instead of rotating it")
    revoke_key(session=session, workspace_id=workspace_id, key_id=key_id, actor=actor)
    return create_key(
        session=session,
        workspace_id=workspace_id,
        actor=actor,
        agent_id=old.agent_id,
        user_id=old.user_id,
        name=old.name,
    )


def list_keys(
    *,
    session: Session,
    workspace_id: int,
    agent_id: int | None = None,
    user_id: int | None = None,
) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id)
    if agent_id is not None:
        query = query.where(ApiKey.agent_id == agent_id)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return list(session.exec(query.order_by(col(ApiKey.id))))


def authenticate(*, session: Session, token: str) -> tuple[Principal, datetime | None]:
    """Resolve a presented token to its owner; (principal, when the key was last used).

    Raises Unauthenticated for a malformed, unknown or revoked token, or a deactivated owner.
    """
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] not in (AGENT_KIND, USER_KIND):
        raise Unauthenticated("that is not a Mission Control key (expected mca_… or mco_…)")
    prefix = f"{parts[0]}_{parts[1]}"
    digest = hash_token(token)
    key = next(
        (
            k
            for k in session.exec(select(ApiKey).where(ApiKey.prefix == prefix))
            if hmac.compare_digest(k.key_hash, digest)
        ),
        None,
    )
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("this key is unknown or has been revoked")
    assert key.id is not None
    if key.agent_id is not None:
        agent = session.get(Agent, key.agent_id)
        if agent is None or agent.workspace_id != key.workspace_id:
            raise Unauthenticated("this key's agent no longer exists")
        assert agent.id is not None
        principal = Principal(
            key.workspace_id, ActorType.agent, agent.id, agent.name, "agent", key.id
        )
    else:
        user = session.get(User, key.user_id) if key.user_id is not None else None
        if user is None or not user.is_active or user.workspace_id != key.workspace_id:
            raise Unauthenticated("this token's operator is deactivated or no longer exists")
        assert user.id is not None
        principal = Principal(
            key.workspace_id, ActorType.user, user.id, user.handle, str(user.role), key.id
        )
    return principal, key.last_used_at


def needs_touch(last_used_at: datetime | None) -> bool:
    """Key use is recorded at most once a minute, so most requests write nothing."""
    return last_used_at is None or utcnow() - last_used_at >= TOUCH_EVERY


def touch(*, session: Session, key_id: int) -> None:
    """Record use of a key (not audited: it is bookkeeping, not a change anyone made)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = utcnow()
        session.add(key)
        session.flush()
