"""Finding @names in text and resolving them to agents and operators."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from mission_control.models import Agent, User

MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z][A-Za-z0-9_-]{0,39})")
EVERYONE = "all"


def find_names(text: str) -> list[str]:
    """Mentioned names in order of first appearance, without duplicates (case-insensitive)."""
    seen: dict[str, str] = {}
    for match in MENTION_RE.finditer(text):
        name = match.group(1).rstrip("-_")
        seen.setdefault(name.lower(), name)
    return list(seen.values())


@dataclass
class Resolved:
    agents: list[Agent] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def resolve(session: Session, workspace_id: int, names: list[str]) -> Resolved:
    out = Resolved()
    if not names:
        return out
    agents = {a.name.lower(): a for a in session.exec(select(Agent).where(Agent.workspace_id == workspace_id))}
    users = {
        u.handle.lower(): u
        for u in session.exec(select(User).where(User.workspace_id == workspace_id, User.is_active))
    }
    for name in names:
        key = name.lower()
        if key == EVERYONE:
            out.agents.extend(a for a in agents.values() if a not in out.agents)
        elif key in agents:
            if agents[key] not in out.agents:
                out.agents.append(agents[key])
        elif key in users:
            if users[key] not in out.users:
                out.users.append(users[key])
        else:
            out.unknown.append(name)
    return out
