"""Read models for the documents pages: the filtered list, one document with its history,
and a side-by-side diff between two versions."""

from __future__ import annotations

import re
from itertools import zip_longest
from typing import Any

from sqlmodel import Session, col, func, select

from mission_control.errors import Invalid, NotFound
from mission_control.models import Agent, Document, DocumentType, DocumentVersion, Task, User
from mission_control.services.common import get_in_workspace
from mission_control.services.textdiff import TooLargeToDiff, opcodes

# Markdown punctuation dropped from list excerpts (headings, emphasis, quotes, links, code).
_MARKUP = re.compile(r"[#*_`>\[\]|~]+")
# Unchanged runs longer than this are folded to their first and last CONTEXT lines.
CONTEXT = 3
# Versions listed on a document's page at first, and added by each "Show older versions".
HISTORY_PAGE = 50


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _names(session: Session, workspace_id: int) -> tuple[dict[int, str], dict[int, str]]:
    agents = {a.id: a.name for a in session.exec(select(Agent).where(Agent.workspace_id == workspace_id)) if a.id}
    users = {u.id: u.handle for u in session.exec(select(User).where(User.workspace_id == workspace_id)) if u.id}
    return agents, users


def _author(agent_id: int | None, user_id: int | None, agents: dict[int, str], users: dict[int, str]) -> str:
    if agent_id and agent_id in agents:
        return agents[agent_id]
    if user_id and user_id in users:
        return users[user_id]
    return "system"


def document_list(
    *, session: Session, workspace_id: int, type: str = "", text: str = "", limit: int = 200
) -> list[dict[str, Any]]:
    """Newest change first; `text` matches the title or the content, ignoring case."""
    query = select(Document).where(Document.workspace_id == workspace_id)
    if type:
        if type not in DocumentType.__members__:
            allowed = ", ".join(t.value for t in DocumentType)
            raise Invalid(f"'{type}' is not a document type; use one of: {allowed}")
        query = query.where(Document.type == DocumentType(type))
    needle = text.strip()
    if needle:
        query = query.where(
            col(Document.title).icontains(needle, autoescape=True)
            | col(Document.content).icontains(needle, autoescape=True)
        )
    docs = list(session.exec(query.order_by(col(Document.updated_at).desc(), col(Document.id).desc()).limit(limit)))
    task_ids = {d.task_id for d in docs if d.task_id}
    titles = {
        t.id: t.title for t in session.exec(select(Task).where(col(Task.id).in_(task_ids)))
    } if task_ids else {}
    return [
        {
            "id": d.id,
            "title": d.title,
            "type": str(d.type),
            "version": d.version,
            "task_id": d.task_id or 0,
            "task_title": titles.get(d.task_id, "") if d.task_id else "",
            "excerpt": " ".join(_MARKUP.sub(" ", d.content).split())[:160],
            "updated_at": _iso(d.updated_at),
        }
        for d in docs
    ]


def document_detail(
    *, session: Session, workspace_id: int, document_id: int, versions: int = HISTORY_PAGE
) -> dict[str, Any]:
    """The document and its newest `versions` versions (`more_versions`: there are older ones).
    The versions' texts stay in the database: only their lengths are read."""
    doc = get_in_workspace(session, Document, document_id, workspace_id)
    agents, users = _names(session, workspace_id)
    task = session.get(Task, doc.task_id) if doc.task_id else None
    history = session.exec(
        select(  # type: ignore[call-overload]
            DocumentVersion.version, DocumentVersion.title, DocumentVersion.author_agent_id,
            DocumentVersion.author_user_id, DocumentVersion.created_at, func.length(DocumentVersion.content),
        )
        .where(DocumentVersion.document_id == document_id)
        .order_by(col(DocumentVersion.version).desc())
        .limit(versions + 1)
    ).all()
    return {
        "id": doc.id,
        "title": doc.title,
        "type": str(doc.type),
        "content": doc.content,
        "version": doc.version,
        "task_id": doc.task_id or 0,
        "task_title": task.title if task else "",
        "updated_at": _iso(doc.updated_at),
        "versions": [
            {
                "version": number,
                "title": title,
                "author": _author(agent_id, user_id, agents, users),
                "created_at": _iso(created_at),
                "chars": chars or 0,
            }
            for number, title, agent_id, user_id, created_at, chars in history[:versions]
        ],
        "more_versions": len(history) > versions,
    }


def _version(session: Session, document_id: int, number: int) -> DocumentVersion:
    row = session.exec(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document_id, DocumentVersion.version == number
        )
    ).first()
    if row is None:
        raise NotFound(f"document {document_id} has no version {number}")
    return row


def side_by_side(old: str, new: str, context: int = CONTEXT) -> list[dict[str, Any]]:
    """Rows of (left line, right line) with a kind: equal, changed, removed, added or skip.

    A `skip` row stands for a run of unchanged lines folded away; its `left` says how many.
    Raises TooLargeToDiff when too many lines differ to compare (textdiff.opcodes).
    """
    a, b = old.splitlines(), new.splitlines()
    rows: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        if tag == "equal":
            pairs = list(zip(range(i1, i2), range(j1, j2), strict=True))
            # Keep a few lines of context next to each change; fold the rest.
            head = pairs[:context] if i1 > 0 or j1 > 0 else []
            tail = pairs[-context:] if i2 < len(a) or j2 < len(b) else []
            hidden = len(pairs) - len(head) - len(tail)
            if hidden <= 1:
                head, tail, hidden = pairs, [], 0
            rows.extend(_row("equal", i, a[i], j, b[j]) for i, j in head)
            if hidden:
                rows.append(_row("skip", None, f"{hidden} unchanged lines", None, ""))
            rows.extend(_row("equal", i, a[i], j, b[j]) for i, j in tail)
            continue
        left = list(range(i1, i2))
        right = list(range(j1, j2))
        for li, ri in zip_longest(left, right):
            kind = "changed" if li is not None and ri is not None else ("removed" if ri is None else "added")
            rows.append(
                _row(kind, li, a[li] if li is not None else "", ri, b[ri] if ri is not None else "")
            )
    return rows


def _row(kind: str, left_no: int | None, left: str, right_no: int | None, right: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "left_no": "" if left_no is None else str(left_no + 1),
        "left": left,
        "right_no": "" if right_no is None else str(right_no + 1),
        "right": right,
    }


def _diff(old: str, new: str, left: int, right: int, *, title_changed: bool = False) -> dict[str, Any]:
    """`too_large` (with `note` saying why, and no rows) when the versions differ too much to
    compare line by line."""
    try:
        rows, note = side_by_side(old, new), ""
    except TooLargeToDiff as exc:
        rows, note = [], exc.message
    return {
        "left_version": left,
        "right_version": right,  # 0: the unsaved draft
        "added": sum(1 for r in rows if r["kind"] in ("added", "changed")),
        "removed": sum(1 for r in rows if r["kind"] in ("removed", "changed")),
        "title_changed": title_changed,
        "rows": rows,
        "too_large": bool(note),
        "note": note,
    }


def version_diff(
    *, session: Session, workspace_id: int, document_id: int, version: int, against: str = "previous"
) -> dict[str, Any]:
    """Compare `version` with the one before it (`against="previous"`) or with the latest."""
    doc = get_in_workspace(session, Document, document_id, workspace_id)
    chosen = _version(session, document_id, version)
    if against == "current":
        old, new = chosen, _version(session, document_id, doc.version)
    elif version > 1:
        old, new = _version(session, document_id, version - 1), chosen
    else:
        old, new = None, chosen
    return _diff(
        old.content if old else "", new.content, old.version if old else 0, new.version,
        title_changed=old is not None and old.title != new.title,
    )


def draft_diff(*, session: Session, workspace_id: int, document_id: int, draft: str) -> dict[str, Any]:
    """Compare unsaved text with the latest saved version (after a refused, stale save)."""
    doc = get_in_workspace(session, Document, document_id, workspace_id)
    return _diff(doc.content, draft, doc.version, 0)


def task_choices(*, session: Session, workspace_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """Tasks a new document can be linked to, newest first."""
    rows = session.exec(
        select(Task.id, Task.title).where(Task.workspace_id == workspace_id).order_by(col(Task.id).desc()).limit(limit)
    )
    return [{"id": task_id, "title": title} for task_id, title in rows]
