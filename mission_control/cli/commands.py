"""`mc tasks …`, `mc docs …`, `mc audit …`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mission_control.cli.client import AUDIT_BROKEN
from mission_control.cli.output import JsonOpt, ctx_of, emit, task_detail, task_line

tasks = typer.Typer(help="Tasks: list, show, create, move, assign.", no_args_is_help=True)
docs = typer.Typer(
    help="Documents: read and write (each write is a new version).", no_args_is_help=True
)
audit = typer.Typer(help="The audit log.", no_args_is_help=True)

StatusOpt = Annotated[
    str | None, typer.Option("--status", help="inbox, assigned, in_progress, review or done.")
]


def _list(ctx: typer.Context, json_out: bool, **params: Any) -> None:
    state = ctx_of(ctx, json_out)
    page = state.client.get("/tasks", **params)
    names = {} if state.json else state.agent_names()
    emit(state, page, lambda p: "\n".join(task_line(t, names) for t in p["items"]) or "no tasks")


@tasks.command("mine")
def tasks_mine(
    ctx: typer.Context, status: StatusOpt = None, limit: int = 50, json_out: JsonOpt = False
) -> None:
    """Tasks assigned to me (agent keys)."""
    _list(ctx, json_out, mine="true", status=status, limit=limit)


@tasks.command("list")
def tasks_list(
    ctx: typer.Context,
    status: StatusOpt = None,
    assignee: Annotated[str | None, typer.Option(help="Agent name or id.")] = None,
    limit: int = 50,
    cursor: int | None = None,
    json_out: JsonOpt = False,
) -> None:
    """Tasks of the workspace, oldest first (use --cursor for the next page)."""
    state = ctx_of(ctx, json_out)
    assignee_id = state.agent_id(assignee) if assignee else None
    _list(ctx, json_out, status=status, assignee_id=assignee_id, limit=limit, cursor=cursor)


@tasks.command("show")
def tasks_show(ctx: typer.Context, task_id: int, json_out: JsonOpt = False) -> None:
    """A task with its thread."""
    state = ctx_of(ctx, json_out)
    task = state.client.get(f"/tasks/{task_id}")
    task["messages"] = state.client.get(f"/tasks/{task_id}/messages", limit=200)["items"]
    names = {} if state.json else state.agent_names()
    emit(state, task, lambda t: task_detail(t, t["messages"], names))


@tasks.command("create")
def tasks_create(
    ctx: typer.Context,
    title: str,
    description: Annotated[str, typer.Option("--description", "-d")] = "",
    priority: Annotated[str, typer.Option(help="low, medium, high or urgent.")] = "medium",
    assign: Annotated[
        list[str] | None, typer.Option("--assign", help="Agent name or id (repeatable).")
    ] = None,
    parent: Annotated[int | None, typer.Option(help="Make it a subtask of this task.")] = None,
    due: Annotated[str | None, typer.Option(help="ISO date-time with timezone.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a task (in the inbox, or assigned if --assign)."""
    state = ctx_of(ctx, json_out)
    body: dict[str, Any] = {"title": title, "description": description, "priority": priority}
    if assign:
        body["assignee_ids"] = [state.agent_id(a) for a in assign]
    if parent is not None:
        body["parent_task_id"] = parent
    if due:
        body["due_at"] = due
    task = state.client.post("/tasks", body)
    emit(state, task, lambda t: f"created #{t['id']} “{t['title']}” ({t['status']})")


@tasks.command("move")
def tasks_move(ctx: typer.Context, task_id: int, status: str, json_out: JsonOpt = False) -> None:
    """Move a task to another column (one step forward at a time, or back)."""
    state = ctx_of(ctx, json_out)
    task = state.client.post(f"/tasks/{task_id}/move", {"status": status})
    emit(state, task, lambda t: f"#{t['id']} is now {t['status']}")


@tasks.command("assign")
def tasks_assign(ctx: typer.Context, task_id: int, agent: str, json_out: JsonOpt = False) -> None:
    """Assign an agent (name or id) to a task."""
    state = ctx_of(ctx, json_out)
    task = state.client.post(f"/tasks/{task_id}/assignees", {"agent_id": state.agent_id(agent)})
    names = {} if state.json else state.agent_names()
    emit(state, task, lambda t: task_line(t, names))


@docs.command("get")
def docs_get(
    ctx: typer.Context,
    document_id: int,
    version: Annotated[int | None, typer.Option(help="An older version.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a document's content (the latest version unless --version)."""
    state = ctx_of(ctx, json_out)
    path = f"/documents/{document_id}" + (f"/versions/{version}" if version else "")
    emit(state, state.client.get(path), lambda d: d["content"])


@docs.command("put")
def docs_put(
    ctx: typer.Context,
    document_id: Annotated[
        int | None, typer.Argument(help="Omit to create a new document.")
    ] = None,
    file: Annotated[str, typer.Option("--file", "-f", help="Content file; '-' is stdin.")] = "-",
    title: Annotated[str | None, typer.Option(help="Title (needed to create).")] = None,
    base_version: Annotated[
        int | None, typer.Option(help="The version you edited; refused if it changed since.")
    ] = None,
    task: Annotated[int | None, typer.Option(help="Attach a new document to this task.")] = None,
    doc_type: Annotated[
        str, typer.Option("--type", help="deliverable, research or protocol.")
    ] = "deliverable",
    json_out: JsonOpt = False,
) -> None:
    """Save a new version of a document, or create one."""
    state = ctx_of(ctx, json_out)
    content = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    if document_id is None:
        if not title:
            raise typer.BadParameter(
                "give --title to create a document (or a document id to update)"
            )
        body: dict[str, Any] = {
            "title": title,
            "content": content,
            "type": doc_type,
            "task_id": task,
        }
        doc = state.client.post("/documents", body)
    else:
        doc = state.client.request(
            "PUT",
            f"/documents/{document_id}",
            json={"content": content, "title": title, "base_version": base_version},
        )
    emit(state, doc, lambda d: f"document {d['id']} “{d['title']}” is at version {d['version']}")


@audit.command("verify")
def audit_verify(
    ctx: typer.Context,
    anchor: Annotated[
        Path | None,
        typer.Option(help="File remembering the last verified head; catches deleted newest rows."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the audit log's hash chain (admin). Exit code 11 if it was tampered with."""
    state = ctx_of(ctx, json_out)
    params: dict[str, Any] = {}
    if anchor is not None and anchor.exists():
        saved = json.loads(anchor.read_text())
        params = {"anchor_id": saved["head_id"], "anchor_hash": saved["head_hash"]}
    report = state.client.get("/audit/verify", **params)
    if report["ok"] and anchor is not None and report["head_id"]:
        anchor.write_text(
            json.dumps({"head_id": report["head_id"], "head_hash": report["head_hash"]})
        )

    def human(r: dict[str, Any]) -> str:
        if r["ok"]:
            return f"audit log intact: {r['checked']} rows, head #{r['head_id']} {r['head_hash'][:12]}…"
        lines = [f"AUDIT LOG TAMPERED: {len(r['problems'])} problem(s) in {r['checked']} rows"]
        lines += [f"  row {p['id']}: {p['problem']}" for p in r["problems"]]
        return "\n".join(lines)

    emit(state, report, human)
    if not report["ok"]:
        raise typer.Exit(AUDIT_BROKEN)
