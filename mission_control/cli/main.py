"""`mc`: the Mission Control command line, a client of the agent API.

Reads MC_URL (default http://127.0.0.1:3000) and MC_API_KEY. Every command takes --json.

Exit codes: 0 ok · 1 failed · 2 usage · 3 no/refused key · 4 forbidden · 5 not found ·
6 invalid input or refused change · 7 conflict · 8 rate limited · 9 server unreachable ·
10 server error · 11 audit chain broken.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from mission_control.cli import commands, working
from mission_control.cli.client import ApiError, Client
from mission_control.cli.memory import memory
from mission_control.cli.output import Ctx, JsonOpt, ctx_of, emit, fail
from mission_control.config import ClientSettings

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(commands.tasks, name="tasks")
app.add_typer(commands.docs, name="docs")
app.add_typer(commands.audit, name="audit")
app.add_typer(working.working_md, name="working-md")
app.command("wake")(working.wake)
app.add_typer(memory, name="memory")


@app.callback()
def _root(
    ctx: typer.Context,
    url: Annotated[
        str | None, typer.Option("--url", help="Server address (default: MC_URL).")
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="API key (default: MC_API_KEY).")] = None,
    json_out: JsonOpt = False,
) -> None:
    settings = ClientSettings()
    client = Client(
        url or settings.url,
        key if key is not None else settings.api_key,
        timeout=settings.timeout_s,
    )
    ctx.obj = Ctx(client=client, json=json_out)
    ctx.call_on_close(client.close)


@app.command()
def whoami(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Who your key acts as, and in which workspace."""
    state = ctx_of(ctx, json_out)
    me = state.client.get("/me")
    emit(
        state,
        me,
        lambda m: f"{m['name']} ({m['type']}, {m['role']}) in workspace {m['workspace']['slug']}",
    )


@app.command()
def comment(
    ctx: typer.Context,
    task_id: int,
    body: Annotated[str, typer.Argument(help="The message; '-' reads it from standard input.")],
    reply_to: Annotated[
        int | None, typer.Option("--reply-to", help="Message id to reply to.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Post a message on a task's thread (@name mentions notify)."""
    state = ctx_of(ctx, json_out)
    text = sys.stdin.read() if body == "-" else body
    posted = state.client.post(
        f"/tasks/{task_id}/messages", {"body": text, "parent_message_id": reply_to}
    )

    def human(m: dict[str, Any]) -> str:
        note = f"; notified {', '.join(m['notified'])}" if m["notified"] else ""
        unknown = (
            f"; nobody called {', '.join(m['unknown_mentions'])}" if m["unknown_mentions"] else ""
        )
        return f"posted message {m['id']} on #{task_id}{note}{unknown}"

    emit(state, posted, human)


@app.command()
def notifications(
    ctx: typer.Context,
    unread: Annotated[bool, typer.Option("--unread", help="Only unread ones.")] = False,
    mark_read: Annotated[
        bool, typer.Option("--mark-read", help="Then mark them all read.")
    ] = False,
    limit: int = 50,
    json_out: JsonOpt = False,
) -> None:
    """Your notifications, newest first."""
    state = ctx_of(ctx, json_out)
    page = state.client.get("/notifications", unread=str(unread).lower(), limit=limit)
    if mark_read:
        page["marked_read"] = state.client.post("/notifications/read-all")["marked_read"]

    def human(p: dict[str, Any]) -> str:
        lines = [
            f"{'  ' if n['read_at'] else '* '}{n['created_at'][:16]}  {n['text']}"
            for n in p["items"]
        ]
        if not lines:
            lines = ["no notifications" + (" unread" if unread else "")]
        if "marked_read" in p:
            lines.append(f"marked {p['marked_read']} read")
        return "\n".join(lines)

    emit(state, page, human)


@app.command()
def login(
    ctx: typer.Context,
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    handle: Annotated[str, typer.Option(help="Your operator handle.")],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "mc cli",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Sign in as an operator and print a personal token (use it as MC_API_KEY)."""
    state = ctx_of(ctx, json_out)
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True)
    )
    created = state.client.request(
        "POST",
        "/auth/tokens",
        json={"workspace": workspace, "handle": handle, "password": password, "name": name},
        auth=False,
    )
    emit(state, created, lambda c: f"{c['token']}\n(shown once: export MC_API_KEY=<this token>)")


@app.command()
def simulate(
    ctx: typer.Context,
    agents: Annotated[int, typer.Option(min=1, max=200, help="Simulated agents.")] = 10,
    tasks: Annotated[int, typer.Option(min=0, max=10000, help="Tasks to file first.")] = 100,
    duration: Annotated[float, typer.Option(min=1, max=86400, help="Stop after S seconds.")] = 60,
    pace: Annotated[
        float, typer.Option(min=0, help="Mean pause between an agent's steps (0: flat out).")
    ] = 0.5,
    json_out: JsonOpt = False,
) -> None:
    """Play a squad of agents through the API (needs an admin's token as MC_API_KEY)."""
    import asyncio

    from mission_control.cli.simulate import simulate as run_simulation

    state = ctx_of(ctx, json_out)
    report = asyncio.run(run_simulation(
        state.client.url, state.client.key, agents=agents, tasks=tasks, duration_s=duration,
        pace_s=pace,
    ))
    summary = report.as_dict()

    def human(r: dict[str, Any]) -> str:
        lines = [f"{r['actions']} actions in {r['seconds']} s ({r['actions_per_s']}/s), "
                 f"{r['tasks_done']} tasks done, errors: {r['errors'] or 'none'}"]
        for name, row in r["per_action"].items():
            lines.append(f"  {name:<12} {row['count']:>5}  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms")
        return "\n".join(lines)

    emit(state, summary, human)


@app.command()
def mcp(ctx: typer.Context) -> None:
    """Serve the same operations as MCP tools on stdin/stdout (for MCP-capable agents)."""
    from mission_control.cli.mcp_server import serve  # the SDK loads only when asked for

    state = ctx_of(ctx)
    state.client.get("/me")  # fail fast, on stderr, with a wrong URL or key
    serve(state.client)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns (and exits with) the exit code."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        # Standalone mode: usage errors print and exit 2, Abort exits 1, typer.Exit(n) exits n.
        app(args=args, prog_name="mc", standalone_mode=True)
        code = 0
    except ApiError as error:
        code = fail(error, as_json)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
