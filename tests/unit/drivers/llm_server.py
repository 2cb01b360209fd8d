"""A scripted OpenAI-compatible server (and webhook receiver) on 127.0.0.1, real HTTP.

`ScriptedServer(handler)`: every POST is handed to `handler(path, headers, body) -> Answer`,
where body is the parsed JSON request. Helpers build chat-completion answers. Requests are
recorded in `server.requests`. Runs in a thread; handlers may sleep or block (each request has
its own thread), so timeouts and hangs are real.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from outbound_allow import allowed


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes sent as is
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without any answer (a restarted server's held requests)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any
    at: float


Handler = Callable[[str, dict[str, str], Any], Answer]


def chat(content: str | dict[str, Any] | list[Any], *, prompt_tokens: int = 100, completion_tokens: int = 20) -> Answer:
    text = content if isinstance(content, str) else json.dumps(content)
    return Answer(body={
        "id": "chatcmpl-1", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })


def tool_calls(*calls: tuple[str, dict[str, Any]], prompt_tokens: int = 50, completion_tokens: int = 10) -> Answer:
    return Answer(body={
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None,
            "tool_calls": [{"id": f"call_{i}", "type": "function",
                            "function": {"name": name, "arguments": json.dumps(args)}}
                           for i, (name, args) in enumerate(calls)]}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
    })


def context_of(body: Any) -> dict[str, Any]:
    """The wake context an openai-driver request carries (the user message, JSON)."""
    return json.loads(body["messages"][-1]["content"])  # type: ignore[no-any-return]


class ScriptedServer:
    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or (lambda path, headers, body: chat({"actions": []}))
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = None
                seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, raw, body, time.perf_counter())
                with server._lock:
                    server.requests.append(seen)
                answer = server.handler(self.path, seen.headers, body)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    return
                payload = answer.body
                data = payload if isinstance(payload, bytes) else (
                    payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
                if answer.status == 204:
                    data = b""
                try:
                    self.send_response(answer.status)
                    ctype = "application/json" if not isinstance(payload, str | bytes) else "text/plain"
                    self.send_header("Content-Type", answer.headers.get("Content-Type", ctype))
                    for name, value in answer.headers.items():
                        if name != "Content-Type":
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ScriptedServer:
        self._allowed = allowed(f"127.0.0.1:{self.httpd.server_address[1]}")
        self._allowed.__enter__()
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self._allowed.__exit__(None, None, None)
        self.httpd.server_close()
        self.thread.join(timeout=2)
