"""`mc mcp` driven by the MCP SDK's own client over stdio, against a live server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from mcp import Client, StdioServerParameters

TOOLS = {
    "whoami",
    "tasks_mine",
    "tasks_list",
    "tasks_show",
    "tasks_create",
    "tasks_move",
    "tasks_assign",
    "comment",
    "docs_get",
    "docs_put",
    "working_md_get",
    "working_md_put",
    "notifications",
    "notification_read",
}


def _server(live_url: str, key: str) -> StdioServerParameters:
    env = {**os.environ, "MC_URL": live_url, "MC_API_KEY": key}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "mission_control.cli.main", "mcp"], env=env
    )


async def _call(client: Client, name: str, **args: Any) -> Any:
    result = await client.call_tool(name, args)
    text = " ".join(getattr(c, "text", "") for c in result.content)
    if result.is_error:
        return {"error": text.removeprefix(f"Error executing tool {name}: ")}
    data = result.structured_content or {}
    return data.get("result", data)


def test_an_agent_works_through_mcp(live_url, squad):
    a = squad.a

    async def session() -> None:
        async with Client(_server(live_url, a.tokens["agent"]), read_timeout_seconds=30) as mc:
            assert {t.name for t in (await mc.list_tools()).tools} == TOOLS
            me = await _call(mc, "whoami")
            assert (me["name"], me["type"]) == ("Fridaya", "agent")

            mine = await _call(mc, "tasks_mine")
            assert [t["id"] for t in mine["items"]] == [a.task_id]
            moved = await _call(mc, "tasks_move", task_id=a.task_id, status="in_progress")
            assert moved["status"] == "in_progress"
            posted = await _call(mc, "comment", task_id=a.task_id, body="on it @Visiona")
            assert posted["notified"] == ["Visiona"]
            shown = await _call(mc, "tasks_show", task_id=a.task_id)
            assert shown["messages"][-1]["body"] == "on it @Visiona"
            created = await _call(mc, "tasks_create", title="Write docs", assignees=["visiona"])
            assert created["assignee_ids"] == [a.agent2_id]
            assigned = await _call(mc, "tasks_assign", task_id=created["id"], agent="Fridaya")
            assert sorted(assigned["assignee_ids"]) == sorted([a.agent_id, a.agent2_id])
            listed = await _call(mc, "tasks_list", assignee="Visiona")
            assert [t["id"] for t in listed["items"]] == [created["id"]]

            doc = await _call(
                mc, "docs_put", document_id=a.document_id, content="v2", base_version=1
            )
            assert doc["version"] == 2
            stale = await _call(
                mc, "docs_put", document_id=a.document_id, content="x", base_version=1
            )
            assert stale["error"].startswith("conflict:")
            assert (await _call(mc, "docs_get", document_id=a.document_id, version=1))[
                "content"
            ] == "v1"

            wmd = await _call(mc, "working_md_get")
            assert wmd["version"] == 0 and "Write docs" in wmd["content"]
            put = await _call(mc, "working_md_put", notes="Docs first.", base_version=0)
            assert put["version"] == 1
            stale = await _call(mc, "working_md_put", notes="No.", base_version=0)
            assert stale["error"].startswith("conflict:") and "version 1" in stale["error"]

            unread = await _call(mc, "notifications")
            assert len(unread["items"]) == 3 and all(n["read_at"] is None for n in unread["items"])
            read = await _call(mc, "notification_read", notification_id=a.notification_id)
            assert read["read_at"] is not None
            assert len((await _call(mc, "notifications"))["items"]) == 2

            # the key acts only as itself, in its own workspace
            other = await _call(mc, "tasks_show", task_id=squad.b.task_id)
            assert other["error"] == f"not_found: task {squad.b.task_id} does not exist"
            mine_not = await _call(mc, "notification_read", notification_id=squad.b.notification_id)
            assert mine_not["error"].startswith("not_found:")

    asyncio.run(session())


def test_a_viewer_is_refused_changes_through_mcp(live_url, squad):
    async def session() -> None:
        async with Client(
            _server(live_url, squad.a.tokens["viewer"]), read_timeout_seconds=30
        ) as mc:
            refused = await _call(mc, "tasks_create", title="nope")
            assert refused["error"].startswith("forbidden:")
            assert (await _call(mc, "whoami"))["role"] == "viewer"

    asyncio.run(session())
