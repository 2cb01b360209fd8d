"""A Reflex plugin that shapes the production frontend build for a quick first load.

Left to itself the bundler gives every icon and every Radix component its own chunk, so the
board's first load fetched 58 scripts from the app server, most under 2 kB, each a request the
(single-process, Python) server answers in turn. Grouping the icons and the Radix components
into one chunk each cuts that to a handful of larger files; a page may now load an icon or a
Radix component it does not use, which costs far less than the requests it saves.
"""

from __future__ import annotations

import logging
from typing import Any

from reflex_base.plugins.base import Plugin

log = logging.getLogger(__name__)

VITE_CONFIG = "vite.config.js"
# Inserted into `build.rollupOptions.output.codeSplitting.groups` of Reflex's generated config.
GROUPS_ANCHOR = "groups: ["
CHUNK_GROUPS = """
            { name: "icons", test: /[\\\\/]node_modules[\\\\/]lucide-react[\\\\/]/, minShareCount: 2 },
            { name: "radix", test: /[\\\\/]node_modules[\\\\/]@radix-ui[\\\\/]/ },"""


def group_chunks(vite_config: str) -> str:
    """Add the chunk groups to a generated vite.config.js (unchanged if Reflex's template moved)."""
    if vite_config.count(GROUPS_ANCHOR) != 1:
        log.warning("vite.config.js has no single codeSplitting groups list; chunk grouping skipped")
        return vite_config
    return vite_config.replace(GROUPS_ANCHOR, GROUPS_ANCHOR + CHUNK_GROUPS, 1)


class FirstLoadBuild(Plugin):
    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](VITE_CONFIG, group_chunks)
