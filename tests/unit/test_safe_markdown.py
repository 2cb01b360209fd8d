"""Stored text is shown, never run: the markdown component's URL allow-list (the exact
JavaScript the browser runs, executed here with node) and WORKING.md's escaping of the titles,
names and activity lines it is built from."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest
from markdown_it import MarkdownIt

from mission_control.components.markdown import URL_TRANSFORM_JS
from mission_control.services import working_state
from mission_control.services.working_render import md_text

# (url, element) -> what the page may use, None meaning "no URL at all".
URL_CASES = [
    ("https://example.com/a?b=c#d", "a", "https://example.com/a?b=c#d"),
    ("HTTP://example.com", "a", "HTTP://example.com"),
    ("mailto:ops@example.com", "a", "mailto:ops@example.com"),
    ("/tasks/12", "a", "/tasks/12"),
    ("#message-3", "a", "#message-3"),
    ("../documents/4", "a", "../documents/4"),
    ("notes?x=a:b", "a", "notes?x=a:b"),
    ("javascript:alert(1)", "a", None),
    ("JaVaScRiPt:alert(1)", "a", None),
    (" \x01javascript:alert(1)", "a", None),
    ("java\tscript:alert(1)", "a", None),
    ("java\nscript:alert(1)", "a", None),
    ("vbscript:msgbox(1)", "a", None),
    ("data:text/html,<script>alert(1)</script>", "a", None),
    ("file:///etc/passwd", "a", None),
    ("blob:https://example.com/x", "a", None),
    ("https://example.com/x.png", "img", "https://example.com/x.png"),
    ("/assets/logo.png", "img", "/assets/logo.png"),
    ("logo.png", "img", "logo.png"),
    ("http://example.com/x.png", "img", None),
    ("//evil.example/x.png", "img", None),
    ("/\\evil.example/x.png", "img", None),
    (" //evil.example/x.png", "img", None),
    ("/\t/evil.example/x.png", "img", None),
    ("data:image/svg+xml,<svg onload=alert(1)>", "img", None),
    ("javascript:alert(1)", "img", None),
    ("mailto:ops@example.com", "img", None),
]


def _transform_in_node(cases: list[tuple[str, str, str | None]]) -> list[str | None]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        f"const t = {URL_TRANSFORM_JS};\n"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "const out = cases.map(([url, tag]) => { const r = t(url, tag === 'img' ? 'src' : 'href', "
        "{type: 'element', tagName: tag}); return r === undefined ? null : r; });\n"
        "process.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run([node, "-e", script], input=json.dumps(cases), capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


def test_links_keep_only_web_mail_and_relative_targets_and_images_only_https_or_this_site() -> None:
    got = _transform_in_node(URL_CASES)
    wrong = [(url, tag, want, out) for (url, tag, want), out in zip(URL_CASES, got, strict=True)
             if (out is None) != (want is None) or (want is not None and out != want.replace("\t", ""))]
    assert wrong == []


HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "[click](javascript:window.__pwned=1)",
    "![x](https://evil.example/p.png)",
    "<javascript:alert(1)>",
    "line one\n# Heading from a title\n- and a list",
    "`code` **bold** _em_ ~~gone~~ &lt;b&gt; \\",
    "[ref][r]\n\n[r]: https://evil.example",
]


def _rendered(markdown: str) -> str:
    # Raw HTML on, as rehype-raw would: anything that survives escaping shows up as a tag here.
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_same_text_and_nothing_else(text: str) -> None:
    out = _rendered(f"- {md_text(text)}")
    assert re.findall(r"<(?!/?(?:ul|li)>)[^>]*>", out) == []
    assert html.unescape(re.sub(r"<[^>]+>", "", out)).strip() == re.sub(r"\s+", " ", text).strip()


def test_bare_addresses_are_escaped_so_gfm_does_not_link_them() -> None:
    assert md_text("see https://evil.example and www.evil.example or ops@evil.example") == (
        "see https\\://evil.example and www\\.evil.example or ops\\@evil.example"
    )
    assert md_text("@boss moved #12: ready") == "@boss moved #12: ready"


def test_working_md_shows_hostile_titles_names_and_activity_as_text(session, workspace, make_agent, make_task):  # type: ignore[no-untyped-def]
    evil = '<img src=x onerror="window.__pwned=1"> [x](javascript:alert(1)) ![i](https://evil.example/i.png)'
    make_agent("Mallory", role="<script>x</script>](javascript:x)")
    make_task(f"{evil}\n# Owned")
    workspace.name = "Squad\n## <iframe srcdoc=x>"
    session.add(workspace)
    session.commit()
    content = working_state.read(session=session, workspace_id=workspace.id).content
    out = _rendered(content)
    assert not re.search(r"<(a|img|script|iframe)\b", out)
    headings = re.findall(r"<h\d>(.*?)</h\d>", out)
    assert headings[0].startswith("WORKING.md — Squad ## &lt;iframe")
    assert not [h for h in headings if "Owned" in h]
    assert evil in html.unescape(out)
