"""Every response carries the security headers; a page's Content-Security-Policy allows exactly
the inline scripts that page was built with, so script injected into it later cannot run."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

from mission_control.api.app import create_api
from mission_control.api.security_headers import SecurityHeaders
from mission_control.config import Settings

BOOT = 'window.__booted = "yes";'
MODULE = 'import "/assets/x.js";'
PAGE = f"""<!DOCTYPE html><html><head><script>{BOOT}</script>
<script type="module" async="">{MODULE}</script><script src="/assets/y.js"></script></head>
<body><p>hi</p></body></html>"""


def _sha(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def _directives(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    csp = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in csp.split(";")) if d}


@pytest.fixture
def site(tmp_path: Path, db) -> TestClient:  # type: ignore[no-untyped-def]
    """The API with a built frontend mounted under it, as Reflex mounts itself in production."""
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "index.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (tmp_path / "app.js").write_text("console.log(1)")
    app = create_api(Settings(api_rate_limit="100000/minute"))
    app.mount("", PrecompressedStaticFiles(directory=tmp_path, html=True, encodings=["gzip"]))
    return TestClient(app)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/tasks", "/app.js", "/"])
def test_every_response_has_the_security_headers(site, path):  # type: ignore[no-untyped-def]
    r = site.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"
    d = _directives(r)
    assert d["frame-src"] == "'none'" and d["object-src"] == "'none'" and d["base-uri"] == "'self'"
    assert d["frame-ancestors"] == "'none'" and d["connect-src"] == "'self'"
    assert d["img-src"] == "'self' https:"  # no data: or http: images
    assert "'unsafe-inline'" not in d["script-src"]


@pytest.mark.parametrize("encoding", ["gzip", "identity", "gzip, deflate, br, zstd"])
def test_a_page_may_run_its_own_inline_scripts_and_no_others(site, encoding):  # type: ignore[no-untyped-def]
    r = site.get("/", headers={"accept-encoding": encoding})
    assert r.status_code == 200 and r.text == PAGE
    script_src = _directives(r)["script-src"].split()
    hashes = [s for s in script_src if s.startswith("'sha256-")]
    assert hashes == [_sha(BOOT), _sha(MODULE)]


def test_a_not_modified_page_keeps_the_policy_stored_with_it(site):  # type: ignore[no-untyped-def]
    first = site.get("/", headers={"accept-encoding": "gzip"})
    again = site.get("/", headers={"accept-encoding": "gzip", "if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
    assert again.headers["x-content-type-options"] == "nosniff"


def test_a_page_sent_by_path_is_read_for_its_scripts(tmp_path: Path) -> None:
    """Servers offering `http.response.pathsend` (granian) get the file's path, not its bytes."""
    (tmp_path / "index.html").write_text(PAGE)
    app = SecurityHeaders(PrecompressedStaticFiles(directory=tmp_path, html=True))
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "root_path": "", "query_string": b"",
             "headers": [(b"host", b"x")], "extensions": {"http.response.pathsend": {}}, "http_version": "1.1",
             "scheme": "http", "server": ("x", 80)}
    asyncio.run(app(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    csp = dict(sent[0]["headers"])[b"content-security-policy"].decode()
    assert _sha(BOOT) in csp and _sha(MODULE) in csp


def test_the_api_docs_page_may_load_swagger_ui(site):  # type: ignore[no-untyped-def]
    r = site.get("/api/v1/docs")
    assert r.status_code == 200
    script_src = _directives(r)["script-src"]
    assert "https://cdn.jsdelivr.net" in script_src and "'sha256-" in script_src
