"""`mc working-md …` and `mc wake`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mission_control.cli.output import JsonOpt, ctx_of, emit

working_md = typer.Typer(
    help="The squad's WORKING.md: read it, write its notes (with the version you read).",
    no_args_is_help=True,
)


@working_md.command("get")
def working_md_get(
    ctx: typer.Context,
    notes: Annotated[bool, typer.Option("--notes", help="Only the notes part.")] = False,
    version: Annotated[int | None, typer.Option("--version", help="An older version.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Print WORKING.md (its version goes to stderr, for `put --version`)."""
    state = ctx_of(ctx, json_out)
    path = "/state/working-md" + (f"/versions/{version}" if version else "")
    doc = state.client.get(path)
    if not state.json:
        typer.echo(f"version {doc['version']}", err=True)
    emit(state, doc, lambda d: d["notes"] if notes else d["content"])


@working_md.command("put")
def working_md_put(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="The new notes; '-' (default) reads stdin.")] = "-",
    version: Annotated[
        int | None,
        typer.Option("--version", "--base-version", help="The version you read (see `get`)."),
    ] = None,
    append: Annotated[
        bool, typer.Option("--append", help="Add to the notes instead (no version needed).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Replace the notes of WORKING.md; refused (exit 7) if someone wrote since you read it."""
    state = ctx_of(ctx, json_out)
    if version is None and not append:
        raise typer.BadParameter("give --version N (the version you read) or --append")
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    body: dict[str, Any] = {"notes": text, "mode": "append" if append else "replace"}
    if version is not None:
        body["base_version"] = version
    doc = state.client.request("PUT", "/state/working-md", json=body)
    emit(state, doc, lambda d: f"WORKING.md is at version {d['version']}")


def wake(
    ctx: typer.Context,
    agent: Annotated[str, typer.Argument(help="Agent name or id.")],
    force: Annotated[
        bool, typer.Option("--force", help="Call its driver even if nothing is new.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Wake an agent now (operators): a heartbeat, or a wake frame for an external agent."""
    state = ctx_of(ctx, json_out)
    agent_id = state.agent_id(agent)
    woke = state.client.post(f"/agents/{agent_id}/wake", {"force": force})
    how = {"heartbeat": "heartbeat requested", "gateway": "wake sent to its WebSocket channel"}
    emit(state, woke, lambda w: f"woke {w['agent']['name']}: {how.get(w['via'], w['via'])}")
