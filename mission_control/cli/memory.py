"""`mc memory …`: search by meaning, similar tasks, the indexing lag, rebuild the index."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mission_control.cli.output import JsonOpt, ctx_of, emit

memory = typer.Typer(help="Agent memory: search by meaning, similar tasks, reindex.", no_args_is_help=True)


def _hit_line(h: dict[str, Any]) -> str:
    where = h["link"] or f"{h['source_type']} {h['source_id']}"
    passage = h["passage"] if len(h["passage"]) <= 160 else h["passage"][:159] + "…"
    title = f" “{h['title']}”" if h["title"] else ""
    return f"{h['score']:.2f}  {h['kind']:<12} {where}{title}\n      {passage}"


@memory.command("search")
def memory_search(
    ctx: typer.Context,
    query: str,
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 10,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="task, message, document, task_outcome or note (repeatable)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Tasks, messages and documents closest in meaning to QUERY, best first."""
    state = ctx_of(ctx, json_out)
    hits = state.client.get("/memory/search", q=query, k=k, kind=kind)
    emit(state, hits, lambda hs: "\n".join(_hit_line(h) for h in hs) or "nothing found")


@memory.command("similar")
def memory_similar(
    ctx: typer.Context, task_id: int, k: Annotated[int, typer.Option("-k")] = 5, json_out: JsonOpt = False
) -> None:
    """Tasks like TASK_ID, with their status."""
    state = ctx_of(ctx, json_out)
    found = state.client.get(f"/tasks/{task_id}/similar", k=k)
    emit(state, found, lambda ts: "\n".join(
        f"{t['score']:.2f}  #{t['task_id']} “{t['title']}” ({t['status']})" for t in ts) or "no similar tasks")


@memory.command("status")
def memory_status(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """How far indexing is behind."""
    state = ctx_of(ctx, json_out)
    status = state.client.get("/memory/status")
    emit(state, status, lambda s: (
        f"memory {'on' if s['enabled'] else 'off'} ({s['backend']}): {s['pending']} waiting to be indexed"
        + (f", oldest {s['lag_s']:.0f} s ago" if s["pending"] else "")))


@memory.command("reindex")
def memory_reindex(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Rebuild the workspace's index from the database (admin); the server embeds in the background."""
    state = ctx_of(ctx, json_out)
    report = state.client.post("/memory/reindex")
    emit(state, report, lambda r: (
        f"queued {r['queued']} memories for indexing ({r['backfilled']} remembered for the first time); "
        "follow with `mc memory status`"))
