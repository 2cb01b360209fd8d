"""`mc mcp`: an MCP server (stdio, the official `mcp` SDK) that lets any MCP-capable coding
agent act as a squad member. It is an adapter over the HTTP API with the agent's own key
(MC_URL / MC_API_KEY), like the CLI, so the server decides who may do what.

A refused call comes back as a tool error whose text is the API's message, prefixed with its
code (e.g. "conflict: WORKING.md changed since you read it ...").
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from mission_control.cli.client import ApiError, Client
from mission_control.cli.output import Ctx

F = TypeVar("F", bound=Callable[..., Any])
Status = Literal["inbox", "assigned", "in_progress", "review", "done"]

INSTRUCTIONS = """\
You are a member of a Mission Control squad. Start with `whoami`, then `notifications`
(unread) and `tasks_mine`. Move your tasks forward one column at a time (`tasks_move`), talk on
a task's thread with `comment` (@Name mentions notify), keep deliverables in documents
(`docs_put`), and share squad-wide context in WORKING.md (`working_md_get`, then
`working_md_put` with the version you read).
"""


def build_server(client: Client) -> MCPServer:
    state = Ctx(client=client)
    server: MCPServer = MCPServer("mission-control", instructions=INSTRUCTIONS, log_level="WARNING")

    def tool(fn: F) -> F:
        """Register `fn` as a tool; API refusals become tool errors the model can read."""

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ApiError as error:
                raise ToolError(f"{error.code}: {error.message}") from error

        server.add_tool(call, name=fn.__name__, description=fn.__doc__)
        return fn

    @tool
    def whoami() -> dict[str, Any]:
        """Who this key acts as (agent or operator), its role and workspace."""
        me: dict[str, Any] = client.get("/me")
        return me

    @tool
    def tasks_mine(status: Status | None = None, limit: int = 50) -> dict[str, Any]:
        """Tasks assigned to me, oldest first."""
        page: dict[str, Any] = client.get("/tasks", mine="true", status=status, limit=limit)
        return page

    @tool
    def tasks_list(
        status: Status | None = None,
        assignee: str | None = None,
        cursor: int | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Tasks of the workspace, oldest first; `assignee` is an agent name or id. Pass the
        returned `next_cursor` as `cursor` for the next page."""
        assignee_id = state.agent_id(assignee) if assignee else None
        page: dict[str, Any] = client.get(
            "/tasks", status=status, assignee_id=assignee_id, cursor=cursor, limit=limit
        )
        return page

    @tool
    def tasks_show(task_id: int) -> dict[str, Any]:
        """A task with its whole thread (`messages`)."""
        task: dict[str, Any] = client.get(f"/tasks/{task_id}")
        task["messages"] = client.get(f"/tasks/{task_id}/messages", limit=200)["items"]
        return task

    @tool
    def tasks_create(
        title: str,
        description: str = "",
        priority: Literal["low", "medium", "high", "urgent"] = "medium",
        assignees: list[str] | None = None,
        parent_task_id: int | None = None,
        due_at: str | None = None,
    ) -> dict[str, Any]:
        """Create a task (in the inbox, or assigned to `assignees`: agent names or ids).
        `due_at` is an ISO date-time with a timezone."""
        body: dict[str, Any] = {"title": title, "description": description, "priority": priority}
        body["assignee_ids"] = [state.agent_id(a) for a in assignees or []]
        if parent_task_id is not None:
            body["parent_task_id"] = parent_task_id
        if due_at:
            body["due_at"] = due_at
        task: dict[str, Any] = client.post("/tasks", body)
        return task

    @tool
    def tasks_move(task_id: int, status: Status) -> dict[str, Any]:
        """Move a task to another column (one step forward at a time, or back)."""
        task: dict[str, Any] = client.post(f"/tasks/{task_id}/move", {"status": status})
        return task

    @tool
    def tasks_assign(task_id: int, agent: str) -> dict[str, Any]:
        """Assign an agent (name or id) to a task."""
        body = {"agent_id": state.agent_id(agent)}
        task: dict[str, Any] = client.post(f"/tasks/{task_id}/assignees", body)
        return task

    @tool
    def comment(task_id: int, body: str, reply_to: int | None = None) -> dict[str, Any]:
        """Post on a task's thread; @Name mentions notify that agent or operator."""
        posted: dict[str, Any] = client.post(
            f"/tasks/{task_id}/messages", {"body": body, "parent_message_id": reply_to}
        )
        return posted

    @tool
    def docs_get(document_id: int, version: int | None = None) -> dict[str, Any]:
        """A document (the latest version, or `version`)."""
        path = f"/documents/{document_id}" + (f"/versions/{version}" if version else "")
        doc: dict[str, Any] = client.get(path)
        return doc

    @tool
    def docs_put(
        content: str,
        document_id: int | None = None,
        title: str | None = None,
        base_version: int | None = None,
        task_id: int | None = None,
        doc_type: Literal["deliverable", "research", "protocol"] = "deliverable",
    ) -> dict[str, Any]:
        """Save a new version of document `document_id` (send the `base_version` you read to
        be refused instead of overwriting someone's edit), or create one (give `title`)."""
        if document_id is None:
            if not title:
                raise ToolError("invalid: give a title to create a document")
            body = {"title": title, "content": content, "type": doc_type, "task_id": task_id}
            created: dict[str, Any] = client.post("/documents", body)
            return created
        body = {"content": content, "title": title, "base_version": base_version}
        doc: dict[str, Any] = client.request("PUT", f"/documents/{document_id}", json=body)
        return doc

    @tool
    def working_md_get() -> dict[str, Any]:
        """The squad's WORKING.md: `content` (rendered from the board + notes), `notes` and
        `version` (send it back to `working_md_put`)."""
        doc: dict[str, Any] = client.get("/state/working-md")
        return doc

    @tool
    def working_md_put(
        notes: str, base_version: int | None = None, append: bool = False
    ) -> dict[str, Any]:
        """Replace WORKING.md's notes (needs the `base_version` you read; refused if someone
        wrote since), or `append` to them (no version needed)."""
        body: dict[str, Any] = {"notes": notes, "mode": "append" if append else "replace"}
        if base_version is not None:
            body["base_version"] = base_version
        doc: dict[str, Any] = client.request("PUT", "/state/working-md", json=body)
        return doc

    @tool
    def notifications(unread: bool = True, limit: int = 50) -> dict[str, Any]:
        """My notifications (mentions, assignments, wake-ups), newest first."""
        page: dict[str, Any] = client.get("/notifications", unread=str(unread).lower(), limit=limit)
        return page

    @tool
    def notification_read(notification_id: int) -> dict[str, Any]:
        """Mark one of my notifications read."""
        note: dict[str, Any] = client.post(f"/notifications/{notification_id}/read")
        return note

    return server


def serve(client: Client) -> None:
    """Serve MCP on stdin/stdout until the client disconnects."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call is noise here
    build_server(client).run("stdio")
