"""Printing for `mc`: JSON for scripts (`--json`), short lines for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from mission_control.cli.client import ApiError, Client

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of text.")]


@dataclass
class Ctx:
    client: Client
    json: bool = False
    _agents: dict[int, str] | None = field(default=None, repr=False)

    def agent_names(self) -> dict[int, str]:
        if self._agents is None:
            self._agents = {a["id"]: a["name"] for a in self.client.get("/agents")}
        return self._agents

    def agent_id(self, ref: str) -> int:
        """An agent by id or (case-insensitive) name."""
        if ref.isdigit():
            return int(ref)
        for agent_id, name in self.agent_names().items():
            if name.lower() == ref.lstrip("@").lower():
                return agent_id
        raise ApiError(f"no agent called '{ref}' in this workspace", code="not_found", exit_code=5)


def ctx_of(ctx: typer.Context, json_flag: bool = False) -> Ctx:
    state: Ctx = ctx.obj
    state.json = state.json or json_flag
    return state


def emit(state: Ctx, data: Any, human: Callable[[Any], str]) -> None:
    if state.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        text = human(data)
        if text:
            typer.echo(text)


def fail(error: ApiError, as_json: bool) -> int:
    if as_json:
        typer.echo(json.dumps(error.body(), indent=2, ensure_ascii=False))
    else:
        lines = [f"error: {error.message}"]
        for name, problem in (error.details.get("fields") or {}).items():
            lines.append(f"  {name}: {problem}")
        if error.details.get("retry_after"):
            lines.append(f"  retry after {error.details['retry_after']} s")
        print("\n".join(lines), file=sys.stderr)
    return error.exit_code


def task_line(task: dict[str, Any], names: dict[int, str]) -> str:
    who = ", ".join(names.get(i, f"#{i}") for i in task.get("assignee_ids", []))
    blocked = (
        f"  [waits for {', '.join(f'#{i}' for i in task['blocked_by'])}]"
        if task.get("blocked_by")
        else ""
    )
    return (
        f"#{task['id']:<5} {task['status']:<11} {task['priority']:<7} {task['title']}"
        + (f"  ({who})" if who else "")
        + blocked
    )


def task_detail(task: dict[str, Any], thread: list[dict[str, Any]], names: dict[int, str]) -> str:
    lines = [task_line(task, names)]
    if task.get("parent_task_id"):
        lines.append(f"  subtask of #{task['parent_task_id']}")
    if task.get("subtask_ids"):
        lines.append(f"  subtasks: {', '.join(f'#{i}' for i in task['subtask_ids'])}")
    if task.get("depends_on_ids"):
        lines.append(f"  depends on: {', '.join(f'#{i}' for i in task['depends_on_ids'])}")
    if task.get("due_at"):
        lines.append(f"  due: {task['due_at']}")
    if task.get("description"):
        lines += ["", task["description"]]
    if thread:
        lines.append("")
        for m in thread:
            author = names.get(m["author_agent_id"], "") if m["author_agent_id"] else "operator"
            lines.append(f"[{m['created_at'][:16]}] {author or 'agent'}: {m['body']}")
    return "\n".join(lines)
