"""Reflex configuration. The database URL comes from the one settings object."""

import reflex as rx

from mission_control.config import get_settings

config = rx.Config(
    app_name="mission_control",
    db_url=get_settings().resolved_database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium")),
    ],
)
