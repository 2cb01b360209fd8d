"""The one markdown renderer for stored text (descriptions, messages, documents, WORKING.md).

Everything it shows may have been written by an agent steered by a prompt injection, so it is
rendered as hostile input:

- no raw HTML: Reflex's `rx.markdown` adds rehype-raw, which turns `<iframe srcdoc=...>` or
  `<img onerror=...>` in the text into live elements. Without it react-markdown shows such
  markup as plain text.
- link targets only `http(s):`, `mailto:` or relative; image sources only `https:` or this
  app's own origin. Anything else loses its URL (the link stays as inert text, the image
  loads nothing). The check runs in the browser on the parsed markdown, so entity- or
  reference-style tricks (`[x][1]`, `&#x6A;avascript:`) are seen after decoding.
- no math (remark-math/KaTeX): agents write prices and shell variables, not formulas, and it
  keeps a large HTML-generating renderer off hostile text.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import field
from reflex_base.vars.base import Var
from reflex_components_core.el.elements.typography import Div
from reflex_components_markdown.markdown import Markdown, Plugin

# react-markdown calls urlTransform(url, attribute, hastElement) for every URL attribute and
# drops the attribute when it returns undefined. Browsers ignore leading control characters
# and spaces and strip tabs and newlines anywhere before reading a scheme, so the check does
# too; a backslash counts as a slash, so `/\host` is as protocol-relative as `//host`.
URL_TRANSFORM_JS = r"""((url, key, node) => {
  const u = String(url).replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, "");
  const colon = u.indexOf(":");
  const delimiter = u.search(/[\/\\?#]/);
  const scheme = colon !== -1 && (delimiter === -1 || colon < delimiter) ? u.slice(0, colon).toLowerCase() : null;
  if (node && node.tagName === "img") {
    if (scheme === null) return /^[\/\\]{2}/.test(u) ? undefined : u;
    return scheme === "https" ? u : undefined;
  }
  if (scheme === null) return u;
  return ["http", "https", "mailto"].includes(scheme) ? u : undefined;
})"""


class SafeMarkdown(Markdown):
    """react-markdown with a URL allow-list; the plugins are chosen by `markdown()` below."""

    url_transform: Var[Any] = field(doc="Maps each URL in the rendered tree to a safe one or undefined.")


# A link whose target was refused keeps no href: show it as the plain text it now is.
REFUSED_LINK_STYLE = {"& a:not([href])": {"color": "inherit", "text_decoration": "none", "cursor": "text"}}


def markdown(source: str | Var[str], *, component_map: dict[str, Any] | None = None, **props: Any) -> rx.Component:
    """Render untrusted markdown: GFM, no raw HTML, allow-listed URLs (see the module doc)."""
    return Div.create(
        SafeMarkdown.create(
            source,
            component_map=component_map or {},
            remark_plugins=[Plugin.gfm],
            rehype_plugins=[Plugin.unwrap_images],
            url_transform=Var(_js_expr=URL_TRANSFORM_JS),
        ),
        style=REFUSED_LINK_STYLE,
        **props,
    )
