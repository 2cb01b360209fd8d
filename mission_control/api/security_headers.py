"""Security headers on every HTTP response: the UI's pages and assets, the API, /ping.

The Content-Security-Policy is the second line behind the markdown component (no raw HTML,
allow-listed URLs): should markup ever slip through, the browser still refuses to run it.

- Inline scripts: the built pages carry a few (React Router's boot module and context, the
  colour-mode script, React's streaming helpers). They change with every build, so each HTML
  response is allowed exactly the inline scripts it contains, by SHA-256 hash, computed from
  the body as it is sent. Nothing injected into the DOM later carries one of those hashes.
- 'unsafe-eval': Reflex 0.10.1 delivers every client action a backend handler returns
  (`rx.toast`, `rx.call_script`, `rx.set_clipboard`, ...) as JavaScript source that its
  state.js runs with `eval()`. Without it no toast would show. Those strings come from the
  app's own Python code, never from stored text, and eval cannot be reached by markup.
- style-src 'unsafe-inline': Radix and Emotion set style attributes and insert <style> tags
  at run time; style cannot run script.
- img-src allows https: because markdown may show images from https sites; the markdown
  component refuses any other scheme.
- A 304 carries no policy: the browser keeps the one it stored with the page, whose hashes
  match that page (a hash-less policy there would replace it and break the cached page).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INLINE_SCRIPT = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' https:",
    "font-src": "'self' data:",
    # 'self' covers the same origin's ws:// and wss:// too (CSP level 3), i.e. Reflex's socket.
    "connect-src": "'self'",
    "frame-src": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# FastAPI's API docs page loads Swagger UI from this CDN.
DOCS_CDN = "https://cdn.jsdelivr.net"
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def script_hashes(html: bytes) -> list[str]:
    """The CSP source for each inline script in a page, in order, without repeats."""
    found = [m.group(1) for m in INLINE_SCRIPT.finditer(html) if m.group(1).strip()]
    sources = (f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in found)
    return list(dict.fromkeys(sources))


def policy(hashes: list[str] | None = None, *, docs: bool = False) -> str:
    directives = dict(BASE_POLICY)
    directives["script-src"] = " ".join([directives["script-src"], *(hashes or [])])
    if docs:
        directives["script-src"] += f" {DOCS_CDN}"
        directives["style-src"] += f" {DOCS_CDN}"
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def _ask_for_gzip_only(scope: Scope) -> None:
    """Ask the static files for gzip or plain bodies only: those are what can be read for hashes.

    Changed in place, not copied: the request observer outside reads what the router writes
    into this same scope (the matched route)."""
    scope["headers"] = [
        (name, (b"gzip" if b"gzip" in value.lower() else b"identity") if name == b"accept-encoding" else value)
        for name, value in scope["headers"]
    ]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, docs_path: str | None = None) -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] == self.docs_path
        held: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS.items():
                    headers.setdefault(name, value)
                if message["status"] == 304:
                    await send(message)
                elif headers.get("content-type", "").startswith("text/html") and scope["method"] != "HEAD":
                    held = message  # sent with its policy once the body shows which scripts it has
                else:
                    headers["Content-Security-Policy"] = policy(docs=docs)
                    await send(message)
                return
            if held is None:
                await send(message)
                return
            if message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                raw = b"".join(body)
            elif message["type"] == "http.response.pathsend":
                raw = Path(message["path"]).read_bytes()
            else:
                await send(message)
                return
            start, held = held, None
            headers = MutableHeaders(scope=start)
            if headers.get("content-encoding") == "gzip":
                raw = gzip.decompress(raw)
            headers["Content-Security-Policy"] = policy(script_hashes(raw), docs=docs)
            await send(start)
            if message["type"] == "http.response.body":
                await send({**message, "body": b"".join(body)})
            else:
                await send(message)

        _ask_for_gzip_only(scope)
        await self.app(scope, receive, send_with_headers)
